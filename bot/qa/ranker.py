"""The learned reranker: what each candidate sentence is measured by (its features), and
the linear model, trained on public question-answer data, that weighs them.

The index ranks by BM25 evidence; its first hits are the candidates, and the model's
score orders them (`bot.qa.rerank`). Every feature of a candidate is read from the
candidate, the other candidates, the `Query` and the terms the index holds for the
sentence, never from anything past the candidates, so their order does not depend on
how many hits were asked for. The model is a small JSON file next to this module
(`ranker.json`: feature names, normalisation, weights, depth, and how it was made),
written by bench/train_ranker.py, which also measures each feature (README, "How
answers are found").
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.qa.cues import has_answer_type
from bot.search.index import Hit, Index
from bot.search.query import AnswerType, Query

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

MODEL_FILE = "ranker.json"


@dataclass(frozen=True, slots=True)
class Pool:
    """What a candidate's features compare it with: the query and all the candidates."""

    query: Query
    size: int
    best_score: float
    """The highest BM25 evidence among the candidates."""
    holders: int
    """How many candidates hold the kind of answer the query asks for."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate as the features read it."""

    hit: Hit
    terms: tuple[str, ...]
    """The terms the index holds for its sentence, in order."""
    holds: bool
    """Whether it holds the kind of answer the query asks for (`bot.qa.cues`)."""
    pool: Pool


def _evidence(candidate: Candidate) -> float:
    """Its BM25 evidence (sentence and paragraph) over the best candidate's."""
    best = candidate.pool.best_score
    return candidate.hit.score / best if best > 0 else 0.0


def _answer_rarity(candidate: Candidate) -> float:
    """Holding the kind of answer asked for, the more so the fewer candidates do:
    log2((candidates + 1) / (holders + 1)), 0 for a candidate that does not hold it."""
    if not candidate.holds:
        return 0.0
    pool = candidate.pool
    return math.log2((pool.size + 1) / (pool.holders + 1))


def _answer_number(candidate: Candidate) -> float:
    """Holding a number when the question asks how many, how much, how long ..."""
    return float(candidate.holds and candidate.pool.query.kind is AnswerType.NUMBER)


def _compactness(candidate: Candidate) -> float:
    """How close together its matched terms stand: their number over the length of the
    stretch of the sentence that holds them all (1: side by side)."""
    matched = candidate.hit.matched
    where = [at for at, term in enumerate(candidate.terms) if term in matched]
    if not where:
        return 0.0
    return len(matched) / (where[-1] - where[0] + 1)


FEATURES: Mapping[str, Callable[[Candidate], float]] = {
    "evidence": _evidence,
    "answer_rarity": _answer_rarity,
    "answer_number": _answer_number,
    "compactness": _compactness,
}
"""What a candidate is measured by, by name: a model names the ones it weighs."""


def candidates(index: Index, query: Query, hits: Sequence[Hit]) -> list[Candidate]:
    """The hits (the index's best, best first) as the features read them."""
    kind = query.kind
    asked = query.counts.keys()
    holds = [
        kind is not None and has_answer_type(hit.sentence.text, kind, asked, index.analyzer)
        for hit in hits
    ]
    pool = Pool(
        query=query,
        size=len(hits),
        best_score=max((hit.score for hit in hits), default=0.0),
        holders=sum(holds),
    )
    return [
        Candidate(hit, index.terms_of(hit.sentence), held, pool)
        for hit, held in zip(hits, holds, strict=True)
    ]


def feature_matrix(
    index: Index, query: Query, hits: Sequence[Hit], names: Sequence[str]
) -> FloatArray:
    """The features `names` of each hit, one row a hit."""
    measures = [FEATURES[name] for name in names]
    rows = [[measure(c) for measure in measures] for c in candidates(index, query, hits)]
    return np.array(rows, dtype=np.float64).reshape(len(hits), len(names))


@dataclass(frozen=True, slots=True)
class Ranker:
    """A linear model over candidate features: score = ((x - mean) / scale) . weights."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    depth: int
    """How many of the index's best hits it was trained to reorder."""
    provenance: Mapping[str, Any]
    """How it was made (data, split, model, command): for people; the code ignores it."""

    def scores(self, index: Index, query: Query, hits: Sequence[Hit]) -> FloatArray:
        """The model's score of each hit: higher, more likely to hold the answer. Only
        comparable between candidates of one question."""
        if not hits:
            return np.empty(0, dtype=np.float64)
        matrix = feature_matrix(index, query, hits, self.features)
        return np.asarray(((matrix - self.mean) / self.scale) @ self.weights, dtype=np.float64)

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "mean": self.mean.tolist(),
                "scale": self.scale.tolist(),
                "weights": self.weights.tolist(),
                "depth": self.depth,
                "provenance": dict(self.provenance),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Ranker:
        """The model a `to_json` text describes. ValueError for a feature this module
        does not know, or not one mean, scale (positive) and weight a feature."""
        data = json.loads(text)
        features = tuple(str(name) for name in data["features"])
        unknown = [name for name in features if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown ranker features: {', '.join(unknown)}")
        mean, scale, weights = (
            np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "weights")
        )
        if any(array.shape != (len(features),) for array in (mean, scale, weights)):
            raise ValueError("the ranker needs one mean, scale and weight a feature")
        if not (scale > 0).all():
            raise ValueError("the ranker's scales must be positive")
        return cls(features, mean, scale, weights, int(data["depth"]), data.get("provenance", {}))


@cache
def shipped() -> Ranker:
    """The model that ships with the package (`ranker.json` beside this module)."""
    text = resources.files("bot.qa").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    ranker = Ranker.from_json(text)
    log.debug("reranker loaded: %s, depth %d", ", ".join(ranker.features), ranker.depth)
    return ranker

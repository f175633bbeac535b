"""The index checked against rank-bm25, which defines its scores (`check --verify`).

rank-bm25's `BM25Okapi` is built over the index's sentences, each as the terms the
analyzer made of it when the corpus was indexed, with the idf guard the index applies
(`guarded_idf`); every question is then scored by both. The index's scores compared
are pure BM25Okapi sentence scores: searched with no paragraph share and no
answer-type bonus.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

from bot.corpus import column
from bot.search.index import Index, Ranking
from bot.search.params import BM25Params, guarded_idf

# rank-bm25 adds a sentence's parts in query order (the index rarest first) and sums the
# average idf in another order: scores differ in the last bits, far below this.
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Verification:
    """How the index's top k agreed with rank-bm25's over some questions."""

    questions: int
    k: int
    agreeing: int
    """Questions whose top k agree: the same scores, and each of the index's sentences
    scoring that in rank-bm25 (sentences with equal scores may stand in any order)."""
    max_difference: float
    """The largest |score difference| over the top k of every question (infinite where
    the two top k differ in length)."""
    disagreeing: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return self.agreeing == self.questions

    def summary(self) -> str:
        """One line, e.g. `verify: 200 questions, top 10 agree in 200/200, max |score
        difference| 1.8e-15: ok`."""
        verdict = "ok" if self.agrees else "DISAGREES"
        return (
            f"verify: {self.questions} questions, top {self.k} agree in "
            f"{self.agreeing}/{self.questions}, max |score difference| "
            f"{self.max_difference:.1e}: {verdict}"
        )


def sample_questions(index: Index, count: int, seed: int = 0) -> list[str]:
    """`count` questions taken from the corpus itself, the same for the same corpus and
    seed: titles of documents for half, sentences for the rest."""
    rng = random.Random(seed)
    titles = [title for title in column(index.documents, "title") if title.strip()]
    chosen = rng.sample(titles, min(count // 2, len(titles)))
    sentences = index.sentences
    at = rng.sample(range(len(sentences)), min(count - len(chosen), len(sentences)))
    return chosen + [sentences[i].text for i in sorted(at)]


def verify(index: Index, params: BM25Params, questions: Sequence[str], k: int = 10) -> Verification:
    """The index's top k for each question checked against rank-bm25's scores, with the
    BM25 parameters the index was built with."""
    sentences = list(index.sentences)
    number = {(s.document.id, s.position): at for at, s in enumerate(sentences)}
    okapi = BM25Okapi(
        [index.terms_of(s) for s in sentences], k1=params.k1, b=params.b, epsilon=params.epsilon
    )
    okapi.idf = guarded_idf(okapi, params.epsilon)
    # The same index, ranking by BM25 alone: no paragraph share.
    bm25_only = dataclasses.replace(index, ranking=Ranking(paragraph_weight=0.0))
    agreeing = 0
    worst = 0.0
    disagreeing = []
    for question in questions:
        query = index.parse(question)
        reference = np.asarray(okapi.get_scores(list(query.terms)), dtype=np.float64)
        hits = bm25_only.search(query, k)
        found = [number[(hit.sentence.document.id, hit.sentence.position)] for hit in hits]
        difference = _difference(found, [hit.score for hit in hits], reference, k)
        worst = max(worst, difference)
        if difference <= TOLERANCE:
            agreeing += 1
        else:
            disagreeing.append(question)
    return Verification(
        questions=len(questions),
        k=k,
        agreeing=agreeing,
        max_difference=worst,
        disagreeing=tuple(disagreeing),
    )


def _difference(
    found: list[int], scores: list[float], reference: npt.NDArray[np.float64], k: int
) -> float:
    """The largest |score difference| between the index's top k (sentences `found`
    scoring `scores`) and rank-bm25's scores of every sentence (`reference`): of each
    sentence found, and rank by rank; infinite when the top k differ in length."""
    best = np.sort(reference[reference > 0])[::-1][:k]
    if len(found) != len(best):
        return math.inf
    ours = np.array(scores, dtype=np.float64)
    if not len(ours):
        return 0.0
    of_each = np.abs(ours - reference[np.array(found, dtype=np.intp)])
    by_rank = np.abs(np.sort(ours)[::-1] - best)
    return float(max(of_each.max(), by_rank.max()))

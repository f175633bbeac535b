"""BM25Okapi's parameters and idf, as rank-bm25 defines them (with one guard more).

rank-bm25's `BM25Okapi` defines the scores: its idf, log(N - n + 0.5) - log(n + 0.5)
with negative values floored at epsilon times the average idf, and its k1 and b.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# The least idf a term gets: rank-bm25's idf below it (zero, negative, or a floor of
# epsilon * average idf that is not above it) is raised to the floor or to this.
MIN_IDF = 1e-6


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi's parameters (see rank-bm25). k1 and b default to Anserini's 0.9 and 0.4,
    which rank sentences better than rank-bm25's 1.5 and 0.75 (see bench/squad.py)."""

    k1: float = 0.9
    b: float = 0.4
    epsilon: float = 0.25


def okapi_idf(holding: npt.NDArray[Any], size: int, epsilon: float) -> FloatArray:
    """rank-bm25's BM25Okapi idf of terms each held by `holding` of `size` units
    (sentences, or paragraphs), with every value positive.

    rank-bm25 floors negative idf at epsilon * average idf, but leaves a term
    in exactly half the units at 0, and when the average idf is not
    positive (one unit, or very few) the floor itself is not positive.
    Either way, containing a query term would not raise a score. So an idf
    below `MIN_IDF` becomes the floor, or `MIN_IDF` when the floor is below it:
    a floor near zero (average idf near zero) then gives `MIN_IDF` however the
    average is summed, rather than a positive or negative rounding error.
    """
    frequencies = np.asarray(holding, dtype=np.float64)
    idf = np.log(size - frequencies + 0.5) - np.log(frequencies + 0.5)
    floor = epsilon * float(idf.mean()) if len(idf) else 0.0
    idf = np.where(idf < 0, floor, idf)
    return np.where(idf >= MIN_IDF, idf, max(floor, MIN_IDF))


class OkapiLike(Protocol):
    """What `guarded_idf` reads of a rank-bm25 `BM25Okapi`."""

    idf: dict[str, float]
    average_idf: float


def guarded_idf(okapi: OkapiLike, epsilon: float) -> dict[str, float]:
    """A rank-bm25 `BM25Okapi`'s idf table with the guard of `okapi_idf` applied, to
    score with rank-bm25 itself what the index scores (see `bot.search.verify`)."""
    floor = max(epsilon * okapi.average_idf, MIN_IDF)
    return {term: (idf if idf >= MIN_IDF else floor) for term, idf in okapi.idf.items()}

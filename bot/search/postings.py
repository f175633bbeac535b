"""An inverted index in CSR arrays, each posting holding its term's BM25Okapi
contribution to the score of the unit it is in.

The units are sentences in one index and paragraphs in another (`bot.search.index` builds
both); a unit's score for a query is the sum of its postings' contributions for the
query's terms, which equals rank-bm25's `get_scores` (the same floating-point
operations, see `Postings.from_postings`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.search.params import BM25Params, FloatArray, okapi_idf

IntArray = npt.NDArray[np.int64]
UnitArray = npt.NDArray[np.int32]
CountArray = npt.NDArray[np.unsignedinteger[Any]]

# Postings whose contributions are computed at a time, so that the temporaries stay in
# the processor's cache while an index is built.
_BUILD_CHUNK = 1 << 18


def _count_dtype(largest: int) -> type[np.unsignedinteger[Any]]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if largest <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


class TermIds(Protocol):
    """Term -> its id: a dict, or the `bot.search.snapshot.Terms` of a stored index."""

    def get(self, term: str, /) -> int | None: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True, slots=True, eq=False)
class Postings:
    """term -> (units holding it, how often, what it adds to their scores), in CSR arrays."""

    vocabulary: TermIds
    idf: FloatArray
    """By term id."""
    indptr: IntArray
    """Postings of term t are `units[indptr[t]:indptr[t + 1]]`, in increasing order."""
    units: UnitArray
    frequencies: CountArray
    impact: FloatArray
    """By posting: what the term adds to the unit's score, idf * tf * (k1 + 1) /
    (tf + k1 * (1 - b + b * length / average length)), exactly as rank-bm25 computes it."""
    lengths: npt.NDArray[np.int32]
    """By unit: how many terms it has."""
    params: BM25Params
    """What the contributions were worked out with."""

    @classmethod
    def from_postings(
        cls,
        vocabulary: TermIds,
        indptr: IntArray,
        units: UnitArray,
        frequencies: CountArray,
        *,
        lengths: npt.NDArray[np.int32],
        params: BM25Params,
    ) -> Postings:
        """The index over these postings with the parameters' idf and length norms.

        Every term of the vocabulary must occur in some unit.
        """
        size = len(lengths)
        counts = np.diff(indptr)
        idf = okapi_idf(counts, size, params.epsilon)
        # As rank-bm25: the average length is the total over the count of units, and
        # a contribution is idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))).
        average_length = int(lengths.sum(dtype=np.int64)) / size
        length_norm = params.k1 * (
            1 - params.b + params.b * lengths.astype(np.float64) / average_length
        )
        impact = np.empty(len(units), dtype=np.float64)
        # In chunks of whole terms: the temporaries stay in cache.
        cuts = np.searchsorted(indptr, np.arange(0, len(units), _BUILD_CHUNK), "right") - 1
        for first, last in itertools.pairwise([*np.unique(cuts).tolist(), len(idf)]):
            start, end = int(indptr[first]), int(indptr[last])
            tf = frequencies[start:end].astype(np.float64)
            denominator = tf + length_norm.take(units[start:end].astype(np.intp))
            tf *= params.k1 + 1
            np.divide(tf, denominator, out=impact[start:end])
            impact[start:end] *= np.repeat(idf[first:last], counts[first:last])
        return cls(
            vocabulary=vocabulary,
            idf=idf,
            indptr=indptr,
            units=units,
            frequencies=frequencies,
            impact=impact,
            lengths=lengths,
            params=params,
        )

    @classmethod
    def from_tokens(
        cls,
        tokens: npt.NDArray[np.integer[Any]],
        owners: npt.NDArray[np.integer[Any]],
        size: int,
        vocabulary: TermIds,
        params: BM25Params,
    ) -> Postings:
        """Index `size` units from their tokens: term ids, each with the unit it is in.

        Every term of the vocabulary must occur in some token (else ValueError when
        there is no token at all).
        """
        if size <= 0 or len(tokens) == 0:
            raise ValueError("BM25 needs at least one term to index")
        # Sorted by (term, unit), each term's units are in order and a unit that holds a
        # term twice is two neighbours. The pair is one 64-bit key, term above unit: a
        # sort of values is several times faster than a stable sort of positions, and
        # the low half of each sorted key is its unit.
        count = len(tokens)
        by_term = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(tokens, minlength=len(vocabulary)), out=by_term[1:])
        keys = tokens.astype(np.int64)
        keys <<= 32
        keys |= owners
        keys.sort()
        units = keys.astype(np.int32)  # the low 32 bits
        del keys
        first = np.empty(count, dtype=bool)
        first[0] = True
        np.not_equal(units[1:], units[:-1], out=first[1:])
        term_starts = by_term[1:-1]
        first[term_starts[term_starts < count]] = True
        starts = np.flatnonzero(first)
        del first
        # Each temporary is let go as soon as the next step has what it needs from it.
        posting_units = units.take(starts).astype(np.int32, copy=False)
        del units
        counts = np.empty(len(starts), dtype=np.uint32)  # tokens of one term in one unit
        np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
        counts[-1] = count - starts[-1]
        indptr = np.searchsorted(starts, by_term)
        del starts
        return cls.from_postings(
            vocabulary,
            indptr,
            posting_units,
            counts.astype(_count_dtype(int(counts.max()))),
            lengths=np.bincount(owners, minlength=size).astype(np.int32),
            params=params,
        )

    @property
    def size(self) -> int:
        """How many units there are."""
        return len(self.lengths)

    def count(self, term: str) -> int:
        """How many units hold `term` (its document frequency, in BM25's words)."""
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])

    def contains(self, term: str, units: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
        """Which of `units` (any order) hold `term`."""
        term_id = self.vocabulary.get(term)
        if term_id is None or not len(units):
            return np.zeros(len(units), dtype=bool)
        holding = self.units[self.indptr[term_id] : self.indptr[term_id + 1]]
        at = np.minimum(np.searchsorted(holding, units), len(holding) - 1)
        return np.asarray(holding[at] == units, dtype=bool)

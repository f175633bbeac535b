"""An inverted index in CSR arrays, each posting holding its term's BM25Okapi
contribution to the score of the unit it is in.

The units are sentences in one index and paragraphs in another (`bot.search.index` builds
both); a unit's score for a query is the sum of its postings' contributions for the
query's terms, which equals rank-bm25's `get_scores` (the same floating-point
operations, see `Postings.from_postings`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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


def _term_chunks(indptr: IntArray) -> Iterator[tuple[int, int]]:
    """Ranges of whole terms [first, last) of about `_BUILD_CHUNK` postings each, which
    a build takes at a time: its temporaries stay small and in the processor's cache."""
    cuts = np.searchsorted(indptr, np.arange(0, int(indptr[-1]), _BUILD_CHUNK), "right") - 1
    return itertools.pairwise([*np.unique(cuts).tolist(), len(indptr) - 1])


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
        for first, last in _term_chunks(indptr):
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
        counts = counts.astype(_count_dtype(int(counts.max())), copy=False)
        return cls.from_postings(
            vocabulary,
            indptr,
            posting_units,
            counts,
            lengths=np.bincount(owners, minlength=size).astype(np.int32),
            params=params,
        )

    def grouped(self, group_of: npt.NDArray[np.int32], params: BM25Params) -> Postings:
        """The index of groups of these units (paragraphs of sentences): `group_of` gives
        each unit's group, never decreasing, every group from 0 up holding a unit.

        The same index as `from_tokens` over the groups' tokens, made from the postings
        instead: a term's units are in order, so a group's are neighbours, and merging
        them needs no sort and no array the size of the tokens.
        """
        firsts = np.flatnonzero(np.diff(group_of, prepend=-1))  # each group's first unit
        lengths = np.add.reduceat(self.lengths, firsts, dtype=np.int64).astype(np.int32)
        del firsts
        # Two passes over chunks of whole terms: the first counts each term's groups, so
        # that the second writes into arrays of their final size (no parts to join).
        chunks = list(_term_chunks(self.indptr))
        indptr = np.zeros(len(self.indptr), dtype=np.int64)
        for first, last in chunks:
            at, term_starts = self._group_starts(group_of, first, last)
            indptr[first + 1 : last + 1] = np.diff(np.searchsorted(at, term_starts))
        np.cumsum(indptr, out=indptr)
        units = np.empty(int(indptr[-1]), dtype=np.int32)
        frequencies: CountArray = np.empty(len(units), dtype=np.uint8)
        for first, last in chunks:
            at, _ = self._group_starts(group_of, first, last)
            start, end = int(self.indptr[first]), int(self.indptr[last])
            into, until = int(indptr[first]), int(indptr[last])
            group_of.take(self.units[start:end].take(at), out=units[into:until])
            counts = np.add.reduceat(self.frequencies[start:end], at, dtype=np.uint32)
            largest = int(counts.max())
            if largest > np.iinfo(frequencies.dtype).max:  # rare: a term many times over
                frequencies = frequencies.astype(_count_dtype(largest))
            frequencies[into:until] = counts
        return Postings.from_postings(
            self.vocabulary, indptr, units, frequencies, lengths=lengths, params=params
        )

    def _group_starts(
        self, group_of: npt.NDArray[np.int32], first: int, last: int
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
        """For terms [first, last): where in their postings a group's run starts (each
        term's first posting starts one), and where each term's postings start and the
        last ends, both counted from their first posting."""
        start, end = int(self.indptr[first]), int(self.indptr[last])
        group = group_of.take(self.units[start:end])
        new = np.empty(end - start, dtype=bool)
        new[0] = True
        np.not_equal(group[1:], group[:-1], out=new[1:])
        term_starts = self.indptr[first : last + 1] - start
        new[term_starts[:-1]] = True
        return np.flatnonzero(new), term_starts

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

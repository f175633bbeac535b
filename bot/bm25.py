"""BM25Okapi scores, computed sparsely from postings.

rank-bm25's `BM25Okapi` defines the scores: its idf, log(N - n + 0.5) - log(n + 0.5)
with negative values floored at epsilon times the average idf, and its k1 and b.
Here the same idf is computed from document frequencies (with one guard more, see
`okapi_idf`), and scores are evaluated from an inverted index in numpy arrays:
only documents that contain a query term are touched, which is exact, because
under BM25Okapi a document without any query term scores 0.

Each posting holds its term's exact contribution to its document's score (the
same floating-point operations as rank-bm25's `get_scores`), so scoring a term
is adding an array slice into an accumulator. `top` goes further and stays
exact: it adds the rarest terms first while tracking a lower bound of the n-th
best score, stops as soon as what the remaining, common terms could add at most
(their largest contribution to any document) cannot lift a document that has
none of the terms added so far to that bound, and then looks the common terms
up only for the few documents that can still make the top n.

Where the optional compiled kernel (`bot/_kernel.pyx`) was built, `top` runs it
instead: the same terms in the same order, the same floating-point operations, so
the same documents and scores to the last bit, at a million sentences in a third of
the numpy path's median time (bench/scale.py; it adds every posting, in cache-sized
blocks of documents, without the numpy path's pruning). `KERNEL` says which path runs.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

try:  # compiled by setup.py where a C compiler is at hand; else numpy does the same work
    from bot import _kernel
except ImportError:  # pragma: no cover - depends on how the package was built
    _kernel = None  # type: ignore[assignment]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DocArray = npt.NDArray[np.int32]
CountArray = npt.NDArray[np.unsignedinteger[Any]]

# The least idf a term gets: rank-bm25's idf below it (zero, negative, or a floor of
# epsilon * average idf that is not above it) is raised to the floor or to this.
MIN_IDF = 1e-6

# Relative slack added to score bounds before pruning on them: bounds and scores
# are sums of the same float terms in different orders, so they may differ in the
# last bits; the slack keeps pruning on the safe side.
_BOUND_SLACK = 1e-9

# Postings handled at a time when computing their contributions.
_CHUNK = 1 << 18

# Accumulators kept for reuse per index (one per query running at once, up to this many).
_SPARE_ACCUMULATORS = 2

# Whether `top` runs the compiled kernel; tests turn it off to compare the two paths.
KERNEL = _kernel is not None
# `top` stops adding terms once the rest cannot matter; tests turn it off to compare.
_PRUNE = True
# The least positive float: a floor that only excludes zeros.
_TINY = float(np.finfo(np.float64).smallest_subnormal)
# A remaining term is added through the accumulator rather than looked up for each
# candidate when its postings are at most this many times the candidates. Measured at
# 1M sentences: a look-up (a binary search for an unsorted candidate, missing the cache)
# costs about 20 times what adding one posting does. Of 2, 4, 8, 16 and 32, 8 was fastest
# on 1,000 questions (bench/scale.py's corpus); 2 was 2% slower on average, 1-10% at p99.
_ADD_RATHER_THAN_LOOK_UP = 8
# `top` stops adding terms when the documents that may still make the top n are at most
# this share of the next term's postings (else adding it is cheaper than looking it up).
_STOP_RATIO = 2


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi's parameters (see rank-bm25). k1 and b default to Anserini's 0.9 and 0.4,
    which rank sentences better than rank-bm25's 1.5 and 0.75 (see bench/squad.py)."""

    k1: float = 0.9
    b: float = 0.4
    epsilon: float = 0.25


class _OkapiLike(Protocol):
    idf: dict[str, float]
    average_idf: float


def guarded_idf(bm25: _OkapiLike, epsilon: float) -> dict[str, float]:
    """A rank-bm25 `BM25Okapi`'s idf table with the guard of `okapi_idf` applied
    (for checking against rank-bm25 itself)."""
    floor = max(epsilon * bm25.average_idf, MIN_IDF)
    return {term: (idf if idf >= MIN_IDF else floor) for term, idf in bm25.idf.items()}


def okapi_idf(document_frequencies: npt.NDArray[Any], size: int, epsilon: float) -> FloatArray:
    """rank-bm25's BM25Okapi idf of terms found in `document_frequencies` of `size`
    documents, with every value positive.

    rank-bm25 floors negative idf at epsilon * average idf, but leaves a term
    in exactly half the documents at 0, and when the average idf is not
    positive (one document, or very few) the floor itself is not positive.
    Either way, containing a query term would not raise a score. So an idf
    below `MIN_IDF` becomes the floor, or `MIN_IDF` when the floor is below it:
    a floor near zero (average idf near zero) then gives `MIN_IDF` however the
    average is summed, rather than a positive or negative rounding error.
    """
    frequencies = np.asarray(document_frequencies, dtype=np.float64)
    idf = np.log(size - frequencies + 0.5) - np.log(frequencies + 0.5)
    floor = epsilon * float(idf.mean()) if len(idf) else 0.0
    idf = np.where(idf < 0, floor, idf)
    return np.where(idf >= MIN_IDF, idf, max(floor, MIN_IDF))


def _count_dtype(largest: int) -> type[np.unsignedinteger[Any]]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if largest <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


class _Accumulators:
    """Zeroed float arrays of one size for scoring, reused: allocating and faulting in
    8 MB for each query costs more than the query. Handed back zeroed, or dropped."""

    def __init__(self, size: int, *, ready: bool) -> None:
        self.size = size
        self._spare: list[FloatArray] = []
        if ready:  # fault one's pages in now, not in the first query
            first = np.zeros(size, dtype=np.float64)
            first.fill(0.0)
            self._spare.append(first)
        self._lock = threading.Lock()

    def take(self) -> FloatArray:
        with self._lock:
            if self._spare:
                return self._spare.pop()
        return np.zeros(self.size, dtype=np.float64)

    def give(self, array: FloatArray) -> None:
        with self._lock:
            if len(self._spare) < _SPARE_ACCUMULATORS:
                self._spare.append(array)


@dataclass(frozen=True, slots=True, eq=False)
class SparseBM25:
    """An inverted index: term -> (documents, counts, contributions), in CSR arrays."""

    vocabulary: Mapping[str, int]
    idf: FloatArray
    """By term id."""
    indptr: IntArray
    """Postings of term t are `documents[indptr[t]:indptr[t + 1]]`."""
    documents: DocArray
    frequencies: CountArray
    impact: FloatArray
    """By posting: what the term adds to the document's score, idf * tf * (k1 + 1) /
    (tf + k1 * (1 - b + b * length / average length)), exactly as rank-bm25 computes it."""
    lengths: npt.NDArray[np.int32]
    """By document: how many terms it has."""
    bound: FloatArray
    """By term id: the most the term adds to any document's score."""
    _accumulators: _Accumulators = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The compiled kernel has accumulators of its own, of a block's size.
        accumulators = _Accumulators(len(self.lengths), ready=not KERNEL)
        object.__setattr__(self, "_accumulators", accumulators)

    @classmethod
    def from_postings(
        cls,
        vocabulary: Mapping[str, int],
        indptr: IntArray,
        documents: DocArray,
        frequencies: CountArray,
        *,
        lengths: npt.NDArray[np.int32],
        params: BM25Params,
    ) -> SparseBM25:
        """The index over these postings with the parameters' idf and length norms.

        Every term of the vocabulary must occur in some document.
        """
        size = len(lengths)
        counts = np.diff(indptr)
        idf = okapi_idf(counts, size, params.epsilon)
        # As rank-bm25: the average length is the total over the count of documents, and
        # a contribution is idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))).
        average_length = int(lengths.sum(dtype=np.int64)) / size
        length_norm = params.k1 * (
            1 - params.b + params.b * lengths.astype(np.float64) / average_length
        )
        impact = np.empty(len(documents), dtype=np.float64)
        # In chunks of whole terms: the temporaries stay in cache.
        cuts = np.unique(np.searchsorted(indptr, np.arange(0, len(documents), _CHUNK), "right") - 1)
        for first, last in itertools.pairwise([*cuts.tolist(), len(idf)]):
            start, end = int(indptr[first]), int(indptr[last])
            tf = frequencies[start:end].astype(np.float64)
            denominator = tf + length_norm.take(documents[start:end].astype(np.intp))
            tf *= params.k1 + 1
            np.divide(tf, denominator, out=impact[start:end])
            impact[start:end] *= np.repeat(idf[first:last], counts[first:last])
        bound = np.zeros(len(idf), dtype=np.float64)
        if len(documents):
            bound = np.maximum.reduceat(impact, indptr[:-1])
        return cls(
            vocabulary=vocabulary,
            idf=idf,
            indptr=indptr,
            documents=documents,
            frequencies=frequencies,
            impact=impact,
            lengths=lengths,
            bound=bound,
        )

    @classmethod
    def from_tokens(
        cls,
        tokens: npt.NDArray[np.integer[Any]],
        owners: npt.NDArray[np.integer[Any]],
        size: int,
        vocabulary: Mapping[str, int],
        params: BM25Params,
    ) -> SparseBM25:
        """Index `size` documents from their tokens: term ids, each with the document it is in.

        Every term of the vocabulary must occur in some token.
        """
        if size <= 0 or len(tokens) == 0:
            raise ValueError("BM25 needs at least one term to index")
        key = tokens.astype(np.int64) * size + owners.astype(np.int64)
        key.sort()
        first = np.ones(len(key), dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        unique = key[starts]
        counts = np.diff(np.append(starts, len(key)))
        term_of = unique // size
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(vocabulary)), out=indptr[1:])
        return cls.from_postings(
            vocabulary,
            indptr,
            (unique - term_of * size).astype(np.int32),
            counts.astype(_count_dtype(int(counts.max()))),
            lengths=np.bincount(owners, minlength=size).astype(np.int32),
            params=params,
        )

    @property
    def size(self) -> int:
        return len(self.lengths)

    def document_frequency(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])

    def postings(self, term: str) -> DocArray:
        """The documents containing `term`, in increasing order."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return np.empty(0, dtype=np.int32)
        return self._postings(term_id)

    def _postings(self, term_id: int) -> DocArray:
        return self.documents[self.indptr[term_id] : self.indptr[term_id + 1]]

    def _impacts(self, term_id: int, times: int = 1) -> FloatArray:
        """What the term adds to each document of its postings (`times` over)."""
        impact = self.impact[self.indptr[term_id] : self.indptr[term_id + 1]]
        return impact if times == 1 else times * impact

    def _lookup(
        self, term_id: int, documents: npt.NDArray[np.integer[Any]], times: int = 1
    ) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """What the term adds to each of `documents` (0 where absent), and where present."""
        start, end = int(self.indptr[term_id]), int(self.indptr[term_id + 1])
        postings = self.documents[start:end]
        # Needles of the postings' type: else numpy converts the whole postings array.
        documents = documents.astype(postings.dtype, copy=False)
        at = np.minimum(np.searchsorted(postings, documents), len(postings) - 1)
        present = postings.take(at) == documents
        result = np.zeros(len(documents), dtype=np.float64)
        found = np.flatnonzero(present)
        result[found] = self.impact[start:end].take(at[found])
        if times != 1:
            result *= times
        return result, present

    def contains(self, term: str, documents: DocArray) -> npt.NDArray[np.bool_]:
        """Which of `documents` (any order) contain `term`."""
        postings = self.postings(term)
        if not len(postings):
            return np.zeros(len(documents), dtype=bool)
        at = np.minimum(np.searchsorted(postings, documents), len(postings) - 1)
        return np.asarray(postings[at] == documents, dtype=bool)

    def scores(self, terms: Sequence[str]) -> tuple[DocArray, FloatArray]:
        """Documents containing at least one of `terms` and their BM25Okapi scores.

        Repeated terms count again, as in rank-bm25's `get_scores`.
        """
        parts_documents = []
        parts_scores = []
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            parts_documents.append(self._postings(term_id))
            parts_scores.append(self._impacts(term_id))
        if not parts_documents:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        documents = np.concatenate(parts_documents)
        unique, inverse = np.unique(documents, return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(parts_scores)).astype(np.float64)
        return unique.astype(np.int32), totals

    def dense_scores(self, terms: Sequence[str]) -> FloatArray:
        """Scores of every document, like rank-bm25's `get_scores` (for tests and checks)."""
        result = np.zeros(self.size, dtype=np.float64)
        documents, scores = self.scores(terms)
        result[documents] = scores
        return result

    def top(self, terms: Sequence[str], n: int) -> tuple[DocArray, FloatArray]:
        """The `n` best documents for `terms` and their scores, best first; equal
        scores in document order. Exact: the same as sorting `scores(terms)`."""
        return top(self, terms, n)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A second index over groups of the first one's documents (paragraphs of sentences),
    sharing its vocabulary: a document's score adds `weight` times its group's score."""

    bm25: SparseBM25
    group_of: DocArray
    """By document of the first index: its group."""
    members: IntArray
    """Group g holds documents `members[g]` to `members[g + 1] - 1` of the first index."""
    weight: float
    alone: bool = False
    """Every group holds one document, the same number (`bm25` is the first index)."""


def top(
    index: SparseBM25, terms: Sequence[str], n: int, evidence: Evidence | None = None
) -> tuple[DocArray, FloatArray]:
    """The `n` best documents of `index` holding at least one of `terms`, best first.

    A document's score is its BM25Okapi score for `terms` (repeats count again),
    plus, with `evidence`, `evidence.weight` times its group's score. Equal scores
    keep document order. Exact: the documents and scores (to the last bit) are
    those of scoring every candidate and sorting.
    """
    multiplicity = _multiplicity(index, terms)
    if not multiplicity or n <= 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
    if evidence is not None and evidence.weight <= 0:
        evidence = None
    items = _rarest_first(index, multiplicity)
    if KERNEL:
        return _compiled_top(index, items, n, evidence)
    return _Query(index, items, evidence).top(n)


def _multiplicity(index: SparseBM25, terms: Sequence[str]) -> dict[int, int]:
    """Term id -> how many times the query holds it (terms the index has)."""
    multiplicity: dict[int, int] = {}
    for term in terms:
        term_id = index.vocabulary.get(term)
        if term_id is not None:
            multiplicity[term_id] = multiplicity.get(term_id, 0) + 1
    return multiplicity


def _rarest_first(index: SparseBM25, multiplicity: dict[int, int]) -> list[tuple[int, int]]:
    """(term id, times) by increasing document frequency, ties in query order.

    Rarest first: they bound the n-th best score soonest and cost least to add. Both
    paths of `top` sum each score's parts in this order, so they agree to the last bit."""
    return sorted(
        multiplicity.items(),
        key=lambda item: int(index.indptr[item[0] + 1] - index.indptr[item[0]]),
    )


def _compiled_top(
    index: SparseBM25,
    items: list[tuple[int, int]],
    n: int,
    evidence: Evidence | None,
    block: int | None = None,
) -> tuple[DocArray, FloatArray]:
    """`top` by the compiled kernel (`block`: documents per block, for tests)."""
    assert _kernel is not None
    mode, weight, groups = 0, 0.0, index  # groups: an index whose postings are ignored
    group_of = np.empty(0, dtype=np.int32)
    if evidence is not None:
        weight = evidence.weight
        if evidence.alone:  # each document is its own group
            mode = 1
        else:
            mode, groups, group_of = 2, evidence.bm25, evidence.group_of
    documents, scores = _kernel.top_n(
        index.indptr,
        index.documents,
        index.impact,
        np.array([term_id for term_id, _ in items], dtype=np.int64),
        np.array([times for _, times in items], dtype=np.float64),
        index.size,
        n,
        mode,
        weight,
        group_of,
        groups.indptr,
        groups.documents,
        groups.impact,
        _kernel.BLOCK if block is None else block,
    )
    return _best(documents, scores, n)


class _Query:
    """One evaluation of `top`.

    Terms are added to accumulators rarest first, while a lower bound of the n-th
    best score (`threshold`) rises; once no document without the terms added so far
    can reach it (and few others can), the walk stops and the remaining terms are
    added for the surviving candidates only. Every score is summed term by term in
    `items` order, however a term is added, so the result does not depend, to the
    last bit, on where the walk stops.
    """

    def __init__(
        self, index: SparseBM25, items: list[tuple[int, int]], evidence: Evidence | None
    ) -> None:
        """`items`: (term id, times) rarest first."""
        ids = np.array([term_id for term_id, _ in items], dtype=np.intp)
        self.index = index
        self.items = items
        self.evidence = evidence
        self.groups = None if evidence is None or evidence.alone else evidence
        self.lengths: list[int] = (index.indptr.take(ids + 1) - index.indptr.take(ids)).tolist()
        # Postings as platform integers: numpy converts narrower indices on every use.
        self._wide: dict[tuple[bool, int], npt.NDArray[np.intp]] = {}
        # The best documents met while walking, and their scores so far (see `_raise`).
        self._pool: npt.NDArray[np.intp] = np.empty(0, dtype=np.intp)
        self._pool_scores: FloatArray = np.empty(0, dtype=np.float64)
        bound = index.bound.take(ids)
        if evidence is not None:
            bound = bound + evidence.weight * evidence.bm25.bound.take(ids)
        bounds: list[float] = (bound * np.array([times for _, times in items])).tolist()
        self.bounds = bounds
        # rest[i]: the most terms i, i + 1, ... add to any document's score.
        self.rest = [*(np.cumsum(bounds[::-1])[::-1] * (1 + _BOUND_SLACK)).tolist(), 0.0]

    def _docs(self, term_id: int, *, of_groups: bool = False) -> npt.NDArray[np.intp]:
        """The term's postings in the index (or the groups' index), as platform integers."""
        key = (of_groups, term_id)
        wide = self._wide.get(key)
        if wide is None:
            index = self.groups.bm25 if of_groups and self.groups is not None else self.index
            wide = self._wide[key] = index._postings(term_id).astype(np.intp)
        return wide

    def _combined(self, own: FloatArray, groups: FloatArray | None) -> FloatArray:
        """Documents' scores from their own part and, with evidence, their groups'."""
        evidence = self.evidence
        if evidence is None:
            return own
        if groups is None:  # each group is its document
            return own + evidence.weight * own
        return own + evidence.weight * groups

    def _own_floor(self, threshold: float, rest: float) -> float:
        """The least own score so far that, with the rest, may reach `threshold` (rounded
        down a little more than floating point could err); the least positive float at 0."""
        floor = threshold - rest
        if self.evidence is not None:
            floor /= 1 + self.evidence.weight
        return max(floor - abs(floor) * 1e-12, _TINY)

    def top(self, n: int) -> tuple[DocArray, FloatArray]:
        index, groups, items, rest = self.index, self.groups, self.items, self.rest
        own = index._accumulators.take()
        grouped = groups.bm25._accumulators.take() if groups is not None else None
        added = 0
        done = False
        try:
            threshold = 0.0  # the n-th best score is at least this
            for term_id, times in items:
                documents = self._docs(term_id)
                np.add.at(own, documents, index._impacts(term_id, times))
                if grouped is not None and groups is not None:
                    np.add.at(
                        grouped,
                        self._docs(term_id, of_groups=True),
                        groups.bm25._impacts(term_id, times),
                    )
                added += 1
                if not _PRUNE or added == len(items):
                    continue
                # Scores so far are at most rest[0] - rest[added]: raise the bound only
                # if the best it could become would let the walk stop.
                if self._may_stop(added, rest[0] - rest[added]):
                    threshold = self._raise(
                        threshold, documents, own, grouped, n, above=rest[added]
                    )
                    if self._may_stop(added, threshold):
                        break  # the rest cannot lift a document without the terms so far
            best, scores = self._finish(
                n, added=added, threshold=threshold, own=own, grouped=grouped
            )
            done = True
            return best, scores
        finally:
            if done:  # handed back zeroed; after an error, dropped
                index._accumulators.give(own)
                if grouped is not None and groups is not None:
                    groups.bm25._accumulators.give(grouped)

    def _may_stop(self, added: int, threshold: float) -> bool:
        """Whether the walk can stop after `added` terms with this bound: the remaining
        terms cannot lift a document that has none of the added ones to it, and stopping
        is cheaper than adding the next term. The documents left to finish need a score
        so far near `threshold - rest`, which, besides a few holding several terms, only
        those of terms that can add more than that have; if they are many beside the
        next term's postings, adding that term first leaves far fewer."""
        rest = self.rest[added]
        if rest >= threshold:
            return False
        floor = threshold - rest
        likely = sum(
            length
            for length, bound in zip(self.lengths[:added], self.bounds, strict=False)
            if bound > floor
        )
        return likely * _STOP_RATIO <= self.lengths[added]

    def _partial(
        self, documents: npt.NDArray[np.intp], mine: FloatArray, grouped: FloatArray | None
    ) -> FloatArray:
        """The scores so far of `documents`, whose own part is `mine`."""
        groups = self.groups
        group_part = None
        if grouped is not None and groups is not None:
            group_part = grouped.take(groups.group_of.take(documents))
        return self._combined(mine, group_part)

    def _raise(
        self,
        threshold: float,
        documents: npt.NDArray[np.intp],
        own: FloatArray,
        grouped: FloatArray | None,
        n: int,
        *,
        above: float,
    ) -> float:
        """A higher lower bound of the n-th best score, or `threshold`.

        The documents of the term just added whose scores so far exceed both `threshold`
        and `above` (lower, a bound could not stop the walk) join a pool of the best
        documents met so far, each with its latest score so far. Those are distinct
        candidates, each scoring at least that: the pool's n-th best bounds the n-th
        best score."""
        partial = self._partial(documents, own.take(documents), grouped)
        taken = np.flatnonzero(partial > max(threshold, above))
        if not len(taken):
            return threshold
        if len(taken) > n:  # only this term's n best can be among the pool's n best
            taken = taken.take(np.argpartition(partial.take(taken), len(taken) - n)[-n:])
        pool = np.concatenate([self._pool, documents.take(taken)])
        scores = np.concatenate([self._pool_scores, partial.take(taken)])
        latest = np.lexsort((-scores, pool))  # by document, its highest score first
        pool, scores = pool.take(latest), scores.take(latest)
        first = np.ones(len(pool), dtype=bool)
        np.not_equal(pool[1:], pool[:-1], out=first[1:])
        self._pool, self._pool_scores = pool[first], scores[first]
        if len(self._pool) < n:
            return threshold
        nth_best = float(np.partition(self._pool_scores, len(self._pool) - n)[-n])
        keep = self._pool_scores >= nth_best  # the others can no longer matter
        self._pool, self._pool_scores = self._pool[keep], self._pool_scores[keep]
        return max(threshold, nth_best)

    def _finish(
        self,
        n: int,
        *,
        added: int,
        threshold: float,
        own: FloatArray,
        grouped: FloatArray | None,
    ) -> tuple[DocArray, FloatArray]:
        """The top n, from the accumulators of the first `added` terms; zeroes them."""
        groups = self.groups
        rest = self.rest[added]
        found: list[npt.NDArray[np.intp]] = []
        found_own: list[FloatArray] = []
        best_so_far = np.empty(0, dtype=np.float64)  # the n best scores so far taken
        if grouped is not None and groups is not None and rest > 0:
            # Sentences without an added term whose group holds one: candidates when they
            # hold a remaining term, and their group's score so far can reach the bound.
            reaching = [
                g[groups.weight * grouped.take(g) + rest >= threshold]
                for g in (self._docs(t, of_groups=True) for t, _ in self.items[:added])
            ]
            chosen = np.unique(np.concatenate(reaching))
            members = _ranges(groups.members[chosen], groups.members[chosen + 1])
            members = members[own.take(members) == 0]
            found.append(members)
            found_own.append(np.zeros(len(members), dtype=np.float64))
        for position, (term_id, _) in enumerate(self.items[:added]):
            documents = self._docs(term_id)
            if groups is None and self.rest[position] < threshold:
                # A document without terms 0 .. position - 1 scores at most rest[position]:
                # it cannot make the top n, and those with them were taken already.
                own[documents] = 0
                continue
            mine = own.take(documents)
            if grouped is not None and groups is not None:
                partial = self._partial(documents, mine, grouped)
                keep = np.flatnonzero((mine > 0) & (partial + rest >= threshold))
                kept_own = mine.take(keep)
                kept_scores = partial.take(keep)
            else:  # own > 0 at the floor: not taken from an earlier term's postings
                keep = np.flatnonzero(mine >= self._own_floor(threshold, rest))
                kept_own = mine.take(keep)
                kept_scores = self._combined(kept_own, None)
            found.append(documents.take(keep))
            found_own.append(kept_own)
            own[documents] = 0
            # The documents taken so far are distinct candidates: the n-th best of their
            # scores so far bounds the n-th best score too.
            best_so_far = np.concatenate([best_so_far, kept_scores])
            if len(best_so_far) >= n:
                best_so_far = np.partition(best_so_far, len(best_so_far) - n)[-n:]
                threshold = max(threshold, float(best_so_far[0]))
        candidates = np.concatenate(found)  # distinct, not sorted
        group_scores = None
        if grouped is not None and groups is not None:
            group_scores = grouped.take(groups.group_of.take(candidates))
            for term_id, _ in self.items[:added]:
                grouped[self._docs(term_id, of_groups=True)] = 0
        own_scores, group_scores, present = self._complete(
            candidates,
            np.concatenate(found_own),
            group_scores,
            added=added,
            own=own,
            grouped=grouped,
        )
        scores = self._combined(own_scores, group_scores)
        return _best(candidates[present], scores[present], n)

    def _complete(
        self,
        candidates: npt.NDArray[np.intp],
        own_scores: FloatArray,
        group_scores: FloatArray | None,
        *,
        added: int,
        own: FloatArray,
        grouped: FloatArray | None,
    ) -> tuple[FloatArray, FloatArray | None, npt.NDArray[np.bool_]]:
        """Add the remaining terms to the candidates' scores, in order: through the
        (zeroed) accumulators when their postings are short beside the candidates, else
        looked up. Also which candidates hold a query term."""
        index, groups = self.index, self.groups
        present = own_scores > 0
        group_of_candidates = None if groups is None else groups.group_of.take(candidates)
        for position, (term_id, times) in enumerate(self.items[added:], start=added):
            through = self.lengths[position] <= _ADD_RATHER_THAN_LOOK_UP * len(candidates)
            if through:
                documents = self._docs(term_id)
                np.add.at(own, documents, index._impacts(term_id, times))
                contribution = own.take(candidates)
                own[documents] = 0
                holds = contribution > 0
            else:
                contribution, holds = index._lookup(term_id, candidates, times)
            own_scores += contribution
            present |= holds
            if groups is None or grouped is None or group_scores is None:
                continue
            assert group_of_candidates is not None
            if through:
                group_documents = self._docs(term_id, of_groups=True)
                np.add.at(grouped, group_documents, groups.bm25._impacts(term_id, times))
                group_scores += grouped.take(group_of_candidates)
                grouped[group_documents] = 0
            else:
                group_part, _ = groups.bm25._lookup(term_id, group_of_candidates, times)
                group_scores += group_part
        return own_scores, group_scores, present


def _ranges(starts: IntArray, ends: IntArray) -> npt.NDArray[np.intp]:
    """All of start..end-1 for each pair, in order."""
    counts = ends - starts
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return (offsets + np.arange(int(counts.sum()))).astype(np.intp)


def _best(
    documents: npt.NDArray[np.integer[Any]], scores: FloatArray, n: int
) -> tuple[DocArray, FloatArray]:
    """The `n` highest of `scores` (distinct documents, any order), best first, equal
    scores in document order."""
    if len(scores) > n:
        nth_best = np.partition(scores, len(scores) - n)[len(scores) - n]
        keep = np.flatnonzero(scores >= nth_best)
        documents, scores = documents[keep], scores[keep]
    ranked = np.lexsort((documents, -scores))[:n]
    return documents[ranked].astype(np.int32), scores[ranked]


def build_bm25(documents_terms: Sequence[Sequence[str]], params: BM25Params) -> SparseBM25:
    """Index tokenized documents; they must hold at least one term in all (else ValueError)."""
    terms = sorted({term for document in documents_terms for term in document})
    if not terms:
        raise ValueError("BM25 needs at least one term to index")
    vocabulary = {term: term_id for term_id, term in enumerate(terms)}
    tokens = np.fromiter(
        (vocabulary[term] for document in documents_terms for term in document), dtype=np.int32
    )
    owners = np.repeat(
        np.arange(len(documents_terms), dtype=np.int32), [len(d) for d in documents_terms]
    )
    return SparseBM25.from_tokens(tokens, owners, len(documents_terms), vocabulary, params)

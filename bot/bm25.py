"""BM25Okapi scores, computed sparsely from postings.

rank-bm25's `BM25Okapi` defines the scores (its idf with the epsilon floor, k1,
b); it is built once to take its idf table and document lengths, then dropped.
`get_scores` there loops over every sentence in Python for every query term;
here only the sentences that contain a query term are touched, which is exact:
under BM25Okapi a sentence without any query term scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The idf given to a term whose rank-bm25 idf is not positive, when the
# epsilon floor (epsilon * average idf) is not positive either.
MIN_IDF = 1e-6


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi's parameters (see rank-bm25). k1 and b default to Anserini's 0.9 and 0.4,
    which rank sentences better than rank-bm25's 1.5 and 0.75 (see bench/squad.py)."""

    k1: float = 0.9
    b: float = 0.4
    epsilon: float = 0.25


def guarded_idf(bm25: BM25Okapi, epsilon: float) -> dict[str, float]:
    """rank-bm25's idf table with every value positive.

    rank-bm25 floors negative idf at epsilon * average idf, but leaves a term
    in exactly half the documents at 0, and when the average idf is not
    positive (one document, or very few) the floor itself is not positive.
    Either way, containing a query term would not raise a score.
    """
    floor = epsilon * bm25.average_idf
    if floor <= 0:
        floor = MIN_IDF
    return {term: (idf if idf > 0 else floor) for term, idf in bm25.idf.items()}


@dataclass(frozen=True, slots=True, eq=False)
class SparseBM25:
    """An inverted index of term frequencies: term -> (documents, counts)."""

    vocabulary: dict[str, int]
    idf: FloatArray
    """By term id."""
    indptr: IntArray
    """Postings of term t are `documents[indptr[t]:indptr[t + 1]]`."""
    documents: npt.NDArray[np.int32]
    frequencies: npt.NDArray[np.int32]
    length_norm: FloatArray
    """By document: k1 * (1 - b + b * length / average length)."""
    k1: float

    @property
    def size(self) -> int:
        return len(self.length_norm)

    def document_frequency(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])

    def postings(self, term: str) -> npt.NDArray[np.int32]:
        """The documents containing `term`, in increasing order."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return np.empty(0, dtype=np.int32)
        return self.documents[self.indptr[term_id] : self.indptr[term_id + 1]]

    def scores(self, terms: Sequence[str]) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Documents containing at least one of `terms` and their BM25Okapi scores.

        Repeated terms count again, as in rank-bm25's `get_scores`.
        """
        parts_documents = []
        parts_scores = []
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            start, end = self.indptr[term_id], self.indptr[term_id + 1]
            documents = self.documents[start:end]
            tf = self.frequencies[start:end].astype(np.float64)
            parts_documents.append(documents)
            parts_scores.append(
                self.idf[term_id] * (tf * (self.k1 + 1) / (tf + self.length_norm[documents]))
            )
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


def build_bm25(documents_terms: Sequence[Sequence[str]], params: BM25Params) -> SparseBM25:
    """Index tokenized documents; they must hold at least one term in all (else ValueError)."""
    if not any(documents_terms):
        raise ValueError("BM25 needs at least one term to index")
    reference = BM25Okapi(documents_terms, k1=params.k1, b=params.b, epsilon=params.epsilon)
    idf_by_term = guarded_idf(reference, params.epsilon)
    vocabulary = {term: term_id for term_id, term in enumerate(sorted(idf_by_term))}

    counts = [0] * len(vocabulary)
    for frequencies in reference.doc_freqs:
        for term in frequencies:
            counts[vocabulary[term]] += 1
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    documents = np.empty(int(indptr[-1]), dtype=np.int32)
    frequencies_out = np.empty(int(indptr[-1]), dtype=np.int32)
    fill = indptr[:-1].copy()
    for document_id, frequencies in enumerate(reference.doc_freqs):
        for term, frequency in frequencies.items():
            slot = fill[vocabulary[term]]
            documents[slot] = document_id
            frequencies_out[slot] = frequency
            fill[vocabulary[term]] += 1

    lengths = np.asarray(reference.doc_len, dtype=np.float64)
    return SparseBM25(
        vocabulary=vocabulary,
        idf=np.array([idf_by_term[t] for t in sorted(idf_by_term)], dtype=np.float64),
        indptr=indptr,
        documents=documents,
        frequencies=frequencies_out,
        length_norm=params.k1 * (1 - params.b + params.b * lengths / reference.avgdl),
        k1=params.k1,
    )

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The exact top n of `bot.bm25.top` in one compiled pass (optional: see bot/bm25.py).

The numpy path walks the postings term by term through an accumulator of one float
per sentence (8 MB at a million sentences): every posting is a cache miss, several
times over. Here the sentences are taken in blocks (of BLOCK), whose accumulator stays
in the processor's cache: for each block, every term's postings that fall in it are
added (terms in the order given, rarest first, as the numpy path adds them, so every
score has the same bits), then the block's sentences with a term are scored and kept
if they are among the n best so far. Each posting is read twice, in order, and nothing
is pruned: read in order, adding them all is cheaper than deciding which to skip. The
GIL is released while postings are added and sentences scored.
"""

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free, malloc

import numpy as np

# Sentences per block: 16,384 floats (128 KB) for the sentences and as many for their
# paragraphs stay in a core's cache.
BLOCK = 16384


cdef inline bint _worse(double score, int64_t doc, double other_score, int64_t other_doc) nogil:
    """Whether (score, doc) ranks below (other_score, other_doc): lower score, or the same
    score and a later document (equal scores keep document order)."""
    return score < other_score or (score == other_score and doc > other_doc)


cdef void _sift_down(double* scores, int64_t* docs, Py_ssize_t size, Py_ssize_t at) nogil:
    """Restore the heap (worst at the root) below `at`."""
    cdef Py_ssize_t child
    cdef double score = scores[at]
    cdef int64_t doc = docs[at]
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and _worse(scores[child + 1], docs[child + 1], scores[child], docs[child]):
            child += 1
        if not _worse(scores[child], docs[child], score, doc):
            break
        scores[at] = scores[child]
        docs[at] = docs[child]
        at = child
    scores[at] = score
    docs[at] = doc


cdef void _sift_up(double* scores, int64_t* docs, Py_ssize_t at) nogil:
    cdef Py_ssize_t parent
    cdef double score = scores[at]
    cdef int64_t doc = docs[at]
    while at > 0:
        parent = (at - 1) // 2
        if not _worse(score, doc, scores[parent], docs[parent]):
            break
        scores[at] = scores[parent]
        docs[at] = docs[parent]
        at = parent
    scores[at] = score
    docs[at] = doc


def top_n(
    const int64_t[::1] indptr,
    const int32_t[::1] documents,
    const double[::1] impact,
    const int64_t[::1] term_ids,
    const double[::1] times,
    Py_ssize_t size,
    Py_ssize_t n,
    int mode,
    double weight,
    const int32_t[::1] group_of,
    const int64_t[::1] group_indptr,
    const int32_t[::1] group_documents,
    const double[::1] group_impact,
    Py_ssize_t block=BLOCK,
):
    """The n best of `size` documents holding a term, unordered: (documents, scores).

    A document's score is the sum over `term_ids` (in that order) of `times` times its
    posting's `impact`; with `mode` 1 plus `weight` times that sum again (each document
    is its own group), with `mode` 2 plus `weight` times its group's score, summed the
    same way from the group postings (`group_of` maps documents to groups, which are
    runs of consecutive documents). `block`: documents per block (tests make it small).
    """
    if block < 1:
        raise ValueError("block must be positive")
    cdef Py_ssize_t terms = term_ids.shape[0]
    cdef Py_ssize_t capacity = n if n > 0 else 1
    cdef int64_t* cursor = <int64_t*> malloc(max(terms, 1) * sizeof(int64_t))
    cdef int64_t* group_cursor = <int64_t*> malloc(max(terms, 1) * sizeof(int64_t))
    cdef double* block_scores = <double*> calloc(block, sizeof(double))
    cdef double* block_groups = <double*> calloc(block, sizeof(double))
    cdef double* best_scores = <double*> malloc(capacity * sizeof(double))
    cdef int64_t* best_docs = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef Py_ssize_t filled = 0
    cdef Py_ssize_t i
    cdef int64_t p, end, term, base, limit, doc
    cdef int64_t first_group = 0, last_group = 0
    cdef double factor, own, score
    if (
        cursor == NULL or group_cursor == NULL or block_scores == NULL
        or block_groups == NULL or best_scores == NULL or best_docs == NULL
    ):
        free(cursor); free(group_cursor); free(block_scores); free(block_groups)
        free(best_scores); free(best_docs)
        raise MemoryError()
    try:
        with nogil:
            for i in range(terms):
                cursor[i] = indptr[term_ids[i]]
                if mode == 2:
                    group_cursor[i] = group_indptr[term_ids[i]]
            base = 0
            while base < size and n > 0:
                limit = min(base + block, size)
                # Add every term's postings in this block, term by term.
                for i in range(terms):
                    term = term_ids[i]
                    factor = times[i]
                    p = cursor[i]
                    end = indptr[term + 1]
                    while p < end and documents[p] < limit:
                        block_scores[documents[p] - base] += impact[p] * factor
                        p += 1
                if mode == 2:
                    first_group = group_of[base]
                    last_group = group_of[limit - 1]
                    for i in range(terms):
                        term = term_ids[i]
                        factor = times[i]
                        p = group_cursor[i]
                        end = group_indptr[term + 1]
                        while p < end and group_documents[p] < first_group:
                            p += 1
                        group_cursor[i] = p
                        while p < end and group_documents[p] <= last_group:
                            block_groups[group_documents[p] - first_group] += group_impact[p] * factor
                            p += 1
                # Score the block's documents with a term (each once: its entry is then
                # zeroed), and keep the n best so far.
                for i in range(terms):
                    term = term_ids[i]
                    p = cursor[i]
                    end = indptr[term + 1]
                    while p < end and documents[p] < limit:
                        doc = documents[p]
                        p += 1
                        own = block_scores[doc - base]
                        if own == 0.0:
                            continue
                        block_scores[doc - base] = 0.0
                        if mode == 0:
                            score = own
                        elif mode == 1:
                            score = own + weight * own
                        else:
                            score = own + weight * block_groups[group_of[doc] - first_group]
                        if filled < n:
                            best_scores[filled] = score
                            best_docs[filled] = doc
                            _sift_up(best_scores, best_docs, filled)
                            filled += 1
                        elif _worse(best_scores[0], best_docs[0], score, doc):
                            best_scores[0] = score
                            best_docs[0] = doc
                            _sift_down(best_scores, best_docs, filled, 0)
                    cursor[i] = p
                if mode == 2:
                    # Zero the groups' entries. The cursors stay at the block's first
                    # group: the last group may go on into the next block.
                    for i in range(terms):
                        term = term_ids[i]
                        p = group_cursor[i]
                        end = group_indptr[term + 1]
                        while p < end and group_documents[p] <= last_group:
                            block_groups[group_documents[p] - first_group] = 0.0
                            p += 1
                base = limit
        found_docs = np.empty(filled, dtype=np.int32)
        found_scores = np.empty(filled, dtype=np.float64)
        for i in range(filled):
            found_docs[i] = best_docs[i]
            found_scores[i] = best_scores[i]
        return found_docs, found_scores
    finally:
        free(cursor)
        free(group_cursor)
        free(block_scores)
        free(block_groups)
        free(best_scores)
        free(best_docs)

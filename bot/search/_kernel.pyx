# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The exact top n of `bot.search.select.top` in one compiled pass (optional: where it
is not built, `bot.search.select` scores with numpy instead, to the same bits).

Adding postings term by term into an accumulator of one float per sentence (8 MB at a
million sentences) makes every posting a cache miss. Here the sentences are taken in
blocks (of BLOCK), whose accumulator stays in the processor's cache: for each block,
every term's postings that fall in it are added (terms in the order given, rarest
first, as the numpy path adds them, so every score has the same bits), then the
block's sentences with a term are scored and kept if they are among the n best so far.
Each posting is read twice, in order, and nothing is pruned: read in order, adding them
all is cheaper than deciding which to skip. The GIL is released while postings are
added and sentences scored.
"""

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free, malloc

import numpy as np

# Sentences per block: 16,384 floats (128 KB) for the sentences and as many for their
# paragraphs stay in a core's cache.
BLOCK = 16384


cdef inline bint _worse(
    double score, int64_t sentence, double other_score, int64_t other_sentence
) nogil:
    """Whether (score, sentence) ranks below (other_score, other_sentence): lower score, or
    the same score and a later sentence (equal scores keep reading order)."""
    return score < other_score or (score == other_score and sentence > other_sentence)


cdef void _sift_down(double* scores, int64_t* sentences, Py_ssize_t size, Py_ssize_t at) nogil:
    """Restore the heap (worst at the root) below `at`."""
    cdef Py_ssize_t child
    cdef double score = scores[at]
    cdef int64_t sentence = sentences[at]
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and _worse(scores[child + 1], sentences[child + 1], scores[child], sentences[child]):
            child += 1
        if not _worse(scores[child], sentences[child], score, sentence):
            break
        scores[at] = scores[child]
        sentences[at] = sentences[child]
        at = child
    scores[at] = score
    sentences[at] = sentence


cdef void _sift_up(double* scores, int64_t* sentences, Py_ssize_t at) nogil:
    cdef Py_ssize_t parent
    cdef double score = scores[at]
    cdef int64_t sentence = sentences[at]
    while at > 0:
        parent = (at - 1) // 2
        if not _worse(score, sentence, scores[parent], sentences[parent]):
            break
        scores[at] = scores[parent]
        sentences[at] = sentences[parent]
        at = parent
    scores[at] = score
    sentences[at] = sentence


def top_n(
    const int64_t[::1] indptr,
    const int32_t[::1] sentences,
    const double[::1] impact,
    const int64_t[::1] term_ids,
    const double[::1] times,
    Py_ssize_t size,
    Py_ssize_t n,
    int mode,
    double weight,
    const int32_t[::1] paragraph_of,
    const int64_t[::1] paragraph_indptr,
    const int32_t[::1] paragraph_units,
    const double[::1] paragraph_impact,
    Py_ssize_t block=BLOCK,
):
    """The n best of `size` sentences holding a term, unordered: (sentences, scores).

    A sentence's score is the sum over `term_ids` (in that order) of `times` times its
    posting's `impact`; with `mode` 1 plus `weight` times that sum again (each sentence
    is its own paragraph), with `mode` 2 plus `weight` times its paragraph's score, summed
    the same way from the paragraph postings (`paragraph_of` maps sentences to paragraphs,
    which are runs of consecutive sentences). `block`: sentences per block (tests make it
    small).
    """
    if block < 1:
        raise ValueError("block must be positive")
    cdef Py_ssize_t terms = term_ids.shape[0]
    cdef Py_ssize_t capacity = n if n > 0 else 1
    cdef int64_t* cursor = <int64_t*> malloc(max(terms, 1) * sizeof(int64_t))
    cdef int64_t* paragraph_cursor = <int64_t*> malloc(max(terms, 1) * sizeof(int64_t))
    cdef double* block_scores = <double*> calloc(block, sizeof(double))
    cdef double* block_paragraphs = <double*> calloc(block, sizeof(double))
    cdef double* best_scores = <double*> malloc(capacity * sizeof(double))
    cdef int64_t* best_sentences = <int64_t*> malloc(capacity * sizeof(int64_t))
    cdef Py_ssize_t filled = 0
    cdef Py_ssize_t i
    cdef int64_t p, end, term, base, limit, sentence
    cdef int64_t first_paragraph = 0, last_paragraph = 0
    cdef double factor, own, score
    if (
        cursor == NULL or paragraph_cursor == NULL or block_scores == NULL
        or block_paragraphs == NULL or best_scores == NULL or best_sentences == NULL
    ):
        free(cursor); free(paragraph_cursor); free(block_scores); free(block_paragraphs)
        free(best_scores); free(best_sentences)
        raise MemoryError()
    try:
        with nogil:
            for i in range(terms):
                cursor[i] = indptr[term_ids[i]]
                if mode == 2:
                    paragraph_cursor[i] = paragraph_indptr[term_ids[i]]
            base = 0
            while base < size and n > 0:
                limit = min(base + block, size)
                # Add every term's postings in this block, term by term.
                for i in range(terms):
                    term = term_ids[i]
                    factor = times[i]
                    p = cursor[i]
                    end = indptr[term + 1]
                    while p < end and sentences[p] < limit:
                        block_scores[sentences[p] - base] += impact[p] * factor
                        p += 1
                if mode == 2:
                    first_paragraph = paragraph_of[base]
                    last_paragraph = paragraph_of[limit - 1]
                    for i in range(terms):
                        term = term_ids[i]
                        factor = times[i]
                        p = paragraph_cursor[i]
                        end = paragraph_indptr[term + 1]
                        while p < end and paragraph_units[p] < first_paragraph:
                            p += 1
                        paragraph_cursor[i] = p
                        while p < end and paragraph_units[p] <= last_paragraph:
                            block_paragraphs[paragraph_units[p] - first_paragraph] += paragraph_impact[p] * factor
                            p += 1
                # Score the block's sentences with a term (each once: its entry is then
                # zeroed), and keep the n best so far.
                for i in range(terms):
                    term = term_ids[i]
                    p = cursor[i]
                    end = indptr[term + 1]
                    while p < end and sentences[p] < limit:
                        sentence = sentences[p]
                        p += 1
                        own = block_scores[sentence - base]
                        if own == 0.0:
                            continue
                        block_scores[sentence - base] = 0.0
                        if mode == 0:
                            score = own
                        elif mode == 1:
                            score = own + weight * own
                        else:
                            score = own + weight * block_paragraphs[paragraph_of[sentence] - first_paragraph]
                        if filled < n:
                            best_scores[filled] = score
                            best_sentences[filled] = sentence
                            _sift_up(best_scores, best_sentences, filled)
                            filled += 1
                        elif _worse(best_scores[0], best_sentences[0], score, sentence):
                            best_scores[0] = score
                            best_sentences[0] = sentence
                            _sift_down(best_scores, best_sentences, filled, 0)
                    cursor[i] = p
                if mode == 2:
                    # Zero the paragraphs' entries. The cursors stay at the block's first
                    # paragraph: the last paragraph may go on into the next block.
                    for i in range(terms):
                        term = term_ids[i]
                        p = paragraph_cursor[i]
                        end = paragraph_indptr[term + 1]
                        while p < end and paragraph_units[p] <= last_paragraph:
                            block_paragraphs[paragraph_units[p] - first_paragraph] = 0.0
                            p += 1
                base = limit
        found_sentences = np.empty(filled, dtype=np.int32)
        found_scores = np.empty(filled, dtype=np.float64)
        for i in range(filled):
            found_sentences[i] = best_sentences[i]
            found_scores[i] = best_scores[i]
        return found_sentences, found_scores
    finally:
        free(cursor)
        free(paragraph_cursor)
        free(block_scores)
        free(block_paragraphs)
        free(best_scores)
        free(best_sentences)

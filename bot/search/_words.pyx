# cython: language_level=3, boundscheck=False, wraparound=False
"""`bot.search.analysis.paragraph_terms` and `bot.search.vocabulary.python_map_ids`
compiled (optional: where it is not built, the Python ones run, to the same terms and ids).

Finding words with a regular expression, then looking each up, costs several Python
steps per word, and a corpus has a few hundred words for each sentence. Here the
characters are scanned in C with the tests the regular expression makes (Python's
`re` module calls the same Unicode functions), and only a word never seen before
goes back to Python.

A word is what `bot.search.analyzer._WORD`, `(?:[^\\W\\d_]\\.){2,}|[^\\W_]+`, matches: a
dotted acronym (two or more letters, each followed by a full stop) or a run of
letters and digits. In `re`, `\\w` is alphanumeric or "_" and `\\d` is decimal.
"""

from cpython.array cimport array, resize_smart
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISDECIMAL,
    PyUnicode_DATA,
    PyUnicode_KIND,
    PyUnicode_READ,
)
from libc.stdint cimport int32_t


cdef inline bint _letter(Py_UCS4 c) noexcept:
    """[^\\W\\d_]: a word character that is neither a decimal digit nor "_"."""
    return Py_UNICODE_ISALNUM(c) and not Py_UNICODE_ISDECIMAL(c)


def paragraph_terms(
    str text,
    list spans,
    object term_ids,
    array tokens,
    array sentence_tokens,
):
    """For each (start, end) of `spans`, the term ids of the words of `text[start:end]`
    appended to `tokens` (int32), then the length of `tokens` to `sentence_tokens`
    (int64). A word's id is `term_ids[word]` (a dict that makes the ids it lacks); a
    negative id (a stop word) is left out."""
    cdef Py_ssize_t start, end, at, stop, pairs, size
    cdef Py_UCS4 c
    cdef PyObject* found
    cdef long term_id
    cdef object word
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    # The ids are written straight into the arrays' memory, as int32 and int64.
    if tokens.typecode != "i" or sentence_tokens.typecode != "q":
        raise TypeError("tokens must be array('i') and sentence_tokens array('q')")
    for start, end in spans:
        at = start
        while at < end:
            c = PyUnicode_READ(kind, data, at)
            if not Py_UNICODE_ISALNUM(c):
                at += 1
                continue
            # The acronym is tried first, as the regular expression's first branch.
            stop = at
            pairs = 0
            while (
                stop + 1 < end
                and _letter(PyUnicode_READ(kind, data, stop))
                and PyUnicode_READ(kind, data, stop + 1) == u"."
            ):
                stop += 2
                pairs += 1
            if pairs < 2:
                stop = at + 1
                while stop < end and Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, stop)):
                    stop += 1
            word = text[at:stop]
            found = PyDict_GetItem(term_ids, word)
            if found is NULL:
                term_id = term_ids[word]
            else:
                term_id = <object>found
            if term_id >= 0:
                size = len(tokens)
                resize_smart(tokens, size + 1)
                tokens.data.as_ints[size] = term_id
            at = stop
        size = len(sentence_tokens)
        resize_smart(sentence_tokens, size + 1)
        sentence_tokens.data.as_longlongs[size] = len(tokens)


def map_ids(const int32_t[::1] mapping, const int32_t[::1] ids, int32_t[::1] out):
    """`out[i] = mapping[ids[i]]` for each i: a reload's tokens, when terms came into the
    vocabulary before theirs (numpy's `take` costs several times as much). Raises
    ValueError for an id out of `mapping`, or `out` of another length."""
    cdef Py_ssize_t count = ids.shape[0], at, size = mapping.shape[0]
    cdef int32_t term_id
    cdef bint bad = False
    if out.shape[0] != count:
        raise ValueError("out must be as long as ids")
    with nogil:
        for at in range(count):
            term_id = ids[at]
            if term_id < 0 or term_id >= size:
                bad = True
                break
            out[at] = mapping[term_id]
    if bad:
        raise ValueError(f"id {term_id} is not in the mapping")

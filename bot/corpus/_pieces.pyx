# cython: language_level=3, boundscheck=False, wraparound=False
"""`bot.corpus.table.nul_joined_pieces` compiled (optional: where it is not built, the
table joins the pieces in Python, to the same bytes).

A reload takes a field of every document of the last load (its file, its text's hash)
from the stored table's text. In Python that is an object for each piece, made and then
joined; here the pieces are copied straight into the bytes returned.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int64_t
from libc.string cimport memcpy


def nul_joined_pieces(
    const unsigned char[::1] text, const int64_t[::1] starts, const int64_t[::1] stops
):
    """`text[start:stop]` for each (start, stop), each after a NUL byte, one after the
    other. Raises ValueError for a piece that is not within `text`."""
    cdef Py_ssize_t count = starts.shape[0], at, size = count, length
    cdef Py_ssize_t end = text.shape[0]
    if stops.shape[0] != count:
        raise ValueError("as many starts as stops are needed")
    for at in range(count):
        if starts[at] < 0 or stops[at] < starts[at] or stops[at] > end:
            raise ValueError(f"piece {at} is not within the text")
        size += stops[at] - starts[at]
    joined = PyBytes_FromStringAndSize(NULL, size)
    cdef char* out = PyBytes_AS_STRING(joined)
    cdef Py_ssize_t written = 0
    with nogil:
        for at in range(count):
            out[written] = 0
            written += 1
            length = stops[at] - starts[at]
            if length:
                memcpy(out + written, &text[starts[at]], length)
                written += length
    return joined

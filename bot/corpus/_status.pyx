# cython: language_level=3, boundscheck=False, wraparound=False
"""`bot.corpus.files.file_statuses` compiled (optional: where it is not built, listing
calls `os.lstat` for each file, to the same figures).

A reload lists every file of the corpus again to find the few that changed. From Python,
each status is a system call plus an `os.stat_result` of twenty fields, of which the
listing keeps three; here the calls are made in one loop, without the GIL, relative to
the folder opened once, and only those three are written.
"""

from libc.errno cimport errno
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from posix.stat cimport struct_stat
from posix.unistd cimport close

import numpy as np


cdef extern from "<fcntl.h>" nogil:
    const int O_RDONLY
    const int O_DIRECTORY
    const int O_CLOEXEC
    const int AT_SYMLINK_NOFOLLOW
    int open(const char* path, int flags)
    int fstatat(int folder, const char* path, struct_stat* status, int flags)


def file_statuses(str folder, list names):
    """The mode, size and modification time (ns) of each of `names`, files in `folder`
    (a symlink's own), as three int64 arrays; all three 0 for one that cannot be looked
    at (`bot.corpus.files` then asks why)."""
    cdef Py_ssize_t count = len(names), at
    modes = np.zeros(count, dtype=np.int64)
    sizes = np.zeros(count, dtype=np.int64)
    times = np.zeros(count, dtype=np.int64)
    if count == 0:
        return modes, sizes, times
    cdef int64_t[::1] mode = modes, size = sizes, time = times
    # The names' bytes, kept alive in `encoded` while C reads them.
    encoded = [name.encode("utf-8", "surrogateescape") for name in names]
    cdef const char** paths = <const char**>malloc(count * sizeof(char*))
    if paths == NULL:
        raise MemoryError()
    for at in range(count):
        paths[at] = <bytes>encoded[at]
    cdef bytes where = folder.encode("utf-8", "surrogateescape")
    cdef const char* folder_path = where
    cdef int opened
    cdef struct_stat status
    try:
        with nogil:
            opened = open(folder_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if opened >= 0:
                for at in range(count):
                    if fstatat(opened, paths[at], &status, AT_SYMLINK_NOFOLLOW) == 0:
                        mode[at] = status.st_mode
                        size[at] = status.st_size
                        time[at] = (
                            <int64_t>status.st_mtim.tv_sec * 1000000000
                            + status.st_mtim.tv_nsec
                        )
                close(opened)
    finally:
        free(paths)
    return modes, sizes, times

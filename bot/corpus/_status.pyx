# cython: language_level=3, boundscheck=False, wraparound=False
"""`bot.corpus.files.folder_entries` compiled (optional: where it is not built, listing
goes through `os.scandir` and an `os.lstat` for each file, to the same entries).

A reload lists every file of the corpus again to find the few that changed. From Python,
each entry is a `DirEntry`, and each status a system call plus an `os.stat_result` of
twenty fields, of which the listing keeps two. Here the folder is read with `readdir`,
whose entries say their kind, and the statuses are taken in one loop without the GIL,
relative to the folder opened once; a file's name becomes a Python string only when it
is kept.
"""

cimport libc.errno
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport strlen
from posix.stat cimport S_ISDIR, S_ISREG, struct_stat
from posix.unistd cimport close

import os

import numpy as np


cdef extern from "Python.h":
    str PyUnicode_DecodeFSDefaultAndSize(const char* name, Py_ssize_t size)


cdef extern from "<fcntl.h>" nogil:
    const int O_RDONLY
    const int O_DIRECTORY
    const int O_CLOEXEC
    const int AT_SYMLINK_NOFOLLOW
    int open(const char* path, int flags)
    int fstatat(int folder, const char* path, struct_stat* status, int flags)


cdef extern from "<dirent.h>" nogil:
    ctypedef struct DIR:
        pass
    struct dirent:
        unsigned char d_type
        char d_name[1]
    DIR* fdopendir(int folder)
    dirent* readdir(DIR* folder)
    int closedir(DIR* folder)
    const unsigned char DT_DIR
    const unsigned char DT_REG
    const unsigned char DT_UNKNOWN


cdef int _raise(str folder) except -1:
    """Raise the OSError that `errno` says, for `folder`."""
    cdef int error = libc.errno.errno
    raise OSError(error, os.strerror(error), folder)


cdef str _decoded(const char* name):
    return PyUnicode_DecodeFSDefaultAndSize(name, strlen(name))


cdef bint _plain(bytes name, tuple suffixes):
    """Printable ASCII, ending in one of `suffixes` (lower case) in any case."""
    cdef const unsigned char* letters = name
    cdef Py_ssize_t at, size = len(name)
    for at in range(size):
        if letters[at] < 0x20 or letters[at] > 0x7E:
            return False
    return name.lower().endswith(suffixes)


def folder_entries(str folder, tuple suffixes):
    """The entries of `folder` whose names do not start with a dot: its folders (not
    symlinks), its regular files with a plain name (printable ASCII, ending in one of
    `suffixes`, lower case, in any case) with their sizes and modification times (ns) as
    two int64 arrays, and every other name. Raises OSError when the folder cannot be
    listed."""
    cdef bytes where = os.fsencode(folder)
    cdef tuple endings = tuple(suffix.encode("ascii") for suffix in suffixes)
    cdef int opened = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if opened < 0:
        _raise(folder)
    cdef DIR* listing = fdopendir(opened)
    if listing == NULL:
        close(opened)
        _raise(folder)
    folders, candidates, others = [], [], []
    cdef dirent* entry
    cdef struct_stat status
    cdef unsigned char kind
    cdef bytes name
    try:
        while True:
            libc.errno.errno = 0
            entry = readdir(listing)
            if entry == NULL:
                if libc.errno.errno != 0:
                    _raise(folder)
                break
            if entry.d_name[0] == b".":  # hidden, and the folder itself and its parent
                continue
            name = entry.d_name
            kind = entry.d_type
            if kind == DT_UNKNOWN:  # a file system that does not say: the status does
                if fstatat(opened, entry.d_name, &status, AT_SYMLINK_NOFOLLOW) == 0:
                    if S_ISDIR(status.st_mode):
                        kind = DT_DIR
                    elif S_ISREG(status.st_mode):
                        kind = DT_REG
            if kind == DT_DIR:
                folders.append(_decoded(entry.d_name))
            elif kind == DT_REG and _plain(name, endings):
                candidates.append(name)
            else:
                others.append(_decoded(entry.d_name))
        files, sizes, times = _regular(opened, candidates, others)
    finally:
        closedir(listing)  # closes `opened` too
    return folders, files, sizes, times, others


cdef tuple _regular(int opened, list candidates, list others):
    """Of `candidates` (names in the folder `opened`), the regular files with their sizes
    and times; the others (changed since they were listed) are added to `others`."""
    cdef Py_ssize_t count = len(candidates), at, kept = 0
    sizes = np.zeros(count, dtype=np.int64)
    times = np.zeros(count, dtype=np.int64)
    files = []
    if count == 0:
        return files, sizes, times
    cdef int64_t[::1] size = sizes, time = times
    cdef const char** names = <const char**>malloc(count * sizeof(char*))
    cdef unsigned char* regular = <unsigned char*>malloc(count)
    if names == NULL or regular == NULL:
        free(names)
        free(regular)
        raise MemoryError()
    cdef struct_stat status
    try:
        for at in range(count):
            names[at] = <bytes>candidates[at]
        with nogil:
            for at in range(count):
                regular[at] = (
                    fstatat(opened, names[at], &status, AT_SYMLINK_NOFOLLOW) == 0
                    and S_ISREG(status.st_mode)
                )
                if regular[at]:
                    size[kept] = status.st_size
                    time[kept] = (
                        <int64_t>status.st_mtim.tv_sec * 1000000000 + status.st_mtim.tv_nsec
                    )
                    kept += 1
        for at in range(count):
            if regular[at]:
                files.append(_decoded(names[at]))
            else:
                others.append(_decoded(names[at]))
    finally:
        free(names)
        free(regular)
    return files, sizes[:kept], times[:kept]

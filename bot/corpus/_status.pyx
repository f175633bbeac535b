# cython: language_level=3, boundscheck=False, wraparound=False
"""`bot.corpus.files.folder_entries` compiled (optional: where it is not built, listing
goes through `os.scandir` and an `os.lstat` for each file, to the same entries).

A reload lists every file of the corpus again to find the few that changed. From Python,
each entry is a `DirEntry`, and each status a system call plus an `os.stat_result` of
twenty fields, of which the listing keeps two. Here the folder is read with `readdir`,
whose entries say their kind, and the plain files' statuses are taken relative to the
folder opened once, all without the GIL (other threads list other folders meanwhile);
only then are the names made into Python strings.
"""

cimport libc.errno
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memcpy, strcmp, strlen
from posix.stat cimport S_ISDIR, S_ISREG, struct_stat

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


cdef extern from "<unistd.h>" nogil:
    int close(int descriptor)


# What an entry is, as the listing sorts them out.
cdef enum:
    FOLDER = 0
    FILE = 1
    OTHER = 2


cdef struct Entry:
    size_t name_at  # where its name starts in the names' buffer (NUL-terminated there)
    size_t name_size
    int kind
    int64_t size
    int64_t time


cdef struct Found:
    Entry* entries
    size_t count
    size_t room
    char* names
    size_t names_size
    size_t names_room


cdef bint _grow(Found* found, size_t name_size) noexcept nogil:
    """Room for one more entry and its name; False when memory ran out."""
    cdef void* moved
    if found.count == found.room:
        found.room = found.room * 2 if found.room else 256
        moved = realloc(found.entries, found.room * sizeof(Entry))
        if moved == NULL:
            return False
        found.entries = <Entry*>moved
    if found.names_size + name_size + 1 > found.names_room:
        while found.names_size + name_size + 1 > found.names_room:
            found.names_room = found.names_room * 2 if found.names_room else 16384
        moved = realloc(found.names, found.names_room)
        if moved == NULL:
            return False
        found.names = <char*>moved
    return True


cdef bint _plain(const char* name, size_t size, const char** endings, size_t* sizes,
                 size_t count) noexcept nogil:
    """Printable ASCII, ending in one of `endings` (lower case) in any case."""
    cdef size_t at, ending, length
    cdef unsigned char letter
    for at in range(size):
        if <unsigned char>name[at] < 0x20 or <unsigned char>name[at] > 0x7E:
            return False
    for ending in range(count):
        length = sizes[ending]
        if length > size:
            continue
        for at in range(length):
            letter = <unsigned char>name[size - length + at]
            if 0x41 <= letter <= 0x5A:  # A to Z
                letter += 0x20
            if letter != <unsigned char>endings[ending][at]:
                break
        else:
            return True
    return False


cdef int _read(DIR* listing, int opened, Found* found, const char** endings, size_t* sizes,
               size_t count) noexcept nogil:
    """Every entry of the folder whose name does not start with a dot, sorted out, into
    `found`: 0, an errno, or -1 when memory ran out."""
    cdef dirent* entry
    cdef struct_stat status
    cdef unsigned char kind
    cdef size_t name_size
    cdef Entry* kept
    cdef char* name
    while True:
        libc.errno.errno = 0
        entry = readdir(listing)
        if entry == NULL:
            return libc.errno.errno
        if entry.d_name[0] == b".":  # hidden, and the folder itself and its parent
            continue
        name_size = strlen(entry.d_name)
        if not _grow(found, name_size):
            return -1
        name = found.names + found.names_size
        memcpy(name, entry.d_name, name_size + 1)
        kept = &found.entries[found.count]
        kept.name_at, kept.name_size, kept.kind = found.names_size, name_size, OTHER
        found.names_size += name_size + 1
        found.count += 1
        kind = entry.d_type
        if kind == DT_UNKNOWN:  # a file system that does not say: the status does
            if fstatat(opened, name, &status, AT_SYMLINK_NOFOLLOW) == 0:
                if S_ISDIR(status.st_mode):
                    kind = DT_DIR
                elif S_ISREG(status.st_mode):
                    kind = DT_REG
        if kind == DT_DIR:
            kept.kind = FOLDER
        elif kind == DT_REG and _plain(name, name_size, endings, sizes, count):
            if fstatat(opened, name, &status, AT_SYMLINK_NOFOLLOW) == 0 and S_ISREG(
                status.st_mode
            ):
                kept.kind = FILE
                kept.size = status.st_size
                kept.time = <int64_t>status.st_mtim.tv_sec * 1000000000 + status.st_mtim.tv_nsec


# The names' buffer while `qsort` runs: its comparison takes only the two entries.
cdef const char* _sorted_names = NULL


cdef int _by_name(const void* one, const void* other) noexcept nogil:
    return strcmp(_sorted_names + (<Entry*>one).name_at, _sorted_names + (<Entry*>other).name_at)


def folder_entries(str folder, tuple suffixes):
    """The entries of `folder` whose names do not start with a dot: its folders (not
    symlinks), its regular files with a plain name (printable ASCII, ending in one of
    `suffixes`, lower case, in any case) with their sizes and modification times (ns) as
    two int64 arrays, and every other name. Raises OSError when the folder cannot be
    listed."""
    cdef bytes where = os.fsencode(folder)
    cdef list encoded = [suffix.encode("ascii") for suffix in suffixes]
    cdef size_t count = len(encoded), at
    cdef const char** endings = <const char**>malloc((count + 1) * sizeof(char*))
    cdef size_t* sizes = <size_t*>malloc((count + 1) * sizeof(size_t))
    cdef Found found
    found.entries, found.count, found.room = NULL, 0, 0
    found.names, found.names_size, found.names_room = NULL, 0, 0
    cdef const char* path = where
    cdef int opened, error = 0
    cdef DIR* listing = NULL
    try:
        if endings == NULL or sizes == NULL:
            raise MemoryError()
        for at in range(count):
            endings[at] = <bytes>encoded[at]
            sizes[at] = len(encoded[at])
        with nogil:
            opened = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if opened < 0:
                error = libc.errno.errno
            else:
                listing = fdopendir(opened)
                if listing == NULL:
                    error = libc.errno.errno
                    close(opened)
                else:
                    error = _read(listing, opened, &found, endings, sizes, count)
                    closedir(listing)  # closes `opened` too
        if error == -1:
            raise MemoryError()
        if error:
            raise OSError(error, os.strerror(error), folder)
        # In order by name (bytes, as Python orders ASCII names): the listing, sorted by
        # path at the end, then finds long runs already in order. Under the GIL, which
        # guards `_sorted_names`.
        global _sorted_names
        _sorted_names = found.names
        qsort(found.entries, found.count, sizeof(Entry), _by_name)
        _sorted_names = NULL
        return _sorted_out(&found)
    finally:
        free(endings)
        free(sizes)
        free(found.entries)
        free(found.names)


cdef tuple _sorted_out(Found* found):
    """The folders, files (with their sizes and times) and other names `found` holds."""
    cdef size_t at, files_count = 0
    for at in range(found.count):
        files_count += found.entries[at].kind == FILE
    sizes = np.zeros(files_count, dtype=np.int64)
    times = np.zeros(files_count, dtype=np.int64)
    cdef int64_t[::1] size = sizes, time = times
    folders, files, others = [], [], []
    cdef Entry* entry
    cdef str name
    for at in range(found.count):
        entry = &found.entries[at]
        name = PyUnicode_DecodeFSDefaultAndSize(found.names + entry.name_at, entry.name_size)
        if entry.kind == FOLDER:
            folders.append(name)
        elif entry.kind == FILE:
            size[len(files)] = entry.size
            time[len(files)] = entry.time
            files.append(name)
        else:
            others.append(name)
    return folders, files, sizes, times, others

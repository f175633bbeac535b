"""The container every cache file is written in: named numpy arrays and a JSON header.

    magic "NQACACHE" | header length (u64 LE) | SHA-256 of the header | header (JSON) |
    arrays, each at a 64-byte boundary | SHA-256 of everything before it

The header holds the format number, what the file holds (`kind`), the version of the
code that made its contents, the file's size, the caller's `meta` and the table of
arrays (name, dtype, shape, offset, size). Files are written under a temporary name and
renamed into place, so a reader sees a whole old file or a whole new one.

A file is read whole and its checksum checked (`read_container`), or mapped into
memory (`map_container`): then only its header is checked, with the file's size and
where its arrays lie, and the arrays are read-only views of the mapping, which the
system shares between every process that maps the file. `verify_container` checks a
mapped file whole, reading it a block at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = 6
"""Bump it whenever what any cache file holds changes shape."""
_MAGIC = b"NQACACHE"
_DIGEST = 32  # a SHA-256
_HEAD = len(_MAGIC) + 8 + _DIGEST  # magic, the header's length, the header's checksum
_ALIGN = 64
_VERIFY_BLOCK = 1 << 22

Arrays = dict[str, npt.NDArray[Any]]
Meta = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Streamed:
    """A byte array written as it is made, never whole in memory: its size, known first,
    and what makes its bytes, in order (read back, it is a uint8 array)."""

    nbytes: int
    chunks: Callable[[], Iterable[bytes]]


Contents = Mapping[str, npt.NDArray[Any] | Streamed]
"""What `write_container` writes: arrays by name."""


class CacheProblem(Exception):
    """A cache file that cannot be used. `stale`: made by another version, not damaged."""

    def __init__(self, reason: str, *, stale: bool = False) -> None:
        super().__init__(reason)
        self.stale = stale


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


def write_container(
    path: Path,
    kind: str,
    version: str,
    meta: Mapping[str, Any],
    arrays: Contents,
) -> None:
    """Write `meta` (JSON) and `arrays` to `path` atomically, with a checksum; `version`:
    of the code that made them, which a reader must match. Raises ValueError when a
    `Streamed` array makes another number of bytes than it said."""
    entries: list[list[Any]] = []
    blobs: list[tuple[int, memoryview | Streamed]] = []  # (offset, bytes) of each array
    offset = arrays_end = 0
    for name, array in arrays.items():
        if isinstance(array, Streamed):
            entries.append([name, "|u1", [array.nbytes], offset, array.nbytes])
            blobs.append((offset, array))
            arrays_end = offset + array.nbytes
        else:
            data = np.ascontiguousarray(array)
            entries.append([name, data.dtype.str, list(data.shape), offset, data.nbytes])
            blobs.append((offset, memoryview(data.reshape(-1).view(np.uint8).data)))
            arrays_end = offset + data.nbytes
        offset = _aligned(arrays_end)
    # The header gives the file's size, which depends on the header's own length.
    size = 0
    while True:
        header = json.dumps(
            {
                "format": FORMAT,
                "kind": kind,
                "analyzer": version,
                "size": size,
                "meta": meta,
                "arrays": entries,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        start = _aligned(_HEAD + len(header))
        if start + arrays_end + _DIGEST == size:
            break
        size = start + arrays_end + _DIGEST
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            digest = hashlib.sha256()

            def emit(chunk: bytes | memoryview) -> None:
                digest.update(chunk)
                out.write(chunk)

            emit(_MAGIC + struct.pack("<Q", len(header)) + hashlib.sha256(header).digest())
            emit(header)
            emit(bytes(start - _HEAD - len(header)))
            written = 0
            for at, blob in blobs:
                emit(bytes(at - written))
                if isinstance(blob, Streamed):
                    made = 0
                    for chunk in blob.chunks():
                        emit(chunk)
                        made += len(chunk)
                    if made != blob.nbytes:
                        raise ValueError(f"a streamed array made {made} bytes, not {blob.nbytes}")
                    written = at + made
                else:
                    emit(blob)
                    written = at + len(blob)
            out.write(digest.digest())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_container(path: Path, kind: str, version: str) -> tuple[Meta, Arrays]:
    """The meta and arrays of a container of `kind` made by code of `version`, read whole
    and checked; raises `CacheProblem` if it is unusable.

    The arrays are read-only views of the file's bytes.
    """
    data = path.read_bytes()
    if len(data) < _HEAD + _DIGEST or not data.startswith(_MAGIC):
        raise CacheProblem("not a cache file, or truncated")
    if hashlib.sha256(memoryview(data)[:-_DIGEST]).digest() != data[-_DIGEST:]:
        raise CacheProblem("checksum mismatch: damaged or truncated")
    return _contents(data, kind, version)


def map_container(path: Path, kind: str, version: str) -> tuple[Meta, Arrays]:
    """As `read_container`, but the file is mapped into memory rather than read, and only
    its header, size and array table are checked (`verify_container` checks the rest).

    The arrays are read-only views of the mapping, which lasts as long as any of them.
    """
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size < _HEAD + _DIGEST:
            raise CacheProblem("not a cache file, or truncated")
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if not mapped[: len(_MAGIC)] == _MAGIC:
        raise CacheProblem("not a cache file, or truncated")
    return _contents(mapped, kind, version)


def verify_container(path: Path) -> str | None:
    """Why the file at `path` is not a whole container (its checksum over all of it), or
    None. Reads a block at a time: a large index is never held whole. Raises
    FileNotFoundError when there is no file."""
    try:
        return _check_digest(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        return f"unreadable: {error.strerror or error}"


def _check_digest(path: Path) -> str | None:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size < _HEAD + _DIGEST:
            return "not a cache file, or truncated"
        left = size - _DIGEST
        while left > 0:
            block = file.read(min(left, _VERIFY_BLOCK))
            if not block:
                return "truncated while reading"
            digest.update(block)
            left -= len(block)
        if digest.digest() != file.read(_DIGEST):
            return "checksum mismatch: damaged or truncated"
    return None


def _stale_format(data: bytes | mmap.mmap, header_length: int) -> None:
    """Raise a stale CacheProblem if `data` is a container of an earlier format, whose
    header followed its length directly (before format 5): made by another version,
    not damaged."""
    start = len(_MAGIC) + 8
    with contextlib.suppress(ValueError):
        header = json.loads(data[start : start + header_length])
        if isinstance(header, dict) and header.get("format") != FORMAT:
            raise CacheProblem(f"format {header.get('format')}, not {FORMAT}", stale=True)


def _contents(data: bytes | mmap.mmap, kind: str, version: str) -> tuple[Meta, Arrays]:
    """The meta and arrays of a container's bytes, checked but for the arrays' checksum."""
    try:
        (header_length,) = struct.unpack_from("<Q", data, len(_MAGIC))
        if _HEAD + header_length > len(data):
            raise CacheProblem("not a cache file, or truncated")
        header_bytes = data[_HEAD : _HEAD + header_length]
        if hashlib.sha256(header_bytes).digest() != data[_HEAD - _DIGEST : _HEAD]:
            _stale_format(data, header_length)
            raise CacheProblem("header checksum mismatch: damaged")
        header = json.loads(header_bytes)
    except (struct.error, ValueError) as error:
        raise CacheProblem(f"unreadable header: {error}") from None
    if not isinstance(header, dict) or not isinstance(header.get("meta"), dict):
        raise CacheProblem("unreadable header: not a mapping with a meta mapping")
    if header.get("format") != FORMAT:
        raise CacheProblem(f"format {header.get('format')}, not {FORMAT}", stale=True)
    if header.get("kind") != kind:
        raise CacheProblem(f"holds {header.get('kind')!r}, not {kind!r}")
    if header.get("analyzer") != version:
        raise CacheProblem("made by another reader or analyzer version", stale=True)
    if header.get("size") != len(data):
        raise CacheProblem(f"{len(data):,} bytes, not {header.get('size')}: truncated or damaged")
    start = _aligned(_HEAD + header_length)
    end = len(data) - _DIGEST
    arrays: Arrays = {}
    try:
        for name, dtype_name, shape, offset, size in header["arrays"]:
            dtype = np.dtype(dtype_name)
            if size == 0:
                arrays[name] = np.empty(shape, dtype=dtype)
                continue
            begin = start + offset
            if offset < 0 or begin + size > end or size % dtype.itemsize:
                raise CacheProblem(f"array {name} lies outside the file")
            array = np.frombuffer(data, dtype=dtype, count=size // dtype.itemsize, offset=begin)
            arrays[name] = array.reshape(shape)
    except (TypeError, ValueError) as error:
        raise CacheProblem(f"unreadable array table: {error}") from None
    return header["meta"], arrays

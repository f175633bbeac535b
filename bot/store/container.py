"""The container every cache file is written in: named numpy arrays and a JSON header.

    magic "NQACACHE" | header length (u64 LE) | header (JSON) | arrays, each at a
    64-byte boundary | SHA-256 of everything before it

The header holds the format number, what the file holds (`kind`), the version of the
code that made its contents, the caller's `meta` and the table of arrays (name,
dtype, shape, offset, size). Files are written under a temporary name and renamed
into place, so a reader sees a whole old file or a whole new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = 4
"""Bump it whenever what any cache file holds changes shape."""
_MAGIC = b"NQACACHE"
_HEAD = len(_MAGIC) + 8  # magic, then the header's length
_DIGEST = 32  # SHA-256 of everything before it, at the end of the file
_ALIGN = 64

Arrays = dict[str, npt.NDArray[Any]]
Meta = dict[str, Any]


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
    arrays: Mapping[str, npt.NDArray[Any]],
) -> None:
    """Write `meta` (JSON) and `arrays` to `path` atomically, with a checksum; `version`:
    of the code that made them, which a reader must match."""
    entries: list[list[Any]] = []
    blobs: list[tuple[int, bytes | memoryview]] = []  # (offset, bytes) of each array
    offset = 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array)
        entries.append([name, data.dtype.str, list(data.shape), offset, data.nbytes])
        blobs.append((offset, memoryview(data.reshape(-1).view(np.uint8).data)))
        offset = _aligned(offset + data.nbytes)
    header = json.dumps(
        {"format": FORMAT, "kind": kind, "analyzer": version, "meta": meta, "arrays": entries},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    start = _aligned(_HEAD + len(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            digest = hashlib.sha256()

            def emit(chunk: bytes | memoryview) -> None:
                digest.update(chunk)
                out.write(chunk)

            emit(_MAGIC + struct.pack("<Q", len(header)) + header)
            emit(bytes(start - _HEAD - len(header)))
            written = 0
            for at, blob in blobs:
                emit(bytes(at - written))
                emit(blob)
                written = at + len(blob)
            out.write(digest.digest())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_container(path: Path, kind: str, version: str) -> tuple[Meta, Arrays]:
    """The meta and arrays of a container of `kind` made by code of `version`, checked;
    raises `CacheProblem` if it is unusable.

    The arrays are read-only views of the file's bytes.
    """
    data = path.read_bytes()
    if len(data) < _HEAD + _DIGEST or not data.startswith(_MAGIC):
        raise CacheProblem("not a cache file, or truncated")
    body = memoryview(data)[:-_DIGEST]
    if hashlib.sha256(body).digest() != data[-_DIGEST:]:
        raise CacheProblem("checksum mismatch: damaged or truncated")
    try:
        (header_length,) = struct.unpack_from("<Q", data, len(_MAGIC))
        header = json.loads(data[_HEAD : _HEAD + header_length])
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
    start = _aligned(_HEAD + header_length)
    arrays: Arrays = {}
    try:
        for name, dtype_name, shape, offset, size in header["arrays"]:
            dtype = np.dtype(dtype_name)
            if size == 0:
                arrays[name] = np.empty(shape, dtype=dtype)
                continue
            begin = start + offset
            if offset < 0 or begin + size > len(body) or size % dtype.itemsize:
                raise CacheProblem(f"array {name} lies outside the file")
            array = np.frombuffer(data, dtype=dtype, count=size // dtype.itemsize, offset=begin)
            arrays[name] = array.reshape(shape)
    except (TypeError, ValueError) as error:
        raise CacheProblem(f"unreadable array table: {error}") from None
    return header["meta"], arrays

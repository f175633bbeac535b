"""What reading a corpus gives: documents, files skipped and why, and its errors."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

METADATA_KEYS = ("publisher", "author", "url", "published")
# Parsed files are cached under this number (see bot.store.cache): bump it whenever reading or
# cleaning changes what a file yields, or caches keep what the old code made.
READER_VERSION = 1


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing folder, nothing to index).

    `skipped` holds what was left out on the way, so that the reasons a corpus
    yielded nothing can be shown per file.
    """

    def __init__(self, message: str, skipped: tuple[SkippedFile, ...] = ()) -> None:
        super().__init__(message)
        self.skipped = skipped


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its title, cleaned paragraphs and what is known about it."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str
    """Where it came from, relative to the corpus folder (with a line number for JSONL)."""
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    content_hash: str = ""
    """A hash of the title and paragraphs; computed when not given."""

    def __post_init__(self) -> None:
        if not self.content_hash:
            digest = hashlib.sha256("\n".join([self.title, *self.paragraphs]).encode())
            object.__setattr__(self, "content_hash", digest.hexdigest())

    def metadata(self) -> dict[str, str]:
        """The optional metadata this document has, by key."""
        values = {key: getattr(self, key) for key in METADATA_KEYS}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file (or JSONL line) that was not loaded, and why."""

    path: str
    reason: str


class FileStamp(NamedTuple):
    """A file as listing the corpus folder found it: its path relative to the folder (with
    "/"), its size and its modification time. The same stamp, the same file (as far as a
    load trusts without reading it; see bot.store.cache). A named tuple: a reload lists
    every file of the corpus again, and makes one of these each."""

    relative: str
    size: int
    mtime_ns: int

    @property
    def suffix(self) -> str:
        """Its suffix, lower case (".md", ".jsonl")."""
        return name_suffix(self.relative.rpartition("/")[2]).lower()


def name_suffix(name: str) -> str:
    """A file name's suffix as `os.path.splitext` finds it (names that start with a dot
    are passed over before this), without its cost for every file of a large corpus."""
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


IntArray = npt.NDArray[np.int64]


def _no_numbers() -> IntArray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class Listing:
    """What listing a corpus folder found, each in reading order (by path): the files to
    read, as columns (their paths, sizes and times), and the paths passed over. Columns,
    not a stamp each: a reload lists every file of the corpus again and compares the two
    listings at once, making a `FileStamp` only for a file it reads."""

    relatives: tuple[str, ...] = ()
    """Each file's path."""
    sizes: IntArray = field(default_factory=_no_numbers)
    """Each file's size."""
    mtimes_ns: IntArray = field(default_factory=_no_numbers)
    """Each file's modification time."""
    passed_over: tuple[SkippedFile, ...] = ()
    paths: bytes = field(init=False, repr=False)
    """The files' paths, each after a NUL byte, in UTF-8 (as `bot.corpus.table.nul_joined`
    joins them): how a reload compares them with its documents' sources, and a listing's
    hash takes them."""

    def __post_init__(self) -> None:
        relatives = self.relatives
        if not len(relatives) == len(self.sizes) == len(self.mtimes_ns):
            raise ValueError("a listing's columns differ in length")
        if not all(map(operator.lt, relatives, relatives[1:])):
            raise ValueError("a listing's paths are not in order, or repeat")
        joined = "\0" + "\0".join(relatives) if relatives else ""
        object.__setattr__(self, "paths", joined.encode("utf-8", "surrogatepass"))

    @classmethod
    def of(cls, files: Iterable[FileStamp], passed_over: Iterable[SkippedFile] = ()) -> Listing:
        """The listing of these files and paths passed over."""
        stamps = sorted(files)
        return cls(
            tuple(stamp.relative for stamp in stamps),
            np.array([stamp.size for stamp in stamps], dtype=np.int64),
            np.array([stamp.mtime_ns for stamp in stamps], dtype=np.int64),
            tuple(sorted(passed_over, key=lambda skip: skip.path)),
        )

    @property
    def files(self) -> tuple[FileStamp, ...]:
        """The files, a stamp each (made now: see `stamp` for one)."""
        rows = zip(self.relatives, self.sizes.tolist(), self.mtimes_ns.tolist(), strict=True)
        return tuple(map(_stamp, rows))

    def stamp(self, at: int) -> FileStamp:
        """File number `at`."""
        return FileStamp(self.relatives[at], int(self.sizes[at]), int(self.mtimes_ns[at]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Listing):
            return NotImplemented
        return (
            self.relatives == other.relatives
            and np.array_equal(self.sizes, other.sizes)
            and np.array_equal(self.mtimes_ns, other.mtimes_ns)
            and self.passed_over == other.passed_over
        )

    __hash__ = None  # type: ignore[assignment]


# A FileStamp from a (relative, size, mtime_ns) tuple, made in C as FileStamp._make makes
# it: a cold load makes one for every file of the corpus.
_stamp: Callable[[tuple[str, int, int]], FileStamp] = partial(tuple.__new__, FileStamp)


@dataclass(frozen=True, slots=True)
class Corpus:
    """What loading a folder gives: the documents and everything skipped on the way."""

    folder: Path
    documents: Sequence[Document]
    skipped: tuple[SkippedFile, ...] = field(default=())
    listing: Listing = field(default_factory=Listing)
    """What listing the folder found (empty when not known)."""


class Skip(Exception):
    """Raised inside the loader to skip one file with a reason."""

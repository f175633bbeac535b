"""What reading a corpus gives: documents, files skipped and why, and its errors."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class Listing:
    """What listing a corpus folder found, each in reading order (by path): the files to
    read, and the paths passed over. Apart, and the files' paths, sizes and times as
    columns too, so that a reload compares the files of two listings at once."""

    files: tuple[FileStamp, ...] = ()
    passed_over: tuple[SkippedFile, ...] = ()
    relatives: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """Each file's path."""
    sizes: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    """Each file's size."""
    mtimes_ns: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    """Each file's modification time."""

    def __post_init__(self) -> None:
        files, count = self.files, len(self.files)
        object.__setattr__(self, "relatives", tuple(map(_relative, files)))
        object.__setattr__(self, "sizes", np.fromiter(map(_size, files), np.int64, count))
        object.__setattr__(self, "mtimes_ns", np.fromiter(map(_mtime_ns, files), np.int64, count))


# A file's fields, got at C speed: a listing takes them from every file of the corpus.
_relative: Callable[[FileStamp], str] = operator.attrgetter("relative")
_size: Callable[[FileStamp], int] = operator.attrgetter("size")
_mtime_ns: Callable[[FileStamp], int] = operator.attrgetter("mtime_ns")


@dataclass(frozen=True, slots=True)
class Corpus:
    """What loading a folder gives: the documents and everything skipped on the way."""

    folder: Path
    documents: Sequence[Document]
    skipped: tuple[SkippedFile, ...] = field(default=())
    listing: Listing = field(default=Listing())
    """What listing the folder found (empty when not known)."""


class Skip(Exception):
    """Raised inside the loader to skip one file with a reason."""

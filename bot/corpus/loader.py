"""Loading a corpus folder: every file read at most once (a changed JSON Lines file twice,
to hash it before parsing it), bad ones skipped, repeats kept once."""

from __future__ import annotations

import hashlib
import logging
import os
import traceback
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Protocol

from bot.corpus.document import (
    Corpus,
    CorpusError,
    Document,
    FileStamp,
    Listing,
    Skip,
    SkippedFile,
)
from bot.corpus.files import (
    JSONL_SUFFIXES,
    candidate_files,
    file_digest,
    jsonl_lines,
    printable,
    read_bytes,
)
from bot.corpus.parsing import parse_jsonl, parse_text_file
from bot.progress import Progress
from bot.workers import available_cores, mapped

log = logging.getLogger(__name__)

# Below this many bytes of files to read a corpus is parsed in-process: starting worker
# processes costs more than it saves.
PARALLEL_MIN_BYTES = 2_000_000
# Chunks per worker process, so that a slow chunk does not leave a core idle.
_CHUNKS_PER_WORKER = 8


class FileCache(Protocol):
    """Parsed files kept from an earlier load (see bot.store.cache.CorpusCache)."""

    def unchanged(
        self, relative: str, size: int, mtime_ns: int
    ) -> list[Document | SkippedFile] | None:
        """What parsing this file gave before, when its size and modification time show
        it unchanged since, or None (then it is read, and `lookup` asked)."""

    def known_digest(self, relative: str) -> str | None:
        """The SHA-256 of this file's bytes when it was last parsed, or None."""

    def lookup(self, relative: str, digest: str) -> list[Document | SkippedFile] | None:
        """What parsing this file gave before when its bytes had this SHA-256, or None."""

    def store(self, relative: str, digest: str, results: list[Document | SkippedFile]) -> None:
        """Keep what parsing this file, whose bytes have this SHA-256, gave."""

    def finish(self, gone: Collection[str] | None = None) -> None:
        """The load is over: files not looked up are gone from the corpus, or, given
        `gone`, those files are, and the others not looked up are unchanged."""


def load_corpus(
    folder: Path,
    *,
    max_article_bytes: int,
    cache: FileCache | None = None,
    progress: Progress | None = None,
    listed: Listed | None = None,
    workers: int | None = None,
) -> Corpus:
    """Read every supported file under `folder` into documents.

    A bad file never stops the load: it is skipped with a reason (logged and
    kept in `Corpus.skipped`), as are bad JSONL lines and metadata fields dropped.
    An article (a text file, or a line of a JSON Lines file) over `max_article_bytes`
    is skipped; a JSON Lines file is read as a stream, so its size has no limit.
    Only a missing or unreadable folder raises `CorpusError`. With a `cache`, a
    file whose bytes are unchanged is not parsed again. `progress` counts the files
    and articles read. `listed`: what `list_corpus` gave for `folder` just before (it is
    then not listed again).
    """
    progress = progress or Progress()
    listed = listed or list_corpus(folder)
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    first_with_hash: dict[str, str] = {}
    for item, results in read_files(
        listed.in_order(),
        folder,
        max_article_bytes=max_article_bytes,
        cache=cache,
        workers=workers,
    ):
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
            elif (original := first_with_hash.get(result.content_hash)) is not None:
                skipped.append(duplicate(result.source, original))
            else:
                first_with_hash[result.content_hash] = result.source
                documents.append(result)
                progress.advance(articles=1)
        if isinstance(item, FileStamp):
            progress.advance(files=1)
    if cache is not None:
        cache.finish()

    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    return Corpus(folder, tuple(documents), tuple(skipped), listed.listing)


def duplicate(source: str, original: str) -> SkippedFile:
    """The skip of a document whose text an earlier one (`original`, its source) has."""
    return SkippedFile(source, f"{DUPLICATE}{original}")


DUPLICATE = "same text as "
"""How the reason a repeated document is skipped begins."""


def read_files(
    found: Sequence[FileStamp | SkippedFile],
    folder: Path,
    *,
    max_article_bytes: int,
    cache: FileCache | None = None,
    workers: int | None = None,
) -> Iterator[tuple[FileStamp | SkippedFile, list[Document | SkippedFile]]]:
    """Each item listed in `folder`, in order, with what reading it gave: its documents and
    skips (a path passed over at listing is its own skip). Files whose bytes are unknown, or
    changed, are read and parsed first, in worker processes when there are enough of
    them; the rest comes from the cache. Repeats are not looked for."""
    results_of: dict[str, list[Document | SkippedFile]] = {}
    to_read: list[_ToRead] = []
    for item in found:
        if isinstance(item, FileStamp) and item.suffix not in JSONL_SUFFIXES:
            relative = item.relative
            if (cached := _unchanged(item, max_article_bytes, cache)) is not None:
                results_of[relative] = cached
            else:
                known = cache.known_digest(relative) if cache is not None else None
                path = os.path.join(folder, relative)
                to_read.append(_ToRead(path, relative, item.suffix, item.size, known))
    read = _read_text_files(to_read, max_article_bytes, workers)
    for item in found:
        if isinstance(item, SkippedFile):
            yield item, [item]
        elif item.suffix in JSONL_SUFFIXES:
            yield item, _load_jsonl_file(item, folder, max_article_bytes, cache)
        elif (cached := results_of.pop(item.relative, None)) is not None:
            yield item, cached
        else:
            yield item, _parsed(next(read), cache, max_article_bytes)


@dataclass(frozen=True, slots=True)
class Listed:
    """What listing a corpus folder found just now."""

    folder: Path
    listing: Listing

    def in_order(self) -> Sequence[FileStamp | SkippedFile]:
        """The files and the paths passed over, in one sequence, in reading order."""
        listing = self.listing
        if not listing.passed_over:
            return listing.files
        return sorted([*listing.files, *listing.passed_over], key=path_of)


def path_of(item: FileStamp | SkippedFile) -> str:
    """The path, relative to the corpus folder, of a file listed or a path passed over."""
    return item.path if isinstance(item, SkippedFile) else item.relative


def list_corpus(folder: Path) -> Listed:
    """Every file under `folder` to read, or why a path is passed over; raises
    `CorpusError` for a folder that is missing or cannot be read."""
    shown = printable(str(folder))
    try:
        if not folder.exists():
            raise CorpusError(f"corpus folder not found: {shown}")
        if not folder.is_dir():
            raise CorpusError(f"corpus path is not a folder: {shown}")
        with os.scandir(folder):  # a folder that cannot be listed cannot be loaded
            pass
        resolved_root = folder.resolve()
    except (OSError, RuntimeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise CorpusError(f"corpus folder cannot be read: {shown} ({reason})") from None

    return Listed(folder, candidate_files(folder, resolved_root))


def _unchanged(
    found: FileStamp, max_article_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile] | None:
    """What a file holding one article gave before, when size and time show it unchanged."""
    if cache is None or found.size > max_article_bytes:
        return None
    return cache.unchanged(found.relative, found.size, found.mtime_ns)


@dataclass(frozen=True, slots=True)
class _ToRead:
    """A file holding one article, to read and parse (in a worker process, perhaps)."""

    path: str
    relative: str
    suffix: str
    size: int
    known_digest: str | None
    """The SHA-256 its bytes had when it was last parsed: bytes with it are not parsed."""


@dataclass(frozen=True, slots=True)
class _Read:
    """What reading a file gave: the SHA-256 of its bytes (None: unreadable or too long),
    and its documents and skips (None: its bytes are `known_digest`, parsed before)."""

    file: _ToRead
    digest: str | None
    results: list[Document | SkippedFile] | None
    failure: str | None = None
    """The traceback of an unexpected error, then in `results` as a skip."""


def _read_text_file(file: _ToRead, max_article_bytes: int) -> _Read:
    try:
        data = read_bytes(Path(file.path), max_article_bytes, file.size)
    except Skip as skip:
        return _Read(file, None, [SkippedFile(file.relative, str(skip))])
    digest = hashlib.sha256(data).hexdigest()
    if digest == file.known_digest:
        return _Read(file, digest, None)
    try:
        return _Read(file, digest, parse_text_file(data, file.relative, file.suffix))
    except Exception as error:  # a last guard: no one file may stop the load
        reason = f"could not be loaded ({type(error).__name__})"
        return _Read(file, None, [SkippedFile(file.relative, reason)], traceback.format_exc())


def _read_text_files(
    files: list[_ToRead], max_article_bytes: int, workers: int | None
) -> Iterator[_Read]:
    """Each file read and parsed, in order: in worker processes when there is enough to
    read for them to pay."""
    read = partial(_read_text_file, max_article_bytes=max_article_bytes)
    if workers is None:
        total = sum(file.size for file in files)
        workers = available_cores() if total >= PARALLEL_MIN_BYTES else 1
    workers = min(workers, len(files))
    if workers <= 1:
        return map(read, files)
    chunk = max(1, len(files) // (workers * _CHUNKS_PER_WORKER))
    return mapped(read, files, workers, doing="reading files", chunksize=chunk)


def _parsed(
    read: _Read, cache: FileCache | None, max_article_bytes: int
) -> list[Document | SkippedFile]:
    """What a file read gives, kept in the cache."""
    file = read.file
    if read.failure is not None:
        log.error("unexpected error loading %s\n%s", file.relative, read.failure.rstrip())
    if read.results is None and cache is not None and read.digest is not None:
        # Its bytes are the ones last parsed (`_ToRead.known_digest`): the cache has them.
        if (cached := cache.lookup(file.relative, read.digest)) is not None:
            return cached
        read = _read_text_file(replace(file, known_digest=None), max_article_bytes)
    results = read.results or []
    if cache is not None and read.digest is not None:
        cache.store(file.relative, read.digest, results)
    return results


def _load_jsonl_file(
    found: FileStamp, folder: Path, max_article_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile]:
    """What a JSON Lines file holds, from the cache when it is unchanged."""
    relative = found.relative
    if cache is not None:
        results = cache.unchanged(relative, found.size, found.mtime_ns)
        if results is not None:
            return results
    try:
        return _load_jsonl(folder / relative, relative, max_article_bytes, cache)
    except Skip as skip:
        return [SkippedFile(relative, str(skip))]
    except Exception as error:  # a last guard: no one file may stop the load
        log.exception("unexpected error loading %s", relative)
        return [SkippedFile(relative, f"could not be loaded ({type(error).__name__})")]


def _load_jsonl(
    path: Path, relative: str, max_article_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile]:
    """A JSON Lines file, read line by line: hashed first when a cache may hold it."""
    if cache is not None and (results := cache.lookup(relative, file_digest(path))) is not None:
        return results
    read = hashlib.sha256()  # of the bytes actually parsed, should the file change meanwhile
    results = list(parse_jsonl(jsonl_lines(path, max_article_bytes, read), relative))
    if cache is not None:
        cache.store(relative, read.hexdigest(), results)
    return results

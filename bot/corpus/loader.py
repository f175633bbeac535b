"""Loading a corpus folder: every file read at most once (a changed JSON Lines file twice,
to hash it before parsing it), bad ones skipped, repeats kept once."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
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
    FoundFile,
    candidate_files,
    file_digest,
    jsonl_lines,
    printable,
    read_bytes,
)
from bot.corpus.parsing import parse_jsonl, parse_text_file
from bot.progress import Progress

log = logging.getLogger(__name__)


class FileCache(Protocol):
    """Parsed files kept from an earlier load (see bot.store.cache.CorpusCache)."""

    def unchanged(
        self, relative: str, size: int, mtime_ns: int
    ) -> list[Document | SkippedFile] | None:
        """What parsing this file gave before, when its size and modification time show
        it unchanged since, or None (then it is read, and `lookup` asked)."""

    def lookup(self, relative: str, digest: str) -> list[Document | SkippedFile] | None:
        """What parsing this file gave before when its bytes had this SHA-256, or None."""

    def store(self, relative: str, digest: str, results: list[Document | SkippedFile]) -> None:
        """Keep what parsing this file, whose bytes have this SHA-256, gave."""

    def finish(self) -> None:
        """The load is over: files not looked up are gone from the corpus."""


def load_corpus(
    folder: Path,
    *,
    max_article_bytes: int,
    cache: FileCache | None = None,
    progress: Progress | None = None,
    listed: Listed | None = None,
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

    def keep(document: Document) -> None:
        if (original := first_with_hash.get(document.content_hash)) is not None:
            skipped.append(SkippedFile(document.source, f"same text as {original}"))
            return
        first_with_hash[document.content_hash] = document.source
        documents.append(document)
        progress.advance(articles=1)

    for item in listed.found:
        if isinstance(item, SkippedFile):
            skipped.append(item)
            continue
        relative = item.relative
        try:
            results = _load_file(item, max_article_bytes, cache)
        except Exception as error:  # a last guard: no one file may stop the load
            log.exception("unexpected error loading %s", relative)
            results = [SkippedFile(relative, f"could not be loaded ({type(error).__name__})")]
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
            else:
                keep(result)
        progress.advance(files=1)
    if cache is not None:
        cache.finish()

    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    return Corpus(folder, tuple(documents), tuple(skipped), listed.listing)


@dataclass(frozen=True, slots=True)
class Listed:
    """What listing a corpus folder found, in reading order: the files to read and the
    paths passed over (`found`), and the same as stamps (`listing`: an unchanged listing,
    unchanged files, as far as size and time tell)."""

    found: list[FoundFile | SkippedFile]
    listing: Listing


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

    def path_of(item: FoundFile | SkippedFile) -> str:
        return item.path if isinstance(item, SkippedFile) else item.relative

    found = sorted(candidate_files(folder, resolved_root), key=path_of)
    listing = tuple(
        item
        if isinstance(item, SkippedFile)
        else FileStamp(item.relative, item.status.st_size, item.status.st_mtime_ns)
        for item in found
    )
    return Listed(found, listing)


def _load_file(
    found: FoundFile, max_article_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile]:
    """What one file holds, from the cache when it is unchanged."""
    relative, size = found.relative, found.status.st_size
    jsonl = found.suffix in JSONL_SUFFIXES
    if cache is not None and (jsonl or size <= max_article_bytes):
        results = cache.unchanged(relative, size, found.status.st_mtime_ns)
        if results is not None:
            return results
    path = Path(found.path)
    try:
        if jsonl:
            return _load_jsonl(path, relative, max_article_bytes, cache)
        data = read_bytes(path, max_article_bytes, size)
    except Skip as skip:
        return [SkippedFile(relative, str(skip))]
    digest = hashlib.sha256(data).hexdigest()
    results = cache.lookup(relative, digest) if cache is not None else None
    if results is None:
        results = parse_text_file(data, relative, found.suffix)
        if cache is not None:
            cache.store(relative, digest, results)
    return results


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

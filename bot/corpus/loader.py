"""Loading a corpus folder: every file read once, bad ones skipped, repeats kept once."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from bot.corpus.document import Corpus, CorpusError, Document, Skip, SkippedFile
from bot.corpus.files import candidate_files, printable, read_bytes
from bot.corpus.parsing import parse_file

log = logging.getLogger(__name__)


class FileCache(Protocol):
    """Parsed files kept from an earlier load (see bot.store.cache.CorpusCache)."""

    def lookup(self, relative: str, data: bytes) -> list[Document | SkippedFile] | None:
        """What parsing these exact bytes of this file gave before, or None."""

    def store(self, relative: str, results: list[Document | SkippedFile]) -> None:
        """Keep what parsing the bytes last looked up for this file gave."""

    def finish(self) -> None:
        """The load is over: files not looked up are gone from the corpus."""


def load_corpus(folder: Path, *, max_file_bytes: int, cache: FileCache | None = None) -> Corpus:
    """Read every supported file under `folder` into documents.

    A bad file never stops the load: it is skipped with a reason (logged and
    kept in `Corpus.skipped`), as are bad JSONL lines and metadata fields dropped.
    Only a missing or unreadable folder raises `CorpusError`. With a `cache`, a
    file whose bytes are unchanged is not parsed again.
    """
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

    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    first_with_hash: dict[str, str] = {}

    def keep(document: Document) -> None:
        if (original := first_with_hash.get(document.content_hash)) is not None:
            skipped.append(SkippedFile(document.source, f"same text as {original}"))
            return
        first_with_hash[document.content_hash] = document.source
        documents.append(document)

    def path_of(item: Path | SkippedFile) -> str:
        return item.path if isinstance(item, SkippedFile) else item.relative_to(folder).as_posix()

    for item in sorted(candidate_files(folder, resolved_root), key=path_of):
        if isinstance(item, SkippedFile):
            skipped.append(item)
            continue
        relative = item.relative_to(folder).as_posix()
        try:
            results = _load_file(item, relative, max_file_bytes, cache)
        except Exception as error:  # a last guard: no one file may stop the load
            log.exception("unexpected error loading %s", relative)
            results = [SkippedFile(relative, f"could not be loaded ({type(error).__name__})")]
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
            else:
                keep(result)
    if cache is not None:
        cache.finish()

    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    return Corpus(folder=folder, documents=tuple(documents), skipped=tuple(skipped))


def _load_file(
    path: Path, relative: str, max_file_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile]:
    """What one file holds, from the cache when its bytes are unchanged."""
    try:
        data = read_bytes(path, max_file_bytes)
    except Skip as skip:
        return [SkippedFile(relative, str(skip))]
    results = cache.lookup(relative, data) if cache is not None else None
    if results is None:
        results = parse_file(data, relative, path.suffix.lower())
        if cache is not None:
            cache.store(relative, results)
    return results

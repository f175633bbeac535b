"""A reload's corpus: the last load's, with only the files that changed, came or went
read again (those that changed, came, or hold a repeat), giving the corpus a load that
reads every file would give."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus.document import Corpus, Document, FileStamp, SkippedFile
from bot.corpus.files import FoundFile
from bot.corpus.loader import DUPLICATE, FileCache, Listed, duplicate, read_files
from bot.corpus.table import Arrays, DocumentTable, column, encode_documents, join_documents
from bot.progress import Progress

log = logging.getLogger(__name__)

# A file changed within this long before a load began may have changed again unseen in
# the same clock tick (coarse file system clocks tick every 2 s): it is read again.
TRUST_MARGIN_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Composed:
    """A reload's corpus, and where each of its documents was in the last one."""

    corpus: Corpus
    earlier: npt.NDArray[np.int64]
    """For each document, its position in the last load's documents; -1 for one read anew."""
    files_kept: int
    """Files taken from the last load without a look at them."""


def compose_corpus(
    previous: Corpus,
    read_from_ns: int,
    listed: Listed,
    *,
    max_article_bytes: int,
    cache: FileCache,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Composed | None:
    """The corpus of the folder `listed` now, taking from `previous` (a load of the same
    folder with the same `max_article_bytes`, begun at `read_from_ns`) every file whose
    size and time are as it listed them, well before it began; the others are read
    (through `cache`), and repeats looked for across all, as `load_corpus` does. None when
    `previous` does not say which file each of its documents came from."""
    progress = progress or Progress()
    stamps = {item.relative: item for item in previous.listing if isinstance(item, FileStamp)}
    sources = column(previous.documents, "source")
    hashes = column(previous.documents, "content_hash")
    gave = _what_files_gave(previous, stamps, sources)
    if gave is None:
        return None
    spans, skips, repeating = gave
    trusted_before = read_from_ns - TRUST_MARGIN_NS
    now = {item.relative for item in listed.listing if isinstance(item, FileStamp)}
    to_read = {
        item.relative
        for item in listed.listing
        if isinstance(item, FileStamp)
        and (
            stamps.get(item.relative) != item
            or item.mtime_ns >= trusted_before
            or item.relative in repeating
        )
    }
    last = _Previous(previous.documents, stamps, sources, hashes, spans, skips)
    fresh = _read_changed(
        to_read,
        listed,
        last,
        now,
        lambda files: read_files(
            files, max_article_bytes=max_article_bytes, cache=cache, workers=workers
        ),
    )
    cache.finish(stamps.keys() - now)
    parts, earlier, skipped = _in_order(listed, last, fresh)
    progress.advance(files=len(now), articles=len(earlier))
    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    corpus = Corpus(previous.folder, _joined(parts), tuple(skipped), listed.listing)
    return Composed(corpus, np.asarray(earlier, dtype=np.int64), len(now) - len(fresh))


@dataclass(frozen=True, slots=True)
class _Previous:
    """The last load, as a reload takes from it."""

    documents: Sequence[Document]
    stamps: dict[str, FileStamp]
    sources: list[str]
    hashes: list[str]
    spans: dict[str, tuple[int, int]]
    """Where each file's documents are in `documents` (first, stop)."""
    skips: dict[str, list[SkippedFile]]


Results = list[Document | SkippedFile]


def _read_changed(
    to_read: set[str],
    listed: Listed,
    previous: _Previous,
    now: set[str],
    read: Callable[[list[FoundFile]], Iterator[tuple[FoundFile | SkippedFile, Results]]],
) -> dict[str, Results]:
    """What reading the files `to_read` gives, and the files kept that repeat one of
    their documents (if such a file comes later, its document is skipped, and the skip's
    place among its file's others is known only from reading it)."""
    found = {item.relative: item for item in listed.found if isinstance(item, FoundFile)}
    position_of = {content_hash: at for at, content_hash in enumerate(previous.hashes)}
    fresh: dict[str, Results] = {}
    pending = set(to_read)
    while pending:
        new_hashes: set[str] = set()
        for item, results in read(sorted((found[path] for path in pending), key=_relative)):
            fresh[_relative(item)] = results
            new_hashes.update(r.content_hash for r in results if isinstance(r, Document))
        repeated = (position_of.get(content_hash) for content_hash in new_hashes)
        owners = {
            _file_of(previous.sources[at], previous.stamps) for at in repeated if at is not None
        }
        pending = (owners & now) - fresh.keys()
    return fresh


def _relative(item: FoundFile | SkippedFile) -> str:
    return item.relative if isinstance(item, FoundFile) else item.path


def _in_order(
    listed: Listed, previous: _Previous, fresh: dict[str, Results]
) -> tuple[list[Arrays | list[Document]], list[int], list[SkippedFile]]:
    """The documents in listing order, as runs of the last load's documents and lists
    of those read anew; where each was in the last load (-1: read anew); the skips."""
    hashes, sources = previous.hashes, previous.sources
    parts: list[Arrays | list[Document]] = []
    earlier: list[int] = []
    runs: list[tuple[int, int]] = []  # of positions in documents, in order
    read: list[Document] = []
    skipped: list[SkippedFile] = []
    first_with_hash: dict[str, str] = {}
    for item in listed.found:
        if isinstance(item, SkippedFile):
            skipped.append(item)
            continue
        results = fresh.get(item.relative)
        if results is None:  # kept: its documents repeat none before them (see above)
            relative = item.relative
            if (span := previous.spans.get(relative)) is not None:
                first, stop = span
                for at in range(first, stop):
                    first_with_hash[hashes[at]] = sources[at]
                if runs and runs[-1][1] == first:
                    runs[-1] = (runs[-1][0], stop)
                else:
                    runs.append(span)
                earlier.extend(range(first, stop))
            if (file_skips := previous.skips.get(relative)) is not None:
                skipped.extend(file_skips)
            continue
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
            elif (original := first_with_hash.get(result.content_hash)) is not None:
                skipped.append(duplicate(result.source, original))
            else:
                first_with_hash[result.content_hash] = result.source
                if runs:
                    parts.append(_taken(previous.documents, runs))
                    runs = []
                read.append(result)
                earlier.append(-1)
        if read:
            parts.append(read)
            read = []
    if runs:
        parts.append(_taken(previous.documents, runs))
    return parts, earlier, skipped


def _file_of(path: str, stamps: dict[str, FileStamp]) -> str:
    """The file a document's source or a skip's path names: a text file's name it, a
    JSON Lines file's, it and a line number."""
    return path if path in stamps else path.rpartition(":")[0]


def _what_files_gave(
    previous: Corpus, stamps: dict[str, FileStamp], sources: list[str]
) -> tuple[dict[str, tuple[int, int]], dict[str, list[SkippedFile]], set[str]] | None:
    """From the last load (its documents' `sources`): where each file's documents are
    (first, stop; none for a file without one), each file's skips, and the files that
    held a repeat (a repeat kept no document: what it held is not in `previous`). None
    when a document names no file listed."""
    skips: dict[str, list[SkippedFile]] = {}
    repeating: set[str] = set()
    for skip in previous.skipped:
        owner = _file_of(skip.path, stamps)
        if owner in stamps:
            skips.setdefault(owner, []).append(skip)
            if skip.reason.startswith(DUPLICATE):
                repeating.add(owner)
    spans: dict[str, tuple[int, int]] = {}
    owners = [source if source in stamps else _file_of(source, stamps) for source in sources]
    first = 0
    for position in range(1, len(owners) + 1):
        if position == len(owners) or owners[position] != owners[first]:
            owner = owners[first]
            if owner not in stamps or owner in spans:  # unknown, or not in one run
                return None
            spans[owner] = (first, position)
            first = position
    return spans, skips, repeating


def _taken(documents: Sequence[Document], runs: list[tuple[int, int]]) -> Arrays | list[Document]:
    if isinstance(documents, DocumentTable):
        return join_documents([documents.part(start, stop) for start, stop in runs])
    return [documents[at] for start, stop in runs for at in range(start, stop)]


def _joined(parts: list[Arrays | list[Document]]) -> Sequence[Document]:
    """The documents of `parts` in order: arrays when the last load's were."""
    lists = [part for part in parts if isinstance(part, list)]
    if len(lists) == len(parts):
        return tuple(document for part in lists for document in part)
    arrays: list[dict[str, Any]] = [
        encode_documents(part) if isinstance(part, list) else part for part in parts
    ]
    return DocumentTable(join_documents(arrays))

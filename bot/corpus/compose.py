"""A reload's corpus: the last load's, with only the files that changed or came read
(and those that hold a repeat), giving the corpus a load that reads every file gives.

The work is done on arrays, a file or a document an item: a reload of a large corpus
after a few files changed should cost little more than listing its folder."""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus.document import Corpus, Document, FileStamp, Listing, SkippedFile
from bot.corpus.loader import DUPLICATE, FileCache, Listed, duplicate, path_of, read_files
from bot.corpus.table import (
    DocumentTable,
    column,
    encode_documents,
    join_documents,
    joined_fields,
    runs,
)
from bot.progress import Progress

log = logging.getLogger(__name__)

# A file changed within this long before a load began may have changed again unseen in
# the same clock tick (coarse file system clocks tick every 2 s): it is read again.
TRUST_MARGIN_NS = 2_000_000_000

Int64Array = npt.NDArray[np.int64]
Results = list[Document | SkippedFile]


@dataclass(frozen=True, slots=True)
class Composed:
    """A reload's corpus, and where each of its documents was in the last one."""

    corpus: Corpus
    earlier: Int64Array
    """For each document, the place in the last load's documents of one with its text (it
    or, for a file read, one whose text it has); -1 when none had it."""
    files_kept: int
    """Files taken from the last load without a look at them."""


@dataclass(frozen=True, slots=True)
class _Texts:
    """The last load's documents' content hashes (hexadecimal), each between NULs, as its
    table holds them: a reload looks up the few texts it read, not all."""

    joined: bytes

    def places(self, hashes: Collection[str]) -> dict[str, int]:
        """The place of the document with each of `hashes`, for those a document has (the
        documents hold no repeat)."""
        if len(hashes) > _FEW_TEXTS:
            every = self.joined.decode("utf-8", "surrogatepass").split("\0")[1:-1]
            place = dict(zip(every, itertools.count()))
            return {
                content_hash: place[content_hash]
                for content_hash in hashes
                if content_hash in place
            }
        places = {}
        for content_hash in hashes:
            at = self.joined.find(b"\0" + content_hash.encode("utf-8", "surrogatepass") + b"\0")
            if at >= 0:
                places[content_hash] = self.joined.count(b"\0", 0, at)
        return places


# Up to this many texts are looked up by scanning the hashes; more, through a dictionary.
_FEW_TEXTS = 64


class _Places(Mapping[str, int]):
    """Where each of a listing's paths is among its files, found by halving (they are in
    order), not hashed into a dictionary: a reload looks up a few paths of many."""

    __slots__ = ("_every", "_paths")

    def __init__(self, paths: tuple[str, ...]) -> None:
        self._paths = paths
        self._every: dict[str, int] | None = None

    def __getitem__(self, path: str) -> int:
        at = bisect.bisect_left(self._paths, path)
        if at < len(self._paths) and self._paths[at] == path:
            return at
        raise KeyError(path)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def every(self) -> dict[str, int]:
        """Every path's place, in a dictionary (made once): for looking up many."""
        if self._every is None:
            self._every = dict(zip(self._paths, itertools.count()))
        return self._every


@dataclass(frozen=True, slots=True)
class _Before:
    """The last load, as a reload takes from it."""

    documents: Sequence[Document]
    listing: Listing
    number: _Places
    """A file's place in its listing's files, by path."""
    file_of: Int64Array
    """For each document, its file's place (documents are in listing order)."""
    texts: _Texts
    """Its documents' content hashes."""
    skips: dict[int, list[SkippedFile]]
    """What was skipped in each file (by place), in order."""
    repeating: set[str]
    """Files that held a repeat: a repeat kept no document, so what they held is not here."""


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
    before = _before(previous)
    if before is None:
        return None
    listing = listed.listing
    relatives = listing.relatives
    same_files = relatives == before.listing.relatives
    # A file's place in the listing, by path.
    number = before.number if same_files else _Places(relatives)
    to_read = _changed(before, listing, number, same_files, read_from_ns - TRUST_MARGIN_NS)
    fresh = _read_changed(
        to_read,
        listing,
        number,
        before,
        lambda files: read_files(
            files, listed.folder, max_article_bytes=max_article_bytes, cache=cache, workers=workers
        ),
    )
    cache.finish(() if same_files else before.number.keys() - number.keys())

    # Where each file of the last load is now (-1: gone, or read again).
    if same_files:  # no lookups
        now = np.arange(len(relatives), dtype=np.int64)
    else:
        place = number.every().get
        now = np.fromiter(map(place, before.listing.relatives, itertools.repeat(-1)), np.int64)
    now[[before.number[path] for path in fresh if path in before.number]] = -1
    documents, earlier, skipped = _in_order(listing, number, before, fresh, now)
    progress.advance(files=len(relatives), articles=len(earlier))
    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    corpus = Corpus(previous.folder, documents, tuple(skipped), listing)
    return Composed(corpus, earlier, int((now >= 0).sum()))


def _before(previous: Corpus) -> _Before | None:
    relatives = previous.listing.relatives
    number = _Places(relatives)

    def file_of(path: str) -> int:
        # A text file's documents and skips name it; a JSON Lines file's, it and a line.
        if (at := number.get(path)) is not None:
            return at
        file, _, line = path.rpartition(":")
        return number.get(file, -1) if line.isdigit() else -1

    documents = previous.documents
    # The sources compared undecoded: no path of a file holds a NUL.
    sources_joined = joined_fields(documents, ["source"])
    if len(documents) == len(relatives) and sources_joined == previous.listing.paths:
        owners = np.arange(len(relatives), dtype=np.int64)  # a document a file, as for articles
    else:
        sources = column(documents, "source")
        owned = list(map(number.every().get, sources))  # most name their file: at C speed
        if None in owned:
            pairs = zip(owned, sources, strict=True)
            owned = [file_of(path) if at is None else at for at, path in pairs]
        owners = np.array(owned, dtype=np.int64)
    if len(owners) and (owners.min() < 0 or (np.diff(owners) < 0).any()):
        return None  # a document of no file listed, or out of order
    skips: dict[int, list[SkippedFile]] = {}
    repeating: set[str] = set()
    passed_over = set(previous.listing.passed_over)
    for skip in previous.skipped:
        if skip in passed_over:  # at listing: listed anew
            continue
        if (owner := file_of(skip.path)) >= 0:
            skips.setdefault(owner, []).append(skip)
            if skip.reason.startswith(DUPLICATE):
                repeating.add(relatives[owner])
    texts = _Texts(joined_fields(documents, ["content_hash"]) + b"\0")
    return _Before(documents, previous.listing, number, owners, texts, skips, repeating)


def _changed(
    before: _Before,
    listing: Listing,
    number: Mapping[str, int],
    same_files: bool,
    trusted_before_ns: int,
) -> set[str]:
    """The files listed now (`listing`, their places by path in `number`) whose size or
    time is not as the last load listed them, or too close to when it began to trust, and
    those that held a repeat. `same_files`: whether the folder holds the same files as
    then, in the same order."""
    then, relatives = before.listing, listing.relatives
    if same_files:  # the same files: their sizes and times compared as arrays
        differ = (listing.sizes != then.sizes) | (listing.mtimes_ns != then.mtimes_ns)
    else:  # files came or went: each compared with the file of its path then, if any
        known = before.number.every().get
        at = np.fromiter(map(known, relatives, itertools.repeat(-1)), np.int64, len(relatives))
        was = at >= 0
        differ = ~was
        differ[was] = (listing.sizes[was] != then.sizes.take(at[was])) | (
            listing.mtimes_ns[was] != then.mtimes_ns.take(at[was])
        )
    differ |= listing.mtimes_ns >= trusted_before_ns
    changed = {relatives[at] for at in np.flatnonzero(differ).tolist()}
    return changed | {path for path in before.repeating if path in number}


def _read_changed(
    to_read: set[str],
    listing: Listing,
    number: Mapping[str, int],
    before: _Before,
    read: Callable[[list[FileStamp]], Iterator[tuple[FileStamp | SkippedFile, Results]]],
) -> dict[str, Results]:
    """What reading the files `to_read` gives, and reading every file kept that shares a
    text with a document read: repeats are then found among files read alone, in order,
    and a skip takes its place among its file's others."""
    fresh: dict[str, Results] = {}
    pending = set(to_read)
    while pending:
        places = sorted(map(number.__getitem__, pending))
        in_order = [listing.stamp(at) for at in places]
        new_hashes: set[str] = set()
        for item, results in read(in_order):
            fresh[path_of(item)] = results
            new_hashes.update(r.content_hash for r in results if isinstance(r, Document))
        repeated = before.texts.places(new_hashes).values()
        owners = {before.listing.relatives[before.file_of[at]] for at in repeated}
        pending = {path for path in owners if path in number} - fresh.keys()
    return fresh


def _in_order(
    listing: Listing,
    number: Mapping[str, int],
    before: _Before,
    fresh: dict[str, Results],
    now: Int64Array,
) -> tuple[Sequence[Document], Int64Array, list[SkippedFile]]:
    """The documents in listing order, where each was in the last load (-1: read anew),
    and the skips. `now`: where each file of the last load is in `listing` (-1: gone
    or read), and `number` where a path is. The documents of files kept keep their order
    and repeat none before them (`_read_changed` read every file that shares a text with
    a file read): the documents read are put among them by their file's place."""
    kept = np.flatnonzero(now.take(before.file_of) >= 0)
    # Skips, by (path of their file, order in it): in reading order once sorted.
    skips = [(skip.path, 0, skip) for skip in listing.passed_over]
    for at, file_skips in before.skips.items():
        if now[at] >= 0:
            relative = before.listing.relatives[at]
            skips.extend((relative, order, skip) for order, skip in enumerate(file_skips))
    read: list[Document] = []
    read_places: list[int] = []
    first_read: dict[str, str] = {}
    for relative in sorted(fresh, key=number.__getitem__):
        for order, result in enumerate(fresh[relative]):
            if isinstance(result, SkippedFile):
                skips.append((relative, order, result))
            elif (original := first_read.get(result.content_hash)) is not None:
                skips.append((relative, order, duplicate(result.source, original)))
            else:
                first_read[result.content_hash] = result.source
                read.append(result)
                read_places.append(number[relative])
    skips.sort(key=lambda entry: entry[:2])
    # Kept and read documents merged by place (no file has both).
    places = np.concatenate([now.take(before.file_of.take(kept)), np.array(read_places, np.int64)])
    earlier = np.concatenate([kept, np.full(len(read), -1, dtype=np.int64)])
    earlier = earlier.take(np.argsort(places, kind="stable"))
    documents = _documents(before.documents, earlier, read)
    # A document read whose text the last load had (a file moved, or put back) has it there.
    known = before.texts.places({document.content_hash for document in read})
    earlier[earlier < 0] = [known.get(document.content_hash, -1) for document in read]
    return documents, earlier, [skip for *_, skip in skips]


def _documents(
    documents: Sequence[Document], earlier: Int64Array, read: list[Document]
) -> Sequence[Document]:
    """The documents in order: `earlier[i]`, the place of the i-th in `documents`, or -1
    for the next of `read`. Arrays when `documents` are, runs of them copied whole."""
    if not isinstance(documents, DocumentTable):
        fresh = iter(read)
        return tuple(next(fresh) if at < 0 else documents[at] for at in earlier.tolist())
    parts: list[dict[str, Any]] = []
    taken = 0
    for start, stop in runs(earlier):
        if (first := int(earlier[start])) < 0:
            parts.append(encode_documents(read[taken : taken + stop - start]))
            taken += stop - start
        else:
            parts.append(documents.part(first, first + stop - start))
    return DocumentTable(join_documents(parts))

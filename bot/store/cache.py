"""The analysed corpus on disk, so a restart does not parse, split, tokenize and stem again.

Under `<cache_dir>/<hash of the corpus folder's path>/`:

    parsed/NN.bin   the corpus files as parsed, in 64 shards by a hash of their path: each
                    file's documents and skipped lines, valid for its exact bytes (SHA-256)
    index.bin       the last index built: postings and sentence layout (the analysis of
                    every document: sentences and terms, under its document's content
                    hash) and the documents themselves, valid as an index for the exact
                    list of documents it was built from
    listing.bin     what listing the corpus folder found at the last load (a hash of
                    each file's path, size and modification time; what was skipped),
                    and the key of the index of its documents

A restart over a folder whose listing is unchanged maps `index.bin` and takes its
documents from it, reading no corpus file and no parsed shard (`CorpusCache.listed`);
a reload after some files changed parses those files again,
analyses only the documents whose text the last index did not hold, and builds the
postings anew. A corpus of many small files costs no more writes than one of a few
large ones, and a change to one file rewrites its shard and the index only.

Every cache file holds a format number, the versions of the code that made it (the
file reader's `bot.corpus.READER_VERSION`, and the version the analyzer declares,
`bot.search.analyzer.Analyzer.VERSION`, with its stop words and the nupunkt and PyStemmer
versions; see `bot.search.analysis.analyzer_version`) and a SHA-256 of its contents (the
container, `bot.store.container`). A file that does not check out (damaged,
truncated, stale) is logged, ignored and rebuilt, never trusted. The index is mapped
into memory, not read, so that processes sharing the cache share its memory: a start
checks its header, size and every position the search follows; `check --verify` checks
it whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import time
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus import READER_VERSION, Document, DocumentTable, Listing, SkippedFile, column
from bot.corpus.table import document_layout, document_text, joined_fields
from bot.search.analysis import Analysis, analyzer_version
from bot.store.container import (
    FORMAT,
    Arrays,
    CacheProblem,
    Contents,
    Meta,
    Streamed,
    map_container,
    read_container,
    verify_container,
    write_container,
)
from bot.store.entries import (
    FileResults,
    StoredFile,
    decode_analysis,
    decode_files,
    decode_hashes,
    decode_listing,
    encode_files,
    encode_hashes,
    encode_listing,
)
from bot.store.sweep import mark_and_sweep

log = logging.getLogger(__name__)

_TEMPORARY_MAX_AGE = 3600.0  # seconds before a leftover temporary file is removed


def code_version() -> str:
    """The versions of the code whose output is cached: the file reader and the analyzer."""
    return f"reader {READER_VERSION}, analyzer {analyzer_version()}"


def _sha256(text: str) -> str:
    # surrogateescape: a path that is not UTF-8 hashes as its bytes instead of raising
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class CacheStats:
    """What one load took from the cache and what it had to do itself."""

    files_parsed: int = 0
    files_from_cache: int = 0
    documents_analysed: int = 0
    documents_from_cache: int = 0
    index_from_cache: bool = False
    rejected: list[str] = field(default_factory=list)
    """Cache files ignored as damaged or stale, with the reason."""


# What reading a damaged or foreign cache file can raise: it is then ignored and rebuilt.
_DAMAGE = (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError)


SHARDS = 64
"""The parsed files are kept in this many files, by a hash of their path: a reload after
one file changed rewrites one of them, not the whole corpus."""


def _shard_of(relative: str) -> int:
    # CRC-32: stable across processes and cheap; asked once a file at every reload.
    return zlib.crc32(relative.encode("utf-8", "surrogateescape")) % SHARDS


class CorpusCache:
    """The cache of one corpus folder, for one load (see the module docstring).

    `bot.corpus.load_corpus` asks it for parsed files, `bot.store.corpus_store`
    for analyses and the built index. It never raises for a cache problem: a
    file it cannot read or write is logged and the work is done instead.
    """

    def __init__(self, folder: Path, corpus_dir: Path, max_article_bytes: int) -> None:
        self.folder = folder
        self.corpus_dir = corpus_dir
        self.max_article_bytes = max_article_bytes
        self.stats = CacheStats()
        self._started_ns = time.time_ns()
        self._stored: dict[int, FileResults] = {}
        """The parsed files' shards read so far (each when first asked), by shard number."""
        self._trusted_before_ns: dict[int, int] = {}
        """By shard: a stored file modified before this time and unchanged in size and time
        since is taken as unchanged without reading it."""
        self._loaded: FileResults = {}
        """The files of this load, in the order they were read."""
        self._seen: dict[str, tuple[int, int]] = {}
        """Path -> size and modification time of the files looked at in this load."""
        self._dirty: set[int] = set()
        """Shards holding a file parsed, or found unchanged by its bytes, in this load."""

    @classmethod
    def open(cls, cache_dir: Path, corpus_dir: Path, max_article_bytes: int) -> CorpusCache:
        """The cache of `corpus_dir` under `cache_dir` (created when first written), for
        loads that skip articles over `max_article_bytes`."""
        try:
            resolved = corpus_dir.resolve()
        except (OSError, RuntimeError):  # a symlink loop: loading the corpus will say so
            resolved = corpus_dir.absolute()
        return cls(cache_dir / _sha256(str(resolved))[:16], resolved, max_article_bytes)

    # --- parsed files (bot.corpus.FileCache) ---------------------------------------

    def _shard_path(self, shard: int) -> Path:
        return self.folder / "parsed" / f"{shard:02x}.bin"

    def unchanged(
        self, relative: str, size: int, mtime_ns: int
    ) -> list[Document | SkippedFile] | None:
        # Trusting size and time alone is safe only for a file last changed well before the
        # load that stored it began (as git does): a write in the same clock tick as that
        # load's read would otherwise go unseen. Coarse file system clocks get 2 s.
        self._seen[relative] = (size, mtime_ns)
        shard = _shard_of(relative)
        stored = self._stored_files(shard).get(relative)
        if (
            stored is None
            or (stored.size, stored.mtime_ns) != (size, mtime_ns)
            or mtime_ns >= self._trusted_before_ns.get(shard, 0) - 2_000_000_000
        ):
            return None
        return self._reuse(relative, stored)

    def known_digest(self, relative: str) -> str | None:
        stored = self._stored_files(_shard_of(relative)).get(relative)
        return None if stored is None else stored.digest

    def lookup(self, relative: str, digest: str) -> list[Document | SkippedFile] | None:
        shard = _shard_of(relative)
        stored = self._stored_files(shard).get(relative)
        if stored is None or stored.digest != digest:
            return None  # new, or changed: parse it again
        self._dirty.add(shard)  # its size or time changed, or could not be trusted: record them
        return self._reuse(relative, stored)

    def store(self, relative: str, digest: str, results: list[Document | SkippedFile]) -> None:
        self.stats.files_parsed += 1
        self._dirty.add(_shard_of(relative))
        size, mtime_ns = self._seen.get(relative, (-1, -1))
        self._loaded[relative] = StoredFile(digest, results, size, mtime_ns)

    def _reuse(self, relative: str, stored: StoredFile) -> list[Document | SkippedFile]:
        self.stats.files_from_cache += 1
        seen = self._seen.get(relative)
        if seen is not None and seen != (stored.size, stored.mtime_ns):
            stored = StoredFile(stored.digest, stored.results, *seen)
        self._loaded[relative] = stored
        return stored.results

    @property
    def started_ns(self) -> int:
        return self._started_ns

    def _stored_files(self, shard: int) -> FileResults:
        if (files := self._stored.get(shard)) is None:
            files = self._stored[shard] = self._read_shard(shard)
        return files

    def finish(self, gone: Collection[str] | None = None) -> None:
        """Keep the files of this load, rewriting only the shards where a file changed,
        came or went, and remove the caches of corpus folders that no longer exist (keyed
        by their path, they cannot be hit). `gone`: the files gone from the corpus, when
        the files not looked up are still there, as stored (a reload that read only the
        changed files); None: the files looked up are the corpus."""
        mark_and_sweep(self.folder, self.corpus_dir)
        shards: dict[int, FileResults] = {}
        if gone is None:
            shards = {number: {} for number in range(SHARDS)}
        else:
            for number in {*map(_shard_of, gone), *map(_shard_of, self._loaded)}:
                kept = self._stored_files(number).items()
                shards[number] = {path: file for path, file in kept if path not in gone}
        for relative, file in self._loaded.items():
            shards[_shard_of(relative)][relative] = file
        stored, self._stored = self._stored, {}
        for number, files in shards.items():
            before = stored.get(number)
            changed = before is None or before.keys() != files.keys()
            if number in self._dirty or changed or not self._shard_path(number).exists():
                # Files kept as stored were read by an earlier load: they are trusted as of it.
                read_from_ns = self._started_ns
                if gone is not None:
                    read_from_ns = min(
                        read_from_ns, self._trusted_before_ns.get(number, read_from_ns)
                    )
                meta = {"read_from_ns": read_from_ns, "max_article_bytes": self.max_article_bytes}
                if files:
                    self._write(self._shard_path(number), "files", *encode_files(files, meta))
                else:
                    with contextlib.suppress(OSError):
                        self._shard_path(number).unlink()
        for legacy in (self.folder / "files", self.folder / "files.bin"):  # earlier layouts
            if legacy.is_dir():
                shutil.rmtree(legacy, ignore_errors=True)
            elif legacy.exists():
                with contextlib.suppress(OSError):
                    legacy.unlink()
        with contextlib.suppress(OSError):  # left by a write that was cut short
            for path in [*self.folder.glob("*.tmp"), *self.folder.glob("parsed/*.tmp")]:
                if time.time() - path.stat().st_mtime > _TEMPORARY_MAX_AGE:
                    path.unlink()

    def _read_shard(self, shard: int) -> FileResults:
        path = self._shard_path(shard)
        entry = self._read(path, "files")
        if entry is None:
            return {}
        meta = entry[0]
        if meta.get("max_article_bytes") != self.max_article_bytes:
            return {}  # articles over the limit were skipped by another limit: read anew
        try:
            self._trusted_before_ns[shard] = int(meta["read_from_ns"])
            return decode_files(*entry)
        except _DAMAGE as error:
            self._reject(path, f"unreadable entry: {error!r}")
            return {}

    # --- analyses ---------------------------------------------------------------------

    def analysis_of(self, stored: tuple[Meta, Arrays]) -> tuple[list[str], Analysis] | None:
        """The documents' content hashes and analysis an index read by `read_index` holds
        (None, and the file rejected, when they do not fit together)."""
        meta, arrays = stored
        try:
            hashes = decode_hashes(arrays["hashes"])
            analysis = decode_analysis(meta, arrays)
            if analysis.documents != len(hashes):
                raise ValueError("document count does not match")
        except _DAMAGE as error:
            self._reject(self._index_path, f"unreadable analysis: {error!r}")
            return None
        return hashes, analysis

    # --- the built index -------------------------------------------------------------------

    @property
    def _index_path(self) -> Path:
        return self.folder / "index.bin"

    def index_key(self, documents: Sequence[Document]) -> str:
        """What a stored index must have been built from: these documents, in this order."""
        digest = hashlib.sha256(f"{FORMAT}\0{code_version()}".encode())
        digest.update(joined_fields(documents, ("id", "content_hash")))
        return digest.hexdigest()

    def has_index(self) -> bool:
        return self._index_path.is_file()

    def read_index(self) -> tuple[Meta, Arrays] | None:
        """The last index built (None: there is none, or it was rejected); it is the index
        of documents whose `index_key` is its meta's "key". The file is mapped, not read:
        processes that share the cache folder share its memory, and only its header is
        checked (`verify_index` checks it whole)."""
        return self._read(self._index_path, "index", mapped=True)

    def verify_index(self) -> str | None:
        """Why the stored index is damaged, checked whole (the file is then removed, to be
        built again), or None when it is whole or there is none."""
        try:
            problem = verify_container(self._index_path)
        except FileNotFoundError:
            return None
        if problem is not None:
            self._reject(self._index_path, problem)
        return problem

    def save_index(
        self, key: str, documents: Sequence[Document], meta: Meta, arrays: Arrays
    ) -> None:
        hashes = encode_hashes(column(documents, "content_hash"))
        if isinstance(documents, DocumentTable):  # already arrays: written as they are
            stored: Contents = {**arrays, **documents.arrays(), "hashes": hashes}
        else:
            layout, size = document_layout(documents)
            text = Streamed(size, lambda: document_text(documents))  # never whole in memory
            stored = {**arrays, **layout, "document_text": text, "hashes": hashes}
        self._write(self._index_path, "index", {**meta, "key": key}, stored)

    def reject_index(self, reason: str) -> None:
        self._reject(self._index_path, reason)

    # --- the listing --------------------------------------------------------------------

    @property
    def _listing_path(self) -> Path:
        return self.folder / "listing.bin"

    def save_listing(self, key: str, listing: Listing, skipped: Sequence[SkippedFile]) -> None:
        """Keep what this load listed and skipped, for the index of documents `key`."""
        meta = encode_listing(listing, skipped, self._started_ns, self.max_article_bytes)
        self._write(self._listing_path, "listing", {**meta, "key": key}, {})

    def listed(self, listing: Listing) -> tuple[str, tuple[SkippedFile, ...]] | None:
        """The key of the documents and what was skipped, when the last load found this
        same listing, with every file's time well before that load began (see
        `unchanged`); else None: the files must be read."""
        entry = self._read(self._listing_path, "listing")
        if entry is None:
            return None
        try:
            return decode_listing(entry[0], listing, self.max_article_bytes)
        except _DAMAGE as error:
            self._reject(self._listing_path, f"unreadable entry: {error!r}")
            return None

    # --- reading and writing ---------------------------------------------------------------

    def _read(self, path: Path, kind: str, *, mapped: bool = False) -> tuple[Meta, Arrays] | None:
        try:
            read = map_container if mapped else read_container
            return read(path, kind, code_version())
        except FileNotFoundError:
            return None
        except CacheProblem as problem:
            self._reject(path, str(problem), stale=problem.stale)
        except (OSError, MemoryError, *_DAMAGE) as error:
            self._reject(path, f"unreadable: {error!r}")
        return None

    def _reject(self, path: Path, reason: str, *, stale: bool = False) -> None:
        self.stats.rejected.append(f"{path.name}: {reason}")
        log.log(
            logging.INFO if stale else logging.WARNING,
            "ignoring cache file %s (%s); rebuilding it",
            path,
            reason,
        )
        with contextlib.suppress(OSError):
            path.unlink()

    def _write(self, path: Path, kind: str, meta: Meta, arrays: Contents) -> None:
        try:
            write_container(path, kind, code_version(), meta, arrays)
        except (OSError, ValueError, TypeError) as error:  # ValueError: text not encodable
            log.warning("cannot write cache file %s: %s", path, error)

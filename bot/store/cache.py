"""The analysed corpus on disk, so a restart does not parse, split, tokenize and stem again.

Under `<cache_dir>/<hash of the corpus folder's path>/`:

    files/<hash of path>.docs   one corpus file as parsed: its documents and skipped
                                lines, valid for the file's exact bytes (SHA-256)
    files/<hash of path>.terms  the analysis of that file's documents (sentences and
                                terms), each under its document's content hash
    index.bin                   the last index built: postings and sentence layout,
                                valid for the exact list of documents it was built from

A restart over an unchanged corpus reads each corpus file once to hash it and then
loads `index.bin`; a reload after some files changed parses those files again,
analyses only their documents whose text changed, and builds the postings anew.

Every cache file holds a format number, the versions of the code that made it (the
file reader's `bot.corpus.READER_VERSION`, and the version the analyzer declares,
`bot.search.analyzer.Analyzer.VERSION`, with its stop words and the pysbd and PyStemmer
versions; see `bot.search.analysis.analyzer_version`) and a SHA-256 of its contents (the
container, `bot.store.container`). A file that does not check out (damaged,
truncated, stale) is logged, ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus import READER_VERSION, Document, SkippedFile
from bot.progress import Progress
from bot.search.analysis import Analysis, analyse_documents, analyzer_version, merge, select
from bot.store.container import (
    FORMAT,
    Arrays,
    CacheProblem,
    Meta,
    read_container,
    write_container,
)
from bot.store.entries import decode_analysis, decode_results, encode_analysis, encode_results

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


def _read_marker(path: Path) -> str | None:
    """The corpus folder a cache's marker names (None: it has no marker); bytes that are
    not UTF-8 are kept as surrogate escapes. Raises OSError when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


_CORPUS_MARKER = "corpus-folder.txt"  # in each corpus's cache: the folder it caches


class CorpusCache:
    """The cache of one corpus folder, for one load (see the module docstring).

    `bot.corpus.load_corpus` asks it for parsed files, `bot.store.corpus_store`
    for analyses and the built index. It never raises for a cache problem: a
    file it cannot read or write is logged and the work is done instead.
    """

    def __init__(self, folder: Path, corpus_dir: Path) -> None:
        self.folder = folder
        self.corpus_dir = corpus_dir
        self.stats = CacheStats()
        self._digests: dict[str, str] = {}
        """Relative path -> SHA-256 of the bytes read in this load."""
        self._file_of: dict[str, str] = {}
        """Document content hash -> relative path of the file it came from."""

    @classmethod
    def open(cls, cache_dir: Path, corpus_dir: Path) -> CorpusCache:
        """The cache of `corpus_dir` under `cache_dir` (created when first written)."""
        try:
            resolved = corpus_dir.resolve()
        except (OSError, RuntimeError):  # a symlink loop: loading the corpus will say so
            resolved = corpus_dir.absolute()
        return cls(cache_dir / _sha256(str(resolved))[:16], resolved)

    # --- parsed files (bot.corpus.FileCache) ---------------------------------------

    def _entry(self, relative: str, suffix: str) -> Path:
        return self.folder / "files" / f"{_sha256(relative)[:32]}{suffix}"

    def lookup(self, relative: str, digest: str) -> list[Document | SkippedFile] | None:
        self._digests[relative] = digest
        path = self._entry(relative, ".docs")
        entry = self._read(path, "docs")
        if entry is None:
            return None
        meta, arrays = entry
        if meta.get("path") != relative or meta.get("digest") != digest:
            return None  # the file changed: parse it again
        try:
            results = decode_results(meta, arrays)
        except _DAMAGE as error:
            self._reject(path, f"unreadable entry: {error!r}")
            return None
        self.stats.files_from_cache += 1
        self._remember(relative, results)
        return results

    def store(self, relative: str, digest: str, results: list[Document | SkippedFile]) -> None:
        self.stats.files_parsed += 1
        self._digests[relative] = digest
        self._remember(relative, results)
        meta, arrays = encode_results(relative, digest, results)
        self._write(self._entry(relative, ".docs"), "docs", meta, arrays)

    def finish(self) -> None:
        """Remove the entries of files that are no longer in the corpus, and the caches of
        corpus folders that no longer exist (keyed by their path, they cannot be hit)."""
        self._mark_and_sweep()
        kept = {_sha256(relative)[:32] for relative in self._digests}
        with contextlib.suppress(OSError):
            for path in (self.folder / "files").iterdir():
                name = path.name.split(".", 1)[0]
                temporary = path.name.endswith(".tmp")
                old = temporary and time.time() - path.stat().st_mtime > _TEMPORARY_MAX_AGE
                if (name not in kept and not temporary) or old:
                    with contextlib.suppress(OSError):
                        path.unlink()

    def _mark_and_sweep(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            marker = self.folder / _CORPUS_MARKER
            if _read_marker(marker) != str(self.corpus_dir):  # missing or damaged
                marker.write_text(str(self.corpus_dir), encoding="utf-8", errors="surrogateescape")
            siblings = list(self.folder.parent.iterdir())
        except (OSError, ValueError) as error:
            log.warning("cannot tidy the cache folder %s: %s", self.folder.parent, error)
            return
        for sibling in siblings:
            source = sibling / _CORPUS_MARKER
            try:
                if sibling == self.folder or not source.is_file():
                    continue  # not a corpus cache of ours: never touched
                corpus = _read_marker(source)
                if corpus is not None and Path(corpus).exists():
                    continue
            except (OSError, ValueError) as error:  # left alone: tidying is never worth a fault
                log.warning("cannot read the cache marker %s: %s", source, error)
                continue
            shutil.rmtree(sibling, ignore_errors=True)

    def _remember(self, relative: str, results: list[Document | SkippedFile]) -> None:
        for result in results:
            if isinstance(result, Document):
                self._file_of.setdefault(result.content_hash, relative)

    # --- analyses ---------------------------------------------------------------------

    def analyse(
        self,
        documents: Sequence[Document],
        *,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> Analysis:
        """The analysis of `documents`, in order: a document whose text was analysed before
        comes from its file's entry, the others are analysed (see `analyse_documents`)."""
        by_file: dict[str | None, list[int]] = {}
        for position, document in enumerate(documents):
            by_file.setdefault(self._file_of.get(document.content_hash), []).append(position)
        sources: list[tuple[Analysis, int] | None] = [None] * len(documents)
        stored_hashes: dict[str, list[str]] = {}
        for relative, positions in by_file.items():
            if relative is None:
                continue
            pack = self._load_pack(relative)
            if pack is None:
                continue
            hashes, analysis = pack
            stored_hashes[relative] = hashes
            where = {content_hash: at for at, content_hash in enumerate(hashes)}
            for position in positions:
                at = where.get(documents[position].content_hash)
                if at is not None:
                    sources[position] = (analysis, at)

        missing = [position for position, source in enumerate(sources) if source is None]
        if missing:
            if progress is not None:
                progress.sentences = sum(
                    int(analysis.document_sentences[at + 1] - analysis.document_sentences[at])
                    for analysis, at in filter(None, sources)
                )
            fresh = analyse_documents(
                [documents[p] for p in missing], workers=workers, progress=progress
            )
            for at, position in enumerate(missing):
                sources[position] = (fresh, at)
        self.stats.documents_analysed += len(missing)
        self.stats.documents_from_cache += len(documents) - len(missing)
        whole = merge(_runs(sources))

        for relative, positions in by_file.items():
            hashes = [documents[p].content_hash for p in positions]
            if relative is not None and stored_hashes.get(relative) != hashes:
                self._save_pack(relative, hashes, select(whole, positions))
        return whole

    def _load_pack(self, relative: str) -> tuple[list[str], Analysis] | None:
        path = self._entry(relative, ".terms")
        entry = self._read(path, "terms")
        if entry is None:
            return None
        meta, arrays = entry
        try:
            hashes = [str(h) for h in meta["hashes"]]
            analysis = decode_analysis(meta, arrays)
            if analysis.documents != len(hashes):
                raise ValueError("document count does not match")
        except _DAMAGE as error:
            self._reject(path, f"unreadable entry: {error!r}")
            return None
        return hashes, analysis

    def _save_pack(self, relative: str, hashes: list[str], analysis: Analysis) -> None:
        meta, arrays = encode_analysis(analysis)
        meta.update(path=relative, hashes=hashes)
        self._write(self._entry(relative, ".terms"), "terms", meta, arrays)

    # --- the built index -------------------------------------------------------------------

    @property
    def _index_path(self) -> Path:
        return self.folder / "index.bin"

    def index_key(self, documents: Sequence[Document]) -> str:
        """What a stored index must have been built from: these documents, in this order."""
        digest = hashlib.sha256(f"{FORMAT}\0{code_version()}".encode())
        for document in documents:
            digest.update(f"\0{document.id}\0{document.content_hash}".encode())
        return digest.hexdigest()

    def load_index(self, key: str) -> tuple[Meta, Arrays] | None:
        entry = self._read(self._index_path, "index")
        if entry is None:
            return None
        if entry[0].get("key") != key:
            log.info("cached index is of another corpus version; building anew")
            return None
        return entry

    def save_index(self, key: str, meta: Meta, arrays: Arrays) -> None:
        self._write(self._index_path, "index", {**meta, "key": key}, arrays)

    def reject_index(self, reason: str) -> None:
        self._reject(self._index_path, reason)

    # --- reading and writing ---------------------------------------------------------------

    def _read(self, path: Path, kind: str) -> tuple[Meta, Arrays] | None:
        try:
            return read_container(path, kind, code_version())
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

    def _write(self, path: Path, kind: str, meta: Meta, arrays: Arrays) -> None:
        try:
            write_container(path, kind, code_version(), meta, arrays)
        except (OSError, ValueError, TypeError) as error:  # ValueError: text not encodable
            log.warning("cannot write cache file %s: %s", path, error)


def _runs(sources: list[tuple[Analysis, int] | None]) -> list[Analysis]:
    """Consecutive documents from the same analysis, taken out together."""
    parts = []
    current: Analysis | None = None
    picked: list[int] = []
    for source in sources:
        assert source is not None
        analysis, at = source
        if analysis is not current:
            if current is not None:
                parts.append(select(current, picked))
            current, picked = analysis, []
        picked.append(at)
    if current is not None:
        parts.append(select(current, picked))
    return parts

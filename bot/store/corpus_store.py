"""One corpus folder and its cache: parse -> analyse -> build, each step reusing what an
earlier load kept (see `bot.store.cache`), so that the index built is the one a load without
any cache would build."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.collection import collection_paused
from bot.corpus import (
    Corpus,
    CorpusError,
    Document,
    DocumentTable,
    Listing,
    column,
    list_corpus,
    load_corpus,
)
from bot.corpus.compose import compose_corpus
from bot.memory import release_free_memory
from bot.progress import Progress
from bot.search.analysis import Analysis, analyse_documents, combine
from bot.search.analyzer import default_analyzer
from bot.search.index import Index, Ranking, assemble
from bot.search.params import BM25Params
from bot.search.snapshot import IndexSnapshot
from bot.store.cache import CacheStats, CorpusCache

log = logging.getLogger(__name__)

# What a stored index that does not fit its documents raises (a bug, or damage the
# checksum missed): it is then ignored and built anew.
_MISFIT = (KeyError, TypeError, ValueError, IndexError)


@dataclass(frozen=True, slots=True)
class StoredCorpus:
    """A corpus read from its folder, its index, and what came from the cache."""

    corpus: Corpus
    index: Index
    stats: CacheStats
    started_ns: int
    """When this load began (time.time_ns): files changed after it are read again."""
    max_article_bytes: int
    key: str
    """What its documents are (`CorpusCache.index_key`)."""


@dataclass(frozen=True, slots=True)
class CorpusStore:
    """The corpus in `corpus_dir`, cached under `cache_dir`."""

    corpus_dir: Path
    cache_dir: Path

    def load(
        self,
        *,
        max_article_bytes: int,
        params: BM25Params,
        ranking: Ranking,
        workers: int | None = None,
        progress: Progress | None = None,
        previous: StoredCorpus | None = None,
    ) -> StoredCorpus:
        """Read, analyse and index the corpus (with the default analyzer), reusing the
        files, analyses and index the cache holds for it (blocking).

        Raises `CorpusError` for a missing folder or a corpus with nothing to index;
        then its `skipped` holds what was left out on the way.

        `previous`, the last load of this folder in this process (a reload), is taken as
        the cache holds it without reading it back: its files, its documents' analyses
        and, when no document changed, its index. A folder listed as the last load
        found it is served from the stored index alone, documents included.
        `workers`: processes that read and analyse (None decides from the amount of work).
        """
        # A load makes a great many objects and no cycle worth collecting: the cycle
        # collector would scan every object alive again and again as they pile up (a
        # reload of a large corpus ran several full passes). It runs again after.
        with collection_paused():
            return self._load(
                max_article_bytes=max_article_bytes,
                params=params,
                ranking=ranking,
                workers=workers,
                progress=progress or Progress(),
                previous=previous,
            )

    def _load(
        self,
        *,
        max_article_bytes: int,
        params: BM25Params,
        ranking: Ranking,
        workers: int | None,
        progress: Progress,
        previous: StoredCorpus | None,
    ) -> StoredCorpus:
        cache = CorpusCache.open(self.cache_dir, self.corpus_dir, max_article_bytes)
        if previous is not None and previous.max_article_bytes != max_article_bytes:
            previous = None  # its files were read with another limit
        # Another process may have built the index of this very listing (a cluster shares
        # the cache folder): then it is mapped, not built again or held once more.
        listed = list_corpus(self.corpus_dir)
        listing = listed.listing
        unchanged = _unchanged(
            cache, self.corpus_dir, listing, params=params, ranking=ranking, progress=progress
        )
        if unchanged is not None:
            return unchanged
        composed = None
        if previous is not None:  # a reload: only the files changed since are read
            composed = compose_corpus(
                previous.corpus,
                previous.started_ns,
                listed,
                max_article_bytes=max_article_bytes,
                cache=cache,
                workers=workers,
                progress=progress,
            )
        if composed is not None:
            corpus = composed.corpus
            cache.stats.files_from_cache += composed.files_kept
        else:
            corpus = load_corpus(
                self.corpus_dir,
                max_article_bytes=max_article_bytes,
                cache=cache,
                progress=progress,
                listed=listed,
                workers=workers,
            )
        del listed
        key = cache.index_key(corpus.documents)
        # Kept before the index, not after: right after a large write, even a small one
        # waits for the disk. A listing kept for an index not written (a failure, or
        # nothing to index) finds its key missing at the next start: the files are read.
        cache.save_listing(key, listing, corpus.skipped)
        try:
            index = _index(
                cache,
                corpus,
                key,
                params,
                ranking,
                workers=workers,
                progress=progress,
                previous=previous,
                earlier=None if composed is None else composed.earlier,
            )
        except CorpusError as error:  # nothing to index: say what was left out on the way
            if not corpus.skipped:
                raise
            message = f"{error} ({len(corpus.skipped)} skipped)"
            raise CorpusError(message, skipped=corpus.skipped) from None
        return StoredCorpus(corpus, index, cache.stats, cache.started_ns, max_article_bytes, key)

    def verify(self, *, max_article_bytes: int) -> str | None:
        """Why the stored index is damaged, checked whole (it is removed, to be built again
        at the next load), or None. A load checks only its header (`CorpusCache.read_index`)."""
        return CorpusCache.open(self.cache_dir, self.corpus_dir, max_article_bytes).verify_index()


def _unchanged(
    cache: CorpusCache,
    folder: Path,
    listing: Listing,
    *,
    params: BM25Params,
    ranking: Ranking,
    progress: Progress,
) -> StoredCorpus | None:
    """The corpus and index as the last load left them, documents taken from the stored
    index, when the folder's `listing` is as it was then (see `CorpusCache.listed`);
    else None."""
    listed = cache.listed(listing)
    if listed is None or (stored := cache.read_index()) is None:
        return None
    key, skipped = listed
    meta, arrays = stored
    if meta.get("key") != key:
        return None
    try:
        documents = DocumentTable(arrays)
        snapshot = IndexSnapshot.from_arrays(meta, arrays, documents, params)
    except _MISFIT as problem:
        cache.reject_index(f"does not fit its documents: {problem!r}")
        return None
    for skip in skipped:  # as a load that reads the files says them
        log.warning("skipped %s: %s", skip.path, skip.reason)
    files = len(listing.relatives)
    cache.stats.files_from_cache = files
    cache.stats.documents_from_cache = len(documents)
    cache.stats.index_from_cache = True
    progress.advance(files=files, articles=len(documents), sentences=len(snapshot.layout.paragraph))
    index = Index.from_snapshot(documents, snapshot, params, ranking, default_analyzer())
    corpus = Corpus(folder, documents, skipped, listing)
    stats, started_ns = cache.stats, cache.started_ns
    return StoredCorpus(corpus, index, stats, started_ns, cache.max_article_bytes, key)


def _index(
    cache: CorpusCache,
    corpus: Corpus,
    key: str,
    params: BM25Params,
    ranking: Ranking,
    *,
    workers: int | None,
    progress: Progress,
    previous: StoredCorpus | None,
    earlier: npt.NDArray[np.int64] | None,
) -> Index:
    """The index stored for exactly these documents (`key`), else one built from their
    analyses (only documents whose text was never analysed are analysed), then stored.
    `earlier`: for each document, the place of its text in `previous`'s (-1: none), when
    known."""
    documents = corpus.documents
    analyzer = default_analyzer()

    def served(snapshot: IndexSnapshot) -> Index:
        cache.stats.index_from_cache = True
        progress.advance(sentences=len(snapshot.layout.paragraph))
        return Index.from_snapshot(documents, snapshot, params, ranking, analyzer)

    # The last index holds the analysis of every document it was built from: only the
    # documents it does not hold are analysed.
    held: tuple[Analysis, npt.NDArray[np.int64]] | None = None
    if previous is not None:
        if previous.key == key:  # a reload that changed no document
            snapshot = previous.index.snapshot()
            if not cache.has_index():  # the cache folder was emptied meanwhile: keep it again
                cache.save_index(key, documents, *snapshot.to_arrays())
            return served(snapshot)
        if earlier is None:
            earlier = _places(column(previous.index.documents, "content_hash"), documents)
        held = previous.index.snapshot().layout.analysis(), earlier
    elif (stored := cache.read_index()) is not None:
        if stored[0].get("key") != key:
            if (hashes_and_analysis := cache.analysis_of(stored)) is not None:
                hashes, analysis = hashes_and_analysis
                held = analysis, _places(hashes, documents)
        else:
            try:
                snapshot = IndexSnapshot.from_arrays(*stored, documents, params)
            except _MISFIT as problem:
                cache.reject_index(f"does not fit its documents: {problem!r}")
            else:
                return served(snapshot)
        del stored
    progress.begin("analysing")
    analysis = _analyse(cache.stats, documents, held=held, workers=workers, progress=progress)
    del held
    release_free_memory()  # what the analysis let go, before the postings are built
    progress.begin("indexing")
    index = assemble(documents, analysis, params, ranking, analyzer)
    del analysis  # what the index does not hold of it goes before the documents are encoded
    release_free_memory()
    progress.begin("saving the index")
    cache.save_index(key, documents, *index.snapshot().to_arrays())
    return index


def _places(hashes: list[str], documents: Sequence[Document]) -> npt.NDArray[np.int64]:
    """For each document, the place in `hashes` (content hashes) of its text, or -1."""
    place = {content_hash: at for at, content_hash in enumerate(hashes)}
    return np.fromiter(
        (place.get(content_hash, -1) for content_hash in column(documents, "content_hash")),
        np.int64,
        len(documents),
    )


def _analyse(
    stats: CacheStats,
    documents: Sequence[Document],
    *,
    held: tuple[Analysis, npt.NDArray[np.int64]] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """The analysis of `documents`, in order: `held`, an earlier analysis and, for each
    document, the place there of its text (-1: none), gives those it has; the others are
    analysed (see `analyse_documents`)."""
    if held is None:
        analysis = analyse_documents(documents, workers=workers, progress=progress)
        stats.documents_analysed += len(documents)
        return analysis
    analysis, where = held
    missing = np.flatnonzero(where < 0).tolist()
    if progress is not None:
        sizes = np.diff(analysis.document_sentences)
        progress.advance(sentences=int(sizes.take(where[where >= 0]).sum()))
    fresh = analyse_documents([documents[at] for at in missing], workers=workers, progress=progress)
    stats.documents_analysed += len(missing)
    stats.documents_from_cache += len(documents) - len(missing)
    return combine(analysis, where, fresh)

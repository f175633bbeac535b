"""One corpus folder and its cache: parse -> analyse -> build, each step reusing what an
earlier load kept (see `bot.store.cache`), so that the index built is the one a load without
any cache would build."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import Corpus, CorpusError, load_corpus
from bot.progress import Progress
from bot.search.analysis import Analysis
from bot.search.analyzer import default_analyzer
from bot.search.index import Index, Ranking, assemble
from bot.search.params import BM25Params
from bot.search.snapshot import IndexSnapshot
from bot.store.cache import CacheStats, CorpusCache
from bot.store.entries import FileResults

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
    files: FileResults
    """Every file as this load found it: a reload starts from them (see `CorpusStore.load`)."""
    started_ns: int
    """When this load began (time.time_ns): files changed after it are read again."""
    max_article_bytes: int


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
        and, when no document changed, its index.
        """
        progress = progress or Progress()
        cache = CorpusCache.open(self.cache_dir, self.corpus_dir, max_article_bytes)
        if previous is not None and previous.max_article_bytes != max_article_bytes:
            previous = None  # its files were read with another limit
        if previous is not None:
            cache.reuse(previous.files, previous.started_ns)
        corpus = load_corpus(
            self.corpus_dir, max_article_bytes=max_article_bytes, cache=cache, progress=progress
        )
        try:
            index = _index(
                cache,
                corpus,
                params,
                ranking,
                workers=workers,
                progress=progress,
                previous=previous.index if previous is not None else None,
            )
        except CorpusError as error:  # nothing to index: say what was left out on the way
            if not corpus.skipped:
                raise
            message = f"{error} ({len(corpus.skipped)} skipped)"
            raise CorpusError(message, skipped=corpus.skipped) from None
        return StoredCorpus(
            corpus, index, cache.stats, cache.files, cache.started_ns, max_article_bytes
        )

    def verify(self, *, max_article_bytes: int) -> str | None:
        """Why the stored index is damaged, checked whole (it is removed, to be built again
        at the next load), or None. A load checks only its header (`CorpusCache.read_index`)."""
        return CorpusCache.open(self.cache_dir, self.corpus_dir, max_article_bytes).verify_index()


def _index(
    cache: CorpusCache,
    corpus: Corpus,
    params: BM25Params,
    ranking: Ranking,
    *,
    workers: int | None,
    progress: Progress,
    previous: Index | None,
) -> Index:
    """The index stored for exactly these documents, else one built from their analyses
    (only documents whose text was never analysed are analysed), then stored."""
    documents = corpus.documents
    analyzer = default_analyzer()

    def served(snapshot: IndexSnapshot) -> Index:
        cache.stats.index_from_cache = True
        progress.advance(sentences=len(snapshot.layout.paragraph))
        return Index.from_snapshot(documents, snapshot, params, ranking, analyzer)

    key = cache.index_key(documents)
    # The last index holds the analysis of every document it was built from: only the
    # documents it does not hold are analysed.
    held: tuple[list[str], Analysis] | None = None
    if previous is not None:
        if cache.index_key(previous.documents) == key:  # a reload that changed no document
            snapshot = previous.snapshot()
            if not cache.has_index():  # the cache folder was emptied meanwhile: keep it again
                cache.save_index(key, documents, *snapshot.to_arrays())
            return served(snapshot)
        held = _analysis_of(previous)
    elif (stored := cache.read_index()) is not None:
        if stored[0].get("key") != key:
            held = cache.analysis_of(stored)
        else:
            try:
                snapshot = IndexSnapshot.from_arrays(*stored, documents, params)
            except _MISFIT as problem:
                cache.reject_index(f"does not fit its documents: {problem!r}")
            else:
                return served(snapshot)
        del stored
    progress.begin("analysing")
    analysis = cache.analyse(documents, held=held, workers=workers, progress=progress)
    del held
    progress.begin("indexing")
    index = assemble(documents, analysis, params, ranking, analyzer)
    progress.begin("saving the index")
    cache.save_index(key, documents, *index.snapshot().to_arrays())
    return index


def _analysis_of(index: Index) -> tuple[list[str], Analysis]:
    """The content hashes of an index's documents and their analysis, which it holds."""
    hashes = [document.content_hash for document in index.documents]
    return hashes, index.snapshot().layout.analysis()

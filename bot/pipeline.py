"""The one path from settings to a loaded index and from a question to an answer.

The CLI, the Discord bot and the benchmarks all go through these functions, so
what is measured is what users get.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.corpus import Corpus, Document, column
from bot.progress import Progress
from bot.search.index import Index, Ranking
from bot.search.params import BM25Params
from bot.settings import Settings
from bot.store.cache import CacheStats
from bot.store.corpus_store import CorpusStore, StoredCorpus

if TYPE_CHECKING:
    from bot.qa.answer import Answer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoadedCorpus:
    """A corpus read from disk, its index, and how long both took."""

    corpus: Corpus
    index: Index
    seconds: float
    cache: CacheStats | None = None
    """What came from the cache (`settings.cache_dir`) and what was done anew."""
    stored: StoredCorpus | None = None
    """What a reload of the same folder starts from (see `load_index`)."""


def bm25_params(settings: Settings) -> BM25Params:
    """The BM25Okapi parameters the settings ask for."""
    return BM25Params(k1=settings.bm25_k1, b=settings.bm25_b, epsilon=settings.bm25_epsilon)


def load_index(
    settings: Settings, progress: Progress | None = None, previous: LoadedCorpus | None = None
) -> LoadedCorpus:
    """Read `settings.corpus_dir` and index it (blocking: run it off the event loop).

    Files, analyses and the index are reused from `settings.cache_dir` where the
    corpus is unchanged (see bot.store.corpus_store). Raises `CorpusError` for a missing
    folder or a corpus with nothing to index; then its `skipped` holds what was left out.
    `progress`, when given, is advanced as the work goes (see `bot.progress`).
    `previous`: the load this one replaces (a reload), whose files, analyses and index are
    reused from memory where unchanged, instead of read back from the cache.
    """
    started = time.perf_counter()
    store = CorpusStore(settings.corpus_dir, settings.cache_dir)
    ranking = Ranking(paragraph_weight=settings.paragraph_weight)
    loaded = store.load(
        max_article_bytes=settings.max_article_bytes,
        params=bm25_params(settings),
        ranking=ranking,
        progress=progress,
        previous=previous.stored
        if previous is not None and previous.corpus.folder == settings.corpus_dir
        else None,
    )
    seconds = time.perf_counter() - started
    stats = loaded.stats
    log.info(
        "indexed %d documents in %.2f s: %d files parsed, %d from cache; %d documents "
        "analysed, %d from cache; index %s",
        len(loaded.corpus.documents),
        seconds,
        stats.files_parsed,
        stats.files_from_cache,
        stats.documents_analysed,
        stats.documents_from_cache,
        "from cache" if stats.index_from_cache else "built",
    )
    return LoadedCorpus(loaded.corpus, loaded.index, seconds, stats, loaded)


def verify_cache(settings: Settings) -> str | None:
    """Why the stored index of `settings.corpus_dir` is damaged, checked whole (it is then
    removed and built again at the next load), or None: `check --verify`'s full check."""
    store = CorpusStore(settings.corpus_dir, settings.cache_dir)
    return store.verify(max_article_bytes=settings.max_article_bytes)


def ask(index: Index, question: str, settings: Settings, *, k: int | None = None) -> Answer:
    """Answer one question with the limits and thresholds from settings."""
    from bot.qa.answer import answer_question  # loading an index needs none of it

    return answer_question(
        index,
        question,
        k=k or settings.top_k,
        min_coverage=settings.min_coverage,
        max_question_chars=settings.max_question_chars,
    )


@dataclass(frozen=True, slots=True)
class CorpusChange:
    """What a reload changed, by document id."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def _hashes(documents: Sequence[Document]) -> dict[str, str]:
    """Document id -> content hash, without making the documents."""
    return dict(zip(column(documents, "id"), column(documents, "content_hash"), strict=True))


def diff_corpora(old: Index, new: Index) -> CorpusChange:
    """Documents added, removed and changed (same id, different text) between two indexes."""
    before = _hashes(old.documents)
    after = _hashes(new.documents)
    return CorpusChange(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(i for i in before.keys() & after.keys() if before[i] != after[i])),
    )

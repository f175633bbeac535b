"""A start over a corpus folder that lists as the last load found it is served from the
stored index alone, its documents included (`bot.store.corpus_store`): no corpus file
and no parsed file is read, and anything that may have changed is read as before."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.corpus import DocumentTable
from bot.pipeline import load_index
from bot.settings import Settings
from bot.store.cache import CorpusCache

LONG_AGO = 1_600_000_000_000_000_000  # 2020: well before any load


@pytest.fixture
def corpus_dir(tmp_path: Path, repo_root: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(repo_root / "corpus", folder)
    (folder / "notes.csv").write_text("not an article\n")  # skipped when listed
    for path in folder.iterdir():
        os.utime(path, ns=(LONG_AGO, LONG_AGO))
    return folder


@pytest.fixture
def settings(corpus_dir: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, cache_dir=tmp_path / "cache")


def parsed_folder(settings: Settings) -> Path:
    cache = CorpusCache.open(settings.cache_dir, settings.corpus_dir, settings.max_article_bytes)
    return cache.folder / "parsed"


def answers(loaded: object) -> list[list[tuple[str, int, str]]]:
    index = loaded.index  # type: ignore[attr-defined]
    return [
        [(h.sentence.document.id, h.sentence.position, h.sentence.text) for h in index.search(q, 5)]
        for q in ("who led the Chinese delegation?", "When did the talks take place?")
    ]


def test_an_unchanged_folder_is_served_from_the_index_alone(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    cold = load_index(settings)
    shutil.rmtree(parsed_folder(settings))  # nothing parsed to read back
    caplog.clear()
    warm = load_index(settings)
    assert "skipped notes.csv: unsupported file type '.csv'" in caplog.messages
    assert warm.cache is not None and warm.cache.index_from_cache
    assert warm.cache.rejected == [] and warm.cache.files_parsed == 0
    assert isinstance(warm.corpus.documents, DocumentTable)  # made when asked for
    assert tuple(warm.corpus.documents) == tuple(cold.corpus.documents)
    assert warm.corpus.skipped == cold.corpus.skipped
    assert [s.path for s in warm.corpus.skipped] == ["notes.csv"]
    assert warm.index.version == cold.index.version
    assert answers(warm) == answers(cold)
    document = next(d for d in cold.corpus.documents if d.publisher)
    assert warm.index.document(document.id) == document
    assert warm.index.sentences_of(document.id) == cold.index.sentences_of(document.id)


def test_a_touched_file_is_hashed_and_the_next_start_is_served_again(
    settings: Settings, corpus_dir: Path
) -> None:
    load_index(settings)
    article = sorted(corpus_dir.glob("*.md"))[0]
    os.utime(article, ns=(LONG_AGO + 10**9, LONG_AGO + 10**9))  # same bytes, a new time
    touched = load_index(settings)
    assert touched.cache is not None and touched.cache.index_from_cache
    assert not isinstance(touched.corpus.documents, DocumentTable)  # the files were looked at
    served = load_index(settings)
    assert isinstance(served.corpus.documents, DocumentTable)


@pytest.mark.parametrize("change", ["added", "removed", "edited", "skipped"])
def test_a_changed_listing_reads_the_folder(
    settings: Settings, corpus_dir: Path, change: str
) -> None:
    cold = load_index(settings)
    articles = sorted(corpus_dir.glob("*.md"))
    if change == "added":
        shutil.copy(articles[0], corpus_dir / "copy.md")
    elif change == "removed":
        articles[0].unlink()
    elif change == "edited":
        articles[1].write_text(articles[1].read_text() + "\nA closing line was added.\n")
    else:
        (corpus_dir / "photo.png").write_bytes(b"\x89PNG")
    loaded = load_index(settings)
    assert not isinstance(loaded.corpus.documents, DocumentTable)
    count = len(cold.corpus.documents) - (change == "removed")
    assert len(loaded.corpus.documents) == count
    assert len(loaded.corpus.skipped) == len(cold.corpus.skipped) + (change in {"added", "skipped"})
    if change == "edited":
        assert any("closing line" in s.text for s in loaded.index.sentences)


def test_a_reload_after_a_served_start_is_incremental(settings: Settings, corpus_dir: Path) -> None:
    load_index(settings)
    served = load_index(settings)
    assert isinstance(served.corpus.documents, DocumentTable)
    changed = sorted(corpus_dir.glob("*.md"))[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing line was added.\n")
    reloaded = load_index(settings, previous=served)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.files_from_cache) == (1, 2)
    assert (reloaded.cache.documents_analysed, reloaded.cache.documents_from_cache) == (1, 2)
    assert any("closing line" in s.text for s in reloaded.index.sentences)


def test_another_article_limit_is_not_served_from_the_last_listing(settings: Settings) -> None:
    load_index(settings)
    smaller = settings.model_copy(update={"max_article_bytes": 5_500})
    loaded = load_index(smaller)
    assert not isinstance(loaded.corpus.documents, DocumentTable)
    assert [s.path for s in loaded.corpus.skipped][-1] == (
        "pentagon-officials-host-chinese-counterparts.md"
    )


def test_a_reload_after_another_process_built_the_index_maps_it(
    settings: Settings, corpus_dir: Path
) -> None:
    here = load_index(settings)
    changed = sorted(corpus_dir.glob("*.md"))[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing line was added.\n")
    os.utime(changed, ns=(LONG_AGO + 10**9, LONG_AGO + 10**9))
    there = load_index(settings)  # another process sharing the cache folder builds it
    assert there.cache is not None and there.cache.documents_analysed == 1
    reloaded = load_index(settings, previous=here)
    assert reloaded.cache is not None and reloaded.cache.documents_analysed == 0
    assert isinstance(reloaded.corpus.documents, DocumentTable)  # held once between them
    assert reloaded.index.version == there.index.version
    assert any("closing line" in s.text for s in reloaded.index.sentences)

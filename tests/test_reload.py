"""A reload reads only the files that changed, came, or hold a repeat, and still gives the
corpus and index a load from nothing gives: checked over random changes to a folder with
repeats, a JSON Lines file, bad files and files over the article limit."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from bot.corpus import Corpus, DocumentTable, Listing, list_corpus, load_corpus
from bot.corpus.compose import compose_corpus
from bot.pipeline import LoadedCorpus, load_index
from bot.settings import Settings
from bot.store.cache import CorpusCache
from tests.test_cache import assert_same_index, fresh

LONG_AGO_NS = 1_600_000_000 * 10**9
LIMIT = 600
TEXTS = [
    "Officials met in Beijing. The talks were long.",
    "The minister spoke on Monday. Nothing was agreed.",
    "Rain fell across the north. Farmers welcomed it.",
    "A new bridge opened. Traffic eased at once.",
    "Shares rose sharply. Traders were surprised.",
    "The team won again. Fans sang in the streets.",
]
NAMES = [f"{folder}/{name}" for folder in ("a", "b", "c") for name in ("1.md", "2.txt", "3.md")]


def article(title: int, text: int) -> str:
    return f"Title {title}\n\n{TEXTS[text]}\n"


def jsonl(lines: list[int]) -> str:
    rows = [json.dumps({"title": f"Line {n}", "text": TEXTS[n]}) for n in lines]
    return "\n".join([*rows, "not json"]) + "\n"


# One change to the folder: (what, which name, which text).
CHANGES = st.tuples(
    st.sampled_from(["write", "copy", "delete", "touch", "grow", "jsonl", "junk"]),
    st.sampled_from(NAMES),
    st.integers(0, len(TEXTS) - 1),
)


def apply(folder: Path, change: tuple[str, str, int], tick: int) -> None:
    """One change, dated `tick` seconds after long ago, so that a reload may trust it."""
    what, name, text = change
    path = folder / name
    if what == "delete":
        if path.exists():
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if what == "write":
        path.write_text(article(tick, text), encoding="utf-8")
    elif what == "copy":  # the same text as another file: a repeat
        path.write_text(article(0, text), encoding="utf-8")
    elif what == "grow":  # over the article limit
        path.write_text(article(tick, text) + "word " * LIMIT, encoding="utf-8")
    elif what == "jsonl":
        path = folder / "dump.jsonl"
        path.write_text(jsonl([text, (text + 1) % len(TEXTS), text]), encoding="utf-8")
    elif what == "junk":
        path = folder / f"{Path(name).stem}.pdf"
        path.write_bytes(b"%PDF")
    elif not path.exists():  # "touch" a file that is not there
        return
    stamp = LONG_AGO_NS + tick * 10**9
    os.utime(path, ns=(stamp, stamp))


def folder_with(changes: list[tuple[str, str, int]], root: Path) -> Path:
    folder = root / "corpus"
    for number, name in enumerate(NAMES[:6]):
        apply(folder, ("write", name, number % len(TEXTS)), 0)
    apply(folder, ("copy", NAMES[6], 2), 0)  # repeats NAMES[2]'s text... as title 0
    apply(folder, ("jsonl", NAMES[0], 1), 0)
    (folder / "a" / "1.md:9").write_bytes(b"passed over, named as a line of a file is")
    for tick, change in enumerate(changes, start=1):
        apply(folder, change, tick)
    return folder


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="reload-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def assert_as_from_nothing(reloaded: LoadedCorpus, settings: Settings) -> None:
    corpus = load_corpus(settings.corpus_dir, max_article_bytes=settings.max_article_bytes)
    assert list(reloaded.corpus.documents) == list(corpus.documents)
    assert reloaded.corpus.skipped == corpus.skipped
    assert reloaded.corpus.listing == corpus.listing
    assert_same_index(reloaded.index, fresh(settings))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    before=st.lists(CHANGES, max_size=4),
    changes=st.lists(CHANGES, min_size=1, max_size=5),
    from_stored=st.booleans(),
)
def test_a_reload_gives_what_a_load_from_nothing_gives(
    before: list[tuple[str, str, int]], changes: list[tuple[str, str, int]], from_stored: bool
) -> None:
    with scratch() as root:
        folder = folder_with(before, root)
        config = Settings(corpus_dir=folder, cache_dir=root / "cache", max_article_bytes=LIMIT)
        first = load_index(config)
        if from_stored:  # as a bot starts: the documents mapped from the stored index
            first = load_index(config)
            assert isinstance(first.corpus.documents, DocumentTable)
        for tick, change in enumerate(changes, start=100):
            apply(folder, change, tick)
        reloaded = load_index(config, previous=first)
        assert_as_from_nothing(reloaded, config)
        again = load_index(config, previous=reloaded)  # and from a reload's own corpus
        assert again.cache is not None and again.cache.files_parsed == 0
        assert_as_from_nothing(again, config)


@pytest.mark.parametrize("another_came", [False, True])
def test_a_file_changed_as_the_last_load_ran_is_read_again_at_the_reload(
    tmp_path: Path, another_came: bool
) -> None:
    # Written in the clock tick the last load read it in: size and time cannot tell a
    # later write of the same size apart, so the reload reads it again (whether or not
    # the folder holds the same files).
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "old.md").write_text(article(1, 1), encoding="utf-8")
    os.utime(folder / "old.md", ns=(LONG_AGO_NS, LONG_AGO_NS))
    new = folder / "new.md"
    new.write_text(article(2, 2), encoding="utf-8")
    config = Settings(corpus_dir=folder, cache_dir=tmp_path / "cache")
    first = load_index(config)
    status = new.stat()
    new.write_text(article(2, 2).replace("Rain", "Snow"), encoding="utf-8")  # the same size
    os.utime(new, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert new.stat().st_size == status.st_size
    if another_came:
        (folder / "another.md").write_text(article(3, 4), encoding="utf-8")
        os.utime(folder / "another.md", ns=(LONG_AGO_NS, LONG_AGO_NS))
    reloaded = load_index(config, previous=first)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.files_from_cache) == (1 + another_came, 1)
    assert_as_from_nothing(reloaded, config)
    assert any("Snow" in sentence.text for sentence in reloaded.index.sentences)


@pytest.mark.parametrize("moved", [3, 70])
def test_texts_moved_to_other_files_are_not_analysed_again(tmp_path: Path, moved: int) -> None:
    # A reload looks up the texts it read among the last load's: a few one at a time,
    # many at once.
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(80):
        path = folder / f"{number:03}.md"
        path.write_text(f"Title {number}\n\n{TEXTS[number % len(TEXTS)]}\n", encoding="utf-8")
        os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    config = Settings(corpus_dir=folder, cache_dir=tmp_path / "cache")
    first = load_index(config)
    for number in range(moved):
        (folder / f"{number:03}.md").rename(folder / f"moved-{number:03}.md")
    reloaded = load_index(config, previous=first)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.documents_analysed) == (moved, 0)
    assert_as_from_nothing(reloaded, config)


def test_a_last_load_that_does_not_name_its_files_is_not_composed_from(tmp_path: Path) -> None:
    # Its documents cannot be told apart by file: the reload reads the folder instead.
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "one.md").write_text(article(1, 1), encoding="utf-8")
    loaded = load_corpus(folder, max_article_bytes=LIMIT)
    unnamed = Corpus(folder, loaded.documents, loaded.skipped, listing=Listing())
    cache = CorpusCache.open(tmp_path / "cache", folder, LIMIT)
    listed = list_corpus(folder)
    assert compose_corpus(unnamed, 0, listed, max_article_bytes=LIMIT, cache=cache) is None

"""One bad file, line or field never stops a load: it is skipped or dropped with a printable,
one-line reason, and everything else still loads."""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bot.corpus import Corpus, CorpusError, Document, SkippedFile, files, load_corpus, loader
from bot.corpus.parsing import parse_text_file
from bot.pipeline import load_index
from bot.settings import Settings
from bot.store.cache import CorpusCache
from tests.corpus_helpers import (
    OTHER,
    PROSE,
    folder_with_a_good_article,
    load,
    reasons,
    write,
)
from tests.corpus_helpers import assert_good_still_loads as assert_the_good_article_loads


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return folder_with_a_good_article(tmp_path)


def by_id(corpus: Corpus) -> dict[str, Document]:
    return {document.id: document for document in corpus.documents}


def assert_printable(corpus: Corpus) -> None:
    """What a load reports can be printed to any UTF-8 stream, one line per entry."""
    for skipped in corpus.skipped:
        line = f"{skipped.path}: {skipped.reason}"
        line.encode("utf-8")  # no lone surrogates
        assert line.isprintable(), line


def assert_good_still_loads(corpus: Corpus) -> None:
    assert_the_good_article_loads(corpus)
    assert_printable(corpus)


# --- paths ---------------------------------------------------------------------------------


def test_a_symlink_loop_is_skipped_not_fatal(folder: Path) -> None:
    (folder / "loop.md").symlink_to("loop.md")
    (folder / "ping.txt").symlink_to("pong.txt")
    (folder / "pong.txt").symlink_to("ping.txt")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {
        "loop.md": "symlink loop",
        "ping.txt": "symlink loop",
        "pong.txt": "symlink loop",
    }


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_printable_reason(folder: Path) -> None:
    raw = os.fsencode(folder)
    with open(raw + b"/bad\xffname.md", "w", encoding="utf-8") as out:
        out.write(f"Bad name\n\n{OTHER}\n")
    os.mkdir(raw + b"/dir\xfe")
    with open(raw + b"/dir\xfe/inside.md", "w", encoding="utf-8") as out:
        out.write(f"Inside\n\n{OTHER}\n")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {
        "bad\\xffname.md": "file name is not valid UTF-8",
        "dir\\xfe": "folder name is not valid UTF-8",
    }


def test_a_file_name_that_is_not_utf8_never_stops_a_cached_load(
    folder: Path, tmp_path: Path
) -> None:
    with open(os.fsencode(folder) + b"/bad\xffname.md", "w", encoding="utf-8") as out:
        out.write(f"Bad name\n\n{OTHER}\n")
    settings = Settings(corpus_dir=folder, cache_dir=tmp_path / "cache")
    for _ in range(2):  # cold, then warm
        loaded = load_index(settings)
        assert_good_still_loads(loaded.corpus)
        assert list(reasons(loaded.corpus)) == ["bad\\xffname.md"]


def test_a_file_name_with_a_control_character_is_reported_printably(folder: Path) -> None:
    write(folder / "two\nlines.md", f"Two lines\n\n{OTHER}\n")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {"two\\nlines.md": "file name holds a control character"}


def _make_too_deep_folder(folder: Path) -> str:
    """Nested folders whose full path is longer than the system allows (PATH_MAX, 4096 bytes):
    creating them one below the other works, reading the deepest by its path fails even as
    root. Returns the path, relative to `folder`, of the first folder that cannot be read."""
    name = "d" * 250
    descriptor = os.open(folder, os.O_RDONLY)
    parts: list[str] = []
    try:
        while len(str(folder)) + sum(len(p) + 1 for p in parts) < 4200:
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            parts.append(name)
    finally:
        os.close(descriptor)
    for depth in range(1, len(parts) + 1):
        try:
            os.stat(folder.joinpath(*parts[:depth]))
        except OSError:
            return "/".join(parts[:depth])
    raise AssertionError("the nested folders are all readable")


def test_a_folder_that_cannot_be_read_is_reported_not_ignored(folder: Path) -> None:
    # chmod cannot stop root from reading, so the failure provoked is a path too long.
    too_deep = _make_too_deep_folder(folder)
    try:
        corpus = load(folder)
    finally:
        shutil.rmtree(folder / ("d" * 250))
    assert_good_still_loads(corpus)
    assert list(reasons(corpus)) == [too_deep]
    assert reasons(corpus)[too_deep] == "unreadable folder: File name too long"


def test_the_compiled_folder_entries_are_those_python_finds(tmp_path: Path) -> None:
    compiled = pytest.importorskip("bot.corpus._status")  # built in CI: see the test below
    (tmp_path / "plain.md").write_text("Title\n\nText.\n", encoding="utf-8")
    (tmp_path / "Shout.TXT").write_text("Title\n\nText.\n", encoding="utf-8")
    (tmp_path / "two.dots.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "caf\u00e9.md").write_text("Title\n\nText.\n", encoding="utf-8")
    (tmp_path / "tab\there.md").write_text("Title\n\nText.\n", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("Title\n\nText.\n", encoding="utf-8")
    (tmp_path / "link.md").symlink_to("plain.md")
    (tmp_path / "broken.md").symlink_to("gone.md")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "linked").symlink_to("sub")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / os.fsdecode(b"bad\xffname.md")).write_bytes(b"Title\n\nText.\n")
    os.utime(tmp_path / "plain.md", ns=(1, -1_500_000_001))  # before 1970, not on a second

    def entries(found: tuple[Any, ...]) -> tuple[Any, ...]:  # in name order
        folders, names, sizes, times, others = found
        rows = sorted(zip(names, sizes.tolist(), times.tolist(), strict=True))
        return sorted(folders), rows, sorted(others)

    suffixes = (".jsonl", ".markdown", ".md", ".txt")
    found = entries(compiled.folder_entries(str(tmp_path), suffixes))
    assert found == entries(files.folder_entries(str(tmp_path), suffixes))
    folders, rows, others = found
    assert folders == ["folder.md", "sub"]
    assert [name for name, _, _ in rows] == ["Shout.TXT", "plain.md", "two.dots.jsonl"]
    assert rows[1][1:] == (13, -1_500_000_001)
    expected_others = ["bad\udcffname.md", "broken.md", "caf\u00e9.md", "link.md", "linked"]
    assert others == sorted([*expected_others, "notes.pdf", "pipe.md", "tab\there.md"])
    for listing in (compiled.folder_entries, files.folder_entries):
        with pytest.raises(FileNotFoundError):
            listing(str(tmp_path / "nowhere"), suffixes)
        with pytest.raises(NotADirectoryError):
            listing(str(tmp_path / "plain.md"), suffixes)


def test_the_folder_listing_is_compiled_in_ci() -> None:
    # CI installs with a C compiler: a listing that failed to build must not go unseen.
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI")
    import bot.corpus._status  # noqa: F401


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_files_with_a_byte_order_mark_load(tmp_path: Path, encoding: str) -> None:
    bom = "" if encoding in ("utf-16", "utf-32") else "\ufeff"  # these two write their own
    text = f"{bom}---\ntitle: Wide text\nauthor: Zoë Doe\n---\n{PROSE}\n\n{OTHER}\n"
    (tmp_path / "wide.md").write_bytes(text.encode(encoding))
    corpus = load(tmp_path)
    assert corpus.skipped == ()
    [document] = corpus.documents
    assert (document.title, document.author) == ("Wide text", "Zoë Doe")
    assert document.paragraphs == (PROSE, OTHER)


def test_a_bad_byte_in_one_jsonl_line_skips_only_that_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "First", "text": PROSE}).encode(),
        json.dumps({"title": "Second", "text": OTHER}).encode(),
        b'{"title": "Caf\xe9", "text": "A latin-1 line among UTF-8 ones."}',
    ]
    (tmp_path / "feed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    corpus = load(tmp_path)
    assert [d.title for d in corpus.documents] == ["First", "Second"]
    assert reasons(corpus) == {"feed.jsonl:3": "not UTF-8 (invalid byte at offset 14 of the line)"}


def test_a_jsonl_line_with_a_lone_surrogate_or_deep_nesting_is_skipped(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "First", "text": PROSE}),
        '{"title": "Broken \\ud800 title", "text": "Some text that is long enough to keep."}',
        '{"title": "Broken text", "text": "A sentence with a lone \\udc80 in it, as prose."}',
        "[" * 200_000,
        json.dumps({"title": "Second", "text": OTHER, "author": "Jane \ud800 Doe"}),
        '{"title": "Big number", "text": "Some text that is long enough.", "n": '
        + "9" * 5000
        + "}",
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    corpus = load_corpus(tmp_path, max_article_bytes=1_000_000)
    assert [d.title for d in corpus.documents] == ["First", "Second"]
    assert by_id(corpus)["feed:5"].author is None
    got = reasons(corpus)
    assert set(got) == {"feed.jsonl:2", "feed.jsonl:3", "feed.jsonl:4", "feed.jsonl:5"} | {
        "feed.jsonl:6"
    }
    assert "lone surrogate" in got["feed.jsonl:2"]
    assert "lone surrogate" in got["feed.jsonl:3"]
    assert got["feed.jsonl:4"] == "not valid JSON: nested too deeply"
    assert got["feed.jsonl:5"].startswith("field 'author' dropped: ")
    assert "lone surrogate" in got["feed.jsonl:5"]
    assert got["feed.jsonl:6"].startswith("not valid JSON: ")
    assert_printable(corpus)


# --- front matter --------------------------------------------------------------------------


def test_front_matter_with_an_impossible_date_drops_that_field(folder: Path) -> None:
    write(
        folder / "dated.md",
        f"---\ntitle: Dated\nauthor: Jane Doe\npublished: 2024-02-30\n---\n{OTHER}\n",
    )
    corpus = load(folder)
    assert by_id(corpus)["dated"].metadata() == {"author": "Jane Doe"}
    assert reasons(corpus) == {
        "dated.md": "field 'published' dropped: not a valid value: day is out of range for month"
    }


def test_an_invalid_value_in_an_unused_front_matter_field_does_not_matter(folder: Path) -> None:
    write(folder / "dated.md", f"---\ntitle: Dated\nupdated: 2024-02-30\n---\n{OTHER}\n")
    corpus = load(folder)
    assert by_id(corpus)["dated"].title == "Dated"
    assert corpus.skipped == ()


BOMB = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{chr(ord('a') + n)}: &{chr(ord('a') + n)} [{','.join(['*' + chr(ord('a') + n - 1)] * 9)}]\n"  # noqa: E501
            for n in range(1, 9)
        ),
    ]
)


@pytest.mark.parametrize("field", ["title", "author"])
def test_a_yaml_alias_bomb_in_front_matter_is_refused_fast(folder: Path, field: str) -> None:
    write(folder / "bomb.md", f"---\n{BOMB}{field}: *i\n---\nBomb\n\n{OTHER}\n")
    started = time.perf_counter()
    corpus = load(folder)
    assert time.perf_counter() - started < 2.0
    assert by_id(corpus)["bomb"].metadata() == {}
    assert by_id(corpus)["bomb"].title == "Bomb"
    reason = reasons(corpus)["bomb.md"]
    assert reason.startswith(f"field {field!r} dropped: ") and "YAML nodes" in reason


def test_a_yaml_alias_bomb_in_an_unused_field_costs_nothing(folder: Path) -> None:
    write(folder / "bomb.md", f"---\n{BOMB}title: Quiet\n---\n{OTHER}\n")
    started = time.perf_counter()
    corpus = load(folder)
    assert time.perf_counter() - started < 2.0
    assert by_id(corpus)["bomb"].title == "Quiet"


def test_front_matter_over_the_size_cap_is_skipped(folder: Path) -> None:
    padding = "".join(f"note{n}: {'x' * 60}\n" for n in range(1_000))
    write(folder / "padded.md", f"---\ntitle: Padded\n{padding}---\n{OTHER}\n")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {"padded.md": "front matter over 65,536 characters"}


# --- metadata values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "metadata", "reason"),
    [
        ("author: 42", {}, "field 'author' dropped: a number, not text (quote it)"),
        ("publisher: 3.5", {}, "field 'publisher' dropped: a number, not text (quote it)"),
        ("author: .nan", {}, "field 'author' dropped: a number, not text (quote it)"),
        ("published: .inf", {}, "field 'published' dropped: a number, not text (quote it)"),
        ("author: yes", {}, "field 'author' dropped: true or false, not text (quote it)"),
        ("publisher: [A, B]", {}, "field 'publisher' dropped: a list, not text"),
        ("author: {name: Jane}", {}, "field 'author' dropped: a mapping, not text"),
        ("author: [Jane, 7]", {}, "field 'author' dropped: a list, not text"),
        ("author: [Jane Doe, John Roe]", {"author": "Jane Doe, John Roe"}, None),
        ("published: 2024", {"published": "2024"}, None),
        ("url: https://example.com/a?b=c", {"url": "https://example.com/a?b=c"}, None),
        ("url: 'javascript:alert(1)'", {}, "field 'url' dropped: not an http(s) URL"),
        ("url: ftp://example.com/file", {}, "field 'url' dropped: not an http(s) URL"),
        ("url: 'http://'", {}, "field 'url' dropped: not an http(s) URL"),
        ("url: 'https://exa mple.com'", {}, "field 'url' dropped: not an http(s) URL"),
    ],
)
def test_a_metadata_value_that_is_not_text_is_dropped_with_a_reason(
    folder: Path, front_matter: str, metadata: dict[str, str], reason: str | None
) -> None:
    write(folder / "meta.md", f"---\ntitle: Meta\n{front_matter}\n---\n{OTHER}\n")
    corpus = load(folder)
    document = by_id(corpus)["meta"]
    assert (document.title, document.metadata()) == ("Meta", metadata)
    assert reasons(corpus) == ({"meta.md": reason} if reason else {})
    assert_printable(corpus)


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("[Ministers, meet]", "a list, not text"),
        ("{a: 1}", "a mapping, not text"),
        ("no", "true or false, not text (quote it)"),
        ("1.5", "a number, not text (quote it)"),
    ],
)
def test_a_title_that_is_not_text_falls_back_to_the_first_line(
    folder: Path, title: str, reason: str
) -> None:
    write(folder / "meta.md", f"---\ntitle: {title}\n---\nFirst line title\n\n{OTHER}\n")
    corpus = load(folder)
    assert by_id(corpus)["meta"].title == "First line title"
    assert reasons(corpus) == {"meta.md": f"field 'title' dropped: {reason}"}


def test_a_number_title_reads_as_written(folder: Path) -> None:
    write(folder / "novel.md", f"---\ntitle: 1984\n---\n{OTHER}\n")
    assert by_id(load(folder))["novel"].title == "1984"


def test_nan_and_infinity_in_jsonl_metadata_are_dropped(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "First", "text": PROSE, "published": math.nan, "author": "Jane Doe"}),
        json.dumps(
            {"title": "Second", "text": OTHER, "publisher": -math.inf, "url": "javascript:"}
        ),
    ]
    assert "NaN" in lines[0] and "-Infinity" in lines[1]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    corpus = load(tmp_path)
    assert [d.metadata() for d in corpus.documents] == [{"author": "Jane Doe"}, {}]
    assert [(s.path, s.reason) for s in corpus.skipped] == [
        ("feed.jsonl:1", "field 'published' dropped: a number, not text (quote it)"),
        ("feed.jsonl:2", "field 'publisher' dropped: a number, not text (quote it)"),
        ("feed.jsonl:2", "field 'url' dropped: not an http(s) URL"),
    ]


# --- a load that yields nothing says why ----------------------------------------------------


def test_a_corpus_with_nothing_to_index_raises_with_the_skipped_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01")
    (corpus / "loop.md").symlink_to("loop.md")
    settings = Settings(corpus_dir=corpus, cache_dir=tmp_path / "cache")
    with pytest.raises(CorpusError) as raised:
        load_index(settings)
    message = str(raised.value)
    assert message == "the corpus has no sentences to index (3 skipped)"
    assert sorted(s.path for s in raised.value.skipped) == ["binary.txt", "empty.md", "loop.md"]


def test_a_corpus_of_stop_words_alone_raises_with_what_was_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "words.txt", "Title\n\nIt is what it is, and so it was.\n")
    write(corpus / "meta.md", "---\ntitle: Meta\nauthor: 7\n---\nIt is what it is.\n")
    settings = Settings(corpus_dir=corpus, cache_dir=tmp_path / "cache")
    with pytest.raises(CorpusError) as raised:
        load_index(settings)
    assert str(raised.value) == "the corpus has no sentences to index (1 skipped)"
    assert [(s.path, s.reason) for s in raised.value.skipped] == [
        ("meta.md", "field 'author' dropped: a number, not text (quote it)")
    ]


# --- files read in worker processes (bot.corpus.loader) ------------------------------------


def _mixed_folder(tmp_path: Path) -> Path:
    """Good articles, bad files and a JSON Lines file among them, and a repeat."""
    folder = folder_with_a_good_article(tmp_path)
    for n in range(12):
        write(folder / f"news/{n:02}.md", f"# Story {n}\n\n{PROSE} Item {n}.\n\n{OTHER}\n")
    write(folder / "news/05-copy.md", f"# Story 5\n\n{PROSE} Item 5.\n\n{OTHER}\n")
    (folder / "news/bad.txt").write_bytes(b"Title\n\n\xff\xfe not UTF-8")
    write(folder / "news/huge.md", "# Huge\n\n" + PROSE * 50)
    lines = [json.dumps({"title": f"Line {n}", "text": f"{OTHER} Line {n}."}) for n in range(3)]
    write(folder / "news/dump.jsonl", "\n".join([*lines, "{broken"]) + "\n")
    return folder


@pytest.mark.parametrize("where", ["main thread", "thread"])
def test_files_read_in_worker_processes_give_the_same_corpus(tmp_path: Path, where: str) -> None:
    # From a thread (as the bot reloads) the workers are started afresh, not forked.
    folder = _mixed_folder(tmp_path)

    def load_with(workers: int) -> Corpus:
        return load_corpus(folder, max_article_bytes=2000, workers=workers)

    in_process = load_with(1)
    if where == "thread":
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            in_workers = thread.submit(load_with, 2).result()
    else:
        in_workers = load_with(2)
    assert in_workers.documents == in_process.documents
    assert in_workers.skipped == in_process.skipped
    assert reasons(in_workers)["news/05.md"] == "same text as news/05-copy.md"
    assert "news/huge.md" in reasons(in_workers) and "news/dump.jsonl:4" in reasons(in_workers)
    assert [d.id for d in in_workers.documents][-3:] == [f"news/dump:{n}" for n in (1, 2, 3)]


def test_touched_files_read_in_worker_processes_are_hashed_not_parsed(
    tmp_path: Path,
) -> None:
    folder = _mixed_folder(tmp_path)
    cache_dir = tmp_path / "cache"

    def load_cached(workers: int) -> tuple[Corpus, CorpusCache]:
        cache = CorpusCache.open(cache_dir, folder, 2000)
        corpus = load_corpus(folder, max_article_bytes=2000, cache=cache, workers=workers)
        return corpus, cache

    cold, _ = load_cached(2)
    for path in folder.rglob("*.md"):
        os.utime(path, ns=(time.time_ns(), time.time_ns()))  # the same bytes, a new time
    touched, cache = load_cached(2)
    assert touched.documents == cold.documents and touched.skipped == cold.skipped
    assert cache.stats.files_parsed == 0


def test_a_file_that_breaks_the_reader_is_skipped_and_logged(
    folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write(folder / "zz-breaks.md", "# Breaks\n\nIt breaks the reader.\n")

    def parse(data: bytes, relative: str, suffix: str) -> list[Document | SkippedFile]:
        if relative == "zz-breaks.md":
            raise ValueError("a bug")
        return parse_text_file(data, relative, suffix)

    monkeypatch.setattr(loader, "parse_text_file", parse)
    corpus = load(folder)
    assert_the_good_article_loads(corpus)
    assert reasons(corpus) == {"zz-breaks.md": "could not be loaded (ValueError)"}
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "zz-breaks.md" in record.getMessage() and "ValueError: a bug" in record.getMessage()

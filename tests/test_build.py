"""Building the index: news dumps read as a stream, the `index` command, and progress."""

from __future__ import annotations

import io
import json
import logging
import tracemalloc
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus.files import jsonl_lines
from bot.progress import Progress
from bot.progress_display import shown
from bot.settings import load_settings
from tests.corpus_helpers import load, reasons, write

ARTICLE = "The defense ministers met in Geneva on Tuesday to sign the arms treaty."


def dump_line(number: int, text: str = ARTICLE) -> str:
    return json.dumps({"title": f"Report {number}", "text": f"{text} Report number {number}."})


# --- news dumps -------------------------------------------------------------------------------


def test_a_dump_larger_than_the_article_limit_loads_every_article(tmp_path: Path) -> None:
    dump = write(tmp_path / "dump.jsonl", "".join(dump_line(n) + "\n" for n in range(200)))
    limit = 1_000
    assert dump.stat().st_size > 20 * limit
    corpus = load(tmp_path, max_article_bytes=limit)
    assert len(corpus.documents) == 200 and not corpus.skipped


def test_an_article_over_the_limit_is_skipped_by_line_and_the_rest_load(tmp_path: Path) -> None:
    lines = [dump_line(1), dump_line(2, "Long report. " * 10_000), dump_line(3)]
    write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n")
    corpus = load(tmp_path, max_article_bytes=2_000)
    assert [d.title for d in corpus.documents] == ["Report 1", "Report 3"]
    size = len(lines[1].encode())
    assert reasons(corpus) == {
        "dump.jsonl:2": f"{size:,} bytes, over the max_article_bytes limit of 2,000"
    }


def test_line_ends_and_a_byte_order_mark_number_lines_as_before(tmp_path: Path) -> None:
    body = f"{dump_line(1)}\r\n{dump_line(2)}\r{{oops\n{dump_line(4)}"
    (tmp_path / "dump.jsonl").write_bytes(b"\xef\xbb\xbf" + body.encode())
    corpus = load(tmp_path)
    assert [d.source for d in corpus.documents] == ["dump.jsonl:1", "dump.jsonl:2", "dump.jsonl:4"]
    assert list(reasons(corpus)) == ["dump.jsonl:3"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\n \n\t\n", "empty file"), (b"\x00\x01\x02" * 100, "binary file (contains NUL bytes)")],
)
def test_an_empty_or_binary_dump_is_skipped_whole(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "dump.jsonl").write_bytes(data)
    write(tmp_path / "good.md", f"# Good\n\n{ARTICLE}\n")
    assert reasons(load(tmp_path)) == {"dump.jsonl": reason}


def test_a_dump_is_read_one_line_at_a_time(tmp_path: Path) -> None:
    line = dump_line(0, "Word " * 2_000)  # about 10 KB
    dump = tmp_path / "dump.jsonl"
    with dump.open("w", encoding="utf-8") as out:
        for _ in range(2_000):
            out.write(line + "\n")
    assert dump.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in jsonl_lines(dump, max_article_bytes=100_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2_000
    assert peak < 1_000_000  # a few lines, never the file


def test_a_line_over_the_limit_is_passed_over_without_holding_it(tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(b"[" + b"1," * 5_000_000 + b"1]\n" + dump_line(2).encode() + b"\n")
    tracemalloc.start()
    try:
        lines = list(jsonl_lines(dump, max_article_bytes=10_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [number for number, _ in lines] == [1, 2]
    assert "over the max_article_bytes limit" in str(lines[0][1])
    assert peak < 2_500_000  # blocks of the 10 MB line, never all of it


def test_the_old_name_of_the_article_limit_still_works_and_says_its_new_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "bot.toml", "max_file_bytes = 1234\n")
    loaded = load_settings(config_file=config)
    assert loaded.settings.max_article_bytes == 1234
    assert loaded.warnings == (
        f"max_file_bytes in {config} is now called max_article_bytes; the old name still works",
    )
    monkeypatch.setenv("MAX_FILE_BYTES", "999")
    loaded = load_settings(config_file=config)
    assert loaded.settings.max_article_bytes == 999  # the environment wins, as for any setting
    assert any("MAX_FILE_BYTES in the environment" in w for w in loaded.warnings)


# --- python -m bot index ------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_env")
def test_index_builds_the_cache_then_finds_it_there(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "dump.jsonl", "".join(dump_line(n) + "\n" for n in range(5)))
    write(corpus / "broken.md", "")
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))
    assert main(["index", "--corpus", str(corpus)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("index built: 5 documents, 10 sentences, 1 skipped, version ")
    assert "broken.md: empty file" in err
    assert main(["index", "--corpus", str(corpus)]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("index from the cache: 5 documents")
    assert any((tmp_path / "cache").rglob("index.bin"))


@pytest.mark.usefixtures("clean_env")
def test_index_of_a_missing_folder_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["index", "--corpus", str(tmp_path / "nowhere")]) == 1
    _, err = capsys.readouterr()
    assert err.startswith("error: corpus folder not found") and err.count("\n") == 1


# --- progress ------------------------------------------------------------------------------------


def test_progress_describes_itself_in_one_line() -> None:
    progress = Progress()
    progress.begin("analysing")
    progress.advance(files=3, articles=2_126, sentences=39_457)
    line = progress.report().describe()
    assert line.startswith("analysing: 3 files, 2,126 articles, 39,457 sentences in ")
    assert "sentences/s" in line


def test_off_a_terminal_progress_is_logged_in_plain_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.INFO, "bot.progress_display"),
        shown(io.StringIO(), log_seconds=0) as progress,
    ):
        progress.advance(files=1, articles=1)
        progress.begin("indexing")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("reading files: 1 files, 1 articles, 0 sentences in ")
    assert lines[-1].startswith("indexing: ")


def test_a_load_reports_every_file_article_and_sentence(tmp_path: Path) -> None:
    from bot.pipeline import load_index
    from bot.settings import Settings

    write(tmp_path / "corpus" / "dump.jsonl", "".join(dump_line(n) + "\n" for n in range(4)))
    settings = Settings(corpus_dir=tmp_path / "corpus", cache_dir=tmp_path / "cache")
    for _ in range(2):  # built, then from the cache: the same counts
        stages: list[str] = []
        progress = Progress(on_change=lambda p, seen=stages: seen.append(p.stage))
        loaded = load_index(settings, progress)
        report = progress.report()
        assert (report.files, report.articles) == (1, 4)
        assert report.sentences == len(loaded.index.sentences) == 8
        assert stages[0] == "reading files"

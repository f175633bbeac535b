"""The command line as a program in a pipeline: a reader that stops early, and what goes
to stdout and stderr (log lines are only visible outside pytest, hence subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings
from bot.store.storage import Storage, StoredPassage

REPO = Path(__file__).resolve().parents[1]
QUESTION = "who led the Chinese delegation?"


def environment(**values: str) -> dict[str, str]:
    names = set(Settings.model_fields)
    kept = {key: value for key, value in os.environ.items() if key.lower() not in names}
    return {**kept, "PYTHONPATH": str(REPO), **values}  # this checkout, from any folder


def run_bot(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` run to the end, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def read_one_line_then_close(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> tuple[int, str, str]:
    """Like `python -m bot ... | head -1`: read a line, close the pipe, let the writer go on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    process.stdin.write(stdin)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    return process.wait(timeout=120), first, err


def test_ask_json_lines_into_a_reader_that_stops_early_exits_quietly(tmp_path: Path) -> None:
    # Far more output than a pipe holds, so the writer meets the closed pipe.
    questions = "\n".join([QUESTION] * 2000) + "\n"
    env = environment(CACHE_DIR=str(tmp_path / "cache"))
    code, first, err = read_one_line_then_close(["ask", "--json"], env, questions)
    assert '"answered": true' in first
    assert code in (0, 141)
    assert err == ""


def test_feedback_export_into_a_reader_that_stops_early_exits_quietly(tmp_path: Path) -> None:
    database = tmp_path / "newsqa.sqlite3"
    storage = Storage.open(database)
    for number in range(300):
        storage.record_answer(
            question=f"question {number}: " + "why " * 100,
            answered=True,
            corpus_version="v1",
            passages=[StoredPassage("doc", 1, "A quoted sentence. " * 20)],
            shown=1,
            asker_id=number,
        )
    storage.close()
    env = environment(DATABASE_PATH=str(database))
    code, first, err = read_one_line_then_close(["feedback", "export"], env)
    assert first.startswith("{")
    assert code in (0, 141)
    assert err == ""


def test_check_prints_each_skipped_file_once(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Ministers meet\n\nThe ministers met in Geneva.\n")
    (folder / "broken.md").write_bytes(b"Title\n\nA NUL \x00 byte.\n")
    env = environment(CACHE_DIR=str(tmp_path / "cache"))
    result = run_bot(["check", "--corpus", str(folder)], tmp_path, env)
    assert result.returncode == 1
    assert (result.stdout + result.stderr).count("broken.md") == 1
    assert "broken.md: binary file (contains NUL bytes)" in result.stdout.splitlines()


def test_an_unknown_setting_is_a_warning_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "bot.toml").write_text(
        f'corpus_dir = "{REPO / "corpus"}"\ntopk = 2\n', encoding="utf-8"
    )
    env = environment(CACHE_DIR=str(tmp_path / "cache"))
    result = run_bot(["ask", QUESTION], tmp_path, env)
    assert result.returncode == 0
    assert "Song Yanchao" in result.stdout
    assert result.stderr.splitlines() == [
        "WARNING bot.cli: unknown setting topk in config/bot.toml, ignored: did you mean top_k?"
    ]

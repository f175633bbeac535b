"""`python -m bot run` without a token, or failing at start: one helpful line, no
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.discord import client
from bot.pipeline import load_index
from bot.settings import Settings
from bot.store.storage import Storage

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_a_token_explains_how_to_set_one() -> None:
    for args in (("run",), ()):
        result = run_cli(*args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        [line] = result.stderr.strip().splitlines()
        assert "DISCORD_TOKEN" in line and "python -m bot ask" in line


def test_the_token_is_never_printed_with_a_settings_error() -> None:
    result = run_cli("run", DISCORD_TOKEN="super-secret-token-value", TOP_K="0")
    assert result.returncode == 2
    assert "top_k" in result.stderr
    assert "super-secret-token-value" not in result.stderr + result.stdout


def test_a_blank_token_in_the_environment_is_no_token() -> None:
    for blank in ("", "   "):
        result = run_cli("run", DISCORD_TOKEN=blank)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("error: no Discord token")


# --- start-up failures: one line each ----------------------------------------------------------
# Connecting to Discord is not possible in tests, so `run_bot` is replaced by the steps it
# takes at start (opening the database, loading the corpus), which raise the real errors.


@pytest.fixture
def starting(clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """`python -m bot run` in-process, with a token and without the Discord connection."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setenv("CORPUS_DIR", str(REPO / "corpus"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "newsqa.sqlite3"))

    def start_up(settings: Settings) -> None:
        storage = Storage.open(settings.database_path)
        storage.close()
        load_index(settings)

    monkeypatch.setattr(client, "run_bot", start_up)
    return tmp_path


def run_in_process(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["run"])
    out, err = capsys.readouterr()
    return code, out, err


def test_starting_with_everything_in_place_exits_0(
    starting: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_in_process(capsys) == (0, "", "")


def test_a_damaged_database_at_start_is_one_line(
    starting: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (starting / "newsqa.sqlite3").write_bytes(b"this is no database" * 500)
    code, out, err = run_in_process(capsys)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("error: ") and "newsqa.sqlite3" in line


def test_a_database_folder_that_is_a_file_at_start_is_one_line(
    starting: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (starting / "blocker").write_text("a file where the data folder should be")
    monkeypatch.setenv("DATABASE_PATH", str(starting / "blocker" / "newsqa.sqlite3"))
    code, out, err = run_in_process(capsys)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("error: ") and "blocker" in line


def test_a_missing_corpus_at_start_is_one_line(
    starting: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORPUS_DIR", "nowhere")
    code, out, err = run_in_process(capsys)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"error: corpus folder not found: nowhere (looked in {starting}")

"""The command line, called in-process (and once as `python -m bot`)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from bot.store.migrations import MIGRATIONS

pytestmark = pytest.mark.usefixtures("clean_env")

QUESTION = "who led the Chinese delegation?"
PASSAGE_KEYS = {"text", "document_id", "title", "score", "sentence", "paragraph"}
ARTICLE = "Ministers meet\n\nThe defense ministers met in Geneva on Tuesday to sign the treaty.\n"


@pytest.fixture(autouse=True)
def at_repo_root(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo_root)
    return repo_root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


# --- ask -------------------------------------------------------------------------------------


def test_ask_prints_quotes_citations_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", QUESTION)
    assert (code, err) == (0, "")
    assert out.startswith("> ")
    assert "Song Yanchao" in out.split("\n")[0]
    assert "\n  [1] Pentagon Officials Host Chinese Counterparts" in out
    assert "\nSources:\n[1] " in out
    assert "[pentagon-officials-host-chinese-counterparts]" in out


def test_ask_words_without_quotes_are_one_question(capsys: pytest.CaptureFixture[str]) -> None:
    _, joined, _ = run(capsys, "ask", *QUESTION.split())
    _, quoted, _ = run(capsys, "ask", QUESTION)
    assert joined == quoted


def test_ask_something_not_in_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "What is the population of Brazil?")
    assert code == 0
    assert out.startswith("Not in the corpus")
    assert "Sources:" not in out


def test_ask_json_prints_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", QUESTION)
    assert code == 0
    assert len(out.splitlines()) == 1
    data = json.loads(out)
    assert {"question", "answered", "passages", "corpus_version"} <= set(data)
    assert (data["question"], data["answered"]) == (QUESTION, True)
    assert len(data["corpus_version"]) == 12
    first = data["passages"][0]
    assert set(first) >= PASSAGE_KEYS
    assert "Song Yanchao" in first["text"]
    assert (first["publisher"], first["author"]) == ("DOD News", "Joseph Clark")


def test_k_1_gives_one_passage(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "ask", "--json", "-k", "1", QUESTION)
    assert len(json.loads(out)["passages"]) == 1
    _, text, _ = run(capsys, "ask", "-k", "1", QUESTION)
    assert [line for line in text.splitlines() if line.startswith("> ")] == [text.splitlines()[0]]
    assert text.count("\n[") == 1  # one source in the list


@pytest.mark.parametrize("k", ["0", "-1", "11", "3000", "99999999999999999999"])
def test_k_is_capped_like_top_k(capsys: pytest.CaptureFixture[str], k: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ask", "-k", k, QUESTION])
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1].endswith(f"error: argument -k: must be from 1 to 10: {k}")
    assert "Traceback" not in err


def test_k_of_10_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "-k", "10", QUESTION)
    assert code == 0 and json.loads(out)["answered"]


def test_ask_json_reads_questions_from_stdin_as_json_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [QUESTION, "", "???", "What is the population of Brazil?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    code, out, _ = run(capsys, "ask", "--json")
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert [a["answered"] for a in answers] == [True, False, False, False]
    assert [a["reason"] for a in answers[1:]] == [
        "nothing to search for",
        "nothing to search for",
        "not in the corpus",
    ]
    assert len({a["corpus_version"] for a in answers}) == 1


def test_ask_json_with_empty_stdin_prints_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(capsys, "ask", "--json") == (0, "", "")


def test_ask_without_a_question_or_json_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "ask")
    assert (code, out) == (2, "")
    assert_one_line_error(err, "ask needs a question")


def test_corpus_option_uses_another_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "geneva.txt").write_text(ARTICLE)
    code, out, _ = run(capsys, "ask", "--json", "--corpus", str(tmp_path), "treaty ministers")
    data = json.loads(out)
    assert code == 0
    assert [p["document_id"] for p in data["passages"]] == ["geneva"]


def test_missing_corpus_folder_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    code, out, err = run(capsys, "ask", "--corpus", str(missing), QUESTION)
    assert code != 0
    assert out == ""
    assert_one_line_error(err, "corpus folder not found", str(missing))


def test_empty_corpus_folder_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "ask", "--corpus", str(tmp_path), QUESTION)
    assert code != 0
    assert out == ""
    assert_one_line_error(err, "no sentences")


def test_invalid_setting_in_environment_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOP_K", "abc")
    code, out, err = run(capsys, "ask", QUESTION)
    assert (code, out) == (2, "")
    assert_one_line_error(err, "invalid setting top_k")


def test_settings_from_environment_reach_the_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOP_K", "1")
    _, out, _ = run(capsys, "ask", "--json", QUESTION)
    assert len(json.loads(out)["passages"]) == 1


# --- sources and check ----------------------------------------------------------------------


def test_sources_lists_documents(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sources")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "china-us-military-leaders-meet-in-washington: China and US military leaders meet"
    )
    assert lines[1] == (
        "pentagon-officials-host-chinese-counterparts: Pentagon Officials Host Chinese "
        "Counterparts for High-Level Talks (DOD News), 15 sentences"
    )
    assert lines[-1].startswith("3 documents, ")


def test_sources_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sources", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [row["id"] for row in rows] == [
        "china-us-military-leaders-meet-in-washington",
        "pentagon-officials-host-chinese-counterparts",
        "us-china-discuss-defense-ties",
    ]
    assert rows[1] == {
        "id": "pentagon-officials-host-chinese-counterparts",
        "title": "Pentagon Officials Host Chinese Counterparts for High-Level Talks",
        "publisher": "DOD News",
        "author": "Joseph Clark",
        "sentences": 15,
    }
    assert all(row["sentences"] > 0 for row in rows)


def test_check_passes_on_the_bundled_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert out.splitlines()[0] == "settings: ok (corpus_dir = corpus)"
    assert "corpus: 3 documents, " in out
    assert ", 0 skipped, version " in out


def test_check_verify_scores_the_corpus_with_rank_bm25_and_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "check", "--verify")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("verify: ")]
    assert re.fullmatch(
        r"verify: (\d+) questions, top 10 agree in \1/\1, max \|score difference\| \S+: ok", line
    )


def test_check_names_a_bad_file_and_its_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE)
    (tmp_path / "broken.md").write_bytes(b"Title\n\nA NUL \x00 byte.\n")
    code, out, _ = run(capsys, "check", "--corpus", str(tmp_path))
    assert code != 0
    assert "broken.md: binary file (contains NUL bytes)" in out.splitlines()
    assert "corpus: 1 documents, 1 sentences, 1 skipped" in out


def test_check_fails_on_an_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", "--corpus", str(tmp_path))
    assert code != 0
    assert "corpus: the corpus has no sentences to index" in out


def test_check_fails_on_a_missing_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "check", "--corpus", str(tmp_path / "nowhere"))
    assert code != 0
    assert "corpus folder not found" in out


def test_run_without_a_token_explains_how_to_set_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here that could hold a real token
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert_one_line_error(err, "DISCORD_TOKEN")


# --- as a program -----------------------------------------------------------------------------


def test_python_dash_m_bot_ask(repo_root: Path) -> None:
    names = set(Settings.model_fields)
    env = {key: value for key, value in os.environ.items() if key.lower() not in names}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", QUESTION],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Song Yanchao" in result.stdout
    assert "Sources:" in result.stdout


# --- settings problems -----------------------------------------------------------------------


def write_config(folder: Path, text: str) -> Path:
    path = folder / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_reports_an_unknown_setting_with_the_closest_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, repo_root: Path
) -> None:
    config = write_config(tmp_path, f'corpus_dir = "{repo_root / "corpus"}"\ntopk = 4\n')
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("settings: 1 problem (corpus_dir = ")
    assert f"settings: unknown setting topk in {config}, ignored: did you mean top_k?" in lines
    assert "corpus: 3 documents, " in out  # the corpus is still checked


def test_an_empty_corpus_option_is_a_settings_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", "--corpus", "", QUESTION)
    assert (code, out) == (2, "")
    assert_one_line_error(err, "corpus_dir (from the command line): must not be empty")


def test_a_blank_token_is_no_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", " ")
    code, out, err = run(capsys, "run")
    assert (code, out) == (2, "")
    assert_one_line_error(err, "no Discord token")


# --- outside the repository: where settings and the corpus are looked for -----------------------


def test_outside_the_repository_the_error_says_where_it_looked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "ask", QUESTION)
    assert (code, out) == (1, "")
    assert_one_line_error(
        err,
        f"corpus folder not found: corpus (looked in {tmp_path / 'corpus'}; ",
        "config/bot.toml was not found in the working directory",
        "--config FILE or NEWSQA_CONFIG",
    )
    _, out, _ = run(capsys, "check")
    assert f"looked in {tmp_path / 'corpus'}" in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_option_reads_that_toml_file(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    repo_root: Path,
    where: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, f'corpus_dir = "{repo_root / "corpus"}"\ntop_k = 1\n')
    option = ["--config", str(config)]
    argv = (
        [*option, "ask", "--json", QUESTION]
        if where == "before"
        else ["ask", *option, "--json", QUESTION]
    )
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert len(json.loads(out)["passages"]) == 1


def test_newsqa_config_reads_that_toml_file(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    repo_root: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, f'corpus_dir = "{repo_root / "corpus"}"\n')
    monkeypatch.setenv("NEWSQA_CONFIG", "settings.toml")
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "corpus: 3 documents, " in out


def test_a_missing_config_file_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "check")
    assert (code, out) == (2, "")
    assert_one_line_error(err, f"config file not found: {tmp_path / 'nope.toml'} (from --config)")


# --- a load that yields nothing: the reasons, per file ----------------------------------------


def test_check_names_each_skipped_file_when_the_load_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "broken.md").write_bytes(b"Title\n\nA NUL \x00 byte.\n")
    code, out, _ = run(capsys, "check", "--corpus", str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("corpus: the corpus has no sentences to index")
    assert lines[2] == "broken.md: binary file (contains NUL bytes)"


@pytest.mark.parametrize("command", [["ask", QUESTION], ["sources"]])
def test_ask_names_each_skipped_file_after_the_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "broken.md").write_bytes(b"Title\n\nA NUL \x00 byte.\n")
    code, out, err = run(capsys, *command, "--corpus", str(tmp_path))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: the corpus has no sentences to index")
    assert lines[1] == "skipped broken.md: binary file (contains NUL bytes)"


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_on_a_damaged_database_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "newsqa.sqlite3"
    database.write_bytes(b"not a database, just some bytes" * 200)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    for action in ("stats", "export"):
        code, out, err = run(capsys, "feedback", action)
        assert (code, out) == (1, "")
        assert_one_line_error(err, str(database))


def test_feedback_reads_the_database_without_changing_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bot may be running on it, at an older schema: a report never migrates it."""
    database = tmp_path / "newsqa.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO answers (question, answered, corpus_version, asker_hash, shown,"
            " created_at) VALUES ('who?', 1, 'v1', 'h', 1, '2024-01-01T00:00:00+00:00')"
        )
        db.commit()
    monkeypatch.setenv("DATABASE_PATH", str(database))
    code, out, err = run(capsys, "feedback", "export")
    assert (code, err) == (0, "")
    assert json.loads(out)["question"] == "who?"
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)

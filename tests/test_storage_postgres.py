"""What only a server can do wrong, said in one line without the password (down, login
refused, no such database, a dropped connection), processes sharing one database, and the
settings that choose it."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.settings import Settings, SettingsError, load_settings
from bot.store.database import describe_url, sqlite_path
from bot.store.storage import Storage, StorageError, StoredPassage, open_storage, storage_url
from tests.test_storage import query

PASSWORD = "s3cret-Pass"


def with_netloc(url: str, *, password: str | None = None, port: int | None = None) -> str:
    """`url` with another password or port (the rest as it is)."""
    parts = urlsplit(url)
    user = parts.username or ""
    secret = parts.password if password is None else password
    host = parts.hostname or "localhost"
    netloc = f"{user}:{secret}@{host}:{port or parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def open_fails(url: str) -> str:
    """The StorageError opening `url` raises, checked to be one line naming the server and
    database but no password."""
    with pytest.raises(StorageError) as raised:
        open_storage(url)
    message = str(raised.value)
    secret = urlsplit(url).password
    assert "\n" not in message and describe_url(url) in message
    assert secret is None or secret not in message
    return message


only_postgres = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
"""The test takes `database_url` on PostgreSQL only (see tests/conftest.py)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@only_postgres
def test_a_server_that_is_down_is_reported_in_one_line(database_url: str) -> None:
    message = open_fails(with_netloc(database_url, port=free_port()))
    assert "the server cannot be reached" in message


@only_postgres
def test_a_wrong_password_is_reported_without_either_password(database_url: str) -> None:
    message = open_fails(with_netloc(database_url, password=PASSWORD))
    assert "refused the login" in message
    right = urlsplit(database_url).password
    assert right is not None and right not in message


@only_postgres
def test_a_database_that_does_not_exist_is_reported_in_one_line(database_url: str) -> None:
    parts = urlsplit(database_url)
    message = open_fails(urlunsplit(parts._replace(path="/no_such_newsqa_database")))
    assert "no such database" in message and "no_such_newsqa_database" in message


@only_postgres
def test_a_connection_the_server_dropped_is_opened_again_at_the_next_call(
    database_url: str,
) -> None:
    storage = open_storage(f"{database_url}&application_name=newsqa-dropped")
    answer_id = storage.record_answer(
        question="q", answered=True, corpus_version="v", shown=1, asker_id=1,
        passages=[StoredPassage("d", 1, "t")],
    )  # fmt: skip
    [(dropped,)] = query(
        database_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = 'newsqa-dropped'",
    )
    assert dropped
    with pytest.raises(StorageError) as raised:  # the call under way when it went
        storage.votes(answer_id)
    assert "connection" in str(raised.value) and "\n" not in str(raised.value)
    assert storage.toggle_vote(answer_id, 7, 1) == 1  # the next one connects again
    assert storage.votes(answer_id).up == 1
    storage.close()


def test_processes_starting_together_migrate_once_and_share_one_salt(
    database_url: str,
) -> None:
    opened: list[Storage] = []
    failed: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(open_storage(database_url))
        except BaseException as error:  # reported by the assertion below
            failed.append(error)

    starters = [threading.Thread(target=start) for _ in range(4)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert failed == [] and len(opened) == 4
    assert len({storage.user_hash(42) for storage in opened}) == 1
    answer_id = opened[0].record_answer(
        question="q", answered=True, corpus_version="v", shown=1, asker_id=42,
        passages=[StoredPassage("d", 1, "t")],
    )  # fmt: skip
    opened[1].toggle_vote(answer_id, 5, 1)
    opened[2].toggle_vote(answer_id, 6, -1)
    assert (opened[3].votes(answer_id).up, opened[3].votes(answer_id).down) == (1, 1)
    for storage in opened:
        storage.close()


# --- choosing the database in the settings --------------------------------------


@pytest.mark.usefixtures("clean_env")
def test_the_default_database_is_the_sqlite_file_of_database_path() -> None:
    assert Settings().database_url == "sqlite:///data/newsqa.sqlite3"
    assert Settings(database_path=Path("x/y.sqlite3")).database_url == "sqlite:///x/y.sqlite3"
    assert sqlite_path(Settings(database_path=Path("/srv/f.db")).database_url) == Path("/srv/f.db")
    url = "postgresql://bot:pw@db:5432/newsqa"
    assert Settings(database_url=url).database_url == url
    same = Settings(database_url="sqlite:///x/y.sqlite3", database_path=Path("x/y.sqlite3"))
    assert same.database_url == "sqlite:///x/y.sqlite3"
    # A copy that changes the path alone (as tests make them) opens that path.
    copy = Settings().model_copy(update={"database_path": Path("/tmp/copy.sqlite3")})
    assert storage_url(copy) == "sqlite:////tmp/copy.sqlite3"


@pytest.mark.usefixtures("clean_env")
def test_the_storage_the_settings_name_is_the_one_opened(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/bot.toml, no .env
    storage = open_storage(Settings(database_url=database_url))
    storage.record_answer(
        question="q", answered=True, corpus_version="v", shown=1, asker_id=1,
        passages=[StoredPassage("d", 1, "t")],
    )  # fmt: skip
    storage.close()
    assert query(database_url, "SELECT question FROM answers") == [("q",)]
    assert not (tmp_path / "data").exists()  # not the default file


@pytest.mark.usefixtures("clean_env")
def test_two_different_databases_or_a_bad_url_are_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", "other.sqlite3")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:{PASSWORD}@db:5432/newsqa")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message == (
        "invalid setting database_url (from environment variable DATABASE_URL): "
        "postgresql://bot@db:5432/newsqa is not the file database_path names "
        "(other.sqlite3): set only one of them"
    )
    monkeypatch.delenv("DATABASE_PATH")
    monkeypatch.setenv("DATABASE_URL", f"mysql://bot:{PASSWORD}@db/newsqa")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "must start with sqlite:/// " in str(raised.value)
    assert PASSWORD not in str(raised.value)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:{PASSWORD}@db/newsqa")
    assert PASSWORD not in repr(load_settings().settings)


def test_a_url_is_shown_without_its_password() -> None:
    assert describe_url(f"postgresql://bot:{PASSWORD}@db:5433/newsqa?sslmode=require") == (
        "postgresql://bot@db:5433/newsqa"
    )
    assert describe_url("sqlite:///data/newsqa.sqlite3") == "data/newsqa.sqlite3"


def test_an_unreachable_server_says_so_without_a_test_server() -> None:
    # Runs everywhere: a port nobody listens on needs no PostgreSQL server.
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{free_port()}/newsqa?connect_timeout=5"
    message = open_fails(url)
    assert "the server cannot be reached" in message and PASSWORD not in message

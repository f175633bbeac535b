"""Core fixtures: the repository root, documents made in code, the bundled index,
and an environment free of the host's settings. Discord fixtures live in
tests/discord/conftest.py."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.corpus import Corpus, Document, load_corpus
from bot.search.index import Index, build_index
from bot.settings import RENAMED, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root, wherever pytest is started from."""
    return REPO_ROOT


@pytest.fixture(scope="module")
def bundled_corpus() -> Corpus:
    return load_corpus(REPO_ROOT / "corpus", max_article_bytes=5_000_000)


@pytest.fixture(scope="module")
def bundled_index(bundled_corpus: Corpus) -> Index:
    """The bundled corpus indexed with default BM25 parameters, built once per module."""
    return build_index(bundled_corpus.documents)


MakeDocument = Callable[..., Document]


@pytest.fixture
def make_document() -> MakeDocument:
    """Build a Document in code: `make_document("id", "Paragraph one.", publisher="X")`."""

    def make(doc_id: str, *paragraphs: str, title: str | None = None, **metadata: str) -> Document:
        title = title or doc_id.replace("-", " ").title()
        return Document(doc_id, title, paragraphs, source=f"{doc_id}.md", **metadata)

    return make


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting comes from the host's environment (DISCORD_TOKEN, TOP_K, ... any case)."""
    names = set(Settings.model_fields) | set(RENAMED)
    for key in list(os.environ):
        if key.lower() in names:
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def cache_outside_the_working_tree(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading a corpus caches its analysis under `cache_dir`: in tests, one folder of the
    session's temporary directory (tests of the cache itself pass their own). Tests that
    use `clean_env` see the default, relative to the directory they run in."""
    monkeypatch.setenv("CACHE_DIR", str(tmp_path_factory.getbasetemp() / "newsqa-cache"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the test's own, once for each backend: a SQLite file,
    and a new schema (dropped after) in the PostgreSQL server that TEST_DATABASE_URL
    names, as `.ci/postgres` sets it up. Without that variable the PostgreSQL run is
    skipped, so README's test command needs no server; in CI (CI set) it fails instead."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
        return
    server = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not server:
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL is not set: CI runs these tests on PostgreSQL")
        pytest.skip("no PostgreSQL server: set TEST_DATABASE_URL (bash .ci/postgres pytest)")
    import psycopg

    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    yield f"{server}{separator}options={quote(f'-c search_path={schema}')}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")

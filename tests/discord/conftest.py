"""Fixtures for driving the real bot through simcord's in-memory Discord."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import simcord

from bot import Settings, create_bot
from bot.discord.client import QABot

REPO = Path(__file__).resolve().parents[2]
EXPECTS_ERROR_LOG = "expects_error_log"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{EXPECTS_ERROR_LOG}: the test provokes an ERROR log record on purpose (a bug path "
        "such as an unexpected exception); without it, any ERROR record fails the test",
    )


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_error_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test on any ERROR log record, from the bot's start to its shutdown: in
    production an ERROR is a traceback an operator has to read. A test that provokes one
    on purpose says so with `@pytest.mark.expects_error_log`."""
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if request.node.get_closest_marker(EXPECTS_ERROR_LOG) is None and handler.records:
        lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in handler.records]
        pytest.fail("ERROR logged during the test:\n" + "\n".join(lines), pytrace=False)


def make_settings(corpus_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: the given corpus, a database beside it, no cooldown, global sync,
    nothing from the host."""
    values: dict[str, object] = {
        "corpus_dir": corpus_dir,
        "database_path": corpus_dir.parent / "newsqa.sqlite3",
        "answer_in_thread": False,
        "discord_token": None,
        "guild_ids": [],
        "watch_channel_ids": [],
        "admin_role_ids": [],
        "question_cooldown_seconds": 0,
        "sync_commands": True,
        "message_content_intent": True,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A copy of the bundled corpus that a test may change."""
    folder = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", folder)
    return folder


@pytest.fixture
def bot_settings(corpus_dir: Path) -> Settings:
    return make_settings(corpus_dir)


@pytest.fixture
def simcord_bot(bot_settings: Settings) -> QABot:
    return create_bot(bot_settings)


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor
    admin: simcord.MemberActor
    admin_role: simcord.RoleHandle


@pytest.fixture
def world(simcord_env: simcord.Env) -> World:
    env = simcord_env
    guild = env.create_guild("News")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
    admin = guild.add_member(env.create_user("boss"), roles=[admin_role])
    return World(env, guild, channel, alice, admin, admin_role)


def requests_to(env: simcord.Env, method: str, path_part: str) -> list[simcord.HttpLogEntry]:
    """The REST calls the bot made, filtered, oldest first."""
    return [r for r in env.http_requests if r.method == method and path_part in r.path]


def sent_bodies(env: simcord.Env) -> list[dict[str, object]]:
    """Bodies of every message the bot sent or edited: channel messages, replies, interaction
    responses and followups."""
    bodies: list[dict[str, object]] = []
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if body is None:
            continue
        if "/interactions/" in request.path:
            data = body.get("data")
            if isinstance(data, dict) and ("content" in data or "embeds" in data):
                bodies.append(data)
        elif request.method in {"POST", "PATCH"} and (
            request.path.endswith("/messages") or "/webhooks/" in request.path
        ):
            bodies.append(body)
    return bodies

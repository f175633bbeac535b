"""Fixtures for driving the real bot through simcord's in-memory Discord."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
import simcord

from bot import Settings, create_bot
from bot.discord.client import QABot
from tests.discord.helpers import REPO, World, make_settings

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


@pytest.fixture
def world(simcord_env: simcord.Env) -> World:
    env = simcord_env
    guild = env.create_guild("News")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
    admin = guild.add_member(env.create_user("boss"), roles=[admin_role])
    return World(env, guild, channel, alice, admin, admin_role)

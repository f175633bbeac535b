"""`run_bot` stops with one line telling the operator what to do, never a traceback.

discord.py is pointed at a real HTTP and WebSocket server on 127.0.0.1 that answers as
Discord would (a rejected token, a refused intent), or at a closed port; never at Discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import discord
import pytest
import yarl
from aiohttp import web
from discord.gateway import DiscordWebSocket
from pydantic import SecretStr

from bot.cli import main
from bot.corpus import CorpusError
from bot.discord.client import INVALID_TOKEN_MESSAGE, StartupError, run_bot
from bot.settings import Settings
from bot.store.storage import StorageError

REPO = Path(__file__).resolve().parents[1]
GOOD_TOKEN = "good.token-for-the-local-server"
BAD_TOKEN = "rejected.token-never-to-be-printed"
DISALLOWED_INTENTS = 4014  # Discord's gateway close code for a privileged intent not enabled
APP_ID = 1234567890


def json_response(payload: dict[str, object], status: int = 200) -> web.Response:
    # discord.py reads a body as JSON only for exactly this content type (no charset).
    return web.Response(
        body=json.dumps(payload).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


@dataclass
class FakeDiscord:
    """A local server speaking the part of Discord's API that logging in and connecting use."""

    base: str = ""
    identified: list[dict[str, object]] = field(default_factory=list)

    async def me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {GOOD_TOKEN}":
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        user = {"id": str(APP_ID), "username": "newsqa", "discriminator": "0", "avatar": None}
        return json_response({**user, "bot": True})

    async def application(self, request: web.Request) -> web.Response:
        owner = {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}
        return json_response(
            {
                "id": str(APP_ID),
                "name": "newsqa",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        """Hello, then the identify, then the close Discord sends when an intent the
        application has not enabled in the Developer Portal is asked for."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for message in ws:
            payload = json.loads(message.data)
            if payload.get("op") == 2:
                self.identified.append(payload["d"])
                await ws.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
                break
        return ws


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_get("/api/v10/users/@me", fake.me)
    app.router.add_get("/api/v10/oauth2/applications/@me", fake.application)
    app.router.add_get("/gateway", fake.gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.base = f"http://127.0.0.1:{port}"
    point_discord_py_at(monkeypatch, fake.base)
    yield fake
    await runner.cleanup()


def point_discord_py_at(monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"{base}/api/v10")
    ws_base = base.replace("http://", "ws://")
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"{ws_base}/gateway"))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    return make_settings(tmp_path, corpus_dir=corpus)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "corpus_dir": tmp_path / "corpus",
        "database_path": tmp_path / "newsqa.sqlite3",
        "discord_token": GOOD_TOKEN,
        "guild_ids": [],
        "watch_channel_ids": [],
        "sync_commands": False,
        "message_content_intent": True,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def start(settings: Settings) -> BaseException:
    """What `run_bot` raised; it blocks, so it runs in a thread with its own event loop."""
    with pytest.raises(Exception) as raised:
        await asyncio.wait_for(asyncio.to_thread(run_bot, settings), timeout=60)
    return raised.value


def assert_one_line(error: BaseException) -> str:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message
    assert GOOD_TOKEN not in message and BAD_TOKEN not in message
    return message


async def test_a_token_discord_rejects_stops_start_up_in_one_line(
    fake_discord: FakeDiscord, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(update={"discord_token": SecretStr(BAD_TOKEN)})

    error = await start(settings)

    assert isinstance(error, StartupError)
    message = assert_one_line(error)
    assert "rejected the bot token" in message and "DISCORD_TOKEN" in message
    assert BAD_TOKEN not in caplog.text


async def test_the_message_content_intent_refused_says_where_to_enable_it(
    fake_discord: FakeDiscord, settings: Settings
) -> None:
    error = await start(settings)

    assert isinstance(error, StartupError)
    message = assert_one_line(error)
    assert "Developer Portal (Bot -> Privileged Gateway Intents" in message
    assert "message_content_intent = false" in message
    [identify] = fake_discord.identified  # it got as far as asking for the intent
    assert cast(int, identify["intents"]) & discord.Intents(message_content=True).value


async def test_discord_unreachable_stops_start_up_in_one_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_discord_py_at(monkeypatch, f"http://127.0.0.1:{closed_port()}")

    error = await start(settings)

    assert isinstance(error, StartupError)
    message = assert_one_line(error)
    assert message.startswith("cannot reach Discord (") and "127.0.0.1" in message


async def test_a_storage_fault_at_start_up_stops_it_with_the_storage_line(
    fake_discord: FakeDiscord, tmp_path: Path, settings: Settings
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("not a folder", encoding="utf-8")
    settings = settings.model_copy(update={"database_path": not_a_folder / "newsqa.sqlite3"})

    error = await start(settings)  # and closing the bot after it raised nothing else

    assert isinstance(error, StorageError)
    assert "a-file" in assert_one_line(error)


async def test_a_missing_corpus_at_start_up_stops_it_with_the_corpus_line(
    fake_discord: FakeDiscord, tmp_path: Path, settings: Settings
) -> None:
    settings = settings.model_copy(update={"corpus_dir": tmp_path / "no-such-folder"})

    error = await start(settings)

    assert isinstance(error, CorpusError)
    assert "no-such-folder" in assert_one_line(error)


async def test_a_text_only_bot_prints_no_voice_warnings(
    fake_discord: FakeDiscord,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in a fresh process without PyNaCl and davey: discord.py warns once per process.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    settings = settings.model_copy(update={"discord_token": SecretStr(BAD_TOKEN)})
    caplog.set_level(logging.WARNING)

    await start(settings)

    assert "voice" not in caplog.text


async def test_the_operator_sees_one_error_line_for_a_rejected_token(
    fake_discord: FakeDiscord,
    clean_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", BAD_TOKEN)
    monkeypatch.setenv("CORPUS_DIR", str(REPO / "corpus"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "newsqa.sqlite3"))

    code = await asyncio.to_thread(main, ["run"])

    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "Traceback" not in err and BAD_TOKEN not in err
    assert err.splitlines()[-1] == f"error: {INVALID_TOKEN_MESSAGE}"

"""/reload shows how far it has got in its private reply, then the report or the failure."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import aiohttp
import pytest

from bot import create_bot
from bot.discord.admin.cog import progress_shown
from bot.progress import Progress
from tests.discord.helpers import World, make_settings, requests_to

FAST = 0.05  # the smallest interval the settings allow
ARTICLES = 300


def write_articles(folder: Path, count: int) -> None:
    """Enough new articles that the reload has files to read and sentences to analyse."""
    for number in range(count):
        (folder / f"harbour-report-{number:03}.md").write_text(
            f'---\ntitle: "Harbour report {number}"\npublisher: "Example Wire"\n---\n'
            f"The harbour of town {number} handled {number * 17} ships in March. "
            f"Dock workers in town {number} asked for a new crane.\n\n"
            f"The mayor of town {number} promised a decision by the summer. "
            "Fishing crews said the winter had been calm.\n",
            encoding="utf-8",
        )


async def fast_progress(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, reload_progress_seconds=FAST)
    await world.env.restart_bot(create_bot(settings))


def original_edits(world: World) -> list[dict[str, object]]:
    """Every edit of an interaction's original response, oldest first: what its user saw."""
    return [r.json for r in requests_to(world.env, "PATCH", "/messages/@original")]


def progress_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "/reload progress" and not t.done()]


async def test_an_admin_sees_the_progress_then_the_report(world: World) -> None:
    await fast_progress(world)
    write_articles(world.env.bot.settings.corpus_dir, ARTICLES)

    result = await world.admin.slash(world.channel, "reload")

    *progress, report = original_edits(world)
    assert progress, "no progress line was shown"
    for edit in progress:
        line = edit["content"]
        assert isinstance(line, str) and line.startswith("Reloading the corpus… "), line
        assert " files, " in line and " articles, " in line and " sentences in " in line
    assert report["embeds"]  # the last edit is the report: no progress line lands after it
    assert result.ephemeral and result.response.content == ""  # the progress line is gone
    [embed] = result.response.embeds
    assert embed.title.startswith("Corpus reloaded — ")
    assert f"Added ({ARTICLES})" in [field.name for field in embed.fields]


async def test_a_failed_reload_ends_with_its_reason_and_its_progress_stops(
    world: World,
) -> None:
    await fast_progress(world)
    folder = world.env.bot.settings.corpus_dir
    version = world.env.bot.index.version
    shutil.rmtree(folder)
    folder.mkdir()

    result = await world.admin.slash(world.channel, "reload")

    [card] = result.response.embeds
    assert result.ephemeral and not result.response.content  # the progress line is gone
    assert card.title.startswith("Reload failed — still answering from the previous 3 articles")
    assert world.env.bot.index.version == version
    assert original_edits(world)[0]["content"].startswith("Reloading the corpus… ")
    assert progress_tasks() == []
    edits = len(original_edits(world))
    await world.env.advance_time(20 * FAST)  # many intervals later: nothing edits the reply
    assert len(original_edits(world)) == edits
    assert result.response.embeds[0].title.startswith("Reload failed — ")


async def test_a_refused_progress_edit_is_one_warning_and_the_reload_goes_on(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await fast_progress(world)
    # The first progress line is refused (here as if the interaction had expired).
    world.env.inject_error(
        "PATCH", "/webhooks/*/messages/@original", status=404, code=10015, times=1
    )

    result = await world.admin.slash(world.channel, "reload")

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "no longer showing progress" in w]) == 1
    [refused, report] = original_edits(world)  # no progress line after the refused one
    assert refused["content"].startswith("Reloading the corpus… ") and report["embeds"]
    assert result.response.embeds[0].title == "Corpus reloaded — 3 articles"
    assert world.env.errors == []  # nothing reached the command


class SlowReply:
    """An interaction whose edits take a moment to reach Discord."""

    def __init__(self) -> None:
        self.sending = asyncio.Event()
        self.shown: list[str] = []

    async def edit_original_response(self, *, content: str) -> None:
        self.sending.set()
        await asyncio.sleep(0.05)
        self.shown.append(content)


async def test_a_progress_edit_on_its_way_ends_before_the_final_reply() -> None:
    # A request cancelled on its way may still be applied by Discord, after the final reply.
    reply = SlowReply()

    async with progress_shown(reply, Progress(), every=60):  # type: ignore[arg-type]
        await asyncio.wait_for(reply.sending.wait(), timeout=5)

    assert len(reply.shown) == 1 and reply.shown[0].startswith("Reloading the corpus… ")
    assert progress_tasks() == []


async def test_a_reload_refused_at_once_shows_no_progress() -> None:
    # E.g. `ReloadBusy`: raised before the load starts, so no "Reloading" line flashes by.
    reply = SlowReply()

    with pytest.raises(RuntimeError, match="busy"):
        async with progress_shown(reply, Progress(), every=FAST):  # type: ignore[arg-type]
            raise RuntimeError("busy")

    assert progress_tasks() == []
    assert reply.shown == []


class RefusingReply:
    """An interaction whose edits never get through."""

    def __init__(self) -> None:
        self.tries = 0

    async def edit_original_response(self, *, content: str) -> None:
        self.tries += 1
        raise aiohttp.ClientConnectionError("connection reset")


async def test_a_refused_edit_ends_the_updates_for_good(caplog: pytest.LogCaptureFixture) -> None:
    reply = RefusingReply()

    async with progress_shown(reply, Progress(), every=FAST):  # type: ignore[arg-type]
        await asyncio.sleep(10 * FAST)  # many intervals

    assert reply.tries == 1
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "no longer showing progress (connection reset)" in warning.getMessage()
    assert progress_tasks() == []

"""/reload: guarded at run time, picks up changes, never stops answering."""

from __future__ import annotations

import asyncio
import shutil
import threading

import discord
import pytest
import simcord
from discord import app_commands

import bot.discord.client as client_module
from bot import create_bot
from bot.pipeline import load_index
from tests.discord.helpers import World, make_settings

QUESTION = "who led the Chinese delegation?"
NOT_UTF8 = b"caf\xe9 \x80 not UTF-8"
NEW_ARTICLE = """---
title: "Ministers agree on a fisheries treaty"
publisher: "Example Wire"
---
Fisheries ministers from twelve countries signed a treaty on cod quotas in Reykjavik.
"""


def reload_report(result: simcord.InteractionResult) -> discord.Embed:
    assert result.response is not None and result.response.ephemeral
    [embed] = result.response.embeds
    return embed


async def reload_command(world: World) -> app_commands.AppCommand:
    synced = await world.env.bot.tree.fetch_commands()
    return next(c for c in synced if c.name == "reload")


def field(embed: discord.Embed, prefix: str) -> str:
    return next(f.value for f in embed.fields if f.name.startswith(prefix))


FAILED_TITLE = "Reload failed — still answering from the previous 3 articles"


def failure_card(result: simcord.InteractionResult) -> discord.Embed:
    """The red card a failed reload ends with (privately, replacing the progress line)."""
    assert result.ephemeral and not result.response.content
    [card] = result.response.embeds
    assert card.title == FAILED_TITLE and card.colour == discord.Colour.red()
    return card


async def test_reload_is_hidden_from_members_by_default(world: World) -> None:
    assert "reload" not in world.alice.available_commands(world.channel)
    assert "reload" in world.admin.available_commands(world.channel)


async def test_reload_refuses_a_member_without_admin_rights_at_run_time(world: World) -> None:
    # A server admin can show the command to anyone; the runtime check still refuses.
    world.guild.set_command_permissions(await reload_command(world), {world.alice: True})
    version = world.env.bot.index.version

    result = await world.alice.slash(world.channel, "reload")

    simcord.assert_error(world.env, app_commands.CheckFailure)
    assert result.ephemeral and "Only administrators" in result.response.content
    assert world.env.bot.index.version == version


async def test_a_role_listed_in_settings_may_reload(world: World) -> None:
    editors = world.guild.create_role("Editors")
    editor = world.guild.add_member(world.env.create_user("ed"), roles=[editors])
    settings = make_settings(world.env.bot.settings.corpus_dir, admin_role_ids=[editors.id])
    await world.env.restart_bot(create_bot(settings))
    world.guild.set_command_permissions(await reload_command(world), {editors: True})

    result = await editor.slash(world.channel, "reload")
    report = reload_report(result)
    assert report.title == "Corpus reloaded — 3 articles"
    assert report.colour == discord.Colour.green()
    assert report.fields == []  # nothing added, removed, changed or skipped: no empty sections


async def test_reload_picks_up_added_changed_and_removed_files(world: World) -> None:
    folder = world.env.bot.settings.corpus_dir
    old_version = world.env.bot.index.version
    (folder / "fisheries-treaty.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (folder / "us-china-discuss-defense-ties.md").unlink()
    changed = folder / "pentagon-officials-host-chinese-counterparts.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe talks ended on Friday.\n")
    (folder / "broken.md").write_bytes(NOT_UTF8)

    result = await world.admin.slash(world.channel, "reload")

    report = reload_report(result)
    assert "fisheries-treaty" in field(report, "Added (1)")
    assert "us-china-discuss-defense-ties" in field(report, "Removed (1)")
    assert "pentagon-officials-host-chinese-counterparts" in field(report, "Changed (1)")
    assert "broken.md: not UTF-8" in field(report, "Skipped (1)")
    new_version = world.env.bot.index.version
    assert new_version != old_version and new_version in report.description
    assert report.title == "Corpus reloaded — 3 articles"

    answer = await world.alice.slash(world.channel, "ask", question="Who signed the cod treaty?")
    assert "Reykjavik" in answer.response.embeds[0].description


async def test_a_failed_reload_keeps_the_old_answers(world: World) -> None:
    folder = world.env.bot.settings.corpus_dir
    version = world.env.bot.index.version
    shutil.rmtree(folder)
    folder.mkdir()

    result = await world.admin.slash(world.channel, "reload")

    card = failure_card(result)
    assert "**Reason:** the corpus has no sentences to index" in card.description
    assert f"**Folder:** `{folder}`" in card.description  # names the folder it read
    assert world.env.bot.index.version == version
    answer = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "Song Yanchao" in answer.response.embeds[0].description


async def test_a_reload_that_yields_nothing_gives_each_files_reason(world: World) -> None:
    folder = world.env.bot.settings.corpus_dir
    version = world.env.bot.index.version
    for path in folder.glob("*.md"):
        path.unlink()
    (folder / "broken.md").write_bytes(NOT_UTF8)
    (folder / "empty.md").write_text("", encoding="utf-8")

    result = await world.admin.slash(world.channel, "reload")

    card = failure_card(result)
    reasons = field(card, "Skipped (2)")
    assert "broken.md: not UTF-8" in reasons and "empty.md: empty file" in reasons
    assert world.env.bot.index.version == version
    answer = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "Song Yanchao" in answer.response.embeds[0].description


async def test_the_reasons_of_a_failed_reload_fit_one_message(world: World) -> None:
    folder = world.env.bot.settings.corpus_dir
    for path in folder.glob("*.md"):
        path.unlink()
    for number in range(300):
        (folder / f"broken-article-with-a-long-name-{number:03}.md").write_bytes(NOT_UTF8)

    result = await world.admin.slash(world.channel, "reload")

    card = failure_card(result)
    reasons = field(card, "Skipped (300)")
    assert len(card) <= 6000 and len(reasons) <= 1024
    assert "broken-article-with-a-long-name-000.md: not UTF-8" in reasons
    shown = reasons.count(": not UTF-8")
    assert reasons.endswith(f"… and {300 - shown} more")


@pytest.mark.expects_error_log
async def test_an_unexpected_reload_error_is_logged_and_the_old_corpus_keeps_answering(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    version = world.env.bot.index.version

    def failing_load(settings, progress=None, previous=None):
        raise RuntimeError("a bug in loading")

    monkeypatch.setattr(client_module, "load_index", failing_load)

    result = await world.admin.slash(world.channel, "reload")

    assert failure_card(result).description.startswith("**Reason:** an unexpected error (logged)")
    assert world.env.bot.index.version == version
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged.exc_info is not None and "a bug in loading" in str(logged.exc_info[1])
    answer = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "Song Yanchao" in answer.response.embeds[0].description


async def test_questions_during_a_slow_reload_are_answered_from_the_old_index(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = world.env.bot
    folder = bot.settings.corpus_dir
    old_version = bot.index.version
    release = threading.Event()

    def slow_load(settings, progress=None, previous=None):  # runs in the reload's worker thread
        release.wait(timeout=10)
        return load_index(settings, progress, previous)

    monkeypatch.setattr(client_module, "load_index", slow_load)
    for path in folder.glob("*.md"):
        path.unlink()
    (folder / "fisheries-treaty.md").write_text(NEW_ARTICLE, encoding="utf-8")

    reload_task = asyncio.create_task(bot.reload_corpus())
    await asyncio.sleep(0)  # the reload has started and holds the lock
    assert bot.reloading

    during = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "Song Yanchao" in during.response.embeds[0].description
    busy = await world.admin.slash(world.channel, "reload")
    assert "already running" in busy.response.content

    release.set()
    report = await reload_task
    assert bot.index.version == report.index.version != old_version
    after = await world.alice.slash(world.channel, "ask", question=QUESTION)
    # The new corpus has no such sentence.
    assert after.response.embeds[0].title == "I couldn't find that in the news articles I have"


async def test_reload_is_not_available_in_direct_messages(world: World) -> None:
    user = world.env.create_user("dm-user")
    with pytest.raises(simcord.SetupError):
        await user.slash("reload")

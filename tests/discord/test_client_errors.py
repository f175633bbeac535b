"""The one error handler, and the messages that must never reach the log as errors."""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from tests.discord.helpers import World

QUESTION = "who led the Chinese delegation?"


async def test_mentioning_the_bot_with_a_question_logs_no_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    bot = world.env.bot
    # simcord's own listener swallows CommandNotFound; in production discord.py's default
    # handler runs instead and logs it, with a traceback, as an ERROR.
    for listener in list(bot.extra_events.get("on_command_error", [])):
        bot.remove_listener(listener, "on_command_error")

    await world.alice.send(world.channel, f"<@{bot.user.id}> {QUESTION}")

    assert "Song Yanchao" in world.channel.last_message.embeds[0].description
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_reply_to_an_expired_interaction_is_a_warning_not_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # What Discord answers to an edit or followup once the interaction's token has expired:
    # here to /reload's two, its first progress line (which ends the updates) and its report.
    world.env.inject_error(
        "*", "/webhooks/*", status=404, code=10015, message="Unknown Webhook", times=2
    )
    version = world.env.bot.index.version

    await world.admin.slash(world.channel, "reload")

    simcord.assert_error(world.env, discord.NotFound, code=10015)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("/reload: the interaction expired" in w for w in warnings)
    assert world.env.bot.index.version == version  # the bot carries on
    answer = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "Song Yanchao" in answer.response.embeds[0].description

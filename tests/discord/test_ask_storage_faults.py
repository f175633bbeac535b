"""A database that fails never costs the asker an answer: the answer is shown with its buttons
marked unavailable, clicks get a clear private note, and the log has one line."""

from __future__ import annotations

import logging
import sqlite3

import discord
import pytest
import simcord

from tests.discord.helpers import World, sent_bodies

QUESTION = "who led the Chinese delegation?"
UNAVAILABLE = "Votes and more passages are unavailable right now"


def buttons(message: discord.Message) -> list[tuple[str | None, bool]]:
    """(label, disabled) of every button under a message."""
    return [
        (child.label, child.disabled)  # type: ignore[union-attr]
        for row in message.components
        for child in row.children  # type: ignore[union-attr]
    ]


def bot_log(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot.") and r.levelno >= level]


def assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    # simcord hides discord.py's own error logging, so the log and its error list are both checked.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.simcord(settle_timeout=60)
async def test_ask_shows_the_answer_while_another_connection_locks_the_database(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    holder = sqlite3.connect(world.env.bot.settings.database_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.WARNING):
            result = await world.alice.slash(world.channel, "ask", question=QUESTION)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert "Song Yanchao" in result.response.embeds[0].description
    assert buttons(result.response.message) == [("Buttons unavailable", True)]
    [warning] = bot_log(caplog, logging.WARNING)
    assert "locked" in warning.getMessage() and "\n" not in warning.getMessage()
    assert_no_error_logged(caplog)
    simcord.assert_no_errors(world.env)


async def test_a_mention_is_answered_when_the_database_is_closed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.env.bot.storage.close()
    me = world.env.bot.user
    with caplog.at_level(logging.WARNING):
        asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")

    reply = world.channel.last_message
    assert reply.author.id == me.id and reply.reference.message_id == asked.id
    assert "Song Yanchao" in reply.embeds[0].description
    assert buttons(reply) == [("Buttons unavailable", True)]
    [warning] = bot_log(caplog, logging.WARNING)
    assert str(world.env.bot.settings.database_path) in warning.getMessage()
    assert_no_error_logged(caplog)
    simcord.assert_no_errors(world.env)
    assert all(body["allowed_mentions"]["parse"] == [] for body in sent_bodies(world.env))


async def test_a_declined_question_is_still_declined_when_the_database_is_closed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.env.bot.storage.close()
    with caplog.at_level(logging.WARNING):
        result = await world.alice.slash(
            world.channel, "ask", question="What is the recipe for pancakes?"
        )
    assert result.response.embeds[0].title.startswith("I couldn't find that")
    assert_no_error_logged(caplog)
    simcord.assert_no_errors(world.env)


async def test_buttons_say_they_are_unavailable_when_the_database_fails_after_the_answer(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    answer = world.channel.last_message
    world.env.bot.storage.close()

    with caplog.at_level(logging.WARNING):
        for row in answer.components:
            ids = [str(child.custom_id) for child in row.children]  # type: ignore[union-attr]
        for custom_id in ids:
            label = custom_id
            clicked = await world.alice.click(answer, custom_id=custom_id)
            assert clicked.ephemeral, label
            assert clicked.response.content.startswith(UNAVAILABLE), label
            assert "went wrong" not in clicked.response.content

    assert len(bot_log(caplog, logging.WARNING)) == 4
    assert_no_error_logged(caplog)
    simcord.assert_no_errors(world.env)
    assert world.channel.last_message.id == answer.id  # the answer itself is untouched


async def test_editing_or_deleting_a_question_with_the_database_closed_leaves_the_answer(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    me = world.env.bot.user
    asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")
    answer = world.channel.last_message
    world.env.bot.storage.close()

    with caplog.at_level(logging.WARNING):
        await world.alice.edit(asked, f"<@{me.id}> Which think tank does Sun Yun work for?")
        await world.alice.delete(asked)

    assert [m.id for m in world.channel.history()] == [answer.id]
    assert "Song Yanchao" in world.channel.history()[0].embeds[0].description
    assert len(bot_log(caplog, logging.WARNING)) == 2
    assert_no_error_logged(caplog)
    simcord.assert_no_errors(world.env)

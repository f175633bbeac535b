"""Buttons under answers (Show context, More quotes, quiet votes), kept working across
restarts; answers that follow their question's edits and deletion; answering in threads."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
import simcord

from bot import create_bot
from bot.render import escape_markdown
from tests.discord.helpers import World, make_settings

QUESTION = "who led the Chinese delegation?"


ANSWER_BUTTONS = ["Show context", "More quotes (5)", "👍", "👎"]


def labels(message: discord.Message) -> list[str]:
    """Each button's label, or its emoji when it has no label."""
    return [
        child.label or str(child.emoji)  # type: ignore[union-attr]
        for row in message.components
        for child in row.children
    ]


def button_id(message: discord.Message, action: str) -> str:
    """The custom id of the answer button doing `action` (up, down, more, context)."""
    for row in message.components:
        for child in row.children:
            custom_id = getattr(child, "custom_id", None) or ""
            if custom_id.startswith(f"answer:{action}:"):
                return str(custom_id)
    raise AssertionError(f"no {action} button")


def votes(world: World, message: discord.Message) -> tuple[int, int]:
    """The votes the database holds for the answer `message` shows."""
    count = world.env.bot.storage.votes(answer_id(message))
    return count.up, count.down


def answer_id(message: discord.Message) -> int:
    return int(button_id(message, "up").rsplit(":", 1)[1])


async def ask_in_channel(
    world: World, question: str = QUESTION
) -> tuple[discord.Message, discord.Message]:
    asked = await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {question}")
    return asked, world.channel.last_message


async def test_every_answer_carries_context_more_and_quiet_vote_buttons(world: World) -> None:
    _, answer = await ask_in_channel(world)
    assert labels(answer) == ANSWER_BUTTONS
    buttons = [child for row in answer.components for child in row.children]
    assert all(b.style is discord.ButtonStyle.secondary for b in buttons)  # type: ignore[union-attr]

    result = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert labels(result.response.message) == ANSWER_BUTTONS


async def test_more_is_absent_when_nothing_more_matches(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, more_passages=0)
    await world.env.restart_bot(create_bot(settings))
    _, answer = await ask_in_channel(world)
    assert labels(answer) == ["Show context", "👍", "👎"]


async def test_a_declined_question_gets_no_buttons(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="What is the recipe for pancakes?"
    )
    assert result.response.components == []


async def test_more_shows_the_next_passages_privately(world: World) -> None:
    _, answer = await ask_in_channel(world)
    shown = answer.embeds[0].description

    more = await world.admin.click(answer, label="More quotes (5)")

    assert more.ephemeral
    [embed] = more.response.embeds
    assert embed.description and embed.description.split("\n\n")[0] not in shown
    assert world.channel.history()[-1].id == answer.id  # nothing new in public


async def test_context_shows_each_quote_among_its_neighbours(world: World) -> None:
    _, answer = await ask_in_channel(world)

    context = await world.alice.click(answer, label="Show context")

    assert context.ephemeral
    description = context.response.embeds[0].description
    lines = description.splitlines()
    # One block a source, numbered as in the answer, each sentence whole on its own line,
    # the quoted ones as quotes.
    assert "**1** · Pentagon Officials Host Chinese Counterparts for High-Level Talks" in lines[0]
    assert "sentences 2-6" in lines[0]  # sentence 4 with two on each side
    for passage in world.env.bot.storage.answer(answer_id(answer)).passages[:3]:
        assert f"> {escape_markdown(passage.text)}" in lines
    assert any(line.startswith("**2** · China and US military leaders meet") for line in lines)
    assert "United States and China flags." not in description  # a caption
    assert "…" not in description.replace("\n…\n", "")  # nothing cut


async def test_a_vote_counts_once_per_user_and_clicking_again_takes_it_back(world: World) -> None:
    _, answer = await ask_in_channel(world)
    up, down = button_id(answer, "up"), button_id(answer, "down")

    thanks = await world.alice.click(answer, custom_id=up)
    assert thanks.ephemeral and thanks.response.content.startswith("Thanks — recorded")
    assert "click again to undo" in thanks.response.content.casefold()
    assert votes(world, answer) == (1, 0)
    await world.admin.click(answer, custom_id=up)
    assert votes(world, answer) == (2, 0)
    changed = await world.alice.click(answer, custom_id=down)  # alice changes her mind
    assert votes(world, answer) == (1, 1)
    assert changed.ephemeral and changed.response.components  # "what was wrong?"
    undone = await world.alice.click(answer, custom_id=down)  # and takes it back
    assert undone.ephemeral and "taken back" in undone.response.content
    assert votes(world, answer) == (1, 0)
    # The card itself never changes: no counts on it.
    assert labels(world.channel.last_message) == ANSWER_BUTTONS


async def test_a_thumbs_down_may_say_what_was_wrong(world: World) -> None:
    _, answer = await ask_in_channel(world)
    asked = await world.alice.click(answer, custom_id=button_id(answer, "down"))

    noted = await world.alice.select(asked.response, ["hard-to-read"])

    assert noted.response.content == "Thanks — noted."
    [exported] = world.env.bot.storage.export()
    assert exported["down"] == 1 and exported["down_reasons"] == {"hard-to-read": 1}


async def test_buttons_keep_working_after_a_restart(world: World) -> None:
    _, answer = await ask_in_channel(world)
    await world.alice.click(answer, custom_id=button_id(answer, "up"))

    await world.env.restart_bot(create_bot(world.env.bot.settings))

    more = await world.alice.click(world.channel.last_message, label="More quotes (5)")
    assert more.acknowledged and more.response.embeds
    context = await world.alice.click(world.channel.last_message, label="Show context")
    assert "Song Yanchao" in context.response.embeds[0].description
    await world.admin.click(world.channel.last_message, custom_id=button_id(answer, "up"))
    assert votes(world, answer) == (2, 0)


async def test_context_after_the_corpus_changed_says_the_passage_is_gone(world: World) -> None:
    _, answer = await ask_in_channel(world)
    folder = world.env.bot.settings.corpus_dir
    for path in folder.glob("*.md"):
        if path.name != "us-china-discuss-defense-ties.md":
            path.unlink()
    await world.admin.slash(world.channel, "reload")

    context = await world.alice.click(answer, label="Show context")
    description = context.response.embeds[0].description
    assert "3 quoted sentences are no longer in the corpus." in description
    more = await world.alice.click(answer, label="More quotes (5)")
    assert more.ephemeral and "corpus has changed" in more.response.content


async def test_editing_the_question_edits_the_answer(world: World) -> None:
    asked, answer = await ask_in_channel(world)

    await world.alice.edit(
        asked, f"<@{world.env.bot.user.id}> Which think tank does Sun Yun work for?"
    )

    edited = next(m for m in world.channel.history() if m.id == answer.id)
    assert "Stimson Center" in edited.embeds[0].description
    assert labels(edited)[0] == "Show context"  # a new answer, new buttons
    assert button_id(edited, "up") != button_id(answer, "up")
    assert len(world.channel.history()) == 2


async def test_deleting_the_question_deletes_the_answer(world: World) -> None:
    asked, _ = await ask_in_channel(world)
    await world.alice.delete(asked)
    assert world.channel.history() == []


async def test_in_thread_mode_answers_go_to_a_thread_and_follow_ups_are_answered_there(
    world: World,
) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, answer_in_thread=True)
    await world.env.restart_bot(create_bot(settings))

    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")

    question = world.channel.history()[0]
    [thread] = world.channel.threads
    first = thread.history()[-1]
    assert "Song Yanchao" in first.embeds[0].description

    await world.alice.send(thread, "Who is Eli Ratner?")  # no mention needed in the bot's thread
    assert "Assistant Secretary of Defense" in thread.history()[-1].embeds[0].description
    # The channel itself only shows the question and Discord's "thread created" notice.
    types = [m.type for m in world.channel.history()]
    assert types == [discord.MessageType.default, discord.MessageType.thread_created]
    assert world.channel.history()[0].id == question.id


async def test_a_button_from_a_lost_database_says_the_answer_is_no_longer_on_record(
    world: World, tmp_path: Path
) -> None:
    _, old_answer = await ask_in_channel(world)
    # The database is lost: the bot comes back with a new, empty one and answers again.
    settings = make_settings(
        world.env.bot.settings.corpus_dir, database_path=tmp_path / "replacement.sqlite3"
    )
    await world.env.restart_bot(create_bot(settings))
    await ask_in_channel(world, "Which think tank does Sun Yun work for?")

    new_answer = world.channel.history()[-1]
    for action in ("more", "context", "up"):
        clicked = await world.alice.click(old_answer, custom_id=button_id(old_answer, action))
        assert clicked.ephemeral, action
        assert clicked.response.content == "That answer is no longer on record; ask again."
    assert votes(world, new_answer) == (0, 0)  # no vote went anywhere


async def test_context_finds_the_quote_after_a_reload_added_a_sentence_before_it(
    world: World,
) -> None:
    _, answer = await ask_in_channel(world)
    article = world.env.bot.settings.corpus_dir / "pentagon-officials-host-chinese-counterparts.md"
    first = "Senior U.S. and Chinese military officials met at the Pentagon this week"
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace(first, "Reporters waited outside the building in the rain.\n\n" + first),
        encoding="utf-8",
    )
    await world.admin.slash(world.channel, "reload")

    context = await world.alice.click(answer, label="Show context")

    description = context.response.embeds[0].description
    assert "no longer in the corpus" not in description
    assert "> Michael S. Chase" in description and "Song Yanchao" in description
    assert "sentences 3-7" in description  # now sentence 5, two on each side


async def test_a_question_edited_away_and_back_is_answered_again(world: World) -> None:
    asked, answer = await ask_in_channel(world)

    await world.alice.edit(asked, "never mind, found it")  # no longer asks the bot
    assert [m.id for m in world.channel.history()] == [asked.id]

    await world.alice.edit(asked, f"<@{world.env.bot.user.id}> {QUESTION}")
    history = world.channel.history()
    assert len(history) == 2 and history[1].id != answer.id
    assert history[1].reference is not None and history[1].reference.message_id == asked.id
    assert "Song Yanchao" in history[1].embeds[0].description
    assert labels(history[1]) == ANSWER_BUTTONS

    await world.alice.delete(asked)  # the new answer is tracked like the first
    assert world.channel.history() == []


async def thread_mode(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, answer_in_thread=True)
    await world.env.restart_bot(create_bot(settings))


async def test_in_thread_mode_a_bare_mention_is_answered_in_place_without_a_thread(
    world: World,
) -> None:
    await thread_mode(world)
    asked = await world.alice.send(world.channel, f"<@{world.env.bot.user.id}>")

    assert world.channel.threads == []
    reply = world.channel.last_message
    assert reply.reference is not None and reply.reference.message_id == asked.id
    assert reply.embeds[0].title == "Ask me about the news"  # the help card


async def test_in_thread_mode_deleting_the_question_removes_the_bots_own_thread(
    world: World,
) -> None:
    await thread_mode(world)
    asked = await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    [thread] = world.channel.threads
    assert [m.author.id for m in thread.history()] == [world.env.bot.user.id]

    await world.alice.delete(asked)

    assert world.channel.threads == []


async def test_in_thread_mode_a_thread_someone_wrote_in_stays_when_the_question_goes(
    world: World,
) -> None:
    await thread_mode(world)
    me = world.env.bot.user
    asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")
    [thread] = world.channel.threads
    first_answer = thread.history()[-1]
    await world.alice.send(thread, "lunch anyone?")  # nothing the corpus knows: no reply
    await world.alice.send(thread, "Who is Eli Ratner?")
    assert [m.author.id for m in thread.history()] == [me.id, world.alice.id, world.alice.id, me.id]

    await world.alice.delete(asked)

    assert [t.id for t in world.channel.threads] == [thread.id]
    remaining = thread.history()
    assert first_answer.id not in [m.id for m in remaining]  # its answer went with it
    assert [m.author.id for m in remaining] == [world.alice.id, world.alice.id, me.id]


async def test_in_thread_mode_a_question_edited_away_takes_its_thread_and_comes_back_in_place(
    world: World,
) -> None:
    await thread_mode(world)
    me = world.env.bot.user
    asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")
    assert len(world.channel.threads) == 1

    await world.alice.edit(asked, "never mind")
    assert world.channel.threads == []

    await world.alice.edit(asked, f"<@{me.id}> {QUESTION}")
    reply = world.channel.last_message
    assert reply.reference is not None and reply.reference.message_id == asked.id
    assert "Song Yanchao" in reply.embeds[0].description


async def test_in_thread_mode_an_answer_is_given_in_place_when_no_thread_can_be_made(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await thread_mode(world)
    world.env.inject_error("POST", "/channels/*/messages/*/threads", status=403, code=50013)

    with caplog.at_level(logging.WARNING):
        asked = await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")

    reply = world.channel.last_message
    assert reply.reference is not None and reply.reference.message_id == asked.id
    assert "Song Yanchao" in reply.embeds[0].description
    assert "no thread" in caplog.text
    simcord.assert_no_errors(world.env)


@pytest.mark.expects_error_log  # a bug's traceback is what the log should keep
async def test_a_button_that_fails_unexpectedly_gets_an_apology_not_silence(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # On main, discord.py logged a dynamic item's error and the user saw nothing.
    import bot.discord.answers as answers

    _, answer = await ask_in_channel(world)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("context exploded")

    monkeypatch.setattr(answers, "context_embed", broken)
    with caplog.at_level(logging.ERROR):
        context = await world.alice.click(answer, label="Show context")

    assert context.ephemeral and "Sorry" in context.response.content
    assert "context exploded" in caplog.text

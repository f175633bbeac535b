"""Asking in a channel and with /ask: what the asker sees, and who gets pinged (nobody)."""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from bot import create_bot
from tests.discord.helpers import World, make_settings, requests_to, sent_bodies

QUESTION = "who led the Chinese delegation?"


async def test_a_mention_gets_a_reply_with_quotes_and_citations(world: World) -> None:
    me = world.env.bot.user
    asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")

    reply = world.channel.last_message
    assert reply.author.id == me.id
    assert reply.reference is not None and reply.reference.message_id == asked.id
    [embed] = reply.embeds
    assert embed.title is None  # the reply's preview shows the question already
    first_quote = embed.description.split("\n\n")[0]
    assert "**Song Yanchao**" in first_quote  # what answers in bold
    assert "**delegation**" not in embed.description  # not the asker's own words
    assert first_quote.endswith("\\[1\\]")
    sources = embed.description.split("**Sources**\n")[1].splitlines()
    assert sources == [
        "**1** · Pentagon Officials Host Chinese Counterparts for High-Level Talks · DOD News · "
        "Joseph Clark",
        "**2** · China and US military leaders meet in Washington for defense talks · "
        "IRIA - International Relations Insights & Analysis",
    ]
    assert "sentence" not in embed.description  # positions are for JSON and Context
    assert embed.footer.text == "Quoted word for word from 2 of 3 articles · /sources lists them"


async def test_a_quote_spanning_two_sentences_cites_both(world: World) -> None:
    question = "Who was chief of staff at the expanded bilateral meeting in California?"
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {question}")

    [embed] = world.channel.last_message.embeds
    first_quote = embed.description.split("\n\n")[0]
    assert "expanded bilateral meeting in California" in first_quote  # where it matched
    assert "**Cai Qi**" in first_quote  # the next sentence names him


async def test_the_bot_shows_typing_while_it_answers(world: World) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    assert requests_to(world.env, "POST", f"/channels/{world.channel.id}/typing")


async def test_messages_not_for_the_bot_are_ignored(world: World) -> None:
    await world.alice.send(world.channel, QUESTION)  # not a watched channel, no mention
    role = world.guild.create_role("Everyone who reads")
    await world.alice.send(world.channel, f"<@&{role.id}> {QUESTION}")  # a role, not the bot
    assert [m.author.id for m in world.channel.history()] == [world.alice.id] * 2


async def test_a_question_in_a_watched_channel_is_answered(world: World) -> None:
    watched = world.guild.create_text_channel("ask-here")
    settings = make_settings(world.env.bot.settings.corpus_dir, watch_channel_ids=[watched.id])
    await world.env.restart_bot(create_bot(settings))

    await world.alice.send(watched, QUESTION)
    await world.alice.send(watched, "thanks, that helps")  # not a question: no reply

    authors = [m.author.id for m in watched.history()]
    assert authors == [world.alice.id, world.env.bot.user.id, world.alice.id]
    assert "Song Yanchao" in watched.history()[1].embeds[0].description


async def test_messages_from_bots_and_webhooks_are_ignored(world: World) -> None:
    other_bot = world.guild.add_member(world.env.create_user("otherbot", bot=True))
    me = world.env.bot.user
    await other_bot.send(world.channel, f"<@{me.id}> {QUESTION}")
    hook = world.guild.create_webhook(world.channel, "news-feed")
    await hook.send(f"<@{me.id}> {QUESTION}")
    assert all(m.author.id != me.id for m in world.channel.history())


async def test_without_message_content_mentions_are_still_answered(
    world: World, caplog: object
) -> None:
    settings = make_settings(
        world.env.bot.settings.corpus_dir,
        message_content_intent=False,
        watch_channel_ids=[world.channel.id],
    )
    with caplog.at_level(logging.WARNING):  # type: ignore[attr-defined]
        await world.env.restart_bot(create_bot(settings))
    assert "message content intent is off" in caplog.text  # type: ignore[attr-defined]

    await world.alice.send(world.channel, QUESTION)  # content hidden from the bot: no reply
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    authors = [m.author.id for m in world.channel.history()]
    assert authors == [world.alice.id, world.alice.id, world.env.bot.user.id]


async def test_ask_answers_publicly_under_the_question(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)

    assert result.acknowledged and not result.ephemeral
    [embed] = result.response.embeds
    assert embed.title == QUESTION  # Discord does not show a command's options
    assert "Song Yanchao" in embed.description


async def test_ask_private_is_seen_by_the_asker_only(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question=QUESTION, private=True)
    assert result.ephemeral
    assert world.channel.history() == []
    assert [m.id for m in world.channel.history(viewer=world.alice)] == [result.response.id]


async def test_ask_declares_its_length_limit(world: World) -> None:
    try:
        await world.alice.slash(world.channel, "ask", question="x" * 501)
    except simcord.OptionError as error:
        assert error.code == "option-length"
    else:
        raise AssertionError("a 501-character question was accepted by Discord")


async def test_a_question_the_corpus_cannot_answer_is_declined_with_closest_sources(
    world: World,
) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="What is the recipe for pancakes?"
    )
    assert result.ephemeral  # a decline helps the asker only
    [card] = result.response.embeds
    assert card.title == "I couldn't find that in the news articles I have"
    assert card.colour != discord.Colour.blurple()
    assert "No sentence in the 3 articles I search answers this." in card.description
    assert "`/sources`" in card.description and "for example “Who is" in card.description

    result = await world.alice.slash(
        world.channel, "ask", question="When did the delegation eat pancakes?"
    )
    closest = [
        line for line in result.response.embeds[0].description.splitlines() if line[:2] == "- "
    ]
    titles = {d.title for d in world.env.bot.index.documents}
    assert closest and all(line[2:] in titles for line in closest)  # one article a line


async def test_a_decline_is_public_when_the_asker_says_so(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="What is the recipe for pancakes?", private=False
    )
    assert not result.ephemeral
    assert result.response.embeds[0].title == "I couldn't find that in the news articles I have"


async def test_an_empty_question_gets_the_help_card(world: World) -> None:
    for question in ("", "the"):
        await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {question}")
        [card] = world.channel.last_message.embeds
        assert card.title == "Ask me about the news"
        assert (
            "3 articles from IRIA - International Relations Insights & Analysis and DOD News"
            in (card.description)
        )
        assert "`/ask`" in card.description and "`/sources`" in card.description
        assert "For example: “Who is " in card.description


async def test_everyone_in_a_question_pings_nobody(world: World) -> None:
    me = world.env.bot.user
    await world.alice.send(world.channel, f"<@{me.id}> @everyone {QUESTION}")
    await world.alice.slash(
        world.channel, "ask", question=f"@everyone <@{world.alice.id}> {QUESTION}"
    )

    bodies = sent_bodies(world.env)
    assert len(bodies) >= 2
    for body in bodies:
        assert body["allowed_mentions"]["parse"] == []
        assert not body["allowed_mentions"].get("replied_user")
        assert not body["allowed_mentions"].get("users") and not body["allowed_mentions"].get(
            "roles"
        )


async def test_the_cooldown_sends_a_private_note_with_the_wait(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, question_cooldown_seconds=60)
    await world.env.restart_bot(create_bot(settings))

    first = await world.alice.slash(world.channel, "ask", question=QUESTION)
    second = await world.alice.slash(world.channel, "ask", question=QUESTION)

    assert first.response.embeds
    assert second.ephemeral
    assert "again in 60 s" in second.response.content or "again in 59 s" in second.response.content
    other = await world.admin.slash(world.channel, "ask", question=QUESTION)  # per user
    assert other.response.embeds


@pytest.mark.expects_error_log  # the traceback of a bug is what the log should keep
async def test_an_unexpected_error_gets_an_apology_and_the_bot_carries_on(
    world: World, monkeypatch: object, caplog: object
) -> None:
    import bot.discord.answers as answers

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(answers, "ask", broken)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR):  # type: ignore[attr-defined]
        failed = await world.alice.slash(world.channel, "ask", question=QUESTION)
    simcord.assert_error(world.env, RuntimeError, contains="index exploded")
    assert "index exploded" in caplog.text  # type: ignore[attr-defined]  # the log has the traceback

    # /ask had deferred publicly, so the apology fills in its "thinking..." message.
    assert "Sorry" in failed.response.content and "exploded" not in failed.response.content

    private = await world.alice.slash(world.channel, "ask", question=QUESTION, private=True)
    simcord.assert_error(world.env, RuntimeError, contains="index exploded")
    assert private.response.ephemeral and "Sorry" in private.response.content

    monkeypatch.undo()  # type: ignore[attr-defined]
    works = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert works.response.embeds


async def test_answers_are_logged_with_timing(world: World, caplog: object) -> None:
    with caplog.at_level(logging.INFO, logger="bot.discord.ask"):  # type: ignore[attr-defined]
        await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answered")]  # type: ignore[attr-defined]
    assert f"channel={world.channel.id}" in line and "answered=True" in line and "ms=" in line


def test_create_bot_shards_when_asked(tmp_path: object) -> None:
    from pathlib import Path

    settings = make_settings(Path("corpus"), shard_count=2, shard_ids=[0, 1])
    bot = create_bot(settings)
    assert isinstance(bot, discord.AutoShardedClient)
    assert bot.shard_count == 2 and bot.shard_ids == [0, 1]
    assert not isinstance(create_bot(make_settings(Path("corpus"))), discord.AutoShardedClient)


async def test_a_watched_channel_stays_silent_for_questions_the_corpus_cannot_match(
    world: World,
) -> None:
    watched = world.guild.create_text_channel("ask-here")
    settings = make_settings(world.env.bot.settings.corpus_dir, watch_channel_ids=[watched.id])
    await world.env.restart_bot(create_bot(settings))
    me = world.env.bot.user

    for chatter in ("?", "what?", "lunch anyone?", "<@&1> ok?"):
        await world.alice.send(watched, chatter)
    assert all(m.author.id == world.alice.id for m in watched.history())

    await world.alice.send(watched, "||who led the **Chinese** delegation?||")  # a real question
    assert "Song Yanchao" in watched.last_message.embeds[0].description
    await world.alice.send(watched, f"<@{me.id}> what?")  # a mention is always answered
    assert watched.last_message.embeds[0].title == "Ask me about the news"
    result = await world.alice.slash(watched, "ask", question="lunch anyone?")  # so is /ask
    assert result.response.embeds[0].title.startswith("I couldn't find that")


async def test_discord_tokens_and_markdown_in_a_question_are_not_search_terms(
    world: World,
) -> None:
    me = world.env.bot.user
    tokens = "<@&1> <@2> <@!3> <:wave:4> <a:dance:5> <#6> <t:1700000000:R> </ask:7> @everyone"
    await world.alice.send(world.channel, f"<@{me.id}> {tokens}")
    assert world.channel.last_message.embeds[0].title == "Ask me about the news"

    marked = f"<@{me.id}> {tokens} **who** led the ~~Chinese~~ `delegation`?"
    await world.alice.send(world.channel, marked)
    [embed] = world.channel.last_message.embeds
    assert "**Song Yanchao**" in embed.description  # searched as the plain question

    result = await world.alice.slash(world.channel, "ask", question=f"<#6> __{QUESTION}__")
    assert result.response.embeds[0].title == QUESTION


async def test_an_edited_question_counts_toward_the_cooldown(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, question_cooldown_seconds=60)
    await world.env.restart_bot(create_bot(settings))
    me = world.env.bot.user
    asked = await world.alice.send(world.channel, f"<@{me.id}> {QUESTION}")
    answer = world.channel.last_message

    for _ in range(5):
        await world.alice.edit(asked, f"<@{me.id}> Which think tank does Sun Yun work for?")
        await world.alice.edit(asked, f"<@{me.id}> Who is Eli Ratner?")

    # No edit was answered: the answer still quotes the first question, never edited.
    assert "Song Yanchao" in world.channel.history()[1].embeds[0].description
    assert requests_to(world.env, "PATCH", f"/messages/{answer.id}") == []
    waits = [b for b in sent_bodies(world.env) if str(b.get("content", "")).startswith("Slow")]
    assert len(waits) == 10


async def test_the_cooldown_lets_a_user_ask_again_once_it_has_passed(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, question_cooldown_seconds=30)
    await world.env.restart_bot(create_bot(settings))

    assert (await world.alice.slash(world.channel, "ask", question=QUESTION)).response.embeds
    assert (await world.alice.slash(world.channel, "ask", question=QUESTION)).ephemeral
    await world.env.advance_time(31)
    assert (await world.alice.slash(world.channel, "ask", question=QUESTION)).response.embeds

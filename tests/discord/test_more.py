"""More shows the passages stored with the answer, whatever the ranking settings are now; the
answer buttons work while the ask feature that owns them is loaded."""

from __future__ import annotations

import re

import discord

from bot import create_bot
from bot.pipeline import ask
from bot.qa.answer import Answer
from tests.discord.helpers import World, make_settings

QUESTION = "who led the Chinese delegation?"


def labels(message: discord.Message) -> list[str]:
    return [child.label for row in message.components for child in row.children]  # type: ignore[union-attr]


def full_answer(world: World) -> Answer:
    """The answer the bot gives now, with the passages for More (the public answer path)."""
    settings = world.env.bot.settings
    k = settings.top_k + settings.more_passages
    return ask(world.env.bot.index, QUESTION, settings, k=k)


def plain(markdown: str) -> str:
    """Embed Markdown as the reader sees it: no bold markers, no escapes."""
    return markdown.replace("**", "").replace("\\", "")


def numbered_sources(description: str) -> dict[str, str]:
    """Each source line's title by its number, from a card's Sources block."""
    lines = description.split("**Sources**\n", 1)[1].splitlines()
    found = (re.match(r"\*\*(\d+)\*\* · ([^·]+)", line) for line in lines)
    return {m[2].strip(): m[1] for m in found if m}


async def test_more_after_a_restart_shows_exactly_what_it_showed_before(world: World) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    before = await world.alice.click(world.channel.last_message, label="More quotes (5)")

    await world.env.restart_bot(create_bot(world.env.bot.settings))
    more = await world.alice.click(world.channel.last_message, label="More quotes (5)")

    [embed] = more.response.embeds
    assert embed.description == before.response.embeds[0].description


async def test_more_keeps_the_answers_numbers(world: World) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    answer = world.channel.last_message
    more = await world.alice.click(answer, label="More quotes (5)")

    in_answer = numbered_sources(answer.embeds[0].description)
    in_more = numbered_sources(more.response.embeds[0].description)
    shared = in_answer.keys() & in_more.keys()
    assert shared and all(in_answer[title] == in_more[title] for title in shared)
    # A source the answer did not cite takes the next number.
    for title in in_more.keys() - in_answer.keys():
        assert int(in_more[title]) > len(in_answer)
    # Each quote in More cites a number its Sources block lists.
    cited = set(re.findall(r"\\\[(\d+)\\\]", more.response.embeds[0].description))
    assert cited == set(in_more.values())


async def test_more_after_a_restart_with_new_ranking_settings_shows_the_stored_passages(
    world: World,
) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    top_k = world.env.bot.settings.top_k
    stored = [p.sentence for p in full_answer(world).passages[top_k:]]

    # Ranking settings are not part of the corpus version: the same corpus, ordered anew.
    reranked = make_settings(world.env.bot.settings.corpus_dir, paragraph_weight=0.0)
    await world.env.restart_bot(create_bot(reranked))
    assert [p.sentence for p in full_answer(world).passages[top_k:]] != stored

    more = await world.alice.click(world.channel.last_message, label="More quotes (5)")

    assert more.ephemeral
    shown = plain(more.response.embeds[0].description)
    at = [shown.find(sentence.text) for sentence in stored]
    assert -1 not in at and at == sorted(at)  # every stored passage, in the stored order
    assert "**" in more.response.embeds[0].description  # matched words still in bold


async def test_answer_buttons_work_while_the_ask_feature_is_loaded(world: World) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    answer = world.channel.last_message
    bot = world.env.bot

    await bot.unload_extension("bot.discord.ask")
    up = next(
        str(child.custom_id)  # type: ignore[union-attr]
        for row in answer.components
        for child in row.children
        if str(getattr(child, "custom_id", "")).startswith("answer:up:")
    )
    ignored = await world.alice.click(answer, custom_id=up)
    assert not ignored.acknowledged

    await bot.load_extension("bot.discord.ask")
    thanks = await world.alice.click(answer, custom_id=up)
    assert thanks.ephemeral and thanks.response.content.startswith("Thanks — recorded")

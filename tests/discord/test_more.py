"""More shows the passages stored with the answer, whatever the ranking settings are now; the
answer buttons work while the ask feature that owns them is loaded."""

from __future__ import annotations

import discord

from bot import create_bot
from bot.discord.embeds import answer_embed
from bot.pipeline import ask
from bot.qa.answer import Answer, window
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


async def test_more_after_a_restart_shows_exactly_what_it_showed_before(world: World) -> None:
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> {QUESTION}")
    before = answer_embed(window(full_answer(world), world.env.bot.settings.top_k))

    await world.env.restart_bot(create_bot(world.env.bot.settings))
    more = await world.alice.click(world.channel.last_message, label="More")

    [embed] = more.response.embeds
    assert embed.description == before.description
    assert [(f.name, f.value) for f in embed.fields] == [(f.name, f.value) for f in before.fields]


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

    more = await world.alice.click(world.channel.last_message, label="More")

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
    ignored = await world.alice.click(answer, label="👍 0")
    assert not ignored.acknowledged

    await bot.load_extension("bot.discord.ask")
    await world.alice.click(answer, label="👍 0")
    assert labels(world.channel.last_message)[2:] == ["👍 1", "👎 0"]

"""A question about the articles themselves gets a card of their details, cited and
linked, that says it is not a quote; a question about a name the articles never
mention gets a decline card naming it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Document
from bot.discord.embeds import answer_embed
from bot.qa.about import SourceFact
from bot.qa.answer import Answer
from bot.search.query import SourceField
from tests.discord.helpers import World
from tests.discord.test_ask_embeds import URLS, assert_within_discord_limits, long_text
from tests.discord.test_buttons import labels


async def test_who_wrote_an_article_is_answered_from_its_byline(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="Who wrote the DOD News article?"
    )
    assert not result.ephemeral
    [card] = result.response.embeds
    assert card.title == "Who wrote the DOD News article?"
    lines = card.description.splitlines()
    assert lines[0] == "**Joseph Clark** — byline of \\[1\\]"
    assert lines[-1] == (
        "**1** · Pentagon Officials Host Chinese Counterparts for High-Level Talks · DOD News · "
        "Joseph Clark"
    )
    assert (
        card.footer.text
        == "From the details of 1 of 3 articles, not their text · /sources lists them"
    )
    # Nothing is quoted, so there is no context to show; the votes stay.
    assert labels(world.channel.last_message) == ["👍", "👎"]


async def test_an_outlet_question_lists_each_publisher_with_its_article(world: World) -> None:
    me = world.env.bot.user
    await world.alice.send(world.channel, f"<@{me.id}> Which outlet reported the Pentagon talks?")
    [card] = world.channel.last_message.embeds
    assert "**DOD News** — publisher of" in card.description
    assert "**IRIA - International Relations Insights & Analysis** — publisher of" in (
        card.description
    )


async def test_a_name_no_article_mentions_is_named_in_the_decline(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question="Who won the 2022 World Cup?")
    assert result.ephemeral  # a decline, for the asker
    [card] = result.response.embeds
    assert card.title == "I couldn't find that in the news articles I have"
    assert card.description.startswith("The 3 articles I search never mention **World Cup**.")


@st.composite
def metadata_answers(draw: st.DrawFn) -> Answer:
    documents = tuple(
        Document(
            id=f"doc-{n}",
            title=draw(long_text(1200)),
            paragraphs=("text",),
            source=f"doc-{n}.md",
            publisher=draw(st.none() | long_text(1200)),
            author=draw(st.none() | long_text(1200)),
            url=draw(URLS),
        )
        for n in range(draw(st.integers(1, 10)))
    )
    field = draw(st.sampled_from(list(SourceField)))
    facts = tuple(
        SourceFact(field, draw(st.none() | long_text(1200)), d, n)
        for n, d in enumerate(documents, start=1)
    )
    return Answer("q?", True, (), documents, "v", facts=facts)


@settings(max_examples=40, deadline=None)
@given(metadata_answers(), st.none() | long_text(500))
def test_a_metadata_card_fits_discord_limits(answer: Answer, title: str | None) -> None:
    assert_within_discord_limits(answer_embed(answer, articles=10, title=title))

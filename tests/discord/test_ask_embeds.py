"""Every card the bot sends stays within Discord's limits, whatever the metadata and the
settings; answers say each source once, with its date; only web addresses become links."""

from __future__ import annotations

import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Document
from bot.discord.context import ContextBlock, context_embed
from bot.discord.embeds import (
    answer_embed,
    decline_embed,
    document_embed,
    help_embed,
)
from bot.qa.aliases import FullName
from bot.qa.answer import NOT_IN_CORPUS, NOTHING_TO_SEARCH, Answer, Passage
from bot.render import CorpusFacts
from bot.search.index import Sentence

CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    "*_<>[]()\\|~`# "
)


def long_text(most: int) -> st.SearchStrategy[str]:
    """Text up to `most` characters, often near it: a short piece repeated to a drawn length."""
    return st.builds(
        lambda piece, size: (piece * size)[:size],
        st.text(CHARACTERS, min_size=1, max_size=12).filter(str.strip),
        st.integers(1, most),
    )


LONG_TEXT = long_text(1200)
URLS = st.one_of(
    st.none(),
    st.builds(lambda path: "https://example.com/" + path, long_text(2000)),
    st.sampled_from(["javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a", "no url"]),
)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    documents = [
        Document(
            id=f"doc-{n}",
            title=draw(LONG_TEXT),
            paragraphs=("text",),
            source=f"doc-{n}.md",
            publisher=draw(st.none() | LONG_TEXT),
            author=draw(st.none() | LONG_TEXT),
            url=draw(URLS),
            published=draw(st.none() | long_text(300)),
        )
        for n in range(draw(st.integers(1, 10)))
    ]
    passages = []
    for rank in range(draw(st.integers(len(documents), 20))):
        source = rank if rank < len(documents) else draw(st.integers(0, len(documents) - 1))
        text = draw(long_text(1500))
        sentence = Sentence(documents[source], draw(st.integers(1, 10_000)), 1, text)
        names = tuple(
            FullName(draw(long_text(60)), draw(long_text(300)))
            for _ in range(draw(st.integers(0, 2)))
        )
        matched = frozenset(text.lower().split()[:3])
        passages.append(Passage(sentence, 1.0, matched, source + 1, names=names))
    question = draw(long_text(500))
    return Answer(question, True, tuple(passages), tuple(documents), "v" * 12)


FACTS = st.builds(
    CorpusFacts,
    articles=st.integers(0, 10**7),
    publishers=st.lists(long_text(300), max_size=3).map(tuple),
    first_published=st.none() | st.just("2024-01-10") | long_text(300),
    last_published=st.none() | st.just("2024-02-01") | long_text(300),
    example_question=st.none() | long_text(600),
)


def assert_within_discord_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert 0 < len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name or "") <= 256 and 0 < len(field.value or "") <= 1024
    assert len(embed.footer.text or "") <= 2048


def source_lines(embed: discord.Embed) -> list[str]:
    """The lines of the answer's Sources block."""
    description = embed.description or ""
    assert "**Sources**" in description
    return description.split("**Sources**\n", 1)[1].splitlines()


@settings(max_examples=60, deadline=None)
@given(answers(), st.integers(0, 10**7), st.none() | long_text(500))
def test_an_answer_embed_fits_discord_limits_with_long_metadata_and_many_sources(
    answer: Answer, articles: int, title: str | None
) -> None:
    embed = answer_embed(answer, articles=articles, title=title)
    assert_within_discord_limits(embed)
    # Every quote keeps its number, and every cited source its line.
    for passage in answer.passages:
        assert f"\\[{passage.source_number}\\]" in (embed.description or "")
    assert len(source_lines(embed)) == len({p.source_number for p in answer.passages})


@settings(max_examples=40, deadline=None)
@given(answers(), FACTS)
def test_decline_and_help_cards_fit_discord_limits(answer: Answer, facts: CorpusFacts) -> None:
    documents = answer.sources
    for reason in (NOT_IN_CORPUS, NOTHING_TO_SEARCH, "question too long (9,999 characters)"):
        declined = Answer(answer.question, False, (), (), "v", reason=reason, closest=documents)
        assert_within_discord_limits(decline_embed(declined, facts))
    assert_within_discord_limits(help_embed(facts))


@settings(max_examples=40, deadline=None)
@given(answers(), st.integers(0, 5))
def test_a_context_card_fits_discord_limits(answer: Answer, missing: int) -> None:
    blocks = [
        ContextBlock(
            n,
            document,
            1,
            9,
            tuple(
                (p.source_number == n and k == 2, p.sentence.text)
                for k, p in enumerate(answer.passages[:5])
            ),
        )
        for n, document in enumerate(answer.sources, start=1)
    ]
    assert_within_discord_limits(context_embed("Context: " + answer.question, blocks, missing))


def test_ten_sources_with_the_longest_titles_and_urls_fit_in_one_embed() -> None:
    documents = [
        Document(
            id=f"doc-{n}",
            title="T" * 1000,
            paragraphs=("x",),
            source="x.md",
            publisher="P" * 500,
            author="A" * 500,
            url="https://example.com/" + "u" * 1500,
            published="2024-01-01",
        )
        for n in range(10)
    ]
    passages = tuple(
        Passage(Sentence(d, 4, 1, "word " * 200), 1.0, frozenset({"word"}), n + 1)
        for n, d in enumerate(documents)
    )
    answer = Answer("q" * 500, True, passages, tuple(documents), "abc")
    embed = answer_embed(answer, articles=10, title=answer.question)
    assert_within_discord_limits(embed)
    assert all("1 Jan 2024" in line for line in source_lines(embed))


def test_a_source_line_says_the_title_once_with_publisher_author_and_date() -> None:
    document = Document(
        "d",
        "Talks resume in Geneva",
        ("x",),
        "d.md",
        publisher="Example News",
        author="Jane Doe",
        url="https://example.com/geneva",
        published="2024-01-10",
    )
    undated = Document("e", "Ministers meet", ("x",), "e.md", publisher="Other Press")
    passages = (
        Passage(Sentence(document, 4, 1, "Talks resumed."), 1.0, frozenset(), 1),
        Passage(Sentence(undated, 2, 1, "Ministers met."), 1.0, frozenset(), 2),
    )
    embed = answer_embed(Answer("q", True, passages, (document, undated), "v"), articles=5)
    first, second = source_lines(embed)
    assert first == (
        "**1** · [Talks resume in Geneva](<https://example.com/geneva>) · Example News · "
        "Jane Doe · 10 Jan 2024"
    )
    assert second == "**2** · Ministers meet · Other Press"
    for line in (first, second):
        title = "Talks resume in Geneva" if line is first else "Ministers meet"
        assert line.count(title) == 1
    # The quote's number links to its article; the footer says where the quotes come from.
    assert "Talks resumed. [\\[1\\]](<https://example.com/geneva>)" in (embed.description or "")
    assert embed.footer.text == "Quoted word for word from 2 of 5 articles · /sources lists them"
    assert "sentence" not in (embed.description or "")


def test_no_footer_carries_a_hash() -> None:
    document = Document("d", "Title", ("x",), "d.md")
    passage = Passage(Sentence(document, 1, 1, "A sentence."), 1.0, frozenset(), 1)
    answer = Answer("q", True, (passage,), (document,), "80a699122e2a")
    for embed in (
        answer_embed(answer, articles=3),
        document_embed(document, (passage.sentence,)),
    ):
        assert not re.search(r"\b[0-9a-f]{12}\b|\bid: ", embed.footer.text or "")


def test_only_web_addresses_become_links() -> None:
    def document(url: str) -> Document:
        return Document("d", "Title", ("x",), "d.md", url=url)

    sentence = Sentence(document("x"), 1, 1, "A sentence.")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "www.example.com", "https://a b.org"):
        assert document_embed(document(bad), (sentence,)).url is None, bad
        passage = Passage(Sentence(document(bad), 1, 1, "A sentence."), 1.0, frozenset(), 1)
        embed = answer_embed(Answer("q", True, (passage,), (document(bad),), "v"), articles=1)
        assert "](" not in (embed.description or ""), bad

    good = "https://example.com/article"
    assert document_embed(document(good), (sentence,)).url == good
    passage = Passage(Sentence(document(good), 1, 1, "A sentence."), 1.0, frozenset(), 1)
    embed = answer_embed(Answer("q", True, (passage,), (document(good),), "v"), articles=1)
    assert f"[Title](<{good}>)" in (embed.description or "")


def test_a_decline_links_the_closest_articles_one_a_line() -> None:
    linked = Document("a", "Talks, in Geneva", ("x",), "a.md", url="https://example.com/a")
    plain = Document("b", "Ministers meet", ("x",), "b.md")
    answer = Answer("q", False, (), (), "v", reason=NOT_IN_CORPUS, closest=(linked, plain))
    facts = CorpusFacts(3, ("DOD News",), "2024-01-10", "2024-01-12", "Who is Song Yanchao?")

    card = decline_embed(answer, facts)

    lines = (card.description or "").splitlines()
    assert "- [Talks, in Geneva](<https://example.com/a>)" in lines
    assert "- Ministers meet" in lines
    assert "for example “Who is Song Yanchao?”" in (card.description or "")
    assert card.colour != discord.Colour.blurple()
    help_card = help_embed(facts)
    assert "3 articles from DOD News, 10 Jan 2024 to 12 Jan 2024" in (help_card.description or "")


def test_a_quote_that_names_someone_by_surname_says_who_after_it() -> None:
    document = Document("talks", "Talks", ("text",), source="talks.md")
    sentence = Sentence(document, 14, 9, "Dong, a former naval commander, took office.")
    passage = Passage(
        sentence, 1.0, frozenset(), 1, names=(FullName("Dong", "Defense Minister Dong Jun"),)
    )
    embed = answer_embed(Answer("q", True, (passage,), (document,), "v"), articles=1)
    assert "took office. \\[1\\] *\\[Dong: Defense Minister Dong Jun\\]*" in (
        embed.description or ""
    )

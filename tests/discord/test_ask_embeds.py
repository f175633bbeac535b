"""Answer and document embeds stay within every Discord limit, whatever the metadata, and
link only to web addresses."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Document
from bot.discord.embeds import answer_embed, document_embed
from bot.qa.answer import Answer, Passage
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
        passages.append(Passage(sentence, 1.0, frozenset(text.lower().split()[:3]), source + 1))
    question = draw(long_text(500))
    return Answer(question, True, tuple(passages), tuple(documents), "v" * 12)


def assert_within_discord_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert 0 < len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name or "") <= 256 and 0 < len(field.value or "") <= 1024
    assert len(embed.footer.text or "") <= 2048


@settings(max_examples=60, deadline=None)
@given(answers())
def test_an_answer_embed_fits_discord_limits_with_long_metadata_and_ten_sources(
    answer: Answer,
) -> None:
    embed = answer_embed(answer)
    assert_within_discord_limits(embed)
    # Every quote keeps its citation, and every source its sentence numbers.
    for passage in answer.passages:
        assert f"[{passage.source_number}]" in (embed.description or "")
    assert len(embed.fields) == len(answer.sources)
    assert all("sentence" in (field.value or "") for field in embed.fields)


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
    embed = answer_embed(Answer("q" * 500, True, passages, tuple(documents), "abc"))
    assert_within_discord_limits(embed)


def test_only_web_addresses_become_links() -> None:
    def document(url: str) -> Document:
        return Document("d", "Title", ("x",), "d.md", url=url)

    sentence = Sentence(document("x"), 1, 1, "A sentence.")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "www.example.com", "https://a b.org"):
        assert document_embed(document(bad), (sentence,)).url is None, bad
        passage = Passage(Sentence(document(bad), 1, 1, "A sentence."), 1.0, frozenset(), 1)
        embed = answer_embed(Answer("q", True, (passage,), (document(bad),), "v"))
        assert "](" not in (embed.fields[0].value or ""), bad

    good = "https://example.com/article"
    assert document_embed(document(good), (sentence,)).url == good
    passage = Passage(Sentence(document(good), 1, 1, "A sentence."), 1.0, frozenset(), 1)
    embed = answer_embed(Answer("q", True, (passage,), (document(good),), "v"))
    assert f"(<{good}>)" in (embed.fields[0].value or "")

"""Answers as Markdown text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.corpus import Document
from bot.qa.answer import NOT_IN_CORPUS, NOTHING_TO_SEARCH, Answer, Passage, answer_question
from bot.render import (
    answer_to_json,
    decline_message,
    emphasize,
    emphasize_answer,
    escape_markdown,
    readable_date,
    render_text,
    source_line,
)
from bot.search.index import Index, Sentence
from bot.search.query import AnswerType

MakeDocument = Callable[..., Document]

PASSAGE_KEYS = {"text", "document_id", "title", "score", "sentence", "paragraph"}


@pytest.fixture
def geneva(make_document: MakeDocument) -> Document:
    return make_document(
        "geneva",
        "The treaty was signed in Geneva. Ministers praised the treaty.",
        title="Treaty signed in Geneva",
        publisher="Example News",
        author="Jane Doe",
        url="https://example.com/geneva",
        published="2024-03-04",
    )


@pytest.fixture
def vienna(make_document: MakeDocument) -> Document:
    return make_document("vienna", "Talks resumed in Vienna.", title="Talks in Vienna")


@pytest.fixture
def answer(geneva: Document, vienna: Document) -> Answer:
    def passage(document: Document, position: int, text: str, number: int) -> Passage:
        return Passage(
            Sentence(document, position, 1, text), 1.23456789, frozenset({"treati"}), number
        )

    return Answer(
        question="Where was the treaty signed?",
        answered=True,
        passages=(
            passage(geneva, 1, "The treaty was signed in Geneva.", 1),
            passage(vienna, 4, "The treaty talks resumed in Vienna.", 2),
            passage(geneva, 2, "Ministers praised the treaty.", 1),
        ),
        sources=(geneva, vienna),
        corpus_version="abc123def456",
        kind=AnswerType.PLACE,
        asked=frozenset({"treati", "sign"}),
    )


# --- escaping -----------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["*", "_", "~", "`", "|", "[", "]", "<", ">", "\\"])
def test_escape_markdown_neutralises_inline_markup(char: str) -> None:
    assert escape_markdown(f"a{char}b") == f"a\\{char}b"


def test_escape_markdown_neutralises_bold_links_and_mentions() -> None:
    assert escape_markdown("**bold** [link](https://x.y) <@123> ||spoiler||") == (
        "\\*\\*bold\\*\\* \\[link\\](https://x.y) \\<@123\\> \\|\\|spoiler\\|\\|"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# Heading", "\\# Heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
    ],
)
def test_escape_markdown_neutralises_line_starts(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_escape_markdown_leaves_plain_prose_alone() -> None:
    text = "U.S.-China talks resumed on Jan. 5, 2024 (in Washington)."
    assert escape_markdown(text) == text


def test_escape_markdown_neutralises_a_numbered_list_start() -> None:
    # Regression: "\\1. item" (Discord shows a backslash before a digit literally).
    assert escape_markdown("1. The first point.") == "1\\. The first point."


# --- emphasis -----------------------------------------------------------------------------


def test_emphasize_bolds_the_spans_only() -> None:
    text = "Talks were held in Geneva on 4 March 2024."
    assert emphasize(text, [(19, 25), (29, 41)]) == (
        "Talks were held in **Geneva** on **4 March 2024**."
    )


def test_emphasize_escapes_everything_else() -> None:
    text = "The *secret* U.S. treaty"
    assert emphasize(text, [(13, 17)]) == "The \\*secret\\* **U.S.** treaty"


def test_emphasize_with_nothing_to_mark_is_just_escaped() -> None:
    assert emphasize("A_b talks", []) == "A\\_b talks"


def test_emphasize_answer_marks_what_answers_never_the_question_words() -> None:
    asked = Answer(
        "When were the talks held?", True, (), (), "v", kind=AnswerType.DATE, asked=frozenset()
    )
    marked = emphasize_answer(asked, "The talks were held on 4 March 2024.")
    assert marked == "The talks were held on **4 March 2024**."


@pytest.mark.parametrize(
    ("published", "shown"),
    [("2024-01-10", "10 Jan 2024"), ("2023-11-05T10:00:00", "5 Nov 2023"), ("Spring", "Spring")],
)
def test_readable_date(published: str, shown: str) -> None:
    assert readable_date(published) == shown


# --- text -----------------------------------------------------------------------------------


def test_render_text_quotes_each_passage_with_its_citation(answer: Answer) -> None:
    text = render_text(answer)
    assert "> The treaty was signed in **Geneva**.\n  [1] Treaty signed in Geneva" in text
    assert "[1] Treaty signed in Geneva (Example News, by Jane Doe), sentence 1" in text
    assert "[2] Talks in Vienna, sentence 4" in text
    assert "[1] Treaty signed in Geneva (Example News, by Jane Doe), sentence 2" in text


def test_render_text_ends_with_a_numbered_sources_list(answer: Answer) -> None:
    text = render_text(answer)
    body, sources = text.split("\n\nSources:\n")
    assert sources.splitlines() == [
        "[1] Treaty signed in Geneva (Example News, by Jane Doe) · 2024-03-04 · "
        "https://example.com/geneva [geneva]",
        "[2] Talks in Vienna [vienna]",
    ]
    assert body.count("> ") == 3


def test_source_line_without_metadata_is_title_and_id(vienna: Document) -> None:
    assert source_line(vienna) == "Talks in Vienna [vienna]"


def test_render_text_of_a_bundled_answer(bundled_index: Index) -> None:
    answer = answer_question(
        bundled_index,
        "who led the Chinese delegation?",
        k=3,
        min_coverage=0.5,
        max_question_chars=500,
    )
    text = render_text(answer)
    assert text.startswith("> ")
    assert "Song Yanchao" in text.split("\n")[0]
    assert "**Song Yanchao**" in text and "**delegation**" not in text
    assert "\nSources:\n[1] " in text


@pytest.mark.parametrize(
    ("reason", "closest", "message"),
    [
        (NOTHING_TO_SEARCH, (), "Nothing to search for: the question has no words to look up."),
        (NOT_IN_CORPUS, (), "Not in the corpus: no sentence answers this question well enough."),
        (
            "question too long (600 characters; the limit is 500)",
            (),
            "Cannot answer: question too long (600 characters; the limit is 500).",
        ),
    ],
)
def test_decline_messages(reason: str, closest: tuple[Document, ...], message: str) -> None:
    answer = Answer("q", False, (), (), "v", reason=reason, closest=closest)
    assert decline_message(answer) == message
    assert render_text(answer) == message


def test_not_in_corpus_names_the_closest_sources(geneva: Document, vienna: Document) -> None:
    answer = Answer("q", False, (), (), "v", reason=NOT_IN_CORPUS, closest=(geneva, vienna))
    assert render_text(answer) == (
        "Not in the corpus: no sentence answers this question well enough. "
        "Closest sources: Treaty signed in Geneva; Talks in Vienna."
    )


# --- JSON -----------------------------------------------------------------------------------


def test_answer_to_json_has_the_documented_keys(answer: Answer) -> None:
    data = answer_to_json(answer)
    assert {"question", "answered", "passages", "corpus_version"} <= set(data)
    assert data["question"] == "Where was the treaty signed?"
    assert data["answered"] is True
    assert data["reason"] is None
    assert data["corpus_version"] == "abc123def456"
    assert json.loads(json.dumps(data)) == data


def test_json_passages_carry_text_place_score_and_metadata(answer: Answer) -> None:
    first, second, _ = answer_to_json(answer)["passages"]
    assert first == {
        "text": "The treaty was signed in Geneva.",
        "document_id": "geneva",
        "title": "Treaty signed in Geneva",
        "score": 1.234568,
        "sentence": 1,
        "paragraph": 1,
        "matched_terms": ["treati"],
        "names": {},
        "publisher": "Example News",
        "author": "Jane Doe",
        "url": "https://example.com/geneva",
        "published": "2024-03-04",
    }
    assert set(second) == PASSAGE_KEYS | {"matched_terms", "names"}
    assert (second["document_id"], second["sentence"]) == ("vienna", 4)


def test_json_of_a_declined_answer(geneva: Document) -> None:
    answer = Answer("q", False, (), (), "v", reason=NOT_IN_CORPUS, closest=(geneva,))
    data = answer_to_json(answer)
    assert data["answered"] is False
    assert data["passages"] == []
    assert data["reason"] == NOT_IN_CORPUS
    assert data["closest_sources"] == ["geneva"]


def test_a_quote_of_several_sentences_cites_their_span(geneva: Document) -> None:
    signed = Sentence(geneva, 1, 1, "The treaty was signed in Geneva.")
    praised = Sentence(geneva, 2, 1, "Ministers praised the treaty.")
    passage = Passage(signed, 1.0, frozenset({"treati"}), 1, follow_on=praised)
    answer = Answer("Who praised the treaty?", True, (passage,), (geneva,), "v1")

    text = render_text(answer)
    assert "> The treaty was signed in Geneva. Ministers praised the treaty." in text
    assert "(Example News, by Jane Doe), sentences 1-2" in text

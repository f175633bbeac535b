"""The full name a quote's reader needs when the quoted sentence gives only a surname."""

from __future__ import annotations

from collections.abc import Callable

from bot.corpus import Corpus, Document
from bot.qa.aliases import FullName, passage_names
from bot.qa.answer import answer_question
from bot.render import answer_to_json, render_text
from bot.search.index import build_index

MakeDocument = Callable[..., Document]

TALKS = (
    "U.S. Secretary of Defense Lloyd Austin may meet China's Defense Minister Dong Jun.",
    "Dong, a former naval commander, assumed the position in December. Chinese officials "
    "welcomed him, and Austin agreed.",
)


def names_for(make_document: MakeDocument, paragraphs: tuple[str, ...], position: int) -> str:
    index = build_index([make_document("talks", *paragraphs)])
    sentence = index.sentences_of("talks")[position - 1]
    return " ".join(name.note() for name in passage_names(index, [sentence]))


def test_a_surname_gets_the_name_the_article_first_gave(make_document: MakeDocument) -> None:
    assert names_for(make_document, TALKS, 2) == "[Dong: Defense Minister Dong Jun]"


def test_each_surname_in_the_quote_is_noted_in_the_quotes_order(
    make_document: MakeDocument,
) -> None:
    assert names_for(make_document, TALKS, 3) == "[Austin: Defense Lloyd Austin]"


def test_an_adjective_or_a_name_spelled_out_is_not_noted(make_document: MakeDocument) -> None:
    paragraphs = (
        "Chinese Defense Minister Dong Jun arrived.",
        "Chinese officials welcomed Dong Jun at the airport.",
    )
    assert names_for(make_document, paragraphs, 2) == ""


def test_a_name_the_article_never_gave_in_full_is_not_noted(make_document: MakeDocument) -> None:
    paragraphs = ("Officials met on Monday.", "Dong said the talks went well.")
    assert names_for(make_document, paragraphs, 2) == ""
    assert names_for(make_document, TALKS, 1) == ""  # nothing before the first sentence


def test_a_note_reads_as_the_word_and_its_name() -> None:
    assert FullName("Dong", "Defense Minister Dong Jun").note() == (
        "[Dong: Defense Minister Dong Jun]"
    )


def test_the_answer_notes_who_a_surname_is_in_text_and_json(bundled_corpus: Corpus) -> None:
    index = build_index(bundled_corpus.documents)
    answer = answer_question(
        index,
        "When did Dong assume the position?",
        k=3,
        min_coverage=0.35,
        max_question_chars=500,
    )
    first = answer.passages[0]
    assert first.sentence.text.startswith("Dong, a former naval commander")
    assert "[Dong: Defense Minister Dong Jun]" in render_text(answer)
    assert answer_to_json(answer)["passages"][0]["names"] == {"Dong": "Defense Minister Dong Jun"}

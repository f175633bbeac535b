"""The analyzer: normalizing text, search terms and sentence splitting."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.qa.answer import answer_question
from bot.search.analyzer import (
    STOP_WORDS,
    normalize,
    sentence_spans,
    split_sentences,
    terms,
    words,
)
from bot.search.index import Index

# --- normalize -----------------------------------------------------------


def test_normalize_applies_nfkc() -> None:
    # Ligature, full-width digit and letter, ideographic space.
    assert normalize("\ufb01nal \uff12\uff10\uff12\uff14\u3000\uff21") == "final 2024 A"


def test_normalize_straightens_curly_quotes_and_primes() -> None:
    text = "\u201cWe\u2019re here,\u201d she said, \u2018again\u2019 at 5\u2032 \u201eok\u201c."
    assert normalize(text) == "\"We're here,\" she said, 'again' at 5' \"ok\"."


def test_normalize_collapses_whitespace() -> None:
    assert normalize("  two\tspaced \n\n words \u00a0 here ") == "two spaced words here"


@given(st.text())
@example("\u00e9t\u00e9 \u201cnew\u201d")
@example("caf\u0065\u0301")  # NFKC composes it
@example("a\u200bb")
@example("ends in a space ")
@example(" begins with one")
@example("a\ttab")
def test_normalize_gives_normal_text_back_and_reads_any_other_in_full(text: str) -> None:
    # Normal text is given back without being taken apart (the files' paragraphs are
    # normal already); spaces added at both ends make `normalize` do every step: the same.
    normal = normalize(text)
    assert normalize(normal) == normal
    assert normalize(f"  {text}  ") == normal


# --- terms -----------------------------------------------------------------


def test_terms_fold_case_and_stem_with_snowball() -> None:
    assert terms("Running MEETINGS Delegations talked") == ["run", "meet", "deleg", "talk"]


def test_terms_drop_stop_words_and_keep_repeats() -> None:
    assert terms("The talks and the talks were over") == ["talk", "talk"]


def test_terms_of_curly_and_straight_apostrophes_agree() -> None:
    assert terms("China\u2019s army") == terms("China's army") == ["china", "armi"]


@pytest.mark.parametrize("text", ["China's", "CHINA'S", "china's"])
def test_possessive_is_the_bare_noun(text: str) -> None:
    assert terms(text) == ["china"]


@pytest.mark.parametrize("text", ["US", "U.S.", "the U.S.", "US-China"])
def test_country_acronym_is_kept(text: str) -> None:
    assert terms(text)[0] == "us"


def test_capitalised_stop_word_is_an_acronym() -> None:
    # "WHO" the organisation is searchable; "who" the question word is not.
    assert terms("WHO officials") == ["who", "offici"]
    assert terms("Who officials") == terms("who officials") == ["offici"]


def test_question_and_corpus_forms_of_us_meet() -> None:
    assert terms("US policy") == terms("U.S. policy") == ["us", "polici"]


def test_lowercase_us_is_a_stop_word() -> None:
    # Regression: NLTK's list lacks "us", so the pronoun matched every US/U.S. sentence.
    assert terms("Tell us about the talks") == ["tell", "talk"]


def test_single_capital_letter_is_not_an_acronym() -> None:
    # "I" and "A" are stop words even in capitals; only two or more capitals make an acronym.
    assert terms("I saw A plan") == ["saw", "plan"]


def test_punctuation_and_emoji_have_no_terms() -> None:
    assert terms("?!... \U0001f642 -- ()") == []


@given(st.text())
def test_terms_are_never_empty_and_never_contain_spaces(text: str) -> None:
    for term in terms(text):
        assert term
        assert not any(c.isspace() for c in term)
        assert term == term.casefold()


_LOWER_WORD = st.from_regex(r"[a-z]{1,12}", fullmatch=True)


@given(st.lists(_LOWER_WORD | st.sampled_from(sorted(STOP_WORDS)), max_size=20))
@example(["the", "us", "of", "talks"])
def test_stop_words_contribute_nothing(words: list[str]) -> None:
    # A lowercase text's terms are its words' terms, and a stop word has none.
    expected = [t for word in words if word not in STOP_WORDS for t in terms(word)]
    assert terms(" ".join(words)) == expected
    assert all(terms(word) == [] for word in words if word in STOP_WORDS)


# --- split_sentences ---------------------------------------------------------


def test_split_keeps_abbreviations_and_titles_inside_sentences() -> None:
    paragraph = (
        "U.S. Secretary of Defense Lloyd Austin met Maj. Gen. Song Yanchao on Jan. 5. "
        "Dr. Chase spoke after him. Gen. CQ Brown, Jr. held talks with Gen. Liu Zhenli."
    )
    assert split_sentences(paragraph) == [
        "U.S. Secretary of Defense Lloyd Austin met Maj. Gen. Song Yanchao on Jan. 5.",
        "Dr. Chase spoke after him.",
        "Gen. CQ Brown, Jr. held talks with Gen. Liu Zhenli.",
    ]


def test_split_keeps_initials_and_decimals() -> None:
    paragraph = (
        "Michael S. Chase led the delegation. The deal is worth $3.5 billion. "
        "Spending rose 2.5 percent."
    )
    assert split_sentences(paragraph) == [
        "Michael S. Chase led the delegation.",
        "The deal is worth $3.5 billion.",
        "Spending rose 2.5 percent.",
    ]


def test_split_keeps_closing_quotes_with_their_sentence() -> None:
    # As tests/data/sentence_boundaries.jsonl is labelled: sentences inside a quotation
    # are sentences, and a closing quote belongs to the sentence it closes.
    paragraph = 'He said: "It works. It really does." Then he left. "We will go," she said.'
    assert split_sentences(paragraph) == [
        'He said: "It works.',
        'It really does."',
        "Then he left.",
        '"We will go," she said.',
    ]


def test_split_keeps_a_list_number_with_its_item() -> None:
    paragraph = "The plan has three steps. 1. Cut the deficit. 2. Raise the age."
    assert split_sentences(paragraph) == [
        "The plan has three steps.",
        "1. Cut the deficit.",
        "2. Raise the age.",
    ]


def test_split_normalizes_first() -> None:
    assert split_sentences("  \u201cYes,\u201d he   said.\n\nNo.") == ['"Yes," he said.', "No."]


@pytest.mark.parametrize("paragraph", ["", "   ", "\n\t"])
def test_split_of_blank_text_is_empty(paragraph: str) -> None:
    assert split_sentences(paragraph) == []


def _non_space(text: str) -> str:
    return "".join(text.split())


_NEWS_TOKENS = st.sampled_from(
    [
        "U.S.",
        "Maj.",
        "Gen.",
        "Dr.",
        "Jr.",
        "Jan.",
        "J.",
        "$3.5",
        "2.5",
        "percent.",
        "said",
        "talks",
        "Song",
        "met",
        ".",
        "?",
        "!",
        '"',
        "'",
        "(",
        ")",
        ",",
        "...",
        ":",
    ]
)


@given(st.text() | st.lists(_NEWS_TOKENS, max_size=40).map(" ".join))
def test_split_never_loses_non_space_characters(paragraph: str) -> None:
    assert _non_space("".join(split_sentences(paragraph))) == _non_space(normalize(paragraph))


def test_split_keeps_punctuation_after_a_final_abbreviation() -> None:
    # Regression: pysbd, the splitter before, turned a final "Gen.?!" into "Gen.".
    paragraph = "Who is the new Gen.?!"
    assert _non_space("".join(split_sentences(paragraph))) == _non_space(paragraph)


@given(st.text() | st.lists(_NEWS_TOKENS, max_size=40).map(" ".join))
def test_spans_cut_the_normalized_paragraph_into_its_sentences(paragraph: str) -> None:
    text = normalize(paragraph)
    assert [text[a:b] for a, b in sentence_spans(text)] == split_sentences(paragraph)


@given(st.text())
def test_terms_are_the_terms_of_the_words(text: str) -> None:
    # terms() stems each distinct word once; it must agree with words() everywhere.
    expected = [word.term for word in words(normalize(text)) if word.term is not None]
    assert terms(text) == expected


# --- invisible characters inside words -------------------------------------------------------


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u200d", "\u2060", "\ufeff", "\u200e"])
def test_an_invisible_character_inside_a_word_leaves_the_word_whole(invisible: str) -> None:
    assert terms(f"the dele{invisible}gation") == terms("the delegation") == ["deleg"]
    assert normalize(f"dele{invisible}gation") == "delegation"


def test_every_format_character_is_removed() -> None:
    # Every character Unicode calls a format character (category Cf), in every plane.
    everywhere = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert everywhere
    assert [normalize(f"a{ch}b") for ch in everywhere] == ["ab"] * len(everywhere)


def test_a_question_with_a_zero_width_space_gets_the_same_answer(bundled_index: Index) -> None:
    def answer(question: str) -> list[tuple[str, str]]:
        found = answer_question(
            bundled_index, question, k=3, min_coverage=0.35, max_question_chars=500
        )
        assert found.answered
        return [(p.sentence.document.id, p.sentence.text) for p in found.passages]

    plain = answer("who led the Chinese delegation?")
    assert "Song Yanchao" in plain[0][1]
    assert answer("who led the Chinese dele\u200bgation?") == plain
    assert answer("who led the Chi\u00adnese delegation?") == plain

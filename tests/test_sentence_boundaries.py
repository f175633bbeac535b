"""The sentence splitter against the hand-labelled news paragraphs in tests/data, and
its time on one long paragraph (linear in its length)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nupunkt.tokenizers.sentence_tokenizer import PunktSentenceTokenizer

from bot.search.analyzer import STOP_WORDS, default_analyzer, normalize, sentence_spans
from bot.search.splitter import SentenceSplitter

BOUNDARIES = Path(__file__).parent / "data" / "sentence_boundaries.jsonl"
CORPUS = Path(__file__).parent.parent / "corpus"
# The benchmark data beside the repository (as CI has it), when it is there.
BBC = Path(__file__).parent.parent.parent / "shared" / "data" / "bbc-news"

# pysbd 0.3.4, the splitter before, on the same set (bench/splitters.py prints both):
# the splitter must be at least as accurate.
PYSBD_PRECISION = 0.964
PYSBD_RECALL = 0.908


def labelled() -> list[tuple[str, set[int]]]:
    """Each paragraph and where its sentences after the first start."""
    rows = []
    for line in BOUNDARIES.read_text(encoding="utf-8").splitlines():
        sentences = json.loads(line)["sentences"]
        starts, at = set(), 0
        for sentence in sentences[:-1]:
            at += len(sentence) + 1
            starts.add(at)
        rows.append((" ".join(sentences), starts))
    return rows


def test_the_set_is_large_and_normalized() -> None:
    rows = labelled()
    assert len(rows) >= 200
    assert all(normalize(paragraph) == paragraph for paragraph, _ in rows)


def test_boundaries_are_at_least_as_accurate_as_pysbd() -> None:
    found = expected = right = 0
    for paragraph, gold in labelled():
        predicted = {start for start, _ in sentence_spans(paragraph)[1:]}
        found += len(predicted)
        expected += len(gold)
        right += len(predicted & gold)
    precision, recall = right / found, right / expected
    assert precision >= PYSBD_PRECISION, f"precision {precision:.3f}"
    assert recall >= PYSBD_RECALL, f"recall {recall:.3f}"


def _news_paragraph(size: int) -> str:
    text = " ".join(
        line
        for path in sorted(CORPUS.glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith(("---", "#", "!", "title:", "url:"))
    )
    return normalize((text + " ") * (size // len(text) + 1))[:size]


def _cpu_seconds(split: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        split(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize(
    "make",
    [_news_paragraph, lambda size: ("U.S. " * size)[:size], lambda size: "word " * (size // 5)],
    ids=["news prose", "abbreviations only", "one endless sentence"],
)
def test_splitting_time_is_linear_in_the_paragraphs_length(make: Callable[[int], str]) -> None:
    # A ratio of CPU times in one process, not a speed target: linear time makes the
    # 1 MB paragraph about 8 times the 128 KB one (a little more where caches run out);
    # quadratic time (pysbd's) about 64.
    small, large = make(128_000), make(1_024_000)
    sentences = sentence_spans(large)
    assert sentences and sentences[-1][1] <= len(large)
    ratio = _cpu_seconds(sentence_spans, large) / max(_cpu_seconds(sentence_spans, small), 1e-4)
    assert ratio < 32, f"1 MB took {ratio:.1f} times as long as 128 KB"


# Paragraphs where a sentence end hides inside the last word or needs no space after it.
_ONE_SENTENCE_EDGES = [
    "",
    "   ",
    "12.",
    "...",
    "He won.",
    'She said: "We will."',
    "The prize was $20,000.:245",
    'I came."Yes',
    "Is it (really)?!",
    "Wait\u2026 what",
    "Costs rose 2.5 percent",
    ". \u2026",
    '.".',
]


@pytest.mark.parametrize("paragraph", _ONE_SENTENCE_EDGES)
def test_the_one_sentence_shortcut_agrees_with_punkt_on_edge_cases(paragraph: str) -> None:
    splitter = default_analyzer().splitter
    assert splitter.spans(paragraph) == splitter.punkt_spans(paragraph)


def test_the_one_sentence_shortcut_agrees_with_punkt_on_the_labelled_set() -> None:
    splitter = default_analyzer().splitter
    for paragraph, _ in labelled():
        assert splitter.spans(paragraph) == splitter.punkt_spans(paragraph), paragraph


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Gen.",
                "U.S.",
                "said",
                "He",
                "the",
                "war",
                ".",
                "?",
                "!",
                '"',
                "'",
                ")",
                "(",
                ":",
                "2.5",
                "12.",
                "\u2026",
                "Dr.",
                "end.",
                'it."',
                "x?!",
                "A.",
                "b",
                "*",
            ]
        ),
        max_size=12,
    ),
    st.sampled_from([" ", "", "  "]),
)
def test_the_one_sentence_shortcut_agrees_with_punkt(pieces: list[str], gap: str) -> None:
    paragraph = gap.join(pieces)
    splitter = default_analyzer().splitter
    assert splitter.spans(paragraph) == splitter.punkt_spans(paragraph)


# --- plain candidate ends, decided without Punkt's machinery (bot.search.splitter) -------------


@pytest.fixture(scope="module")
def punkt_itself() -> SentenceSplitter:
    """The splitter with Punkt deciding every candidate end itself."""
    return SentenceSplitter(STOP_WORDS, punkt=PunktSentenceTokenizer)


@pytest.fixture(scope="module")
def ours() -> SentenceSplitter:
    return SentenceSplitter(STOP_WORDS)


def _news_paragraphs() -> list[str]:
    paragraphs = [paragraph for paragraph, _ in labelled()]
    for folder in (CORPUS, BBC):
        for path in sorted(folder.rglob("*.*")) if folder.is_dir() else []:
            text = path.read_bytes().decode("utf-8", errors="replace")
            paragraphs.extend(normalize(line) for line in text.splitlines() if line.strip())
    return paragraphs


def test_plain_ends_are_decided_as_punkt_decides_them_on_news(
    ours: SentenceSplitter, punkt_itself: SentenceSplitter
) -> None:
    # The labelled set, the bundled corpus and, where it is beside the repository, the
    # BBC news data.
    paragraphs = _news_paragraphs()
    assert len(paragraphs) > 200
    for paragraph in paragraphs:
        assert ours.spans(paragraph) == punkt_itself.spans(paragraph), paragraph


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "said.",
                "Said.",
                'said."',
                "said.)",
                "It's",
                "\"It's",
                "ago.",
                'ago."',
                "Jan.",
                "Gen.",
                "Mr.",
                "etc.",
                "acres.",
                "a.",
                "b.",
                "vs.",
                "The",
                "He",
                '"We',
                "However,",
                "Brewer",
                "Caroline;",
                "Cruz:",
                "U.S.",
                "it",
                "2003.",
                "war.",
                "war",
                "(war.)",
                '"',
            ]
        ),
        max_size=12,
    ),
)
def test_plain_ends_are_decided_as_punkt_decides_them(
    ours: SentenceSplitter, punkt_itself: SentenceSplitter, words: list[str]
) -> None:
    # Abbreviations ("ago", "acres" are among Punkt's), initials and collocations ("B.
    # Brewer", "a. Caroline") beside plain ends.
    paragraph = " ".join(words)
    assert ours.spans(paragraph) == punkt_itself.spans(paragraph)

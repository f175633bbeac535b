"""Where sentences end in news prose: Punkt (nupunkt's model, trained on English prose),
with two changes for news, each measured on tests/data/sentence_boundaries.jsonl.

- After an abbreviation (U.S., Gen., Sen.), Punkt ends the sentence when the next
  word is one its training saw starting sentences. The shipped model's list comes from
  legal and financial filings and names titles ("Secretary", "Senator", "Ambassador"),
  which in news follow "U.S." inside a sentence. Only function words ("The", "He",
  "But", ...) are kept as sentence starters.
- A list number ("1.", "12.") is never a sentence of its own: it opens the next one.

Time is linear in the text's length (Punkt looks at each token and its neighbour).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nupunkt.models import load_default_model

_LIST_NUMBER = re.compile(r"\d{1,3}\.")
# Punkt ends sentences only at these characters.
_ENDS = ".?!\u2026"
_SENTENCE_END = re.compile(f"[{_ENDS}]")
# What may follow the last sentence's end: closing quotes and brackets.
_CLOSERS = "\"')]}*"


class SentenceSplitter:
    """Cuts a normalized paragraph into sentences."""

    def __init__(self, sentence_starters: Iterable[str]) -> None:
        """`sentence_starters`: the words (lower case) after which an abbreviation's full
        stop still ends the sentence; the model's starters outside them are dropped."""
        self._punkt = load_default_model()  # a fresh copy: its parameters are changed here
        parameters = self._punkt.parameters
        kept = frozenset(sentence_starters)
        for word in [w for w in parameters.sent_starters if w not in kept]:
            parameters.sent_starters.discard(word)
        self._punkt.clear_decision_cache()

    def spans(self, paragraph: str) -> list[tuple[int, int]]:
        """Where each sentence of `paragraph` starts and ends, without surrounding spaces."""
        if _SENTENCE_END.search(paragraph.rstrip().rstrip(_CLOSERS).rstrip(_ENDS)) is None:
            # No sentence end but at the very end: one sentence, found without Punkt. Most
            # news paragraphs are one sentence (tests/test_sentence_boundaries.py checks
            # that both ways agree).
            start, end = len(paragraph) - len(paragraph.lstrip()), len(paragraph.rstrip())
            return [(start, end)] if start < end else []
        return self.punkt_spans(paragraph)

    def punkt_spans(self, paragraph: str) -> list[tuple[int, int]]:
        """`spans` as Punkt alone finds them, without the one-sentence shortcut (the same
        spans, slower)."""
        spans: list[tuple[int, int]] = []
        carried: int | None = None  # the start of a list number waiting for its sentence
        for _, (a, b) in self._punkt.tokenize_with_spans(paragraph):
            piece = paragraph[a:b]
            start = a + len(piece) - len(piece.lstrip())
            end = b - (len(piece) - len(piece.rstrip()))
            if start >= end:
                continue
            if carried is not None:
                start, carried = carried, None
            if _LIST_NUMBER.fullmatch(paragraph, start, end):
                carried = start
                continue
            spans.append((start, end))
        if carried is not None:  # a list number closing the paragraph stays a sentence
            spans.append((carried, len(paragraph.rstrip())))
        return spans

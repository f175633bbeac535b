"""Where sentences end in news prose: Punkt (nupunkt's model, trained on English prose),
with two changes for news, each measured on tests/data/sentence_boundaries.jsonl.

- After an abbreviation (U.S., Gen., Sen.), Punkt ends the sentence when the next
  word is one its training saw starting sentences. The shipped model's list comes from
  legal and financial filings and names titles ("Secretary", "Senator", "Ambassador"),
  which in news follow "U.S." inside a sentence. Only function words ("The", "He",
  "But", ...) are kept as sentence starters.
- A list number ("1.", "12.") is never a sentence of its own: it opens the next one.

Punkt decides each candidate end from the word holding it and the next word. The
commonest one, a plain word and a full stop before a capitalised word ("said. The"),
is decided here by the rule Punkt applies to it, without its general machinery, which
costs most of the splitting time (`_NewsPunkt`; tests/test_sentence_boundaries.py
checks that both decide alike on whole corpora).

Time is linear in the text's length (Punkt looks at each token and its neighbour).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from nupunkt.core.base import is_abbreviation
from nupunkt.models import get_default_model_path
from nupunkt.tokenizers.sentence_tokenizer import PunktSentenceTokenizer

_LIST_NUMBER = re.compile(r"\d{1,3}\.")
# Punkt ends sentences only at these characters.
_ENDS = ".?!\u2026"
_SENTENCE_END = re.compile(f"[{_ENDS}]")
# What may follow the last sentence's end: closing quotes and brackets.
_CLOSERS = "\"')]}*"
# A candidate end `_NewsPunkt` decides: a word of letters (the first may be a capital), a
# full stop and perhaps a closing quote or bracket; then the paragraph's end, or a space
# and a capitalised word of letters, which an opening quote may precede and an
# apostrophe's ending ("It's") or a comma, semicolon or colon may follow.
_PLAIN_WORD_END = re.compile(r"([A-Za-z][a-z]+)\.[\"')\]]?")
_CAPITALISED_WORD = re.compile(r"(?: \"?([A-Z][a-z]*)(?:'[a-z]+)?[,;:]?)?")


class _NewsPunkt(PunktSentenceTokenizer):
    """Punkt, with the plain candidate ends decided directly.

    For such an end Punkt's first pass finds a sentence break unless the word is one of
    its abbreviations (closing quotes and brackets are not words to it), and its second
    pass keeps it unless the two words are one of its collocations: an abbreviation is
    left to Punkt itself."""

    def _context_decider(
        self, first_memo: dict[str, int], context_memo: dict[tuple[str, str], bool]
    ) -> Callable[[tuple[str, str]], bool]:
        decide = super()._context_decider(first_memo, context_memo)
        abbreviations = self._params.abbrev_types
        collocations = self._params.collocations

        def contains_sentbreak(context: tuple[str, str]) -> bool:
            before, after = context
            word = _PLAIN_WORD_END.fullmatch(before)
            following = _CAPITALISED_WORD.fullmatch(after) if word else None
            if word and following:
                kind = word[1].lower()
                if not is_abbreviation(abbreviations, kind):
                    return (kind, (following[1] or "").lower()) not in collocations
            return decide(context)

        return contains_sentbreak


class SentenceSplitter:
    """Cuts a normalized paragraph into sentences."""

    def __init__(
        self,
        sentence_starters: Iterable[str],
        punkt: type[PunktSentenceTokenizer] = _NewsPunkt,
    ) -> None:
        """`sentence_starters`: the words (lower case) after which an abbreviation's full
        stop still ends the sentence; the model's starters outside them are dropped.
        `punkt`: Punkt as it decides ends (the tests compare Punkt's own way)."""
        self._punkt = punkt.load(get_default_model_path())  # its own parameters
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

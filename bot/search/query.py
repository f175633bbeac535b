"""A question analysed once: the `Query` that search, rerank and compose all read.

The analyzer (`bot.search.analyzer.Analyzer.analyse_question`) makes it, weighing each term
against the index that will be searched (`bot.search.index.Index.parse`); nothing after
that looks at the question's text again for its terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum


class AnswerType(Enum):
    FREQUENCY = "frequency"
    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"


# The wording that asks for each kind of answer, tried in this order.
_ASKING = (
    (AnswerType.FREQUENCY, re.compile(r"\bhow (?:often|frequently)\b", re.I)),
    (
        AnswerType.NUMBER,
        re.compile(
            r"\bhow (?:many|much|long|far|old|large|big|tall|high)\b"
            r"|\bwhat (?:percent|percentage|number|amount)\b",
            re.I,
        ),
    ),
    (
        AnswerType.DATE,
        re.compile(
            r"\bwhen\b|\bhow long ago\b"
            r"|\b(?:what|which) (?:year|decade|century|date|month|day|time)\b",
            re.I,
        ),
    ),
    (AnswerType.PERSON, re.compile(r"\bwho(?:m|se)?\b", re.I)),
    (
        AnswerType.PLACE,
        re.compile(
            r"\bwhere\b|\b(?:what|which) (?:city|country|state|place|region|location)\b", re.I
        ),
    ),
)


def asking(question: str) -> tuple[AnswerType | None, str]:
    """The kind of answer a question's wording asks for, and the words that ask for it
    (None and "" when the wording does not say)."""
    for kind, pattern in _ASKING:
        match = pattern.search(question)
        if match:
            return kind, match.group()
    return None, ""


@dataclass(frozen=True, slots=True)
class Query:
    """A question's terms and what it asks for, weighed against one index.

    Made once per question (by `Index.parse`); search that index with it.
    """

    text: str
    """The question as asked."""
    counts: Mapping[str, int]
    """Every term of the question, in order of first use, and how often it occurs."""
    kind: AnswerType | None
    """The kind of answer the wording asks for (a name, a date, a number ...), if it says."""
    wording: frozenset[str]
    """Terms of the words that ask for the kind ("how frequently", "what year"): the
    answer states a frequency or a year rather than repeating these words, so they
    are not content to match."""
    terms: tuple[str, ...]
    """The terms to match, each once, in order: the wording is left out, unless
    nothing else is left. A search counts each of them once."""
    weights: Mapping[str, float]
    """By term of `terms`, in that order: how much it counts when judging whether a
    sentence answers (see `bot.search.index.Index.term_weight`)."""

    @classmethod
    def of(
        cls,
        text: str,
        terms: Sequence[str],
        kind: AnswerType | None,
        wording: frozenset[str],
        weigh: Callable[[str], float],
    ) -> Query:
        """The query of a question with these terms (repeats kept) and this wording."""
        counts: dict[str, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        to_match = tuple(t for t in counts if t not in wording) or tuple(counts)
        weights = {term: weigh(term) for term in to_match}
        return cls(text, counts, kind, wording, to_match, weights)

    def matched(self, found: Collection[str]) -> frozenset[str]:
        """The terms to match (`terms`) that are among `found` (a sentence's terms, say)."""
        return frozenset(t for t in self.terms if t in found)

    def share(self, found: Collection[str]) -> float:
        """The share of the query's weight in `found`, 0..1, summed in the same order as
        the whole, so that finding every term gives exactly 1.0."""
        weights = self.weights
        return sum(w for t, w in weights.items() if t in found) / sum(weights.values())

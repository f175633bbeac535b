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


class SourceField(Enum):
    """What a question may ask about an article itself rather than about events."""

    AUTHOR = "author"
    PUBLISHER = "publisher"
    PUBLISHED = "published"
    TITLE = "title"


# A word that names an article (not a book or a report in the news): a question about the
# source itself names one, so "Who wrote the Constitution?" is never taken for one.
_ARTICLE = r"(?:article|story|piece|op-?ed|editorial|column|blog post|news (?:report|item|piece))s?"
_OUTLET = (
    r"(?:outlet|publisher|publication|newspaper|news ?paper|paper|site|website|news site"
    r"|news agency|news outlet|news organi[sz]ation|media outlet|magazine)"
)
# The wording that asks about an article's metadata, tried in this order; each pattern's
# match is the wording (left out of what identifies the article).
_ABOUT = (
    (
        SourceField.TITLE,
        re.compile(rf"\b(?:title|headline)\b(?:.*?\b(?:of|for|on)\b)?.*?\b{_ARTICLE}\b", re.I),
    ),
    (
        SourceField.AUTHOR,
        re.compile(
            rf"\b(?:who (?:wrote|authored|penned|writes|reported)|(?:the )?(?:author|writer"
            rf"|journalist|reporter|byline)s?(?: of| for| behind)?)\b.*?\b{_ARTICLE}\b"
            rf"|\b{_ARTICLE}\b.*?\b(?:written|authored|penned|by whom)\b|\bbyline\b",
            re.I,
        ),
    ),
    (
        SourceField.PUBLISHED,
        re.compile(
            rf"\b(?:when|what date|which date|what day|which day|how recent)\b.*?\b{_ARTICLE}\b"
            r".*?\b(?:published|posted|written|released|dated|come out|came out|out)\b"
            rf"|\b(?:publication date|date)\b.*?\b{_ARTICLE}\b",
            re.I,
        ),
    ),
    (
        SourceField.PUBLISHER,
        re.compile(
            rf"\b(?:which|what) {_OUTLET}\b.*?\b(?:reported|published|ran|covered|carried"
            rf"|wrote|broke|report|publish)\b"
            rf"|\b(?:who|which {_OUTLET}|what {_OUTLET}) published\b.*?\b{_ARTICLE}\b"
            rf"|\b(?:publisher|outlet|source)\b.*?\b{_ARTICLE}\b"
            rf"|\b(?:where|in which {_OUTLET}|in what {_OUTLET}) (?:was|were|is|did)\b.*?"
            rf"\b{_ARTICLE}\b.*?\b(?:published|posted|appear|run|ran)\b",
            re.I,
        ),
    ),
)


# The words of that wording that ask rather than identify: "who wrote the DOD News
# article" identifies the article by "DOD News", the rest asks.
ABOUT_CUES = frozenset(
    """title headline article story piece op ed oped editorial column blog post news report
    item who wrote authored penned writes reported author writer journalist reporter byline
    behind written whom when date day recent published posted released dated come came out
    outlet publisher publication newspaper paper site website agency organisation organization
    media magazine ran covered carried broke publish run cover carry write break source
    appear""".split()
)


def asking_about(question: str) -> tuple[SourceField | None, str]:
    """What a question asks about an article itself (its author, publisher, date or
    title), and the span of the question that asks it (None and "" when it asks about
    events); of that span, the `ABOUT_CUES` words are the wording."""
    for field, pattern in _ABOUT:
        match = pattern.search(question)
        if match:
            return field, match.group()
    return None, ""


def asking(question: str) -> tuple[AnswerType | None, str]:
    """The kind of answer a question's wording asks for, and the words that ask for it
    (None and "" when the wording does not say)."""
    for kind, pattern in _ASKING:
        match = pattern.search(question)
        if match:
            return kind, match.group()
    return None, ""


@dataclass(frozen=True, slots=True)
class Name:
    """A run of capitalised words of a question ("World Cup", "DOD News")."""

    text: str
    """As the question wrote it."""
    words: tuple[str, ...]
    """Its words as written ("Merceds-Benz": "Merceds", "Benz")."""
    terms: tuple[str, ...]
    """The search term of each of `words`."""


@dataclass(frozen=True, slots=True)
class AboutArticle:
    """A question about an article itself: what it asks and the words that ask it."""

    field: SourceField
    wording: frozenset[str]
    """Terms of the words asking ("who wrote ... article"): they do not identify the
    article, so they are left out when looking for it."""


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
    names: tuple[Name, ...] = ()
    """The question's runs of capitalised words, in order: the names it asks about."""
    about: AboutArticle | None = None
    """Set when the question asks about an article itself (who wrote it, when ...)."""

    @classmethod
    def of(
        cls,
        text: str,
        terms: Sequence[str],
        kind: AnswerType | None,
        wording: frozenset[str],
        weigh: Callable[[str], float],
        *,
        names: tuple[Name, ...] = (),
        about: AboutArticle | None = None,
    ) -> Query:
        """The query of a question with these terms (repeats kept) and this wording."""
        counts: dict[str, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        to_match = tuple(t for t in counts if t not in wording) or tuple(counts)
        weights = {term: weigh(term) for term in to_match}
        return cls(text, counts, kind, wording, to_match, weights, names, about)

    def matched(self, found: Collection[str]) -> frozenset[str]:
        """The terms to match (`terms`) that are among `found` (a sentence's terms, say)."""
        return frozenset(t for t in self.terms if t in found)

    def share(self, found: Collection[str]) -> float:
        """The share of the query's weight in `found`, 0..1, summed in the same order as
        the whole, so that finding every term gives exactly 1.0."""
        weights = self.weights
        return sum(w for t, w in weights.items() if t in found) / sum(weights.values())

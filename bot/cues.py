"""Answer-type cues: what kind of answer a question asks for, and whether a sentence has one.

A who-question is better answered by a sentence naming someone the question
does not name; a when-question by one with a date; a how-many question by one
with a number. These are cheap surface checks, used to break near-ties in the
ranking, never to decide whether there is an answer at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.text import normalize, terms


class AnswerType(Enum):
    FREQUENCY = "frequency"
    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"


_QUESTION_PATTERNS = (
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

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS})\b|\bcentur(?:y|ies)\b"
    r"|\b\d+(?:st|nd|rd|th)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b",
    re.I,
)
_FREQUENCY = re.compile(
    r"\b(?:annual(?:ly)?|yearly|monthly|weekly|daily|hourly|every|each (?:year|month|week|day)"
    r"|once|twice|(?:\w+ )?times? a|per (?:year|month|week|day)|regularly|rarely|seldom)\b",
    re.I,
)
# A capitalised word that does not open the sentence: a name, most of the time.
_NAME = re.compile(r"(?<=[^.!?\"]\s)[A-Z][a-z]+(?:[-'][A-Za-z]+)?")


@dataclass(frozen=True, slots=True)
class Asked:
    """What a question's wording asks for."""

    kind: AnswerType | None
    wording: frozenset[str]
    """Terms of the words that ask for the kind ("how frequently", "what year"): the
    answer states a frequency or a year rather than repeating these words, so they
    are not content to match."""


def asked_for(question: str) -> Asked:
    """The kind of answer a question asks for, when its wording says so."""
    for kind, pattern in _QUESTION_PATTERNS:
        match = pattern.search(question)
        if match:
            return Asked(kind, frozenset(terms(normalize(match.group()))))
    return Asked(None, frozenset())


def has_answer_type(sentence: str, kind: AnswerType, question_terms: frozenset[str]) -> bool:
    """Whether the sentence holds something of that kind the question does not already hold."""
    sentence = normalize(sentence)
    if kind is AnswerType.DATE:
        return bool(_DATE.search(sentence))
    if kind is AnswerType.NUMBER:
        return bool(_NUMBER.search(sentence))
    if kind is AnswerType.FREQUENCY:
        return bool(_FREQUENCY.search(sentence))
    names = {t for match in _NAME.finditer(sentence) for t in terms(match.group())}
    return bool(names - question_terms)

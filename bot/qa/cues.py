"""Answer-type cues: whether a sentence holds the kind of answer a question asks for
(`bot.search.query.Query.kind`).

A who-question is better answered by a sentence naming someone the question
does not name; a when-question by one with a date; a how-many question by one
with a number. These are cheap surface checks, features of the learned reranker
(`bot.qa.ranker`), never used to decide whether there is an answer at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.search.analyzer import Analyzer, default_analyzer, normalize
from bot.search.query import AnswerType

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


def has_answer_type(
    sentence: str,
    kind: AnswerType,
    question_terms: Collection[str],
    analyzer: Analyzer | None = None,
) -> bool:
    """Whether the sentence holds something of that kind the question (its terms,
    `question_terms`) does not already hold. A name is read from the sentence's text
    and compared by its terms (`analyzer`'s, the default one's when None)."""
    sentence = normalize(sentence)
    if kind is AnswerType.DATE:
        return bool(_DATE.search(sentence))
    if kind is AnswerType.NUMBER:
        return bool(_NUMBER.search(sentence))
    if kind is AnswerType.FREQUENCY:
        return bool(_FREQUENCY.search(sentence))
    terms = (analyzer or default_analyzer()).terms
    names = {t for match in _NAME.finditer(sentence) for t in terms(match.group())}
    return any(name not in question_terms for name in names)

"""Answer-type cues: whether a sentence holds the kind of answer a question asks for
(`bot.search.query.Query.kind`), and the rerank boost that follows from it.

A who-question is better answered by a sentence naming someone the question
does not name; a when-question by one with a date; a how-many question by one
with a number. These are cheap surface checks, used to break near-ties in the
ranking, never to decide whether there is an answer at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

from bot.search.analyzer import Analyzer, default_analyzer, normalize
from bot.search.query import AnswerType, Query

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


def boosts(texts: Sequence[str], query: Query, bonus: float, analyzer: Analyzer) -> list[float]:
    """What each candidate's score is multiplied by (the candidates' texts, best first):
    1 + bonus * log2((candidates + 1) / (holders + 1)) for a holder of the kind of answer
    `query` asks for, 1 for the others. A cue most candidates meet (a capitalised name)
    then adds little, one few meet (a frequency, a date) much."""
    kind = query.kind
    if kind is None:
        return [1.0] * len(texts)
    asked = query.counts.keys()
    holds = [has_answer_type(text, kind, asked, analyzer) for text in texts]
    factor = 1.0 + bonus * math.log2((len(holds) + 1) / (sum(holds) + 1))
    return [factor if held else 1.0 for held in holds]

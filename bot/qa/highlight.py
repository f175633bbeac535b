"""What in a quote answers the question: the spans a reader's eye should land on.

A who- or where-question is answered by a name the question does not contain, a
when-question by a date, a how-many question by a number. Anything else (what, why,
how) has no span to point at, and nothing is marked: bolding the question's own words
would only show the reader what they typed. A lone year or a common word is never
marked; when in doubt, nothing is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.search.analyzer import terms
from bot.search.query import AnswerType

Span = tuple[int, int]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A date a reader can place: a day and a month, or a month and a year; never a year alone
# ("in 2022" answers "when" too vaguely to point at, and four digits are often not a date).
_DATE = re.compile(
    rf"\b(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}(?: \d{{4}})?"
    rf"|{_MONTH} (?:of )?\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})(?!\w)"
)
_SPELLED = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    "|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    "|ninety|hundred|dozen|hundreds|dozens|thousands|millions"
)
# A count or an amount, with the word that says what it counts ("90 minutes", "a dozen
# officials", "$3.5 billion"). "One" is left out: "one of the ..." is rarely a count.
_NUMBER = re.compile(
    rf"(?:[$€£]\s?)?\b(?:\d[\d,]*(?:\.\d+)?|(?:{_SPELLED}))\b"
    r"(?:[- ](?:percent|per cent|million|billion|trillion|thousand|hundred))?"
    r"(?:%|(?<=\d)[- ](?!(?:of|and|or|the|a|an|in|on|at|to|for|by|with|from)\b)[a-z]{3,})?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:1[5-9]|20)\d{2}s?")
# A run of capitalised words (initials and "of"/"de" inside allowed): a name when it is
# not the question's own and not a title.
_NAME = re.compile(
    r"(?<![\w.])(?:[A-Z][a-z]+(?:[-'][A-Za-z]+)*|[A-Z]{2,}\b|[A-Z]\.)"
    r"(?:\s(?:(?:of|de|da|van|von|al|bin|the)\s)?"
    r"(?:[A-Z][a-z]+(?:[-'][A-Za-z]+)*|[A-Z]{2,}\b|[A-Z]\.))*"
)
# Words that open a sentence or stand in a title without naming anyone.
_TITLES = frozenset(
    """mr mrs ms dr prof sir gen general maj major col colonel lt lieutenant capt captain
    adm admiral sgt president vice prime minister secretary deputy assistant chairman chair
    director chief ambassador senator rep representative governor mayor king queen prince
    minister sen gov the a an this that these those his her their its our we they he she it
    in on at for and but or so as if when while after before during since until also however
    senior former top u.s state defense foreign national army navy air of""".split()
)
# An organisation, not a person, when its name holds one of these.
_ORGANISATION = frozenset(
    """office commission department ministry army navy force forces agency council university
    committee party news times post bank group company corporation inc ltd association
    institute center centre bureau administration government court house senate congress
    command staff talks meeting summit policy coordination cooperation affairs liberation
    military united states kingdom republic nations union people's""".split()
)
# A place, not a person, when its name holds one of these.
_GEOGRAPHY = frozenset(
    """north south east west northern southern eastern western new city island islands sea
    river mountain mountains county province street avenue airport bay gulf ocean strait
    lake valley coast square""".split()
)
# Not places: the calendar.
_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


def answer_spans(kind: AnswerType | None, asked: frozenset[str], text: str) -> list[Span]:
    """Where in `text` stands the answer to a question asking for `kind` with the terms
    `asked` (as its analysis found them: `Answer.kind`, `Answer.asked`), as (start, end)
    spans in order; empty when it asks for no kind of answer or none is found."""
    if kind is AnswerType.DATE:
        found = [m.span() for m in _DATE.finditer(text)]
    elif kind is AnswerType.NUMBER:
        found = list(_numbers(text, asked))
    elif kind is AnswerType.PERSON:
        found = list(_names(text, asked, people=True))
    elif kind is AnswerType.PLACE:
        found = list(_names(text, asked, people=False))
    else:
        return []
    return _disjoint(found)


def _numbers(text: str, asked: frozenset[str]) -> Iterator[Span]:
    dates = [m.span() for m in _DATE.finditer(text)]
    for match in _NUMBER.finditer(text):
        value = match.group().lstrip("$€£ ").split()[0].split("-")[0]
        if _YEAR.fullmatch(value):
            continue  # a year is not a count
        if any(start <= match.start() < end for start, end in dates):
            continue  # the day of a date
        if asked and set(terms(match.group())) <= asked:
            continue  # the question's own number
        yield match.span()


def _names(text: str, asked: frozenset[str], *, people: bool) -> Iterator[Span]:
    for match in _NAME.finditer(text):
        start, end = match.span()
        words = match.group().split()
        # Titles and sentence openers before the name are not part of it; for a person, what
        # follows the last title or office word is ("Chief of Staff Cai Qi").
        while words and words[0].rstrip(".").casefold() in _TITLES:
            start = text.index(words[1], start) if len(words) > 1 else end
            words = words[1:]
        if people:
            titled = [
                at
                for at, word in enumerate(words)
                if word.rstrip(".").casefold() in _TITLES | _ORGANISATION
            ]
            if titled and titled[-1] < len(words) - 1:
                after = titled[-1] + 1
                start = end - len(" ".join(words[after:]))
                words = words[after:]
        if not words:
            continue
        lowered = {w.rstrip(".").casefold() for w in words}
        if people and (len(words) < 2 or lowered & (_ORGANISATION | _GEOGRAPHY)):
            continue  # a person has a first and a last name; an office is not a person
        if not people and ((len(words) == 1 and len(words[0]) < 3) or lowered & _CALENDAR):
            continue
        if set(terms(" ".join(words))) & asked:
            continue  # the question named it already
        if match.start() == 0 and len(words) == 1 and start == 0:
            continue  # a capitalised word opening the sentence is not a name by that alone
        if text[end - 2 : end] in {"'s", "’s"}:
            end -= 2  # the name, not its possessive
        yield start, end


def _disjoint(spans: list[Span]) -> list[Span]:
    """The spans in order, without overlaps (the earlier, longer one wins)."""
    kept: list[Span] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def person_names(text: str) -> list[str]:
    """The people a text names (two or more capitalised words that are not an office or
    a title), in order."""
    return [text[start:end] for start, end in _names(text, frozenset(), people=True)]

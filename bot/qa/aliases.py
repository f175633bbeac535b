"""Who a surname is: the full name a reader of one quoted sentence needs.

A news article names a person in full once ("Defense Minister Dong Jun") and by surname
after that ("Dong, a former naval commander, assumed the position ..."). A quote of the
later sentence alone leaves the reader guessing, so an answer notes the name as the
article first gave it: "[Dong: Defense Minister Dong Jun]".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.search.analyzer import STOP_WORDS, normalize
from bot.search.index import Index, Sentence

# A run of two or more capitalised words ("Defense Minister Dong Jun", "Lloyd J. Austin").
_NAME_RUN = re.compile(r"\b[A-Z][\w'-]*\.?(?:\s+(?:[A-Z]\.|[A-Z][\w'-]*))+")
# One capitalised word of letters, lower case after its first: a surname, perhaps.
_WORD = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Za-z]+)*\b")
# Notes a quote gets at most: the names it leans on most, not a list of everyone.
_MOST = 2
# How much of an article, from its start, is read for full names: a news article gives a
# name in full where it first uses it, and an encyclopedia-length one costs time per quote.
_READ_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class FullName:
    """A word a quote gives alone, and the longer name its article gave it before."""

    word: str
    name: str

    def note(self) -> str:
        return f"[{self.word}: {self.name}]"


def _runs(text: str) -> list[str]:
    """The runs of capitalised words in `text`, each cut after its last possessive:
    "China's Defense Minister Dong Jun" names Dong Jun, not China."""
    runs = []
    for match in _NAME_RUN.finditer(text):
        words = match.group().split()
        owners = [at for at, word in enumerate(words) if word.endswith("'s")]
        if owners:
            words = words[owners[-1] + 1 :]
        if len(words) > 1:
            runs.append(" ".join(words))
    return runs


def full_names(quoted: Sequence[Sentence], earlier: Iterable[str]) -> tuple[FullName, ...]:
    """The full names of the words that `quoted` (sentences of one article, in order) gives
    alone and that the `earlier` text of that article (its paragraphs before, then its
    sentences before in the same paragraph) gave, first, as the last or next to last word
    of a longer name ("Dong" in "Defense Minister Dong Jun", "Austin" in "Lloyd Austin");
    a name the quote already spells out is not noted."""
    text = " ".join(sentence.text for sentence in quoted)
    in_runs = {word for run in _runs(text) for word in run.split()}
    alone = [
        word
        for word in dict.fromkeys(match.group() for match in _WORD.finditer(text))
        if word not in in_runs and word.casefold() not in STOP_WORDS
    ]
    found: dict[str, str] = {}
    read = 0
    for chunk in earlier:
        if len(found) == len(alone) or read > _READ_CHARS:
            break
        read += len(chunk)
        if not any(word in chunk for word in alone):  # most text names none of them
            continue
        for run in _runs(normalize(chunk)):
            words = [word.rstrip(".") for word in run.split()]
            for word in words[-2:]:
                if word in alone and word not in found and run not in text:
                    found[word] = run
    return tuple(FullName(word, found[word]) for word in alone if word in found)[:_MOST]


def passage_names(index: Index, quoted: Sequence[Sentence]) -> tuple[FullName, ...]:
    """`full_names` for sentences quoted together from one article of `index`, against the
    text of that article before the first of them."""
    first = quoted[0]
    same_paragraph: list[str] = []
    before = index.neighbour(first, -1)
    while before is not None and before.paragraph == first.paragraph:
        same_paragraph.append(before.text)
        before = index.neighbour(before, -1)
    paragraphs = first.document.paragraphs[: first.paragraph - 1]
    return full_names(quoted, [*paragraphs, *reversed(same_paragraph)])

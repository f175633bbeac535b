"""The names of a question that the corpus never mentions, to decline with.

"Who won the 2022 World Cup?" shares "2022" and "won" with the articles, and a sentence
about 2022 can cover enough of the question's weight to be quoted. But a question about
a name the articles never use cannot be answered by them, and saying which name is
missing tells the reader more than a quote about something else.

A name is a run of capitalised words of the question (`bot.search.query.Name`, found
when the question is analysed). A word of it is missing when its term is nowhere in the
index and is not one edit (a letter left out, added, changed or two swapped) from a term
that is, accents aside: such a word is taken for a misspelling ("Merceds", "Beyonce"
for "Beyoncé", "Celeron" for "Céloron"), and the ordinary answer path handles it.
bench/declines.py measures the rule and its variants on SQuAD: leaving acronyms out
("WWII" where the text says "World War II") or counting lowercase words too each cost
more than they gain.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from threading import Lock

from bot.search.index import Index
from bot.search.query import Name, Query

# Letters a misspelling may leave out, add or change (accents are folded away first).
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Shorter terms are one edit from too many others ("Gao" -> "gap") to call misspelt.
_SHORTEST_TYPO = 4


@dataclass(frozen=True, slots=True)
class MissingRule:
    """How missing words decide a decline (bench/declines.py compares the choices)."""

    typos: bool = True
    """A word one edit from a corpus term (accents aside) is a misspelling, not missing."""
    acronyms: bool = True
    """Acronyms and words with digits count ("WWII", "O3")."""
    whole_names: bool = False
    """Decline only when every word of a name is missing, not any one."""
    other_terms: int = 0
    """Decline also when this many terms outside names are missing (0: they never do)."""


RULE = MissingRule()


# Letters that Unicode does not decompose into a plain letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(term: str) -> str:
    """The term without its accents ("beyoncé" -> "beyonce", "bolesław" -> "boleslaw")."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFKD", term.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _holds(terms: Sequence[str], term: str) -> bool:
    at = bisect_left(terms, term)
    return at < len(terms) and terms[at] == term


class Vocabulary:
    """The terms an index holds (sorted, as `bot.search.index.assemble` keeps them), and
    the accent-folded forms of those that have accents."""

    def __init__(self, index: Index) -> None:
        self.version = index.version
        self._analyzer = index.analyzer
        self._terms: Sequence[str] = index.snapshot().layout.vocabulary
        self._folded: Sequence[str] | None = None

    def holds(self, term: str) -> bool:
        """Whether the index holds `term`."""
        return _holds(self._terms, term)

    def _holds_folded(self, term: str) -> bool:
        if self._folded is None:  # few terms have accents: folded once, when first needed
            self._folded = sorted({fold(t) for t in self._terms if not t.isascii()})
        return _holds(self._terms, term) or _holds(self._folded, term)

    def near(self, term: str, word: str | None = None) -> bool:
        """Whether the index holds a term one edit from `term`, accents aside, or the
        term of a word one edit from `word` (the word `term` is of): stemming may take
        a misspelling further ("Merceds" is "merc", "Mercedes" "merced")."""
        folded = fold(term)
        if len(folded) < _SHORTEST_TYPO:
            return False
        if self._holds_folded(folded) or any(map(self._holds_folded, _edits(folded))):
            return True
        if word is None:
            return False
        stem = self._analyzer.term
        return any(
            (edited := stem(e)) is not None and self._holds_folded(edited)
            for e in _edits(fold(word.casefold()))
        )


_latest: Vocabulary | None = None
_latest_lock = Lock()


def vocabulary_of(index: Index) -> Vocabulary:
    """The vocabulary of `index`, kept for the latest corpus asked about."""
    global _latest  # noqa: PLW0603 - one slot: the corpus answering now
    with _latest_lock:
        if _latest is None or _latest.version != index.version:
            _latest = Vocabulary(index)
        return _latest


def _edits(term: str) -> Iterator[str]:
    """Every string one deletion, transposition, change or insertion from `term`."""
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]
            if len(right) > 1:
                yield left + right[1] + right[0] + right[2:]
            for letter in _LETTERS:
                yield left + letter + right[1:]
        for letter in _LETTERS:
            yield left + letter + right


def _is_acronym(word: str) -> bool:
    return (len(word) > 1 and word.isupper()) or any(c.isdigit() for c in word)


def missing_words(name: Name, vocabulary: Vocabulary, rule: MissingRule = RULE) -> tuple[str, ...]:
    """The words of `name` (as written) that the corpus never mentions."""
    missing = tuple(
        word
        for word, term in zip(name.words, name.terms, strict=True)
        if not vocabulary.holds(term)
        and (rule.acronyms or not _is_acronym(word))
        and not (rule.typos and vocabulary.near(term, word))
    )
    if rule.whole_names and len(missing) < len(name.words):
        return ()
    return missing


def missing_names(index: Index, query: Query, rule: MissingRule = RULE) -> tuple[str, ...]:
    """The names of the question the corpus never mentions, whole and as the question
    wrote them ("World Cup", though "world" alone is in it). Empty when every name is
    there (or misspelt from one that is)."""
    if not query.names and not rule.other_terms:
        return ()
    vocabulary = vocabulary_of(index)
    found = [name.text for name in query.names if missing_words(name, vocabulary, rule)]
    if rule.other_terms:
        in_names = {t for name in query.names for t in name.terms}
        others = [
            t
            for t in query.terms
            if t not in in_names
            and not vocabulary.holds(t)
            and not (rule.typos and vocabulary.near(t))
        ]
        if len(others) >= rule.other_terms:
            found.extend(others)
    return tuple(dict.fromkeys(found))

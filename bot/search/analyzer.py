"""The analyzer: one place that turns text into sentences and search terms.

Sentences and questions go through the same `Analyzer`, so a question word and a
corpus word meet as the same stem. The module functions (`terms`, `words`,
`split_sentences`, `sentence_spans`) use the default analyzer, made at first use.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata

import Stemmer

from bot.search.query import ABOUT_CUES, AboutArticle, Name, Query, asking, asking_about
from bot.search.splitter import SentenceSplitter

# The common English stop word list (NLTK's, from Snowball's), less the contractions
# (words split at apostrophes, so "don't" arrives as "don" + "t"), plus "us": the
# pronoun can go because the country is written "US" or "U.S.", kept as an acronym.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing would should could ought cannot a an the and but if or
    because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such
    no nor not only own same so than too very s t d ll m re ve don can will just us
    """.split()
)

# What a word is: a dotted acronym (U.S., U.N.) or a run of letters and digits. Apostrophes and
# hyphens split words: "China's" -> "China" + "s" (a stop word), "US-China" -> "US", "China".
WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+")


# Curly quotes and primes that people type interchangeably become straight ones. NFKC
# never makes them, nor a format character (see `normalize`).
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)


@cache
def _invisible(character: str) -> bool:
    """Whether a character is a format character (category Cf): zero-width space, soft
    hyphen, joiners, direction marks, byte order mark."""
    return unicodedata.category(character) == "Cf"


_CURLY = re.compile("[" + "".join(map(chr, _QUOTES)) + "]")


def _normal(text: str) -> bool:
    """Whether `normalize` gives `text` back as it is, found without copying it. Printable
    text holds no format character and no whitespace but the space."""
    if not text.isprintable() or "  " in text or text[:1] == " " or text[-1:] == " ":
        return False
    return text.isascii() or (not _CURLY.search(text) and unicodedata.is_normalized("NFKC", text))


def normalize(text: str) -> str:
    """NFKC, straight quotes, no format characters and single spaces: the form every
    other step sees."""
    if _normal(text):  # as the files' paragraphs are: not split into words and joined
        return text
    if not text.isascii():  # ASCII is its own NFKC form and holds no curly quotes
        # Quotes first: NFKC would turn a double prime into two single ones. Invisible
        # characters inside words go, so that "dele\u200bgation" is the word "delegation".
        text = text.translate(_QUOTES)
        invisible = [c for c in set(text) if not c.isascii() and _invisible(c)]
        if invisible:
            text = text.translate(dict.fromkeys(map(ord, invisible)))
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text, where it stands, and the term it indexes as (None: a stop word)."""

    start: int
    end: int
    term: str | None


# Surface words whose term an analyzer remembers; then it forgets them all, which costs
# a little speed and never changes a result.
_MEMO_LIMIT = 1 << 20


class Analyzer:
    """Text -> sentences and search terms, with its stop words, stemmer and a memo of
    the term of each surface word seen (so each distinct word is stemmed once)."""

    # What the analyzer makes of text, declared rather than hashed from source files (code
    # moved between modules would not change what it makes). Bump it with any change to
    # how text is normalized, split into sentences or turned into terms, and to how
    # bot/corpus/ reads and cleans files (the cache keeps parsed files under this
    # version too): cached work of another version is then rebuilt.
    VERSION = 2

    def __init__(self, stop_words: Iterable[str] = STOP_WORDS, language: str = "english") -> None:
        self.stop_words = frozenset(stop_words)
        self.language = language
        self._stemmer = Stemmer.Stemmer(language)
        self._splitter: SentenceSplitter | None = None  # made when first needed
        self._term_of: dict[str, str | None] = {}
        self._version: str | None = None

    def __reduce__(self) -> tuple[type[Analyzer], tuple[frozenset[str], str]]:
        # Sent to worker processes by what it is made from; its memo stays here.
        return type(self), (self.stop_words, self.language)

    @property
    def version(self) -> str:
        """A short hash of `VERSION`, the stop words and language, and the versions of
        nupunkt and PyStemmer: analyses made under another version are stale."""
        if self._version is None:
            digest = hashlib.sha256(f"{self.VERSION}\0{self.language}".encode())
            digest.update(" ".join(sorted(self.stop_words)).encode())
            for package in ("nupunkt", "PyStemmer"):
                try:
                    digest.update(f"\0{package}={metadata.version(package)}".encode())
                except metadata.PackageNotFoundError:
                    digest.update(f"\0{package}=?".encode())
            self._version = digest.hexdigest()[:16]
        return self._version

    def term(self, surface: str) -> str | None:
        """The search term of one word as `WORD` finds it (None: a stop word)."""
        word = surface.replace(".", "") if "." in surface else surface
        # An all-capitals word of two or more letters is an acronym: "US" is the
        # country, not the pronoun "us", so it is never dropped as a stop word.
        is_acronym = len(word) > 1 and word.isupper()
        folded = word.casefold()
        if not is_acronym and folded in self.stop_words:
            return None
        stemmed: str = self._stemmer.stemWord(folded)
        return stemmed

    word_pattern = WORD
    """What a word is: each match of it in a normalized text is a word, whose term
    `term` gives."""

    def words(self, text: str) -> Iterator[Word]:
        """Every word of `text` (already normalized) with its search term."""
        for match in WORD.finditer(text):
            yield Word(match.start(), match.end(), self.term(match.group()))

    def remembered_term(self, surface: str) -> str | None:
        """`term`, from the memo when the word was seen before."""
        known = self._term_of
        try:
            return known[surface]
        except KeyError:
            term = known[surface] = self.term(surface)
            if len(known) > _MEMO_LIMIT:
                known.clear()
            return term

    def terms(self, text: str) -> list[str]:
        """The search terms of `text`, in order, repeats kept (BM25 counts them)."""
        found: list[str] = []
        known = self._term_of
        for surface in WORD.findall(normalize(text)):
            try:
                term = known[surface]
            except KeyError:
                term = self.remembered_term(surface)
            if term is not None:
                found.append(term)
        return found

    def analyse_question(self, question: str, weigh: Callable[[str], float]) -> Query:
        """The query of a question: its terms, what its wording asks for, and each term's
        weight by `weigh` (the index's, see `bot.search.index.Index.parse`)."""
        kind, wording = asking(question)
        wording_terms = frozenset(self.terms(normalize(wording))) if wording else frozenset()
        field, span = asking_about(question)
        about = None
        if field is not None:
            cues = frozenset(
                self.terms(" ".join(w for w in WORD.findall(span) if w.casefold() in ABOUT_CUES))
            )
            about = AboutArticle(field, cues)
        names = self.names(normalize(question))
        return Query.of(
            question, self.terms(question), kind, wording_terms, weigh, names=names, about=about
        )

    def names(self, text: str) -> tuple[Name, ...]:
        """The runs of capitalised words (acronyms and numbers among them) of `text`
        (already normalized): the names a question asks about. A run ends at any other
        word or punctuation; stop words ("What", "Who") are never names."""
        runs: list[list[tuple[int, int, str]]] = []
        last_end = -1
        first: int | None = None
        for word in self.words(text):
            first = word.start if first is None else first
            surface = text[word.start : word.end]
            if not surface[0].isupper() or word.term is None:
                last_end = -1
                continue
            if runs and last_end >= 0 and text[last_end : word.start] in (" ", "-"):
                runs[-1].append((word.start, word.end, word.term))
            else:
                runs.append([(word.start, word.end, word.term)])
            last_end = word.end
        # Any question opens with a capital: its opening word alone is no name
        # ("Unsurprisingly, ..."), unless an acronym ("NATO").
        if runs and len(runs[0]) == 1 and runs[0][0][0] == first:
            start, end, _ = runs[0][0]
            if not (end - start > 1 and text[start:end].isupper()):
                runs.pop(0)
        return tuple(
            Name(
                text[run[0][0] : run[-1][1]],
                tuple(text[start:end] for start, end, _ in run),
                tuple(term for _, _, term in run),
            )
            for run in runs
        )

    @property
    def splitter(self) -> SentenceSplitter:
        """Its sentence splitter (the stop words are the words that may start a sentence
        after an abbreviation), made when first needed."""
        if self._splitter is None:
            self._splitter = SentenceSplitter(self.stop_words)
        return self._splitter

    def sentence_spans(self, paragraph: str) -> list[tuple[int, int]]:
        """Where each sentence of an already normalized paragraph starts and ends (see
        `splitter`).

        `[paragraph[a:b] for a, b in sentence_spans(paragraph)]` are its sentences.
        """
        return self.splitter.spans(paragraph)

    def split_sentences(self, paragraph: str) -> list[str]:
        """Split one paragraph of news prose into sentences.

        Titles and abbreviations (U.S., Maj. Gen., Dr., Jr., Jan.), initials, decimals
        and quotations stay inside their sentence (tests/data/sentence_boundaries.jsonl
        holds the cases it is measured on).
        """
        paragraph = normalize(paragraph)
        return [paragraph[a:b] for a, b in self.sentence_spans(paragraph)]


@cache
def default_analyzer() -> Analyzer:
    """The analyzer the corpus and questions go through unless another is passed in."""
    return Analyzer()


def words(text: str) -> Iterator[Word]:
    """Every word of `text` (already normalized) with its search term (default analyzer)."""
    return default_analyzer().words(text)


def terms(text: str) -> list[str]:
    """The search terms of `text`, in order, repeats kept (default analyzer)."""
    return default_analyzer().terms(text)


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """Where each sentence of an already normalized paragraph starts and ends (default
    analyzer)."""
    return default_analyzer().sentence_spans(paragraph)


def split_sentences(paragraph: str) -> list[str]:
    """One paragraph of news prose split into sentences (default analyzer)."""
    return default_analyzer().split_sentences(paragraph)

"""Hits -> an answer: which sentences to quote, or an honest "not in the corpus".

Whether the corpus answers a question is decided from what the question and a
sentence share (the weight of the question's terms the sentence contains),
never from a BM25 score being above zero: BM25 scores are relative and come
out positive for a sentence that shares one common word.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.corpus import Document
from bot.index import Hit, Index, Sentence
from bot.text import terms

NOTHING_TO_SEARCH = "nothing to search for"
NOT_IN_CORPUS = "not in the corpus"

# Two sentences sharing this share of their terms (Jaccard) say the same thing:
# captions repeated under a photo, a quote given twice.
_NEAR_DUPLICATE = 0.8
# A sentence opening with one of these leans on the one before it for its subject.
_PRONOUNS = frozenset(
    "he she it they this these those that his her its their him them such".split()
)

# How many more hits than passages to ask the index for, so that dropping
# near-duplicates and weak matches still leaves enough to quote.
_SEARCH_SLACK = 4


@dataclass(frozen=True, slots=True)
class Passage:
    """A quoted sentence, why it matched, and which cited source it is."""

    sentence: Sentence
    score: float
    matched: frozenset[str]
    source_number: int
    """1-based number of its document in `Answer.sources`."""
    lead_in: Sentence | None = None
    """The sentence before, quoted too when this one opens with a pronoun."""

    @property
    def text(self) -> str:
        """What is quoted: the sentence, after its lead-in when there is one."""
        if self.lead_in is None:
            return self.sentence.text
        return f"{self.lead_in.text} {self.sentence.text}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says to a question, before it is rendered anywhere."""

    question: str
    answered: bool
    passages: tuple[Passage, ...]
    sources: tuple[Document, ...]
    """The cited documents, numbered by first citation (empty when not answered)."""
    corpus_version: str
    reason: str | None = None
    """Why nothing is quoted: `NOTHING_TO_SEARCH`, `NOT_IN_CORPUS` or a length limit."""
    closest: tuple[Document, ...] = ()
    """When not answered: the documents of the nearest weak matches."""


def window(answer: Answer, start: int, stop: int | None = None) -> Answer:
    """The answer with only passages [start:stop], its sources renumbered to match."""
    passages = answer.passages[start:stop]
    sources = tuple(dict.fromkeys(p.sentence.document for p in passages))
    renumbered = tuple(
        replace(p, source_number=sources.index(p.sentence.document) + 1) for p in passages
    )
    return replace(answer, passages=renumbered, sources=sources)


def _is_near_duplicate(a: Sentence, b: Sentence) -> bool:
    a_terms, b_terms = set(terms(a.text)), set(terms(b.text))
    union = a_terms | b_terms
    return bool(union) and len(a_terms & b_terms) / len(union) >= _NEAR_DUPLICATE


def lead_in(index: Index, sentence: Sentence) -> Sentence | None:
    """The previous sentence of the same paragraph, if `sentence` opens with a pronoun."""
    first_word = sentence.text.split(maxsplit=1)[0].strip("\"'(").casefold()
    if first_word not in _PRONOUNS:
        return None
    previous = index.previous_sentence(sentence)
    if previous is None or previous.paragraph != sentence.paragraph:
        return None
    return previous


def compose(
    question: str,
    hits: list[Hit],
    index: Index,
    *,
    k: int,
    min_coverage: float,
) -> Answer:
    """Choose up to `k` passages from ranked hits, or decline.

    A hit is quoted only when it contains at least `min_coverage` of the
    question's term weight; a sentence nearly identical to one already chosen
    is skipped.
    """
    corpus_version = index.version
    if not terms(question):
        return Answer(question, False, (), (), corpus_version, reason=NOTHING_TO_SEARCH)
    chosen: list[Hit] = []
    for hit in hits:
        if len(chosen) == k:
            break
        if hit.context_coverage < min_coverage:
            continue
        if any(_is_near_duplicate(hit.sentence, c.sentence) for c in chosen):
            continue
        if any(hit.sentence in (c.sentence, lead_in(index, c.sentence)) for c in chosen):
            continue  # already quoted, as a passage or as a passage's lead-in
        chosen.append(hit)
    if not chosen:
        closest = tuple(dict.fromkeys(h.sentence.document for h in hits[:3]))
        return Answer(
            question, False, (), (), corpus_version, reason=NOT_IN_CORPUS, closest=closest
        )
    sources = tuple(dict.fromkeys(h.sentence.document for h in chosen))
    passages = []
    quoted: set[Sentence] = {h.sentence for h in chosen}
    for hit in chosen:
        before = lead_in(index, hit.sentence)
        if before in quoted:
            before = None  # quoted already: do not repeat it
        elif before is not None:
            quoted.add(before)
        number = sources.index(hit.sentence.document) + 1
        passages.append(Passage(hit.sentence, hit.score, hit.matched, number, lead_in=before))
    return Answer(question, True, tuple(passages), sources, corpus_version)


def answer_question(
    index: Index,
    question: str,
    *,
    k: int,
    min_coverage: float,
    max_question_chars: int,
) -> Answer:
    """The whole answer path, from a question's text to an `Answer`.

    The CLI, the Discord bot and the benchmarks all call this one function.
    """
    question = " ".join(question.split())
    if len(question) > max_question_chars:
        reason = (
            f"question too long ({len(question):,} characters; the limit is {max_question_chars:,})"
        )
        return Answer(question, False, (), (), index.version, reason=reason)
    hits = index.search(question, k * _SEARCH_SLACK)
    return compose(question, hits, index, k=k, min_coverage=min_coverage)

"""Hits -> an answer: which sentences to quote, or an honest "not in the corpus".

Whether the corpus answers a question is decided from what the question and a
sentence share (the weight of the question's terms the sentence contains),
never from a BM25 score being above zero: BM25 scores are relative and come
out positive for a sentence that shares one common word.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.corpus import Document
from bot.qa.about import SourceFact, source_facts
from bot.qa.aliases import FullName, passage_names
from bot.qa.missing import RULE, MissingRule, missing_names
from bot.qa.rerank import search
from bot.search.index import Hit, Index, Sentence
from bot.search.query import AnswerType, Query

NOTHING_TO_SEARCH = "nothing to search for"
NOT_IN_CORPUS = "not in the corpus"

# Two sentences sharing this share of their terms (Jaccard) say the same thing:
# captions repeated under a photo, a quote given twice.
_NEAR_DUPLICATE = 0.8
# A sentence opening with one of these leans on the one before it for its subject.
_PRONOUNS = frozenset(
    "he she it they this these those that his her its their him them such".split()
)

# A next sentence holding this share of the question's weight that a hit lacks is quoted
# with it (see `follow_on`). On 3,000 SQuAD questions, 0.1 / 0.2 / 0.3 / 0.45 gave acc@1
# 0.748 / 0.732 / 0.726 / 0.718 with quotes of 209 / 199 / 195 / 193 characters on
# average (none: 0.718, 193): 0.2 gets half the gain of 0.1 for 6 characters, not 16.
_FOLLOW_ON_GAIN = 0.2

# How many more hits than passages to ask the index for, so that dropping
# near-duplicates and weak matches still leaves enough to quote.
_SEARCH_SLACK = 4
# Whether the corpus answers at all is decided on this many of the best hits, whatever
# the number of passages asked for: the bot asks for more than it shows (for its "More"
# button) and must decide as `ask` does. 12 = 3 passages x _SEARCH_SLACK, the window the
# min_coverage calibration (bench/squad.py) used.
_ANSWER_WINDOW = 12
# How deep to look for more passages once answered: further down, few sentences hold
# enough of the question to quote, and each search costs more (see answer_question).
_DEEPEST = 160


@dataclass(frozen=True, slots=True)
class Passage:
    """A quoted sentence, why it matched, and which cited source it is."""

    sentence: Sentence
    score: float
    matched: frozenset[str]
    """The question's terms in the quote (the sentence and its lead-in and follow-on)."""
    source_number: int
    """1-based number of its document in `Answer.sources`."""
    lead_in: Sentence | None = None
    """The sentence before, quoted too when this one opens with a pronoun."""
    follow_on: Sentence | None = None
    """The sentence after, quoted too when it holds the rest of the question's terms."""
    names: tuple[FullName, ...] = ()
    """Full names the article gave earlier for words the quote gives alone ("Dong" is
    Defense Minister Dong Jun): notes that follow the quote."""

    @property
    def quoted(self) -> tuple[Sentence, ...]:
        """The sentences quoted, in reading order."""
        return tuple(s for s in (self.lead_in, self.sentence, self.follow_on) if s is not None)

    @property
    def text(self) -> str:
        """What is quoted: the sentence, between its lead-in and follow-on when it has them."""
        return " ".join(s.text for s in self.quoted)

    @property
    def span(self) -> tuple[int, int]:
        """The positions of the first and last sentences quoted (equal for one sentence)."""
        return self.quoted[0].position, self.quoted[-1].position


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
    facts: tuple[SourceFact, ...] = ()
    """A question about the articles themselves (who wrote one ...): answered from their
    metadata, not their text, with no passages (see `bot.qa.about`)."""
    missing: tuple[str, ...] = ()
    """When not answered: the names of the question the corpus never mentions, as the
    question wrote them (see `bot.qa.missing`)."""
    kind: AnswerType | None = None
    """The kind of answer the question asks for, as its analysis found (what a card bolds)."""
    asked: frozenset[str] = frozenset()
    """The question's terms, as its analysis found them."""


def window(answer: Answer, start: int, stop: int | None = None) -> Answer:
    """The answer with only passages [start:stop], its sources renumbered to match."""
    if answer.facts:  # from the articles' metadata: no passages to window
        return answer
    passages = answer.passages[start:stop]
    sources = tuple(dict.fromkeys(p.sentence.document for p in passages))
    renumbered = tuple(
        replace(p, source_number=sources.index(p.sentence.document) + 1) for p in passages
    )
    return replace(answer, passages=renumbered, sources=sources)


def _is_near_duplicate(index: Index, a: Sentence, b: Sentence) -> bool:
    a_terms, b_terms = set(index.terms_of(a)), set(index.terms_of(b))
    union = a_terms | b_terms
    return bool(union) and len(a_terms & b_terms) / len(union) >= _NEAR_DUPLICATE


def lead_in(index: Index, sentence: Sentence) -> Sentence | None:
    """The previous sentence of the article, if `sentence` opens with a pronoun: news
    paragraphs are short, so "He said ..." often names its subject in the paragraph
    before."""
    first_word = sentence.text.split(maxsplit=1)[0].strip("\"'(").casefold()
    if first_word not in _PRONOUNS:
        return None
    return index.neighbour(sentence, -1)


def _matched(index: Index, sentence: Sentence, query: Query) -> frozenset[str]:
    """The query's terms that the sentence contains (by the terms the index holds for it)."""
    return query.matched(frozenset(index.terms_of(sentence)))


def follow_on(index: Index, hit: Hit, query: Query) -> Sentence | None:
    """The next sentence of the same paragraph, if it holds at least `_FOLLOW_ON_GAIN` of
    the query's weight that the hit lacks: a question whose terms the text spreads over
    two sentences is answered by both."""
    after = index.neighbour(hit.sentence, 1)
    if after is None or after.paragraph != hit.sentence.paragraph:
        return None
    gained = _matched(index, after, query) - hit.matched
    weights = query.weights
    total = sum(weights.values())
    if not total or sum(weights[t] for t in gained) / total < _FOLLOW_ON_GAIN:
        return None
    return after


def compose(
    query: Query,
    hits: list[Hit],
    index: Index,
    *,
    k: int,
    min_coverage: float,
) -> Answer:
    """Choose up to `k` passages from ranked hits (found for `query` in `index`), or decline.

    A hit is quoted only when it contains at least `min_coverage` of the
    question's term weight (with its paragraph); a sentence nearly identical to
    one already chosen, or quoted already, is skipped.
    """
    question = query.text
    corpus_version = index.version
    if not query.counts:
        return Answer(question, False, (), (), corpus_version, reason=NOTHING_TO_SEARCH)
    chosen: list[tuple[Hit, Sentence | None, Sentence | None]] = []
    quoted: set[Sentence] = set()
    for hit in hits:
        if len(chosen) == k:
            break
        if hit.context_coverage < min_coverage or hit.sentence in quoted:
            continue
        if any(_is_near_duplicate(index, hit.sentence, c.sentence) for c, _, _ in chosen):
            continue
        # Neighbours quoted already (as passages or their neighbours) are not repeated.
        before = lead_in(index, hit.sentence)
        before = None if before in quoted else before
        after = follow_on(index, hit, query)
        after = None if after in quoted else after
        quoted.update(s for s in (before, hit.sentence, after) if s is not None)
        chosen.append((hit, before, after))
    if not chosen:
        closest = tuple(dict.fromkeys(h.sentence.document for h in hits[:3]))
        return Answer(
            question, False, (), (), corpus_version, reason=NOT_IN_CORPUS, closest=closest
        )
    sources = tuple(dict.fromkeys(hit.sentence.document for hit, _, _ in chosen))
    passages = tuple(
        Passage(
            hit.sentence,
            hit.score,
            hit.matched.union(
                *(_matched(index, s, query) for s in (before, after) if s is not None)
            ),
            sources.index(hit.sentence.document) + 1,
            lead_in=before,
            follow_on=after,
            names=passage_names(index, [s for s in (before, hit.sentence, after) if s]),
        )
        for hit, before, after in chosen
    )
    return Answer(
        question,
        True,
        passages,
        sources,
        corpus_version,
        kind=query.kind,
        asked=frozenset(query.counts),
    )


def answer_question(
    index: Index,
    question: str,
    *,
    k: int,
    min_coverage: float,
    max_question_chars: int,
    missing: MissingRule | None = RULE,
) -> Answer:
    """The whole answer path, from a question's text to an `Answer`.

    The CLI, the Discord bot and the benchmarks all call this one function. `missing`:
    how names the corpus never mentions decline the question (None: they don't;
    bench/declines.py compares).
    """
    question = " ".join(question.split())
    if len(question) > max_question_chars:
        reason = (
            f"question too long ({len(question):,} characters; the limit is {max_question_chars:,})"
        )
        return Answer(question, False, (), (), index.version, reason=reason)
    query = index.parse(question)  # the only time the question is analysed
    facts = source_facts(index, query, k=k, min_coverage=min_coverage)
    if facts:
        sources = tuple(fact.document for fact in facts)
        return Answer(question, True, (), sources, index.version, facts=facts)
    depth = max(k * _SEARCH_SLACK, _ANSWER_WINDOW)
    hits = search(index, query, depth)
    absent = missing_names(index, query, missing) if missing else ()
    if absent:
        closest = tuple(dict.fromkeys(h.sentence.document for h in hits[:3]))
        return Answer(
            question, False, (), (), index.version, NOT_IN_CORPUS, closest, missing=absent
        )
    if not any(hit.context_coverage >= min_coverage for hit in hits[:_ANSWER_WINDOW]):
        return compose(query, hits[:_ANSWER_WINDOW], index, k=k, min_coverage=min_coverage)
    answer = compose(query, hits, index, k=k, min_coverage=min_coverage)
    # Near-duplicates and weak matches used up the hits before `k` passages: look deeper,
    # to the same limit for any k, so that asking for more passages never changes the
    # first ones. Once, straight to the limit: the best `depth` hits are the first
    # `depth` of any deeper search, and compose takes hits in order, so the passages
    # are those of every depth in between, and one search costs less than several.
    if len(answer.passages) < k and len(hits) == depth < _DEEPEST:
        hits = search(index, query, _DEEPEST)
        answer = compose(query, hits, index, k=k, min_coverage=min_coverage)
    return answer

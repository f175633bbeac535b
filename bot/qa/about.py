"""Questions about the articles themselves: who wrote one, who published it, when, its title.

"Who wrote the DOD News article?" asks about a source, not about events: no sentence of
the article says who wrote it, its byline does. The wording is recognised when the
question is analysed (`bot.search.query.asking_about`: it must name an article, a
publisher or an outlet, so "Who wrote the Constitution?" is never one); here the article
is identified and its metadata answers.

Which article: one whose publisher or author the question names ("DOD News", "IRIA" for
"IRIA - International Relations ...", or the initials of a publisher's name), narrowed by
the rest of the question when it says more; else the articles whose sentences (with
their titles) best match the rest of the question ("the article about Xie Feng"), as
well as any question is matched. An article that lacks what is asked is said to lack
it when the question named it, and passed over when it was only matched; when no
article is found the question goes down the ordinary answer path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.corpus import Document, metadata
from bot.search.index import Index
from bot.search.query import Name, Query, SourceField

# How many sentences to look through for the articles best matching the question.
_DEPTH = 30
_INITIALS_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class SourceFact:
    """One article's author, publisher, date or title: an answer from its metadata."""

    field: SourceField
    value: str | None
    """None: the article does not say (no byline, no date)."""
    document: Document
    source_number: int
    """1-based number of its document in `Answer.sources`."""


def field_value(document: Document, field: SourceField) -> str | None:
    """What the document's metadata says for `field`."""
    if field is SourceField.TITLE:
        return document.title
    value: str | None = getattr(document, field.value)
    return value or None


def _initials(text: str) -> str:
    return "".join(word[0] for word in _INITIALS_WORD.findall(text) if word[0].isupper())


class Byline(Protocol):
    """Who published and wrote an article (a `Document` is one)."""

    @property
    def publisher(self) -> str | None: ...

    @property
    def author(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class _Byline:
    publisher: str | None
    author: str | None


def _people(documents: Sequence[Document]) -> list[_Byline]:
    """Every document's byline, without making the documents (see `bot.corpus.column`)."""
    publishers, authors = metadata(documents, "publisher"), metadata(documents, "author")
    return [_Byline(p, a) for p, a in zip(publishers, authors, strict=True)]


def names_document(name: Name, document: Byline) -> bool:
    """Whether `name` (from the question) is this document's publisher or author: the
    whole of it, its first part ("IRIA" of "IRIA - International ..."), its initials, or
    an author's surname."""
    said = name.text.casefold()
    publisher, author = document.publisher, document.author
    if publisher:
        folded = publisher.casefold()
        if said == folded or folded.startswith((said + " ", said + ",")):
            return True
        if len(name.text) > 1 and name.text.isupper() and name.text == _initials(publisher):
            return True
    if author:
        folded = author.casefold()
        return said == folded or folded.endswith(" " + said)
    return False


def source_facts(
    index: Index, query: Query, *, k: int, min_coverage: float
) -> tuple[SourceFact, ...]:
    """The metadata answering a question about articles (`query.about`), up to `k`
    articles, numbered in order; empty when the question is not one or no article is found."""
    about = query.about
    if about is None:
        return ()
    people = _people(index.documents)
    identifying = [n for n in query.names if any(names_document(n, p) for p in people)]
    named = [
        index.documents[number]
        for number, p in enumerate(people)
        if any(names_document(n, p) for n in identifying)
    ]
    left_out = about.wording.union(*(n.terms for n in identifying))
    rest = tuple(t for t in query.terms if t not in left_out)
    documents: list[Document] = []
    if rest:
        rest_query = Query.of(query.text, rest, None, frozenset(), index.term_weight)
        hits = index.search(rest_query, _DEPTH)
        if named:
            ids = {d.id for d in named}
            documents = [h.sentence.document for h in hits if h.sentence.document.id in ids]
        else:
            # The title counts with the sentence: "the article about the port strike".
            titles: dict[str, frozenset[str]] = {}
            for hit in hits:
                document = hit.sentence.document
                if document.id not in titles:
                    titles[document.id] = frozenset(index.analyzer.terms(document.title))
                covered = rest_query.share(hit.matched | titles[document.id])
                if max(hit.context_coverage, covered) >= min_coverage:
                    documents.append(document)
    documents = list(dict.fromkeys(documents or named))
    if not named:  # matched, not named: only articles that say what is asked
        documents = [d for d in documents if field_value(d, about.field)]
    return tuple(
        SourceFact(about.field, field_value(d, about.field), d, number)
        for number, d in enumerate(documents[:k], start=1)
    )

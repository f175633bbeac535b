"""Documents -> sentences -> an immutable index -> ranked hits.

A sentence's rank combines its own BM25Okapi score with the evidence around it
(see `Ranking`); whether it is good enough to quote is decided later, in
`bot.qa.answer`, from the question terms it actually contains.

The index keeps no Python object per sentence: where each sentence lies (its
document, paragraph and character span in the paragraph's text) and the postings
are numpy arrays, and `Sentence` objects are made when asked for. Analysing the
text (`bot.search.analysis`) is the slow part of a build; `bot.store.corpus_store` does it
once per document text and keeps the built index (`Index.snapshot`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.corpus import CorpusError, Document, column
from bot.corpus.table import nul_joined
from bot.memory import release_free_memory
from bot.search.analysis import Analysis, analyse_documents
from bot.search.analyzer import Analyzer, default_analyzer
from bot.search.params import BM25Params
from bot.search.postings import Postings
from bot.search.query import Query
from bot.search.select import Backend, Paragraphs, default_backend, top
from bot.search.sentences import Layout, Sentence, Sentences, split_document
from bot.search.snapshot import IndexSnapshot
from bot.workers import available_cores

# Searches run in threads (never on the event loop). More of them at once than there are
# cores would not finish sooner, and each holds the GIL for part of its time (all of it on
# the numpy path; outside the compiled kernel's loops otherwise): each one more is a
# thread the event loop competes with for the GIL. The others wait here.
_SEARCHING = threading.BoundedSemaphore(available_cores())

__all__ = [
    "BM25Params",
    "Hit",
    "Index",
    "Ranking",
    "Sentence",
    "Sentences",
    "assemble",
    "build_index",
    "split_document",
]


@dataclass(frozen=True, slots=True)
class Hit:
    """A sentence that shares terms with a question, and how well it matches."""

    sentence: Sentence
    score: float
    matched: frozenset[str]
    """The question's terms that the sentence contains."""
    coverage: float
    """Share of the question's term weight (idf) that the sentence contains, 0..1."""
    context_coverage: float
    """The same share for the sentence and its paragraph together, 0..1: the evidence
    a reader gets, since a sentence often names its subject only in the one before."""


@dataclass(frozen=True, slots=True)
class Ranking:
    """How much the evidence around a sentence adds to its own BM25 score."""

    paragraph_weight: float = 1.0
    """Times the BM25 score of the sentence's paragraph (as a short document)."""
    rerank_depth: int = 30
    """How many of the best sentences by BM25 evidence the learned reranker reorders
    (`bot.qa.rerank`; the depth its model was trained for)."""


class DocumentNumbers:
    """Document id -> its number in the corpus, worked out at the first lookup: a start
    served from a stored index makes no Python object per document until it is asked."""

    __slots__ = ("_documents", "_lock", "_numbers")

    def __init__(self, documents: Sequence[Document]) -> None:
        self._documents = documents
        self._numbers: dict[str, int] | None = None
        self._lock = threading.Lock()

    def get(self, doc_id: str) -> int | None:
        numbers = self._numbers
        if numbers is None:
            with self._lock:
                if self._numbers is None:
                    ids = column(self._documents, "id")
                    self._numbers = {doc_id: n for n, doc_id in enumerate(ids)}
                numbers = self._numbers
        return numbers.get(doc_id)


@dataclass(frozen=True, slots=True, eq=False)
class Index:
    """An immutable search index over the sentences of a corpus.

    Build it with `build_index`. Nothing changes it after that, so a reload
    builds a new one and swaps the reference; searches already running keep
    the object they started with.
    """

    documents: Sequence[Document]
    """In corpus order: a tuple, or a `bot.corpus.DocumentTable` mapped from a stored index."""
    version: str
    """A short hash of the indexed text and the BM25 parameters."""
    ranking: Ranking
    analyzer: Analyzer
    """What the corpus was analysed with, and so what questions are analysed with."""
    _layout: Layout
    _sentence_bm25: Postings
    """Over the searchable sentences."""
    _paragraph_bm25: Postings
    """Over the paragraphs with a searchable sentence (the same object when each has one)."""
    _paragraph_of: npt.NDArray[np.int32] | None
    """Searchable sentence -> its paragraph in `_paragraph_bm25`; None when each paragraph
    has one searchable sentence (and its number)."""
    _document_number: DocumentNumbers
    _backend: Backend
    """What finds the best sentences: the compiled kernel where it was built."""

    @property
    def sentences(self) -> Sentences:
        """The searchable sentences (those with at least one term), made on demand.

        A view made at each access, not kept: kept, it would tie the index into a
        reference cycle, and a replaced index would wait for the garbage collector."""
        return Sentences(self._layout, self.documents)

    def _sentence(self, number: int) -> Sentence:
        """Sentence `number` of the whole corpus (searchable or not)."""
        [sentence] = self._sentences_at(np.array([number]))
        return sentence

    def _sentences_at(self, numbers: npt.NDArray[np.integer[Any]]) -> list[Sentence]:
        """Sentences of the whole corpus (searchable or not) by number."""
        return self._layout.sentences_at(self.documents, numbers)

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, if the index has it."""
        number = self._document_number.get(doc_id)
        return None if number is None else self.documents[number]

    def sentences_of(self, doc_id: str) -> tuple[Sentence, ...]:
        """All of a document's sentences in reading order, searchable or not (empty for an
        unknown id): `sentences_of(id)[n - 1]` has position n."""
        number = self._document_number.get(doc_id)
        if number is None:
            return ()
        first, last = self._layout.document_sentences[number : number + 2]
        return tuple(self._sentences_at(np.arange(int(first), int(last))))

    def _number_of(self, sentence: Sentence, offset: int = 0) -> int | None:
        """The corpus number of the sentence `offset` places after `sentence` in its
        document, None when the index holds no such document or it has no sentence there."""
        number = self._document_number.get(sentence.document.id)
        if number is None:
            return None
        first, last = self._layout.document_sentences[number : number + 2]
        at = int(first) + sentence.position - 1 + offset  # positions are 1-based
        return at if int(first) <= at < int(last) else None

    def neighbour(self, sentence: Sentence, offset: int) -> Sentence | None:
        """The sentence `offset` places after this one in its document (before, when
        negative), if the document has one there."""
        at = self._number_of(sentence, offset)
        return None if at is None else self._sentence(at)

    def terms_of(self, sentence: Sentence) -> tuple[str, ...]:
        """The terms of one of this index's sentences, in order, repeats kept: what the
        analyzer made of its text when the corpus was indexed (empty for a sentence
        of a document the index does not hold)."""
        at = self._number_of(sentence)
        if at is None:
            return ()
        layout = self._layout
        start, end = layout.sentence_tokens[at : at + 2]
        vocabulary = layout.vocabulary
        return tuple(vocabulary[t] for t in layout.tokens[start:end].tolist())

    def parse(self, question: str) -> Query:
        """The question analysed once, by the corpus's analyzer, and weighed against this
        index (`term_weight`): what `search` and `bot.qa.answer.compose` take."""
        return self.analyzer.analyse_question(question, self.term_weight)

    def term_weight(self, term: str) -> float:
        """How much a question term counts when judging whether a sentence answers.

        Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)): positive for every
        term and highest for a term no sentence contains, so a question about
        things the corpus never mentions is recognised as unanswered.
        """
        total = len(self._layout.searchable)
        containing = self._sentence_bm25.count(term)
        return math.log(1 + (total - containing + 0.5) / (containing + 0.5))

    def search(self, query: Query | str, k: int) -> list[Hit]:
        """The best `k` sentences by BM25 evidence that share at least one term with the
        query (made by `parse`; a question's text is parsed first), highest first; equal
        scores keep reading order. `bot.qa.rerank.search` reorders them by answer type."""
        if isinstance(query, str):
            query = self.parse(query)
        known = [t for t in query.terms if self._sentence_bm25.count(t)]
        if not known or k <= 0:
            return []
        by_paragraph = Paragraphs(
            self._paragraph_bm25, self._paragraph_of, self.ranking.paragraph_weight
        )
        with _SEARCHING:
            ranked, scores = top(self._sentence_bm25, known, k, by_paragraph, backend=self._backend)
        in_sentence = [self._sentence_bm25.contains(t, ranked) for t in known]
        paragraphs = ranked if self._paragraph_of is None else self._paragraph_of[ranked]
        in_paragraph = [self._paragraph_bm25.contains(t, paragraphs) for t in known]
        sentences = self._sentences_at(self._layout.searchable.take(ranked))
        hits = []
        for row, (sentence, score) in enumerate(zip(sentences, scores.tolist(), strict=True)):
            matched = frozenset(
                t for t, found in zip(known, in_sentence, strict=True) if found[row]
            )
            in_context = {t for t, found in zip(known, in_paragraph, strict=True) if found[row]}
            hits.append(
                Hit(
                    sentence=sentence,
                    score=score,
                    matched=matched,
                    coverage=query.share(matched),
                    context_coverage=query.share(in_context | matched),
                )
            )
        return hits

    def snapshot(self) -> IndexSnapshot:
        """The index's arrays, for a store to keep (`IndexSnapshot.to_arrays`)."""
        paragraph_bm25 = self._paragraph_bm25
        return IndexSnapshot(
            documents=len(self.documents),
            layout=self._layout,
            sentence_postings=self._sentence_bm25,
            paragraph_postings=None if paragraph_bm25 is self._sentence_bm25 else paragraph_bm25,
            paragraph_of=self._paragraph_of,
            version=self.version,
        )

    @classmethod
    def from_snapshot(
        cls,
        documents: Sequence[Document],
        snapshot: IndexSnapshot,
        params: BM25Params,
        ranking: Ranking,
        analyzer: Analyzer,
    ) -> Index:
        """The index `snapshot` was taken of, over its `documents` (checked by
        `IndexSnapshot.from_arrays`), scored with `params`."""
        sentence_bm25 = snapshot.sentence_postings
        return _make_index(
            documents,
            layout=snapshot.layout,
            sentence_bm25=sentence_bm25,
            paragraph_bm25=(
                sentence_bm25
                if snapshot.paragraph_postings is None
                else snapshot.paragraph_postings
            ),
            paragraph_of=snapshot.paragraph_of,
            params=params,
            ranking=ranking,
            analyzer=analyzer,
            version=snapshot.version,
        )


def corpus_version(documents: Sequence[Document], params: BM25Params) -> str:
    """A short, stable hash of what the index holds: same text and settings, same version."""
    digest = hashlib.sha256(repr((params.k1, params.b, params.epsilon)).encode())
    keys = zip(column(documents, "id"), column(documents, "content_hash"), strict=True)
    digest.update(nul_joined(sorted(keys, key=itemgetter(0))))
    return digest.hexdigest()[:12]


def build_index(
    documents: Iterable[Document],
    params: BM25Params | None = None,
    ranking: Ranking | None = None,
    *,
    workers: int | None = None,
    analyzer: Analyzer | None = None,
) -> Index:
    """Split documents into sentences and index them, with `analyzer` (the default one
    when None), which the index then analyses questions with.

    `workers`: processes for analysis (None: decided by the corpus size, see
    `bot.search.analysis.analyse_documents`); the index does not depend on it. To reuse
    what was analysed and built before, load through `bot.store.corpus_store`.

    Raises `CorpusError` when there is nothing to index: BM25 over no sentences
    (or sentences with no terms) divides by zero.
    """
    analyzer = analyzer or default_analyzer()
    documents = tuple(documents)
    analysis = analyse_documents(documents, workers=workers, analyzer=analyzer)
    return assemble(documents, analysis, params or BM25Params(), ranking or Ranking(), analyzer)


def assemble(
    documents: Sequence[Document],
    analysis: Analysis,
    params: BM25Params,
    ranking: Ranking,
    analyzer: Analyzer,
) -> Index:
    """The index of documents already analysed (by `analyzer`; vocabulary sorted, every
    term used). Raises `CorpusError` when there is nothing to index."""
    lengths = np.diff(analysis.sentence_tokens)
    searchable = np.flatnonzero(lengths).astype(np.int32)
    if not len(searchable):  # a sentence of stop words alone matches nothing
        raise CorpusError("the corpus has no sentences to index")
    owner = np.repeat(np.arange(len(searchable), dtype=np.int32), lengths[searchable])
    document_of = np.repeat(
        np.arange(analysis.documents, dtype=np.int32), np.diff(analysis.document_sentences)
    )[searchable]
    paragraph_number = analysis.paragraph[searchable]
    new_paragraph = np.ones(len(searchable), dtype=bool)
    new_paragraph[1:] = (document_of[1:] != document_of[:-1]) | (
        paragraph_number[1:] != paragraph_number[:-1]
    )
    paragraph_of = (np.cumsum(new_paragraph) - 1).astype(np.int32)
    vocabulary = {term: term_id for term_id, term in enumerate(analysis.vocabulary)}
    sentence_bm25 = Postings.from_tokens(
        analysis.tokens, owner, len(searchable), vocabulary, params
    )
    del owner
    release_free_memory()  # the sort's temporaries, before the paragraphs' postings
    paragraphs = int(paragraph_of[-1]) + 1
    if paragraphs == len(searchable):  # one searchable sentence a paragraph: the same index
        paragraph_bm25 = sentence_bm25
    else:
        paragraph_bm25 = sentence_bm25.grouped(paragraph_of, params)
    layout = Layout(
        document_sentences=analysis.document_sentences,
        paragraph=analysis.paragraph,
        start=analysis.start,
        end=analysis.end,
        searchable=searchable,
        normalized={(d, p): text for d, p, text in analysis.normalized},
        tokens=analysis.tokens,
        sentence_tokens=analysis.sentence_tokens,
        vocabulary=analysis.vocabulary,
    )
    return _make_index(
        documents,
        layout=layout,
        sentence_bm25=sentence_bm25,
        paragraph_bm25=paragraph_bm25,
        paragraph_of=paragraph_of,
        params=params,
        ranking=ranking,
        analyzer=analyzer,
    )


def _make_index(
    documents: Sequence[Document],
    *,
    layout: Layout,
    sentence_bm25: Postings,
    paragraph_bm25: Postings,
    paragraph_of: npt.NDArray[np.int32] | None,
    params: BM25Params,
    ranking: Ranking,
    analyzer: Analyzer,
    version: str | None = None,
) -> Index:
    if paragraph_bm25 is sentence_bm25:  # a paragraph is a sentence
        paragraph_of = None
    return Index(
        documents=documents,
        version=version or corpus_version(documents, params),
        ranking=ranking,
        analyzer=analyzer,
        _layout=layout,
        _sentence_bm25=sentence_bm25,
        _paragraph_bm25=paragraph_bm25,
        _paragraph_of=paragraph_of,
        _document_number=DocumentNumbers(documents),
        _backend=default_backend(),
    )

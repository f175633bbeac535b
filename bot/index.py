"""Documents -> sentences -> an immutable BM25 index -> hits.

Ranking is rank-bm25's BM25Okapi over sentences, with its sharp edges guarded:
an empty corpus is refused before it divides by zero, and idf values that come
out zero or negative (a term in half or more of the sentences, or any term of a
one-sentence corpus) are raised to a small positive floor so that containing a
question term never lowers a sentence's score.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

from bot.corpus import CorpusError, Document
from bot.text import split_sentences, terms

# The idf given to a term whose rank-bm25 idf is not positive, when the
# epsilon floor (epsilon * average idf) is not positive either.
_MIN_IDF = 1e-6


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi's parameters (see rank-bm25)."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document, and where it stands there (both 1-based)."""

    document: Document
    position: int
    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A sentence that shares terms with a question, and how well it matches."""

    sentence: Sentence
    score: float
    matched: frozenset[str]
    """The question's terms that the sentence contains."""
    coverage: float
    """Share of the question's term weight (idf) that the sentence contains, 0..1."""


def split_document(document: Document) -> list[Sentence]:
    """The sentences of a document, numbered in reading order."""
    sentences: list[Sentence] = []
    for paragraph_number, paragraph in enumerate(document.paragraphs, start=1):
        for text in split_sentences(paragraph):
            sentences.append(Sentence(document, len(sentences) + 1, paragraph_number, text))
    return sentences


@dataclass(frozen=True, slots=True, eq=False)
class Index:
    """An immutable search index over the sentences of a corpus.

    Build it with `build_index`. Nothing changes it after that, so a reload
    builds a new one and swaps the reference; searches already running keep
    the object they started with.
    """

    documents: tuple[Document, ...]
    sentences: tuple[Sentence, ...]
    version: str
    """A short hash of the indexed text and the BM25 parameters."""
    _bm25: BM25Okapi
    _terms: tuple[frozenset[str], ...]
    """Each sentence's set of terms."""
    _postings: Mapping[str, npt.NDArray[np.int64]]
    """term -> indices of the sentences containing it."""
    _by_document: Mapping[str, tuple[Sentence, ...]]

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, if the index has it."""
        found = self._by_document.get(doc_id)
        return found[0].document if found else None

    def sentences_of(self, doc_id: str) -> tuple[Sentence, ...]:
        """A document's sentences in reading order (empty for an unknown id)."""
        return self._by_document.get(doc_id, ())

    def term_weight(self, term: str) -> float:
        """How much a question term counts when judging whether a sentence answers.

        Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)): positive for every
        term and highest for a term no sentence contains, so a question about
        things the corpus never mentions is recognised as unanswered.
        """
        total = len(self.sentences)
        containing = len(self._postings.get(term, ()))
        return math.log(1 + (total - containing + 0.5) / (containing + 0.5))

    def search(self, question: str, k: int) -> list[Hit]:
        """The best `k` sentences that share at least one term with the question."""
        question_terms = list(dict.fromkeys(terms(question)))
        known = [t for t in question_terms if t in self._postings]
        if not known or k <= 0:
            return []
        candidates = np.unique(np.concatenate([self._postings[t] for t in known]))
        scores = np.asarray(self._bm25.get_scores(known), dtype=np.float64)[candidates]
        # Highest score first; equal scores keep reading order (stable sort).
        ranked = np.argsort(-scores, kind="stable")[:k]
        weights = {t: self.term_weight(t) for t in question_terms}
        total_weight = sum(weights.values())
        hits = []
        for rank in ranked:
            position = int(candidates[rank])
            matched = self._terms[position].intersection(question_terms)
            hits.append(
                Hit(
                    sentence=self.sentences[position],
                    score=float(scores[rank]),
                    matched=matched,
                    coverage=sum(weights[t] for t in matched) / total_weight,
                )
            )
        return hits


def _raise_idf_floor(bm25: BM25Okapi, epsilon: float) -> None:
    """Give every term a positive idf.

    rank-bm25 floors negative idf at epsilon * average idf, but leaves a term
    in exactly half the sentences at 0, and in a corpus whose average idf is
    not positive (one sentence, or very few) the floor itself is not positive.
    """
    floor = epsilon * bm25.average_idf
    if floor <= 0:
        floor = _MIN_IDF
    for term, idf in bm25.idf.items():
        if idf <= 0:
            bm25.idf[term] = floor


def corpus_version(documents: Iterable[Document], params: BM25Params) -> str:
    """A short, stable hash of what the index holds: same text and settings, same version."""
    digest = hashlib.sha256(repr((params.k1, params.b, params.epsilon)).encode())
    for document in sorted(documents, key=lambda d: d.id):
        digest.update(f"\0{document.id}\0{document.content_hash}".encode())
    return digest.hexdigest()[:12]


def build_index(documents: Iterable[Document], params: BM25Params | None = None) -> Index:
    """Split documents into sentences and index them.

    Raises `CorpusError` when there is nothing to index: BM25 over no sentences
    (or sentences with no terms) divides by zero.
    """
    params = params or BM25Params()
    documents = tuple(documents)
    sentences: list[Sentence] = []
    sentence_terms: list[list[str]] = []
    for document in documents:
        for sentence in split_document(document):
            if found := terms(sentence.text):  # a sentence of stop words alone matches nothing
                sentences.append(sentence)
                sentence_terms.append(found)
    if not sentences:
        raise CorpusError("the corpus has no sentences to index")

    bm25 = BM25Okapi(sentence_terms, k1=params.k1, b=params.b, epsilon=params.epsilon)
    _raise_idf_floor(bm25, params.epsilon)
    term_sets = tuple(frozenset(t) for t in sentence_terms)
    postings: dict[str, list[int]] = {}
    for position, term_set in enumerate(term_sets):
        for term in term_set:
            postings.setdefault(term, []).append(position)
    by_document: dict[str, list[Sentence]] = {d.id: [] for d in documents}
    for sentence in sentences:
        by_document[sentence.document.id].append(sentence)
    return Index(
        documents=documents,
        sentences=tuple(sentences),
        version=corpus_version(documents, params),
        _bm25=bm25,
        _terms=term_sets,
        _postings=MappingProxyType({t: np.array(p, dtype=np.int64) for t, p in postings.items()}),
        _by_document=MappingProxyType({k: tuple(v) for k, v in by_document.items()}),
    )

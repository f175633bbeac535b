"""Documents -> sentences -> an immutable index -> ranked hits.

A sentence's rank combines its own BM25Okapi score with the evidence around it
(see `Ranking`); whether it is good enough to quote is decided later, in
`bot.answer`, from the question terms it actually contains.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.bm25 import BM25Params, SparseBM25, build_bm25
from bot.corpus import CorpusError, Document
from bot.cues import answer_type, has_answer_type
from bot.text import split_sentences, terms

__all__ = ["BM25Params", "Hit", "Index", "Ranking", "Sentence", "build_index", "split_document"]


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
    context_coverage: float
    """The same share for the sentence and its paragraph together, 0..1: the evidence
    a reader gets, since a sentence often names its subject only in the one before."""


@dataclass(frozen=True, slots=True)
class Ranking:
    """How much the evidence around a sentence adds to its own BM25 score."""

    paragraph_weight: float = 1.0
    """Times the BM25 score of the sentence's paragraph (as a short document)."""
    answer_type_bonus: float = 0.3
    """Relative bonus for a sentence holding the kind of answer asked for (see bot.cues)."""
    rerank_depth: int = 30
    """How many of the best sentences by BM25 evidence the bonuses may reorder."""


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
    ranking: Ranking
    _sentence_bm25: SparseBM25
    _paragraph_bm25: SparseBM25
    _paragraph_of: npt.NDArray[np.int32]
    """Sentence index -> index of its paragraph in `_paragraph_bm25`."""
    _by_document: Mapping[str, tuple[Sentence, ...]]

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, if the index has it."""
        found = self._by_document.get(doc_id)
        return found[0].document if found else None

    def sentences_of(self, doc_id: str) -> tuple[Sentence, ...]:
        """All of a document's sentences in reading order, searchable or not (empty for an
        unknown id): `sentences_of(id)[n - 1]` has position n."""
        return self._by_document.get(doc_id, ())

    def previous_sentence(self, sentence: Sentence) -> Sentence | None:
        """The sentence before this one in its document, if any."""
        siblings = self._by_document.get(sentence.document.id, ())
        at = sentence.position - 2  # positions are 1-based
        return siblings[at] if 0 <= at < len(siblings) else None

    def term_weight(self, term: str) -> float:
        """How much a question term counts when judging whether a sentence answers.

        Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)): positive for every
        term and highest for a term no sentence contains, so a question about
        things the corpus never mentions is recognised as unanswered.
        """
        total = len(self.sentences)
        containing = self._sentence_bm25.document_frequency(term)
        return math.log(1 + (total - containing + 0.5) / (containing + 0.5))

    def search(self, question: str, k: int) -> list[Hit]:
        """The best `k` sentences that share at least one term with the question."""
        question_terms = list(dict.fromkeys(terms(question)))
        known = [t for t in question_terms if self._sentence_bm25.document_frequency(t)]
        if not known or k <= 0:
            return []
        ranking = self.ranking
        candidates, scores = self._sentence_bm25.scores(known)
        if ranking.paragraph_weight:
            scores = scores + ranking.paragraph_weight * self._paragraph_scores(known, candidates)
        # Highest score first; equal scores keep reading order (stable sort).
        ranked = np.argsort(-scores, kind="stable")[: max(k, ranking.rerank_depth)]
        weights = {t: self.term_weight(t) for t in question_terms}
        kind = answer_type(question)
        question_set = frozenset(question_terms)
        hits = []
        for rank in ranked:
            position = int(candidates[rank])
            sentence = self.sentences[position]
            matched = frozenset(t for t in known if _contains(self._sentence_bm25, position, t))
            paragraph = int(self._paragraph_of[position])
            in_context = {t for t in known if _contains(self._paragraph_bm25, paragraph, t)}
            bonus = 1.0
            if kind is not None and has_answer_type(sentence.text, kind, question_set):
                bonus += ranking.answer_type_bonus
            hits.append(
                Hit(
                    sentence=sentence,
                    score=float(scores[rank]) * bonus,
                    matched=matched,
                    coverage=_share(weights, matched),
                    context_coverage=_share(weights, in_context | matched),
                )
            )
        hits.sort(key=lambda hit: -hit.score)  # stable: ties keep the BM25 order
        return hits[:k]

    def _paragraph_scores(
        self, known: list[str], candidates: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.float64]:
        paragraphs, paragraph_scores = self._paragraph_bm25.scores(known)
        by_paragraph = np.zeros(self._paragraph_bm25.size, dtype=np.float64)
        by_paragraph[paragraphs] = paragraph_scores
        return by_paragraph[self._paragraph_of[candidates]]


def _share(weights: dict[str, float], found: set[str] | frozenset[str]) -> float:
    """The share of the question's weight in `found`, summed in the same order as the whole
    so that finding every term gives exactly 1.0."""
    return sum(w for t, w in weights.items() if t in found) / sum(weights.values())


def _contains(bm25: SparseBM25, document: int, term: str) -> bool:
    postings = bm25.postings(term)
    at = int(np.searchsorted(postings, document))
    return at < len(postings) and int(postings[at]) == document


def corpus_version(documents: Iterable[Document], params: BM25Params) -> str:
    """A short, stable hash of what the index holds: same text and settings, same version."""
    digest = hashlib.sha256(repr((params.k1, params.b, params.epsilon)).encode())
    for document in sorted(documents, key=lambda d: d.id):
        digest.update(f"\0{document.id}\0{document.content_hash}".encode())
    return digest.hexdigest()[:12]


def build_index(
    documents: Iterable[Document],
    params: BM25Params | None = None,
    ranking: Ranking | None = None,
) -> Index:
    """Split documents into sentences and index them.

    Raises `CorpusError` when there is nothing to index: BM25 over no sentences
    (or sentences with no terms) divides by zero.
    """
    params = params or BM25Params()
    documents = tuple(documents)
    sentences: list[Sentence] = []
    sentence_terms: list[list[str]] = []
    paragraph_terms: list[list[str]] = []
    paragraph_of: list[int] = []
    by_document: dict[str, tuple[Sentence, ...]] = {}
    for document in documents:
        paragraph_ids: dict[int, int] = {}
        all_sentences = split_document(document)
        by_document[document.id] = tuple(all_sentences)
        for sentence in all_sentences:
            found = terms(sentence.text)
            if not found:  # a sentence of stop words alone matches nothing
                continue
            if sentence.paragraph not in paragraph_ids:
                paragraph_ids[sentence.paragraph] = len(paragraph_terms)
                paragraph_terms.append([])
            paragraph_terms[paragraph_ids[sentence.paragraph]].extend(found)
            paragraph_of.append(paragraph_ids[sentence.paragraph])
            sentences.append(sentence)
            sentence_terms.append(found)
    if not sentences:
        raise CorpusError("the corpus has no sentences to index")

    return Index(
        documents=documents,
        sentences=tuple(sentences),
        version=corpus_version(documents, params),
        ranking=ranking or Ranking(),
        _sentence_bm25=build_bm25(sentence_terms, params),
        _paragraph_bm25=build_bm25(paragraph_terms, params),
        _paragraph_of=np.array(paragraph_of, dtype=np.int32),
        _by_document=by_document,
    )

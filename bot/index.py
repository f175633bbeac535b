"""Documents -> sentences -> an immutable index -> ranked hits.

A sentence's rank combines its own BM25Okapi score with the evidence around it
(see `Ranking`); whether it is good enough to quote is decided later, in
`bot.answer`, from the question terms it actually contains.

The index keeps no Python object per sentence: where each sentence lies (its
document, paragraph and character span in the paragraph's text) and the postings
are numpy arrays, and `Sentence` objects are made when asked for. Analysing the
text (`bot.analysis`) is the slow part of a build; with a `CorpusCache` it is
done once per document text, and an unchanged corpus loads the built index.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from bot.analysis import Analysis, analyse_documents, analyzer_version, available_cores
from bot.cache import CorpusCache, decode_vocabulary, encode_vocabulary
from bot.corpus import CorpusError, Document
from bot.cues import boosts
from bot.query import Query
from bot.search.params import BM25Params
from bot.search.postings import Postings
from bot.search.select import Backend, Paragraphs, default_backend, top
from bot.text import Analyzer, default_analyzer, split_sentences

log = logging.getLogger(__name__)

# Searches run in threads (never on the event loop). More of them at once than there are
# cores would not finish sooner, and each holds the GIL for part of its time (all of it on
# the numpy path; outside the compiled kernel's loops otherwise): each one more is a
# thread the event loop competes with for the GIL. The others wait here.
_SEARCHING = threading.BoundedSemaphore(available_cores())

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
    """Bonus for a sentence holding the kind of answer asked for (see bot.cues), relative
    to its score and scaled by how rare such sentences are among the first `rerank_depth`
    candidates: times log2((candidates + 1) / (holders + 1)). A cue most candidates meet
    (a capitalised name) then adds little, one few meet (a frequency, a date) much."""
    rerank_depth: int = 30
    """How many of the best sentences by BM25 evidence the bonus may reorder."""


def split_document(document: Document) -> list[Sentence]:
    """The sentences of a document, numbered in reading order."""
    sentences: list[Sentence] = []
    for paragraph_number, paragraph in enumerate(document.paragraphs, start=1):
        for text in split_sentences(paragraph):
            sentences.append(Sentence(document, len(sentences) + 1, paragraph_number, text))
    return sentences


@dataclass(frozen=True, slots=True, eq=False)
class _Layout:
    """Where every sentence of the corpus lies, searchable or not, in arrays."""

    document_sentences: npt.NDArray[np.int64]
    """Document d has sentences `document_sentences[d]` to `document_sentences[d + 1] - 1`."""
    paragraph: npt.NDArray[np.int32]
    """By sentence: its paragraph's number in its document (1-based)."""
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    """By sentence: its span in the normalized text of its paragraph."""
    searchable: npt.NDArray[np.int32]
    """The sentences with terms, in order: search results are positions in this array."""
    normalized: Mapping[tuple[int, int], str]
    """(document, paragraph) -> normalized text, for paragraphs not stored normalized."""
    tokens: npt.NDArray[np.int32]
    sentence_tokens: npt.NDArray[np.int64]
    """Sentence s has the terms `vocabulary[t]` for t in
    `tokens[sentence_tokens[s]:sentence_tokens[s + 1]]`, in order."""
    vocabulary: tuple[str, ...]
    """By term id: the term."""


class Sentences(Sequence[Sentence]):
    """The searchable sentences of an index, in corpus order, made when asked for."""

    __slots__ = ("_index",)

    def __init__(self, index: Index) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index._layout.searchable)

    @overload
    def __getitem__(self, at: int) -> Sentence: ...

    @overload
    def __getitem__(self, at: slice) -> tuple[Sentence, ...]: ...

    def __getitem__(self, at: int | slice) -> Sentence | tuple[Sentence, ...]:
        searchable = self._index._layout.searchable
        if isinstance(at, slice):
            return tuple(self._index._sentences_at(searchable[at]))
        return self._index._sentence(int(searchable[at]))

    def __iter__(self) -> Iterator[Sentence]:
        searchable = self._index._layout.searchable
        for start in range(0, len(searchable), 4096):
            yield from self._index._sentences_at(searchable[start : start + 4096])

    def __repr__(self) -> str:
        return f"<{len(self)} sentences>"


@dataclass(frozen=True, slots=True, eq=False)
class Index:
    """An immutable search index over the sentences of a corpus.

    Build it with `build_index`. Nothing changes it after that, so a reload
    builds a new one and swaps the reference; searches already running keep
    the object they started with.
    """

    documents: tuple[Document, ...]
    version: str
    """A short hash of the indexed text and the BM25 parameters."""
    ranking: Ranking
    analyzer: Analyzer
    """What the corpus was analysed with, and so what questions are analysed with."""
    _layout: _Layout
    _sentence_bm25: Postings
    """Over the searchable sentences."""
    _paragraph_bm25: Postings
    """Over the paragraphs with a searchable sentence (the same object when each has one)."""
    _paragraph_of: npt.NDArray[np.int32] | None
    """Searchable sentence -> its paragraph in `_paragraph_bm25`; None when each paragraph
    has one searchable sentence (and its number)."""
    _document_number: Mapping[str, int]
    _backend: Backend
    """What finds the best sentences: the compiled kernel where it was built."""

    @property
    def sentences(self) -> Sentences:
        """The searchable sentences (those with at least one term), made on demand.

        A view made at each access, not kept: kept, it would tie the index into a
        reference cycle, and a replaced index would wait for the garbage collector."""
        return Sentences(self)

    def _sentence(self, number: int) -> Sentence:
        """Sentence `number` of the whole corpus (searchable or not)."""
        [sentence] = self._sentences_at(np.array([number]))
        return sentence

    def _sentences_at(self, numbers: npt.NDArray[np.integer[Any]]) -> list[Sentence]:
        """Sentences of the whole corpus (searchable or not) by number."""
        layout = self._layout
        firsts = layout.document_sentences
        document_numbers = np.searchsorted(firsts, numbers, "right") - 1
        result = []
        for number, document_number, first, paragraph, start, end in zip(
            numbers.tolist(),
            document_numbers.tolist(),
            firsts.take(document_numbers).tolist(),
            layout.paragraph.take(numbers).tolist(),
            layout.start.take(numbers).tolist(),
            layout.end.take(numbers).tolist(),
            strict=True,
        ):
            document = self.documents[document_number]
            text = layout.normalized.get((document_number, paragraph))
            if text is None:
                text = document.paragraphs[paragraph - 1]
            result.append(Sentence(document, number - first + 1, paragraph, text[start:end]))
        return result

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

    def neighbour(self, sentence: Sentence, offset: int) -> Sentence | None:
        """The sentence `offset` places after this one in its document (before, when
        negative), if the document has one there."""
        number = self._document_number.get(sentence.document.id)
        if number is None:
            return None
        first, last = self._layout.document_sentences[number : number + 2]
        at = int(first) + sentence.position - 1 + offset  # positions are 1-based
        return self._sentence(at) if int(first) <= at < int(last) else None

    def terms_of(self, sentence: Sentence) -> tuple[str, ...]:
        """The terms of one of this index's sentences, in order, repeats kept: what the
        analyzer made of its text when the corpus was indexed (empty for a sentence
        of a document the index does not hold)."""
        number = self._document_number.get(sentence.document.id)
        if number is None:
            return ()
        layout = self._layout
        first, last = layout.document_sentences[number : number + 2]
        at = int(first) + sentence.position - 1  # positions are 1-based
        if not int(first) <= at < int(last):
            return ()
        start, end = layout.sentence_tokens[at : at + 2]
        vocabulary = layout.vocabulary
        return tuple(vocabulary[t] for t in layout.tokens[start:end].tolist())

    def parse(self, question: str) -> Query:
        """The question analysed once, by the corpus's analyzer, and weighed against this
        index (`term_weight`): what `search` and `bot.answer.compose` take."""
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
        """The best `k` sentences that share at least one term with the query (made by
        `parse`; a question's text is parsed first)."""
        if isinstance(query, str):
            query = self.parse(query)
        known = [t for t in query.terms if self._sentence_bm25.count(t)]
        if not known or k <= 0:
            return []
        ranking = self.ranking
        by_paragraph = Paragraphs(
            self._paragraph_bm25, self._paragraph_of, ranking.paragraph_weight
        )
        # The best by BM25 evidence, highest first; equal scores keep reading order.
        with _SEARCHING:
            ranked, scores = top(
                self._sentence_bm25,
                known,
                max(k, ranking.rerank_depth),
                by_paragraph,
                backend=self._backend,
            )
        in_sentence = [self._sentence_bm25.contains(t, ranked) for t in known]
        paragraphs = ranked if self._paragraph_of is None else self._paragraph_of[ranked]
        in_paragraph = [self._paragraph_bm25.contains(t, paragraphs) for t in known]
        sentences = self._sentences_at(self._layout.searchable.take(ranked))
        # Only the first `rerank_depth` may be boosted, by a factor computed over them: then
        # the order of those does not depend on `k`, and an answer's first passages are the
        # same however many are asked for (the bot asks for more, to have them for "More").
        texts = [sentence.text for sentence in sentences[: ranking.rerank_depth]]
        factors = boosts(texts, query, ranking.answer_type_bonus, self.analyzer)
        factors += [1.0] * (len(sentences) - len(factors))
        hits = []
        for row, (sentence, score) in enumerate(zip(sentences, scores.tolist(), strict=True)):
            matched = frozenset(
                t for t, found in zip(known, in_sentence, strict=True) if found[row]
            )
            in_context = {t for t, found in zip(known, in_paragraph, strict=True) if found[row]}
            hits.append(
                Hit(
                    sentence=sentence,
                    score=score * factors[row],
                    matched=matched,
                    coverage=query.share(matched),
                    context_coverage=query.share(in_context | matched),
                )
            )
        hits.sort(key=lambda hit: -hit.score)  # stable: ties keep the BM25 order
        return hits[:k]


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
    *,
    cache: CorpusCache | None = None,
    workers: int | None = None,
    analyzer: Analyzer | None = None,
) -> Index:
    """Split documents into sentences and index them, with `analyzer` (the default one
    when None), which the index then analyses questions with.

    With a `cache`, an index built before from the same documents is loaded
    instead, and only documents whose text was never analysed are analysed.
    `workers`: processes for analysis (None: decided by the corpus size, see
    `bot.analysis.analyse_documents`); the index does not depend on it.

    Raises `CorpusError` when there is nothing to index: BM25 over no sentences
    (or sentences with no terms) divides by zero.
    """
    params = params or BM25Params()
    ranking = ranking or Ranking()
    analyzer = analyzer or default_analyzer()
    documents = tuple(documents)
    # The cache holds what the default analyzer made: another analyzer's cannot come from it.
    if cache is None or analyzer.version != analyzer_version():
        analysis = analyse_documents(documents, workers=workers, analyzer=analyzer)
        return _assemble(documents, analysis, params, ranking, analyzer)
    key = cache.index_key(documents)
    stored = cache.load_index(key)
    if stored is not None:
        try:
            index = _restore(documents, *stored, params, ranking, analyzer=analyzer)
        except (KeyError, TypeError, ValueError, IndexError) as problem:
            cache.reject_index(f"does not fit its documents: {problem!r}")
        else:
            cache.stats.index_from_cache = True
            return index
    analysis = cache.analyse(documents, workers=workers)
    index = _assemble(documents, analysis, params, ranking, analyzer)
    cache.save_index(key, *_parts(index, analysis.vocabulary))
    return index


def _assemble(
    documents: tuple[Document, ...],
    analysis: Analysis,
    params: BM25Params,
    ranking: Ranking,
    analyzer: Analyzer,
) -> Index:
    """The index of analysed documents (vocabulary sorted, every term used)."""
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
    paragraphs = int(paragraph_of[-1]) + 1
    if paragraphs == len(searchable):  # one searchable sentence a paragraph: the same index
        paragraph_bm25 = sentence_bm25
    else:
        paragraph_bm25 = Postings.from_tokens(
            analysis.tokens, paragraph_of[owner], paragraphs, vocabulary, params
        )
    layout = _Layout(
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
    documents: tuple[Document, ...],
    *,
    layout: _Layout,
    sentence_bm25: Postings,
    paragraph_bm25: Postings,
    paragraph_of: npt.NDArray[np.int32] | None,
    params: BM25Params,
    ranking: Ranking,
    analyzer: Analyzer,
) -> Index:
    if paragraph_bm25 is sentence_bm25:  # a paragraph is a sentence
        paragraph_of = None
    return Index(
        documents=documents,
        version=corpus_version(documents, params),
        ranking=ranking,
        analyzer=analyzer,
        _layout=layout,
        _sentence_bm25=sentence_bm25,
        _paragraph_bm25=paragraph_bm25,
        _paragraph_of=paragraph_of,
        _document_number={document.id: n for n, document in enumerate(documents)},
        _backend=default_backend(),
    )


_POSTINGS = ("indptr", "units", "frequencies", "lengths")


def _parts(index: Index, vocabulary: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the cache stores of an index: everything but what the BM25 parameters decide."""
    layout = index._layout
    arrays: dict[str, Any] = {
        "vocabulary": encode_vocabulary(vocabulary),
        "document_sentences": layout.document_sentences,
        "paragraph": layout.paragraph,
        "start": layout.start,
        "end": layout.end,
        "searchable": layout.searchable,
        "tokens": layout.tokens,
        "sentence_tokens": layout.sentence_tokens,
    }
    if index._paragraph_of is not None:
        arrays["paragraph_of"] = index._paragraph_of
    for name in _POSTINGS:
        arrays[f"sentence_{name}"] = getattr(index._sentence_bm25, name)
        if index._paragraph_bm25 is not index._sentence_bm25:
            arrays[f"paragraph_{name}"] = getattr(index._paragraph_bm25, name)
    normalized = [[d, p, text] for (d, p), text in layout.normalized.items()]
    return {"documents": len(index.documents), "normalized": normalized}, arrays


def _restore(
    documents: tuple[Document, ...],
    meta: dict[str, Any],
    arrays: dict[str, Any],
    params: BM25Params,
    ranking: Ranking,
    *,
    analyzer: Analyzer,
) -> Index:
    """The index stored by `_parts`, checked to fit its documents (else ValueError)."""
    vocabulary_terms = decode_vocabulary(arrays["vocabulary"])
    vocabulary = {term: term_id for term_id, term in enumerate(vocabulary_terms)}
    layout = _Layout(
        document_sentences=arrays["document_sentences"],
        paragraph=arrays["paragraph"],
        start=arrays["start"],
        end=arrays["end"],
        searchable=arrays["searchable"],
        normalized={(int(d), int(p)): str(text) for d, p, text in meta["normalized"]},
        tokens=arrays["tokens"],
        sentence_tokens=arrays["sentence_tokens"],
        vocabulary=vocabulary_terms,
    )
    sentences = len(layout.paragraph)
    tokens = layout.tokens

    def postings(prefix: str) -> Postings:
        indptr, found, frequencies, lengths = (arrays[f"{prefix}_{n}"] for n in _POSTINGS)
        if len(indptr) != len(vocabulary) + 1 or int(indptr[-1]) != len(found):
            raise ValueError(f"{prefix} postings do not fit the vocabulary")
        if len(found) != len(frequencies) or (len(found) and int(found.max()) >= len(lengths)):
            raise ValueError(f"{prefix} postings do not fit the documents")
        return Postings.from_postings(
            vocabulary, indptr, found, frequencies, lengths=lengths, params=params
        )

    sentence_bm25 = postings("sentence")
    paragraph_bm25 = postings("paragraph") if "paragraph_indptr" in arrays else sentence_bm25
    paragraph_of = arrays.get("paragraph_of")
    if (paragraph_of is None) != (paragraph_bm25 is sentence_bm25):
        raise ValueError("paragraphs do not fit the sentences")
    if paragraph_of is None:
        paragraph_of = np.arange(sentence_bm25.size, dtype=np.int32)
    fits = (
        meta["documents"] == len(documents)
        and len(layout.document_sentences) == len(documents) + 1
        and int(layout.document_sentences[-1]) == sentences
        and len(layout.start) == len(layout.end) == sentences
        and len(layout.searchable) == sentence_bm25.size == len(paragraph_of) > 0
        and int(layout.searchable.max()) < sentences
        and int(paragraph_of[-1]) + 1 == paragraph_bm25.size
        and all(0 < p <= len(documents[d].paragraphs) for (d, p) in layout.normalized)
        and len(layout.sentence_tokens) == sentences + 1
        and int(layout.sentence_tokens[-1]) == len(tokens)
        and (not len(tokens) or int(tokens.max()) < len(vocabulary))
    )
    if not fits:
        raise ValueError("arrays do not fit the documents")
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

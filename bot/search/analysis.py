"""Documents -> sentences and their terms, in compact columns: the slow part of indexing.

Splitting, tokenizing and stemming cost far more than building the index from their
results, so their output is an `Analysis`: numpy arrays and one vocabulary, no
per-sentence Python objects. The index build (`bot.search.index`) turns it into postings,
and the index keeps it (`bot.search.sentences.Layout`), so a rebuild takes each unchanged
document's analysis from the last index.

A large corpus is analysed in worker processes, one chunk of documents each, so both
cores work; the merged result is identical to analysing in-process (the vocabulary is
sorted, so term ids do not depend on how the work was cut).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.corpus.table import runs
from bot.progress import Progress
from bot.search.analyzer import WORD, Analyzer, default_analyzer, normalize
from bot.search.vocabulary import map_ids, unite
from bot.workers import available_cores, copy_threads, in_shares_of, mapped

try:  # compiled by setup.py where a C compiler is at hand
    from bot.search import _words
except ImportError:  # pragma: no cover - depends on how the package was built
    _words = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from bot.corpus import Document

log = logging.getLogger(__name__)

# Below this many characters of text a corpus is analysed in-process: starting worker
# processes costs more than it saves.
PARALLEL_MIN_CHARS = 2_000_000
# Chunks per worker process, so that a slow chunk does not leave a core idle.
_CHUNKS_PER_WORKER = 4

Int32Array = npt.NDArray[np.int32]
Int64Array = npt.NDArray[np.int64]


def analyzer_version() -> str:
    """The default analyzer's version (`Analyzer.VERSION`): results of another are stale."""
    return default_analyzer().version


@dataclass(frozen=True, slots=True, eq=False)
class Analysis:
    """Documents split into sentences and terms, sentence after sentence.

    Sentence s of the whole is in paragraph `paragraph[s]` (1-based) of its document,
    at `[start[s]:end[s]]` of that paragraph's normalized text, and has the terms
    `vocabulary[t]` for t in `tokens[sentence_tokens[s]:sentence_tokens[s + 1]]`.
    Document d has sentences `document_sentences[d]` to `document_sentences[d + 1] - 1`.
    """

    vocabulary: tuple[str, ...]
    tokens: Int32Array
    sentence_tokens: Int64Array
    paragraph: Int32Array
    start: Int32Array
    end: Int32Array
    document_sentences: Int64Array
    normalized: tuple[tuple[int, int, str], ...]
    """(document, paragraph number, normalized text) of each paragraph that was not
    normalized already (rare: documents read from files are)."""

    @property
    def documents(self) -> int:
        return len(self.document_sentences) - 1

    @property
    def sentences(self) -> int:
        return len(self.paragraph)


def analyse(
    paragraph_lists: Sequence[Sequence[str]],
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Split and analyse documents given as their paragraphs, in this process, with
    `analyzer` (the default one when None); `progress` counts the sentences.

    The vocabulary is in order of first use; `merge` sorts it.
    """
    analyzer = analyzer or default_analyzer()
    term_ids = TermIds(analyzer)  # one lookup a word
    add_terms = _paragraph_terms(analyzer)
    tokens = array("i")
    sentence_tokens = array("q", [0])
    paragraph_numbers = array("i")
    starts = array("i")
    ends = array("i")
    document_sentences = array("q", [0])
    normalized: list[tuple[int, int, str]] = []
    for document, paragraphs in enumerate(paragraph_lists):
        for number, paragraph in enumerate(paragraphs, start=1):
            text = normalize(paragraph)
            if text != paragraph:
                normalized.append((document, number, text))
            spans = analyzer.sentence_spans(text)
            add_terms(text, spans, term_ids, tokens, sentence_tokens)
            for start, end in spans:
                paragraph_numbers.append(number)
                starts.append(start)
                ends.append(end)
        document_sentences.append(len(paragraph_numbers))
        if progress is not None:
            progress.advance(sentences=len(paragraph_numbers) - document_sentences[-2])
    return Analysis(
        vocabulary=tuple(term_ids.vocabulary),
        tokens=np.frombuffer(tokens, dtype=np.int32),
        sentence_tokens=np.frombuffer(sentence_tokens, dtype=np.int64),
        paragraph=np.frombuffer(paragraph_numbers, dtype=np.int32),
        start=np.frombuffer(starts, dtype=np.int32),
        end=np.frombuffer(ends, dtype=np.int32),
        document_sentences=np.frombuffer(document_sentences, dtype=np.int64),
        normalized=tuple(normalized),
    )


class TermIds(dict[str, int]):
    """Each word seen -> the id of its term in `vocabulary` (in order of first use), or -1
    for a stop word; a word missing is analysed when it is first asked for."""

    def __init__(self, analyzer: Analyzer) -> None:
        super().__init__()
        self._term = analyzer.remembered_term  # its memo lasts from one analysis to the next
        self.vocabulary: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = self._term(word)
        term_id = -1 if term is None else self.vocabulary.setdefault(term, len(self.vocabulary))
        self[word] = term_id
        return term_id


AddTerms = Callable[[str, list[tuple[int, int]], TermIds, "array[int]", "array[int]"], None]


def paragraph_terms(
    text: str,
    spans: list[tuple[int, int]],
    term_ids: TermIds,
    tokens: array[int],
    sentence_tokens: array[int],
    *,
    word_pattern: re.Pattern[str] = WORD,
) -> None:
    """For each (start, end) of `spans`, the ids (`term_ids`) of the terms of the words of
    `text[start:end]` appended to `tokens`, leaving out stop words, then the length of
    `tokens` to `sentence_tokens`. `bot.search._words` is this, compiled, for `WORD`."""
    for start, end in spans:
        for word in word_pattern.findall(text, start, end):
            term_id = term_ids[word]
            if term_id >= 0:
                tokens.append(term_id)
        sentence_tokens.append(len(tokens))


def _paragraph_terms(analyzer: Analyzer) -> AddTerms:
    """`paragraph_terms` for the analyzer's words: compiled where it was built and the
    analyzer's words are `WORD`."""
    if _words is not None and analyzer.word_pattern is WORD:
        return _words.paragraph_terms
    return partial(paragraph_terms, word_pattern=analyzer.word_pattern)


def merge(parts: Sequence[Analysis]) -> Analysis:
    """The parts one after the other, with one sorted vocabulary of the terms they use."""
    return _drop_unused(_joined(parts))


def _joined(parts: Sequence[Analysis], threads: int | None = None) -> Analysis:
    """The parts one after the other, with one sorted vocabulary of every term of their
    vocabularies (used or not). `threads` write the tokens (None: `copy_threads` says)."""
    # Parts taken from one analysis share its vocabulary: each distinct one is mapped once.
    vocabularies = {id(part.vocabulary): part.vocabulary for part in parts}
    vocabulary, mappings = unite(vocabularies)
    sizes = [len(part.tokens) for part in parts]
    tokens = np.empty(sum(sizes), dtype=np.int32)
    sentence_tokens = [np.zeros(1, dtype=np.int64)]
    document_sentences = [np.zeros(1, dtype=np.int64)]
    normalized: list[tuple[int, int, str]] = []

    def write(number: int, start: int, stop: int, at: int) -> None:
        part, into = parts[number], tokens[at : at + stop - start]
        if (mapping := mappings[id(part.vocabulary)]) is None:
            into[:] = part.tokens[start:stop]
        else:  # ids moved up by the terms added before theirs
            map_ids(mapping, part.tokens[start:stop], into)

    # Written in place (a large corpus's tokens are copied once, not twice), by the cores.
    in_shares_of(sizes, write, copy_threads(tokens.nbytes) if threads is None else threads)
    sentence_base = document_base = 0
    for part, token_base in zip(parts, itertools.accumulate([0, *sizes]), strict=False):
        sentence_tokens.append(part.sentence_tokens[1:] + token_base)
        document_sentences.append(part.document_sentences[1:] + sentence_base)
        normalized.extend((d + document_base, p, text) for d, p, text in part.normalized)
        sentence_base += part.sentences
        document_base += part.documents
    return Analysis(
        vocabulary=tuple(vocabulary),
        tokens=tokens,
        sentence_tokens=np.concatenate(sentence_tokens),
        paragraph=_concatenate([part.paragraph for part in parts], np.int32),
        start=_concatenate([part.start for part in parts], np.int32),
        end=_concatenate([part.end for part in parts], np.int32),
        document_sentences=np.concatenate(document_sentences),
        normalized=tuple(normalized),
    )


def _drop_unused(analysis: Analysis) -> Analysis:
    """`analysis` without the terms no sentence uses; the ids above one dropped move down."""
    used = np.zeros(len(analysis.vocabulary), dtype=bool)
    used[analysis.tokens] = True
    if used.all():
        return analysis
    kept = [term for term, keep in zip(analysis.vocabulary, used.tolist(), strict=True) if keep]
    tokens = (np.cumsum(used, dtype=np.int32) - 1).take(analysis.tokens)
    return dataclasses.replace(analysis, vocabulary=tuple(kept), tokens=tokens)


def _concatenate(arrays: Sequence[npt.NDArray[np.int32]], dtype: type[np.int32]) -> Int32Array:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)


def _slice(analysis: Analysis, begin: int, end: int) -> Analysis:
    """Documents begin..end-1 of an analysis; it keeps the whole vocabulary (the same
    tuple): `merge` drops the terms no document uses, in one pass for all parts."""
    first, last = (int(n) for n in analysis.document_sentences[[begin, end]])
    token_first, token_last = (int(n) for n in analysis.sentence_tokens[[first, last]])
    return Analysis(
        vocabulary=analysis.vocabulary,
        tokens=analysis.tokens[token_first:token_last],
        sentence_tokens=analysis.sentence_tokens[first : last + 1] - token_first,
        paragraph=analysis.paragraph[first:last],
        start=analysis.start[first:last],
        end=analysis.end[first:last],
        document_sentences=analysis.document_sentences[begin : end + 1] - first,
        normalized=tuple(
            (d - begin, p, text) for d, p, text in analysis.normalized if begin <= d < end
        ),
    )


def combine(
    held: Analysis, where: Int64Array, fresh: Analysis, *, threads: int | None = None
) -> Analysis:
    """The analysis of documents each taken from `held` (document `where[i]` there) or,
    where `where[i]` is -1, from `fresh`, in order: as a reload puts together the last
    index's analysis and that of the documents it lacks. Runs of consecutive documents
    of one analysis are taken out together (`threads`: see `_joined`)."""
    parts = []
    taken = 0
    for start, stop in runs(where):
        if (first := int(where[start])) < 0:
            parts.append(_slice(fresh, taken, taken + stop - start))
            taken += stop - start
        else:
            parts.append(_slice(held, first, first + stop - start))
    if taken != fresh.documents:
        raise ValueError("the fresh analysis is not of the documents missing")
    joined = _joined(parts, threads)
    # Every term of `held` is used by its documents (it is a merge's): only terms of the
    # documents left out that `fresh` does not use may be unused now. Usually there are
    # none, and the tokens are not looked through again.
    left_out = np.ones(held.documents, dtype=bool)
    left_out[where[where >= 0]] = False
    gone = {held.vocabulary[t] for t in _terms_of(held, np.flatnonzero(left_out)).tolist()}
    if gone and gone - {fresh.vocabulary[t] for t in np.unique(fresh.tokens).tolist()}:
        return _drop_unused(joined)
    return joined


def _terms_of(analysis: Analysis, documents: Int64Array) -> Int64Array:
    """The ids of the terms documents `documents` of `analysis` use, sorted."""
    firsts = analysis.document_sentences.take(documents)
    lasts = analysis.document_sentences.take(documents + 1)
    starts = analysis.sentence_tokens.take(firsts)
    stops = analysis.sentence_tokens.take(lasts)
    pieces = [analysis.tokens[a:b] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]
    return np.unique(np.concatenate([np.zeros(0, np.int32), *pieces])).astype(np.int64)


def analyse_documents(
    documents: Sequence[Document],
    *,
    workers: int | None = None,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse documents with `analyzer` (the default one when None), in worker processes
    when the corpus is large enough to pay.

    `workers`: None decides from the corpus size and the cores available; 1 stays
    in-process. The result does not depend on it. `progress` counts the sentences.
    """
    analyzer = analyzer or default_analyzer()
    paragraph_lists = [document.paragraphs for document in documents]
    if workers is None:
        chars = sum(len(p) for paragraphs in paragraph_lists for p in paragraphs)
        workers = available_cores() if chars >= PARALLEL_MIN_CHARS else 1
    workers = min(workers, len(paragraph_lists))
    if workers > 1:
        return merge(_analyse_in_processes(paragraph_lists, workers, analyzer, progress))
    return merge([analyse(paragraph_lists, analyzer, progress)])


def _analyse_in_processes(
    paragraph_lists: list[tuple[str, ...]],
    workers: int,
    analyzer: Analyzer,
    progress: Progress | None,
) -> list[Analysis]:
    chunks = _chunks(paragraph_lists, workers * _CHUNKS_PER_WORKER)
    # A worker analyses with its own default analyzer, made once (or, forked, this
    # process's), so that its memo of terms lasts from chunk to chunk; another analyzer
    # is sent with each chunk.
    sent = None if analyzer is default_analyzer() else analyzer
    parts = []
    for part in mapped(partial(analyse, analyzer=sent), chunks, workers, doing="analysing"):
        parts.append(part)
        if progress is not None:
            progress.advance(sentences=part.sentences)
    return parts


def _chunks(paragraph_lists: list[tuple[str, ...]], count: int) -> list[list[tuple[str, ...]]]:
    """Consecutive runs of documents with about the same amount of text each."""
    sizes = np.array([sum(len(p) for p in paragraphs) + 1 for paragraphs in paragraph_lists])
    bounds = np.searchsorted(np.cumsum(sizes), np.linspace(0, sizes.sum(), count + 1)[1:-1])
    total = len(paragraph_lists)
    edges = [0, *sorted({min(int(b) + 1, total) for b in bounds}), total]
    return [paragraph_lists[a:b] for a, b in itertools.pairwise(edges) if a < b]

"""Where every sentence of a corpus lies, in arrays, and the `Sentence` objects made from
them when asked for: the index keeps no Python object per sentence."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from bot.corpus import Document
from bot.search.analysis import Analysis
from bot.search.analyzer import split_sentences


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document, and where it stands there (both 1-based)."""

    document: Document
    position: int
    paragraph: int
    text: str


def split_document(document: Document) -> list[Sentence]:
    """The sentences of a document, numbered in reading order."""
    sentences: list[Sentence] = []
    for paragraph_number, paragraph in enumerate(document.paragraphs, start=1):
        for text in split_sentences(paragraph):
            sentences.append(Sentence(document, len(sentences) + 1, paragraph_number, text))
    return sentences


@dataclass(frozen=True, slots=True, eq=False)
class Layout:
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
    vocabulary: Sequence[str]
    """By term id: the term (sorted)."""

    def analysis(self) -> Analysis:
        """The analysis the layout was made from (`bot.search.index.assemble`), without
        copying an array: what a rebuild takes unchanged documents from."""
        return Analysis(
            vocabulary=tuple(self.vocabulary),  # a stored index's `Terms`: decoded once here
            tokens=self.tokens,
            sentence_tokens=self.sentence_tokens,
            paragraph=self.paragraph,
            start=self.start,
            end=self.end,
            document_sentences=self.document_sentences,
            normalized=tuple((d, p, text) for (d, p), text in self.normalized.items()),
        )

    def sentences_at(
        self, documents: Sequence[Document], numbers: npt.NDArray[np.integer[Any]]
    ) -> list[Sentence]:
        """Sentences of the whole corpus (searchable or not) by number; `documents`: the
        corpus's documents, in the order the layout was made from."""
        firsts = self.document_sentences
        document_numbers = np.searchsorted(firsts, numbers, "right") - 1
        result = []
        for number, document_number, first, paragraph, start, end in zip(
            numbers.tolist(),
            document_numbers.tolist(),
            firsts.take(document_numbers).tolist(),
            self.paragraph.take(numbers).tolist(),
            self.start.take(numbers).tolist(),
            self.end.take(numbers).tolist(),
            strict=True,
        ):
            document = documents[document_number]
            text = self.normalized.get((document_number, paragraph))
            if text is None:
                text = document.paragraphs[paragraph - 1]
            result.append(Sentence(document, number - first + 1, paragraph, text[start:end]))
        return result


class Sentences(Sequence[Sentence]):
    """The searchable sentences of an index, in corpus order, made when asked for."""

    __slots__ = ("_documents", "_layout")

    def __init__(self, layout: Layout, documents: Sequence[Document]) -> None:
        self._layout = layout
        self._documents = documents

    def __len__(self) -> int:
        return len(self._layout.searchable)

    @overload
    def __getitem__(self, at: int) -> Sentence: ...

    @overload
    def __getitem__(self, at: slice) -> tuple[Sentence, ...]: ...

    def __getitem__(self, at: int | slice) -> Sentence | tuple[Sentence, ...]:
        searchable = self._layout.searchable
        if isinstance(at, slice):
            return tuple(self._layout.sentences_at(self._documents, searchable[at]))
        number = np.array([searchable[at]])  # out of range: IndexError, as a sequence should
        [sentence] = self._layout.sentences_at(self._documents, number)
        return sentence

    def __iter__(self) -> Iterator[Sentence]:
        searchable = self._layout.searchable
        for start in range(0, len(searchable), 4096):
            yield from self._layout.sentences_at(self._documents, searchable[start : start + 4096])

    def __repr__(self) -> str:
        return f"<{len(self)} sentences>"

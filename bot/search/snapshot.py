"""An index as named arrays and a JSON-able mapping, and back: what a store keeps of it.

A snapshot holds everything but the documents (kept by their owner) and what the BM25
parameters decide (the scores are worked out again from the counts when restored).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from bot.corpus import Document
from bot.search.params import BM25Params
from bot.search.postings import Postings
from bot.search.sentences import Layout

Arrays = dict[str, npt.NDArray[Any]]
Meta = dict[str, Any]

_POSTINGS = ("indptr", "units", "frequencies", "lengths")
_LAYOUT = (
    "document_sentences",
    "paragraph",
    "start",
    "end",
    "searchable",
    "tokens",
    "sentence_tokens",
)


def encode_vocabulary(vocabulary: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Terms (which never hold a line break) as one UTF-8 array."""
    return np.frombuffer("\n".join(vocabulary).encode(), dtype=np.uint8)


def decode_vocabulary(array: npt.NDArray[np.uint8]) -> tuple[str, ...]:
    text = array.tobytes().decode()
    return tuple(text.split("\n")) if text else ()


class Terms(Sequence[str]):
    """A sorted vocabulary as `encode_vocabulary` keeps it (mapped or not): a term by id,
    and a term's id (`get`, by binary search), with no Python object per term, so that
    processes mapping one stored index share it."""

    __slots__ = ("_ends", "_text")

    def __init__(self, array: npt.NDArray[np.uint8]) -> None:
        self._text = memoryview(array.data)
        breaks = np.flatnonzero(array == ord("\n"))
        self._ends = np.append(breaks, len(array)) if len(array) else breaks

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[str]:
        # Decoded at once: a reload takes the whole vocabulary, and a term at a time
        # costs a decode and a Python call for each.
        return iter(str(self._text, "utf-8").split("\n") if len(self) else ())

    @overload
    def __getitem__(self, at: int) -> str: ...

    @overload
    def __getitem__(self, at: slice) -> list[str]: ...

    def __getitem__(self, at: int | slice) -> str | list[str]:
        if isinstance(at, slice):
            return [self[number] for number in range(*at.indices(len(self)))]
        number = range(len(self))[at]  # negative from the end; out of range: IndexError
        start = int(self._ends[number - 1]) + 1 if number else 0
        return str(self._text[start : int(self._ends[number])], "utf-8")

    def get(self, term: str) -> int | None:
        """The id of `term`, or None when the vocabulary does not hold it."""
        at = bisect_left(self, term)
        return at if at < len(self) and self[at] == term else None

    def __repr__(self) -> str:
        return f"<{len(self)} terms>"


def _params_key(params: BM25Params) -> list[float]:
    return [params.k1, params.b, params.epsilon]


@dataclass(frozen=True, slots=True, eq=False)
class IndexSnapshot:
    """The arrays of an index (`bot.search.index.Index.snapshot`), from which
    `bot.search.index.Index.from_snapshot` makes it again."""

    documents: int
    """How many documents the index was built from."""
    layout: Layout
    sentence_postings: Postings
    paragraph_postings: Postings | None
    """None when each paragraph has one searchable sentence: the sentence postings."""
    paragraph_of: npt.NDArray[np.int32] | None
    """Searchable sentence -> its paragraph (None: the same number)."""
    version: str | None = None
    """The index's version (`bot.search.index.corpus_version`) with the BM25 parameters
    it was stored with; None when it must be worked out again."""

    def to_arrays(self) -> tuple[Meta, Arrays]:
        """The snapshot as a mapping (JSON-able) and named arrays."""
        layout = self.layout
        arrays: Arrays = {"vocabulary": encode_vocabulary(layout.vocabulary)}
        arrays.update((name, getattr(layout, name)) for name in _LAYOUT)
        if self.paragraph_of is not None:
            arrays["paragraph_of"] = self.paragraph_of
        for name in _POSTINGS:
            arrays[f"sentence_{name}"] = getattr(self.sentence_postings, name)
            if self.paragraph_postings is not None:
                arrays[f"paragraph_{name}"] = getattr(self.paragraph_postings, name)
        # The scores too, with the parameters they were worked out with: a start with the
        # same parameters maps them from the file instead of working them out again.
        for prefix, postings in (
            ("sentence", self.sentence_postings),
            ("paragraph", self.paragraph_postings),
        ):
            if postings is not None:
                arrays[f"{prefix}_idf"] = postings.idf
                arrays[f"{prefix}_impact"] = postings.impact
        normalized = [[d, p, text] for (d, p), text in layout.normalized.items()]
        meta = {
            "documents": self.documents,
            "normalized": normalized,
            "bm25": _params_key(self.sentence_postings.params),
            "version": self.version,
        }
        return meta, arrays

    @classmethod
    def from_arrays(
        cls, meta: Meta, arrays: Arrays, documents: Sequence[Document], params: BM25Params
    ) -> IndexSnapshot:
        """The snapshot `to_arrays` gave, scored with `params` and checked to fit
        `documents`; raises ValueError (or KeyError, TypeError, IndexError for a
        mapping or arrays of another shape) when it does not."""
        vocabulary = Terms(arrays["vocabulary"])
        layout = Layout(
            **{name: arrays[name] for name in _LAYOUT},
            normalized={(int(d), int(p)): str(text) for d, p, text in meta["normalized"]},
            vocabulary=vocabulary,
        )

        def postings(prefix: str) -> Postings:
            indptr, found, frequencies, lengths = (arrays[f"{prefix}_{n}"] for n in _POSTINGS)
            # Every position the search kernel follows is checked to lie inside its array:
            # a mapped index is not checksummed whole at start (see bot.store.container).
            if (
                len(indptr) != len(vocabulary) + 1
                or int(indptr[0]) != 0
                or int(indptr[-1]) != len(found)
                or bool((np.diff(indptr) < 0).any())
            ):
                raise ValueError(f"{prefix} postings do not fit the vocabulary")
            if len(found) != len(frequencies) or (
                len(found) and (int(found.max()) >= len(lengths) or int(found.min()) < 0)
            ):
                raise ValueError(f"{prefix} postings do not fit the documents")
            impact, idf = arrays.get(f"{prefix}_impact"), arrays.get(f"{prefix}_idf")
            if impact is None or idf is None or meta.get("bm25") != _params_key(params):
                return Postings.from_postings(
                    vocabulary, indptr, found, frequencies, lengths=lengths, params=params
                )
            if len(impact) != len(found) or len(idf) != len(vocabulary):
                raise ValueError(f"{prefix} scores do not fit the postings")
            return Postings(vocabulary, idf, indptr, found, frequencies, impact, lengths, params)

        sentence_bm25 = postings("sentence")
        paragraph_bm25 = postings("paragraph") if "paragraph_indptr" in arrays else None
        paragraph_of = arrays.get("paragraph_of")
        if (paragraph_of is None) != (paragraph_bm25 is None):
            raise ValueError("paragraphs do not fit the sentences")
        paragraphs = paragraph_bm25.size if paragraph_bm25 is not None else sentence_bm25.size
        last_paragraph = (
            int(paragraph_of[-1]) if paragraph_of is not None else sentence_bm25.size - 1
        )
        if (
            paragraph_of is not None
            and len(paragraph_of)
            and (int(paragraph_of.min()) < 0 or int(paragraph_of.max()) != last_paragraph)
        ):
            raise ValueError("paragraphs do not fit the sentences")
        sentences = len(layout.paragraph)
        tokens = layout.tokens
        fits = (
            meta["documents"] == len(documents)
            and len(layout.document_sentences) == len(documents) + 1
            and int(layout.document_sentences[-1]) == sentences
            and len(layout.start) == len(layout.end) == sentences
            and len(layout.searchable) == sentence_bm25.size > 0
            and (paragraph_of is None or len(paragraph_of) == sentence_bm25.size)
            and int(layout.searchable.max()) < sentences
            and last_paragraph + 1 == paragraphs
            and all(0 < p <= len(documents[d].paragraphs) for (d, p) in layout.normalized)
            and len(layout.sentence_tokens) == sentences + 1
            and int(layout.sentence_tokens[-1]) == len(tokens)
            and (not len(tokens) or int(tokens.max()) < len(vocabulary))
        )
        if not fits:
            raise ValueError("arrays do not fit the documents")
        same_params = meta.get("bm25") == _params_key(params)
        version = str(meta["version"]) if same_params and meta.get("version") else None
        return cls(meta["documents"], layout, sentence_bm25, paragraph_bm25, paragraph_of, version)

"""Documents kept as arrays, one UTF-8 text and where each piece of it ends, and made into
`Document` objects only when asked for.

A stored index keeps its documents so (`bot.store.cache`): a process that maps the file
holds no Python object per document, and processes sharing the file share its pages.
Each document is a run of pieces: its fields (`FIELDS`, an absent one empty and marked in
`absent`) and then its paragraphs.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, pairwise
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from bot.corpus.document import Document
from bot.workers import concatenate

try:  # compiled by setup.py where a C compiler is at hand
    from bot.corpus import _pieces as _compiled
except ImportError:  # pragma: no cover - depends on how the package was built
    _compiled = None  # type: ignore[assignment]

FIELDS = ("id", "title", "source", "content_hash", "publisher", "author", "url", "published")
_REQUIRED = FIELDS[:4]
_OPTIONAL = FIELDS[4:]
_BATCH = 1024
_NAMES = ("document_text", "document_pieces", "piece_ends", "document_absent")

Arrays = dict[str, npt.NDArray[Any]]


def _pieces(document: Document) -> Iterator[str]:
    yield from (getattr(document, name) or "" for name in FIELDS)
    yield from document.paragraphs


def _size(piece: str) -> int:
    return len(piece) if piece.isascii() else len(piece.encode("utf-8", "surrogatepass"))


def document_layout(documents: Sequence[Document]) -> tuple[Arrays, int]:
    """The documents' arrays but their text (`document_text`), and its size in bytes."""
    ends = array("q")  # 8 bytes an item, not a Python int's 36: a piece is often short
    firsts = array("q", [0])
    absent = np.zeros(len(documents), dtype=np.uint8)
    end = 0
    for number, document in enumerate(documents):
        for bit, name in enumerate(_OPTIONAL):
            if getattr(document, name) is None:
                absent[number] |= 1 << bit
        for piece in _pieces(document):
            end += _size(piece)
            ends.append(end)
        firsts.append(len(ends))
    arrays: Arrays = {
        "document_pieces": np.frombuffer(firsts, dtype=np.int64),
        "piece_ends": np.frombuffer(ends, dtype=np.int64),
        "document_absent": absent,
    }
    return arrays, end


def document_text(documents: Sequence[Document]) -> Iterator[bytes]:
    """The documents' text (UTF-8), a batch of documents at a time: a store writes it as
    it is made rather than hold a second copy of the corpus."""
    for first in range(0, len(documents), _BATCH):
        batch = documents[first : first + _BATCH]
        yield "".join(piece for d in batch for piece in _pieces(d)).encode("utf-8", "surrogatepass")


def encode_documents(documents: Sequence[Document]) -> Arrays:
    """The documents as arrays, whole in memory (the names start with "document_" or
    "piece_")."""
    arrays, _ = document_layout(documents)
    text = b"".join(document_text(documents))
    return {"document_text": np.frombuffer(text, dtype=np.uint8), **arrays}


class DocumentTable(Sequence[Document]):
    """The documents `encode_documents` made arrays of (mapped or not), as a sequence.

    Indexing makes a `Document` each time; `column` gives one field
    of every document without making them."""

    __slots__ = ("_absent", "_arrays", "_ends", "_firsts", "_text")

    def __init__(self, arrays: Arrays) -> None:
        """Raises ValueError (or KeyError, IndexError) when the arrays do not fit together;
        every position a lookup follows is checked here."""
        text, firsts, ends, absent = (arrays[name] for name in _NAMES)
        count = len(absent)
        if (
            text.dtype != np.uint8
            or len(firsts) != count + 1
            or int(firsts[0]) != 0
            or int(firsts[-1]) != len(ends)
            or bool((np.diff(firsts) < len(FIELDS)).any())
            or (len(ends) and (int(ends[-1]) != len(text) or int(ends[0]) < 0))
            or bool((np.diff(ends) < 0).any())
        ):
            raise ValueError("the documents' arrays do not fit together")
        self._arrays = {name: arrays[name] for name in _NAMES}
        self._text = memoryview(text.data)
        self._firsts = firsts
        self._ends = ends
        self._absent = absent

    def __len__(self) -> int:
        return len(self._absent)

    @overload
    def __getitem__(self, at: int) -> Document: ...

    @overload
    def __getitem__(self, at: slice) -> list[Document]: ...

    def __getitem__(self, at: int | slice) -> Document | list[Document]:
        if isinstance(at, slice):
            return [self._document(number) for number in range(*at.indices(len(self)))]
        number = range(len(self))[at]  # negative from the end; out of range: IndexError
        return self._document(number)

    def __iter__(self) -> Iterator[Document]:
        return map(self._document, range(len(self)))

    def _pieces(self, first: int, last: int) -> list[str]:
        ends = self._ends[max(first - 1, 0) : last].tolist()
        if first == 0:
            ends.insert(0, 0)
        text = self._text
        return [str(text[start:end], "utf-8", "surrogatepass") for start, end in pairwise(ends)]

    def _document(self, number: int) -> Document:
        first, last = self._firsts[number : number + 2].tolist()
        pieces = self._pieces(first, last)
        absent = int(self._absent[number])
        optional = [
            None if absent & (1 << bit) else value
            for bit, value in enumerate(pieces[4 : len(FIELDS)])
        ]
        return Document(
            id=pieces[0],
            title=pieces[1],
            source=pieces[2],
            content_hash=pieces[3],
            paragraphs=tuple(pieces[len(FIELDS) :]),
            **dict(zip(_OPTIONAL, optional, strict=True)),
        )

    def column(self, name: str) -> list[str]:
        """Field `name` of every document, in order: "id", "title", "source" or
        "content_hash"."""
        return self._strings(_REQUIRED.index(name))

    def metadata(self, name: str) -> list[str | None]:
        """Metadata field `name` ("publisher", "author", "url", "published") of every
        document, in order."""
        bit = 1 << _OPTIONAL.index(name)
        values: list[str | None] = list(self._strings(FIELDS.index(name)))
        for number in np.flatnonzero(self._absent & bit).tolist():
            values[number] = None
        return values

    def joined_fields(self, names: Sequence[str]) -> bytes:
        """`joined_fields` of these documents, from their text, not decoded."""
        bounds = [self._bounds(_REQUIRED.index(name)) for name in names]
        starts = np.stack([start for start, _ in bounds], axis=1).reshape(-1)
        stops = np.stack([stop for _, stop in bounds], axis=1).reshape(-1)
        return _nul_joined_pieces(self._arrays["document_text"], starts, stops)

    def _bounds(self, field: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Where field number `field` of each document starts and stops in the text."""
        at = self._firsts[:-1] + field
        stops = self._ends.take(at)
        starts = np.where(at > 0, self._ends.take(np.maximum(at - 1, 0)), 0)
        return starts, stops

    def _strings(self, field: int) -> list[str]:
        starts, stops = self._bounds(field)
        if not len(starts):
            return []
        joined = _nul_joined_pieces(self._arrays["document_text"], starts, stops)
        # Decoded in one piece and split, at C speed, unless a value holds the separator.
        values = joined[1:].decode("utf-8", "surrogatepass").split("\0")
        if len(values) == len(starts):
            return values
        text = self._text
        return [
            str(text[start:stop], "utf-8", "surrogatepass")
            for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)
        ]

    def arrays(self) -> Arrays:
        """Its arrays, as `encode_documents` makes them."""
        return dict(self._arrays)

    def part(self, start: int, stop: int) -> Arrays:
        """The arrays of documents `start` to `stop` - 1, as `encode_documents` would make
        them (views of its own, but for the offsets)."""
        firsts = self._firsts[start : stop + 1]
        first, last = int(firsts[0]), int(firsts[-1])
        ends = self._ends
        text_start = int(ends[first - 1]) if first else 0
        text_end = int(ends[last - 1]) if last else 0
        return {
            "document_text": self._arrays["document_text"][text_start:text_end],
            "document_pieces": firsts - first,
            "piece_ends": ends[first:last] - text_start,
            "document_absent": self._absent[start:stop],
        }

    def __repr__(self) -> str:
        return f"<{len(self)} documents>"


def nul_joined_pieces(
    text: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], stops: npt.NDArray[np.int64]
) -> bytes:
    """`text[start:stop]` for each (start, stop), within `text`, each after a NUL byte,
    one after the other. `bot.corpus._pieces` is this, compiled."""
    view = text.data
    pieces = [view[start:stop] for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)]
    return b"\0" + b"\0".join(pieces) if pieces else b""


_nul_joined_pieces = nul_joined_pieces if _compiled is None else _compiled.nul_joined_pieces


def join_documents(parts: Sequence[Arrays], *, threads: int | None = None) -> Arrays:
    """Documents' arrays (`encode_documents`, `DocumentTable.part`) one after the other;
    `threads` copy the text (None: as many as `bot.workers.copy_threads` says)."""
    texts = [part["document_text"] for part in parts]
    text_bases = np.cumsum([0, *(len(text) for text in texts)])
    piece_bases = np.cumsum([0, *(len(part["piece_ends"]) for part in parts)])
    firsts = [np.zeros(1, dtype=np.int64)]
    firsts.extend(
        part["document_pieces"][1:] + base
        for part, base in zip(parts, piece_bases[:-1], strict=True)
    )
    ends = [part["piece_ends"] + base for part, base in zip(parts, text_bases[:-1], strict=True)]
    return {
        "document_text": concatenate(texts, np.uint8, threads=threads),
        "document_pieces": np.concatenate(firsts).astype(np.int64, copy=False),
        "piece_ends": np.concatenate([np.zeros(0, np.int64), *ends]),
        "document_absent": np.concatenate(
            [np.zeros(0, np.uint8), *(part["document_absent"] for part in parts)]
        ),
    }


def runs(places: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """`places` (each item's place in an earlier sequence, or -1 for an item new since)
    cut into runs, as (start, stop): of consecutive places, or of new items. A reload
    copies each run of the last load's documents, or of their analysis, whole."""
    new = places < 0
    cuts = (
        np.flatnonzero((new[1:] != new[:-1]) | (~new[1:] & (places[1:] != places[:-1] + 1))) + 1
    ).tolist()
    return [
        (start, stop)
        for start, stop in zip([0, *cuts], [*cuts, len(places)], strict=True)
        if start < stop
    ]


def column(documents: Sequence[Document], name: str) -> list[str]:
    """Field `name` ("id", "title", "source", "content_hash") of every document: from the
    arrays when they are a `DocumentTable`, without making a `Document` each."""
    if isinstance(documents, DocumentTable):
        return documents.column(name)
    if name not in _REQUIRED:
        raise ValueError(f"not a field every document has: {name!r}")
    return [getattr(document, name) for document in documents]


def nul_joined(rows: Iterable[tuple[str, ...]]) -> bytes:
    """`"\\0{a}\\0{b}"` for each row (a, b), one after the other, in UTF-8 (b"" for no
    row): what the hash of documents' ids and texts is taken over, made in one piece
    rather than a row at a time (a corpus may have a million documents)."""
    values = list(chain.from_iterable(rows))
    return ("\0" + "\0".join(values)).encode("utf-8", "surrogatepass") if values else b""


def joined_fields(documents: Sequence[Document], names: Sequence[str]) -> bytes:
    """`nul_joined` of the rows of fields `names` ("id", "title", "source",
    "content_hash") of the documents: from a `DocumentTable`'s text without decoding it."""
    if isinstance(documents, DocumentTable):
        return documents.joined_fields(names)
    return nul_joined(zip(*(column(documents, name) for name in names), strict=True))


def metadata(documents: Sequence[Document], name: str) -> list[str | None]:
    """Metadata field `name` ("publisher", "author", "url", "published") of every
    document, as `column` does."""
    if isinstance(documents, DocumentTable):
        return documents.metadata(name)
    if name not in _OPTIONAL:
        raise ValueError(f"not a metadata field: {name!r}")
    return [getattr(document, name) for document in documents]

"""Documents kept as arrays (`bot.corpus.DocumentTable`): the same documents back, one
field of all of them without making them, and arrays that do not fit refused."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.corpus import Document, DocumentTable, column, metadata
from bot.corpus.table import (
    FIELDS,
    encode_documents,
    join_documents,
    joined_fields,
    nul_joined,
    nul_joined_pieces,
)

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_optional = st.one_of(st.none(), _text)

documents = st.lists(
    st.builds(
        Document,
        id=_text,
        title=_text,
        paragraphs=st.lists(_text, max_size=5).map(tuple),
        source=_text,
        publisher=_optional,
        author=_optional,
        url=_optional,
        published=_optional,
    ),
    max_size=8,
)


@given(documents)
def test_the_table_gives_the_same_documents_back(given_documents: list[Document]) -> None:
    table = DocumentTable(encode_documents(given_documents))
    assert len(table) == len(given_documents)
    assert list(table) == given_documents
    assert table[1:-1] == given_documents[1:-1]
    if given_documents:
        assert table[-1] == given_documents[-1]
    for name in FIELDS[:4]:
        assert column(table, name) == column(given_documents, name)
    for name in FIELDS[4:]:  # an empty value stays empty, an absent one absent
        assert metadata(table, name) == metadata(given_documents, name)
    # The fields joined undecoded, as the index key takes them, and as nul_joined joins.
    pairs = zip(column(given_documents, "id"), column(given_documents, "content_hash"), strict=True)
    assert joined_fields(table, ["id", "content_hash"]) == nul_joined(pairs)
    for names in (["source"], ["title", "id", "source"]):
        assert joined_fields(table, names) == joined_fields(given_documents, names)


@given(documents, st.data())
def test_parts_of_tables_join_into_the_table_of_their_documents(
    given_documents: list[Document], data: st.DataObject
) -> None:
    # As a reload joins runs of the last load's documents and the documents read: each
    # part a run of a table, or a table of its own; the text copied by several threads.
    table = DocumentTable(encode_documents(given_documents))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(table)), max_size=4)))
    bounds = list(zip([0, *cuts], [*cuts, len(table)], strict=True))
    parts = [
        table.part(start, stop) if data.draw(st.booleans()) else encode_documents(table[start:stop])
        for start, stop in bounds
    ]
    threads = data.draw(st.integers(1, 4))
    joined = DocumentTable(join_documents(parts, threads=threads))
    assert list(joined) == given_documents


def test_a_value_holding_a_nul_character_comes_back_whole() -> None:
    # A column is decoded in one piece and split at NUL characters, unless a value has one.
    given_documents = [
        Document(id="a\0b", title="One", paragraphs=("Text.",), source="one\0.md"),
        Document(id="c", title="Two", paragraphs=(), source="two.md", publisher="\0"),
    ]
    table = DocumentTable(encode_documents(given_documents))
    assert column(table, "id") == ["a\0b", "c"]
    assert column(table, "source") == ["one\0.md", "two.md"]
    assert column(table, "title") == ["One", "Two"]
    assert metadata(table, "publisher") == [None, "\0"]


def test_an_index_out_of_range_raises_index_error() -> None:
    table = DocumentTable(encode_documents([Document("a", "A", ("One.",), "a.md")]))
    with pytest.raises(IndexError):
        table[1]
    with pytest.raises(IndexError):
        table[-2]


def test_a_field_no_document_has_is_refused() -> None:
    table = DocumentTable(encode_documents([Document("a", "A", ("One.",), "a.md")]))
    with pytest.raises(ValueError):
        column(table, "publisher")  # metadata: may be absent
    with pytest.raises(ValueError):
        metadata([Document("a", "A", (), "a.md")], "title")


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("piece_ends", lambda a: a[:-1]),  # a piece lost
        ("piece_ends", lambda a: a[::-1]),  # pieces out of order
        ("document_pieces", lambda a: a[:-1]),  # a document lost
        ("document_pieces", lambda a: a + 1),  # starting past the first piece
        ("document_text", lambda a: a[:-1]),  # text cut short
        ("document_absent", lambda a: np.zeros(len(a) + 1, dtype=a.dtype)),
    ],
)
def test_arrays_that_do_not_fit_together_are_refused(name: str, change: object) -> None:
    arrays = encode_documents(
        [Document("a", "A", ("One.", "Two."), "a.md"), Document("b", "B", ("Three.",), "b.md")]
    )
    arrays[name] = change(arrays[name])  # type: ignore[operator]
    with pytest.raises(ValueError):
        DocumentTable(arrays)


@given(st.lists(st.tuples(_text, _text), max_size=6))
def test_pairs_joined_at_once_are_the_pairs_one_at_a_time(pairs: list[tuple[str, str]]) -> None:
    # What the index key and version hash: joined in one piece, the same bytes as before.
    assert nul_joined(pairs) == b"".join(f"\0{a}\0{b}".encode() for a, b in pairs)


@given(st.binary(max_size=60), st.data())
def test_the_compiled_joiner_joins_the_pieces_as_python_does(
    data: bytes, draw: st.DataObject
) -> None:
    compiled = pytest.importorskip("bot.corpus._pieces")  # built in CI: see the test below
    bounds = draw.draw(
        st.lists(st.tuples(st.integers(0, len(data)), st.integers(0, len(data))), max_size=6)
    )
    starts = np.array([min(pair) for pair in bounds], dtype=np.int64)
    stops = np.array([max(pair) for pair in bounds], dtype=np.int64)
    text = np.frombuffer(data, dtype=np.uint8)
    joined = compiled.nul_joined_pieces(text, starts, stops)
    assert joined == nul_joined_pieces(text, starts, stops)
    assert joined == b"".join(b"\0" + data[a:b] for a, b in zip(starts, stops, strict=True))


def test_the_compiled_joiner_refuses_a_piece_out_of_the_text() -> None:
    compiled = pytest.importorskip("bot.corpus._pieces")
    text = np.frombuffer(b"abc", dtype=np.uint8)
    for start, stop in [(2, 4), (-1, 1), (2, 1)]:
        with pytest.raises(ValueError, match="not within the text"):
            compiled.nul_joined_pieces(text, np.array([start]), np.array([stop]))


def test_the_joiner_is_compiled_in_ci() -> None:
    # CI installs with a C compiler: a joiner that failed to build must not go unseen.
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI")
    import bot.corpus._pieces  # noqa: F401

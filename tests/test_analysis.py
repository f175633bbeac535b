"""Analysis in columns: the same in worker processes as in-process, merged and sliced
without changing a term, and an index that keeps no Python object per sentence."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import os
from array import array
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus import Corpus, Document
from bot.search.analysis import (
    Analysis,
    TermIds,
    _chunks,
    analyse,
    analyse_documents,
    combine,
    merge,
    paragraph_terms,
)
from bot.search.analyzer import default_analyzer, normalize, terms
from bot.search.index import build_index, split_document
from bot.search.vocabulary import python_map_ids

MakeDocument = Callable[..., Document]


def term_lists(analysis: Analysis) -> list[list[str]]:
    """Each sentence's terms as strings: what an analysis says, whatever its term ids."""
    bounds = analysis.sentence_tokens.tolist()
    words = [analysis.vocabulary[t] for t in analysis.tokens.tolist()]
    return [words[a:b] for a, b in itertools.pairwise(bounds)]


def assert_identical(a: Analysis, b: Analysis) -> None:
    assert a.vocabulary == b.vocabulary
    for field in dataclasses.fields(Analysis):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype, field.name
            np.testing.assert_array_equal(left, right, err_msg=field.name)
        else:
            assert left == right, field.name


@pytest.fixture
def documents(bundled_corpus: Corpus, make_document: MakeDocument) -> list[Document]:
    extra = [
        make_document(f"extra-{n}", f"Item {n} was  sold.  It cost {n} dollars.", "Who knows?")
        for n in range(20)
    ]
    unnormalized = make_document("odd", "  \u201cYes,\u201d he   said. \n Then left. ")
    return [*bundled_corpus.documents, *extra, unnormalized]


def test_analysis_in_worker_processes_is_identical_to_in_process(
    documents: list[Document],
) -> None:
    in_process = analyse_documents(documents, workers=1)
    in_workers = analyse_documents(documents, workers=2)
    assert_identical(in_workers, in_process)


def test_analysis_from_a_thread_is_identical_too(documents: list[Document]) -> None:
    # The bot analyses from a thread, beside the event loop: then the workers are not
    # forked but started afresh; they must still give the same analysis.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        in_workers = thread.submit(analyse_documents, documents, workers=2).result()
    assert_identical(in_workers, analyse_documents(documents, workers=1))


def test_analysis_matches_splitting_and_terms(documents: list[Document]) -> None:
    analysis = analyse_documents(documents, workers=1)
    expected_sentences = [s for d in documents for s in split_document(d)]
    assert analysis.sentences == len(expected_sentences)
    assert term_lists(analysis) == [terms(s.text) for s in expected_sentences]
    assert analysis.paragraph.tolist() == [s.paragraph for s in expected_sentences]
    assert analysis.normalized == tuple(
        (d, p, normalize(text))
        for d, document in enumerate(documents)
        for p, text in enumerate(document.paragraphs, start=1)
        if normalize(text) != text
    )
    assert analysis.normalized[-1] == (len(documents) - 1, 1, '"Yes," he said. Then left.')
    assert list(analysis.vocabulary) == sorted(analysis.vocabulary)


def test_the_index_does_not_depend_on_the_number_of_workers(documents: list[Document]) -> None:
    one, two = build_index(documents, workers=1), build_index(documents, workers=2)
    for question in ["Who led the Chinese delegation?", "How much did item 7 cost?"]:
        assert [(h.sentence, h.score) for h in one.search(question, 10)] == [
            (h.sentence, h.score) for h in two.search(question, 10)
        ]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["Alpha beta.", "Gamma rose. Delta fell.", "", "It is."])),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_merge_and_combine_keep_every_sentences_terms(
    paragraph_lists: list[list[str]], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(paragraph_lists)))
    whole = merge([analyse(paragraph_lists)])
    parts = merge([analyse(paragraph_lists[:cut]), analyse(paragraph_lists[cut:])])
    assert_identical(parts, whole)
    chosen = data.draw(st.lists(st.integers(0, len(paragraph_lists) - 1), unique=True))
    picked = combine(whole, np.array(chosen, dtype=np.int64), merge([analyse([])]))
    alone = merge([analyse([paragraph_lists[d] for d in chosen])])
    assert term_lists(picked) == term_lists(alone)
    assert_identical(picked, alone)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["Alpha beta.", "Gamma rose. Delta fell.", "Zeta.", "It is."])),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_a_reload_that_replaces_some_documents_gives_a_fresh_analysis(
    paragraph_lists: list[list[str]], data: st.DataObject
) -> None:
    # As a reload combines them: the last analysis (sorted vocabulary) for the documents
    # it holds, in any order (files moved) or left out, a fresh one for those it lacks,
    # which may bring terms it lacks or leave some of its terms unused.
    last = merge([analyse(paragraph_lists)])
    texts = ["Alpha beta.", "Omega came. Beta left.", "Zeta.", "New terms arrive."]
    held = st.integers(0, len(paragraph_lists) - 1)
    now = data.draw(st.lists(st.one_of(held, st.sampled_from(texts)), max_size=8))
    where = np.array([d if isinstance(d, int) else -1 for d in now], dtype=np.int64)
    fresh = analyse([[d] for d in now if isinstance(d, str)])
    documents = [paragraph_lists[d] if isinstance(d, int) else [d] for d in now]
    expected = merge([analyse(documents)])
    assert_identical(combine(last, where, fresh), expected)
    # The tokens written by several threads, each a share that may cut across the parts.
    threads = data.draw(st.integers(2, 5))
    assert_identical(combine(last, where, fresh, threads=threads), expected)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=60), st.integers(1, 12))
def test_chunks_cover_every_document_once_in_order(sizes: list[int], count: int) -> None:
    paragraph_lists: list[tuple[str, ...]] = [("x" * size,) for size in sizes]
    chunks = _chunks(paragraph_lists, count)
    assert [p for chunk in chunks for p in chunk] == paragraph_lists
    assert all(chunks)


def test_the_index_keeps_no_python_object_per_sentence(bundled_corpus: Corpus) -> None:
    index = build_index(bundled_corpus.documents)
    sentences = len(index.sentences)
    assert sentences > 10

    def containers(value: object, depth: int = 0) -> list[int]:
        """Sizes of the Python containers reachable from an index field (not numpy arrays)."""
        if depth > 3 or isinstance(value, np.ndarray | str | int | float):
            return []
        if isinstance(value, dict):
            return [len(value)] + [n for v in value.values() for n in containers(v, depth + 1)]
        if isinstance(value, list | tuple):
            return [len(value)] + [n for v in value for n in containers(v, depth + 1)]
        if dataclasses.is_dataclass(value):
            return [
                n
                for f in dataclasses.fields(value)
                for n in containers(getattr(value, f.name), depth + 1)
            ]
        return []

    for field in dataclasses.fields(index):
        if field.name in {"documents", "sentences"}:
            continue
        sizes = containers(getattr(index, field.name))
        # The vocabulary holds one entry a term; nothing holds one a sentence.
        assert all(
            size < sentences for size in sizes if size != len(index.snapshot().layout.vocabulary)
        )


# Letters and digits of several scripts, and what is neither: "_" (a word character that
# is no letter), combining marks, superscripts and fractions (digits and numbers that are
# not decimal), a full stop for acronyms, and a few separators.
_CHARACTERS = st.sampled_from(
    [*"aZ9._ .-'", "\u00e9", "\u0301", "\u00b2", "\u00bd", "\u0661", "\u4e2d", "\U0001d400"]
)


@settings(max_examples=300, deadline=None)
@given(st.text(_CHARACTERS, max_size=40), st.data())
def test_the_compiled_word_scanner_finds_the_terms_the_pattern_finds(
    text: str, data: st.DataObject
) -> None:
    words = pytest.importorskip("bot.search._words")  # built in CI: see the test below
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
    spans = [(0, len(text)), *itertools.pairwise([0, *cuts, len(text)])]
    found = []
    for scan in (words.paragraph_terms, paragraph_terms):
        term_ids = TermIds(default_analyzer())
        tokens, sentence_tokens = array("i"), array("q", [0])
        scan(text, spans, term_ids, tokens, sentence_tokens)
        vocabulary = list(term_ids.vocabulary)
        found.append(([vocabulary[t] for t in tokens], list(sentence_tokens), set(term_ids)))
    assert found[0] == found[1]


def test_the_compiled_word_scanner_refuses_arrays_of_another_type() -> None:
    words = pytest.importorskip("bot.search._words")
    term_ids = TermIds(default_analyzer())
    for tokens, sentence_tokens in [(array("q"), array("q", [0])), (array("i"), array("i", [0]))]:
        with pytest.raises(TypeError):
            words.paragraph_terms("a b", [(0, 3)], term_ids, tokens, sentence_tokens)


@given(st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=20), st.data())
def test_the_compiled_id_map_maps_as_take_does(values: list[int], data: st.DataObject) -> None:
    words = pytest.importorskip("bot.search._words")  # built in CI: see the test below
    mapping = np.array(values, dtype=np.int32)
    ids = np.array(
        data.draw(st.lists(st.integers(0, len(values) - 1), max_size=30)), dtype=np.int32
    )
    found, expected = np.empty_like(ids), np.empty_like(ids)
    words.map_ids(mapping, ids, found)
    python_map_ids(mapping, ids, expected)
    assert found.tolist() == expected.tolist() == [values[at] for at in ids.tolist()]


def test_the_compiled_id_map_refuses_an_id_out_of_the_mapping() -> None:
    words = pytest.importorskip("bot.search._words")
    mapping = np.arange(3, dtype=np.int32)
    for bad in (3, -1):
        with pytest.raises(ValueError, match="not in the mapping"):
            words.map_ids(mapping, np.array([0, bad], dtype=np.int32), np.empty(2, np.int32))
    with pytest.raises(ValueError, match="as long as"):
        words.map_ids(mapping, np.array([0], dtype=np.int32), np.empty(2, np.int32))


def test_the_word_scanner_is_built_in_ci() -> None:
    # CI installs with a C compiler: a scanner that failed to build must not go unseen.
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI")
    import bot.search._words  # noqa: F401

"""Vocabularies put together: one sorted vocabulary of the terms of several analyses, and
their term ids mapped to ids in it (`bot.search.analysis` merges and combines with it)."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

try:  # compiled by setup.py where a C compiler is at hand
    from bot.search import _words
except ImportError:  # pragma: no cover - depends on how the package was built
    _words = None  # type: ignore[assignment]

Int32Array = npt.NDArray[np.int32]


def unite(
    vocabularies: dict[int, tuple[str, ...]],
) -> tuple[Sequence[str], dict[int, Int32Array | None]]:
    """One sorted vocabulary holding every term of `vocabularies` (by key), and the map of
    each one's term ids to ids in it (None: the same ids).

    A reload merges the last index's sorted vocabulary with the few terms of changed
    documents: then that one is kept as it is when it holds them all, or merged with the
    few it lacks, and its documents' tokens are not mapped when their ids stay."""
    if not vocabularies:
        return (), {}
    largest = max(vocabularies, key=lambda key: len(vocabularies[key]))
    base = vocabularies[largest]
    if all(map(operator.lt, base, base[1:])):  # sorted: the vocabulary of a merge
        others = {term for key, terms in vocabularies.items() if key != largest for term in terms}
        # Looked up by halving: the others are few, the base large.
        added = sorted(term for term in others if not _holds(base, term))
        vocabulary: Sequence[str] = base
        moved: Int32Array | None = None
        if added:
            vocabulary, moved = _with_added(base, added)
        mappings: dict[int, Int32Array | None] = {largest: moved}
        for key, terms in vocabularies.items():  # the others are few: looked up one by one
            if key != largest:
                ids_of = (bisect.bisect_left(vocabulary, term) for term in terms)
                mappings[key] = np.fromiter(ids_of, np.int32, len(terms))
        return vocabulary, mappings
    vocabulary = sorted(set().union(*vocabularies.values()))
    term_ids = {term: term_id for term_id, term in enumerate(vocabulary)}
    return vocabulary, {
        key: np.fromiter(map(term_ids.__getitem__, terms), np.int32, len(terms))
        for key, terms in vocabularies.items()
    }


def _holds(vocabulary: Sequence[str], term: str) -> bool:
    """Whether a sorted vocabulary holds `term`."""
    at = bisect.bisect_left(vocabulary, term)
    return at < len(vocabulary) and vocabulary[at] == term


def _with_added(base: Sequence[str], added: list[str]) -> tuple[list[str], Int32Array]:
    """The sorted `base` with the sorted terms `added` (none of them in it) put in their
    places, and where each term of `base` went: slices of it copied whole, not compared
    term by term again."""
    places = [bisect.bisect_left(base, term) for term in added]
    vocabulary: list[str] = []
    taken = 0
    for term, at in zip(added, places, strict=True):
        vocabulary.extend(base[taken:at])
        vocabulary.append(term)
        taken = at
    vocabulary.extend(base[taken:])
    # A term of `base` moves up by the terms added before it.
    ids = np.arange(len(base), dtype=np.int64)
    moved = ids + np.searchsorted(np.array(places, dtype=np.int64), ids, side="right")
    return vocabulary, moved.astype(np.int32)


def python_map_ids(mapping: Int32Array, ids: Int32Array, out: Int32Array) -> None:
    """`out[i] = mapping[ids[i]]` for each i, ids within `mapping`. `map_ids` is
    `bot.search._words.map_ids`, this compiled, where it was built."""
    mapping.take(ids, out=out, mode="clip")  # "clip" writes straight into `out`


map_ids = python_map_ids if _words is None else _words.map_ids

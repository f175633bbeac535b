"""Vocabularies put together (bot.search.vocabulary): one sorted vocabulary of every term,
and each one's ids mapped to it, whether the largest is a merge's (sorted) or not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.search.vocabulary import unite

_terms = st.lists(st.text("abcé", min_size=1, max_size=4), unique=True, max_size=12)


@given(_terms, st.lists(_terms, max_size=3), st.booleans())
def test_the_united_vocabulary_holds_every_term_once_and_maps_each_id(
    largest: list[str], others: list[list[str]], sort_largest: bool
) -> None:
    # A merge's vocabulary is sorted; a fresh analysis's is in the order of first use.
    base = sorted(largest) if sort_largest else largest
    vocabularies = {0: tuple(base)}
    vocabularies.update({key: tuple(terms) for key, terms in enumerate(others, start=1)})
    vocabulary, mappings = unite(vocabularies)
    every = set().union(*vocabularies.values())
    assert list(vocabulary) == sorted(every)
    for key, terms in vocabularies.items():
        mapping = mappings[key]
        mapped = list(terms) if mapping is None else [vocabulary[i] for i in mapping.tolist()]
        assert mapped == list(terms)

"""The index's candidates reordered by the learned reranker (`bot.qa.ranker`).

The search layer ranks by BM25 evidence alone; this is the one place the order
changes, for every caller (`bot.qa.answer`, the benchmarks).
"""

from __future__ import annotations

from bot.qa.ranker import shipped
from bot.search.index import Hit, Index
from bot.search.query import Query


def search(index: Index, query: Query | str, k: int) -> list[Hit]:
    """The best `k` hits for the query (a question's text is parsed first): the index's
    best by BM25 evidence, the first `index.ranking.rerank_depth` of them in the order of
    the shipped model's scores (`bot.qa.ranker.shipped`; ties keep the BM25 order), then
    the rest in BM25 order. Each hit keeps its BM25 evidence as its score."""
    if isinstance(query, str):
        query = index.parse(query)
    if k <= 0:
        return []
    depth = index.ranking.rerank_depth
    hits = index.search(query, max(k, depth))
    # Only the first `depth` are reordered, by features read from them alone: then their
    # order does not depend on `k`, and an answer's first passages are the same however
    # many are asked for (the bot asks for more, to have them for "More").
    candidates = hits[:depth]
    scores = shipped().scores(index, query, candidates).tolist()
    order = sorted(range(len(candidates)), key=lambda at: -scores[at])  # stable
    return ([candidates[at] for at in order] + hits[depth:])[:k]

"""The index's candidates reordered by the kind of answer the question asks for (`bot.qa.cues`).

The search layer ranks by BM25 evidence alone; this is the one place answer-policy cues
change the order, for every caller (`bot.qa.answer`, the benchmarks).
"""

from __future__ import annotations

from dataclasses import replace

from bot.qa.cues import boosts
from bot.search.index import Hit, Index
from bot.search.query import Query


def search(index: Index, query: Query | str, k: int) -> list[Hit]:
    """The best `k` hits for the query (a question's text is parsed first): the index's
    best by BM25 evidence, the first `index.ranking.rerank_depth` of them boosted when they
    hold the kind of answer asked for (see `bot.search.index.Ranking`), highest first."""
    if isinstance(query, str):
        query = index.parse(query)
    if k <= 0:
        return []
    ranking = index.ranking
    hits = index.search(query, max(k, ranking.rerank_depth))
    # Only the first `rerank_depth` may be boosted, by a factor computed over them: then
    # the order of those does not depend on `k`, and an answer's first passages are the
    # same however many are asked for (the bot asks for more, to have them for "More").
    texts = [hit.sentence.text for hit in hits[: ranking.rerank_depth]]
    factors = boosts(texts, query, ranking.answer_type_bonus, index.analyzer)
    boosted = [
        replace(hit, score=hit.score * factor) for hit, factor in zip(hits, factors, strict=False)
    ]
    reranked = boosted + hits[len(boosted) :]
    reranked.sort(key=lambda hit: -hit.score)  # stable: ties keep the BM25 order
    return reranked[:k]

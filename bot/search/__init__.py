"""Search: text into terms (`analyzer`, `analysis`), questions into queries (`query`),
BM25Okapi parameters and idf (`params`), postings (`postings`), the top n (`select`, by
the compiled kernel `_kernel` or numpy), sentences and their layout (`sentences`), the
index over them (`index`, kept by a store as a `snapshot`), and the check against
rank-bm25 (`verify`)."""

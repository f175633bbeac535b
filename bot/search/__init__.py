"""Search: BM25Okapi parameters and idf (`params`), postings (`postings`), the top n
(`select`, by the compiled kernel `_kernel` or numpy), and the check against rank-bm25
(`verify`)."""

"""Persistence: the SQLite store of answers and votes, the analysed-corpus cache and its
container format."""

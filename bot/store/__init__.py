"""Persistence: answers and votes in SQLite or PostgreSQL, the analysed-corpus cache and its
container format."""

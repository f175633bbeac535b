"""Corpus files -> documents: reading, skipping bad files with a reason, cleaning.

Supported files (found recursively, in sorted order):

* `.md` / `.markdown` / `.txt`: optional YAML front matter (title, publisher,
  author, url, published), then the article. Without a `title` in front matter
  the first non-empty line is the title.
* `.jsonl`: one article per line, an object with `title` and `text` and the
  same optional metadata keys.

Cleaning (bot.corpus.cleaning) follows general rules for text copied from news pages.
"""

from bot.corpus.document import (
    READER_VERSION,
    Corpus,
    CorpusError,
    Document,
    FileStamp,
    Listing,
    SkippedFile,
)
from bot.corpus.loader import FileCache, Listed, list_corpus, load_corpus
from bot.corpus.table import DocumentTable, column, metadata

__all__ = [
    "READER_VERSION",
    "Corpus",
    "CorpusError",
    "Document",
    "DocumentTable",
    "FileCache",
    "FileStamp",
    "Listed",
    "Listing",
    "SkippedFile",
    "column",
    "list_corpus",
    "load_corpus",
    "metadata",
]

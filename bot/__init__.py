"""A Discord bot that answers questions by quoting cited sentences from news articles.

The core path (corpus -> index -> answer) imports nothing from discord; the bot
itself is built by `create_bot`, imported lazily so the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.corpus import Corpus, CorpusError, Document, load_corpus
from bot.search.index import Hit, Index, build_index
from bot.search.params import BM25Params
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.discord.client import QABot
    from bot.qa.answer import Answer, answer_question

__all__ = [
    "Answer",
    "BM25Params",
    "Corpus",
    "CorpusError",
    "Document",
    "Hit",
    "Index",
    "Settings",
    "answer_question",
    "build_index",
    "create_bot",
    "load_corpus",
]


def create_bot(settings: Settings) -> QABot:
    """An unstarted bot that loads the corpus in `setup_hook` (see bot.discord.client)."""
    from bot.discord.client import create_bot as _create_bot

    return _create_bot(settings)


def __getattr__(name: str) -> object:
    # The answer policy is imported when first asked for: `python -m bot index` never is.
    if name in ("Answer", "answer_question"):
        from bot.qa import answer

        return getattr(answer, name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")

"""What the database gives back: answers as recorded, their passages, their votes."""

from __future__ import annotations

from dataclasses import dataclass

DOWNVOTE_REASONS = ("off-topic", "wrong-source", "hard-to-read", "missing", "other")
"""What a 👎 may say was wrong, stored with the vote."""


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A quoted sentence, by document and 1-based position, with the text shown."""

    document_id: str
    sentence: int
    text: str


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    id: int
    question: str
    answered: bool
    corpus_version: str
    passages: tuple[StoredPassage, ...]
    """Best first: the first `shown` were in the answer, the rest are for "More"."""
    shown: int
    channel_id: int | None
    question_message_id: int | None
    answer_message_id: int | None


@dataclass(frozen=True, slots=True)
class VoteCount:
    up: int
    down: int

"""The answer service: ask, record, render; and each stored answer's More, Context and votes.

The bot builds one at start-up (bot.discord.client) from the settings, the storage and a
way to read the live index; the ask cog and its buttons call it. Searches and database
calls run off the event loop. More and Context come from what was stored with the
answer: its passages, best first, the first `shown` shown and the rest kept for More.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import discord

from bot.discord.embeds import TITLE_LIMIT, answer_embed, clip, context_embed, decline_text
from bot.pipeline import ask
from bot.qa.answer import Answer, Passage, lead_in, window
from bot.search.index import Index, Sentence
from bot.settings import Settings
from bot.store.storage import Storage, StorageError, StoredAnswer, StoredPassage, VoteCount

log = logging.getLogger(__name__)

CONTEXT_SENTENCES = 2  # on each side of a quoted sentence
CORPUS_CHANGED = "The corpus has changed since this answer; ask again for fresh quotes."
NO_MORE = "No more passages match this question."


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer rendered for Discord: its quotes in an embed, or a short decline."""

    answer: Answer
    """What is shown: the first `top_k` passages."""
    answer_id: int | None
    """Its id in storage, which its buttons carry; None when the database could not record it."""
    content: str | None
    embeds: tuple[discord.Embed, ...]


class AnswerService:
    """Answers for the ask cog and its buttons, over the live index and the storage."""

    def __init__(self, settings: Settings, storage: Storage, index: Callable[[], Index]) -> None:
        self._settings = settings
        self._storage = storage
        self._index = index

    @property
    def index(self) -> Index:
        """The index answering right now. Read it once per question: a reload replaces it."""
        return self._index()

    async def could_answer(self, question: str) -> bool:
        """Whether any word of the question is in the corpus."""
        index = self.index
        return bool(await asyncio.to_thread(index.search, question, 1))

    async def ask(self, question: str) -> Answer:
        """The answer, with the passages for More after the `top_k` shown."""
        settings = self._settings
        index = self.index
        k = settings.top_k + settings.more_passages
        return await asyncio.to_thread(ask, index, question, settings, k=k)

    async def record(
        self,
        full: Answer,
        *,
        asker_id: int,
        channel_id: int | None,
        question_message_id: int | None = None,
    ) -> Reply:
        """Record `full` for its buttons and for edits of its question, and render what is
        shown of it. A database fault costs the buttons (logged in one line), never the answer.
        """
        shown = window(full, 0, self._settings.top_k)
        passages = [
            StoredPassage(p.sentence.document.id, p.sentence.position, p.sentence.text)
            for p in full.passages
        ]
        try:
            answer_id: int | None = await asyncio.to_thread(
                self._storage.record_answer,
                question=full.question,
                answered=full.answered,
                corpus_version=full.corpus_version,
                passages=passages,
                shown=len(shown.passages),
                asker_id=asker_id,
                channel_id=channel_id,
                question_message_id=question_message_id,
            )
        except StorageError as error:
            log.warning("answer shown without its buttons: %s", error)
            answer_id = None
        if not shown.answered:
            return Reply(shown, answer_id, decline_text(shown), ())
        return Reply(shown, answer_id, None, (answer_embed(shown),))

    async def link(self, reply: Reply, message_id: int) -> None:
        """Note which message shows the answer, so edits and deletions find it."""
        if reply.answer_id is None:
            return
        try:
            await asyncio.to_thread(self._storage.set_answer_message, reply.answer_id, message_id)
        except StorageError as error:
            log.warning("answer %d shown but not linked to its message: %s", reply.answer_id, error)

    async def answer_to(self, question_message_id: int) -> StoredAnswer | None:
        """The answer given to a question message, if the database has it and is readable."""
        try:
            return await asyncio.to_thread(self._storage.answer_to_message, question_message_id)
        except StorageError as error:
            log.warning("cannot find the answer to message %d: %s", question_message_id, error)
            return None

    async def stored(self, answer_id: int) -> StoredAnswer | None:
        """The answer a button carries the id of, or None when it is not on record.
        Raises `StorageError` when the database fails."""
        return await asyncio.to_thread(self._storage.answer, answer_id)

    async def vote(self, answer_id: int, user_id: int, vote: int) -> VoteCount:
        """Cast, change or take back (the same vote again) a user's vote; the new counts."""
        await asyncio.to_thread(self._storage.toggle_vote, answer_id, user_id, vote)
        return await asyncio.to_thread(self._storage.votes, answer_id)

    def is_current(self, stored: StoredAnswer) -> bool:
        """Whether the corpus answering now is the one the answer was given from."""
        return self.index.version == stored.corpus_version

    async def more(self, stored: StoredAnswer) -> discord.Embed | str:
        """The passages stored for More, or a note saying why there are none."""
        index = self.index
        if index.version != stored.corpus_version:
            return CORPUS_CHANGED
        if len(stored.passages) <= stored.shown:
            return NO_MORE
        rest = await asyncio.to_thread(_rest, index, stored, self._settings)
        return answer_embed(rest) if rest.passages else NO_MORE

    def context(self, stored: StoredAnswer) -> discord.Embed:
        """Each quoted sentence among its neighbours in the live corpus, the quoted one marked."""
        index = self.index
        blocks: list[tuple[str, list[tuple[bool, str]]]] = []
        for number, passage in enumerate(stored.passages[: stored.shown], start=1):
            sentence = _sentence_now(index, passage)
            if sentence is None:
                blocks.append((f"[{number}] This passage is no longer in the corpus.", []))
                continue
            at = sentence.position - 1
            siblings = index.sentences_of(passage.document_id)
            around = siblings[max(0, at - CONTEXT_SENTENCES) : at + CONTEXT_SENTENCES + 1]
            first, last = around[0].position, around[-1].position
            heading = f"[{number}] {sentence.document.title}, sentences {first}-{last}"
            blocks.append((heading, [(s.position == sentence.position, s.text) for s in around]))
        return context_embed(clip(f"Context: {stored.question}", TITLE_LIMIT), blocks)


def _sentence_now(index: Index, passage: StoredPassage) -> Sentence | None:
    """The stored passage's sentence in `index`, found by its text: a reload may have added or
    removed sentences before it. Of equal sentences, the one nearest its old position."""
    siblings = index.sentences_of(passage.document_id)
    was = passage.sentence - 1
    found = [at for at, sentence in enumerate(siblings) if sentence.text == passage.text]
    at = min(found, key=lambda at: abs(at - was), default=None)
    return None if at is None else siblings[at]


def _rest(index: Index, stored: StoredAnswer, settings: Settings) -> Answer:
    """The stored passages after the `shown` ones, quoted as the answer path quotes them
    (blocking: it searches).

    Which sentences, and in what order, come from storage: the corpus version does not
    cover the ranking settings, so after a restart with other settings a new search would
    order them differently. The quotes' lead-ins, follow-ons and matched words come from
    asking again; a sentence the new search does not reach is quoted alone, with its
    lead-in. As when the answer was made, a sentence already quoted is not repeated.
    """
    again = ask(index, stored.question, settings, k=len(stored.passages))
    quoted_as = {(p.sentence.document.id, p.sentence.position): p for p in again.passages}
    quoted: set[Sentence] = set()
    rest: list[Passage] = []
    for number, passage in enumerate(stored.passages):
        sentence = _sentence_now(index, passage)
        if sentence is None:
            continue
        made = quoted_as.get((sentence.document.id, sentence.position)) or Passage(
            sentence, 0.0, frozenset(), 1, lead_in=lead_in(index, sentence)
        )
        before = None if made.lead_in in quoted else made.lead_in
        after = None if made.follow_on in quoted else made.follow_on
        quoted.update(s for s in (before, sentence, after) if s is not None)
        if number >= stored.shown:
            rest.append(replace(made, lead_in=before, follow_on=after))
    return window(Answer(stored.question, True, tuple(rest), (), stored.corpus_version), 0)

"""The answer service: ask, record, render; and each stored answer's More, Context and votes.

The bot builds one at start-up (bot.discord.client) from the settings, the storage and a
way to read the live index; the ask cog and its buttons call it. Searches and database
calls run off the event loop. More and Context come from what was stored with the
answer: its passages, best first, the first `shown` shown and the rest kept for More.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import discord

from bot.corpus import metadata
from bot.discord.context import ContextBlock, context_embed
from bot.discord.embeds import TITLE_LIMIT, answer_embed, clip, decline_embed
from bot.pipeline import ask
from bot.qa.answer import Answer, Passage, lead_in, window
from bot.qa.highlight import person_names
from bot.render import CorpusFacts
from bot.search.index import Index, Sentence
from bot.settings import Settings
from bot.store.storage import Storage, StorageError, StoredAnswer, StoredPassage

log = logging.getLogger(__name__)

CONTEXT_SENTENCES = 2  # on each side of a quoted sentence
CORPUS_CHANGED = "The corpus has changed since this answer; ask again for fresh quotes."
NO_MORE = "No more quotes match this question."
# How much of the corpus is read for an example question, and how many names are tried.
_EXAMPLE_DOCUMENTS = 40
_EXAMPLE_SENTENCES = 30
_EXAMPLE_TRIES = 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A sentence alone in its paragraph and this short is a caption, a credit or a page's
# furniture ("United States and China flags."), not part of what the article says.
_CAPTION_WORDS = 10
_CREDIT = re.compile(r"(?:Reuters|AP|AFP|Getty|Xinhua)(?:/\w+)?\s*$|\((?:Image|Photo) Credit", re.I)


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer rendered for Discord: its card, and how many more quotes More holds."""

    answer: Answer
    """What is shown: the first `top_k` passages."""
    answer_id: int | None
    """Its id in storage, which its buttons carry; None when the database could not record it."""
    content: str | None
    embeds: tuple[discord.Embed, ...]
    more: int = 0
    """How many quotes the More button holds (0: no button)."""


def corpus_facts(index: Index, settings: Settings) -> CorpusFacts:
    """What a reader is told about the corpus (blocking: it reads the corpus and searches)."""
    documents = index.documents
    publishers = Counter(p for p in metadata(documents, "publisher") if p)
    dates = sorted(d[:10] for d in metadata(documents, "published") if d and _ISO_DATE.match(d))
    names: Counter[str] = Counter()
    for document in documents[:_EXAMPLE_DOCUMENTS]:
        for sentence in index.sentences_of(document.id)[:_EXAMPLE_SENTENCES]:
            names.update(person_names(sentence.text))
    example = None
    for name, _ in names.most_common(_EXAMPLE_TRIES):
        question = f"Who is {name}?"
        if ask(index, question, settings, k=1).answered:
            example = question
            break
    return CorpusFacts(
        articles=len(documents),
        publishers=tuple(p for p, _ in publishers.most_common(3)),
        first_published=dates[0] if dates else None,
        last_published=dates[-1] if dates else None,
        example_question=example,
    )


def is_caption(index: Index, sentence: Sentence) -> bool:
    """Whether a sentence is a photo caption, a credit or page furniture rather than prose."""
    if _CREDIT.search(sentence.text):
        return True
    alone = all(
        (n := index.neighbour(sentence, step)) is None or n.paragraph != sentence.paragraph
        for step in (-1, 1)
    )
    return alone and len(sentence.text.split()) < _CAPTION_WORDS


class AnswerService:
    """Answers for the ask cog and its buttons, over the live index and the storage."""

    def __init__(self, settings: Settings, storage: Storage, index: Callable[[], Index]) -> None:
        self._settings = settings
        self._storage = storage
        self._index = index
        self._facts: tuple[str, CorpusFacts] | None = None

    @property
    def index(self) -> Index:
        """The index answering right now. Read it once per question: a reload replaces it."""
        return self._index()

    async def facts(self, index: Index | None = None) -> CorpusFacts:
        """What a reader is told about the corpus answering now (worked out once a corpus)."""
        index = index or self.index
        cached = self._facts
        if cached is not None and cached[0] == index.version:
            return cached[1]
        facts = await asyncio.to_thread(corpus_facts, index, self._settings)
        self._facts = (index.version, facts)
        return facts

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
        titled: bool = False,
    ) -> Reply:
        """Record `full` for its buttons and for edits of its question, and render what is
        shown of it (under the question as its title when `titled`: /ask, where Discord does
        not show the question). A database fault costs the buttons (logged in one line),
        never the answer.
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
        facts = await self.facts()
        if not shown.answered:
            return Reply(shown, answer_id, None, (decline_embed(shown, facts),))
        title = shown.question if titled else None
        embed = answer_embed(shown, articles=facts.articles, title=title)
        more = len(full.passages) - len(shown.passages)
        return Reply(shown, answer_id, None, (embed,), more)

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

    async def vote(self, answer_id: int, user_id: int, vote: int) -> int:
        """Cast, change or take back (the same vote again) a user's vote; the vote now held
        (+1, -1, or 0 when taken back)."""
        return await asyncio.to_thread(self._storage.toggle_vote, answer_id, user_id, vote)

    def is_current(self, stored: StoredAnswer) -> bool:
        """Whether the corpus answering now is the one the answer was given from."""
        return self.index.version == stored.corpus_version

    async def more(self, stored: StoredAnswer) -> discord.Embed | str:
        """The passages stored for More, numbered as in the answer, or why there are none."""
        index = self.index
        if index.version != stored.corpus_version:
            return CORPUS_CHANGED
        if len(stored.passages) <= stored.shown:
            return NO_MORE
        rest = await asyncio.to_thread(_rest, index, stored, self._settings)
        if not rest.passages:
            return NO_MORE
        facts = await self.facts(index)
        title = clip(f"More quotes: {stored.question}", TITLE_LIMIT)
        return answer_embed(rest, articles=facts.articles, title=title)

    def context(self, stored: StoredAnswer) -> discord.Embed:
        """The answer's quoted sentences among their neighbours in the live corpus, one block
        a source with the answer's numbers (blocking: it scans the documents)."""
        index = self.index
        quoted: dict[str, set[int]] = {}
        missing = 0
        for passage in stored.passages[: stored.shown]:
            sentence = _sentence_now(index, passage)
            if sentence is None:
                missing += 1
                continue
            quoted.setdefault(passage.document_id, set()).add(sentence.position)
        numbers = {
            doc_id: n
            for n, doc_id in enumerate(
                dict.fromkeys(p.document_id for p in stored.passages[: stored.shown]), start=1
            )
        }
        blocks = [
            _context_block(index, numbers[doc_id], doc_id, positions)
            for doc_id, positions in quoted.items()
        ]
        title = clip(f"Context: {stored.question}", TITLE_LIMIT)
        return context_embed(title, blocks, missing)


def _context_block(index: Index, number: int, doc_id: str, quoted: set[int]) -> ContextBlock:
    """A source's quoted sentences with `CONTEXT_SENTENCES` on each side, overlapping windows
    merged, captions left out, a gap marked where sentences are skipped between windows."""
    siblings = index.sentences_of(doc_id)
    wanted = sorted(
        {
            at
            for position in quoted
            for at in range(position - CONTEXT_SENTENCES, position + CONTEXT_SENTENCES + 1)
            if 1 <= at <= len(siblings)
        }
    )
    lines: list[tuple[bool, str] | None] = []
    previous = None
    for position in wanted:
        sentence = siblings[position - 1]
        is_quoted = position in quoted
        if not is_quoted and is_caption(index, sentence):
            previous = position  # left out as furniture, not as a gap in the text
            continue
        if previous is not None and position != previous + 1 and lines[-1] is not None:
            lines.append(None)
        lines.append((is_quoted, sentence.text))
        previous = position
    document = siblings[0].document
    return ContextBlock(number, document, wanted[0], wanted[-1], tuple(lines))


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
    Sources keep the answer's numbers; a source the answer did not cite takes the next.
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
    shown_ids = [p.document_id for p in stored.passages[: stored.shown]]
    ids = list(dict.fromkeys([*shown_ids, *(p.sentence.document.id for p in rest)]))
    sources = tuple(index.document(doc_id) for doc_id in ids)
    known = tuple(d for d in sources if d is not None)
    numbers = {d.id: n for n, d in enumerate(known, start=1)}
    numbered = tuple(replace(p, source_number=numbers[p.sentence.document.id]) for p in rest)
    return Answer(
        stored.question,
        True,
        numbered,
        known,
        stored.corpus_version,
        kind=again.kind,
        asked=again.asked,
    )

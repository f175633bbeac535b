"""The buttons under every answer: More, Context, 👍 and 👎.

They are dynamic items: the custom id carries the action and the answer's id,
and the answer is read back from storage when a button is clicked, so buttons
keep working after the bot restarts. An answer the database could not record
gets one disabled "Buttons unavailable" button instead; a click while the
database is failing gets a short private note.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, cast

import discord

from bot.answer import window
from bot.discord.embeds import answer_embed, clip, context_embed
from bot.index import Sentence
from bot.pipeline import ask
from bot.storage import StorageError, StoredAnswer, StoredPassage, VoteCount

if TYPE_CHECKING:
    from bot.discord.client import QABot

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
CONTEXT_SENTENCES = 2  # on each side of a quoted sentence
STORAGE_DOWN = "Votes and more passages are unavailable right now; try again later."
NOT_ON_RECORD = "That answer is no longer on record; ask again."


def answer_view(answer_id: int, votes: VoteCount) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action, label, style in (
        ("more", "More", discord.ButtonStyle.secondary),
        ("context", "Context", discord.ButtonStyle.secondary),
        ("up", f"👍 {votes.up}", discord.ButtonStyle.success),
        ("down", f"👎 {votes.down}", discord.ButtonStyle.danger),
    ):
        view.add_item(AnswerButton(action, answer_id, label=label, style=style))
    return view


def unavailable_view() -> discord.ui.View:
    """What stands under an answer the database could not record: a disabled button saying
    that votes and more passages are unavailable for it."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton("unavailable", 0, label="Buttons unavailable", disabled=True))
    return view


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    # Answer ids are below 2**53 (16 digits); a longer number, from a forged custom id,
    # matches nothing rather than overflowing SQLite's integers.
    template=r"answer:(?P<action>more|context|up|down|unavailable):(?P<answer_id>[0-9]{1,16})",
):
    def __init__(
        self,
        action: str,
        answer_id: int,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action,
                style=style,
                custom_id=f"answer:{action}:{answer_id}",
                disabled=disabled,
            )
        )
        self.action = action
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> AnswerButton:
        return cls(match["action"], int(match["answer_id"]))

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        bot = cast("QABot", interaction.client)
        try:
            await self._act(interaction, bot)
        except StorageError as error:
            log.warning("%s button of answer %d: %s", self.action, self.answer_id, error)
            await _tell_privately(interaction, STORAGE_DOWN)
        except Exception as error:
            # discord.py logs a dynamic item's errors with no reply to the user; send them
            # through the one handler every command uses (client imports this module).
            from bot.discord.client import handle_interaction_error

            await handle_interaction_error(interaction, error)

    async def _act(self, interaction: discord.Interaction[discord.Client], bot: QABot) -> None:
        if self.action == "unavailable":  # disabled, but a client may still send the click
            await _tell_privately(interaction, STORAGE_DOWN)
            return
        stored = await asyncio.to_thread(bot.storage.answer, self.answer_id)
        if stored is None:
            await _tell_privately(interaction, NOT_ON_RECORD)
            return
        if self.action == "more":
            await _more(interaction, bot, stored)
        elif self.action == "context":
            await _context(interaction, bot, stored)
        else:
            await _vote(interaction, bot, stored, 1 if self.action == "up" else -1)


async def _tell_privately(interaction: discord.Interaction[discord.Client], text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)


async def _more(
    interaction: discord.Interaction[discord.Client], bot: QABot, stored: StoredAnswer
) -> None:
    index = bot.index
    if index.version != stored.corpus_version:
        await interaction.response.send_message(
            "The corpus has changed since this answer; ask again for fresh quotes.",
            ephemeral=True,
            allowed_mentions=NONE,
        )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    # Same corpus, same question: the answer path gives the same passages again.
    answer = await asyncio.to_thread(
        ask, index, stored.question, bot.settings, k=len(stored.passages)
    )
    rest = window(answer, stored.shown)
    if not rest.passages:
        await interaction.followup.send(
            "No more passages match this question.", ephemeral=True, allowed_mentions=NONE
        )
        return
    await interaction.followup.send(embed=answer_embed(rest), ephemeral=True, allowed_mentions=NONE)


async def _context(
    interaction: discord.Interaction[discord.Client], bot: QABot, stored: StoredAnswer
) -> None:
    index = bot.index
    blocks: list[tuple[str, list[tuple[bool, str]]]] = []
    for number, passage in enumerate(stored.passages[: stored.shown], start=1):
        document = index.document(passage.document_id)
        siblings = index.sentences_of(passage.document_id)
        at = _position_of(siblings, passage)
        if document is None or at is None:
            blocks.append((f"[{number}] This passage is no longer in the corpus.", []))
            continue
        around = siblings[max(0, at - CONTEXT_SENTENCES) : at + CONTEXT_SENTENCES + 1]
        first, last = around[0].position, around[-1].position
        heading = f"[{number}] {document.title}, sentences {first}-{last}"
        blocks.append((heading, [(s.position == at + 1, s.text) for s in around]))
    await interaction.response.send_message(
        embed=context_embed(clip(f"Context: {stored.question}", 256), blocks),
        ephemeral=True,
        allowed_mentions=NONE,
    )


def _position_of(siblings: tuple[Sentence, ...], passage: StoredPassage) -> int | None:
    """Where the quoted sentence is now among its document's sentences (0-based), found by
    its text: a reload may have added or removed sentences before it. Of equal sentences,
    the one nearest its old position."""
    was = passage.sentence - 1
    found = [at for at, sentence in enumerate(siblings) if sentence.text == passage.text]
    return min(found, key=lambda at: abs(at - was), default=None)


async def _vote(
    interaction: discord.Interaction[discord.Client], bot: QABot, stored: StoredAnswer, vote: int
) -> None:
    storage = bot.storage
    await asyncio.to_thread(storage.toggle_vote, stored.id, interaction.user.id, vote)
    votes = await asyncio.to_thread(storage.votes, stored.id)
    await interaction.response.edit_message(
        view=answer_view(stored.id, votes), allowed_mentions=NONE
    )

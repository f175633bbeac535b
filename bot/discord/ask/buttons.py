"""The buttons under every answer: Show context, More quotes (n), 👍 and 👎.

They are dynamic items, registered by the ask cog while it is loaded: the custom id
carries the action and the answer's id, and the answer is read back from storage when
a button is clicked, so buttons keep working after the bot restarts. An answer the
database could not record gets one disabled "Buttons unavailable" button instead.

Votes are quiet: the card shows no counts (a poll's look, and meaningless on a private
answer); the voter gets a private acknowledgement, and a 👎 a short menu asking what was
wrong.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.discord.answers import CORPUS_CHANGED, AnswerService
from bot.discord.errors import STORAGE_DOWN, handle_interaction_error, send_private
from bot.store.storage import DOWNVOTE_REASONS, StorageError

if TYPE_CHECKING:
    from bot.discord.client import QABot

log = logging.getLogger(__name__)

NOT_ON_RECORD = "That answer is no longer on record; ask again."
VOTE_UP = "Thanks — recorded 👍. Click again to undo."
VOTE_DOWN = "Thanks — recorded 👎. Click again to undo. What was wrong?"
VOTE_UNDONE = "Your vote is taken back."
REASON_THANKS = "Thanks — noted."
# What a 👎 can say was wrong, by the value kept in the log (see the report: storing it
# needs a column in bot.store).
# How the menu says each reason a 👎 may give (bot.store.records.DOWNVOTE_REASONS).
REASON_LABELS = {
    "off-topic": "The quotes don't answer the question",
    "wrong-source": "The article is wrong or out of date",
    "hard-to-read": "The quotes are cut off or hard to read",
    "missing": "The answer is in the articles but wasn't found",
    "other": "Something else",
}
REASON_TIMEOUT_SECONDS = 300.0


def answer_view(answer_id: int, more: int, *, quotes: bool = True) -> discord.ui.View:
    """The buttons under an answer; "More quotes (n)" only when `more` quotes are held, and
    "Show context" only when it quotes (an answer from the articles' details does not)."""
    view = discord.ui.View(timeout=None)
    if quotes:
        view.add_item(AnswerButton("context", answer_id, label="Show context"))
    if more > 0:
        view.add_item(AnswerButton("more", answer_id, label=f"More quotes ({more})"))
    view.add_item(AnswerButton("up", answer_id, emoji="👍"))
    view.add_item(AnswerButton("down", answer_id, emoji="👎"))
    return view


def unavailable_view() -> discord.ui.View:
    """What stands under an answer the database could not record: a disabled button saying
    that votes and more passages are unavailable for it."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton("unavailable", 0, label="Buttons unavailable", disabled=True))
    return view


class DownvoteReasons(discord.ui.View):
    """A private menu under a 👎's acknowledgement: what was wrong with the answer."""

    def __init__(self, answer_id: int) -> None:
        super().__init__(timeout=REASON_TIMEOUT_SECONDS)
        self.answer_id = answer_id
        menu: discord.ui.Select[DownvoteReasons] = discord.ui.Select(
            placeholder="What was wrong? (optional)",
            options=[
                discord.SelectOption(label=REASON_LABELS[value], value=value)
                for value in DOWNVOTE_REASONS
            ],
        )
        menu.callback = self._chosen  # type: ignore[method-assign]
        self.menu = menu
        self.add_item(menu)

    async def _chosen(self, interaction: discord.Interaction[Any]) -> None:
        reason = self.menu.values[0]
        self.stop()
        storage = interaction.client.storage
        try:
            await asyncio.to_thread(
                storage.set_vote_reason, self.answer_id, interaction.user.id, reason
            )
        except StorageError as error:  # the thanks still goes out: the vote itself is kept
            log.warning("storing the downvote reason of answer %d: %s", self.answer_id, error)
        await interaction.response.edit_message(content=REASON_THANKS, view=None)

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await handle_interaction_error(interaction, error)


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
        emoji: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or (None if emoji else action),
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
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
        answers = cast("QABot", interaction.client).answers
        try:
            await self._act(interaction, answers)
        except Exception as error:
            # discord.py would log a dynamic item's error with no reply to the user.
            await handle_interaction_error(interaction, error)

    async def _act(
        self, interaction: discord.Interaction[discord.Client], answers: AnswerService
    ) -> None:
        if self.action == "unavailable":  # disabled, but a client may still send the click
            await send_private(interaction, STORAGE_DOWN)
            return
        stored = await answers.stored(self.answer_id)
        if stored is None:
            await send_private(interaction, NOT_ON_RECORD)
            return
        if self.action == "more":
            if not answers.is_current(stored):
                await send_private(interaction, CORPUS_CHANGED)  # before deferring: no search
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            more = await answers.more(stored)
            if isinstance(more, str):
                await interaction.followup.send(more, ephemeral=True)
            else:
                await interaction.followup.send(embed=more, ephemeral=True)
        elif self.action == "context":
            # Finding each quoted sentence among its document's scans the live corpus: a thread.
            context = await asyncio.to_thread(answers.context, stored)
            await interaction.response.send_message(embed=context, ephemeral=True)
        else:
            held = await answers.vote(
                stored.id, interaction.user.id, 1 if self.action == "up" else -1
            )
            if held == -1:
                await interaction.response.send_message(
                    VOTE_DOWN, view=DownvoteReasons(stored.id), ephemeral=True
                )
            else:
                await send_private(interaction, VOTE_UP if held == 1 else VOTE_UNDONE)

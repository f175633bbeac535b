"""The buttons under every answer: More, Context, 👍 and 👎.

They are dynamic items, registered by the ask cog while it is loaded: the custom id
carries the action and the answer's id, and the answer is read back from storage when
a button is clicked, so buttons keep working after the bot restarts. An answer the
database could not record gets one disabled "Buttons unavailable" button instead.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, cast

import discord

from bot.discord.answers import CORPUS_CHANGED, AnswerService
from bot.discord.errors import STORAGE_DOWN, handle_interaction_error, send_private
from bot.store.storage import VoteCount

if TYPE_CHECKING:
    from bot.discord.client import QABot

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
            votes = await answers.vote(
                stored.id, interaction.user.id, 1 if self.action == "up" else -1
            )
            await interaction.response.edit_message(view=answer_view(stored.id, votes))

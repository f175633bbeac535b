"""The buttons under every answer: More, Context, 👍 and 👎.

They are dynamic items: the custom id carries the action and the answer's id,
and the answer is read back from storage when a button is clicked, so buttons
keep working after the bot restarts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, cast

import discord

from bot.answer import window
from bot.discord.embeds import answer_embed, clip, context_embed
from bot.pipeline import ask
from bot.storage import StoredAnswer, VoteCount

if TYPE_CHECKING:
    from bot.discord.client import QABot

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
CONTEXT_SENTENCES = 2  # on each side of a quoted sentence


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


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"answer:(?P<action>more|context|up|down):(?P<answer_id>[0-9]+)",
):
    def __init__(
        self,
        action: str,
        answer_id: int,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action, style=style, custom_id=f"answer:{action}:{answer_id}"
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
        stored = await asyncio.to_thread(bot.storage.answer, self.answer_id)
        if stored is None:
            await interaction.response.send_message(
                "That answer is no longer on record; ask again.", ephemeral=True
            )
            return
        if self.action == "more":
            await _more(interaction, bot, stored)
        elif self.action == "context":
            await _context(interaction, bot, stored)
        else:
            await _vote(interaction, bot, stored, 1 if self.action == "up" else -1)


async def _more(
    interaction: discord.Interaction[discord.Client], bot: QABot, stored: StoredAnswer
) -> None:
    index = bot.index
    if index.version != stored.corpus_version:
        await interaction.response.send_message(
            "The corpus has changed since this answer; ask again for fresh quotes.", ephemeral=True
        )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    # Same corpus, same question: the answer path gives the same passages again.
    answer = await asyncio.to_thread(
        ask, index, stored.question, bot.settings, k=len(stored.passages)
    )
    rest = window(answer, stored.shown)
    if not rest.passages:
        await interaction.followup.send("No more passages match this question.", ephemeral=True)
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
        at = passage.sentence - 1
        if document is None or not 0 <= at < len(siblings) or siblings[at].text != passage.text:
            blocks.append((f"[{number}] This passage is no longer in the corpus.", []))
            continue
        around = siblings[max(0, at - CONTEXT_SENTENCES) : at + CONTEXT_SENTENCES + 1]
        first, last = around[0].position, around[-1].position
        heading = f"[{number}] {document.title}, sentences {first}-{last}"
        blocks.append((heading, [(s.position == passage.sentence, s.text) for s in around]))
    await interaction.response.send_message(
        embed=context_embed(clip(f"Context: {stored.question}", 256), blocks),
        ephemeral=True,
        allowed_mentions=NONE,
    )


async def _vote(
    interaction: discord.Interaction[discord.Client], bot: QABot, stored: StoredAnswer, vote: int
) -> None:
    storage = bot.storage
    await asyncio.to_thread(storage.toggle_vote, stored.id, interaction.user.id, vote)
    votes = await asyncio.to_thread(storage.votes, stored.id)
    await interaction.response.edit_message(view=answer_view(stored.id, votes))

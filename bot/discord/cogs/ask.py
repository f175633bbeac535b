"""Questions: mentions, questions in watched channels, and /ask."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer
from bot.discord.client import QABot
from bot.discord.embeds import answer_embed, decline_text
from bot.pipeline import ask

log = logging.getLogger(__name__)

# Discord's declared limit for the /ask option; the core refuses anything over
# the `max_question_chars` setting with a clear message as well.
QUESTION_OPTION_MAX = 500
NONE = discord.AllowedMentions.none()


@dataclass
class Cooldown:
    """At most one question per `seconds` for each user."""

    seconds: float
    _last: dict[int, float] = field(default_factory=dict)

    def retry_after(self, user_id: int, now: float | None = None) -> float:
        """0 and the question counts, or the seconds the user still has to wait."""
        now = time.monotonic() if now is None else now
        last = self._last.get(user_id)
        if self.seconds > 0 and last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        return 0.0


@dataclass(frozen=True, slots=True)
class Reply:
    """The message that carries an answer: quotes in an embed, or a short decline."""

    content: str | None
    embeds: list[discord.Embed]


def reply_for(answer: Answer) -> Reply:
    if answer.answered:
        return Reply(content=None, embeds=[answer_embed(answer)])
    return Reply(content=decline_text(answer), embeds=[])


class AskCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(bot.settings.question_cooldown_seconds)

    async def _answer(self, question: str) -> Answer:
        index = self.bot.index  # read once: a reload mid-question cannot mix two corpora
        return await asyncio.to_thread(ask, index, question, self.bot.settings)

    def _question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not for the bot."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        # raw_mentions holds only user mentions typed in the text: not @everyone,
        # @here, roles, or the author of a message being replied to.
        if me.id in message.raw_mentions:
            return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        watched = message.channel.id in self.bot.settings.watch_channel_ids
        if watched and message.content.rstrip().endswith("?"):
            return message.content.strip()
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self._question_in(message)
        if question is None:
            return
        started = time.perf_counter()
        wait = self.cooldown.retry_after(message.author.id)
        if wait:
            await self._tell_to_wait(message, wait)
            return
        async with message.channel.typing():
            answer = await self._answer(question)
        reply = reply_for(answer)
        await message.reply(
            reply.content, embeds=reply.embeds, allowed_mentions=NONE, mention_author=False
        )
        self._log_answer(message.guild, message.channel, answer, started)

    async def _tell_to_wait(self, message: discord.Message, wait: float) -> None:
        note = f"Slow down: you can ask again in {wait:.0f} s."
        try:
            await message.author.send(note, allowed_mentions=NONE)
        except discord.HTTPException:  # DMs closed: a reply that removes itself
            await message.reply(note, allowed_mentions=NONE, delete_after=max(wait, 3.0))

    @app_commands.command(name="ask", description="Ask a question about the news articles")
    @app_commands.describe(
        question="What do you want to know?",
        private="Only you see the answer (default: no)",
    )
    async def ask_command(
        self,
        interaction: discord.Interaction[QABot],
        question: app_commands.Range[str, 1, QUESTION_OPTION_MAX],
        private: bool = False,
    ) -> None:
        started = time.perf_counter()
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(
                f"Slow down: you can ask again in {wait:.0f} s.",
                ephemeral=True,
                allowed_mentions=NONE,
            )
            return
        await interaction.response.defer(ephemeral=private, thinking=True)
        answer = await self._answer(question)
        reply = reply_for(answer)
        await interaction.followup.send(
            reply.content or "", embeds=reply.embeds, ephemeral=private, allowed_mentions=NONE
        )
        self._log_answer(interaction.guild, interaction.channel, answer, started)

    def _log_answer(
        self, guild: discord.Guild | None, channel: object, answer: Answer, started: float
    ) -> None:
        log.info(
            "answered guild=%s channel=%s question_chars=%d answered=%s passages=%d ms=%.1f",
            guild.id if guild else None,
            getattr(channel, "id", None),
            len(answer.question),
            answer.answered,
            len(answer.passages),
            (time.perf_counter() - started) * 1000,
        )


async def setup(bot: QABot) -> None:
    await bot.add_cog(AskCog(bot))

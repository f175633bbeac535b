"""Questions: mentions, questions in watched channels and bot threads, /ask; answers kept in
step with the question message when it is edited or deleted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass, field

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, window
from bot.discord.client import QABot
from bot.discord.embeds import answer_embed, clip, decline_text
from bot.discord.views import answer_view
from bot.pipeline import ask
from bot.storage import StoredPassage, VoteCount

log = logging.getLogger(__name__)

# Discord's declared limit for the /ask option; the core refuses anything over
# the `max_question_chars` setting with a clear message as well.
QUESTION_OPTION_MAX = 500
THREAD_NAME_LIMIT = 100
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
    """The message that carries an answer: quotes in an embed with buttons, or a short decline."""

    answer_id: int
    content: str | None
    embeds: list[discord.Embed]
    view: discord.ui.View | None

    def edit_kwargs(self) -> dict[str, object]:
        return {"content": self.content, "embeds": self.embeds, "view": self.view}


class AskCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(bot.settings.question_cooldown_seconds)

    # --- the answer, recorded and rendered ----------------------------------

    async def _reply(
        self,
        question: str,
        asker_id: int,
        channel_id: int | None,
        question_message_id: int | None = None,
    ) -> tuple[Answer, Reply]:
        settings = self.bot.settings
        index = self.bot.index  # read once: a reload mid-question cannot mix two corpora
        full = await asyncio.to_thread(
            ask, index, question, settings, k=settings.top_k + settings.more_passages
        )
        shown = window(full, 0, settings.top_k)
        answer_id = await asyncio.to_thread(
            self.bot.storage.record_answer,
            question=full.question,
            answered=full.answered,
            corpus_version=full.corpus_version,
            passages=[
                StoredPassage(p.sentence.document.id, p.sentence.position, p.sentence.text)
                for p in full.passages
            ],
            shown=len(shown.passages),
            asker_id=asker_id,
            channel_id=channel_id,
            question_message_id=question_message_id,
        )
        if shown.answered:
            reply = Reply(
                answer_id, None, [answer_embed(shown)], answer_view(answer_id, VoteCount(0, 0))
            )
        else:
            reply = Reply(answer_id, decline_text(shown), [], None)
        return shown, reply

    def _question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not for the bot."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        # raw_mentions holds only user mentions typed in the text: not @everyone,
        # @here, roles, or the author of a message being replied to.
        if me.id in message.raw_mentions:
            return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        channel = message.channel
        watched = channel.id in self.bot.settings.watch_channel_ids
        in_own_thread = isinstance(channel, discord.Thread) and channel.owner_id == me.id
        if (watched or in_own_thread) and message.content.rstrip().endswith("?"):
            return message.content.strip()
        return None

    # --- questions in channels ---------------------------------------------

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
        target: discord.abc.Messageable = message.channel
        if self.bot.settings.answer_in_thread and isinstance(message.channel, discord.TextChannel):
            target = await message.create_thread(
                name=clip(question or "Question", THREAD_NAME_LIMIT)
            )
        async with target.typing():
            answer, reply = await self._reply(
                question, message.author.id, getattr(target, "id", None), message.id
            )
        if target is message.channel:
            sent = await message.reply(
                reply.content,
                embeds=reply.embeds,
                view=reply.view or discord.utils.MISSING,
                allowed_mentions=NONE,
                mention_author=False,
            )
        else:
            sent = await target.send(
                reply.content,
                embeds=reply.embeds,
                view=reply.view or discord.utils.MISSING,
                allowed_mentions=NONE,
            )
        await asyncio.to_thread(self.bot.storage.set_answer_message, reply.answer_id, sent.id)
        self._log_answer(message.guild, target, answer, started)

    async def _tell_to_wait(self, message: discord.Message, wait: float) -> None:
        note = f"Slow down: you can ask again in {wait:.0f} s."
        try:
            await message.author.send(note, allowed_mentions=NONE)
        except discord.HTTPException:  # DMs closed: a reply that removes itself
            await message.reply(note, allowed_mentions=NONE, delete_after=max(wait, 3.0))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edited question gets its answer edited to match (or removed, if it no longer
        asks the bot anything)."""
        if "content" not in payload.data:
            return  # an embed or flag update, not an edit by a person
        stored = await asyncio.to_thread(self.bot.storage.answer_to_message, payload.message_id)
        if stored is None or stored.answer_message_id is None or stored.channel_id is None:
            return
        answer_message = self.bot.get_partial_messageable(stored.channel_id).get_partial_message(
            stored.answer_message_id
        )
        question = self._question_in(payload.message)
        try:
            if question is None:
                await answer_message.delete()
                return
            _, reply = await self._reply(
                question, payload.message.author.id, stored.channel_id, payload.message_id
            )
            await answer_message.edit(**reply.edit_kwargs(), allowed_mentions=NONE)  # type: ignore[arg-type]
        except discord.NotFound:
            return  # the answer was deleted by someone already
        await asyncio.to_thread(
            self.bot.storage.set_answer_message, reply.answer_id, stored.answer_message_id
        )

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted question takes its answer with it."""
        stored = await asyncio.to_thread(self.bot.storage.answer_to_message, payload.message_id)
        if stored is None or stored.answer_message_id is None or stored.channel_id is None:
            return
        channel = self.bot.get_partial_messageable(stored.channel_id)
        with contextlib.suppress(discord.NotFound):  # someone removed it already
            await channel.get_partial_message(stored.answer_message_id).delete()

    # --- /ask ----------------------------------------------------------------

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
        answer, reply = await self._reply(question, interaction.user.id, interaction.channel_id)
        sent = await interaction.followup.send(
            reply.content or "",
            embeds=reply.embeds,
            view=reply.view or discord.utils.MISSING,
            ephemeral=private,
            allowed_mentions=NONE,
            wait=True,
        )
        await asyncio.to_thread(self.bot.storage.set_answer_message, reply.answer_id, sent.id)
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

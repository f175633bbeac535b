"""Questions: mentions, questions in watched channels and bot threads, /ask; answers kept in
step with the question message when it is edited or deleted.

An answer the bot has computed is always shown: when the database fails, the answer
goes out with its buttons marked unavailable (see bot.discord.answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.answers import AnswerService, Reply
from bot.discord.ask.buttons import AnswerButton, answer_view, unavailable_view
from bot.discord.ask.question import question_words
from bot.discord.client import QABot
from bot.discord.embeds import clip
from bot.qa.answer import Answer
from bot.store.storage import StoredAnswer

log = logging.getLogger(__name__)

# Discord's declared limit for the /ask option; the core refuses anything over
# the `max_question_chars` setting with a clear message as well.
QUESTION_OPTION_MAX = 500
THREAD_NAME_LIMIT = 100
# How far back a thread is read before the bot removes it as its own (answers only).
THREAD_CHECK_LIMIT = 100
# How long /ask waits for its answer before deferring: Discord allows 3 seconds for the first
# response, and only a first response can still choose whether the reply is private.
DECIDE_SECONDS = 2.0


def _by_user(user_id: int) -> int:
    return user_id


def _view(reply: Reply) -> discord.ui.View | None:
    """The buttons under an answer: none under a decline, one disabled button when the
    database could not record it."""
    if not reply.answer.answered:
        return None
    if reply.answer_id is None:
        return unavailable_view()
    return answer_view(reply.answer_id, reply.more, quotes=bool(reply.answer.passages))


async def _post(reply: Reply, where: discord.abc.Messageable | discord.Message) -> discord.Message:
    """Send a reply to a channel or thread, or as a reply to a message."""
    view = _view(reply) or discord.utils.MISSING
    if isinstance(where, discord.Message):
        return await where.reply(reply.content, embeds=list(reply.embeds), view=view)
    return await where.send(reply.content, embeds=list(reply.embeds), view=view)


class AskCog(commands.Cog):
    """Answers questions through the answer service; owns the buttons under its answers."""

    def __init__(self, bot: QABot, answers: AnswerService) -> None:
        self.bot = bot
        self.answers = answers
        seconds = bot.settings.question_cooldown_seconds
        # discord.py's mapping forgets a user once their cooldown has passed.
        self.cooldown: commands.CooldownMapping[int] | None = (
            commands.CooldownMapping.from_cooldown(1, seconds, _by_user) if seconds > 0 else None
        )

    async def cog_load(self) -> None:
        # Buttons under answers are resolved from their custom ids, even after a restart.
        self.bot.add_dynamic_items(AnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    def _wait_for(self, user_id: int) -> float:
        """0 and the question counts, or the seconds the user still has to wait."""
        if self.cooldown is None:
            return 0.0
        # The monotonic clock, not discord.py's default wall clock, which can jump; never
        # exactly 0.0, which discord.py would take as "read the wall clock".
        now = max(time.monotonic(), 1e-9)
        return self.cooldown.update_rate_limit(user_id, now) or 0.0

    async def _question_for_bot(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not for the bot.

        A mention is always for the bot. A question in a watched channel or the bot's
        own thread is only when it ends with "?" and has a word the corpus holds: the
        bot stays out of "what?" and "lunch anyone?".
        """
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        question = question_words(message.content)
        # raw_mentions holds only user mentions typed in the text: not @everyone,
        # @here, roles, or the author of a message being replied to.
        if me.id in message.raw_mentions:
            return question
        channel = message.channel
        watched = channel.id in self.bot.settings.watch_channel_ids
        in_own_thread = isinstance(channel, discord.Thread) and channel.owner_id == me.id
        if not (watched or in_own_thread) or not question.endswith("?"):
            return None
        if not await self.answers.could_answer(question):
            return None
        return question

    # --- questions in channels ---------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = await self._question_for_bot(message)
        if question is None:
            return
        started = time.perf_counter()
        wait = self._wait_for(message.author.id)
        if wait:
            await self._tell_to_wait(message, wait)
            return
        async with message.channel.typing():
            full = await self.answers.ask(question)
        target: discord.abc.Messageable = message.channel
        # A thread is for a question the corpus could answer, not a bare mention.
        worth_a_thread = full.answered or bool(full.closest)
        if (
            self.bot.settings.answer_in_thread
            and worth_a_thread
            and isinstance(message.channel, discord.TextChannel)
        ):
            try:
                target = await message.create_thread(
                    name=clip(full.question or "Question", THREAD_NAME_LIMIT)
                )
            except discord.HTTPException as error:  # e.g. no permission: answer in place
                log.warning("no thread for a question, answering in place: %s", error)
        reply = await self.answers.record(
            full,
            asker_id=message.author.id,
            channel_id=getattr(target, "id", None),
            question_message_id=message.id,
        )
        sent = await _post(reply, message if target is message.channel else target)
        await self.answers.link(reply, sent.id)
        self._log_answer(message.guild, target, reply.answer, started)

    async def _tell_to_wait(self, message: discord.Message, wait: float) -> None:
        note = f"Slow down: you can ask again in {wait:.0f} s."
        try:
            await message.author.send(note)
        except discord.HTTPException:  # DMs closed: a reply that removes itself
            await message.reply(note, delete_after=max(wait, 3.0))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edited question gets its answer edited to match (removed, if it no longer
        asks the bot anything; sent again, if it asks again after that)."""
        if "content" not in payload.data:
            return  # an embed or flag update, not an edit by a person
        stored = await self.answers.answer_to(payload.message_id)
        if stored is None or stored.answer_message_id is None or stored.channel_id is None:
            return
        answer_message = self.bot.get_partial_messageable(stored.channel_id).get_partial_message(
            stored.answer_message_id
        )
        question = await self._question_for_bot(payload.message)
        if question is None:
            await self._remove_answer(stored, payload.channel_id)
            return
        if question == stored.question:
            # The same words (a link preview came, or the text was put back): the answer
            # stands, or comes back if an earlier edit removed it.
            try:
                await answer_message.fetch()
                return
            except discord.NotFound:
                pass
        # An edit asks a new question: it counts toward the cooldown like one.
        wait = self._wait_for(payload.message.author.id)
        if wait:
            await self._tell_to_wait(payload.message, wait)
            return
        full = await self.answers.ask(question)
        reply = await self.answers.record(
            full,
            asker_id=payload.message.author.id,
            channel_id=stored.channel_id,
            question_message_id=payload.message_id,
        )
        try:
            await answer_message.edit(
                content=reply.content, embeds=list(reply.embeds), view=_view(reply)
            )
            shown_in = answer_message.id
        except discord.NotFound:  # removed by an earlier edit, or by someone
            shown_in = await self._send_again(payload.message, stored.channel_id, reply)
        await self.answers.link(reply, shown_in)

    async def _send_again(self, question: discord.Message, channel_id: int, reply: Reply) -> int:
        """Post an answer anew where the old one was (its thread, or under the question);
        returns the new message's id."""
        if channel_id != question.channel.id:
            thread = self.bot.get_partial_messageable(channel_id)
            with contextlib.suppress(discord.NotFound):  # the thread is gone: answer in place
                return (await _post(reply, thread)).id
        return (await _post(reply, question)).id

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted question takes its answer with it, and the bot's thread for it when
        nobody else wrote there."""
        stored = await self.answers.answer_to(payload.message_id)
        if stored is not None:
            await self._remove_answer(stored, payload.channel_id)

    async def _remove_answer(self, stored: StoredAnswer, question_channel_id: int) -> None:
        """Delete an answer whose question is gone, with the thread made for it when
        nobody else wrote there."""
        if stored.answer_message_id is None or stored.channel_id is None:
            return
        if stored.channel_id != question_channel_id and await self._remove_own_thread(
            stored.channel_id
        ):
            return
        channel = self.bot.get_partial_messageable(stored.channel_id)
        with contextlib.suppress(discord.NotFound):  # someone removed it already
            await channel.get_partial_message(stored.answer_message_id).delete()

    async def _remove_own_thread(self, thread_id: int) -> bool:
        """Delete a thread the bot made if it holds only the bot's messages; True if gone."""
        me = self.bot.user
        thread = self.bot.get_channel(thread_id)
        if thread is None:
            try:
                thread = await self.bot.fetch_channel(thread_id)
            except discord.NotFound:
                return True
            except discord.HTTPException:
                return False
        if me is None or not isinstance(thread, discord.Thread) or thread.owner_id != me.id:
            return False
        try:
            async for message in thread.history(limit=THREAD_CHECK_LIMIT):
                by_discord = message.is_system() or (
                    message.type is discord.MessageType.thread_starter_message
                )
                if message.author.id != me.id and not by_discord:
                    return False  # someone took part: keep their words
            await thread.delete()
        except discord.NotFound:
            return True
        except discord.Forbidden:
            return False  # not allowed to delete threads here: remove the answer only
        return True

    # --- /ask ----------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask a question about the news articles")
    @app_commands.describe(
        question="What do you want to know?",
        private="Only you see the reply (default: an answer is public, a decline private)",
    )
    async def ask_command(
        self,
        interaction: discord.Interaction[QABot],
        question: app_commands.Range[str, 1, QUESTION_OPTION_MAX],
        private: bool | None = None,
    ) -> None:
        started = time.perf_counter()
        wait = self._wait_for(interaction.user.id)
        if wait:
            await interaction.response.send_message(
                f"Slow down: you can ask again in {wait:.0f} s.", ephemeral=True
            )
            return
        work = asyncio.ensure_future(self._answer(question_words(question), interaction))
        done, _ = await asyncio.wait({work}, timeout=DECIDE_SECONDS)
        sent: discord.Message
        if work in done:
            # In time to choose who sees it: a decline helps the asker only, unless they
            # chose otherwise (a deferred reply's visibility cannot change afterwards).
            reply = work.result()
            ephemeral = not reply.answer.answered if private is None else private
            await interaction.response.send_message(
                reply.content,
                embeds=list(reply.embeds),
                view=_view(reply) or discord.utils.MISSING,
                ephemeral=ephemeral,
            )
            sent = await interaction.original_response()
        else:
            await interaction.response.defer(ephemeral=bool(private), thinking=True)
            reply = await work
            sent = await interaction.followup.send(
                reply.content or "",
                embeds=list(reply.embeds),
                view=_view(reply) or discord.utils.MISSING,
                ephemeral=bool(private),
                wait=True,
            )
        await self.answers.link(reply, sent.id)
        self._log_answer(interaction.guild, interaction.channel, reply.answer, started)

    async def _answer(self, question: str, interaction: discord.Interaction[QABot]) -> Reply:
        full = await self.answers.ask(question)
        return await self.answers.record(
            full, asker_id=interaction.user.id, channel_id=interaction.channel_id, titled=True
        )

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

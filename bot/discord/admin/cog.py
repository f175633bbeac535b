"""/reload: an administrator reloads the corpus from disk without interrupting answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import CorpusError
from bot.discord.admin.report import failure_embed, report_embed
from bot.discord.client import QABot, ReloadBusy
from bot.discord.errors import NotAdmin
from bot.progress import Progress
from bot.store.storage import StorageError

log = logging.getLogger(__name__)
BUSY_MESSAGE = "A reload is already running; the current corpus keeps answering."
PROGRESS_PREFIX = "Reloading the corpus…"
# How long the final reply waits for a progress edit already sent: cancelling the request
# does not stop Discord applying it, and it would then hide the final reply.
PROGRESS_EDIT_GRACE_SECONDS = 5.0


def is_admin(interaction: discord.Interaction[QABot]) -> bool:
    """Administrator permission, or a role listed in `admin_role_ids`, checked at run time.

    `default_permissions` only hides the command by default; server admins can
    change who sees it, so this check is what actually guards it. (The command is
    guild-only, so the user is a member.)
    """
    member = interaction.user
    admin_roles = set(interaction.client.settings.admin_role_ids)
    if isinstance(member, discord.Member) and (
        member.guild_permissions.administrator or any(r.id in admin_roles for r in member.roles)
    ):
        return True
    raise NotAdmin("Only administrators can reload the corpus.")


def progress_line(progress: Progress) -> str:
    return f"{PROGRESS_PREFIX} {progress.report().describe()}"


@contextlib.asynccontextmanager
async def progress_shown(
    interaction: discord.Interaction[QABot], progress: Progress, every: float
) -> AsyncIterator[None]:
    """While the body runs, the private reply shows how far `progress` has got: at once,
    then every `every` seconds. When the body ends, however it ends, the updates stop
    before the caller edits in its final reply; they never raise into it."""
    done = asyncio.Event()
    # The first line is taken now, before the load starts advancing the counters.
    updates = asyncio.create_task(
        _edit_progress(interaction, progress, every, done, progress_line(progress)),
        name="/reload progress",
    )
    try:
        yield
    finally:
        done.set()  # ends the updates at once, or after the edit being sent
        try:
            await asyncio.wait({updates}, timeout=PROGRESS_EDIT_GRACE_SECONDS)
        finally:
            updates.cancel()
        await asyncio.wait({updates})
        failure = None if updates.cancelled() else updates.exception()
        if failure is not None:  # a bug: edits that Discord refused have been logged already
            log.error("/reload: showing progress failed", exc_info=failure)


async def _edit_progress(
    interaction: discord.Interaction[QABot],
    progress: Progress,
    every: float,
    done: asyncio.Event,
    line: str,
) -> None:
    while not done.is_set():
        try:
            await interaction.edit_original_response(content=line)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
            # E.g. the interaction's token expired (15 minutes): later edits would fail too.
            log.warning("/reload: no longer showing progress (%s); the reload goes on", error)
            return
        try:
            await asyncio.wait_for(done.wait(), timeout=every)
        except TimeoutError:
            line = progress_line(progress)


class AdminCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Reload the corpus from disk (admins)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    @app_commands.check(is_admin)
    async def reload(self, interaction: discord.Interaction[QABot]) -> None:
        if self.bot.reloading:
            await interaction.response.send_message(BUSY_MESSAGE, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        articles = len(self.bot.index.documents)
        folder = str(self.bot.settings.corpus_dir)
        progress = Progress()
        try:
            async with progress_shown(
                interaction, progress, self.bot.settings.reload_progress_seconds
            ):
                report = await self.bot.reload_corpus(progress)
        except ReloadBusy:
            await interaction.edit_original_response(content=BUSY_MESSAGE)
            return
        except (CorpusError, OSError, StorageError) as error:
            log.warning("reload failed: %s", error)
            skipped = error.skipped if isinstance(error, CorpusError) else ()
            failed = failure_embed(str(error), articles, folder, skipped)
        except Exception:
            # A bug, not a bad corpus: keep the traceback, and still say which corpus answers.
            log.exception("reload failed unexpectedly")
            failed = failure_embed("an unexpected error (logged)", articles, folder)
        else:
            # The report replaces the progress line: one private message, never a stale line.
            await interaction.edit_original_response(content=None, embed=report_embed(report))
            return
        await interaction.edit_original_response(content=None, embed=failed)

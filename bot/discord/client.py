"""The bot: its live index, start-up, reload, and the one error handler for every command."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import SkippedFile
from bot.discord.views import AnswerButton
from bot.index import Index
from bot.pipeline import CorpusChange, LoadedCorpus, diff_corpora, load_index
from bot.settings import Settings
from bot.storage import Storage

log = logging.getLogger(__name__)

COGS = ("bot.discord.cogs.ask", "bot.discord.cogs.sources", "bot.discord.cogs.admin")


class StartupError(Exception):
    """The bot cannot start; the message is one line telling the operator what to do."""


class ReloadBusy(Exception):
    """A reload is already running."""


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a successful reload did."""

    change: CorpusChange
    index: Index
    skipped: tuple[SkippedFile, ...]
    seconds: float


class QATree(app_commands.CommandTree["QABot"]):
    """The command tree, with the one error handler for every slash command.

    A user sees a short private message; a programming error also goes to the
    log with its traceback. One bad interaction never stops the bot.
    """

    async def on_error(
        self, interaction: discord.Interaction[QABot], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.NoPrivateMessage):
            message = "This command only works in a server."
        elif isinstance(error, app_commands.CommandOnCooldown):
            message = f"Slow down: try again in {error.retry_after:.0f} s."
        elif isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You are not allowed to use this command."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=error)
            message = "Sorry, something went wrong answering that. It has been logged."
        await send_private(interaction, message)


async def send_private(interaction: discord.Interaction[QABot], message: str) -> None:
    """An ephemeral reply, whether or not the interaction was already answered or deferred.

    After a defer, Discord makes the first followup fill in the "thinking..."
    message, so the note is private only if the command deferred privately;
    either way the asker is not left with a message that thinks forever.
    """
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


class QABot(commands.Bot):
    """A bot that answers questions from a corpus it loads at start-up.

    `live` is the corpus being served. It is replaced in one assignment by
    `reload_corpus`, never changed in place, so a handler that read it once
    keeps one consistent index to the end.
    """

    def __init__(self, settings: Settings, **options: object) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content_intent
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands; mentions are questions
            intents=intents,
            tree_cls=QATree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self._live: LoadedCorpus | None = None
        self._storage: Storage | None = None
        self._reload_lock = asyncio.Lock()

    @property
    def live(self) -> LoadedCorpus:
        if self._live is None:
            raise RuntimeError("the corpus is not loaded yet")
        return self._live

    @property
    def storage(self) -> Storage:
        """Answers shown and votes (opened in `setup_hook`)."""
        if self._storage is None:
            raise RuntimeError("storage is not open yet")
        return self._storage

    @property
    def index(self) -> Index:
        """The index answering questions right now."""
        return self.live.index

    @property
    def reloading(self) -> bool:
        return self._reload_lock.locked()

    async def setup_hook(self) -> None:
        # Loading reads files and stems every sentence: keep it off the event loop.
        self._live = await asyncio.to_thread(load_index, self.settings)
        index = self._live.index
        log.info(
            "corpus loaded: %d documents, %d sentences, %d skipped, version %s, %.2f s",
            len(index.documents),
            len(index.sentences),
            len(self._live.corpus.skipped),
            index.version,
            self._live.seconds,
        )
        if not self.intents.message_content:
            log.warning(
                "message content intent is off: answering mentions and slash commands only; "
                "questions in watched channels need it"
            )
        self._storage = await asyncio.to_thread(Storage.open, self.settings.database_path)
        # Buttons under answers are resolved from their custom ids, even after a restart.
        self.add_dynamic_items(AnswerButton)
        for cog in COGS:
            await self.load_extension(cog)
        await self._sync_commands()

    async def close(self) -> None:
        await super().close()
        if self._storage is not None:
            await asyncio.to_thread(self._storage.close)
            self._storage = None

    async def _sync_commands(self) -> None:
        if not self.settings.sync_commands:
            return
        if self.settings.guild_ids:
            for guild_id in self.settings.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %d", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))

    async def reload_corpus(self) -> ReloadReport:
        """Load the corpus again and swap it in; on any failure the old one keeps serving.

        Raises `ReloadBusy` when a reload is already running, and whatever
        loading raised (e.g. `CorpusError`) when the new corpus is unusable.
        """
        if self._reload_lock.locked():
            raise ReloadBusy
        async with self._reload_lock:
            started = time.perf_counter()
            old = self.live
            new = await asyncio.to_thread(load_index, self.settings)
            # build_index has refused a corpus without sentences; this is the swap.
            self._live = new
            report = ReloadReport(
                change=diff_corpora(old.index, new.index),
                index=new.index,
                skipped=new.corpus.skipped,
                seconds=time.perf_counter() - started,
            )
            log.info(
                "corpus reloaded: version %s -> %s, %d added, %d removed, %d changed, "
                "%d skipped, %.2f s",
                old.index.version,
                new.index.version,
                len(report.change.added),
                len(report.change.removed),
                len(report.change.changed),
                len(report.skipped),
                report.seconds,
            )
            return report


class ShardedQABot(QABot, commands.AutoShardedBot):
    """The same bot, sharded: for deployments large enough to split guilds across processes."""


def create_bot(settings: Settings) -> QABot:
    """An unstarted bot; it loads the corpus and syncs commands in `setup_hook`."""
    if settings.shard_count is not None or settings.shard_ids is not None:
        return ShardedQABot(
            settings, shard_count=settings.shard_count, shard_ids=settings.shard_ids
        )
    return QABot(settings)


def run_bot(settings: Settings) -> None:
    """Start the bot and block until it stops. The caller has checked the token is set."""
    assert settings.discord_token is not None
    create_bot(settings).run(settings.discord_token.get_secret_value(), log_handler=None)

"""The bot: its live index, start-up, reload, and the one error handler for every command."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import SkippedFile
from bot.discord.views import AnswerButton
from bot.index import Index
from bot.pipeline import CorpusChange, LoadedCorpus, diff_corpora, load_index
from bot.settings import Settings
from bot.storage import Storage, StorageError

log = logging.getLogger(__name__)

COGS = ("bot.discord.cogs.ask", "bot.discord.cogs.sources", "bot.discord.cogs.admin")

# Discord's JSON error codes for an interaction that can no longer be answered:
# its token expired (15 minutes) or it was never acknowledged in time (3 seconds).
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
EXPIRED_INTERACTION_CODES = frozenset({UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION})

INVALID_TOKEN_MESSAGE = (
    "Discord rejected the bot token: set DISCORD_TOKEN to the token shown in the "
    "Developer Portal (Bot -> Reset Token)"
)
INTENT_REFUSED_MESSAGE = (
    "Discord refused the message content intent: enable it in the Developer Portal "
    "(Bot -> Privileged Gateway Intents -> Message Content Intent) "
    "or set message_content_intent = false"
)


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
    """The command tree; its `on_error` is the one error handler for every slash command."""

    async def on_error(
        self, interaction: discord.Interaction[QABot], error: app_commands.AppCommandError
    ) -> None:
        await handle_interaction_error(interaction, error)


def is_expired_interaction(error: BaseException) -> bool:
    """Discord no longer takes a reply to this interaction: nothing can be shown to the user."""
    return isinstance(error, discord.NotFound) and error.code in EXPIRED_INTERACTION_CODES


async def handle_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException
) -> None:
    """What a user sees when a command or a button fails, and what the log keeps.

    Ordered cases, most specific first (modelled on Red-DiscordBot's tree): errors a
    user can cause get a short private message; an interaction Discord has already
    expired is logged as a warning, since no reply can reach anyone; anything else is a
    programming error, logged with its traceback. One bad interaction never stops the bot.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original  # what the command itself raised
    where = _interaction_name(interaction)
    if isinstance(error, app_commands.NoPrivateMessage):
        message = "This command only works in a server."
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = f"Slow down: try again in {error.retry_after:.0f} s."
    elif isinstance(error, app_commands.CheckFailure):
        message = str(error) or "You are not allowed to use this command."
    elif isinstance(error, app_commands.TransformerError):
        message = "That value is not valid for this command."
    elif isinstance(error, discord.NotFound) and is_expired_interaction(error):
        log.warning("%s: the interaction expired before the reply (%s)", where, error.text)
        return
    elif isinstance(error, StorageError):
        log.error("%s: %s", where, error)  # one line: the storage names its file and fault
        message = "Sorry, the bot's database is not working right now. It has been logged."
    else:
        log.error("error in %s", where, exc_info=error)
        message = "Sorry, something went wrong answering that. It has been logged."
    await send_private(interaction, message)


def _interaction_name(interaction: discord.Interaction[Any]) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    custom_id = interaction.data.get("custom_id") if interaction.data else None
    return f"component {custom_id}" if custom_id else "an interaction"


async def send_private(interaction: discord.Interaction[Any], message: str) -> None:
    """An ephemeral reply, whether or not the interaction was already answered or deferred.

    After a defer, Discord makes the first followup fill in the "thinking..."
    message, so the note is private only if the command deferred privately;
    either way the asker is not left with a message that thinks forever. When
    Discord refuses (the interaction expired, a network fault), the note is lost:
    that is logged as a warning, never raised.
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
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not tell the user %r: %s", message, error)


class QABot(commands.Bot):
    """A bot that answers questions from a corpus it loads at start-up.

    `live` is the corpus being served. It is replaced in one assignment by
    `reload_corpus`, never changed in place, so a handler that read it once
    keeps one consistent index to the end.
    """

    def __init__(self, settings: Settings, **options: object) -> None:
        # A text-only bot: without this, discord.py warns at start that voice would
        # need PyNaCl and davey, which an operator cannot act on.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()
        intents.message_content = settings.message_content_intent
        super().__init__(
            # Required by commands.Bot but never consulted: `on_message` parses no commands.
            command_prefix=commands.when_mentioned,
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
        self._setup_started = False  # errors after this are not about logging in

    async def on_message(self, message: discord.Message, /) -> None:
        """Nothing: the bot has no prefix commands. Messages are questions, answered by
        the AskCog's listener; parsing "@bot who led ..." as the command "who" would only
        log CommandNotFound as an error on every mention."""

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
        self._setup_started = True
        # First, as it is quick: a database that cannot be used stops start-up with
        # StorageError (its one line) before the corpus is read.
        self._storage = await asyncio.to_thread(Storage.open, self.settings.database_path)
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
        # Buttons under answers are resolved from their custom ids, even after a restart.
        self.add_dynamic_items(AnswerButton)
        for cog in COGS:
            await self.load_extension(cog)
        await self._sync_commands()

    async def close(self) -> None:
        """Disconnect and close the storage; never raises over a storage that failed
        to open or close (start-up may be stopping because of it)."""
        await super().close()
        storage, self._storage = self._storage, None
        if storage is not None:
            try:
                await asyncio.to_thread(storage.close)
            except StorageError as error:
                log.warning("closing the database: %s", error)

    async def _sync_commands(self) -> None:
        if not self.settings.sync_commands:
            return
        if self.settings.guild_ids:
            for guild_id in self.settings.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                try:
                    synced = await self.tree.sync(guild=guild)
                except discord.Forbidden as error:
                    raise StartupError(
                        f"cannot sync commands to guild {guild_id} ({error.text}): invite the "
                        "bot there with the applications.commands scope, or remove it from "
                        "guild_ids"
                    ) from None
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
    """Start the bot and block until it stops. The caller has checked the token is set.

    Raises `StartupError` (one line, never the token) when Discord rejects the token
    or the message content intent, or cannot be reached; `CorpusError` and
    `StorageError` from `setup_hook` propagate as they are.
    """
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    try:
        asyncio.run(start_bot(create_bot(settings), token))
    except KeyboardInterrupt:
        return  # Ctrl+C: asyncio.run has cancelled the bot, and `async with` closed it


async def start_bot(bot: QABot, token: str) -> None:
    """Log in, run `setup_hook`, connect, and serve until the bot is closed.

    Once connected, discord.py reconnects by itself after a network fault; what
    stops start-up is turned into a `StartupError` saying what to do.
    """
    async with bot:
        try:
            await bot.start(token)
        except discord.LoginFailure:
            raise StartupError(INVALID_TOKEN_MESSAGE) from None
        except discord.PrivilegedIntentsRequired:
            raise StartupError(INTENT_REFUSED_MESSAGE) from None
        except (aiohttp.ClientError, TimeoutError, discord.GatewayNotFound) as error:
            raise StartupError(_unreachable(error, token)) from None
        except OSError as error:
            if bot._setup_started:
                raise  # from setup_hook's own file work, not from the network
            raise StartupError(_unreachable(error, token)) from None
        except discord.HTTPException as error:
            raise StartupError(
                f"Discord refused a start-up request ({_one_line(error, token)}): "
                "retry later, or check the bot's settings"
            ) from None


def _unreachable(error: BaseException, token: str) -> str:
    return (
        f"cannot reach Discord ({_one_line(error, token)}): check the network connection, "
        "or retry when Discord is up"
    )


def _one_line(error: BaseException, token: str) -> str:
    """The error's message on one line, with the token taken out should it appear."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text.replace(token, "<token>") if token else text

"""The bot: its live index, the services it builds at start-up, and reload.

The features (bot.discord.ask, .sources, .admin) are extensions loaded by name in
`setup_hook`; they import this module, never the other way round.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.cluster import Cluster
from bot.corpus import SkippedFile
from bot.discord.answers import AnswerService
from bot.discord.errors import handle_interaction_error
from bot.pipeline import CorpusChange, LoadedCorpus, diff_corpora, load_index
from bot.progress import Progress
from bot.search.index import Index
from bot.settings import Settings
from bot.store.cluster import ClusterStore
from bot.store.storage import Storage, StorageError, open_storage, storage_url

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.discord.ask", "bot.discord.sources", "bot.discord.admin")

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
    serving: int = 1
    """Live processes of the cluster serving the new version (this one included)."""
    live: int = 1
    """Live processes of the cluster, whatever they serve."""
    behind: tuple[str, ...] = ()
    """Each live process not serving it yet: who, and why (a stale corpus, still loading)."""
    built_by: str | None = None
    """Another process whose build this reload took, instead of building twice."""


class QATree(app_commands.CommandTree["QABot"]):
    """The command tree; every slash command's error goes to the one handler."""

    async def on_error(
        self, interaction: discord.Interaction[QABot], error: app_commands.AppCommandError
    ) -> None:
        await handle_interaction_error(interaction, error)


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
            # The default for every message the bot sends (replies, channel messages,
            # interaction responses and followups, edits): quotes and questions ping nobody.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self._live: LoadedCorpus | None = None
        self._storage: Storage | None = None
        self._cluster: Cluster | None = None
        self._answers: AnswerService | None = None
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
    def answers(self) -> AnswerService:
        """The answer service the ask feature uses (built in `setup_hook`)."""
        if self._answers is None:
            raise RuntimeError("the answer service is not built yet")
        return self._answers

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
        storage = await asyncio.to_thread(open_storage, self.settings)
        self._storage = storage
        # Loading reads files and stems every sentence: keep it off the event loop.
        self._live = await asyncio.to_thread(load_index, self.settings)
        # Leave every object alive now (the corpus, little else) out of all future garbage
        # collections, which would otherwise walk the whole corpus and, holding the GIL,
        # pause the event loop. They are still freed when no longer referenced (the index
        # holds no reference cycles). Only here, once: objects frozen at a reload could hold
        # cycles that would then never be collected. Collect first, so that no garbage is
        # frozen with them (start-up: nothing is being answered yet).
        gc.collect()
        gc.freeze()
        # The processes sharing the database follow each other's reloads (bot.cluster).
        cluster_store = await asyncio.to_thread(ClusterStore.open, storage_url(self.settings))
        self._cluster = Cluster(
            self.settings,
            cluster_store,
            current=lambda: self.live,
            swap=self._swap,
            load=_load_corpus,
        )
        await self._cluster.start()
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
        self._answers = AnswerService(self.settings, storage, lambda: self.index)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self._sync_commands()

    async def close(self) -> None:
        """Disconnect and close the storage; never raises over a storage that failed
        to open or close (start-up may be stopping because of it)."""
        await super().close()
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            try:
                await cluster.stop()
                await asyncio.to_thread(cluster.store.close)
            except StorageError as error:
                log.warning("leaving the cluster: %s", error)
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

    async def reload_corpus(self, progress: Progress | None = None) -> ReloadReport:
        """Load the corpus again and swap it in; on any failure the old one keeps serving.

        Raises `ReloadBusy` when a reload is already running, and whatever
        loading raised (e.g. `CorpusError`) when the new corpus is unusable.
        `progress`, when given, is advanced by the loading thread, for the caller to show.
        """
        if self._reload_lock.locked():
            raise ReloadBusy
        async with self._reload_lock:
            started = time.perf_counter()
            if self._cluster is None:
                raise RuntimeError("the cluster is not started yet")
            done = await self._cluster.reload(progress)
            old, new = done.previous, done.loaded
            report = ReloadReport(
                change=diff_corpora(old.index, new.index),
                index=new.index,
                skipped=new.corpus.skipped,
                seconds=time.perf_counter() - started,
                serving=done.serving,
                live=done.live,
                behind=tuple(
                    f"{row.process.host} pid {row.process.pid}: "
                    + (row.process.problem or row.process.state)
                    for row in done.behind
                ),
                built_by=None if done.built else done.record.built_by,
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

    def _swap(self, loaded: LoadedCorpus) -> None:
        """Serve another corpus: one assignment, on the event loop (see bot.cluster)."""
        self._live = loaded


def _load_corpus(
    settings: Settings, progress: Progress | None, previous: LoadedCorpus | None
) -> LoadedCorpus:
    """How the bot loads a corpus (in a thread): `load_index`, looked up when called."""
    return load_index(settings, progress, previous)


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

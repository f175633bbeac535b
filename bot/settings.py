"""Settings, read once at start-up and passed down.

Precedence, highest first: constructor arguments (the command line), environment
variables, `.env`, then the TOML file (`config/bot.toml`, or the file `--config` or
`NEWSQA_CONFIG` names). Paths in settings are relative to the working directory,
not to the TOML file, so running from the repository root uses the bundled
`corpus/` and `config/`.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from dotenv import dotenv_values
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as SourceError

from bot.store.database import DEFAULT_DATABASE_PATH, resolve_database_url, sqlite_url

CONFIG_FILE = Path("config/bot.toml")
CONFIG_ENV_VAR = "NEWSQA_CONFIG"
ENV_FILE = Path(".env")
TOP_K_MAX = 10

PositiveInt = Annotated[int, Field(gt=0)]

# The TOML file the next `Settings()` reads; `load_settings` sets it for one build.
_toml_file: ContextVar[Path] = ContextVar("toml_file", default=CONFIG_FILE)


class Settings(BaseSettings):
    """Everything the bot and the CLI can be configured with."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        allow_inf_nan=False,  # BM25_K1=inf would rank every sentence NaN
    )

    # --- Discord ---------------------------------------------------------
    discord_token: SecretStr | None = None
    guild_ids: list[int] = Field(default_factory=list)
    """Guilds to sync slash commands to instantly; empty means a global sync."""
    sync_commands: bool = True
    message_content_intent: bool = True
    """Ask for the privileged message content intent (enable it in the Developer Portal).
    Without it the bot answers mentions and slash commands only."""
    watch_channel_ids: list[int] = Field(default_factory=list)
    """Channels where any message ending in "?" is answered, not only mentions."""
    admin_role_ids: list[int] = Field(default_factory=list)
    """Roles allowed to run /reload besides members with Administrator."""
    reload_progress_seconds: float = Field(default=3.0, ge=0.05)
    """How often a running /reload edits its private reply to show how far it has got."""
    question_cooldown_seconds: float = Field(default=5.0, ge=0)
    """Per-user pause between questions; 0 turns the cooldown off."""
    shard_count: PositiveInt | None = None
    shard_ids: list[int] | None = None
    """The shards this process runs, each in 0..shard_count-1 (needs shard_count)."""
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    """How often this process says in the shared database that it is alive (bot.cluster);
    one silent for more than 3 heartbeats is counted as gone."""
    cluster_poll_seconds: float = Field(default=1.0, gt=0)
    """How often a process sharing a SQLite database reads the corpus version another
    process may have announced (PostgreSQL tells it at once)."""

    answer_in_thread: bool = False
    """Answer a channel question in a thread made from it; follow-ups there are answered too."""
    more_passages: int = Field(default=6, ge=0, le=20)
    """How many further passages the "More" button can show."""
    database_path: Path = DEFAULT_DATABASE_PATH
    """The SQLite file of the default `database_url` (created and migrated at start)."""
    database_url: str = Field(
        default=sqlite_url(DEFAULT_DATABASE_PATH), validate_default=True, repr=False
    )
    """Where answers shown, votes and the users' hash salt are kept: `sqlite:///PATH` (a
    file on this machine; four slashes for an absolute path) or
    `postgresql://USER:PASSWORD@HOST:PORT/DATABASE` (a server that processes on many
    machines share). Left at its default, database_path names the SQLite file; setting
    both to different databases is an error. Its password is never shown."""

    # --- Corpus ----------------------------------------------------------
    corpus_dir: Path = Path("corpus")
    max_article_bytes: PositiveInt = Field(
        default=5_000_000, validation_alias=AliasChoices("max_article_bytes", "max_file_bytes")
    )
    """An article larger than this (a text file, or one line of a JSON Lines file) is
    skipped with a reason; a JSON Lines file of any size is read. `max_file_bytes`, its
    name before JSON Lines files were read as a stream, is still read."""
    cache_dir: Path = Path(".cache/newsqa")
    """Where the analysed corpus and the built index are kept between runs (see bot.store.cache)."""

    # --- Search and answers ----------------------------------------------
    bm25_k1: float = Field(default=0.9, ge=0)
    bm25_b: float = Field(default=0.4, ge=0, le=1)
    bm25_epsilon: float = Field(default=0.25, ge=0)
    paragraph_weight: float = Field(default=1.0, ge=0)
    """How much a sentence's paragraph's BM25 score adds to the sentence's own."""
    top_k: int = Field(default=3, ge=1, le=TOP_K_MAX)
    """How many passages an answer quotes."""
    min_coverage: float = Field(default=0.35, gt=0, le=1)
    """Share of the question's term weight a sentence and its paragraph must hold to be quoted."""
    max_question_chars: PositiveInt = 500

    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_no_token(cls, value: object) -> object:
        # `DISCORD_TOKEN=` as copied from an example means "not set", not an empty token.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("corpus_dir", "cache_dir", "database_path", mode="before")
    @classmethod
    def _path_not_empty(cls, value: object) -> object:
        # Path("") is the working directory: `CACHE_DIR=` would write into the working tree.
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty (write . for the working directory)")
        return value

    @field_validator("database_url")
    @classmethod
    def _one_database(cls, value: str, info: ValidationInfo) -> str:
        if "database_path" not in info.data:  # an invalid database_path is reported
            return value
        return resolve_database_url(value, info.data["database_path"])

    @field_validator("shard_ids")
    @classmethod
    def _shards_in_range(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        # A field validator rather than a model one, so the error names shard_ids and its source.
        if value is None or "shard_count" not in info.data:  # an invalid shard_count is reported
            return value
        count = info.data["shard_count"]
        if count is None:
            raise ValueError("needs shard_count (the total number of shards) to be set too")
        outside = [shard for shard in value if not 0 <= shard < count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} is outside 0..{count - 1} (shard_count = {count})"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_toml_file.get()),
        )


class SettingsError(Exception):
    """The settings could not be read; the message is one line for a person."""


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """The settings, the TOML file they were read from, and what is worth a warning."""

    settings: Settings
    config_file: Path | None
    """The TOML file read (as given, relative to the working directory), None if none was."""
    warnings: tuple[str, ...]
    """One line each: unknown keys in the TOML file or `.env`, a token in the TOML file.
    Never a secret's value."""


def load_settings(*, config_file: Path | None = None, **overrides: object) -> LoadedSettings:
    """Build `Settings` once from every source, turning any failure into `SettingsError`.

    `config_file` (the `--config` option) or else the `NEWSQA_CONFIG` environment
    variable names the TOML file to read instead of `config/bot.toml`; a file named
    that way must exist. `overrides` are the values given on the command line.
    """
    toml_path, origin = _config_file(config_file)
    toml_values = _read_toml(toml_path, origin)
    dotenv = _read_dotenv(ENV_FILE)
    sources = _Sources(overrides, dotenv, toml_values, toml_path)
    reset = _toml_file.set(toml_path)
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(sources.describe(error)) from None
    except SourceError as error:  # a list or other JSON value that does not parse
        raise SettingsError(sources.describe_unparsable(error)) from None
    finally:
        _toml_file.reset(reset)
    warnings = [
        *_unknown_keys(toml_values, str(toml_path), lambda name: name),
        *_unknown_keys(dotenv, str(ENV_FILE), str.upper),
        *(
            _renamed(key, "the environment", str.upper)
            for key in os.environ
            if key.lower() in RENAMED
        ),
    ]
    if any(key.lower() == "discord_token" for key in toml_values):
        warnings.append(
            f"{toml_path} sets discord_token: the token is a secret, set DISCORD_TOKEN in the "
            "environment or .env instead and remove it from the file"
        )
    read = toml_path if toml_values or toml_path.is_file() else None
    return LoadedSettings(settings, read, tuple(warnings))


def _config_file(option: Path | None) -> tuple[Path, str | None]:
    """The TOML file to read, and what named it (None: the default, which may be absent)."""
    if option is not None:
        path, origin = option, "--config"
    elif os.environ.get(CONFIG_ENV_VAR, "").strip():
        path, origin = Path(os.environ[CONFIG_ENV_VAR]), CONFIG_ENV_VAR
    else:
        return CONFIG_FILE, None
    if not path.is_file():
        problem = "is not a file" if path.exists() else "not found"
        raise SettingsError(f"config file {problem}: {path.absolute()} (from {origin})")
    return path, origin


def _read_toml(path: Path, origin: str | None) -> dict[str, Any]:
    if origin is None and not path.is_file():
        return {}
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, ValueError) as error:  # unreadable, not UTF-8, or not TOML
        raise SettingsError(f"cannot read settings from {path}: {error}") from None


def _read_dotenv(path: Path) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    try:
        return dotenv_values(path, encoding="utf-8")
    except (OSError, ValueError) as error:
        raise SettingsError(f"cannot read settings from {path}: {error}") from None


# Settings under an older name, which is still read: old name -> name.
RENAMED = {"max_file_bytes": "max_article_bytes"}


def _renamed(key: str, where: str, spell: Callable[[str], str]) -> str:
    return f"{key} in {where} is now called {spell(RENAMED[key.lower()])}; the old name still works"


def _unknown_keys(
    values: Mapping[str, object], where: str, spell: Callable[[str], str]
) -> Iterator[str]:
    """A warning for each key that is not a setting, with the closest setting's name."""
    names = list(Settings.model_fields)
    for key in values:
        if key.lower() in RENAMED:
            yield _renamed(key, where, spell)
            continue
        if key.lower() in names:
            continue
        close = difflib.get_close_matches(key.lower(), names, n=1)
        hint = f": did you mean {spell(close[0])}?" if close else ""
        yield f"unknown setting {key} in {where}, ignored{hint}"


@dataclass(frozen=True, slots=True)
class _Sources:
    """What each source holds, to say where an invalid value came from."""

    overrides: Mapping[str, object]
    dotenv: Mapping[str, object]
    toml: Mapping[str, object]
    toml_path: Path

    def source_of(self, name: str) -> str:
        """The source a setting's value was taken from, highest precedence first."""
        if name in self.overrides:
            return "the command line"
        for key in os.environ:
            if key.lower() == name:
                return f"environment variable {key}"
        for key in self.dotenv:
            if key.lower() == name:
                return f"{key} in {ENV_FILE}"
        if any(key.lower() == name for key in self.toml):
            return str(self.toml_path)
        return "the default"

    def describe(self, error: ValidationError) -> str:
        """One line naming each invalid setting and where its value came from."""
        parts = []
        for problem in error.errors():
            location = [str(part) for part in problem["loc"]]
            if not location:
                parts.append(problem["msg"])
                continue
            where = self.source_of(location[0])
            message = problem["msg"].removeprefix("Value error, ")
            parts.append(f"{'.'.join(location)} (from {where}): {message}")
        return "invalid setting " + "; ".join(parts)

    def describe_unparsable(self, error: SourceError) -> str:
        found = re.search(r'field "(\w+)"', str(error))
        cause = f": {error.__cause__}" if error.__cause__ else ""
        if found is None:
            return f"cannot read settings: {error}{cause}"
        name = found.group(1)
        return (
            f"invalid setting {name} (from {self.source_of(name)}): "
            f"cannot parse it as a JSON list such as [123]{cause}"
        )

"""Settings, read once at start-up and passed down.

Precedence, highest first: constructor arguments, environment variables, `.env`,
then `config/bot.toml`. Paths are relative to the working directory, so running
from the repository root uses the bundled `corpus/` and `config/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE = Path("config/bot.toml")

PositiveInt = Annotated[int, Field(gt=0)]


class Settings(BaseSettings):
    """Everything the bot and the CLI can be configured with."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        toml_file=CONFIG_FILE,
        extra="ignore",
        frozen=True,
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
    question_cooldown_seconds: float = Field(default=5.0, ge=0)
    """Per-user pause between questions; 0 turns the cooldown off."""
    shard_count: PositiveInt | None = None
    shard_ids: list[int] | None = None

    answer_in_thread: bool = False
    """Answer a channel question in a thread made from it; follow-ups there are answered too."""
    more_passages: int = Field(default=6, ge=0, le=20)
    """How many further passages the "More" button can show."""
    database_path: Path = Path("data/newsqa.sqlite3")
    """SQLite file for answers shown and votes (created and migrated at start)."""

    # --- Corpus ----------------------------------------------------------
    corpus_dir: Path = Path("corpus")
    max_file_bytes: PositiveInt = 5_000_000
    """Files larger than this are skipped with a reason instead of loaded."""
    cache_dir: Path = Path(".cache/newsqa")
    """Where the analysed corpus and the built index are kept between runs (see bot.cache)."""

    # --- Search and answers ----------------------------------------------
    bm25_k1: float = Field(default=0.9, ge=0)
    bm25_b: float = Field(default=0.4, ge=0, le=1)
    bm25_epsilon: float = Field(default=0.25, ge=0)
    paragraph_weight: float = Field(default=1.0, ge=0)
    """How much a sentence's paragraph's BM25 score adds to the sentence's own."""
    answer_type_bonus: float = Field(default=0.3, ge=0)
    """Relative boost for a sentence holding the kind of answer asked for (who, when, ...),
    scaled by how few of the candidates hold one (see `bot.index.Ranking`)."""
    top_k: int = Field(default=3, ge=1, le=10)
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
            TomlConfigSettingsSource(settings_cls),
        )


def describe_settings_error(error: ValidationError) -> str:
    """One line naming each invalid setting, for people rather than tracebacks."""
    parts = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or "settings"
        parts.append(f"{name}: {problem['msg']}")
    return "invalid setting " + "; ".join(parts)


class SettingsError(Exception):
    """The settings could not be read; the message is one line for a person."""


def load_settings(**overrides: object) -> Settings:
    """Build `Settings` from every source, turning any failure into `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_settings_error(error)) from None
    except (OSError, ValueError) as error:  # unreadable or malformed config/bot.toml or .env
        raise SettingsError(f"cannot read settings from {CONFIG_FILE} or .env: {error}") from None

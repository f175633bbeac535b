"""Settings: sources and their precedence, the secret token, readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings, SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("clean_env")

TOKEN = "MTIz.secret-token-value.XYZ"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory: no config/bot.toml and no .env unless a test writes them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_toml(workdir: Path, text: str) -> None:
    (workdir / "config").mkdir(exist_ok=True)
    (workdir / "config" / "bot.toml").write_text(text, encoding="utf-8")


def write_env(workdir: Path, text: str) -> None:
    (workdir / ".env").write_text(text, encoding="utf-8")


def test_defaults_without_any_source(workdir: Path) -> None:
    settings = load_settings()
    for name, field in Settings.model_fields.items():
        assert getattr(settings, name) == field.get_default(call_default_factory=True), name
    assert settings.corpus_dir == Path("corpus")
    assert settings.discord_token is None


def test_toml_file_is_read(workdir: Path) -> None:
    write_toml(workdir, 'top_k = 4\ncorpus_dir = "articles"\nguild_ids = [1, 2]\n')
    settings = load_settings()
    assert (settings.top_k, settings.corpus_dir, settings.guild_ids) == (
        4,
        Path("articles"),
        [1, 2],
    )


def test_dotenv_wins_over_toml(workdir: Path) -> None:
    write_toml(workdir, "top_k = 4\nbm25_b = 0.5\n")
    write_env(workdir, "TOP_K=5\n")
    settings = load_settings()
    assert settings.top_k == 5
    assert settings.bm25_b == 0.5  # not in .env: still from the TOML file


def test_environment_wins_over_dotenv(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(workdir, "top_k = 4\n")
    write_env(workdir, "TOP_K=5\nMIN_COVERAGE=0.3\n")
    monkeypatch.setenv("TOP_K", "6")
    settings = load_settings()
    assert settings.top_k == 6
    assert settings.min_coverage == 0.3


def test_constructor_wins_over_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(workdir, "top_k = 4\n")
    write_env(workdir, "TOP_K=5\n")
    monkeypatch.setenv("TOP_K", "6")
    assert load_settings(top_k=7).top_k == 7
    assert Settings(top_k=8).top_k == 8


def test_environment_names_are_case_insensitive(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("top_k", "9")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert (settings.top_k, settings.log_level) == (9, "DEBUG")


def test_list_settings_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUILD_IDS", "[123456789012345678]")
    assert load_settings().guild_ids == [123456789012345678]


def test_token_from_dotenv_is_secret(workdir: Path) -> None:
    write_env(workdir, f"DISCORD_TOKEN={TOKEN}\n")
    settings = load_settings()
    assert isinstance(settings.discord_token, SecretStr)
    assert settings.discord_token.get_secret_value() == TOKEN
    for shown in (repr(settings), str(settings), f"{settings}", settings.model_dump_json()):
        assert TOKEN not in shown
    assert "**********" in repr(settings)


def test_token_from_environment_is_secret(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_settings_are_frozen(workdir: Path) -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.top_k = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "setting"),
    [
        ("BM25_B", "2", "bm25_b"),
        ("TOP_K", "abc", "top_k"),
        ("TOP_K", "0", "top_k"),
        ("MIN_COVERAGE", "0", "min_coverage"),
        ("MAX_FILE_BYTES", "-1", "max_file_bytes"),
        ("LOG_LEVEL", "chatty", "log_level"),
    ],
)
def test_invalid_environment_value_is_a_one_line_settings_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, setting: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"invalid setting {setting}: ")
    assert "\n" not in message


def test_invalid_toml_value_is_a_settings_error(workdir: Path) -> None:
    write_toml(workdir, "bm25_b = 2.0\n")
    with pytest.raises(SettingsError, match="bm25_b"):
        load_settings()


def test_invalid_constructor_value_is_a_settings_error(workdir: Path) -> None:
    with pytest.raises(SettingsError, match="top_k"):
        load_settings(top_k=11)


def test_malformed_toml_is_a_one_line_settings_error(workdir: Path) -> None:
    write_toml(workdir, "top_k = = 3\n[unclosed\n")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("cannot read settings from config/bot.toml or .env: ")
    assert "\n" not in str(raised.value)


def test_unparsable_list_in_environment_is_a_settings_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUILD_IDS", "not a list")
    with pytest.raises(SettingsError, match="guild_ids"):
        load_settings()

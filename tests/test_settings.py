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
    settings = load_settings().settings
    for name, field in Settings.model_fields.items():
        assert getattr(settings, name) == field.get_default(call_default_factory=True), name
    assert settings.corpus_dir == Path("corpus")
    assert settings.discord_token is None


def test_toml_file_is_read(workdir: Path) -> None:
    write_toml(workdir, 'top_k = 4\ncorpus_dir = "articles"\nguild_ids = [1, 2]\n')
    settings = load_settings().settings
    assert (settings.top_k, settings.corpus_dir, settings.guild_ids) == (
        4,
        Path("articles"),
        [1, 2],
    )


def test_dotenv_wins_over_toml(workdir: Path) -> None:
    write_toml(workdir, "top_k = 4\nbm25_b = 0.5\n")
    write_env(workdir, "TOP_K=5\n")
    settings = load_settings().settings
    assert settings.top_k == 5
    assert settings.bm25_b == 0.5  # not in .env: still from the TOML file


def test_environment_wins_over_dotenv(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(workdir, "top_k = 4\n")
    write_env(workdir, "TOP_K=5\nMIN_COVERAGE=0.3\n")
    monkeypatch.setenv("TOP_K", "6")
    settings = load_settings().settings
    assert settings.top_k == 6
    assert settings.min_coverage == 0.3


def test_constructor_wins_over_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(workdir, "top_k = 4\n")
    write_env(workdir, "TOP_K=5\n")
    monkeypatch.setenv("TOP_K", "6")
    assert load_settings(top_k=7).settings.top_k == 7
    assert Settings(top_k=8).top_k == 8


def test_environment_names_are_case_insensitive(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("top_k", "9")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings().settings
    assert (settings.top_k, settings.log_level) == (9, "DEBUG")


def test_list_settings_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUILD_IDS", "[123456789012345678]")
    assert load_settings().settings.guild_ids == [123456789012345678]


def test_token_from_dotenv_is_secret(workdir: Path) -> None:
    write_env(workdir, f"DISCORD_TOKEN={TOKEN}\n")
    settings = load_settings().settings
    assert isinstance(settings.discord_token, SecretStr)
    assert settings.discord_token.get_secret_value() == TOKEN
    for shown in (repr(settings), str(settings), f"{settings}", settings.model_dump_json()):
        assert TOKEN not in shown
    assert "**********" in repr(settings)


def test_token_from_environment_is_secret(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = load_settings().settings
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_settings_are_frozen(workdir: Path) -> None:
    settings = load_settings().settings
    with pytest.raises(ValueError, match="frozen"):
        settings.top_k = 5


@pytest.mark.parametrize(
    ("name", "value", "setting"),
    [
        ("BM25_B", "2", "bm25_b"),
        ("TOP_K", "abc", "top_k"),
        ("TOP_K", "0", "top_k"),
        ("MIN_COVERAGE", "0", "min_coverage"),
        ("MAX_ARTICLE_BYTES", "-1", "max_article_bytes"),
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
    assert message.startswith(f"invalid setting {setting} (from environment variable {name}): ")
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
    assert str(raised.value).startswith("cannot read settings from config/bot.toml: ")
    assert "\n" not in str(raised.value)


def test_unparsable_list_in_environment_is_a_settings_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUILD_IDS", "not a list")
    with pytest.raises(SettingsError, match="guild_ids"):
        load_settings()


# --- unknown keys ---------------------------------------------------------------------------


def test_an_unknown_toml_key_is_a_warning_with_the_closest_name(workdir: Path) -> None:
    write_toml(workdir, "topk = 4\nbm25_b = 0.5\n")
    loaded = load_settings()
    assert loaded.warnings == (
        "unknown setting topk in config/bot.toml, ignored: did you mean top_k?",
    )
    assert (loaded.settings.top_k, loaded.settings.bm25_b) == (3, 0.5)  # the rest still read


def test_an_unknown_dotenv_key_is_a_warning_with_the_closest_name(workdir: Path) -> None:
    write_env(workdir, "CORPUS_DIRECTORY=articles\nWHATEVER_ELSE=1\nTOP_K=4\n")
    loaded = load_settings()
    assert loaded.warnings == (
        "unknown setting CORPUS_DIRECTORY in .env, ignored: did you mean CORPUS_DIR?",
        "unknown setting WHATEVER_ELSE in .env, ignored",
    )
    assert (loaded.settings.top_k, loaded.settings.corpus_dir) == (4, Path("corpus"))


def test_known_keys_in_any_case_are_not_warned_about(workdir: Path) -> None:
    write_toml(workdir, "TOP_K = 4\n")
    write_env(workdir, "top_k=5\nMin_Coverage=0.3\n")
    assert load_settings().warnings == ()


def test_the_process_environment_is_not_judged(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOPK", "4")  # could belong to anything else on the machine
    assert load_settings().warnings == ()


# --- invalid values -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corpus_dir", "cache_dir", "database_path"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_path_from_the_environment_is_an_error_naming_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name.upper(), value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"invalid setting {name} ")
    assert "must not be empty" in str(raised.value)


def test_an_empty_path_in_toml_or_on_the_command_line_is_an_error(workdir: Path) -> None:
    write_toml(workdir, 'cache_dir = ""\n')
    with pytest.raises(SettingsError, match=r"cache_dir \(from config/bot.toml\): must not be"):
        load_settings()
    with pytest.raises(SettingsError, match=r"corpus_dir \(from the command line\): must not be"):
        load_settings(corpus_dir="")


FLOAT_SETTINGS = [
    name for name, field in Settings.model_fields.items() if field.annotation is float
]


def test_the_float_settings_are_found() -> None:
    assert {"bm25_k1", "min_coverage", "question_cooldown_seconds"} <= set(FLOAT_SETTINGS)


@pytest.mark.parametrize("name", FLOAT_SETTINGS)
@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "Infinity"])
def test_a_non_finite_number_is_an_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name.upper(), value)
    with pytest.raises(SettingsError, match=f"invalid setting {name} .*finite"):
        load_settings()


def test_a_non_finite_number_in_toml_is_an_error(workdir: Path) -> None:
    write_toml(workdir, "bm25_k1 = inf\n")
    with pytest.raises(SettingsError, match="bm25_k1"):
        load_settings()


def test_an_invalid_value_names_the_source_it_came_from(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_toml(workdir, "top_k = 40\n")

    def error() -> str:
        with pytest.raises(SettingsError) as raised:
            load_settings()
        assert "\n" not in str(raised.value)
        return str(raised.value)

    assert error().startswith("invalid setting top_k (from config/bot.toml): ")
    write_env(workdir, "top_k=50\n")
    assert error().startswith("invalid setting top_k (from top_k in .env): ")
    monkeypatch.setenv("TOP_K", "60")
    assert error().startswith("invalid setting top_k (from environment variable TOP_K): ")
    with pytest.raises(SettingsError, match=r"^invalid setting top_k \(from the command line\)"):
        load_settings(top_k=70)


def test_an_unparsable_list_names_the_environment_variable(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCH_CHANNEL_IDS", "123, 456")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(
        "invalid setting watch_channel_ids (from environment variable WATCH_CHANNEL_IDS): "
    )
    assert "config/bot.toml" not in message and "\n" not in message


# --- shards ---------------------------------------------------------------------------------


def test_shard_ids_without_shard_count_is_an_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARD_IDS", "[0]")
    with pytest.raises(SettingsError, match=r"shard_ids .*needs shard_count"):
        load_settings()


@pytest.mark.parametrize("ids", ["[2]", "[0, 5]", "[-1]"])
def test_shard_ids_outside_the_shard_count_are_an_error(workdir: Path, ids: str) -> None:
    write_toml(workdir, f"shard_count = 2\nshard_ids = {ids}\n")
    with pytest.raises(SettingsError, match=r"shard_ids .*outside 0\.\.1"):
        load_settings()


def test_shard_ids_within_the_shard_count_are_kept(workdir: Path) -> None:
    write_toml(workdir, "shard_count = 3\nshard_ids = [0, 2]\n")
    settings = load_settings().settings
    assert (settings.shard_count, settings.shard_ids) == (3, [0, 2])


# --- the token ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   "])
def test_a_blank_token_is_no_token(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", value)
    assert load_settings().settings.discord_token is None
    monkeypatch.delenv("DISCORD_TOKEN")
    write_env(workdir, f"DISCORD_TOKEN={value}\n")
    assert load_settings().settings.discord_token is None


def test_a_token_in_the_toml_file_is_a_warning_that_never_shows_it(workdir: Path) -> None:
    write_toml(workdir, f'discord_token = "{TOKEN}"\n')
    loaded = load_settings()
    [warning] = loaded.warnings
    assert "config/bot.toml sets discord_token" in warning and "DISCORD_TOKEN" in warning
    assert TOKEN not in repr(loaded)


def test_a_token_in_the_environment_is_no_warning(workdir: Path) -> None:
    write_env(workdir, f"DISCORD_TOKEN={TOKEN}\n")
    assert load_settings().warnings == ()


# --- which TOML file ------------------------------------------------------------------------


def test_config_file_names_the_toml_to_read(workdir: Path) -> None:
    write_toml(workdir, "top_k = 4\n")
    other = workdir / "elsewhere" / "prod.toml"
    other.parent.mkdir()
    other.write_text('top_k = 2\ncorpus_dir = "articles"\n', encoding="utf-8")
    loaded = load_settings(config_file=other)
    assert (loaded.settings.top_k, loaded.config_file) == (2, other)
    # Paths in it stay relative to the working directory, not to the file.
    assert loaded.settings.corpus_dir == Path("articles")
    assert load_settings().settings.top_k == 4  # the default file again afterwards


def test_newsqa_config_names_the_toml_and_the_option_wins(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "a.toml").write_text("top_k = 5\n", encoding="utf-8")
    (workdir / "b.toml").write_text("top_k = 6\n", encoding="utf-8")
    monkeypatch.setenv("NEWSQA_CONFIG", "a.toml")
    assert load_settings().settings.top_k == 5
    assert load_settings(config_file=Path("b.toml")).settings.top_k == 6


def test_a_named_config_file_that_is_missing_is_an_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(config_file=Path("nope.toml"))
    assert str(raised.value) == f"config file not found: {workdir / 'nope.toml'} (from --config)"
    monkeypatch.setenv("NEWSQA_CONFIG", "gone.toml")
    with pytest.raises(SettingsError, match=r"not found: .*gone\.toml \(from NEWSQA_CONFIG\)"):
        load_settings()


def test_the_default_config_file_may_be_absent(workdir: Path) -> None:
    loaded = load_settings()
    assert (loaded.config_file, loaded.warnings) == (None, ())
    write_toml(workdir, "top_k = 4\n")
    assert load_settings().config_file == Path("config/bot.toml")


def test_unknown_keys_in_a_named_config_file_name_that_file(workdir: Path) -> None:
    (workdir / "prod.toml").write_text("bm25k1 = 1.0\n", encoding="utf-8")
    assert load_settings(config_file=Path("prod.toml")).warnings == (
        "unknown setting bm25k1 in prod.toml, ignored: did you mean bm25_k1?",
    )


def test_the_bundled_config_and_env_example_hold_only_settings(
    workdir: Path, repo_root: Path
) -> None:
    (workdir / ".env").write_bytes((repo_root / "config" / ".env.example").read_bytes())
    loaded = load_settings(config_file=repo_root / "config" / "bot.toml")
    assert loaded.warnings == ()

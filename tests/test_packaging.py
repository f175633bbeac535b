"""The Dockerfile and pyproject agree with the repository (no Docker engine runs here)."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def test_every_path_the_dockerfile_copies_exists() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copies = re.findall(r"^COPY\s+(.+)$", dockerfile, flags=re.MULTILINE)
    assert copies
    for line in copies:
        *sources, _destination = line.split()
        if sources[0].startswith("--from="):  # from an earlier stage of the build
            continue
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile copies missing {source}"


def test_the_dockerfile_starts_the_bot_as_a_non_root_user() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r'^CMD \["python", "-m", "bot", "run"\]$', dockerfile, flags=re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)
    assert (REPO / "bot" / "__main__.py").exists()


def test_the_console_script_is_the_cli_entry_point() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == {"newsqa": "bot.cli:main"}
    from bot.cli import main

    assert callable(main)


# --- The image's writable folders, docker-compose.yml and the build context -----------------

APP = PurePosixPath("/app")  # the image's WORKDIR: settings' relative paths start here
WRITABLE = (APP / "data", APP / ".cache")


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _commands(run_arguments: str) -> list[list[str]]:
    """The simple commands of a RUN line (split on && and ;), each as its words."""
    return [shlex.split(part) for part in re.split(r"&&|;", run_arguments) if part.strip()]


def _owned_by(user: str, folder: PurePosixPath, commands: list[list[str]]) -> bool:
    """Whether these commands create `folder` and give it to `user` (install -d -o, mkdir+chown)."""
    created = given = False
    for words in commands:
        name, arguments = words[0], words[1:]
        paths = {PurePosixPath(word) for word in arguments if word.startswith("/")}
        if name == "install" and "-d" in arguments and folder in paths:
            created = True
            owner = arguments[arguments.index("-o") + 1] if "-o" in arguments else None
            given = given or owner == user
        elif name == "mkdir" and folder in paths:
            created = True
        elif name == "chown" and created:
            target = next(word for word in arguments if not word.startswith("-"))
            recursive = "-R" in arguments
            covers = folder in paths or (recursive and any(p in folder.parents for p in paths))
            given = given or (covers and target.split(":")[0] == user)
    return created and given


def test_the_image_makes_data_and_cache_folders_its_user_owns_before_switching_to_it() -> None:
    stage = _final_stage()
    user_at = next(i for i, (keyword, _) in enumerate(stage) if keyword == "USER")
    user = stage[user_at][1]
    assert ("WORKDIR", str(APP)) in stage[:user_at]
    commands = [
        words
        for keyword, arguments in stage[:user_at]
        if keyword == "RUN"
        for words in _commands(arguments)
    ]
    useradd = next(words for words in commands if words[0] == "useradd")
    assert useradd[-1] == user and useradd[useradd.index("--uid") + 1] == "10001"
    for folder in WRITABLE:
        assert _owned_by(user, folder, commands), f"{folder} is not made and given to {user}"


def test_the_folders_the_bot_writes_are_the_image_s_writable_folders() -> None:
    # The image reads config/bot.toml from /app, so these paths are where the bot writes.
    config = tomllib.loads((REPO / "config" / "bot.toml").read_text(encoding="utf-8"))
    database = APP / config.get(
        "database_path", str(Settings.model_fields["database_path"].default)
    )
    cache = APP / config.get("cache_dir", str(Settings.model_fields["cache_dir"].default))
    assert database.parent in WRITABLE
    assert any(folder == cache or folder in cache.parents for folder in WRITABLE)


def test_each_writable_folder_is_a_volume_or_shown_mounted_as_one() -> None:
    stage = _final_stage()
    declared = {
        PurePosixPath(path.strip('"[], '))
        for keyword, arguments in stage
        if keyword == "VOLUME"
        for path in arguments.split()
    }
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for folder in WRITABLE:
        shown = re.search(rf"-v [\w.-]+:{re.escape(str(folder))}\s", dockerfile)
        assert folder in declared or shown, f"neither VOLUME nor a -v example names {folder}"


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load(
        (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    )
    # The default service first; the others (the cluster) only under a profile.
    services = compose["services"]
    assert next(iter(services)) == "bot" and "profiles" not in services["bot"]
    assert all("profiles" in service for name, service in services.items() if name != "bot")
    return compose


def _compose_service() -> dict[str, Any]:
    service: dict[str, Any] = _compose()["services"]["bot"]
    return service


def test_compose_builds_the_image_and_restarts_it_unless_stopped() -> None:
    service = _compose_service()
    build = service["build"]
    assert (build if isinstance(build, str) else build["context"]) == "."
    assert service["restart"] == "unless-stopped"


def test_compose_keeps_data_and_cache_in_named_volumes_and_mounts_the_corpus_read_only() -> None:
    compose = _compose()
    mounts = set(compose["services"]["bot"]["volumes"])
    named = set(compose.get("volumes") or {})
    for folder in WRITABLE:
        volume = next(m.split(":")[0] for m in mounts if m.split(":")[1] == str(folder))
        assert volume in named, f"{folder} is not on a named volume"
    assert "./corpus:/app/corpus:ro" in mounts
    assert (REPO / "corpus").is_dir()


def test_compose_takes_the_token_from_the_environment_or_an_optional_env_file() -> None:
    service = _compose_service()
    assert service["env_file"] == [{"path": ".env", "required": False}]
    environment = service["environment"]
    assert environment["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN")


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` out of the build context (Docker's rules: a pattern
    matches from the context's root, * stays within a folder, ** spans folders, a folder that
    matches takes its contents with it, the last matching line wins, ! keeps)."""
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        regex = re.escape(pattern.lstrip("!").strip("/"))
        regex = regex.replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[(.*?)\\\]", r"[\1]", regex)
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            ignored = not keep
    return ignored


def test_the_build_context_leaves_out_secrets_and_local_builds_but_keeps_what_is_copied() -> None:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "data/newsqa.sqlite3",
        ".cache/newsqa/index",
        "bot/search/_kernel.c",
        "bot/search/_words.c",
        "bot/search/_kernel.cpython-311-x86_64-linux-gnu.so",
        "bot/__pycache__/cli.cpython-311.pyc",
    ):
        assert _ignored(path, patterns), f"the build context would carry {path}"
    copied = [
        source.rstrip("/")
        for keyword, arguments in _instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
        if keyword == "COPY" and not arguments.startswith("--from=")
        for source in arguments.split()[:-1]
    ]
    tracked = subprocess.run(
        ["git", "ls-files", "--", *copied], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "bot/search/_kernel.pyx" in tracked and "config/bot.toml" in tracked
    left_out = [path for path in tracked if _ignored(path, patterns)]
    assert not left_out, f".dockerignore leaves out files the build copies: {left_out}"

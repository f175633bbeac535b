"""The Dockerfile and pyproject agree with the repository (no Docker engine runs here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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

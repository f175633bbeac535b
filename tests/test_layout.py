"""The package's layers, as the folder tree shows them, stay apart (ast over bot/)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
LINE_LIMIT = 400


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_only_the_discord_layer_imports_discord() -> None:
    for path in modules_under(BOT):
        if (BOT / "discord") in path.parents:
            continue
        found = {m for m in imported_modules(path) if m == "discord" or m.startswith("discord.")}
        assert not found, f"{path.relative_to(BOT)} imports {found}"


def test_the_search_layer_imports_no_answer_policy_storage_or_discord() -> None:
    for path in modules_under(BOT / "search"):
        found = {
            m
            for m in imported_modules(path)
            if m.split(".")[:2] in (["bot", "qa"], ["bot", "store"], ["bot", "discord"])
            or m in {"bot.pipeline", "bot.cli", "bot.render"}
        }
        assert not found, f"{path.relative_to(BOT)} imports {found}"


def test_no_module_is_over_the_line_limit() -> None:
    for path in [*modules_under(BOT), *sorted(BOT.rglob("*.pyx"))]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= LINE_LIMIT, f"{path.relative_to(BOT)} has {lines} lines"


def test_the_command_line_starts_without_the_answer_policy_or_the_cluster() -> None:
    # `python -m bot index` (a build job) needs neither: they are imported when used.
    found = subprocess.run(
        [sys.executable, "-c", "import sys, bot.cli; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=BOT.parent,
    ).stdout.split()
    late = ("bot.qa", "bot.render", "bot.cluster", "bot.discord", "discord")
    assert not [name for name in found if name.startswith(late)]

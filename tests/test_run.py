"""`python -m bot run` without a token: one helpful line, no traceback, no Discord."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_a_token_explains_how_to_set_one() -> None:
    for args in (("run",), ()):
        result = run_cli(*args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        [line] = result.stderr.strip().splitlines()
        assert "DISCORD_TOKEN" in line and "python -m bot ask" in line


def test_the_token_is_never_printed_with_a_settings_error() -> None:
    result = run_cli("run", DISCORD_TOKEN="super-secret-token-value", TOP_K="0")
    assert result.returncode == 2
    assert "top_k" in result.stderr
    assert "super-secret-token-value" not in result.stderr + result.stdout

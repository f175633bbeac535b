"""Helpers the Discord tests share: test settings, the world a test bot runs in, what it sent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import simcord

from bot import Settings

REPO = Path(__file__).resolve().parents[2]


def make_settings(corpus_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: the given corpus, a database beside it, no cooldown, global sync,
    nothing from the host."""
    values: dict[str, object] = {
        "corpus_dir": corpus_dir,
        "database_path": corpus_dir.parent / "newsqa.sqlite3",
        "answer_in_thread": False,
        "discord_token": None,
        "guild_ids": [],
        "watch_channel_ids": [],
        "admin_role_ids": [],
        "question_cooldown_seconds": 0,
        "sync_commands": True,
        "message_content_intent": True,
        # The cluster's timers never come due in a test (simcord's clock only moves when
        # a test says so); the cluster still registers and runs every reload.
        "heartbeat_seconds": 3600,
        "cluster_poll_seconds": 3600,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor
    admin: simcord.MemberActor
    admin_role: simcord.RoleHandle


def requests_to(env: simcord.Env, method: str, path_part: str) -> list[simcord.HttpLogEntry]:
    """The REST calls the bot made, filtered, oldest first."""
    return [r for r in env.http_requests if r.method == method and path_part in r.path]


def sent_bodies(env: simcord.Env) -> list[dict[str, object]]:
    """Bodies of every message the bot sent or edited with text or embeds: channel messages,
    replies, direct messages, edits, interaction responses and followups."""
    bodies: list[dict[str, object]] = []
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if body is None or request.method not in {"POST", "PATCH"}:
            continue
        if "/interactions/" in request.path:
            body = body.get("data") if isinstance(body.get("data"), dict) else None
        elif "/messages" not in request.path and "/webhooks/" not in request.path:
            continue
        if body is not None and ("content" in body or "embeds" in body):
            bodies.append(body)
    return bodies

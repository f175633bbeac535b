"""Slash commands are synced in setup_hook: per guild when guilds are listed, else globally."""

from __future__ import annotations

import pytest

from bot import create_bot
from bot.discord.client import StartupError
from tests.discord.helpers import World, make_settings, requests_to


async def test_commands_sync_globally_by_default(world: World) -> None:
    syncs = requests_to(world.env, "PUT", "/commands")
    assert [r.path for r in syncs] == [f"/applications/{world.env.bot.application_id}/commands"]
    assert {c["name"] for c in syncs[0].json} == {"ask", "sources", "source", "reload"}


async def test_commands_sync_to_the_listed_guilds(world: World) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, guild_ids=[world.guild.id])
    await world.env.restart_bot(create_bot(settings))

    guild_sync = f"/applications/{world.env.bot.application_id}/guilds/{world.guild.id}/commands"
    assert [r.path for r in requests_to(world.env, "PUT", guild_sync)] == [guild_sync]
    result = await world.alice.slash(world.channel, "ask", question="who led the delegation?")
    assert result.response.embeds


async def test_syncing_can_be_turned_off(world: World) -> None:
    before = len(requests_to(world.env, "PUT", "/commands"))
    settings = make_settings(world.env.bot.settings.corpus_dir, sync_commands=False)
    await world.env.restart_bot(create_bot(settings))
    assert len(requests_to(world.env, "PUT", "/commands")) == before


async def test_a_listed_guild_that_refuses_commands_stops_start_up_in_one_line(
    world: World,
) -> None:
    settings = make_settings(world.env.bot.settings.corpus_dir, guild_ids=[world.guild.id])
    world.env.inject_error(
        "PUT", "/applications/*/guilds/*/commands", status=403, code=50001, message="Missing Access"
    )

    with pytest.raises(StartupError) as raised:
        await world.env.restart_bot(create_bot(settings))

    message = str(raised.value)
    assert f"cannot sync commands to guild {world.guild.id} (Missing Access)" in message
    assert "applications.commands" in message and "\n" not in message

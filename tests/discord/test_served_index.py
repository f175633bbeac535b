"""A bot started over an unchanged corpus serves the index its cache holds, documents
included (`bot.corpus.DocumentTable`), and users see what a bot that read the files shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot import create_bot
from bot.corpus import DocumentTable
from tests.discord.helpers import REPO, World, make_settings

LONG_AGO = 1_600_000_000_000_000_000  # 2020: files the cache may trust by size and time


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", folder)
    for path in folder.iterdir():
        os.utime(path, ns=(LONG_AGO, LONG_AGO))
    return folder


async def what_users_see(world: World) -> list[Any]:
    seen: list[Any] = []
    for question in ("who led the Chinese delegation?", "Who wrote the DOD News article?"):
        result = await world.alice.slash(world.channel, "ask", question=question)
        seen.append([embed.to_dict() for embed in result.response.embeds])
    listed = await world.alice.slash(world.channel, "sources")
    seen.append([embed.to_dict() for embed in listed.response.embeds])
    shown = await world.alice.slash(
        world.channel, "source", document="pentagon-officials-host-chinese-counterparts"
    )
    seen.append([embed.to_dict() for embed in shown.response.embeds])
    seen.append(await world.alice.autocomplete(world.channel, "source", "document", "pentagon"))
    return seen


async def test_a_bot_served_from_the_cache_shows_what_one_that_read_the_files_shows(
    world: World, corpus_dir: Path
) -> None:
    assert not isinstance(world.env.bot.index.documents, DocumentTable)  # it read the files
    read = await what_users_see(world)
    assert all(read)
    served_bot = create_bot(make_settings(corpus_dir))
    await world.env.restart_bot(served_bot)
    assert isinstance(served_bot.index.documents, DocumentTable)  # no file was read
    assert await what_users_see(world) == read

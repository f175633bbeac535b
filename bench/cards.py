"""Every kind of message the bot sends, rendered as Discord shows it, to PNG files.

    python -m bench.cards [--out cards] [--chromium /usr/bin/chromium]

Runs the real bot over a copy of the bundled corpus in simcord's in-memory Discord, makes
it send each message a user can meet (answer, private answer, decline, empty question,
More, Context, vote, /sources first and later page, /source, /reload success and
failure, cooldown) and screenshots each with simcord's Preview in headless Chromium.
Look at every PNG before changing how a message reads. Needs `simcord[screenshot]`
(the bench extra) and a Chromium (Debian: apt-get install chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import simcord
from simcord.preview import _capture

from bench.common import ROOT
from bot import Settings, create_bot
from bot.discord.client import QABot
from tests.discord.helpers import make_settings

log = logging.getLogger(__name__)

QUESTION = "who led the Chinese delegation?"
# This machine's network is closed: without these, Chromium keeps trying to reach Google.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def use_chromium(executable: str) -> None:
    """Make simcord's managed capture launch `executable` (Playwright's own browser
    download is not reachable here)."""

    async def ensure_browser(self: Any) -> Any:
        if self._browser is None:
            from playwright.async_api import async_playwright

            self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS)
            )
        return self._browser

    _capture.ManagedCapture._ensure_browser = ensure_browser  # type: ignore[method-assign]


def bench_settings(corpus: Path, **overrides: object) -> Settings:
    """The Discord tests' settings (the cards show what those tests drive), with the cache
    and database beside the corpus."""
    where = {"cache_dir": corpus.parent / "cache", "database_path": corpus.parent / "cards.sqlite3"}
    return make_settings(corpus, **{**where, **overrides})


async def render_all(out: Path, work: Path, *, cooldown: bool = False) -> list[Path]:
    """Send every message kind and screenshot each into `out`; the PNGs written."""
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = bench_settings(corpus, question_cooldown_seconds=30 if cooldown else 0)
    bot = create_bot(settings)
    written: list[Path] = []
    async with simcord.run(bot) as env:
        assert isinstance(env.bot, QABot)
        me = env.bot.user
        assert me is not None
        guild = env.create_guild("News")
        channel = guild.create_text_channel("news")
        alice = guild.add_member(env.create_user("alice"))
        role = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
        admin = guild.add_member(env.create_user("boss"), roles=[role])
        async with env.preview(channel, viewers=[alice, admin], width=900, height=1600) as preview:

            async def shot(name: str, target: Any, viewer: Any = alice) -> None:
                path = out / f"{name}.png"
                await preview.screenshot(path, viewer=viewer, target=target, allow_incomplete=True)
                written.append(path)
                log.info("wrote %s", path)

            if cooldown:
                await alice.slash(channel, "ask", question=QUESTION)
                await shot("cooldown", await alice.slash(channel, "ask", question="who met?"))
                return written

            await alice.send(channel, f"<@{me.id}> {QUESTION}")
            answer = channel.last_message
            await shot("answer", answer)

            private = await alice.slash(channel, "ask", question=QUESTION, private=True)
            await shot("answer-private", private)

            public_ask = await alice.slash(
                channel, "ask", question="when were the talks last held?"
            )
            await shot("answer-ask", public_ask)

            decline = await alice.slash(channel, "ask", question="What is the capital of Peru?")
            await shot("decline", decline)
            near = await alice.slash(
                channel, "ask", question="When did the delegation eat pancakes?"
            )
            await shot("decline-closest", near)

            await alice.send(channel, f"<@{me.id}>")
            await shot("empty-question", channel.last_message)

            missing = await alice.slash(channel, "ask", question="Who won the 2022 World Cup?")
            await shot("decline-missing", missing)
            byline = await alice.slash(channel, "ask", question="Who wrote the DOD News article?")
            await shot("answer-about", byline)
            surname = await alice.slash(
                channel, "ask", question="When did Dong assume the position?"
            )
            await shot("answer-surname", surname)

            steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                ("more", lambda: alice.click(answer, custom_id=_custom_id(answer, "more"))),
                ("context", lambda: alice.click(answer, custom_id=_custom_id(answer, "context"))),
                ("vote-up", lambda: alice.click(answer, custom_id=_custom_id(answer, "up"))),
                ("vote-down", lambda: alice.click(answer, custom_id=_custom_id(answer, "down"))),
            ]
            for name, step in steps:
                await shot(name, await step())

            listed = await alice.slash(channel, "sources", public=True)
            await shot("sources", listed)
            first_id = env.bot.index.documents[0].id
            await shot("source", await alice.slash(channel, "source", document=first_id))

            await shot("reload-success", await admin.slash(channel, "reload"), admin)
            shutil.rmtree(corpus)
            await shot("reload-failure", await admin.slash(channel, "reload"), admin)
    return written


def _custom_id(message: Any, action: str) -> str:
    for row in message.components:
        for child in row.children:
            custom_id = getattr(child, "custom_id", None) or ""
            if custom_id.startswith(f"answer:{action}:"):
                return str(custom_id)
    raise LookupError(f"no {action} button under the answer")


async def render_pages(out: Path, work: Path, articles: int = 23) -> list[Path]:
    """/sources over a corpus of several pages: its first and a later page."""
    corpus = work / "many"
    corpus.mkdir()
    for number in range(1, articles + 1):
        (corpus / f"article-{number:02d}.md").write_text(
            f'---\ntitle: "Talks resume, part {number}"\npublisher: "Example News"\n'
            f'published: "2024-01-{number:02d}"\nurl: "https://example.com/{number}"\n---\n'
            f"Officials met for round {number} of the talks in Geneva this week. "
            f"Jane Doe of Example News said {number * 10} delegates took part.\n",
            encoding="utf-8",
        )
    settings = bench_settings(corpus, database_path=work / "many.sqlite3")
    written: list[Path] = []
    async with simcord.run(create_bot(settings)) as env:
        guild = env.create_guild("News")
        channel = guild.create_text_channel("news")
        alice = guild.add_member(env.create_user("alice"))
        async with env.preview(channel, viewers=[alice], width=900) as preview:
            dated = await alice.slash(channel, "ask", question="how many delegates took part?")
            path = out / "answer-dated.png"
            await preview.screenshot(path, viewer=alice, target=dated, allow_incomplete=True)
            written.append(path)
            listed = await alice.slash(channel, "sources")
            path = out / "sources-first-page.png"
            await preview.screenshot(path, viewer=alice, target=listed, allow_incomplete=True)
            written.append(path)
            later = await alice.click(listed.response, label="Next")
            path = out / "sources-later-page.png"
            await preview.screenshot(path, viewer=alice, target=later, allow_incomplete=True)
            written.append(path)
    return written


async def main_async(out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        written = await render_all(out, work / "one")
        written += await render_all(out, work / "two", cooldown=True)
        written += await render_pages(out, work)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("cards"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    use_chromium(args.chromium)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(main_async(args.out)):
        print(path)


if __name__ == "__main__":
    main()

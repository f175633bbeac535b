"""Answer time inside the bot, as it logs it (message received to reply sent).

    python bench/bot_latency.py [--bbc ../shared/data/bbc-news]

Runs the real bot against simcord's in-memory Discord (no network), asks every
question of ../shared/qa/dev.json by mentioning the bot, and reads the `ms=`
figure from the bot's own "answered" log lines. Prints median and worst for the
bundled corpus and the BBC corpus.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from pathlib import Path

import simcord

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BBC, DEV_SET, dev_questions, median_worst  # noqa: E402
from bot import Settings, create_bot  # noqa: E402


class AnswerTimes(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.ms: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if found := re.search(r"\bms=([\d.]+)", record.getMessage()):
            self.ms.append(float(found.group(1)))


async def measure(name: str, folder: Path, questions: list[str]) -> None:
    settings = Settings(corpus_dir=folder, question_cooldown_seconds=0, guild_ids=[])
    times = AnswerTimes()
    ask_log = logging.getLogger("bot.discord.ask")
    ask_log.addHandler(times)
    ask_log.setLevel(logging.INFO)
    ask_log.propagate = False  # keep the per-question lines off the terminal
    try:
        async with simcord.run(create_bot(settings), settle_timeout=30) as env:
            guild = env.create_guild("bench")
            channel = guild.create_text_channel("questions")
            member = guild.add_member(env.create_user("asker"))
            for question in questions:
                await member.send(channel, f"<@{env.bot.user.id}> {question}")
    finally:
        ask_log.removeHandler(times)
    assert len(times.ms) == len(questions), "every question answered and logged"
    print(f"{name:8} {len(questions)} questions: {median_worst(times.ms)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bbc", type=Path, default=BBC)
    parser.add_argument("--qa", type=Path, default=DEV_SET)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    questions = dev_questions(args.qa)
    asyncio.run(measure("bundled", ROOT / "corpus", questions))
    asyncio.run(measure("bbc", args.bbc, questions))
    return 0


if __name__ == "__main__":
    sys.exit(main())

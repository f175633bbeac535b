"""The command line: `run` the bot, `ask` a question, list `sources`, `check` the corpus.

This is the only module that prints; everything else logs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.corpus import CorpusError
from bot.pipeline import LoadedCorpus, ask, load_index
from bot.render import answer_to_json, render_text
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import Storage

log = logging.getLogger(__name__)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about a corpus of news articles with cited quotes.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="start the Discord bot (the default)")

    corpus_option = argparse.ArgumentParser(add_help=False)
    corpus_option.add_argument(
        "--corpus", type=Path, metavar="DIR", help="use this folder instead of the configured one"
    )

    ask_parser = commands.add_parser(
        "ask", parents=[corpus_option], help="answer a question from the corpus"
    )
    ask_parser.add_argument("question", nargs="*", help="the question (quotes optional)")
    ask_parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON; with no question, answer each line of standard input (JSON Lines)",
    )
    ask_parser.add_argument("-k", type=_positive_int, metavar="N", help="how many passages")

    sources_parser = commands.add_parser(
        "sources", parents=[corpus_option], help="list the documents in the corpus"
    )
    sources_parser.add_argument("--json", action="store_true", help="print JSON")

    commands.add_parser(
        "check", parents=[corpus_option], help="check the settings and the corpus, report problems"
    )

    feedback_parser = commands.add_parser("feedback", help="votes on the bot's answers")
    feedback_parser.add_argument(
        "action",
        choices=["stats", "export"],
        help="stats: votes by document and corpus version; export: answers as JSON Lines",
    )
    feedback_parser.add_argument("--json", action="store_true", help="stats as JSON")
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"

    overrides: dict[str, object] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus_dir"] = args.corpus
    try:
        settings = load_settings(**overrides)
    except SettingsError as error:
        return _fail(str(error))

    # The CLI's own output goes to stdout; log lines (skipped files, warnings) to stderr.
    cli_level = settings.log_level if command == "run" else "WARNING"
    logging.basicConfig(level=cli_level, format="%(levelname)s %(name)s: %(message)s")

    if command == "run":
        return _run(settings)
    if command == "check":
        return _check(settings, sys.stdout)
    if command == "feedback":
        return _feedback(settings, args.action, as_json=args.json, out=sys.stdout)
    if command == "ask" and not args.question and not args.json:
        return _fail("ask needs a question, or --json to read questions from standard input")
    try:
        loaded = load_index(settings)
    except CorpusError as error:
        return _fail(str(error), EXIT_PROBLEMS)
    if command == "sources":
        return _sources(loaded, as_json=args.json, out=sys.stdout)
    return _ask(loaded, settings, args, sys.stdin, sys.stdout)


def _run(settings: Settings) -> int:
    if settings.discord_token is None:
        return _fail(
            "no Discord token: set DISCORD_TOKEN in the environment or in .env "
            "(see config/.env.example); to try the bot locally, run "
            'python -m bot ask "who led the Chinese delegation?"'
        )
    from bot.discord.client import run_bot  # discord is imported only when the bot runs

    try:
        run_bot(settings)
    except CorpusError as error:
        return _fail(str(error), EXIT_PROBLEMS)
    return EXIT_OK


def _ask(
    loaded: LoadedCorpus, settings: Settings, args: argparse.Namespace, stdin: TextIO, out: TextIO
) -> int:
    question = " ".join(args.question)
    if question or not args.json:
        answer = ask(loaded.index, question, settings, k=args.k)
        text = json.dumps(answer_to_json(answer), ensure_ascii=False) if args.json else None
        print(text if text is not None else render_text(answer), file=out)
        return EXIT_OK
    # JSON Lines: one answer per input line, the corpus loaded once.
    for line in stdin:
        answer = ask(loaded.index, line.rstrip("\n"), settings, k=args.k)
        print(json.dumps(answer_to_json(answer), ensure_ascii=False), file=out, flush=True)
    return EXIT_OK


def _sources(loaded: LoadedCorpus, *, as_json: bool, out: TextIO) -> int:
    index = loaded.index
    rows = [
        {
            "id": document.id,
            "title": document.title,
            **document.metadata(),
            "sentences": len(index.sentences_of(document.id)),
        }
        for document in index.documents
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    for row in rows:
        publisher = f" ({row['publisher']})" if "publisher" in row else ""
        print(f"{row['id']}: {row['title']}{publisher}, {row['sentences']} sentences", file=out)
    print(f"{len(rows)} documents, {len(index.sentences)} sentences", file=out)
    return EXIT_OK


def _check(settings: Settings, out: TextIO) -> int:
    print(f"settings: ok (corpus_dir = {settings.corpus_dir})", file=out)
    try:
        loaded = load_index(settings)
    except CorpusError as error:
        print(f"corpus: {error}", file=out)
        return EXIT_PROBLEMS
    for problem in loaded.corpus.skipped:
        print(f"{problem.path}: {problem.reason}", file=out)
    index = loaded.index
    print(
        f"corpus: {len(index.documents)} documents, {len(index.sentences)} sentences, "
        f"{len(loaded.corpus.skipped)} skipped, version {index.version} "
        f"({loaded.seconds:.2f} s)",
        file=out,
    )
    return EXIT_PROBLEMS if loaded.corpus.skipped else EXIT_OK


def _feedback(settings: Settings, action: str, *, as_json: bool, out: TextIO) -> int:
    path = settings.database_path
    if not path.exists():
        return _fail(f"no feedback yet: {path} does not exist (the bot creates it)", EXIT_PROBLEMS)
    try:
        storage = Storage.open(path)
    except sqlite3.DatabaseError as error:
        return _fail(f"cannot read {path}: {error}", EXIT_PROBLEMS)
    try:
        if action == "export":
            for record in storage.export():
                print(json.dumps(record, ensure_ascii=False), file=out)
            return EXIT_OK
        stats = storage.stats()
    finally:
        storage.close()
    if as_json:
        print(json.dumps(stats, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    for title, key, rows in (
        ("By document", "document_id", stats["by_document"]),
        ("By corpus version", "corpus_version", stats["by_corpus_version"]),
    ):
        print(f"{title}:", file=out)
        for row in rows:
            print(
                f"  {row[key]}: {row['answers']} answers, {row['up']} up, {row['down']} down",
                file=out,
            )
        if not rows:
            print("  (none)", file=out)
    return EXIT_OK

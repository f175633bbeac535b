"""The command line: `run` the bot, `ask` a question, list `sources`, `check` the corpus.
This is the only module that prints; everything else logs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from bot.corpus import CorpusError, SkippedFile
from bot.pipeline import LoadedCorpus, ask, bm25_params, load_index, verify_cache
from bot.progress_display import shown
from bot.settings import (
    CONFIG_ENV_VAR,
    CONFIG_FILE,
    TOP_K_MAX,
    LoadedSettings,
    Settings,
    SettingsError,
    load_settings,
)
from bot.store.database import sqlite_path
from bot.store.storage import StorageError, open_storage, storage_url

log = logging.getLogger(__name__)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
# Questions `check --verify` takes from the corpus: enough to reach most terms of a small
# corpus, few enough that rank-bm25 scores them in seconds on a large one.
VERIFY_QUESTIONS = 200
EXIT_BROKEN_PIPE = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


def _passage_count(text: str) -> int:
    """`-k`: capped like the top_k setting, so a huge N is a usage error, not a long search."""
    shown = text if len(text) <= 20 else text[:20] + "..."
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {shown!r}") from None
    if not 1 <= value <= TOP_K_MAX:
        raise argparse.ArgumentTypeError(f"must be from 1 to {TOP_K_MAX}: {shown}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about a corpus of news articles with cited quotes.",
    )
    config_help = (
        f"read settings from this TOML file instead of {CONFIG_FILE} "
        f"(also: the {CONFIG_ENV_VAR} environment variable)"
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help=config_help)
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting it to None.
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument(
        "--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help=config_help
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", parents=[config_option], help="start the Discord bot (the default)")

    corpus_option = argparse.ArgumentParser(add_help=False, parents=[config_option])
    # A string, not a Path: Path("") would be the working directory, and settings reject "".
    corpus_option.add_argument(
        "--corpus", metavar="DIR", help="use this folder instead of the configured one"
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
    ask_parser.add_argument(
        "-k", type=_passage_count, metavar="N", help=f"how many passages (1 to {TOP_K_MAX})"
    )

    sources_parser = commands.add_parser(
        "sources", parents=[corpus_option], help="list the documents in the corpus"
    )
    sources_parser.add_argument("--json", action="store_true", help="print JSON")

    check_parser = commands.add_parser(
        "check", parents=[corpus_option], help="check the settings and the corpus, report problems"
    )
    check_parser.add_argument(
        "--verify",
        action="store_true",
        help=f"also score {VERIFY_QUESTIONS} questions taken from the corpus with rank-bm25's "
        "BM25Okapi and check the index gives the same scores and top 10",
    )

    commands.add_parser(
        "index",
        parents=[corpus_option],
        help="build the corpus's index into cache_dir and exit (a build job before the bot starts)",
    )

    feedback_parser = commands.add_parser(
        "feedback", parents=[config_option], help="votes on the bot's answers"
    )
    feedback_parser.add_argument(
        "action",
        choices=["stats", "export"],
        help="stats: votes by document and corpus version; export: answers as JSON Lines",
    )
    feedback_parser.add_argument("--json", action="store_true", help="stats as JSON")
    cluster_parser = commands.add_parser(
        "cluster", parents=[config_option], help="list the bot processes sharing the database"
    )
    cluster_parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, so that a reader gone away is caught below
    except BrokenPipeError:
        # `ask ... | head -1`: the reader has what it wanted; stop quietly, like other tools.
        # Later writes (and the flush at exit) go to /dev/null instead of raising again.
        with suppress(OSError, ValueError):  # stdout is not a real file (tests)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"

    overrides: dict[str, object] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus_dir"] = args.corpus
    try:
        loaded = load_settings(config_file=args.config, **overrides)
    except SettingsError as error:
        return _fail(str(error))
    settings = loaded.settings

    # The CLI's own output goes to stdout; log lines (skipped files, warnings) to stderr.
    cli_level = settings.log_level if command == "run" else "WARNING"
    logging.basicConfig(level=cli_level, format="%(levelname)s %(name)s: %(message)s")
    if loaded.config_file is None:
        log.info(
            "no %s in %s: settings from the environment and .env only", CONFIG_FILE, Path.cwd()
        )
    if command != "check":  # check prints them as problems
        for warning in loaded.warnings:
            log.warning("%s", warning)

    if command == "run":
        return _run(loaded)
    if command == "check":
        return _check(loaded, sys.stdout, verify_scores=args.verify)
    if command == "index":
        return _index(loaded, sys.stdout)
    if command == "feedback":
        return _feedback(settings, args.action, as_json=args.json, out=sys.stdout)
    if command == "cluster":
        return _cluster(settings, as_json=args.json, out=sys.stdout)
    if command == "ask" and not args.question and not args.json:
        return _fail("ask needs a question, or --json to read questions from standard input")
    try:
        with _corpus_warnings_reported_here():
            corpus = load_index(settings)
    except CorpusError as error:
        code = _fail(_describe_corpus_error(error, loaded), EXIT_PROBLEMS)
        _print_skipped(error.skipped, sys.stderr)
        return code
    _print_skipped(corpus.corpus.skipped, sys.stderr)
    if command == "sources":
        return _sources(corpus, as_json=args.json, out=sys.stdout)
    return _ask(corpus, settings, args, sys.stdin, sys.stdout)


@contextmanager
def _corpus_warnings_reported_here() -> Iterator[None]:
    """The CLI prints what a load skipped itself, once; the corpus's own warning for each
    file would repeat it (on stderr, before the error it explains)."""
    corpus_log = logging.getLogger("bot.corpus")
    level = corpus_log.level
    corpus_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        corpus_log.setLevel(level)


def _print_skipped(
    skipped: Sequence[SkippedFile], out: TextIO, *, prefix: str = "skipped "
) -> None:
    for problem in skipped:
        print(f"{prefix}{problem.path}: {problem.reason}", file=out)


def _describe_corpus_error(error: CorpusError, loaded: LoadedSettings) -> str:
    """The error, and where the folder was looked for when it is not there: a relative
    corpus_dir is relative to the working directory, which may not be the repository."""
    message = str(error)
    folder = loaded.settings.corpus_dir
    if folder.is_dir():
        return message
    notes = []
    if not folder.is_absolute():
        notes.append(f"looked in {folder.absolute()}")
    if loaded.config_file is None:
        notes.append(
            f"{CONFIG_FILE} was not found in the working directory: start from the folder "
            f"that holds it, or name a settings file with --config FILE or {CONFIG_ENV_VAR}"
        )
    return f"{message} ({'; '.join(notes)})" if notes else message


def _run(loaded: LoadedSettings) -> int:
    settings = loaded.settings
    if settings.discord_token is None:
        return _fail(
            "no Discord token: set DISCORD_TOKEN in the environment or in .env "
            "(see config/.env.example); to try the bot locally, run "
            'python -m bot ask "who led the Chinese delegation?"'
        )
    # discord is imported only when the bot runs
    from bot.discord.client import StartupError, run_bot

    try:
        run_bot(settings)
    except CorpusError as error:
        return _fail(_describe_corpus_error(error, loaded), EXIT_PROBLEMS)
    except (StorageError, StartupError) as error:
        return _fail(str(error), EXIT_PROBLEMS)
    return EXIT_OK


def _ask(
    loaded: LoadedCorpus, settings: Settings, args: argparse.Namespace, stdin: TextIO, out: TextIO
) -> int:
    from bot.render import answer_to_json, render_text  # `index` and `check` start sooner

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


def _check(loaded: LoadedSettings, out: TextIO, *, verify_scores: bool = False) -> int:
    settings = loaded.settings
    count = len(loaded.warnings)
    status = f"{count} problem{'s' if count > 1 else ''}" if count else "ok"
    print(f"settings: {status} (corpus_dir = {settings.corpus_dir})", file=out)
    for warning in loaded.warnings:
        print(f"settings: {warning}", file=out)
    damage = verify_cache(settings) if verify_scores else None
    if damage is not None:
        print(f"cache: the stored index is damaged ({damage}); building it again", file=out)
    try:
        corpus = _load_showing_progress(settings)
    except CorpusError as error:
        print(f"corpus: {_describe_corpus_error(error, loaded)}", file=out)
        _print_skipped(error.skipped, out, prefix="")
        return EXIT_PROBLEMS
    _print_skipped(corpus.corpus.skipped, out, prefix="")
    index = corpus.index
    print(
        f"corpus: {len(index.documents)} documents, {len(index.sentences)} sentences, "
        f"{len(corpus.corpus.skipped)} skipped, version {index.version} "
        f"({corpus.seconds:.2f} s)",
        file=out,
    )
    problems = bool(corpus.corpus.skipped or loaded.warnings or damage)
    if verify_scores:
        from bot.search.verify import sample_questions, verify

        questions = sample_questions(index, VERIFY_QUESTIONS, seed=0)
        verification = verify(index, bm25_params(settings), questions, k=10)
        print(verification.summary(), file=out)
        for question in verification.disagreeing[:5]:
            print(f"verify: disagrees on {question!r}", file=out)
        problems = problems or not verification.agrees
    return EXIT_PROBLEMS if problems else EXIT_OK


def _load_showing_progress(settings: Settings) -> LoadedCorpus:
    """`load_index`, with its progress on stderr (a bar on a terminal, else log lines)."""
    logging.getLogger("bot.progress_display").setLevel(logging.INFO)
    with _corpus_warnings_reported_here(), shown(sys.stderr) as progress:
        return load_index(settings, progress)


def _index(loaded: LoadedSettings, out: TextIO) -> int:
    try:
        corpus = _load_showing_progress(loaded.settings)
    except CorpusError as error:
        code = _fail(_describe_corpus_error(error, loaded), EXIT_PROBLEMS)
        _print_skipped(error.skipped, sys.stderr)
        return code
    _print_skipped(corpus.corpus.skipped, sys.stderr)
    index, stats = corpus.index, corpus.cache
    how = "from the cache" if stats is not None and stats.index_from_cache else "built"
    print(
        f"index {how}: {len(index.documents)} documents, {len(index.sentences)} sentences, "
        f"{len(corpus.corpus.skipped)} skipped, version {index.version} ({corpus.seconds:.2f} s), "
        f"in {loaded.settings.cache_dir}",
        file=out,
    )
    return EXIT_OK


def _feedback(settings: Settings, action: str, *, as_json: bool, out: TextIO) -> int:
    try:
        url = storage_url(settings)
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return _fail(
                f"no feedback yet: {path} does not exist (the bot creates it)", EXIT_PROBLEMS
            )
        storage = open_storage(url, read_only=True)  # the bot may be running on it
        try:
            if action == "export":
                for record in storage.export():
                    print(json.dumps(record, ensure_ascii=False), file=out)
                return EXIT_OK
            stats = storage.stats()
        finally:
            storage.close()
    except StorageError as error:
        return _fail(str(error), EXIT_PROBLEMS)
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


def _cluster(settings: Settings, *, as_json: bool, out: TextIO) -> int:
    from bot.cluster.listing import listing  # only this command needs it: others start sooner

    try:
        text, flagged = listing(storage_url(settings), as_json=as_json)
    except StorageError as error:
        return _fail(str(error), EXIT_PROBLEMS)
    print(text, file=out)
    return EXIT_PROBLEMS if flagged else EXIT_OK  # a live process that serves another version

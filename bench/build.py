"""Cold build: how long the bot takes to build its index from nothing, how much memory
that takes, and tantivy beside it, on three corpora in one run.

    .venv/bin/pip install -e ".[test,bench]" && .venv/bin/python bench/build.py
    .venv/bin/python bench/build.py --sentences 100000   # a quicker run

Options: --work DIR (default /tmp/newsqa-build-bench) keeps the generated corpus, which is
made once and reused (it is deterministic); --sentences N caps its size (default
1,000,000); --rounds N repeats every timing and reports the median (default 1).

The corpora:

- bundled: the repository's own corpus/ folder;
- BBC: the BBC news corpus (../shared/data/bbc-news), one article per file;
- news: a generated archive written as ONE JSON Lines file, an article a line ({"title",
  "text"}, paragraphs separated by a blank line). Its articles are the BBC's, over and
  over in a shuffled order, so article, paragraph and sentence sizes are the BBC's, with
  a share of their words swapped for other BBC words of the same kind (capitalised,
  all capitals, number of the same length, lower case with the same last two letters).
  Punctuation and capitals stay, so sentence splitting has real work; words next to a
  full stop or an apostrophe are kept, so abbreviations, decimals and sentence ends are
  the BBC's own. Real archives keep meeting new words (names, places, figures), so
  where the dump has fewer distinct words than Heaps' law fitted on the BBC predicts
  for its length, a swapped name, acronym or number becomes a new one of the same kind
  (the start of one word and the end of another; digits at random). Drawn and coined
  words are put back in their pool, so they recur as words of an archive do. Sentences
  are counted by a regex (a capital after . ! or ?), so the bot's own count differs a
  little.

Every figure is of whole processes (interpreter start, imports and reading included),
each run once per round on this shared machine:

- sentences: what the bot reports it indexed;
- cold s: `python -m bot index --corpus DIR` with an empty cache folder (`python -m bot
  check`, which loads the same index, where `index` does not exist yet), given as
  CACHE_DIR and NEWSQA_CACHE_DIR (for the dump also MAX_ARTICLE_BYTES=5000000, and
  MAX_FILE_BYTES=100000000000 where the bot has no per-article limit yet);
- warm s: the same command again with the cache the cold build left;
- cold MB, warm MB: the peak of the summed resident memory of the process and all its
  children (the build's workers), sampled every 20 ms. Pages a worker shares with the
  parent count once per process, so this is an upper bound. The warm peak is the
  memory of the finished index as it is served;
- cold/warm: cold MB / warm MB;
- cache MB: what the cold build wrote into the cache folder;
- tantivy s: a process (this script with --tantivy-index) that reads the same paragraphs
  (the text after the title, cut at blank lines; for the JSON Lines file each line's
  text cut at blank lines), adds each as a document with the text stored and the
  `en_stem` tokenizer to an index in memory, commits and exits; inside s: its adding and
  committing alone, timed inside that process; tantivy MB: its peak, measured as ours;
- ours/tantivy: cold s / tantivy s.

Targets: BBC ours/tantivy <= 4; news (at 1,000,000 sentences) cold/warm <= 1.5.

Last, the splitter comparison of bench/splitters.py, when that file is there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# No bot import at the top: the tantivy process runs this file, and its time should not
# include loading the bot's analyzer.
ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared/data/bbc-news"
CORPUS = ROOT / "corpus"
WORK = Path("/tmp/newsqa-build-bench")
sys.path.insert(0, str(ROOT))  # for bench.splitters, as bench/scale.py imports bench.common

SAMPLE_SECONDS = 0.020
SEED = 20240601
# Changing how the dump is made changes its folder's name, so an old dump is not reused.
GENERATOR_VERSION = 1
SWAP_SHARE = 0.3
COIN_TRIES = 4
# New words of an archive are mostly names, acronyms and figures.
COINED_SHAPES = frozenset({"title", "upper", "digits"})
VOWELS = frozenset("aeiouyAEIOUY")
# Limits for the dump, which is one big file: an article's bytes, and where the bot has no
# per-article limit yet, a per-file one that lets the file through.
ARTICLE_LIMIT = {"MAX_ARTICLE_BYTES": "5000000"}
FILE_LIMIT = {"MAX_FILE_BYTES": "100000000000"}
TARGET_TANTIVY_RATIO = 4.0
TARGET_PEAK_RATIO = 1.5
TARGET_SENTENCES = 1_000_000

WORD_SPLIT = re.compile(r"([A-Za-z]+|[0-9]+)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
INDEXED = re.compile(r"([\d,]+) documents, ([\d,]+) sentences")


# --- the generated archive ---------------------------------------------------------------------


def read_bbc(bbc: Path) -> list[tuple[str, list[str]]]:
    """Every BBC article as (title, paragraphs), in path order; the one file that is not
    UTF-8 is read as Latin-1, which it is."""
    articles = []
    for path in sorted(bbc.rglob("*.txt")):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        title, _, body = text.strip().partition("\n")
        paragraphs = [p.strip() for p in BLANK_LINE.split(body) if p.strip()]
        if paragraphs:
            articles.append((title.strip(), paragraphs))
    return articles


def kind_of(word: str) -> tuple[str, ...] | None:
    """What a word may be swapped with: a word of the same kind, or nothing (None)."""
    if word.isdigit():
        return ("digits", str(len(word)))
    if word.islower():
        return ("lower", word[-2:])
    if word.isupper():
        return ("upper",)
    if word[0].isupper() and word[1:].islower():
        return ("title",)
    return None  # McDonald, iPod: left as written


def count_sentences(paragraph: str) -> int:
    return sum(1 for piece in SENTENCE_END.split(paragraph) if WORD_SPLIT.search(piece))


def heaps_law(
    articles: list[tuple[str, list[str]]], rng: random.Random
) -> tuple[float, float, int]:
    """K and beta of distinct words = K * words ** beta, fitted on the BBC articles read in
    a random order (lower-cased words), and the word count the fit starts from: a tenth of
    the way in, as the law does not hold for the first few articles."""
    order = list(range(len(articles)))
    rng.shuffle(order)
    seen: set[str] = set()
    words = 0
    points = []
    for at in order:
        title, paragraphs = articles[at]
        for text in (title, *paragraphs):
            found = WORD_SPLIT.findall(text.lower())
            words += len(found)
            seen.update(found)
        points.append((words, len(seen)))
    fitted = points[len(points) // 10 :]
    beta, log_k = statistics.linear_regression(
        [math.log(n) for n, _ in fitted], [math.log(v) for _, v in fitted]
    )
    return math.exp(log_k), beta, fitted[0][0]


class WordSwapper:
    """Swaps a share of an article's words for words of the same kind, coining new ones
    while the text so far has fewer distinct words than Heaps' law says it should."""

    def __init__(self, articles: list[tuple[str, list[str]]], rng: random.Random) -> None:
        self.rng = rng
        # Occurrence lists: drawing an index at random draws a word by its frequency.
        self.pools: dict[tuple[str, ...], list[str]] = {}
        self.by_shape: dict[str, list[str]] = {}
        for title, paragraphs in articles:
            for text in (title, *paragraphs):
                for word in WORD_SPLIT.findall(text):
                    kind = kind_of(word)
                    if kind is not None and len(word) >= 3:
                        self.pools.setdefault(kind, []).append(word)
                        self.by_shape.setdefault(kind[0], []).append(word)
        self.heaps_k, self.heaps_beta, self.coin_from = heaps_law(articles, rng)
        self.seen: set[str] = set()
        self.words = 0
        self.coined = 0

    def target(self) -> float:
        return self.heaps_k * max(self.words, 1) ** self.heaps_beta

    def swap(self, text: str) -> str:
        parts = WORD_SPLIT.split(text)  # separators at even places, words at odd ones
        for at in range(1, len(parts), 2):
            word = parts[at]
            if len(word) < 3 or self.rng.random() >= SWAP_SHARE:
                continue
            before, after = parts[at - 1], parts[at + 1]
            # Abbreviations, decimals, addresses, sentence ends and "don't" stay as written.
            if before.endswith((".", "'", "@", "/")) or after.startswith((".", "'", "@", "/")):
                continue
            kind = kind_of(word)
            if kind is not None and kind in self.pools:
                parts[at] = self.replacement(kind)
        words = parts[1::2]
        self.words += len(words)
        self.seen.update(word.lower() for word in words)
        return "".join(parts)

    def replacement(self, kind: tuple[str, ...]) -> str:
        pool = self.pools[kind]
        word = None
        behind = self.words >= self.coin_from and len(self.seen) < self.target()
        if behind and kind[0] in COINED_SHAPES:
            word = self.coin(kind)
        if word is None:
            word = pool[int(self.rng.random() * len(pool))]
        else:
            self.seen.add(word.lower())
            self.coined += 1
        pool.append(word)  # a word used grows likelier, as a name in the news does
        return word

    def coin(self, kind: tuple[str, ...]) -> str | None:
        """A word of this kind not seen yet: a number of the same length, or the start of
        one word to a vowel and the end of another from a consonant (Harri + son)."""
        rng = self.rng
        for _ in range(COIN_TRIES):
            if kind[0] == "digits":
                length = int(kind[1])
                word = str(rng.randrange(10 ** (length - 1), 10**length))
            else:
                heads, endings = self.by_shape[kind[0]], self.pools[kind]
                head = heads[int(rng.random() * len(heads))]
                ending = endings[int(rng.random() * len(endings))]
                spoken = kind[0] != "upper"  # acronyms are cut anywhere
                cuts = [k for k in range(2, len(head)) if not spoken or head[k - 1] in VOWELS]
                joins = [
                    j for j in range(1, len(ending) - 1) if not spoken or ending[j] not in VOWELS
                ]
                if not cuts or not joins:
                    continue
                word = head[: rng.choice(cuts)] + ending[rng.choice(joins) :]
            if word.lower() not in self.seen:
                return word
        return None


def generate(bbc: Path, sentences: int, path: Path) -> dict[str, Any]:
    """Write `sentences` sentences of swapped BBC articles to one JSON Lines file."""
    rng = random.Random(SEED)
    articles = read_bbc(bbc)
    swapper = WordSwapper(articles, rng)
    written = lines = size = 0
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        while written < sentences:
            order = list(range(len(articles)))
            rng.shuffle(order)
            for at in order:
                if written >= sentences:
                    break
                title, paragraphs = articles[at]
                kept = []
                for paragraph in paragraphs:
                    text = swapper.swap(paragraph)
                    count = count_sentences(text)
                    if written + count > sentences:  # the last article ends at the cap
                        pieces = SENTENCE_END.split(text)[: sentences - written]
                        text, count = " ".join(pieces), len(pieces)
                    kept.append(text)
                    written += count
                    if written >= sentences:
                        break
                line = json.dumps(
                    {"title": swapper.swap(title), "text": "\n\n".join(kept)}, ensure_ascii=False
                )
                size += out.write(line + "\n")
                lines += 1
    partial.rename(path)  # only a finished dump is ever reused
    return {
        "sentences": written,
        "articles": lines,
        "characters": size,
        "distinct_words": len(swapper.seen),
        "heaps_target": round(swapper.target()),
        "coined": swapper.coined,
        "heaps": f"{swapper.heaps_k:.1f} * words ** {swapper.heaps_beta:.3f}",
    }


def news_dump(bbc: Path, sentences: int, work: Path) -> tuple[Path, dict[str, Any]]:
    """The dump's folder and what it holds, generated when it is not in `work` yet."""
    name = f"news-v{GENERATOR_VERSION}-{sentences}"
    folder, about = work / name, work / f"{name}.json"
    if not (folder / "news.jsonl").exists() or not about.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        facts = generate(bbc, sentences, folder / "news.jsonl")
        facts["generated_in_s"] = round(time.perf_counter() - started, 1)
        about.write_text(json.dumps(facts), encoding="utf-8")  # outside the corpus folder
        print(f"generated {folder / 'news.jsonl'} in {facts['generated_in_s']} s", flush=True)
    return folder, json.loads(about.read_text(encoding="utf-8"))


# --- tantivy, run as a process of its own -----------------------------------------------------


def paragraphs_of(folder: Path) -> list[str]:
    """The paragraphs of every article under `folder`, roughly as the bot cuts them: after
    the title (the front matter's or the first line), at blank lines. Files that are not
    UTF-8 are left out, as the bot leaves them out."""
    found = []
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    found += BLANK_LINE.split(json.loads(line)["text"])
            continue
        if suffix not in {".md", ".markdown", ".txt"}:
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
        body = text.lstrip()
        titled = False
        if body.startswith("---"):
            front, _, body = body[3:].partition("\n---")
            body = body.partition("\n")[2]
            titled = re.search(r"^title:", front, re.MULTILINE) is not None
        if not titled:
            body = body.lstrip().partition("\n")[2]
        found += BLANK_LINE.split(body)
    return [paragraph.strip() for paragraph in found if paragraph.strip()]


def tantivy_index(folder: Path) -> dict[str, Any]:
    import tantivy

    started = time.perf_counter()
    paragraphs = paragraphs_of(folder)
    read = time.perf_counter() - started
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
    index = tantivy.Index(builder.build())  # in memory
    writer = index.writer()
    for paragraph in paragraphs:
        writer.add_document(tantivy.Document(text=paragraph))
    writer.commit()
    writer.wait_merging_threads()
    return {"paragraphs": len(paragraphs), "read_s": read, "index_s": time.perf_counter() - started}


# --- measuring whole processes ------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    returncode: int
    output: str


def run_process(command: list[str], env: dict[str, str], log: Path) -> Run:
    """Run `command` to its end: its wall time, and the peak over time of the summed
    resident memory of it and all its children."""
    import psutil

    peak = 0
    done = threading.Event()

    def sample(process: psutil.Process) -> None:
        nonlocal peak
        while not done.is_set():
            try:
                members = [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for member in members:
                # A worker may end between the listing and the reading.
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += member.memory_info().rss
            peak = max(peak, total)
            done.wait(SAMPLE_SECONDS)

    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = psutil.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=sample, args=(process,), daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return Run(seconds, peak, returncode, log.read_text(encoding="utf-8", errors="replace"))


def bot_command() -> str:
    """`index` where the bot has it, else `check` (which loads and builds the same index)."""
    probe = subprocess.run(
        [sys.executable, "-m", "bot", "index", "--help"], cwd=ROOT, capture_output=True, check=False
    )
    return "index" if probe.returncode == 0 else "check"


def dump_settings() -> dict[str, str]:
    """The limits to set for the dump. Where `max_article_bytes` exists, MAX_FILE_BYTES is
    its old name, and setting both would only earn a warning (which `check` counts)."""
    try:
        from bot.settings import Settings

        per_article = "max_article_bytes" in Settings.model_fields
    except Exception:  # the bot mid-change: set both, unknown settings only warn
        per_article = False
    return ARTICLE_LIMIT if per_article else {**ARTICLE_LIMIT, **FILE_LIMIT}


def settings_env(values: dict[str, str]) -> dict[str, str]:
    """The environment with these settings, each under its plain name (which the bot reads
    today) and with the NEWSQA_ prefix."""
    env = dict(os.environ)
    for name, value in values.items():
        env[name] = env[f"NEWSQA_{name}"] = value
    return env


def crashed(run: Run) -> bool:
    """Whether the bot failed. Exit code 1 is also `check` reporting problems (a skipped
    file), so a traceback tells a crash apart."""
    return run.returncode not in (0, 1) or "Traceback (most recent call last)" in run.output


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure(
    folder: Path, command: str, settings: dict[str, str], rounds: int, work: Path
) -> dict[str, Any]:
    """Cold build, warm start and tantivy on one corpus, `rounds` times; medians."""
    runs: dict[str, list[Any]] = {"cold": [], "warm": [], "tantivy": [], "cache": []}
    notes: list[str] = []
    failed = False
    ours = [sys.executable, "-m", "bot", command, "--corpus", str(folder)]
    theirs = [sys.executable, str(Path(__file__).resolve()), "--tantivy-index", str(folder)]
    for _ in range(rounds):
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        env = settings_env(
            {
                **settings,
                "CACHE_DIR": str(cache / "cache"),
                "DATABASE_PATH": str(cache / "bench.sqlite3"),
            }
        )
        for phase in ("cold", "warm"):
            run = run_process(ours, env, work / f"{phase}.log")
            runs[phase].append(run)
            if crashed(run):
                failed = True
                last = run.output.strip().splitlines()[-1:] or ["no output"]
                notes.append(f"{phase} FAILED, exit code {run.returncode}: {last[0]}")
            if phase == "cold":
                runs["cache"].append(folder_bytes(cache))
        shutil.rmtree(cache, ignore_errors=True)
        run = run_process(theirs, dict(os.environ), work / "tantivy.log")
        if run.returncode != 0:
            raise SystemExit(f"tantivy failed on {folder}:\n{run.output}")
        runs["tantivy"].append((run, json.loads(run.output.strip().splitlines()[-1])))
    if not any(runs["cache"]):
        notes.append("the cache folder stayed empty: the cache setting was not honoured")
    indexed = INDEXED.findall(runs["cold"][-1].output)
    inside = [found for _, found in runs["tantivy"]]
    return {
        "sentences": int(indexed[-1][1].replace(",", "")) if indexed else None,
        "cold_s": statistics.median(run.seconds for run in runs["cold"]),
        "warm_s": statistics.median(run.seconds for run in runs["warm"]),
        "cold_mb": statistics.median(run.peak_bytes for run in runs["cold"]) / 1e6,
        "warm_mb": statistics.median(run.peak_bytes for run in runs["warm"]) / 1e6,
        "cache_mb": statistics.median(runs["cache"]) / 1e6,
        "tantivy_s": statistics.median(run.seconds for run, _ in runs["tantivy"]),
        "inside_s": statistics.median(found["index_s"] for found in inside),
        "read_s": statistics.median(found["read_s"] for found in inside),
        "tantivy_mb": statistics.median(run.peak_bytes for run, _ in runs["tantivy"]) / 1e6,
        "paragraphs": inside[-1]["paragraphs"],
        "exit": f"{runs['cold'][-1].returncode}/{runs['warm'][-1].returncode}",
        "notes": notes,
        "failed": failed,
    }


# --- the report ---------------------------------------------------------------------------------


def header() -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT, check=False)
    state = " with uncommitted changes" if changed.returncode == 1 else ""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {cores} cores, Python {sys.version.split()[0]}; commit {commit or '?'}{state}; "
        f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        flush=True,
    )


def report(results: list[tuple[str, dict[str, Any]]], command: str, rounds: int) -> None:
    columns = (
        f"{'corpus':10} {'sentences':>10} {'paragraphs':>10} {'cold s':>7} {'warm s':>7} "
        f"{'cold MB':>8} {'warm MB':>8} {'cold/warm':>9} {'cache MB':>8} {'tantivy s':>9} "
        f"{'inside s':>8} {'tantivy MB':>10} {'ours/tantivy':>12}"
    )
    how = "median of " + str(rounds) + " rounds" if rounds > 1 else "one round"
    print(f"\ncold build = python -m bot {command} --corpus DIR, empty cache; {how}")
    print(columns)
    print("-" * len(columns))
    for label, found in results:
        sentences = f"{found['sentences']:,}" if found["sentences"] is not None else "?"
        print(
            f"{label:10} {sentences:>10} {found['paragraphs']:>10,} {found['cold_s']:7.2f} "
            f"{found['warm_s']:7.2f} {found['cold_mb']:8.0f} {found['warm_mb']:8.0f} "
            f"{found['cold_mb'] / found['warm_mb']:9.2f} {found['cache_mb']:8.2f} "
            f"{found['tantivy_s']:9.2f} {found['inside_s']:8.2f} {found['tantivy_mb']:10.0f} "
            f"{found['cold_s'] / found['tantivy_s']:12.2f}{'  FAILED' if found['failed'] else ''}"
        )
    print()
    for label, found in results:
        print(
            f"{label}: exit codes cold/warm {found['exit']} (1: problems, e.g. files skipped); "
            f"tantivy read its paragraphs in {found['read_s']:.2f} s"
        )
        for note in found["notes"]:
            print(f"  {note}")


def targets(results: dict[str, dict[str, Any]], news_label: str, news_sentences: int) -> None:
    print("\ntargets:")
    bbc = results["BBC"]
    ratio = bbc["cold_s"] / bbc["tantivy_s"]
    verdict = "met" if ratio <= TARGET_TANTIVY_RATIO else "NOT met"
    if bbc["failed"]:
        verdict = "not judged: the build failed"
    print(f"  BBC cold build / tantivy {ratio:.2f}x (<= {TARGET_TANTIVY_RATIO:g}x): {verdict}")
    news = results[news_label]
    ratio = news["cold_mb"] / news["warm_mb"]
    if news["failed"]:
        verdict = "not judged: the build failed"
    elif news_sentences >= TARGET_SENTENCES:
        verdict = "met" if ratio <= TARGET_PEAK_RATIO else "NOT met"
    else:
        verdict = f"not judged: the target is at {TARGET_SENTENCES:,} sentences"
    print(f"  {news_label} cold peak / warm peak {ratio:.2f} (<= {TARGET_PEAK_RATIO:g}): {verdict}")


def splitter_table() -> None:
    """bench/splitters.py's table, which another change adds; said so when it is not there."""
    print("\nsplitters:", flush=True)
    try:
        from bench.splitters import main as splitters_main
    except ModuleNotFoundError as error:
        if error.name not in ("bench.splitters", "bench"):
            print(f"splitter table: bench/splitters.py cannot be imported: {error}")
        else:
            print("splitter table: bench/splitters.py not found")
        return
    saved = sys.argv
    sys.argv = [str(ROOT / "bench/splitters.py")]  # its own options, not ours
    try:
        splitters_main()
    except Exception as error:  # the table above is measured already: keep it
        print(f"splitter table: bench/splitters.py failed: {type(error).__name__}: {error}")
    finally:
        sys.argv = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=WORK, help=f"default {WORK}")
    parser.add_argument("--sentences", type=int, default=TARGET_SENTENCES)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--bbc", type=Path, default=BBC)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--tantivy-index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tantivy_index:
        print(json.dumps(tantivy_index(args.tantivy_index)))
        return 0

    began = time.perf_counter()
    header()
    args.work.mkdir(parents=True, exist_ok=True)
    dump, facts = news_dump(args.bbc, args.sentences, args.work)
    news_label = f"news {args.sentences}"
    if args.sentences % 1_000_000 == 0:
        news_label = f"news {args.sentences // 1_000_000}M"
    elif args.sentences % 1000 == 0:
        news_label = f"news {args.sentences // 1000}k"
    print(
        f"{news_label}: {dump / 'news.jsonl'}, {facts['sentences']:,} sentences in "
        f"{facts['articles']:,} articles, {facts['characters'] / 1e6:.0f} M characters; "
        f"{facts['distinct_words']:,} distinct words ({facts['coined']:,} coined; Heaps' "
        f"law on the BBC, {facts['heaps']}, says {facts['heaps_target']:,})",
        flush=True,
    )
    command = bot_command()
    corpora = [
        ("bundled", args.corpus, {}),
        ("BBC", args.bbc, {}),
        (news_label, dump, dump_settings()),
    ]
    results = []
    for label, folder, settings in corpora:
        started = time.perf_counter()
        results.append((label, measure(folder, command, settings, args.rounds, args.work)))
        print(f"  {label}: measured in {time.perf_counter() - started:.0f} s", flush=True)
    report(results, command, args.rounds)
    targets(dict(results), news_label, facts["sentences"])
    splitter_table()
    print(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold build: how long the bot takes to build its index from nothing, how much memory
that takes, and tantivy beside it, on three corpora in one run; then how long a reload
takes after one article of many changed.

    .venv/bin/pip install -e ".[test,bench]" && .venv/bin/python bench/build.py
    .venv/bin/python bench/build.py --sentences 100000 --incremental-articles 10000  # quicker
    .venv/bin/python bench/build.py --gigabyte   # also a 1 GiB dump (some minutes more)

Options: --work DIR (default /tmp/newsqa-build-bench) keeps the generated corpora, which
are made once and reused (they are deterministic); --sentences N caps the dump's size
(default 1,000,000); --rounds N repeats every timing and reports the median (default 1);
--incremental-articles N sizes the reload's corpus (default 100,000; 0 leaves it out);
--gigabyte adds the 1 GiB dump.

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
  little;
- news 1 GB (with --gigabyte, and only with 4 GB of disk free): the same generator run
  on until its one JSON Lines file holds 1 GiB; no tantivy beside it ("-").

Every figure is of whole processes (interpreter start, imports and reading included),
each run once per round on this shared machine:

- sentences: what the bot reports it indexed;
- cold s: `python -m bot index --corpus DIR` with an empty cache folder, given as
  CACHE_DIR, with MAX_ARTICLE_BYTES=5000000 for every corpus;
- warm s: the same command again with the cache the cold build left;
- cold MB, warm MB: the peak of the summed proportional set size (PSS) of the process
  and all its children (the build's workers), sampled every 20 ms: a page that forked
  workers share with the parent counts once in all, split between them. The warm peak
  is the memory of the finished index as it is served (its loading included);
- served MB: the peak PSS of a process (this script with --serve-index) that loads the
  index from that cache and then reads every array of it once, its vocabulary and every
  document, as a bot holds it after answering for a while (a start maps the index file
  and reads only what it checks, so warm MB counts only those pages);
- cold/served: cold MB / served MB;
- cache MB: what the cold build wrote into the cache folder;
- tantivy s: a process (this script with --tantivy-index) that reads the same paragraphs
  (the text after the title, cut at blank lines; for the JSON Lines file each line's
  text cut at blank lines), adds each as a document with the text stored and the
  `en_stem` tokenizer to an index in memory, commits and exits; inside s: its adding and
  committing alone, timed inside that process; tantivy MB: its peak, measured as ours;
- ours/tantivy: cold s / tantivy s.

The reload: the generator's first N articles (--incremental-articles), each a Markdown
file (title line, then paragraphs) in folders of 1,000, all dated 2020-01-01 so that the
cache may trust their size and time. A cold `index` process builds their cache; then,
in this process, `bot.pipeline.load_index` loads the index from that cache (the bot
starting: served from the index file alone, documents included, so the reload reads
the parsed files' shards), one article's file is rewritten with a paragraph added, and
`load_index` runs again (a /reload): its seconds, what its cache statistics say was parsed and
analysed anew, and, timed apart by wrapping `assemble`, `IndexSnapshot.to_arrays` and
`CorpusCache.save_index` inside this process, the building and writing of the index.

Targets: BBC ours/tantivy <= 4; news (at 1,000,000 sentences) cold/served <= 1.5; the
reload re-analyses only the changed article, and takes well under a second besides
building and writing the index (judged as under one).

Last, the splitter comparison of bench/splitters.py, when that file is there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
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
from collections.abc import Callable, Iterator
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
# Changing how the corpora are made changes their folders' names, so old ones are not reused.
GENERATOR_VERSION = 2
SWAP_SHARE = 0.3
COIN_TRIES = 4
# New words of an archive are mostly names, acronyms and figures.
COINED_SHAPES = frozenset({"title", "upper", "digits"})
VOWELS = frozenset("aeiouyAEIOUY")
MAX_ARTICLE_BYTES = 5_000_000  # for every corpus: no generated article comes near it
GIGABYTE = 1 << 30
GIGABYTE_FREE_BYTES = 4_000_000_000  # the dump, its cache and room to spare
ARTICLES_PER_FOLDER = 1000
# Older than any load by far, so the cache trusts the files' size and time (it does so only
# for a file changed more than 2 s before the load that stored it).
OLD_MTIME_NS = int(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC).timestamp()) * 10**9
ADDED_PARAGRAPH = "This paragraph was added after the index was built, to be found on reload."
TARGET_RELOAD_REST_S = 1.0
TARGET_TANTIVY_RATIO = 4.0
TARGET_PEAK_RATIO = 1.5
TARGET_NEWS_SECONDS = 60.0
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


def swapped_articles(bbc: Path) -> tuple[WordSwapper, Iterator[tuple[str, list[str]]]]:
    """The swapper and an endless stream of (title, paragraphs): the BBC articles in
    shuffled passes, each with words swapped (its paragraphs first, then its title). The
    same stream every time, so every corpus made from it is deterministic."""
    rng = random.Random(SEED)
    articles = read_bbc(bbc)
    swapper = WordSwapper(articles, rng)

    def stream() -> Iterator[tuple[str, list[str]]]:
        while True:
            order = list(range(len(articles)))
            rng.shuffle(order)
            for at in order:
                title, paragraphs = articles[at]
                swapped = [swapper.swap(paragraph) for paragraph in paragraphs]
                yield swapper.swap(title), swapped

    return swapper, stream()


def generate(
    bbc: Path, path: Path, *, sentences: int | None = None, min_bytes: int | None = None
) -> dict[str, Any]:
    """Write swapped BBC articles to one JSON Lines file: `sentences` sentences (the last
    article cut to fit), or whole articles until the file holds `min_bytes`."""
    swapper, stream = swapped_articles(bbc)
    written = lines = size = 0
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for title, paragraphs in stream:
            kept = []
            for paragraph in paragraphs:
                text, count = paragraph, count_sentences(paragraph)
                if sentences is not None and written + count > sentences:
                    pieces = SENTENCE_END.split(text)[: sentences - written]
                    text, count = " ".join(pieces), len(pieces)
                kept.append(text)
                written += count
                if sentences is not None and written >= sentences:
                    break
            line = json.dumps({"title": title, "text": "\n\n".join(kept)}, ensure_ascii=False)
            size += out.write(f"{line}\n".encode())
            lines += 1
            if (sentences is not None and written >= sentences) or (
                min_bytes is not None and size >= min_bytes
            ):
                break
    partial.rename(path)  # only a finished dump is ever reused
    return {
        "sentences": written,
        "articles": lines,
        "bytes": size,
        "distinct_words": len(swapper.seen),
        "heaps_target": round(swapper.target()),
        "coined": swapper.coined,
        "heaps": f"{swapper.heaps_k:.1f} * words ** {swapper.heaps_beta:.3f}",
    }


def news_dump(
    bbc: Path, work: Path, name: str, *, sentences: int | None = None, min_bytes: int | None = None
) -> tuple[Path, dict[str, Any]]:
    """The dump's folder and what it holds, generated when it is not in `work` yet."""
    name = f"news-v{GENERATOR_VERSION}-{name}"
    folder, about = work / name, work / f"{name}.json"
    if not (folder / "news.jsonl").exists() or not about.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        facts = generate(bbc, folder / "news.jsonl", sentences=sentences, min_bytes=min_bytes)
        facts["generated_in_s"] = round(time.perf_counter() - started, 1)
        about.write_text(json.dumps(facts), encoding="utf-8")  # outside the corpus folder
        print(f"generated {folder / 'news.jsonl'} in {facts['generated_in_s']} s", flush=True)
    return folder, json.loads(about.read_text(encoding="utf-8"))


def describe_dump(label: str, dump: Path, facts: dict[str, Any]) -> None:
    print(
        f"{label}: {dump / 'news.jsonl'}, {facts['sentences']:,} sentences in "
        f"{facts['articles']:,} articles, {facts['bytes'] / 1e6:,.0f} MB; "
        f"{facts['distinct_words']:,} distinct words ({facts['coined']:,} coined; Heaps' "
        f"law on the BBC, {facts['heaps']}, says {facts['heaps_target']:,})",
        flush=True,
    )


def article_file(title: str, paragraphs: list[str]) -> str:
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def article_files(bbc: Path, articles: int, work: Path) -> tuple[Path, dict[str, Any]]:
    """The folder of the generator's first `articles` articles, a Markdown file each in
    folders of ARTICLES_PER_FOLDER, and what it holds (with the text of the file the
    reload changes, to put it back); written when it is not in `work` yet."""
    name = f"articles-v{GENERATOR_VERSION}-{articles}"
    folder, about = work / name, work / f"{name}.json"
    if not about.exists():  # written last: a folder without it is unfinished
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        _, stream = swapped_articles(bbc)
        sentences = size = 0
        for number, (title, paragraphs) in zip(range(articles), stream, strict=False):
            path = folder / f"{number // ARTICLES_PER_FOLDER:04d}" / f"{number:07d}.md"
            if number % ARTICLES_PER_FOLDER == 0:
                path.parent.mkdir(parents=True)
            size += path.write_bytes(article_file(title, paragraphs).encode())
            os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
            sentences += sum(count_sentences(paragraph) for paragraph in paragraphs)
        changed = next(folder.glob(f"*/{articles // 2:07d}.md"))  # one in the middle
        facts = {
            "articles": articles,
            "sentences": sentences,
            "bytes": size,
            "changed": changed.relative_to(folder).as_posix(),
            "original": changed.read_text(encoding="utf-8"),
            "generated_in_s": round(time.perf_counter() - started, 1),
        }
        about.write_text(json.dumps(facts), encoding="utf-8")
        print(f"generated {folder} in {facts['generated_in_s']} s", flush=True)
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


def serve_index(folder: Path) -> int:
    """Load the index from the cache (CACHE_DIR) as the bot starts, then read every array
    of it once: the memory a bot that has answered for a while holds (a start maps the
    index file and reads only the pages it checks)."""
    import numpy as np

    from bot.pipeline import load_index
    from bot.settings import Settings

    loaded = load_index(Settings(corpus_dir=folder))
    snapshot = loaded.index.snapshot()
    for part in (snapshot.layout, snapshot.sentence_postings, snapshot.paragraph_postings):
        for name in dir(part):
            value = getattr(part, name, None)
            if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
                value.sum()
    # The vocabulary and the documents too: mapped, they are read when a search needs them.
    for _ in snapshot.layout.vocabulary:
        pass
    for _ in loaded.index.documents:
        pass
    where = "from the cache" if loaded.cache and loaded.cache.index_from_cache else "BUILT"
    print(f"served {where}")
    return 0


# --- measuring whole processes ------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    returncode: int
    output: str


def run_process(command: list[str], env: dict[str, str], log: Path) -> Run:
    """Run `command` to its end: its wall time, and the peak over time of the summed
    proportional set size of it and all its children."""
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
                    total += member.memory_full_info().pss
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


def bot_index(folder: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "index", "--corpus", str(folder)]


def bot_env(cache: Path) -> dict[str, str]:
    """The environment for the bot's processes: a cache and a database of their own, and
    the same article limit for every corpus."""
    return {
        **os.environ,
        "CACHE_DIR": str(cache / "cache"),
        "DATABASE_PATH": str(cache / "bench.sqlite3"),
        "MAX_ARTICLE_BYTES": str(MAX_ARTICLE_BYTES),
    }


def crashed(run: Run) -> bool:
    """Whether `index` failed (exit code 1: nothing could be indexed)."""
    return run.returncode != 0 or "Traceback (most recent call last)" in run.output


def problem(run: Run, phase: str, expected: str) -> str | None:
    """What went wrong in a run of `index`, or None; its output says `expected` when the
    index was built or loaded as meant."""
    if crashed(run):
        last = run.output.strip().splitlines()[-1:] or ["no output"]
        return f"{phase} FAILED, exit code {run.returncode}: {last[0]}"
    if expected not in run.output:
        return f"{phase}: the output does not say {expected!r}"
    return None


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure(folder: Path, rounds: int, work: Path, *, tantivy: bool = True) -> dict[str, Any]:
    """Cold build, warm start and (with `tantivy`) tantivy on one corpus, `rounds` times;
    medians. The tantivy figures are None without it."""
    runs: dict[str, list[Any]] = {
        "cold": [],
        "warm": [],
        "served": [],
        "tantivy": [],
        "cache": [],
    }
    notes: list[str] = []
    failed = False
    theirs = [sys.executable, str(Path(__file__).resolve()), "--tantivy-index", str(folder)]
    expected = {"cold": "index built", "warm": "index from the cache"}
    for _ in range(rounds):
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        env = bot_env(cache)
        for phase in ("cold", "warm"):
            run = run_process(bot_index(folder), env, work / f"{phase}.log")
            runs[phase].append(run)
            failed = failed or crashed(run)
            found = problem(run, phase, expected[phase])
            if found is not None:
                notes.append(found)
            if phase == "cold":
                runs["cache"].append(folder_bytes(cache))
        serve = [sys.executable, str(Path(__file__).resolve()), "--serve-index", str(folder)]
        run = run_process(serve, env, work / "served.log")
        if run.returncode != 0 or "served from the cache" not in run.output:
            notes.append(f"served: the index was not loaded from the cache ({run.output[-200:]})")
        runs["served"].append(run)
        shutil.rmtree(cache, ignore_errors=True)
        if tantivy:
            run = run_process(theirs, dict(os.environ), work / "tantivy.log")
            if run.returncode != 0:
                raise SystemExit(f"tantivy failed on {folder}:\n{run.output}")
            runs["tantivy"].append((run, json.loads(run.output.strip().splitlines()[-1])))
    if not any(runs["cache"]):
        notes.append("the cache folder stayed empty: the cache setting was not honoured")
    indexed = INDEXED.findall(runs["cold"][-1].output)
    inside = [found for _, found in runs["tantivy"]]

    def theirs_median(value: Callable[[Run, dict[str, Any]], float]) -> float | None:
        return statistics.median(value(*pair) for pair in runs["tantivy"]) if tantivy else None

    return {
        "sentences": int(indexed[-1][1].replace(",", "")) if indexed else None,
        "cold_s": statistics.median(run.seconds for run in runs["cold"]),
        "warm_s": statistics.median(run.seconds for run in runs["warm"]),
        "cold_mb": statistics.median(run.peak_bytes for run in runs["cold"]) / 1e6,
        "warm_mb": statistics.median(run.peak_bytes for run in runs["warm"]) / 1e6,
        "served_mb": statistics.median(run.peak_bytes for run in runs["served"]) / 1e6,
        "cache_mb": statistics.median(runs["cache"]) / 1e6,
        "tantivy_s": theirs_median(lambda run, _: run.seconds),
        "inside_s": theirs_median(lambda _, found: found["index_s"]),
        "read_s": theirs_median(lambda _, found: found["read_s"]),
        "tantivy_mb": theirs_median(lambda run, _: run.peak_bytes / 1e6),
        "paragraphs": inside[-1]["paragraphs"] if inside else None,
        "exit": f"{runs['cold'][-1].returncode}/{runs['warm'][-1].returncode}",
        "notes": notes,
        "failed": failed,
    }


# --- the reload after one article changed -----------------------------------------------------


@contextlib.contextmanager
def timing(targets: list[tuple[Any, str]]) -> Iterator[list[float]]:
    """Inside the block, each `owner.name` of `targets` (a function of a module or of a
    class) adds the seconds its calls take to the one-item list yielded."""
    spent = [0.0]
    saved = [(owner, name, getattr(owner, name)) for owner, name in targets]

    def timed(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return wrapper

    for owner, name, function in saved:
        setattr(owner, name, timed(function))
    try:
        yield spent
    finally:
        for owner, name, function in saved:
            setattr(owner, name, function)


def put_back(path: Path, text: str) -> None:
    """The file as generated: its text, and a date the cache trusts."""
    data = text.encode()
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


def measure_reload(folder: Path, facts: dict[str, Any], work: Path) -> dict[str, Any]:
    """A cold `index` process on the article files; then in this process a load from its
    cache (the bot starting) and, after one file changed, the reload (see the docstring)."""
    import bot.search.snapshot
    import bot.store.cache
    import bot.store.corpus_store
    from bot.pipeline import load_index
    from bot.settings import Settings

    changed = folder / facts["changed"]
    put_back(changed, facts["original"])  # a run cut short may have left it changed
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    try:
        cold = run_process(bot_index(folder), bot_env(cache), work / "incremental-cold.log")
        found = problem(cold, "cold", "index built")
        if found is not None:
            return {"cold": cold, "failed": found}
        # In the repository, as the cold process: the same config/bot.toml is read.
        with contextlib.chdir(ROOT):
            settings = Settings(
                corpus_dir=folder, cache_dir=cache / "cache", max_article_bytes=MAX_ARTICLE_BYTES
            )
            started = time.perf_counter()
            start = load_index(settings)
            start_s = time.perf_counter() - started
            # A new size and time: the file is read and hashed again, the others trusted.
            changed.write_text(
                facts["original"].rstrip("\n") + f"\n\n{ADDED_PARAGRAPH}\n", encoding="utf-8"
            )
            rebuilding = [
                (bot.store.corpus_store, "assemble"),
                (bot.search.snapshot.IndexSnapshot, "to_arrays"),
                (bot.store.cache.CorpusCache, "save_index"),
            ]
            with timing(rebuilding) as spent:
                started = time.perf_counter()
                reloaded = load_index(settings, previous=start)  # as the bot's /reload does
                reload_s = time.perf_counter() - started
        return {
            "cold": cold,
            "sentences": len(reloaded.index.sentences),
            "start_s": start_s,
            "start_from_cache": start.cache is not None and start.cache.index_from_cache,
            "reload_s": reload_s,
            "rebuild_s": spent[0],
            "stats": reloaded.cache,
            "failed": None,
        }
    finally:
        put_back(changed, facts["original"])
        shutil.rmtree(cache, ignore_errors=True)


def report_reload(found: dict[str, Any], facts: dict[str, Any], folder: Path) -> None:
    articles = facts["articles"]
    folders = math.ceil(articles / ARTICLES_PER_FOLDER)
    cold = found["cold"]
    print(
        f"\nreload: {folder}, {articles:,} Markdown files in {folders:,} folders, "
        f"{facts['sentences']:,} sentences, {facts['bytes'] / 1e6:,.0f} MB"
    )
    peak = cold.peak_bytes / 1e6
    print(f"  cold build (python -m bot index): {cold.seconds:.2f} s, peak {peak:,.0f} MB")
    if found["failed"]:
        print(f"  {found['failed']}")
        return
    stats = found["stats"]
    print(
        f"  start in this process from that cache: {found['start_s']:.2f} s (index "
        f"{'from the cache' if found['start_from_cache'] else 'BUILT'}); "
        f"{found['sentences']:,} sentences after the reload"
    )
    print(
        f"reload after 1 of {articles:,} articles changed: {found['reload_s']:.2f} s (of which "
        f"building and writing the index {found['rebuild_s']:.2f} s); files parsed "
        f"{stats.files_parsed:,}, from cache {stats.files_from_cache:,}; documents analysed "
        f"{stats.documents_analysed:,}, from cache {stats.documents_from_cache:,}"
    )
    rest = found["reload_s"] - found["rebuild_s"]
    only_one = stats.files_parsed == 1 and stats.documents_analysed == 1
    verdict = "met" if only_one and rest < TARGET_RELOAD_REST_S else "NOT met"
    print(
        f"  target: only that article re-analysed ({'yes' if only_one else 'NO'}), the rest "
        f"of the reload {rest:.2f} s (< {TARGET_RELOAD_REST_S:g} s): {verdict}"
    )


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


def cell(value: float | None, width: int, decimals: int = 2) -> str:
    """A number for the table, or "-" where it was not measured."""
    return f"{'-':>{width}}" if value is None else f"{value:{width},.{decimals}f}"


def report(results: list[tuple[str, dict[str, Any]]], rounds: int) -> None:
    columns = (
        f"{'corpus':10} {'sentences':>10} {'paragraphs':>10} {'cold s':>7} {'warm s':>7} "
        f"{'cold MB':>8} {'warm MB':>8} {'served MB':>9} {'cold/served':>11} {'cache MB':>8} "
        f"{'tantivy s':>9} "
        f"{'inside s':>8} {'tantivy MB':>10} {'ours/tantivy':>12}"
    )
    how = "median of " + str(rounds) + " rounds" if rounds > 1 else "one round"
    print(f"\ncold build = python -m bot index --corpus DIR, empty cache; {how}")
    print(columns)
    print("-" * len(columns))
    for label, found in results:
        sentences = f"{found['sentences']:,}" if found["sentences"] is not None else "?"
        theirs = found["tantivy_s"]
        print(
            f"{label:10} {sentences:>10} {cell(found['paragraphs'], 10, 0)} "
            f"{found['cold_s']:7.2f} {found['warm_s']:7.2f} {found['cold_mb']:8.0f} "
            f"{found['warm_mb']:8.0f} {found['served_mb']:9.0f} "
            f"{found['cold_mb'] / found['served_mb']:11.2f} "
            f"{found['cache_mb']:8.2f} {cell(theirs, 9)} {cell(found['inside_s'], 8)} "
            f"{cell(found['tantivy_mb'], 10, 0)} "
            f"{cell(found['cold_s'] / theirs if theirs else None, 12)}"
            f"{'  FAILED' if found['failed'] else ''}"
        )
    print()
    for label, found in results:
        read = ""
        if found["read_s"] is not None:
            read = f"; tantivy read its paragraphs in {found['read_s']:.2f} s"
        print(f"{label}: exit codes cold/warm {found['exit']} (1: nothing could be indexed){read}")
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

    def news_verdict(met: bool) -> str:
        if news["failed"]:
            return "not judged: the build failed"
        if news_sentences < TARGET_SENTENCES:
            return f"not judged: the target is at {TARGET_SENTENCES:,} sentences"
        return "met" if met else "NOT met"

    seconds = news["cold_s"]
    verdict = news_verdict(seconds <= TARGET_NEWS_SECONDS)
    print(f"  {news_label} cold build {seconds:.2f} s (<= {TARGET_NEWS_SECONDS:g} s): {verdict}")
    ratio = news["cold_mb"] / news["served_mb"]
    verdict = news_verdict(ratio <= TARGET_PEAK_RATIO)
    print(
        f"  {news_label} cold peak / the served index's {ratio:.2f} (<= {TARGET_PEAK_RATIO:g}): "
        f"{verdict}"
    )


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
    parser.add_argument("--incremental-articles", type=int, default=100_000, metavar="N")
    parser.add_argument("--gigabyte", action="store_true", help="also a 1 GiB JSON Lines dump")
    parser.add_argument("--tantivy-index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tantivy_index:
        print(json.dumps(tantivy_index(args.tantivy_index)))
        return 0
    if args.serve_index:
        return serve_index(args.serve_index)

    began = time.perf_counter()
    header()
    args.work.mkdir(parents=True, exist_ok=True)
    dump, facts = news_dump(args.bbc, args.work, str(args.sentences), sentences=args.sentences)
    news_label = f"news {args.sentences}"
    if args.sentences % 1_000_000 == 0:
        news_label = f"news {args.sentences // 1_000_000}M"
    elif args.sentences % 1000 == 0:
        news_label = f"news {args.sentences // 1000}k"
    describe_dump(news_label, dump, facts)
    corpora = [("bundled", args.corpus, True), ("BBC", args.bbc, True), (news_label, dump, True)]
    if args.gigabyte:
        free = shutil.disk_usage(args.work).free
        if free < GIGABYTE_FREE_BYTES:
            print(
                f"news 1 GB: left out, {free / 1e9:.1f} GB free in {args.work} "
                f"(it needs {GIGABYTE_FREE_BYTES / 1e9:.0f} GB)",
                flush=True,
            )
        else:
            big, big_facts = news_dump(args.bbc, args.work, "1GiB", min_bytes=GIGABYTE)
            describe_dump("news 1 GB", big, big_facts)
            corpora.append(("news 1 GB", big, False))
    results = []
    for label, folder, with_tantivy in corpora:
        started = time.perf_counter()
        results.append((label, measure(folder, args.rounds, args.work, tantivy=with_tantivy)))
        print(f"  {label}: measured in {time.perf_counter() - started:.0f} s", flush=True)
    report(results, args.rounds)
    targets(dict(results), news_label, facts["sentences"])
    if args.incremental_articles > 0:
        folder, files = article_files(args.bbc, args.incremental_articles, args.work)
        report_reload(measure_reload(folder, files, args.work), files, folder)
    splitter_table()
    print(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

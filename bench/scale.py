"""Scale: our index, rank-bm25 and tantivy side by side, at 10k, 100k and 1M sentences
and on the BBC corpus; then the bot itself at the largest size.

    python bench/scale.py [--sizes 10000,100000,1000000] [--bbc ../shared/data/bbc-news]

Needs the `bench` extra for tantivy (`pip install -e ".[test,bench]"`). One run prints
one table; it takes three to four minutes on two cores.

Generated corpora follow the BBC corpus: words are drawn from its unigram
distribution (words as written there: runs of letters and digits), sentence
lengths and sentences per article from its articles (cut at full stops). Each
sentence is a paragraph of its own, starts with a capital and ends in a full stop
after a word of two letters or more, so that the splitter finds exactly one
sentence in it (the scale of the index, not splitting, is what this measures; see
bench/build.py for that). Articles are written as JSON Lines files of at most 1,500
articles and read through the product's own path (`load_corpus`, `build_index`,
`load_index`).

Every engine runs in a fresh process for each corpus, on the same sentences (the
ones our index made searchable, written out for the others) and the same
questions (the dev set plus BBC titles, analysed by the product's analyzer into
the same terms for every engine):

- build: seconds from the texts in memory to an index that answers (ours: split,
  analyse in worker processes, index; rank-bm25: analyse, then `BM25Okapi`;
  tantivy: analyse, add to an in-memory index, commit);
- memory: growth of the process's resident memory from before the build to after
  it, after garbage collection and `malloc_trim`, the texts already loaded before;
- query median and p99 in ms over the questions, each asked three times in a row
  (its time is the median of the three, which keeps this shared machine's noise out);
  the engines' times start from the analysed terms, the product search's from the text:
  - ours top-10: `bot.search.select.top`, the exact BM25Okapi top 10 (like for like), by the
    compiled kernel where it was built (the table says which);
  - ours numpy: the same top 10 by the numpy path, which runs where no kernel is built;
  - ours search: `Index.search` as the bot calls it (36 hits, paragraph evidence,
    reranking), question analysis included;
  - rank-bm25: `get_scores` and a top-10 sort, with the product's idf guard (it only
    changes terms in half the sentences or more); asked once; at 1M only every 12th
    question (about a second each);
  - tantivy: a top-10 OR query of the same terms, hits not counted (so it may skip).
- exact: on the questions rank-bm25 ran, the largest difference between our top-10
  scores and rank-bm25's, and how many top-10 lists are the same documents in the
  same order.

Then the bot, at the largest generated size, each in a fresh process: seconds from
the process's start until `setup_hook` is done (corpus loaded, storage opened, cogs
added; command sync off, no network), with an empty cache and then with the cache
the first start left; then 100 questions asked at once through the ask cog's answer
path (answer in a thread, stored, rendered) while a task measures how late the
event loop wakes it (it sleeps 1 ms at a time): the worst lag.

Last, the p99 comparison with tantivy that the target is judged on: engines timed in
processes of their own run minutes apart, and this shared machine's load moves each
one's p99 by a third from run to run. So our top 10 and tantivy's are also built in one
process and each question is timed on both in turn (three rounds each, the median
kept), in three passes over more questions (every dev question and BBC title, about
2,250, so that the p99 is not two or three questions' luck); the target is met when our
p99 is at most tantivy's in every pass.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BBC, DEV_SET, dev_and_titles  # noqa: E402
from bot.search.analyzer import terms  # noqa: E402
from bot.search.params import BM25Params, guarded_idf  # noqa: E402
from bot.search.select import default_backend, kernel_top, numpy_top, top  # noqa: E402

ARTICLES_PER_FILE = 1500
ROUNDS = 3
PAIRED_PASSES = 3
# Questions of the paired comparison: more than there are, so every dev question and BBC
# title (about 2,250). A p99 over 220 questions is the third slowest, and one or two noisy
# questions move it by a third; over 2,250 it is the 23rd slowest.
PAIRED_QUESTIONS = 10_000
RANK_BM25_EVERY_AT_1M = 12
LAG_QUESTIONS = 100
SEED = 20240601
WORD = re.compile(r"[A-Za-z0-9]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


# --- the corpora ---------------------------------------------------------------------------------


def bbc_statistics(bbc: Path) -> dict[str, Any]:
    """Word counts, sentence lengths (in words) and sentences per article of the BBC corpus."""
    counts: dict[str, int] = {}
    lengths: list[int] = []
    per_article: list[int] = []
    for path in sorted(bbc.rglob("*.txt")):
        body = path.read_bytes().decode("utf-8", "replace").split("\n", 1)[-1]
        sentences = 0
        for paragraph in body.split("\n"):
            for sentence in SENTENCE_END.split(paragraph.strip()):
                found = WORD.findall(sentence)
                if not found:
                    continue
                sentences += 1
                lengths.append(len(found))
                for word in found:
                    counts[word] = counts.get(word, 0) + 1
        if sentences:
            per_article.append(sentences)
    words = sorted(counts)
    return {
        "words": words,
        "counts": np.array([counts[w] for w in words], dtype=np.float64),
        "lengths": np.array(lengths),
        "per_article": np.array(per_article),
    }


def generate(stats: dict[str, Any], sentences: int, folder: Path) -> None:
    """`sentences` BBC-like sentences, each a paragraph, in JSON Lines files of articles."""
    rng = np.random.default_rng(SEED + sentences)
    words: list[str] = stats["words"]
    probabilities = stats["counts"] / stats["counts"].sum()
    content = np.array([bool(terms(w)) for w in words])  # not a stop word
    ends_well = np.array([len(w) >= 2 and w[-2:].isalpha() for w in words])
    lengths = rng.choice(stats["lengths"], size=sentences)
    drawn = rng.choice(len(words), size=int(lengths.sum()) + sentences, p=probabilities)
    spare = rng.choice(len(words), size=4 * sentences, p=probabilities)
    good_last = spare[ends_well[spare]].tolist()
    good_content = spare[content[spare] & ends_well[spare]].tolist()
    texts = []
    at = 0
    for length in lengths.tolist():
        ids = drawn[at : at + length].tolist()
        at += length
        ids[-1] = good_last.pop()  # ends in two letters: never taken for an abbreviation
        if not content[ids].any():  # at least one term, so every sentence is searchable
            ids[-1] = good_content.pop()
        first = words[ids[0]]
        texts.append(" ".join([first[:1].upper() + first[1:], *(words[i] for i in ids[1:])]) + ".")
    folder.mkdir(parents=True, exist_ok=True)
    articles = []
    at = 0
    while at < len(texts):
        count = int(rng.choice(stats["per_article"]))
        title = " ".join(words[i] for i in rng.choice(len(words), size=6, p=probabilities))
        articles.append(
            json.dumps({"title": title.title(), "text": "\n\n".join(texts[at : at + count])})
        )
        at += count
    for number, start in enumerate(range(0, len(articles), ARTICLES_PER_FILE)):
        chunk = articles[start : start + ARTICLES_PER_FILE]
        (folder / f"part-{number:04}.jsonl").write_text("\n".join(chunk) + "\n", encoding="utf-8")


# --- measuring -----------------------------------------------------------------------------------


def resident_bytes() -> int:
    """This process's resident memory, after collecting garbage and trimming malloc."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(function: Any, items: list[Any], rounds: int = ROUNDS) -> list[float]:
    """Milliseconds for each call: the median of `rounds` calls in a row."""
    result = []
    for item in items:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            function(item)
            times.append((time.perf_counter() - started) * 1000)
        result.append(statistics.median(times))
    return result


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(ms),
        "p99": float(np.percentile(ms, 99)),
        "n": len(ms),
    }


def best(scores: np.ndarray, n: int) -> tuple[list[int], list[float]]:
    """Top n of dense scores as the product orders them: highest first, ties in order."""
    held = np.flatnonzero(scores > 0)
    ranked = held[np.argsort(-scores[held], kind="stable")][:n]
    return ranked.tolist(), scores[ranked].tolist()


# --- the engines, each run in a process of its own ------------------------------------------------


def engine_ours(corpus: Path, job: dict[str, Any]) -> dict[str, Any]:
    from bot.corpus import load_corpus
    from bot.qa import rerank
    from bot.search.index import build_index

    documents = load_corpus(corpus, max_article_bytes=50_000_000).documents
    before = resident_bytes()
    started = time.perf_counter()
    index = build_index(documents)
    build = time.perf_counter() - started
    held = resident_bytes() - before
    with open(job["sentences"], "w", encoding="utf-8") as out:
        for sentence in index.sentences:
            out.write(sentence.text + "\n")
    bm25 = index._sentence_bm25
    query_terms = [terms(q) for q in job["questions"]]
    backend = default_backend()
    top10 = timed(lambda t: top(bm25, t, 10, backend=backend), query_terms)
    search = timed(lambda q: rerank.search(index, q, 36), job["questions"])
    # The numpy path too, which runs where the compiled kernel could not be built.
    top10_numpy = timed(lambda t: top(bm25, t, 10, backend=numpy_top), query_terms)
    exact = {}
    for at in job["exact"]:
        documents_found, scores = top(bm25, query_terms[at], 10, backend=backend)
        exact[str(at)] = [documents_found.tolist(), scores.tolist()]
    return {
        "sentences": len(index.sentences),
        "documents": len(index.documents),
        "build": build,
        "memory": held,
        "top10": summary(top10),
        "search": summary(search),
        "top10_numpy": summary(top10_numpy),
        "kernel": backend is kernel_top,
        "exact": exact,
    }


def engine_rank_bm25(corpus: Path, job: dict[str, Any]) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    texts = Path(job["sentences"]).read_text(encoding="utf-8").split("\n")[:-1]
    params = BM25Params()
    before = resident_bytes()
    started = time.perf_counter()
    tokenized = [terms(text) for text in texts]
    okapi = BM25Okapi(tokenized, k1=params.k1, b=params.b, epsilon=params.epsilon)
    raised = sum(1 for idf in okapi.idf.values() if idf <= 0)
    okapi.idf = guarded_idf(okapi, params.epsilon)
    del tokenized
    build = time.perf_counter() - started
    held = resident_bytes() - before
    chosen = job["exact"]
    query_terms = [terms(job["questions"][at]) for at in chosen]
    exact: dict[str, Any] = {}

    def run(at_terms: tuple[int, list[str]]) -> None:
        at, found = at_terms
        exact[str(at)] = best(np.asarray(okapi.get_scores(found)), 10)

    ms = timed(run, list(zip(chosen, query_terms, strict=True)), rounds=1)
    return {"build": build, "memory": held, "top10": summary(ms), "exact": exact, "raised": raised}


def tantivy_search(texts: list[str]) -> tuple[Any, int]:
    """An in-memory tantivy index of the analysed texts: a top-10 OR query function over
    it, and its document count."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema)  # in memory
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for text in texts:
        writer.add_document(tantivy.Document(body=" ".join(terms(text))))
    writer.commit()
    writer.wait_merging_threads()
    del writer
    index.reload()
    searcher = index.searcher()

    def run(found: list[str]) -> None:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in found]
        )
        searcher.search(query, 10, count=False)

    return run, searcher.num_docs


def engine_tantivy(corpus: Path, job: dict[str, Any]) -> dict[str, Any]:
    texts = Path(job["sentences"]).read_text(encoding="utf-8").split("\n")[:-1]
    before = resident_bytes()
    started = time.perf_counter()
    run, documents = tantivy_search(texts)
    build = time.perf_counter() - started
    held = resident_bytes() - before
    ms = timed(run, [terms(q) for q in job["questions"]])
    return {"build": build, "memory": held, "top10": summary(ms), "documents": documents}


def engine_paired(corpus: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Our top 10 and tantivy's in one process, timed question by question in turn, so
    that the load of this shared machine at any moment weighs on both alike; in
    PAIRED_PASSES passes over the questions."""
    from bot.corpus import load_corpus
    from bot.search.index import build_index

    bm25 = build_index(load_corpus(corpus, max_article_bytes=50_000_000).documents)._sentence_bm25
    theirs, _ = tantivy_search(Path(job["sentences"]).read_text(encoding="utf-8").split("\n")[:-1])
    backend = default_backend()

    def ours(found: list[str]) -> None:
        top(bm25, found, 10, backend=backend)

    query_terms = [terms(q) for q in job["questions"]]
    passes = []
    for _ in range(PAIRED_PASSES):
        ms: dict[str, list[float]] = {"ours": [], "tantivy": []}
        for found in query_terms:
            rounds: dict[str, list[float]] = {"ours": [], "tantivy": []}
            for _ in range(ROUNDS):
                for name, search in (("ours", ours), ("tantivy", theirs)):
                    started = time.perf_counter()
                    search(found)
                    rounds[name].append((time.perf_counter() - started) * 1000)
            for name, times in rounds.items():
                ms[name].append(statistics.median(times))
        passes.append({name: summary(times) for name, times in ms.items()})
    return {"passes": passes}


def engine_bot(corpus: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Start the bot to the end of setup_hook; optionally ask many questions at once."""
    from bot import create_bot
    from bot.settings import Settings

    values: dict[str, Any] = {
        "corpus_dir": corpus,
        "cache_dir": Path(job["cache"]),
        "max_article_bytes": 50_000_000,
        "sync_commands": False,
        "question_cooldown_seconds": 0,
        "guild_ids": [],
    }
    if "database_path" in Settings.model_fields:
        values["database_path"] = Path(job["cache"]).parent / "bench.sqlite3"
    bot = create_bot(Settings(**values))
    result: dict[str, Any] = {}

    async def main() -> None:
        await bot.setup_hook()
        result["ready_at"] = time.time()
        result["cache"] = bot.live.cache.__dict__ if bot.live.cache else None
        if job.get("lag"):
            result["lag"] = await many_at_once(bot, job["questions"])
        await bot.close()

    asyncio.run(main())
    return result


async def many_at_once(bot: Any, questions: list[str]) -> dict[str, Any]:
    """Ask LAG_QUESTIONS questions at once through the answer service while measuring loop lag."""
    from bot.pipeline import ask

    service = getattr(bot, "answers", None)
    path = "AnswerService ask + record" if service is not None else "pipeline.ask in a thread"
    lags: list[float] = []
    running = True

    async def probe() -> None:
        while running:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - started - 0.001) * 1000)

    async def one(number: int, question: str) -> float:
        started = time.perf_counter()
        if service is not None:  # what a question costs in the bot: answer, store, render
            full = await service.ask(question)
            await service.record(full, asker_id=10_000 + number, channel_id=1)
        else:
            await asyncio.to_thread(ask, bot.index, question, bot.settings)
        return (time.perf_counter() - started) * 1000

    prober = asyncio.create_task(probe())
    await asyncio.sleep(0.05)
    lags.clear()
    started = time.perf_counter()
    asked = [questions[n % len(questions)] for n in range(LAG_QUESTIONS)]
    latencies = await asyncio.gather(*(one(n, q) for n, q in enumerate(asked)))
    total = time.perf_counter() - started
    running = False
    await prober
    return {
        "path": path,
        "worst_lag": max(lags),
        "p99_lag": float(np.percentile(lags, 99)),
        "total": total,
        "slowest_answer": max(latencies),
    }


ENGINES = {
    "ours": engine_ours,
    "rank-bm25": engine_rank_bm25,
    "tantivy": engine_tantivy,
    "paired": engine_paired,
    "bot": engine_bot,
}


def run_engine(name: str, corpus: Path, job: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run one engine in a fresh process; returns what it measured and its wall time."""
    job_file = work / "job.json"
    result_file = work / "result.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    started = time.time()
    subprocess.run(
        [sys.executable, __file__, "--engine", name, str(corpus), str(job_file), str(result_file)],
        check=True,
    )
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    result["started_at"] = started
    result["wall"] = time.time() - started
    return result


# --- the report -------------------------------------------------------------------------------


def exactness(ours: dict[str, Any], reference: dict[str, Any]) -> tuple[float, int, int]:
    """Largest score difference between the top-10 lists, and how many lists are the same."""
    worst = 0.0
    same = 0
    for at, (documents, scores) in reference["exact"].items():
        our_documents, our_scores = ours["exact"][at]
        same += our_documents == documents
        if len(our_scores) != len(scores):
            return float("inf"), same, len(reference["exact"])
        worst = max([worst, *(abs(a - b) for a, b in zip(our_scores, scores, strict=True))])
    return worst, same, len(reference["exact"])


def row(corpus: str, count: str, name: str, found: dict[str, Any], key: str, note: str) -> str:
    build = f"{found['build']:8.1f}" if key == "top10" else ""
    memory = f"{found['memory'] / 1e6:8.0f}" if key == "top10" else ""
    timing = found[key]
    return (
        f"{corpus:6} {count:>10} {name:12} {build:>8} {memory:>8} {timing['median']:9.3f}"
        f" {timing['p99']:9.3f} {timing['n']:4}  {note}"
    )


def report(rows: list[tuple[str, dict[str, Any]]], bot: dict[str, Any], label: str) -> None:
    header = (
        f"{'corpus':6} {'sentences':>10} {'engine':12} {'build s':>8} {'mem MB':>8} "
        f"{'median ms':>9} {'p99 ms':>9} {'qs':>4}  notes"
    )
    print(header)
    print("-" * len(header))
    verdicts: list[str] = []
    for corpus, found in rows:
        ours, reference, tantivy = found["ours"], found["rank-bm25"], found["tantivy"]
        count = f"{ours['sentences']:,}"
        worst, same, checked = exactness(ours, reference)
        exact = f"max |score - rank-bm25's| {worst:.1e}, same top 10 in {same}/{checked}"
        guard = f"; guard raised {reference['raised']} idf" if reference["raised"] else ""
        path = "compiled kernel" if ours["kernel"] else "numpy (no kernel built)"
        articles = f"{ours['documents']:,} articles; {path}"
        print(row(corpus, count, "ours top-10", ours, "top10", articles))
        how = "rerank.search(index, q, 36) as the bot runs it"
        print(row("", "", "ours search", ours, "search", how))
        numpy_note = "the same top 10 by the numpy path (where no kernel is built)"
        print(row("", "", "ours numpy", ours, "top10_numpy", numpy_note))
        print(row("", "", "rank-bm25", reference, "top10", exact + guard))
        print(row("", "", "tantivy", tantivy, "top10", "speed reference, its own BM25"))
        memory = ours["memory"] / reference["memory"]
        by_p99 = reference["top10"]["median"] / ours["top10"]["p99"]
        by_median = reference["top10"]["median"] / ours["top10"]["median"]
        print(
            f"{'':6} {'':>10} ours vs rank-bm25: memory {memory:.0%}, its median / our p99 "
            f"{by_p99:,.0f}x (/ our median {by_median:,.0f}x); our p99 / tantivy's "
            f"{ours['top10']['p99'] / tantivy['top10']['p99']:.2f}"
        )
        if corpus == label:
            verdicts = [
                f"rank-bm25's median / our p99 = {by_p99:,.0f}x (>= 100x): "
                + ("met" if by_p99 >= 100 else "NOT met"),
                f"exact: {exact}: " + ("met" if worst <= 1e-9 else "NOT met"),
                f"memory {memory:.0%} of rank-bm25's (<= 40%): "
                + ("met" if memory <= 0.4 else "NOT met"),
            ]
    if bot:
        cold, warm = bot["cold"], bot["warm"]
        lag = warm["lag"]
        cold_start = cold["ready_at"] - cold["started_at"]
        warm_start = warm["ready_at"] - warm["started_at"]
        print()
        print(f"bot at {label} sentences, from process start to the end of setup_hook:")
        print(f"  empty cache {cold_start:6.2f} s  {cold['cache']}")
        print(f"  warm cache  {warm_start:6.2f} s  {warm['cache']}")
        print(
            f"  {LAG_QUESTIONS} questions at once via {lag['path']}: all answered in "
            f"{lag['total']:.2f} s, slowest {lag['slowest_answer']:.0f} ms; event loop lag "
            f"worst {lag['worst_lag']:.1f} ms, p99 {lag['p99_lag']:.1f} ms"
        )
        passes = bot["paired"]["passes"]
        ours_p99 = [p["ours"]["p99"] for p in passes]
        their_p99 = [p["tantivy"]["p99"] for p in passes]
        print(
            f"\nours and tantivy at {label}, in one process, each question timed on both in turn "
            f"({len(passes)} passes over {passes[0]['ours']['n']} questions):"
        )
        for number, found in enumerate(passes, start=1):
            print(
                f"  pass {number}: ours median {found['ours']['median']:.3f} ms, "
                f"p99 {found['ours']['p99']:.3f} ms; tantivy median "
                f"{found['tantivy']['median']:.3f} ms, p99 {found['tantivy']['p99']:.3f} ms"
            )
        verdicts.insert(
            0,
            "query p99 (paired passes) "
            + " / ".join(f"{o:.3f}" for o in ours_p99)
            + " ms vs tantivy's "
            + " / ".join(f"{t:.3f}" for t in their_p99)
            + " ms: "
            + ("met in every pass" if all(map(float.__le__, ours_p99, their_p99)) else "NOT met"),
        )
        verdicts += [
            f"start to ready with a warm cache {warm_start:.2f} s (<= 3 s): "
            + ("met" if warm_start <= 3 else "NOT met"),
            f"event loop worst lag {lag['worst_lag']:.1f} ms (<= 50 ms): "
            + ("met" if lag["worst_lag"] <= 50 else "NOT met"),
        ]
    if verdicts:
        print(f"\ntargets at {label}:")
        for verdict in verdicts:
            print(f"  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--bbc", type=Path, default=BBC)
    parser.add_argument("--qa", type=Path, default=DEV_SET)
    parser.add_argument("--questions", type=int, default=220)
    parser.add_argument(
        "--paired-questions",
        type=int,
        default=PAIRED_QUESTIONS,
        help="questions of the paired p99 comparison (default: every dev question and BBC title)",
    )
    parser.add_argument("--work", type=Path, help="keep the generated corpora here")
    parser.add_argument("--engine", nargs=4, metavar=("NAME", "CORPUS", "JOB", "RESULT"))
    args = parser.parse_args()
    if args.engine:
        logging.basicConfig(level=logging.ERROR)  # skipped files are the corpus's business
        name, corpus, job_file, result_file = args.engine
        job = json.loads(Path(job_file).read_text(encoding="utf-8"))
        result = ENGINES[name](Path(corpus), job)
        Path(result_file).write_text(json.dumps(result), encoding="utf-8")
        return 0

    began = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsqa-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    asked = dev_and_titles(args.qa, args.bbc, args.questions)
    stats = bbc_statistics(args.bbc)
    print(
        f"BBC: {len(stats['words']):,} distinct words, {int(stats['counts'].sum()):,} words, "
        f"{len(stats['lengths']):,} sentences of {stats['lengths'].mean():.1f} words on average, "
        f"{stats['per_article'].mean():.1f} sentences an article; {len(asked)} questions",
        flush=True,
    )
    corpora: list[tuple[str, Path, int]] = []
    for size in sizes:
        folder = work / f"generated-{size}"
        if not folder.exists():
            started = time.perf_counter()
            generate(stats, size, folder)
            print(
                f"generated {size:,} sentences in {time.perf_counter() - started:.1f} s", flush=True
            )
        corpora.append(
            (f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M", folder, size)
        )
    corpora.append(("BBC", args.bbc, 0))

    rows: list[tuple[str, dict[str, Any]]] = []
    for label, folder, size in corpora:
        every = RANK_BM25_EVERY_AT_1M if size >= 1_000_000 else 1
        job: dict[str, Any] = {
            "questions": asked,
            "sentences": str(work / f"sentences-{label}.txt"),
            "exact": list(range(0, len(asked), every)),
        }
        measured = {}
        for engine in ("ours", "rank-bm25", "tantivy"):
            measured[engine] = run_engine(engine, folder, job, work)
            print(f"  {label}: {engine} done in {measured[engine]['wall']:.0f} s", flush=True)
        rows.append((label, measured))

    bot: dict[str, Any] = {}
    largest = corpora[len(sizes) - 1] if sizes else None
    if largest is not None:
        cache = work / "bot-cache"
        shutil.rmtree(cache, ignore_errors=True)
        job = {"cache": str(cache), "questions": asked}
        bot["cold"] = run_engine("bot", largest[1], job, work)
        print(f"  bot, empty cache: done in {bot['cold']['wall']:.0f} s", flush=True)
        bot["warm"] = run_engine("bot", largest[1], {**job, "lag": True}, work)
        print(f"  bot, warm cache: done in {bot['warm']['wall']:.0f} s", flush=True)
        label = largest[0]
        paired = dev_and_titles(args.qa, args.bbc, args.paired_questions)
        job = {"questions": paired, "sentences": str(work / f"sentences-{label}.txt")}
        bot["paired"] = run_engine("paired", largest[1], job, work)
        print(f"  {label}: ours and tantivy paired, done in {bot['paired']['wall']:.0f} s")

    print()
    report(rows, bot, largest[0] if largest is not None else "")
    print(f"\ntotal {time.perf_counter() - began:.0f} s; corpora in {work}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

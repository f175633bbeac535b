"""Several bot processes over one built index: how fast each starts, and whether they
hold the index's memory once between them or once each.

    .venv/bin/pip install -e ".[test,bench]" && .venv/bin/python bench/processes.py
    .venv/bin/python bench/processes.py --sentences 100000   # quicker

Two corpora: the repository's own corpus/ (tiny) and the generated 1M-sentence news
dump of bench/build.py (made once in --work, default /tmp/newsqa-build-bench, and
reused). Each gets a cache built by a `python -m bot index` process. Then, for 1 and
then 4 processes at once, each process (this script with --hold) loads the index from
that shared cache with `bot.pipeline.load_index`, as the bot does at start, says
"ready" and waits; when all are ready, the proportional set size (PSS) of each is read
and summed. PSS splits a page that several processes share between them, so memory
held once counts once in all.

Printed, for this checkout and, side by side in the same run, for a baseline commit
(--baseline, checked out as a git worktree in --work, with this checkout's compiled
search kernel copied beside it, so both search the same way):

- ready s: from starting the process to its "ready" (interpreter start and imports
  included), median over the processes; load s: `load_index` alone, inside the process;
- PSS MB of 1 and of 4 processes, over each corpus;
- the index's memory: 1M minus tiny, for 1 process and for 4; sharing factor = the 4
  processes' figure over the 1 process's (1.0: held once; 4.0: held once per process).

Targets (issue 15): ready within 0.5 s at 1M sentences; sharing factor <= 1.3.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "corpus"
TARGET_READY_S = 0.5
TARGET_SHARING = 1.3


@dataclass(frozen=True)
class Held:
    ready_s: list[float]
    load_s: list[float]
    pss_mb: float


def hold(corpus: Path, cache: Path) -> int:
    """A process that loads the index as the bot does, says so, and waits for stdin."""
    from bot.pipeline import load_index
    from bot.settings import Settings

    started = time.perf_counter()
    loaded = load_index(Settings(corpus_dir=corpus, cache_dir=cache))
    from_cache = loaded.cache is not None and loaded.cache.index_from_cache
    print(f"ready {time.perf_counter() - started:.3f} {int(from_cache)}", flush=True)
    sys.stdin.read()
    return 0


def build_cache(checkout: Path, corpus: Path, cache: Path) -> None:
    environment = {**os.environ, "CACHE_DIR": str(cache), "PYTHONPATH": str(checkout)}
    environment["DATABASE_PATH"] = str(cache / "bench.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "bot", "index", "--corpus", str(corpus)],
        cwd=checkout,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def held_by(checkout: Path, corpus: Path, cache: Path, count: int) -> Held:
    """Start `count` holders at once; their ready times and summed PSS once all are ready."""
    import psutil

    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    script = str(Path(__file__).resolve())
    command = [sys.executable, script, "--hold", str(corpus), str(cache)]
    processes = []
    ready, loads = [], []
    try:
        for _ in range(count):
            started = time.perf_counter()
            process = psutil.Popen(
                command,
                cwd=checkout,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            processes.append((started, process))
        for started, process in processes:
            assert process.stdout is not None
            line = process.stdout.readline().split()
            if not line or line[0] != "ready":
                raise SystemExit(f"a holder over {corpus} did not start")
            if line[2] != "1":
                raise SystemExit(f"a holder over {corpus} built the index instead of loading it")
            ready.append(time.perf_counter() - started)
            loads.append(float(line[1]))
        pss = sum(process.memory_full_info().pss for _, process in processes)
    finally:
        for _, process in processes:
            with contextlib.suppress(OSError, ValueError):
                process.communicate("", timeout=30)
    return Held(ready, loads, pss / 1e6)


def measure(checkout: Path, corpora: dict[str, Path], work: Path) -> dict[tuple[str, int], Held]:
    found = {}
    for label, corpus in corpora.items():
        cache = Path(tempfile.mkdtemp(prefix="processes-", dir=work))
        try:
            build_cache(checkout, corpus, cache)
            for count in (1, 4):
                found[(label, count)] = held_by(checkout, corpus, cache, count)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return found


def baseline_checkout(work: Path, revision: str) -> Path:
    """`revision` checked out in `work`, with this checkout's compiled kernel beside it."""
    folder = work / f"baseline-{revision}"
    if not folder.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), revision],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    for kernel in (ROOT / "bot" / "search").glob("_kernel*.so"):
        shutil.copy2(kernel, folder / "bot" / "search" / kernel.name)
    return folder


def report(name: str, found: dict[tuple[str, int], Held], big: str) -> dict[str, float]:
    print(f"\n{name}")
    print(f"{'corpus':10} {'processes':>9} {'ready s':>8} {'load s':>7} {'PSS MB':>8}")
    for (label, count), held in found.items():
        print(
            f"{label:10} {count:9d} {statistics.median(held.ready_s):8.2f} "
            f"{statistics.median(held.load_s):7.2f} {held.pss_mb:8.0f}"
        )
    one = found[(big, 1)].pss_mb - found[("tiny", 1)].pss_mb
    four = found[(big, 4)].pss_mb - found[("tiny", 4)].pss_mb
    sharing = four / one
    print(
        f"the index's memory ({big} minus tiny): 1 process {one:.0f} MB, 4 processes "
        f"{four:.0f} MB; sharing factor {sharing:.2f}"
    )
    return {"ready": statistics.median(found[(big, 1)].ready_s), "sharing": sharing}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsqa-build-bench"))
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--baseline", default="dd0a9c0", help="a commit to compare with")
    parser.add_argument("--hold", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        return hold(*args.hold)
    # Here, not at the top: a holder must import `bot` from the checkout it measures, and
    # bench/build.py puts this checkout first on the path.
    sys.path.insert(0, str(ROOT / "bench"))
    from build import BBC, describe_dump, news_dump

    args.work.mkdir(parents=True, exist_ok=True)
    dump, facts = news_dump(BBC, args.work, str(args.sentences), sentences=args.sentences)
    big = f"news {args.sentences:,}"
    describe_dump(big, dump, facts)
    corpora = {"tiny": TINY, big: dump}
    ours = report("this checkout", measure(ROOT, corpora, args.work), big)
    baseline = baseline_checkout(args.work, args.baseline)
    theirs = report(f"baseline {args.baseline}", measure(baseline, corpora, args.work), big)
    print(
        f"\ntargets: ready at {big} {ours['ready']:.2f} s (<= {TARGET_READY_S} s; baseline "
        f"{theirs['ready']:.2f} s): {'met' if ours['ready'] <= TARGET_READY_S else 'NOT met'}; "
        f"sharing factor {ours['sharing']:.2f} (<= {TARGET_SHARING}; baseline "
        f"{theirs['sharing']:.2f}): {'met' if ours['sharing'] <= TARGET_SHARING else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

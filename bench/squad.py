"""Does the first quote hold the answer? SQuAD v1.1 dev through the product's answer path.

    python bench/squad.py [--zip ../shared/data/squad-dev-v1.1.json.zip] [--sample N] [--seed S]

The 48 articles become a corpus (one .txt document per article: the title, then
its paragraphs), loaded and indexed by `bot.pipeline.load_index`; every question
is asked of the whole corpus with `bot.pipeline.ask`, exactly as `ask` runs it.
A passage is a hit when it contains one of the question's gold answers.

Printed in the same run, on the same sentences and questions: the baseline,
rank-bm25 BM25Okapi over lowercase whitespace tokens, top 3 by score.

The same figures on the held-out articles alone: the learned reranker
(`bot/qa/ranker.json`, made by bench/train_ranker.py) is trained on the questions of
the first half of the articles (`TRAINING_ARTICLES`, 1-24, in the file's order) and
never sees the second half's (25-48), which are still asked of the whole corpus.

Then the no-answer decision: a corpus of the first half of the articles is asked
the questions of the second half, which it cannot answer; the share declined
is printed with the share of answerable questions declined above.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import print_accuracy  # noqa: E402
from bot.pipeline import ask, load_index  # noqa: E402
from bot.search.analyzer import normalize  # noqa: E402
from bot.settings import Settings  # noqa: E402

# The fixed split by article: the ranker trains on these, the rest are held out. By
# halves rather than alternately, so that the no-answer check below (the second half's
# questions asked of the first half's articles) asks only held-out questions too.
TRAINING_ARTICLES = 24


def load_squad(path: Path) -> list[dict[str, object]]:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        return list(json.loads(archive.read(name))["data"])


def write_corpus(articles: list[dict[str, object]], folder: Path) -> None:
    for number, article in enumerate(articles):
        title = str(article["title"]).replace("_", " ")
        paragraphs = [str(p["context"]).strip() for p in article["paragraphs"]]  # type: ignore[index]
        text = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"{number:02}.txt").write_text(text, encoding="utf-8")


def contains_answer(text: str, answers: list[str]) -> bool:
    folded = text.casefold()
    return any(answer in folded for answer in answers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--zip", type=Path, default=ROOT.parent / "shared/data/squad-dev-v1.1.json.zip"
    )
    parser.add_argument("--sample", type=int, default=0, help="ask N random questions (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    articles = load_squad(args.zip)
    questions = [
        (
            str(qa["question"]),
            sorted({normalize(a["text"]).casefold() for a in qa["answers"]}),
            number >= TRAINING_ARTICLES,
        )
        for number, article in enumerate(articles)
        for paragraph in article["paragraphs"]  # type: ignore[attr-defined]
        for qa in paragraph["qas"]
    ]
    if args.sample:
        questions = random.Random(args.seed).sample(questions, args.sample)

    with tempfile.TemporaryDirectory() as folder:
        write_corpus(articles, Path(folder))
        settings = Settings(corpus_dir=Path(folder))
        loaded = load_index(settings)
    index = loaded.index
    texts = [s.text for s in index.sentences]
    baseline = BM25Okapi([t.lower().split() for t in texts])

    ours = [0, 0]
    base = [0, 0]
    held_ours = [0, 0]
    held_base = [0, 0]
    held_ms: list[float] = []
    declined = 0
    ours_ms: list[float] = []
    base_ms: list[float] = []
    for question, answers, held in questions:
        started = time.perf_counter()
        answer = ask(index, question, settings, k=3)
        ours_ms.append((time.perf_counter() - started) * 1000)
        quoted = [p.text for p in answer.passages]
        declined += not answer.answered
        at1 = any(contains_answer(t, answers) for t in quoted[:1])
        at3 = any(contains_answer(t, answers) for t in quoted[:3])
        ours[0] += at1
        ours[1] += at3

        started = time.perf_counter()
        scores = baseline.get_scores(question.lower().split())
        top = np.argsort(-scores, kind="stable")[:3]
        base_ms.append((time.perf_counter() - started) * 1000)
        base_at1 = contains_answer(texts[top[0]], answers)
        base_at3 = any(contains_answer(texts[i], answers) for i in top)
        base[0] += base_at1
        base[1] += base_at3
        if held:
            held_ms.append(ours_ms[-1])
            held_ours[0] += at1
            held_ours[1] += at3
            held_base[0] += base_at1
            held_base[1] += base_at3

    n = len(questions)
    print(
        f"SQuAD v1.1 dev: {len(articles)} articles, {len(index.sentences)} sentences, "
        f"{n} questions; index built in {loaded.seconds:.1f} s"
    )
    print_accuracy(n, base, base_ms, ours, ours_ms, declined)
    held_n = len(held_ms)
    if held_n:
        print(
            f"held-out articles {TRAINING_ARTICLES + 1}-{len(articles)} "
            f"(the ranker never trained on them): {held_n} questions"
        )
        print(f"{'':28} {'acc@1':>7} {'acc@3':>7} {'median ms':>10}")
        print(
            f"{'baseline (rank-bm25, ws)':28} {held_base[0] / held_n:7.3f} "
            f"{held_base[1] / held_n:7.3f}"
        )
        print(
            f"{'newsqa (ask)':28} {held_ours[0] / held_n:7.3f} {held_ours[1] / held_n:7.3f} "
            f"{statistics.median(held_ms):10.2f}"
        )

    half = len(articles) // 2
    held_out = [
        str(qa["question"])
        for article in articles[half:]
        for paragraph in article["paragraphs"]  # type: ignore[attr-defined]
        for qa in paragraph["qas"]
    ]
    if args.sample:
        held_out = random.Random(args.seed).sample(held_out, min(args.sample, len(held_out)))
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(articles[:half], Path(folder))
        half_settings = Settings(corpus_dir=Path(folder))
        half_index = load_index(half_settings).index
    refused = sum(not ask(half_index, q, half_settings).answered for q in held_out)
    print(
        f"unanswerable (articles {half + 1}-{len(articles)} asked of articles 1-{half}): "
        f"declined {refused} of {len(held_out)} ({refused / len(held_out):.1%})"
    )

    # How the min_coverage setting trades the two kinds of declines (on up to 2,000 each).
    answerable = [q for q, _, _ in questions[:2000]]
    unanswerable = held_out[:2000]
    print(f"\n{'min_coverage':>12} {'answerable declined':>20} {'unanswerable declined':>22}")
    for threshold in (0.25, 0.35, 0.45, 0.55):
        full = settings.model_copy(update={"min_coverage": threshold})
        part = half_settings.model_copy(update={"min_coverage": threshold})
        wrong = sum(not ask(index, q, full).answered for q in answerable) / len(answerable)
        right = sum(not ask(half_index, q, part).answered for q in unanswerable) / len(unanswerable)
        print(f"{threshold:12.2f} {wrong:20.1%} {right:22.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

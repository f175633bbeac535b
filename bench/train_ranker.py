"""Train the learned reranker (`bot/qa/ranker.py`) and write `bot/qa/ranker.json`.

    python bench/train_ranker.py [--check] [--ablation] [--search]

The training data, all public:
- SQuAD v1.1 dev, the questions of its first `TRAINING_ARTICLES` articles (see
  bench/squad.py, which reports on the other half), asked of a corpus of those articles;
- TrecQA TRAIN.xml, asked of its pooled candidates (see bench/trecqa.py).

For every question, the candidates are what the runtime reorders: the index's first
`depth` hits by BM25 evidence (`bot.search.index.Index.search`), each with the
features of `bot.qa.ranker.FEATURES` and a label: the sentence holds a gold answer
(SQuAD) or is a positive (TrecQA). The model is a conditional logit: a linear score
per candidate, trained so that the softmax over a question's candidates puts its
mass on the positives (L2-penalised, fitted by Newton's method: no randomness, the
same file from the same data). Questions with no positive among the candidates
teach nothing and are left out of the fit, but not out of the figures.

Choices (features, depth, penalty, the weight of TrecQA's questions) are made by
5-fold cross-validation on the training data alone, folds by article for SQuAD and by
question for TrecQA: `--search` prints the grid, `--ablation` the effect of leaving
out each feature. The held-out half of SQuAD and TrecQA DEV are never read here.
`--check` fits and compares with the shipped file instead of writing it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from squad import TRAINING_ARTICLES, contains_answer, load_squad, write_corpus  # noqa: E402
from trecqa import TRECQA, load_pooled, load_questions  # noqa: E402
from trecqa import Question as TrecQuestion  # noqa: E402

from bot.pipeline import load_index  # noqa: E402
from bot.qa.ranker import FEATURES, MODEL_FILE, Ranker, feature_matrix  # noqa: E402
from bot.search.analyzer import normalize  # noqa: E402
from bot.search.index import Index, Sentence  # noqa: E402
from bot.settings import Settings  # noqa: E402

FloatArray = npt.NDArray[np.float64]

SQUAD_ZIP = ROOT.parent / "shared/data/squad-dev-v1.1.json.zip"
MODEL_PATH = ROOT / "bot" / "qa" / MODEL_FILE
FOLDS = 5

# The shipped choices, made by cross-validation (--search, --ablation; README, "How
# answers are found", gives the figures): the features kept by forward selection from
# a wider set, none of the others adding to the cross-validated accuracy.
DEPTH = 30
PENALTY = 1.0
TRECQA_WEIGHT = 1.0
KEPT = ("evidence", "answer_rarity", "answer_number", "compactness")


@dataclass(frozen=True, slots=True)
class Question:
    """A training question's candidates: features (one row each), labels, and the fold."""

    source: str
    fold: int
    features: FloatArray
    labels: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Asked:
    """A question to gather candidates for, what makes a sentence answer it, its fold."""

    text: str
    answers: Callable[[Sentence], bool]
    fold: int


def squad_asked(articles: Sequence[dict[str, object]], first: int = 0) -> list[Asked]:
    """The questions of SQuAD articles (numbered from `first`), folded by article: a
    sentence answers when it holds a gold answer (as bench/squad.py counts)."""
    asked = []
    for number, article in enumerate(articles, start=first):
        for paragraph in article["paragraphs"]:  # type: ignore[attr-defined]
            for qa in paragraph["qas"]:
                answers = sorted({normalize(a["text"]).casefold() for a in qa["answers"]})
                asked.append(
                    Asked(
                        str(qa["question"]),
                        lambda s, answers=answers: contains_answer(s.text, answers),
                        number % FOLDS,
                    )
                )
    return asked


def trecqa_asked(questions: Sequence[TrecQuestion], documents: dict[str, str]) -> list[Asked]:
    """The TrecQA questions with a positive, folded in turn: a sentence answers when its
    document is a positive (as bench/trecqa.py counts)."""
    asked = []
    for number, question in enumerate(q for q in questions if q.positives):
        ids = frozenset(d for d, key in documents.items() if key in question.positives)
        asked.append(Asked(question.text, lambda s, ids=ids: s.document.id in ids, number % FOLDS))
    return asked


def gather(index: Index, asked: Sequence[Asked], depth: int, source: str) -> list[Question]:
    """Each question's candidates as the runtime reranks them (the index's first
    `depth` by BM25 evidence), with every feature of `FEATURES` and their labels."""
    names = tuple(FEATURES)
    gathered = []
    for question in asked:
        query = index.parse(question.text)
        hits = index.search(query, depth)
        matrix = feature_matrix(index, query, hits, names)
        labels = np.array([question.answers(hit.sentence) for hit in hits], dtype=bool)
        gathered.append(Question(source, question.fold, matrix, labels))
    return gathered


def squad_questions(depth: int) -> list[Question]:
    """The training half of SQuAD, asked of a corpus of its articles."""
    articles = load_squad(SQUAD_ZIP)[:TRAINING_ARTICLES]
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(articles, Path(folder))
        index = load_index(Settings(corpus_dir=Path(folder))).index
    return gather(index, squad_asked(articles), depth, "squad")


def trecqa_questions(depth: int) -> list[Question]:
    """TrecQA TRAIN, asked of its pooled candidates."""
    every = load_questions(TRECQA / "TRAIN.xml")
    loaded, _, documents = load_pooled(every)
    return gather(loaded.index, trecqa_asked(every, documents), depth, "trecqa")


def columns(names: Sequence[str]) -> list[int]:
    every = list(FEATURES)
    return [every.index(name) for name in names]


@dataclass(frozen=True, slots=True)
class Batch:
    """Questions padded to one depth: features (questions, depth, features), a mask of
    real candidates, the target distribution over them, and each question's weight."""

    x: FloatArray
    mask: npt.NDArray[np.bool_]
    target: FloatArray
    weight: FloatArray


def batch(
    questions: Sequence[Question], cols: list[int], depth: int, weights: dict[str, float]
) -> Batch:
    x = np.zeros((len(questions), depth, len(cols)))
    mask = np.zeros((len(questions), depth), dtype=bool)
    target = np.zeros((len(questions), depth))
    weight = np.zeros(len(questions))
    for row, question in enumerate(questions):
        n = min(depth, len(question.labels))
        x[row, :n] = question.features[:n][:, cols]
        mask[row, :n] = True
        labels = question.labels[:n]
        if labels.any():
            target[row, :n] = labels / labels.sum()
            weight[row] = weights[question.source]
    return Batch(x, mask, target, weight)


def softmax(scores: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
    """By question, the softmax of its candidates' scores (zeros where none)."""
    scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=1, keepdims=True)
    exp = np.where(mask, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = exp.sum(axis=1, keepdims=True)
    return np.asarray(exp / np.where(total > 0, total, 1.0), dtype=np.float64)


def objective(data: Batch, w: FloatArray, penalty: float) -> float:
    """The weighted cross-entropy against the targets, plus penalty/2 * |w|^2."""
    p = softmax(data.x @ w, data.mask)
    logs = np.log(np.where(data.target > 0, p, 1.0))
    return float(-(data.weight[:, None] * data.target * logs).sum() + penalty / 2 * w @ w)


def fit(data: Batch, penalty: float) -> FloatArray:
    """The weights minimising `objective`: Newton's method, each step halved until it
    lowers the objective (convex, so it converges)."""
    features = data.x.shape[2]
    w = np.zeros(features)
    current = objective(data, w, penalty)
    for _ in range(100):
        p = softmax(data.x @ w, data.mask)
        residual = (p - data.target) * data.weight[:, None]
        gradient = np.einsum("qn,qnf->f", residual, data.x) + penalty * w
        mean = np.einsum("qn,qnf->qf", p, data.x)
        hessian = (
            np.einsum("qn,qnf,qng->fg", p * data.weight[:, None], data.x, data.x)
            - np.einsum("q,qf,qg->fg", data.weight, mean, mean)
            + penalty * np.eye(features)
        )
        step = np.linalg.solve(hessian, gradient)
        for _ in range(60):
            trial = objective(data, w - step, penalty)
            if trial <= current:
                break
            step = step / 2
        w, current = w - step, trial
        if np.abs(step).max() < 1e-9:
            break
    return w


def standardise(x: FloatArray, mask: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    rows = x[mask]
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    return mean, np.where(scale > 1e-12, scale, 1.0)


def accuracy(
    questions: Sequence[Question],
    cols: list[int],
    depth: int,
    model: tuple[FloatArray, FloatArray, FloatArray],
) -> tuple[float, float]:
    """acc@1 and acc@3 of the candidates reordered by the model (a question with no
    positive among them is a miss)."""
    mean, scale, w = model
    at1 = at3 = 0
    for question in questions:
        n = min(depth, len(question.labels))
        if not n:
            continue
        scores = ((question.features[:n][:, cols] - mean) / scale) @ w
        order = np.lexsort((np.arange(n), -scores))  # ties keep the BM25 order
        labels = question.labels[:n][order]
        at1 += bool(labels[0])
        at3 += bool(labels[:3].any())
    return at1 / len(questions), at3 / len(questions)


def train(
    questions: Sequence[Question],
    names: Sequence[str],
    depth: int,
    penalty: float,
    trecqa_weight: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    cols = columns(names)
    data = batch(questions, cols, depth, {"squad": 1.0, "trecqa": trecqa_weight})
    mean, scale = standardise(data.x, data.mask)
    standardised = Batch(
        (data.x - mean) / scale * data.mask[:, :, None], data.mask, data.target, data.weight
    )
    return mean, scale, fit(standardised, penalty)


def cross_validate(
    questions: Sequence[Question],
    names: Sequence[str],
    depth: int,
    penalty: float,
    trecqa_weight: float,
) -> dict[str, tuple[float, float]]:
    """acc@1 and acc@3 by source, each question scored by the model of the folds
    without it."""
    cols = columns(names)
    totals: dict[str, list[float]] = {}
    for fold in range(FOLDS):
        training = [q for q in questions if q.fold != fold]
        model = train(training, names, depth, penalty, trecqa_weight)
        for source in ("squad", "trecqa"):
            tested = [q for q in questions if q.fold == fold and q.source == source]
            at1, at3 = accuracy(tested, cols, depth, model)
            total = totals.setdefault(source, [0.0, 0.0, 0.0])
            total[0] += at1 * len(tested)
            total[1] += at3 * len(tested)
            total[2] += len(tested)
    return {s: (t[0] / t[2], t[1] / t[2]) for s, t in totals.items()}


def evidence_order(questions: Sequence[Question], depth: int) -> dict[str, tuple[float, float]]:
    """acc@1 and acc@3 by source of the candidates in BM25 evidence order (no model)."""
    result = {}
    for source in ("squad", "trecqa"):
        tested = [q for q in questions if q.source == source]
        at1 = sum(bool(q.labels[:1].any()) for q in tested) / len(tested)
        at3 = sum(bool(q.labels[:3].any()) for q in tested) / len(tested)
        result[source] = (at1, at3)
    return result


def line(label: str, figures: dict[str, tuple[float, float]]) -> str:
    squad, trecqa = figures["squad"], figures["trecqa"]
    return f"{label:40} {squad[0]:6.3f} {squad[1]:6.3f}   {trecqa[0]:6.3f} {trecqa[1]:6.3f}"


HEADER = f"{'':40} {'SQuAD @1':>6} {'@3':>6}   {'TrecQA @1':>6} {'@3':>6}"


def held_out(ranker: Ranker) -> None:
    """The reranked candidates' accuracy on what training never reads: SQuAD's other
    articles' questions (asked of all 48) and TrecQA DEV. Printed, never used to choose."""
    articles = load_squad(SQUAD_ZIP)
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(articles, Path(folder))
        index = load_index(Settings(corpus_dir=Path(folder))).index
    asked = squad_asked(articles[TRAINING_ARTICLES:], first=TRAINING_ARTICLES)
    squad = gather(index, asked, ranker.depth, "squad")
    every = load_questions(TRECQA / "DEV.xml")
    loaded, _, documents = load_pooled(every)
    trecqa = gather(loaded.index, trecqa_asked(every, documents), ranker.depth, "trecqa")
    cols = columns(ranker.features)
    model = (ranker.mean, ranker.scale, ranker.weights)
    figures = {
        "squad": accuracy(squad, cols, ranker.depth, model),
        "trecqa": accuracy(trecqa, cols, ranker.depth, model),
    }
    print(
        f"\nheld out, never read above: SQuAD articles {TRAINING_ARTICLES + 1}-48 "
        f"({len(squad)} questions), TrecQA DEV ({len(trecqa)} questions); the candidates'\n"
        "order only (bench/squad.py and bench/trecqa.py measure the answers as quoted)"
    )
    print(HEADER)
    print(
        line(
            f"BM25 evidence order (depth {ranker.depth})",
            evidence_order(squad + trecqa, ranker.depth),
        )
    )
    print(line("model", figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    parser.add_argument("--ablation", action="store_true", help="CV without each feature")
    parser.add_argument("--search", action="store_true", help="CV over depth, penalty, weight")
    parser.add_argument("--features", help="comma-separated features instead of the kept ones")
    args = parser.parse_args()
    names = tuple(args.features.split(",")) if args.features else KEPT
    questions = squad_questions(DEPTH) + trecqa_questions(DEPTH)
    squad_n = sum(q.source == "squad" for q in questions)
    trecqa_n = len(questions) - squad_n
    print(
        f"training questions: {squad_n} SQuAD (articles 1-{TRAINING_ARTICLES}), "
        f"{trecqa_n} TrecQA TRAIN; {FOLDS}-fold cross-validation"
    )
    print(HEADER)
    print(line(f"BM25 evidence order (depth {DEPTH})", evidence_order(questions, DEPTH)))
    print(line("model", cross_validate(questions, names, DEPTH, PENALTY, TRECQA_WEIGHT)))
    if args.ablation:
        for name in names:
            kept = [n for n in names if n != name]
            figures = cross_validate(questions, kept, DEPTH, PENALTY, TRECQA_WEIGHT)
            print(line(f"without {name}", figures))
    if args.search:
        for depth in (10, 20, 30, 50):
            at_depth = (
                questions if depth == DEPTH else (squad_questions(depth) + trecqa_questions(depth))
            )
            for penalty in (1.0, 30.0):
                for weight in (1.0, 5.0, 20.0):
                    figures = cross_validate(at_depth, names, depth, penalty, weight)
                    print(line(f"depth {depth} penalty {penalty} TrecQA x{weight}", figures))
    mean, scale, weights = train(questions, names, DEPTH, PENALTY, TRECQA_WEIGHT)
    ranker = Ranker(
        features=tuple(names),
        mean=np.round(mean, 6),
        scale=np.round(scale, 6),
        weights=np.round(weights, 6),
        depth=DEPTH,
        provenance={
            "made_by": "python bench/train_ranker.py",
            "model": "conditional logit over each question's candidates (softmax of the "
            f"linear scores against the answer-bearing ones), L2 penalty {PENALTY}, "
            "fitted by Newton's method on standardised features",
            "data": f"SQuAD v1.1 dev, articles 1-{TRAINING_ARTICLES} ({squad_n} questions, "
            f"asked of those articles); TrecQA TRAIN.xml ({trecqa_n} questions with a "
            f"positive, asked of its pooled candidates, weighted x{TRECQA_WEIGHT})",
            "held_out": f"SQuAD v1.1 dev articles {TRAINING_ARTICLES + 1}-48; TrecQA DEV.xml",
        },
    )
    print("weights (on standardised features):")
    for name, weight in zip(names, ranker.weights.tolist(), strict=True):
        print(f"  {name:22} {weight:+.4f}")
    text = ranker.to_json() + "\n"
    if args.check:
        same = MODEL_PATH.read_text(encoding="utf-8") == text
        print(f"{MODEL_PATH.relative_to(ROOT)}: {'reproduced exactly' if same else 'DIFFERS'}")
        held_out(ranker)
        return 0 if same else 1
    if not args.features:
        MODEL_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")
    held_out(ranker)
    return 0


if __name__ == "__main__":
    sys.exit(main())

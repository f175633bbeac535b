"""Does the first quote hold the answer? TrecQA as open retrieval over a pooled corpus.

    python bench/trecqa.py [--train] [--xml PATH] [--show]

TrecQA (Wang, Smith and Mitamura, 2007) gives, for each question, candidate sentences
from newswire judged answer-bearing (<positive>) or not (<negative>), tokenised. Here
they are asked as users ask: every candidate sentence of the file (DEV.xml, or
TRAIN.xml with --train), de-tokenised into ordinary prose and kept once however many
questions list it, becomes one document of a pooled corpus, loaded and indexed by
`bot.pipeline.load_index`; every question with at least one positive is asked of the
whole corpus with `bot.pipeline.ask`, exactly as `ask` runs it.

One document per distinct sentence, in an order that says nothing of the questions
(sorted by text): the file says only which question a sentence was retrieved for,
not which article it came from or what stood around it, so grouping sentences by
question would tell the index which sentences belong together (an article that holds
exactly the candidates of one question), which no news archive would, and the
file's order (question by question) would leak through positions.

A passage holds the answer when a sentence it quotes comes from a document whose
text (normalised, case-folded) is one of the question's positives: the splitter may
cut a candidate in two, and a positive is judged as a whole in the data.

Printed in the same run, on the same sentences and questions: the baseline,
rank-bm25 BM25Okapi over lowercase whitespace tokens, top 3 by score.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import print_accuracy  # noqa: E402
from bot.pipeline import LoadedCorpus, ask, load_index  # noqa: E402
from bot.search.analyzer import normalize  # noqa: E402
from bot.settings import Settings  # noqa: E402

TRECQA = ROOT.parent / "shared/data/trecqa"

_BLOCK = re.compile(r"<(question|positive|negative)>\n([^\n]*)\n")
_PAIRS = re.compile(r"<QApairs id='([^']*)'>(.*?)</QApairs>", re.S)
_BRACKETS = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
}
# Tokens written against the word before them, and those the next word is written against.
_CLOSING = {",", ".", ";", ":", "?", "!", "%", ")", "]", "}", "...", "'"}
_OPENING = {"(", "[", "{", "$"}
_CLITIC = re.compile(r"^(?:n't|'s|'re|'ve|'ll|'d|'m|')$", re.I)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    positives: frozenset[str]
    """The answer-bearing candidates, by `key`."""
    candidates: tuple[str, ...]
    """Every candidate sentence, de-tokenised, positives and negatives."""


def detokenise(line: str) -> str:
    """A token line (tab-separated, Penn Treebank conventions) as ordinary prose."""
    raws = [raw for raw in line.split("\t") if raw]
    words: list[str] = []
    glue_next = False
    quoting = False
    for at, raw in enumerate(raws):
        token = _BRACKETS.get(raw, raw)
        if token == '"':
            # The data mixes up `` and '' and leaves quotes unpaired: a quote closes one
            # that is open; else it opens, unless it ends the line or is a '' after
            # the end of a clause.
            after_clause = raw == "''" and bool(words) and words[-1][-1] in ",.?!"
            quoting = not (quoting or at == len(raws) - 1 or after_clause)
            closing = not quoting
        else:
            closing = token in _CLOSING or _CLITIC.match(token) is not None
        if words and (glue_next or closing):
            words[-1] += token
        else:
            words.append(token)
        glue_next = token in _OPENING or token == "`" or (token == '"' and quoting)
    return " ".join(words).replace("`", "'")


def key(sentence: str) -> str:
    """How sentences are compared: normalised, case-folded, spaces collapsed."""
    return " ".join(normalize(sentence).casefold().split())


def load_questions(path: Path) -> list[Question]:
    """Every question of a TrecQA XML file, in file order (with or without a positive)."""
    questions = []
    for pair_id, body in _PAIRS.findall(path.read_text(encoding="utf-8")):
        blocks = [(kind, detokenise(tokens)) for kind, tokens in _BLOCK.findall(body)]
        text = next(sentence for kind, sentence in blocks if kind == "question")
        candidates = tuple(sentence for kind, sentence in blocks if kind != "question")
        positives = frozenset(key(sentence) for kind, sentence in blocks if kind == "positive")
        questions.append(Question(pair_id, text, positives, candidates))
    return questions


def write_corpus(questions: list[Question], folder: Path) -> dict[str, str]:
    """One .txt document per distinct candidate sentence, sorted by text; the
    documents' ids (file names without suffix) -> their sentence's `key`."""
    distinct = {key(s): s for q in questions for s in q.candidates}
    documents = {}
    for number, sentence_key in enumerate(sorted(distinct)):
        name = f"{number:05}"
        (folder / f"{name}.txt").write_text(
            f"Candidate {number}\n\n{distinct[sentence_key]}\n", encoding="utf-8"
        )
        documents[name] = sentence_key
    return documents


def load_pooled(questions: list[Question]) -> tuple[LoadedCorpus, Settings, dict[str, str]]:
    """The pooled corpus of these questions' candidates, indexed as the bot indexes;
    its settings; and document id -> the `key` of its sentence."""
    with tempfile.TemporaryDirectory() as folder:
        documents = write_corpus(questions, Path(folder))
        settings = Settings(corpus_dir=Path(folder))
        loaded = load_index(settings)
    return loaded, settings, documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", action="store_true", help="TRAIN.xml instead of DEV.xml")
    parser.add_argument("--xml", type=Path, help="another TrecQA file")
    parser.add_argument("--show", action="store_true", help="print each miss at 1")
    args = parser.parse_args()
    path = args.xml or TRECQA / ("TRAIN.xml" if args.train else "DEV.xml")

    every = load_questions(path)
    questions = [q for q in every if q.positives]
    loaded, settings, documents = load_pooled(every)
    index = loaded.index
    texts = [s.text for s in index.sentences]
    sentence_keys = [documents[s.document.id] for s in index.sentences]
    baseline = BM25Okapi([t.lower().split() for t in texts])
    kept = {documents[d.id] for d in index.documents}
    lost = sum(1 for q in questions for p in q.positives if p not in kept)

    ours = [0, 0]
    base = [0, 0]
    declined = 0
    ours_ms: list[float] = []
    base_ms: list[float] = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(index, question.text, settings, k=3)
        ours_ms.append((time.perf_counter() - started) * 1000)
        declined += not answer.answered
        holds = [
            any(documents[s.document.id] in question.positives for s in p.quoted)
            for p in answer.passages
        ]
        ours[0] += any(holds[:1])
        ours[1] += any(holds[:3])
        if args.show and not any(holds[:1]):
            top = answer.passages[0].text if answer.passages else f"(declined: {answer.reason})"
            print(f"MISS@1 {question.text}\n       -> {top}")

        started = time.perf_counter()
        scores = baseline.get_scores(question.text.lower().split())
        top3 = np.argsort(-scores, kind="stable")[:3]
        base_ms.append((time.perf_counter() - started) * 1000)
        base[0] += sentence_keys[top3[0]] in question.positives
        base[1] += any(sentence_keys[i] in question.positives for i in top3)

    n = len(questions)
    print(
        f"TrecQA {path.name} pooled: {len(every)} questions, {n} with a positive; "
        f"{len(documents)} distinct candidates, {len(index.sentences)} sentences; "
        f"positives lost in cleaning: {lost}; index built in {loaded.seconds:.1f} s"
    )
    print_accuracy(n, base, base_ms, ours, ours_ms, declined)
    return 0


if __name__ == "__main__":
    sys.exit(main())

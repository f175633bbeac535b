"""Answer quality on a question set, through `python -m bot ask --json` (JSON Lines).

    python bench/devset.py [--qa ../shared/qa/dev.json] [--corpus DIR] [--show]

Prints, for answerable questions, how many have a key in passage 1 (acc@1) and
in passages 1-3 (acc@3); for unanswerable ones, how many come back declined;
and how many answerable ones were wrongly declined.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def has_key(passages: list[dict[str, object]], keys: list[str]) -> bool:
    return any(key.casefold() in str(p["text"]).casefold() for p in passages for key in keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared/qa/dev.json")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--show", action="store_true", help="print each miss")
    args = parser.parse_args()

    qa = json.loads(args.qa.read_text(encoding="utf-8"))
    answerable, unanswerable = qa["answerable"], qa["unanswerable"]
    questions = [item["question"] for item in answerable] + list(unanswerable)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-k", "3", "--corpus", str(args.corpus)],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(questions), "one answer per question"

    at1 = at3 = declined_wrongly = 0
    for item, answer in zip(answerable, answers, strict=False):
        passages = answer["passages"]
        first = has_key(passages[:1], item["keys"])
        at1 += first
        at3 += has_key(passages[:3], item["keys"])
        declined_wrongly += not answer["answered"]
        if args.show and not first:
            top = passages[0]["text"] if passages else f"(declined: {answer['reason']})"
            print(f"MISS@1 {item['question']}\n       -> {top}")
    declined = sum(not a["answered"] for a in answers[len(answerable) :])
    if args.show:
        for question, answer in zip(unanswerable, answers[len(answerable) :], strict=True):
            if answer["answered"]:
                print(f"ANSWERED {question}\n       -> {answer['passages'][0]['text']}")

    n = len(answerable)
    print(f"question set: {args.qa}")
    print(f"answerable: {n}, unanswerable: {len(unanswerable)}")
    print(f"acc@1: {at1}/{n}")
    print(f"acc@3: {at3}/{n}")
    print(f"unanswerable declined: {declined}/{len(unanswerable)}")
    print(f"answerable wrongly declined: {declined_wrongly}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

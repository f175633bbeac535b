"""Declining questions about names the corpus never mentions (bot.qa.missing), on SQuAD.

    python bench/declines.py [--zip ../shared/data/squad-dev-v1.1.json.zip] [--show N]

Split as bench/squad.py splits it: every question asked of all 48 articles is
answerable; the questions of articles 25-48 asked of articles 1-24 are not. Printed in
one run, for the answer path without the missing-name rule and with each variant of it:
the share of answerable questions declined and of unanswerable ones declined. `--show`
prints N answerable questions each variant declines, to read why.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.squad import load_squad, write_corpus  # noqa: E402
from bot.pipeline import load_index  # noqa: E402
from bot.qa.answer import answer_question  # noqa: E402
from bot.qa.missing import RULE, MissingRule, missing_names  # noqa: E402
from bot.search.index import Index  # noqa: E402
from bot.settings import Settings  # noqa: E402

VARIANTS = {
    "names, any word": MissingRule(typos=False),
    "names, typos kept (shipped)": MissingRule(),
    "names, typos, no acronyms": MissingRule(acronyms=False),
    "whole names, typos kept": MissingRule(whole_names=True),
    "names and other terms": MissingRule(other_terms=1),
    "names, 2+ other terms": MissingRule(other_terms=2),
}


def _index(articles: list[dict[str, object]]) -> tuple[Index, Settings]:
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(articles, Path(folder))
        settings = Settings(corpus_dir=Path(folder))
        return load_index(settings).index, settings


def _questions(articles: list[dict[str, object]]) -> list[str]:
    return [
        str(qa["question"])
        for article in articles
        for paragraph in article["paragraphs"]  # type: ignore[attr-defined]
        for qa in paragraph["qas"]
    ]


def declines(index: Index, settings: Settings, questions: list[str]) -> dict[str, list[str]]:
    """The questions declined without the rule, with each variant and as shipped."""
    declined: dict[str, list[str]] = {name: [] for name in ("without the rule", *VARIANTS)}
    declined["as shipped"] = []
    for question in questions:
        plain = answer_question(
            index,
            question,
            k=3,
            min_coverage=settings.min_coverage,
            max_question_chars=settings.max_question_chars,
            missing=None,
        )
        query = index.parse(question)
        for name, rule in VARIANTS.items():
            if not plain.answered or missing_names(index, query, rule):
                declined[name].append(question)
        if not plain.answered:
            declined["without the rule"].append(question)
        shipped = answer_question(
            index,
            question,
            k=3,
            min_coverage=settings.min_coverage,
            max_question_chars=settings.max_question_chars,
            missing=RULE,
        )
        if not shipped.answered:
            declined["as shipped"].append(question)
    return declined


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--zip", type=Path, default=ROOT.parent / "shared/data/squad-dev-v1.1.json.zip"
    )
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()

    articles = load_squad(args.zip)
    half = len(articles) // 2
    whole, whole_settings = _index(articles)
    part, part_settings = _index(articles[:half])
    answerable = _questions(articles)
    unanswerable = _questions(articles[half:])
    wrong = declines(whole, whole_settings, answerable)
    right = declines(part, part_settings, unanswerable)
    print(
        f"SQuAD v1.1 dev: {len(answerable)} answerable questions (all {len(articles)} "
        f"articles), {len(unanswerable)} unanswerable (articles {half + 1}-{len(articles)} "
        f"asked of 1-{half})"
    )
    print(f"{'rule':28} {'answerable declined':>20} {'unanswerable declined':>22}")
    for name in wrong:
        a, u = len(wrong[name]), len(right[name])
        print(
            f"{name:28} {a:>9} ({a / len(answerable):6.2%}) {u:>10} ({u / len(unanswerable):6.2%})"
        )
    if args.show:
        base = set(wrong["without the rule"])
        for name, rule in VARIANTS.items():
            extra = [q for q in wrong[name] if q not in base]
            print(f"\n{name}: answerable questions it declines")
            for question in extra[: args.show]:
                query = whole.parse(question)
                print(f"  {question}  -> {missing_names(whole, query, rule)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

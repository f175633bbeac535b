"""/reload's card says how many of the cluster's processes serve the new corpus."""

from __future__ import annotations

from bot.corpus import Document
from bot.discord.admin.report import report_embed
from bot.discord.client import ReloadReport
from bot.pipeline import CorpusChange
from bot.search.index import build_index


def report(**cluster: object) -> ReloadReport:
    index = build_index([Document("a", "A", ("The talks resumed.",), source="a.md")])
    return ReloadReport(CorpusChange((), (), ()), index, (), 0.5, **cluster)  # type: ignore[arg-type]


def test_a_lone_process_says_nothing_of_a_cluster() -> None:
    assert "Served by" not in (report_embed(report()).description or "")


def test_the_card_counts_the_processes_serving_and_names_those_behind() -> None:
    embed = report_embed(
        report(serving=1, live=2, behind=("db-2 pid 7: stale corpus: its files differ",))
    )
    assert "Served by 1 of 2 processes." in (embed.description or "")
    [field] = embed.fields
    assert field.name == "Not serving it yet (1)"
    assert field.value == "db-2 pid 7: stale corpus: its files differ"


def test_a_reload_that_took_another_builds_result_says_so() -> None:
    embed = report_embed(report(serving=2, live=2, built_by="db-1 pid 3"))
    assert "Another reload (db-1 pid 3) was running: this is its result." in (
        embed.description or ""
    )
    assert "Served by 2 of 2 processes." in (embed.description or "")

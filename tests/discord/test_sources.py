"""/sources and /source, and answers that stay within Discord's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import create_bot
from bot.discord.embeds import paginate_lines
from bot.discord.sources.pages import PAGE_TIMEOUT_SECONDS
from tests.discord.helpers import World, make_settings, sent_bodies


async def serve_articles(world: World, tmp_path: Path, count: int) -> None:
    """Restart the bot over `count` short harbour reports."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(count):
        dated = (
            f'published: "2024-{1 + number % 12:02}-{1 + number % 28:02}"\n' if number % 2 else ""
        )
        (folder / f"article-{number:03}.md").write_text(
            f'---\ntitle: "Harbour report number {number}"\npublisher: "Port Gazette"\n'
            f'url: "https://example.com/{number}"\n{dated}---\n'
            f"Ship {number} docked at pier {number} carrying {number * 7} tonnes of grain.\n",
            encoding="utf-8",
        )
    await world.env.restart_bot(create_bot(make_settings(folder)))


def button_labels(message: Any) -> list[str]:
    return [
        item["label"]
        for row in message.components
        for item in row["components"]
        if item.get("type") == 2
    ]


async def test_sources_lists_every_article_privately_with_publisher(world: World) -> None:
    result = await world.alice.slash(world.channel, "sources")
    assert result.ephemeral  # private unless asked otherwise
    [embed] = result.response.embeds
    assert embed.title == "3 articles I quote from"
    lines = embed.description.splitlines()
    assert "Pentagon Officials Host Chinese Counterparts for High-Level Talks · DOD News" in lines
    assert "sentences" not in embed.description  # counts are for machines
    assert button_labels(result.response) == []  # one page: no paging buttons

    public = await world.alice.slash(world.channel, "sources", public=True)
    assert not public.ephemeral


async def test_sources_over_300_documents_pages_with_first_next_and_last(
    world: World, tmp_path: Path
) -> None:
    await serve_articles(world, tmp_path, 300)

    result = await world.alice.slash(world.channel, "sources", public=True)
    message = result.response
    first = message.embeds[0]
    assert first.title == "300 articles I quote from"
    labels = button_labels(message)
    assert labels[:2] == ["First", "Previous"] and labels[3:] == ["Next", "Last"]
    pages = int(labels[2].split(" of ")[1])
    assert pages >= 2 and labels[2] == f"1 of {pages}"
    # Each line links its title, with the publisher, and the date when the article has one.
    assert first.description.splitlines()[:2] == [
        "[Harbour report number 0](<https://example.com/0>) · Port Gazette",
        "[Harbour report number 1](<https://example.com/1>) · Port Gazette · 2 Feb 2024",
    ]

    seen = set(first.description.splitlines())
    for page in range(2, pages + 1):
        turned = await world.admin.click(message, label="Next")  # anyone may page a public list
        assert button_labels(turned.response)[2] == f"{page} of {pages}"
        seen.update(turned.response.embeds[0].description.splitlines())
    assert len(seen) == 300
    for body in sent_bodies(world.env):
        assert len(body["embeds"][0]["description"]) <= 4096

    back = await world.alice.click(message, label="First")
    assert button_labels(back.response)[2] == f"1 of {pages}"
    last = await world.alice.click(message, label="Last")
    assert button_labels(last.response)[2] == f"{pages} of {pages}"


async def test_sources_menu_opens_an_article_of_the_page(world: World, tmp_path: Path) -> None:
    await serve_articles(world, tmp_path, 30)
    result = await world.alice.slash(world.channel, "sources")
    turned = await world.alice.click(result.response, label="Next")

    opened = await world.alice.select(turned.response, ["article-012"])

    assert opened.ephemeral
    [embed] = opened.response.embeds
    assert embed.title == "Harbour report number 12" and embed.url == "https://example.com/12"
    assert embed.description == "Ship 12 docked at pier 12 carrying 84 tonnes of grain."


async def test_sources_buttons_are_disabled_when_they_time_out(
    world: World, tmp_path: Path
) -> None:
    await serve_articles(world, tmp_path, 300)
    result = await world.alice.slash(world.channel, "sources")
    await world.alice.click(result.response, label="Next")

    await world.env.advance_time(PAGE_TIMEOUT_SECONDS + 1)

    items = [item for row in result.response.components for item in row["components"]]
    assert button_labels(result.response)[2].startswith("2 of ")  # the page stays
    assert all(item.get("disabled") for item in items)


async def test_source_autocomplete_offers_at_most_25_choices(world: World, tmp_path: Path) -> None:
    await serve_articles(world, tmp_path, 60)

    choices = await world.alice.autocomplete(world.channel, "source", "document", "harbour")
    assert len(choices) == 25
    assert all("Harbour report" in c["name"] for c in choices)
    narrow = await world.alice.autocomplete(world.channel, "source", "document", "number 59")
    assert [c["value"] for c in narrow] == ["article-059"]


async def test_source_shows_metadata_and_opening_sentences(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "source", document="pentagon-officials-host-chinese-counterparts"
    )
    [embed] = result.response.embeds
    assert embed.title == "Pentagon Officials Host Chinese Counterparts for High-Level Talks"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Publisher"] == "DOD News" and fields["Author"] == "Joseph Clark"
    assert embed.description.startswith("Senior U.S. and Chinese military officials met")
    assert "pentagon-officials" not in (embed.footer.text or "")  # no id for a reader

    unknown = await world.alice.slash(world.channel, "source", document="no-such-thing")
    assert unknown.ephemeral and "No source matches" in unknown.response.content


@pytest.mark.parametrize(
    "overrides",
    [{}, {"top_k": 10, "more_passages": 20}, {"top_k": 1, "more_passages": 0}],
    ids=["default", "most", "fewest"],
)
async def test_huge_sentences_and_titles_stay_within_every_limit(
    world: World, tmp_path: Path, overrides: dict[str, int]
) -> None:
    folder = tmp_path / "huge"
    folder.mkdir()
    long_title = "Treaty " * 120
    for number in range(12):
        sentence = (
            "The treaty ** on _cod_ @everyone <@&1> quotas " + f"filler{number} " * 900 + "ending."
        )
        (folder / f"huge-{number}.md").write_text(
            f'---\ntitle: "{long_title}{number}"\npublisher: "{"P" * 400}"\n'
            f'author: "{"A" * 400}"\nurl: "https://example.com/{"x" * 300}"\n---\n{sentence}\n',
            encoding="utf-8",
        )
    await world.env.restart_bot(create_bot(make_settings(folder, **overrides)))
    top_k = world.env.bot.settings.top_k

    question = "treaty cod quotas " + "?" * 400
    result = await world.alice.slash(world.channel, "ask", question=question)
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> treaty cod quotas")
    answer = world.channel.last_message
    for row in answer.components:
        for child in row.children:
            if not str(getattr(child, "custom_id", "")).startswith("answer:down:"):
                await world.alice.click(answer, custom_id=child.custom_id)  # type: ignore[union-attr]
    await world.alice.slash(world.channel, "source", document="huge-0")
    await world.alice.slash(world.channel, "sources")
    await world.alice.slash(world.channel, "ask", question="what is the capital of Peru?")

    [embed] = result.response.embeds
    quotes = [line for line in embed.description.split("\n\n") if line.startswith("> ")]
    assert len(quotes) == top_k  # every passage still quoted, each cut short
    for body in sent_bodies(world.env):
        assert len(body.get("content") or "") <= 2000
        for sent in body.get("embeds") or []:
            total = len(sent.get("title", "")) + len(sent.get("description", ""))
            total += len(sent.get("footer", {}).get("text", ""))
            assert len(sent.get("title", "")) <= 256
            assert len(sent.get("description", "")) <= 4096
            assert len(sent.get("fields", [])) <= 25
            for f in sent.get("fields", []):
                assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
                total += len(f["name"]) + len(f["value"])
            assert total <= 6000
        assert body["allowed_mentions"]["parse"] == []  # @everyone in a quote pings nobody


def test_paginate_lines_keeps_every_line_in_order_within_the_limit() -> None:
    lines = [f"line {n} " + "x" * (n * 37 % 500) for n in range(100)]
    pages = paginate_lines(lines, limit=1200, per_page=10)
    assert [at for page in pages for at in page] == list(range(100))
    assert all(len("\n".join(lines[at] for at in page)) <= 1200 for page in pages)
    assert paginate_lines([]) == [[]]

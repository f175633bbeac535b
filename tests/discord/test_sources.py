"""/sources and /source, and answers that stay within Discord's limits."""

from __future__ import annotations

from pathlib import Path

from bot import create_bot
from bot.discord.embeds import paginate_lines
from bot.discord.sources.pages import PAGE_TIMEOUT_SECONDS
from tests.discord.helpers import World, make_settings, sent_bodies


async def serve_articles(world: World, tmp_path: Path, count: int) -> None:
    """Restart the bot over `count` short harbour reports."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(count):
        (folder / f"article-{number:03}.md").write_text(
            f'---\ntitle: "Harbour report number {number}"\npublisher: "Port Gazette"\n---\n'
            f"Ship {number} docked at pier {number} carrying {number * 7} tonnes of grain.\n",
            encoding="utf-8",
        )
    await world.env.restart_bot(create_bot(make_settings(folder)))


async def test_sources_lists_every_document(world: World) -> None:
    result = await world.alice.slash(world.channel, "sources")
    [embed] = result.response.embeds
    assert embed.title.startswith("3 sources")
    assert "Pentagon Officials Host Chinese Counterparts" in embed.description
    assert "DOD News" in embed.description and "15 sentences" in embed.description
    assert result.response.components == []  # one page: no buttons


async def test_sources_over_300_documents_paginates_with_buttons(
    world: World, tmp_path: Path
) -> None:
    await serve_articles(world, tmp_path, 300)

    result = await world.alice.slash(world.channel, "sources")
    first = result.response.embeds[0]
    assert first.title.startswith("300 sources")
    pages = int(first.footer.text.split("/")[-1])
    assert pages >= 2 and first.footer.text == f"Page 1/{pages}"

    seen = set(line for line in first.description.splitlines())
    message = result.response
    for page in range(2, pages + 1):
        turned = await world.alice.click(message, label="Next")
        embed = turned.response.embeds[0]
        assert embed.footer.text == f"Page {page}/{pages}"
        seen.update(embed.description.splitlines())
    assert len(seen) == 300
    for body in sent_bodies(world.env):
        assert len(body["embeds"][0]["description"]) <= 4096

    other = await world.admin.click(message, label="Previous")  # someone else's list
    assert other.ephemeral and "yourself" in other.response.content


async def test_sources_buttons_are_disabled_when_they_time_out(
    world: World, tmp_path: Path
) -> None:
    await serve_articles(world, tmp_path, 300)
    result = await world.alice.slash(world.channel, "sources")
    await world.alice.click(result.response, label="Next")

    await world.env.advance_time(PAGE_TIMEOUT_SECONDS + 1)

    buttons = [item for row in result.response.components for item in row["components"]]
    assert [b["label"] for b in buttons] == ["Previous", "Next"]
    assert all(b.get("disabled") for b in buttons)
    assert result.response.embeds[0].footer.text.startswith("Page 2/")  # the page stays


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
    assert embed.description.startswith("1. Senior U.S. and Chinese military officials met")

    unknown = await world.alice.slash(world.channel, "source", document="no-such-thing")
    assert unknown.ephemeral and "No source matches" in unknown.response.content


async def test_huge_sentences_and_titles_stay_within_every_limit(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "huge"
    folder.mkdir()
    long_title = "Treaty " * 120
    for number in range(3):
        sentence = (
            "The treaty ** on _cod_ @everyone <@&1> quotas " + f"filler{number} " * 900 + "ending."
        )
        (folder / f"huge-{number}.md").write_text(
            f'---\ntitle: "{long_title}{number}"\npublisher: "{"P" * 400}"\n'
            f'author: "{"A" * 400}"\nurl: "https://example.com/{"x" * 300}"\n---\n{sentence}\n',
            encoding="utf-8",
        )
    await world.env.restart_bot(create_bot(make_settings(folder)))

    question = "treaty cod quotas " + "?" * 400
    result = await world.alice.slash(world.channel, "ask", question=question)
    await world.alice.send(world.channel, f"<@{world.env.bot.user.id}> treaty cod quotas")
    await world.alice.slash(world.channel, "source", document="huge-0")
    await world.alice.slash(world.channel, "sources")

    [embed] = result.response.embeds
    quotes = [line for line in embed.description.split("\n\n") if line.startswith("> ")]
    assert len(quotes) == 3  # every passage still quoted, each cut short
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


def test_paginate_lines_of_nothing_says_so() -> None:
    assert paginate_lines([]) == ["The corpus is empty."]

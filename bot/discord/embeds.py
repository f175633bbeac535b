"""Answers and documents as Discord embeds, always within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
content 2000; embed title 256, description 4096, field name 256, field value
1024, 25 fields, 6000 characters in all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import discord

from bot.corpus import Document
from bot.qa.answer import Answer, Passage
from bot.render import decline_message, emphasize, escape_markdown, sentences_label
from bot.search.index import Sentence

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
FOOTER_LIMIT = 2048
URL_LIMIT = 2048  # longer embed URLs are refused

QUOTE_SEPARATOR = "\n\n"
# What would end a URL written inside <...>, or that no URL holds unencoded.
_UNSAFE_IN_URL = re.compile(r"[\s<>]")

ANSWER_COLOUR = discord.Colour.blurple()
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _fit_markdown(raw: str, limit: int, render: Callable[[str], str]) -> str:
    """`render(raw)`, with `raw` shortened until the rendered Markdown fits `limit`.

    Shortening the source text rather than the Markdown never leaves a bold
    marker or an escape cut in half.
    """
    rendered = render(raw)
    while len(rendered) > limit and raw:
        keep = max(0, min(len(raw) - 1, len(raw) * limit // len(rendered) - 2))
        raw = raw[:keep].rstrip() + ELLIPSIS if keep else ""
        rendered = render(raw)
    return rendered


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address Discord can link to, else None.

    Discord refuses a whole message (HTTP 400) for an embed URL it cannot parse,
    and a `file:` or `javascript:` link has no business in an answer.
    """
    if not url or len(url) > URL_LIMIT or _UNSAFE_IN_URL.search(url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def _link(document: Document, label_limit: int = 200) -> str:
    label = escape_markdown(clip(document.title, label_limit))
    url = web_url(document.url)
    # <...> around a URL keeps Discord from unfurling a preview of it.
    return f"[{label}](<{url}>)" if url else label


def _passage_block(passage: Passage, budget: int) -> str:
    tag = f" [{passage.source_number}]"
    text = _fit_markdown(
        passage.text,
        budget - len(tag) - 2,
        lambda raw: emphasize(raw, passage.matched),
    )
    return f"> {text}{tag}"


def _source_field(
    number: int, document: Document, passages: list[Passage], budget: int
) -> tuple[str, str]:
    """A source's field name and value, within `budget` characters together (and each within
    its own limit). The sentence numbers always stay; the link goes first when room is short
    (the field name already has the title)."""
    where = sentences_label(passages)
    known = [document.publisher, f"by {document.author}" if document.author else None]
    details = [clip(k, 200) for k in known if k]
    if document.published:
        details.append(document.published)
    url = web_url(document.url)
    heads = [_link(document), f"[source](<{url}>)" if url else "", ""]
    tail = " · ".join([*map(escape_markdown, details), where])
    # The name gives up room only when the full value would not fit beside it.
    wanted_value = min(FIELD_VALUE_LIMIT, len(f"{heads[0]} · {tail}"))
    name_limit = min(FIELD_NAME_LIMIT, max(20, budget // 4, budget - wanted_value))
    name = clip(f"[{number}] {document.title}", name_limit)
    room = min(FIELD_VALUE_LIMIT, budget - len(name))
    for head in heads:
        value = f"{head} · {tail}" if head else tail
        if len(value) <= room:
            return name, value
    # Even the details without a link are too long: shorten them, keep the sentence numbers.
    room_for_details = room - len(where) - 3
    if details and room_for_details > 0:
        shown = _fit_markdown(" · ".join(details), room_for_details, escape_markdown)
        if shown:
            return name, f"{shown} · {where}"
    return name, clip(where, room)


def _shares(needs: list[int], room: int) -> list[int]:
    """Split `room` among parts needing `needs` characters: none gets more than it needs, and
    what a short part leaves is shared among the longer ones."""
    shares = [0] * len(needs)
    left = room
    for done, at in enumerate(sorted(range(len(needs)), key=needs.__getitem__)):
        shares[at] = min(needs[at], left // (len(needs) - done))
        left -= shares[at]
    return shares


def answer_embed(answer: Answer) -> discord.Embed:
    """The quoted sentences, matched words in bold, each with its numbered citation.

    Everything counts toward Discord's 6000 characters: title, footer, every source field
    and the quotes. The sources take what the quotes leave, but never more than half
    when the quotes need it.
    """
    title = clip(answer.question, TITLE_LIMIT)
    footer = clip(f"corpus {answer.corpus_version}", FOOTER_LIMIT)
    embed = discord.Embed(title=title, colour=ANSWER_COLOUR)
    embed.set_footer(text=footer)
    room = EMBED_TOTAL_LIMIT - len(title) - len(footer)

    passages = answer.passages
    separators = len(QUOTE_SEPARATOR) * max(0, len(passages) - 1)
    quote_needs = [len(_passage_block(p, DESCRIPTION_LIMIT)) for p in passages]
    quotes_wanted = min(DESCRIPTION_LIMIT, separators + sum(quote_needs))

    sources = answer.sources[:FIELD_COUNT_LIMIT]
    cited = [[p for p in passages if p.source_number == n] for n in range(1, len(sources) + 1)]

    def source_fields(budgets: list[int]) -> list[tuple[str, str]]:
        return [
            _source_field(number, document, of_document, budget)
            for number, (document, of_document, budget) in enumerate(
                zip(sources, cited, budgets, strict=True), start=1
            )
        ]

    fields = source_fields([FIELD_NAME_LIMIT + FIELD_VALUE_LIMIT] * len(sources))
    field_room = max(room - quotes_wanted, room // 2)
    if sum(len(name) + len(value) for name, value in fields) > field_room:
        fields = source_fields(_shares([len(n) + len(v) for n, v in fields], field_room))
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)

    used = sum(len(name) + len(value) for name, value in fields)
    description_room = min(DESCRIPTION_LIMIT, room - used) - separators
    budgets = _shares(quote_needs, description_room)
    embed.description = QUOTE_SEPARATOR.join(
        _passage_block(p, budget) for p, budget in zip(passages, budgets, strict=True)
    )
    return embed


def decline_text(answer: Answer) -> str:
    """The short reply when nothing is quoted, within a message's 2000 characters."""
    return clip(escape_markdown(decline_message(answer)), CONTENT_LIMIT)


def document_embed(
    document: Document, sentences: tuple[Sentence, ...], opening: int = 5
) -> discord.Embed:
    """One document's metadata and its opening sentences."""
    embed = discord.Embed(title=clip(document.title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    url = web_url(document.url)
    if url:
        embed.url = url
    for name, value in (
        ("Publisher", document.publisher),
        ("Author", document.author),
        ("Published", document.published),
    ):
        if value:
            embed.add_field(name=name, value=clip(escape_markdown(value), FIELD_VALUE_LIMIT))
    embed.add_field(name="Sentences", value=str(len(sentences)))
    embed.set_footer(text=clip(f"id: {document.id}", FOOTER_LIMIT))
    used = len(embed)
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used - 10)
    lines: list[str] = []
    for sentence in sentences[:opening]:
        line = f"{sentence.position}. {escape_markdown(sentence.text)}"
        if sum(len(x) + 1 for x in lines) + len(line) > room:
            line = clip(line, max(0, room - sum(len(x) + 1 for x in lines)))
            if line:
                lines.append(line)
            break
        lines.append(line)
    embed.description = "\n".join(lines) or None
    return embed


def source_list_line(document: Document, sentence_count: int) -> str:
    """One line of /sources: title, publisher, date and sentence count."""
    details = [document.publisher, document.published, f"{sentence_count} sentences"]
    label = escape_markdown(clip(document.title, 150))
    return f"**{label}** — " + escape_markdown(" · ".join(d for d in details if d))


def paginate_lines(
    lines: list[str], limit: int = DESCRIPTION_LIMIT, per_page: int = 20
) -> list[str]:
    """Group lines into pages of at most `per_page` lines and `limit` characters."""
    pages: list[str] = []
    current: list[str] = []
    for full_line in lines:
        line = clip(full_line, limit)
        if current and (len(current) == per_page or len("\n".join([*current, line])) > limit):
            pages.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        pages.append("\n".join(current))
    return pages or ["The corpus is empty."]


def context_embed(title: str, blocks: list[tuple[str, list[tuple[bool, str]]]]) -> discord.Embed:
    """Quoted sentences among their neighbours: for each block a heading and its sentences,
    the quoted one (flagged True) in bold, all within one embed's limits."""
    embed = discord.Embed(title=clip(title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    room = DESCRIPTION_LIMIT - 2 * len(blocks)
    budget = room // max(1, len(blocks))
    parts = []
    for heading, sentences in blocks:
        text = f"**{escape_markdown(clip(heading, 200))}**"
        lines = []
        line_budget = (budget - len(text)) // max(1, len(sentences)) - 4
        for quoted, sentence in sentences:
            shown = escape_markdown(clip(sentence, max(10, line_budget // 2)))
            lines.append(f"▶ **{shown}**" if quoted else shown)
        parts.append(clip("\n".join([text, " ".join(lines)]) if lines else text, budget))
    embed.description = clip("\n\n".join(parts), DESCRIPTION_LIMIT)
    return embed

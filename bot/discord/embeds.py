"""Answers and documents as Discord embeds, always within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
content 2000; embed title 256, description 4096, field name 256, field value
1024, 25 fields, 6000 characters in all.
"""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot.answer import Answer, Passage
from bot.corpus import Document
from bot.index import Sentence
from bot.render import decline_message, emphasize, escape_markdown, sentences_label

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000

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


def _link(document: Document) -> str:
    label = escape_markdown(clip(document.title, 200))
    # <...> around a URL keeps Discord from unfurling a preview of it.
    return f"[{label}](<{document.url}>)" if document.url else label


def _passage_block(passage: Passage, budget: int) -> str:
    tag = f" [{passage.source_number}]"
    text = _fit_markdown(
        passage.text,
        budget - len(tag) - 2,
        lambda raw: emphasize(raw, passage.matched),
    )
    return f"> {text}{tag}"


def _source_field(number: int, document: Document, passages: list[Passage]) -> tuple[str, str]:
    name = clip(f"[{number}] {document.title}", FIELD_NAME_LIMIT)
    details = [_link(document)]
    for known in (document.publisher, f"by {document.author}" if document.author else None):
        if known:
            details.append(escape_markdown(clip(known, 200)))
    if document.published:
        details.append(escape_markdown(document.published))
    details.append(sentences_label(passages))
    return name, clip(" · ".join(details), FIELD_VALUE_LIMIT)


def answer_embed(answer: Answer) -> discord.Embed:
    """The quoted sentences, matched words in bold, each with its numbered citation."""
    embed = discord.Embed(title=clip(answer.question, TITLE_LIMIT), colour=ANSWER_COLOUR)
    fields = []
    for number, document in enumerate(answer.sources, start=1):
        cited = [p for p in answer.passages if p.source_number == number]
        fields.append(_source_field(number, document, cited))
    for name, value in fields[:FIELD_COUNT_LIMIT]:
        embed.add_field(name=name, value=value, inline=False)
    footer = f"corpus {answer.corpus_version}"
    embed.set_footer(text=footer)

    # Share what is left of the 6000 characters among the quotes.
    used = len(embed.title or "") + len(footer) + sum(len(n) + len(v) for n, v in fields)
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
    separators = 2 * (len(answer.passages) - 1)
    per_passage = (room - separators) // max(1, len(answer.passages))
    embed.description = "\n\n".join(_passage_block(p, per_passage) for p in answer.passages)
    return embed


def decline_text(answer: Answer) -> str:
    """The short reply when nothing is quoted, within a message's 2000 characters."""
    return clip(escape_markdown(decline_message(answer)), CONTENT_LIMIT)


def document_embed(
    document: Document, sentences: tuple[Sentence, ...], opening: int = 5
) -> discord.Embed:
    """One document's metadata and its opening sentences."""
    embed = discord.Embed(title=clip(document.title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    if document.url:
        embed.url = document.url
    for name, value in (
        ("Publisher", document.publisher),
        ("Author", document.author),
        ("Published", document.published),
    ):
        if value:
            embed.add_field(name=name, value=clip(escape_markdown(value), FIELD_VALUE_LIMIT))
    embed.add_field(name="Sentences", value=str(len(sentences)))
    embed.set_footer(text=clip(f"id: {document.id}", 2048))
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


def context_embed(
    title: str, blocks: list[tuple[str, list[tuple[bool, str]]]], per_block: int | None = None
) -> discord.Embed:
    """Quoted sentences among their neighbours: for each block a heading and its sentences,
    the quoted one (flagged True) in bold, all within one embed's limits."""
    embed = discord.Embed(title=clip(title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    room = DESCRIPTION_LIMIT - 2 * len(blocks)
    budget = per_block or room // max(1, len(blocks))
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

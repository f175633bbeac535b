"""The Context card: an answer's quoted sentences among their neighbours, one block a source,
whole sentences one a line, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.corpus import Document
from bot.discord.embeds import (
    ANSWER_COLOUR,
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    TITLE_LIMIT,
    clip,
    lines_within,
    split_room,
    title_link,
)
from bot.render import escape_markdown


@dataclass(frozen=True, slots=True)
class ContextBlock:
    """One source's quoted sentences among their neighbours, in reading order.

    `lines` holds (quoted, text) pairs, or None where sentences were left out between two
    windows.
    """

    number: int
    document: Document
    first: int
    last: int
    lines: tuple[tuple[bool, str] | None, ...]


def _context_lines(lines: Sequence[tuple[bool, str] | None]) -> list[str]:
    """One line a sentence, the quoted ones as `>` quotes; a quote is followed by an empty
    line (Discord ends a `>` quote at the line's end, other Markdown renderers do not)."""
    shown: list[str] = []
    for at, line in enumerate(lines):
        if line is None:
            shown.append(ELLIPSIS)
        elif line[0]:
            shown.append(f"> {escape_markdown(line[1])}")
            following = lines[at + 1] if at + 1 < len(lines) else (True, "")
            if following is None or not following[0]:
                shown.append("")
        else:
            shown.append(escape_markdown(line[1]))
    return shown


def _trim_context(block: ContextBlock, room: int) -> str:
    """The block's heading and lines within `room`: neighbours furthest from a quoted
    sentence go first; quoted sentences are cut only when they alone do not fit."""
    where = (
        f"sentences {block.first}-{block.last}"
        if block.first != block.last
        else f"sentence {block.first}"
    )
    heading = f"**{block.number}** · {title_link(block.document)} · {where}"
    if len(heading) > room // 3:
        heading = (
            f"**{block.number}** · {escape_markdown(clip(block.document.title, 60))} · {where}"
        )
    lines: list[tuple[bool, str] | None] = list(block.lines)
    quoted_at = [i for i, line in enumerate(lines) if line is not None and line[0]]

    def distance(i: int) -> int:
        return min((abs(i - q) for q in quoted_at), default=0)

    def text() -> str:
        return "\n".join([heading, *_context_lines(lines)])

    while len(text()) > room:
        neighbours = [i for i, line in enumerate(lines) if line is not None and not line[0]]
        if not neighbours:
            break
        far = max(neighbours, key=distance)
        lines[far] = None
        # Collapse runs of gaps into one.
        lines = [
            ln for i, ln in enumerate(lines) if ln is not None or i == 0 or lines[i - 1] is not None
        ]
        quoted_at = [i for i, line in enumerate(lines) if line is not None and line[0]]
    if len(text()) <= room:
        return text()
    # Quoted sentences alone are too long for their share: cut each to fit.
    quoted = [line[1] for line in lines if line is not None and line[0]]
    shown = lines_within(
        [
            [f"> {escape_markdown(clip(q, max(1, (room - len(heading)) // len(quoted))))}"]
            for q in quoted
        ],
        room - len(heading) - 1,
    )
    return clip(f"{heading}\n{shown}", room)


def context_embed(title: str, blocks: Sequence[ContextBlock], missing: int = 0) -> discord.Embed:
    """Each source's quoted sentences, whole and one a line, among their neighbours: the
    quoted ones as `>` quotes, under the source's number as in the answer and a link."""
    embed = discord.Embed(title=clip(title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    separator = "\n\n"
    note = (
        f"\n\n{missing} quoted sentence{'s are' if missing != 1 else ' is'} "
        "no longer in the corpus."
        if missing
        else ""
    )
    room = DESCRIPTION_LIMIT - len(note) - len(separator) * max(0, len(blocks) - 1)
    wanted = [len(_trim_context(b, DESCRIPTION_LIMIT)) for b in blocks]
    budgets = split_room(wanted, room)
    parts = [_trim_context(b, budget) for b, budget in zip(blocks, budgets, strict=True)]
    embed.description = (
        clip(separator.join(p for p in parts if p) + note, DESCRIPTION_LIMIT) or None
    )
    return embed

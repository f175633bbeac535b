"""What /reload replies: the changes a reload made, or why it failed (pure, within limits)."""

from __future__ import annotations

import discord

from bot.corpus import CorpusError, SkippedFile
from bot.discord.client import ReloadReport
from bot.discord.embeds import ANSWER_COLOUR, CONTENT_LIMIT, FIELD_VALUE_LIMIT, clip
from bot.render import escape_markdown


def _ids(ids: tuple[str, ...]) -> str:
    return clip(escape_markdown(", ".join(ids)), FIELD_VALUE_LIMIT) if ids else "none"


def skipped_lines(skipped: tuple[SkippedFile, ...], limit: int) -> str:
    """One escaped line per skipped entry, `path: reason`: as many whole lines as fit in
    `limit` characters, then how many more were left out."""
    lines = [escape_markdown(clip(f"{entry.path}: {entry.reason}", 300)) for entry in skipped]
    kept: list[str] = []
    used = 0
    for number, line in enumerate(lines):
        after = len(lines) - number - 1
        # Room is kept for the "… and N more" line, should the next line not fit.
        tail = len(f"\n… and {after} more") if after else 0
        if used + len(line) + tail > limit:
            break
        kept.append(line)
        used += len(line) + 1
    if len(kept) < len(lines):
        kept.append(f"… and {len(lines) - len(kept)} more")
    return "\n".join(kept)


def failure_message(error: CorpusError | OSError, old_version: str) -> str:
    """The reply to a reload that failed: why, that the old corpus still answers, and, when
    the load left things out on the way, each with its reason (within Discord's limit)."""
    head = (
        f"Reload failed: {escape_markdown(clip(str(error), 500))}. "
        f"Still answering from version `{old_version}`."
    )
    skipped = error.skipped if isinstance(error, CorpusError) else ()
    if not skipped:
        return head
    title = f"\nSkipped ({len(skipped)}):\n"
    return head + title + skipped_lines(skipped, CONTENT_LIMIT - len(head) - len(title))


def report_embed(report: ReloadReport) -> discord.Embed:
    change, index = report.change, report.index
    embed = discord.Embed(title="Corpus reloaded", colour=ANSWER_COLOUR)
    embed.description = (
        f"{len(index.documents)} documents, {len(index.sentences)} sentences, "
        f"version `{index.version}`, {report.seconds:.2f} s"
    )
    embed.add_field(name=f"Added ({len(change.added)})", value=_ids(change.added), inline=False)
    embed.add_field(
        name=f"Removed ({len(change.removed)})", value=_ids(change.removed), inline=False
    )
    embed.add_field(
        name=f"Changed ({len(change.changed)})", value=_ids(change.changed), inline=False
    )
    embed.add_field(
        name=f"Skipped ({len(report.skipped)})",
        value=skipped_lines(report.skipped, FIELD_VALUE_LIMIT) if report.skipped else "none",
        inline=False,
    )
    return embed

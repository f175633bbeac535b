"""What /reload replies: the changes a reload made, or why it failed (pure, within limits)."""

from __future__ import annotations

import discord

from bot.corpus import SkippedFile
from bot.discord.client import ReloadReport
from bot.discord.embeds import (
    DESCRIPTION_LIMIT,
    FAILURE_COLOUR,
    FIELD_VALUE_LIMIT,
    SUCCESS_COLOUR,
    clip,
)
from bot.render import escape_markdown


def _ids(ids: tuple[str, ...]) -> str:
    return _fit_ids(ids, FIELD_VALUE_LIMIT)


def _fit_ids(ids: tuple[str, ...], limit: int) -> str:
    """The ids, escaped and comma-separated: as many whole ones as fit, then how many more."""
    shown: list[str] = []
    for number, doc_id in enumerate(ids):
        more = f", … and {len(ids) - number} more"
        candidate = ", ".join([*shown, escape_markdown(doc_id)])
        if len(candidate) + (len(more) if number < len(ids) - 1 else 0) > limit:
            return clip(", ".join(shown) + more if shown else more[2:], limit)
        shown.append(escape_markdown(doc_id))
    return ", ".join(shown)


def skipped_lines(skipped: tuple[SkippedFile, ...], limit: int) -> str:
    """One escaped line per skipped entry, `path: reason`: as many whole lines as fit in
    `limit` characters, then how many more were left out."""
    return fitting_lines([f"{entry.path}: {entry.reason}" for entry in skipped], limit)


def fitting_lines(texts: list[str], limit: int) -> str:
    """Each text as one escaped line (clipped): as many whole lines as fit in `limit`
    characters, then how many more were left out."""
    lines = [escape_markdown(clip(text, 300)) for text in texts]
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


def failure_embed(
    reason: str, articles: int, folder: str, skipped: tuple[SkippedFile, ...] = ()
) -> discord.Embed:
    """The red card of a reload that failed: that the previous corpus still answers, why,
    from which folder, and what the load left out on the way (within Discord's limits)."""
    noun = "article" if articles == 1 else "articles"
    embed = discord.Embed(
        title=f"Reload failed — still answering from the previous {articles:,} {noun}",
        colour=FAILURE_COLOUR,
    )
    embed.description = clip(
        f"**Reason:** {escape_markdown(clip(reason, 1500))}\n"
        f"**Folder:** `{clip(folder.replace('`', ''), 500)}`",
        DESCRIPTION_LIMIT,
    )
    if skipped:
        embed.add_field(
            name=f"Skipped ({len(skipped):,})",
            value=skipped_lines(skipped, FIELD_VALUE_LIMIT),
            inline=False,
        )
    return embed


def report_embed(report: ReloadReport) -> discord.Embed:
    """The green card of a reload that worked: what the corpus holds now, its version, and
    what was added, removed, changed or skipped (sections with nothing in them left out)."""
    change, index = report.change, report.index
    count = len(index.documents)
    embed = discord.Embed(
        title=f"Corpus reloaded — {count:,} article{'s' if count != 1 else ''}",
        colour=SUCCESS_COLOUR,
    )
    embed.description = (
        f"{len(index.sentences):,} sentences in {report.seconds:.2f} s · version `{index.version}`"
    )
    if report.built_by is not None:
        embed.description += (
            f"\nAnother reload ({escape_markdown(clip(report.built_by, 200))}) was running:"
            " this is its result."
        )
    if report.live > 1 or report.behind:
        noun = "process" if report.live == 1 else "processes"
        embed.description += f"\nServed by {report.serving} of {report.live} {noun}."
    if not (change.added or change.removed or change.changed or report.skipped):
        embed.description += "\nNo article was added, removed or changed."
    for name, ids in (
        ("Added", change.added),
        ("Removed", change.removed),
        ("Changed", change.changed),
    ):
        if ids:
            embed.add_field(name=f"{name} ({len(ids):,})", value=_ids(ids), inline=False)
    if report.skipped:
        embed.add_field(
            name=f"Skipped ({len(report.skipped):,})",
            value=skipped_lines(report.skipped, FIELD_VALUE_LIMIT),
            inline=False,
        )
    if report.behind:
        embed.add_field(
            name=f"Not serving it yet ({len(report.behind):,})",
            value=fitting_lines(list(report.behind), FIELD_VALUE_LIMIT),
            inline=False,
        )
    return embed

"""/reload: an administrator reloads the corpus from disk without interrupting answers."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import CorpusError, SkippedFile
from bot.discord.client import QABot, ReloadBusy, ReloadReport
from bot.discord.embeds import ANSWER_COLOUR, CONTENT_LIMIT, FIELD_VALUE_LIMIT, clip
from bot.render import escape_markdown

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
BUSY_MESSAGE = "A reload is already running; the current corpus keeps answering."


def is_admin(interaction: discord.Interaction[QABot]) -> bool:
    """Administrator permission, or a role listed in `admin_role_ids`, checked at run time.

    `default_permissions` only hides the command by default; server admins can
    change who sees it, so this check is what actually guards it.
    """
    member = interaction.user
    if not isinstance(member, discord.Member):
        raise app_commands.NoPrivateMessage
    admin_roles = set(interaction.client.settings.admin_role_ids)
    if member.guild_permissions.administrator or any(r.id in admin_roles for r in member.roles):
        return True
    raise app_commands.CheckFailure("Only administrators can reload the corpus.")


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


class AdminCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Reload the corpus from disk (admins)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    @app_commands.check(is_admin)
    async def reload(self, interaction: discord.Interaction[QABot]) -> None:
        if self.bot.reloading:
            await interaction.response.send_message(
                BUSY_MESSAGE, ephemeral=True, allowed_mentions=NONE
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        old_version = self.bot.index.version
        try:
            report = await self.bot.reload_corpus()
        except ReloadBusy:
            message = BUSY_MESSAGE
        except (CorpusError, OSError) as error:
            log.warning("reload failed: %s", error)
            message = failure_message(error, old_version)
        except Exception:
            # A bug, not a bad corpus: keep the traceback, and still say which corpus answers.
            log.exception("reload failed unexpectedly")
            message = (
                "Reload failed: an unexpected error (logged). "
                f"Still answering from version `{old_version}`."
            )
        else:
            await interaction.followup.send(
                embed=report_embed(report), ephemeral=True, allowed_mentions=NONE
            )
            return
        await interaction.followup.send(
            clip(message, CONTENT_LIMIT), ephemeral=True, allowed_mentions=NONE
        )


async def setup(bot: QABot) -> None:
    await bot.add_cog(AdminCog(bot))

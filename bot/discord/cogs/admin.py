"""/reload: an administrator reloads the corpus from disk without interrupting answers."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import CorpusError
from bot.discord.client import QABot, ReloadBusy, ReloadReport
from bot.discord.embeds import ANSWER_COLOUR, FIELD_VALUE_LIMIT, clip
from bot.render import escape_markdown

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()


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
    skipped = "\n".join(f"{s.path}: {s.reason}" for s in report.skipped)
    embed.add_field(
        name=f"Skipped files ({len(report.skipped)})",
        value=clip(escape_markdown(skipped), FIELD_VALUE_LIMIT) if skipped else "none",
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
                "A reload is already running; the current corpus keeps answering.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        old_version = self.bot.index.version
        try:
            report = await self.bot.reload_corpus()
        except ReloadBusy:
            message = "A reload is already running; the current corpus keeps answering."
        except (CorpusError, OSError) as error:
            log.warning("reload failed: %s", error)
            message = f"Reload failed: {error}. Still answering from version `{old_version}`."
        else:
            await interaction.followup.send(
                embed=report_embed(report), ephemeral=True, allowed_mentions=NONE
            )
            return
        await interaction.followup.send(
            clip(escape_markdown(message), 2000), ephemeral=True, allowed_mentions=NONE
        )


async def setup(bot: QABot) -> None:
    await bot.add_cog(AdminCog(bot))

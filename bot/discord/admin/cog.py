"""/reload: an administrator reloads the corpus from disk without interrupting answers."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import CorpusError
from bot.discord.admin.report import failure_message, report_embed
from bot.discord.client import QABot, ReloadBusy
from bot.discord.embeds import CONTENT_LIMIT, clip
from bot.discord.errors import NotAdmin

log = logging.getLogger(__name__)
BUSY_MESSAGE = "A reload is already running; the current corpus keeps answering."


def is_admin(interaction: discord.Interaction[QABot]) -> bool:
    """Administrator permission, or a role listed in `admin_role_ids`, checked at run time.

    `default_permissions` only hides the command by default; server admins can
    change who sees it, so this check is what actually guards it. (The command is
    guild-only, so the user is a member.)
    """
    member = interaction.user
    admin_roles = set(interaction.client.settings.admin_role_ids)
    if isinstance(member, discord.Member) and (
        member.guild_permissions.administrator or any(r.id in admin_roles for r in member.roles)
    ):
        return True
    raise NotAdmin("Only administrators can reload the corpus.")


class AdminCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Reload the corpus from disk (admins)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    @app_commands.check(is_admin)
    async def reload(self, interaction: discord.Interaction[QABot]) -> None:
        if self.bot.reloading:
            await interaction.response.send_message(BUSY_MESSAGE, ephemeral=True)
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
            await interaction.followup.send(embed=report_embed(report), ephemeral=True)
            return
        await interaction.followup.send(clip(message, CONTENT_LIMIT), ephemeral=True)

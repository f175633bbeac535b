"""The one error handler: what a user sees when a command or a button fails, and what the log
keeps. The command tree, the /sources pages and the answer buttons all send their errors here.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.store.storage import StorageError

log = logging.getLogger(__name__)

# Discord's JSON error codes for an interaction that can no longer be answered:
# its token expired (15 minutes) or it was never acknowledged in time (3 seconds).
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
EXPIRED_INTERACTION_CODES = frozenset({UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION})

STORAGE_DOWN = "Votes and more passages are unavailable right now; try again later."
UNEXPECTED = "Sorry, something went wrong answering that. It has been logged."


class NotAdmin(app_commands.CheckFailure):
    """A check refused someone who is not an administrator; `message` tells them so."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def handle_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException
) -> None:
    """Map each kind of error to what the user sees, in order, most specific first (modelled
    on Red-DiscordBot's tree): a refused check gets its message; an interaction Discord has
    already expired is logged as a warning, since no reply can reach anyone; a database
    fault is one warning line and a note; anything else is a programming error, logged with
    its traceback. One bad interaction never stops the bot.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original  # what the command itself raised
    where = _interaction_name(interaction)
    if isinstance(error, NotAdmin):
        message = error.message
    elif isinstance(error, discord.NotFound) and error.code in EXPIRED_INTERACTION_CODES:
        log.warning("%s: the interaction expired before the reply (%s)", where, error.text)
        return
    elif isinstance(error, StorageError):
        log.warning("%s: %s", where, error)  # one line: the storage names its file and fault
        message = STORAGE_DOWN
    else:
        log.error("error in %s", where, exc_info=error)
        message = UNEXPECTED
    await send_private(interaction, message)


def _interaction_name(interaction: discord.Interaction[Any]) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    custom_id = interaction.data.get("custom_id") if interaction.data else None
    return f"component {custom_id}" if custom_id else "an interaction"


async def send_private(interaction: discord.Interaction[Any], message: str) -> None:
    """An ephemeral reply, whether or not the interaction was already answered or deferred.

    After a defer, Discord makes the first followup fill in the "thinking..."
    message, so the note is private only if the command deferred privately;
    either way the asker is not left with a message that thinks forever. When
    Discord refuses (the interaction expired, a network fault), the note is lost:
    that is logged as a warning, never raised.
    """
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not tell the user %r: %s", message, error)

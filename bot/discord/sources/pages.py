"""Previous / Next buttons over the pages of /sources."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord.client import QABot
from bot.discord.embeds import ANSWER_COLOUR
from bot.discord.errors import handle_interaction_error

log = logging.getLogger(__name__)
PAGE_TIMEOUT_SECONDS = 300.0  # well within the 15 minutes an interaction can be edited


class SourcesPaginator(discord.ui.View):
    """Previous / Next buttons over pages of the source list, for the user who asked.

    When the buttons time out they are shown disabled, through the interaction that
    sent the list, rather than left clickable with nothing answering them.
    """

    def __init__(
        self, pages: list[str], title: str, interaction: discord.Interaction[QABot]
    ) -> None:
        super().__init__(timeout=PAGE_TIMEOUT_SECONDS)
        self.pages = pages
        self.title = title
        self.interaction = interaction
        self.owner_id = interaction.user.id
        self.page = 0
        self._update_buttons()

    def embed(self) -> discord.Embed:
        embed = discord.Embed(
            title=self.title, description=self.pages[self.page], colour=ANSWER_COLOUR
        )
        embed.set_footer(text=f"Page {self.page + 1}/{len(self.pages)}")
        return embed

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction[QABot]) -> bool:  # type: ignore[override]
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Run /sources yourself to page through the list.", ephemeral=True
            )
            return False
        return True

    async def on_timeout(self) -> None:
        self.previous.disabled = self.next.disabled = True
        try:
            await self.interaction.edit_original_response(view=self)
        except discord.HTTPException as error:  # the list was deleted, or Discord is down
            log.warning("could not disable the /sources buttons: %s", error)

    async def on_error(
        self,
        interaction: discord.Interaction[QABot],  # type: ignore[override]
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await handle_interaction_error(interaction, error)

    async def _turn(self, interaction: discord.Interaction[QABot], step: int) -> None:
        self.page = max(0, min(len(self.pages) - 1, self.page + step))
        self._update_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, +1)

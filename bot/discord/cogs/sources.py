"""/sources lists the documents, /source shows one."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import QABot, handle_interaction_error
from bot.discord.embeds import (
    ANSWER_COLOUR,
    clip,
    document_embed,
    paginate_lines,
    source_list_line,
)

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
PAGE_TIMEOUT_SECONDS = 300.0  # well within the 15 minutes an interaction can be edited
CHOICE_LIMIT = 25  # Discord shows at most 25 autocomplete choices
CHOICE_TEXT_LIMIT = 100  # ... each name and value at most 100 characters


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
            await self.interaction.edit_original_response(view=self, allowed_mentions=NONE)
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


class SourcesCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles the bot quotes from")
    async def sources(self, interaction: discord.Interaction[QABot]) -> None:
        index = self.bot.index
        lines = [source_list_line(d, len(index.sentences_of(d.id))) for d in index.documents]
        pages = paginate_lines(lines)
        title = f"{len(index.documents)} sources, {len(index.sentences)} sentences"
        view = SourcesPaginator(pages, title, interaction)
        if len(pages) == 1:
            await interaction.response.send_message(embed=view.embed(), allowed_mentions=NONE)
            return
        await interaction.response.send_message(
            embed=view.embed(), view=view, allowed_mentions=NONE
        )

    @app_commands.command(name="source", description="Show one article: its details and opening")
    @app_commands.describe(document="Start typing a title")
    async def source(self, interaction: discord.Interaction[QABot], document: str) -> None:
        index = self.bot.index
        found = index.document(document) or next(
            (d for d in index.documents if d.title.casefold() == document.casefold()), None
        )
        if found is None:
            await interaction.response.send_message(
                clip(
                    f"No source matches {document!r}: pick one from the suggestions as you type.",
                    2000,
                ),
                ephemeral=True,
                allowed_mentions=NONE,
            )
            return
        embed = document_embed(found, index.sentences_of(found.id))
        await interaction.response.send_message(embed=embed, allowed_mentions=NONE)

    @source.autocomplete("document")
    async def source_autocomplete(
        self, interaction: discord.Interaction[QABot], current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.casefold().strip()
        choices = []
        for document in self.bot.index.documents:
            if len(document.id) > CHOICE_TEXT_LIMIT:
                continue  # cannot be a choice value; still reachable by typing its title
            if needle in document.title.casefold() or needle in document.id.casefold():
                name = clip(document.title, CHOICE_TEXT_LIMIT)
                choices.append(app_commands.Choice(name=name, value=document.id))
                if len(choices) == CHOICE_LIMIT:
                    break
        return choices


async def setup(bot: QABot) -> None:
    await bot.add_cog(SourcesCog(bot))

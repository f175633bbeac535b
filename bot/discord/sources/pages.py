"""The pages of /sources: First / Previous / n of m / Next / Last, and a menu that opens an
article of the page shown."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.corpus import Document
from bot.discord.client import QABot
from bot.discord.embeds import (
    ANSWER_COLOUR,
    DESCRIPTION_LIMIT,
    clip,
    document_embed,
)
from bot.discord.errors import handle_interaction_error
from bot.render import readable_date
from bot.search.index import Index

log = logging.getLogger(__name__)
PAGE_TIMEOUT_SECONDS = 300.0  # well within the 15 minutes an interaction can be edited
OPTION_TEXT_LIMIT = 100  # a select option's label, value and description
FOOTER = "Pick an article below to read its opening · /ask asks about them"


class SourcesPaginator(discord.ui.View):
    """Buttons over the pages of the article list, and a menu opening an article of the page.

    Anyone who sees the list may page it (a private list is seen by its caller only). When
    the buttons time out they are shown disabled, through the interaction that sent the
    list, rather than left clickable with nothing answering them.
    """

    def __init__(
        self,
        index: Index,
        lines: list[str],
        pages: list[list[int]],
        title: str,
        interaction: discord.Interaction[QABot],
    ) -> None:
        super().__init__(timeout=PAGE_TIMEOUT_SECONDS)
        self.index = index
        self.lines = lines
        self.pages = pages
        self.title = title
        self.interaction = interaction
        self.page = 0
        self.menu: discord.ui.Select[SourcesPaginator] = discord.ui.Select(
            placeholder="Open an article…", row=1
        )
        self.menu.callback = self._open  # type: ignore[method-assign,assignment]
        self.add_item(self.menu)
        if len(pages) == 1:
            for button in (self.first, self.previous, self.where, self.next, self.last):
                self.remove_item(button)
        self._update()

    def _documents(self) -> list[Document]:
        documents = self.index.documents
        return [documents[at] for at in self.pages[self.page]]

    def embed(self) -> discord.Embed:
        shown = [clip(self.lines[at], DESCRIPTION_LIMIT) for at in self.pages[self.page]]
        embed = discord.Embed(
            title=self.title,
            description=clip("\n".join(shown), DESCRIPTION_LIMIT) or "No articles.",
            colour=ANSWER_COLOUR,
        )
        embed.set_footer(text=FOOTER)
        return embed

    def _update(self) -> None:
        last = len(self.pages) - 1
        self.first.disabled = self.previous.disabled = self.page == 0
        self.next.disabled = self.last.disabled = self.page >= last
        self.where.label = f"{self.page + 1} of {len(self.pages)}"
        options = []
        for document in self._documents():
            if len(document.id) > OPTION_TEXT_LIMIT:
                continue  # cannot be an option's value; /source still finds it by title
            details = [document.publisher, readable_date(document.published or "") or None]
            about = " · ".join(d for d in details if d)
            options.append(
                discord.SelectOption(
                    label=clip(document.title, OPTION_TEXT_LIMIT) or document.id,
                    value=document.id,
                    description=clip(about, OPTION_TEXT_LIMIT) or None,
                )
            )
        if options:
            self.menu.options = options
            if self.menu not in self.children:
                self.add_item(self.menu)
        elif self.menu in self.children:
            self.remove_item(self.menu)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
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

    async def _turn(self, interaction: discord.Interaction[QABot], page: int) -> None:
        self.page = max(0, min(len(self.pages) - 1, page))
        self._update()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    async def _open(self, interaction: discord.Interaction[QABot]) -> None:
        document = self.index.document(self.menu.values[0])
        if document is None:
            await interaction.response.send_message("That article is gone.", ephemeral=True)
            return
        embed = document_embed(document, self.index.sentences_of(document.id))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @discord.ui.button(label="First", style=discord.ButtonStyle.secondary, row=0)
    async def first(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, 0)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, row=0)
    async def previous(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(label="1 of 1", style=discord.ButtonStyle.secondary, disabled=True, row=0)
    async def where(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await interaction.response.defer()  # a label, never enabled

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, row=0)
    async def next(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, self.page + 1)

    @discord.ui.button(label="Last", style=discord.ButtonStyle.secondary, row=0)
    async def last(
        self, interaction: discord.Interaction[QABot], _: discord.ui.Button[SourcesPaginator]
    ) -> None:
        await self._turn(interaction, len(self.pages) - 1)

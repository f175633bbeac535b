"""/sources lists the documents, /source shows one."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus import Document, column
from bot.discord.client import QABot
from bot.discord.embeds import (
    CONTENT_LIMIT,
    clip,
    document_embed,
    paginate_lines,
    source_list_line,
)
from bot.discord.sources.pages import SourcesPaginator
from bot.search.index import Index

CHOICE_LIMIT = 25  # Discord shows at most 25 autocomplete choices
CHOICE_TEXT_LIMIT = 100  # ... each name and value at most 100 characters


def _source_pages(index: Index) -> tuple[list[str], list[list[int]]]:
    """The /sources list, one line a document, and its pages (blocking: it walks the corpus)."""
    lines = [source_list_line(d) for d in index.documents]
    return lines, paginate_lines(lines)


def _choices(index: Index, current: str) -> list[app_commands.Choice[str]]:
    """The first documents whose title or id holds `current`, as autocomplete choices
    (blocking: it reads every title)."""
    needle = current.casefold().strip()
    documents = index.documents
    choices = []
    for doc_id, title in zip(column(documents, "id"), column(documents, "title"), strict=True):
        if len(doc_id) > CHOICE_TEXT_LIMIT:
            continue  # cannot be a choice value; still reachable by typing its title
        if needle in title.casefold() or needle in doc_id.casefold():
            choices.append(app_commands.Choice(name=clip(title, CHOICE_TEXT_LIMIT), value=doc_id))
            if len(choices) == CHOICE_LIMIT:
                break
    return choices


def _find(index: Index, wanted: str) -> Document | None:
    """The document with this id, else the first with this title, ignoring case
    (blocking: it may read every title)."""
    found = index.document(wanted)
    if found is not None:
        return found
    title = wanted.casefold()
    titles = column(index.documents, "title")
    number = next((n for n, t in enumerate(titles) if t.casefold() == title), None)
    return None if number is None else index.documents[number]


class SourcesCog(commands.Cog):
    def __init__(self, bot: QABot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles the bot quotes from")
    @app_commands.describe(public="Show the list to everyone here (default: only you)")
    async def sources(self, interaction: discord.Interaction[QABot], public: bool = False) -> None:
        index = self.bot.index
        lines, pages = await asyncio.to_thread(_source_pages, index)
        count = len(index.documents)
        title = f"{count:,} article{'s' if count != 1 else ''} I quote from"
        view = SourcesPaginator(index, lines, pages, title, interaction)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=not public)

    @app_commands.command(name="source", description="Show one article: its details and opening")
    @app_commands.describe(document="Start typing a title")
    async def source(self, interaction: discord.Interaction[QABot], document: str) -> None:
        index = self.bot.index
        found = await asyncio.to_thread(_find, index, document)  # may read every title
        if found is None:
            await interaction.response.send_message(
                clip(
                    f"No source matches {document!r}: pick one from the suggestions as you type.",
                    CONTENT_LIMIT,
                ),
                ephemeral=True,
            )
            return
        embed = document_embed(found, index.sentences_of(found.id))
        await interaction.response.send_message(embed=embed)

    @source.autocomplete("document")
    async def source_autocomplete(
        self, interaction: discord.Interaction[QABot], current: str
    ) -> list[app_commands.Choice[str]]:
        # A walk over every title: in a thread, as the event loop must not wait on it.
        return await asyncio.to_thread(_choices, self.bot.index, current)

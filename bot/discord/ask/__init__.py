"""Questions: mentions, watched channels, the bot's threads and /ask; the buttons under answers."""

from __future__ import annotations

from bot.discord.ask.cog import AskCog
from bot.discord.client import QABot


async def setup(bot: QABot) -> None:
    """Loaded as an extension by the bot, which has built the answer service by then."""
    await bot.add_cog(AskCog(bot, bot.answers))

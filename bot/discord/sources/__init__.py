"""/sources lists the documents, paginated; /source shows one."""

from __future__ import annotations

from bot.discord.client import QABot
from bot.discord.sources.cog import SourcesCog


async def setup(bot: QABot) -> None:
    await bot.add_cog(SourcesCog(bot))

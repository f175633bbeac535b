"""/reload: an administrator reloads the corpus from disk without interrupting answers."""

from __future__ import annotations

from bot.discord.admin.cog import AdminCog
from bot.discord.client import QABot


async def setup(bot: QABot) -> None:
    await bot.add_cog(AdminCog(bot))

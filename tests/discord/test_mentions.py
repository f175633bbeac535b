"""No message the bot sends can ping anyone: the bot's default `AllowedMentions.none()` reaches
replies, channel and direct messages, edits, interaction responses and followups."""

from __future__ import annotations

import simcord

from bot import create_bot
from bot.discord.errors import NotAdmin
from tests.discord.helpers import World, make_settings, sent_bodies

QUESTION = "who led the Chinese delegation?"


async def test_no_message_the_bot_sends_can_ping(world: World) -> None:
    env, alice = world.env, world.alice
    ping = f"@everyone @here <@{alice.id}> <@&{world.admin_role.id}>"
    settings = make_settings(
        env.bot.settings.corpus_dir, question_cooldown_seconds=60, answer_in_thread=True
    )
    await env.restart_bot(create_bot(settings))
    me = env.bot.user

    asked = await alice.send(world.channel, f"<@{me.id}> {ping} {QUESTION}")  # into a thread
    await alice.send(world.channel, f"<@{me.id}> {ping} {QUESTION}")  # too soon: a DM
    await alice.send(world.channel, f"<@{me.id}> {ping}")  # nothing to search: a reply
    [thread] = world.channel.threads
    answer = thread.history()[-1]
    await world.admin.click(answer, label="More quotes (5)")  # a deferred interaction's followup
    await world.admin.click(answer, label="Show context")  # an interaction response
    down = next(
        str(child.custom_id)  # type: ignore[union-attr]
        for row in answer.components
        for child in row.children
        if str(getattr(child, "custom_id", "")).startswith("answer:down:")
    )
    await world.admin.click(answer, custom_id=down)  # a private acknowledgement with a menu
    await env.advance_time(61)
    await alice.edit(asked, f"<@{me.id}> {ping} Who is Eli Ratner?")  # an edited answer
    await world.admin.slash(world.channel, "ask", question=f"{ping} {QUESTION}")
    await world.admin.slash(world.channel, "source", document=f"{ping} nothing")
    reload = next(c for c in await env.bot.tree.fetch_commands() if c.name == "reload")
    world.guild.set_command_permissions(reload, {alice: True})
    await alice.slash(world.channel, "reload")  # refused by a check
    simcord.assert_error(env, NotAdmin)
    await world.admin.slash(world.channel, "reload")  # edits of a private deferred reply

    paths = [r.path for r in env.http_requests if r.method in {"POST", "PATCH"}]
    for kind in ("/interactions/", "/webhooks/", f"/channels/{thread.id}/messages"):
        assert any(kind in path for path in paths), kind
    assert any(r.method == "PATCH" and "/messages/" in r.path for r in env.http_requests)
    bodies = sent_bodies(env)
    assert len(bodies) >= 8
    for body in bodies:
        mentions = body["allowed_mentions"]
        assert isinstance(mentions, dict) and mentions["parse"] == [], body
        assert not mentions.get("users") and not mentions.get("roles"), body
        assert not mentions.get("replied_user"), body

"""A prompt full of pings and markup, echoed back by the bot on both platforms (through the real
discord.py / python-telegram-bot clients and the fake servers): it never pings anyone but the
requester, and it shows as typed — it never formats the bot's own message, turns into a masked
link, or hides the lines after it.

Discord renders Markdown in message content, so the echoed prompt must arrive escaped; Telegram
messages are sent as plain text (no parse_mode), so there the prompt must arrive unchanged.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e import discord_support as ds
from tests.e2e import telegram_support as ts
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram

HOSTILE = ("@everyone @here <@&{role}> <@{user}> **bold** __under__ ~~gone~~ `code` ||spoiler|| "
           "[click me](https://evil.example/x) <b>html</b> <a href=\"https://evil.example\">x</a> # not a heading")
# What each markup piece must NOT become in Discord content: unescaped, it would render.
_MARKUP = re.compile(r"(?<!\\)(\*\*|__|~~|`|\|\||\[click me\]\()")


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def test_discord_never_pings_and_shows_markup_as_typed(tmp_path: Path, discord_fake: FakeDiscord,
                                                            simulator: SimulatorServer) -> None:
    fake = discord_fake
    world = ds.populate(fake)
    bot = ds.RunningDiscordBot(ds.settings_for(tmp_path, fake), simulator, fake)
    await bot.start()
    try:
        prompt = HOSTILE.format(role=world.mod_role, user=world.root)
        inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                        {"prompt": prompt, "duration": 10})
        await fake.wait_for_callback(inter)
        video = await ds.wait_video(fake, world.channel_id)
        posted = fake.messages[int(video.response["id"])]
        job = await bot.wait_state(ds.job_id_in(posted, "again"), JobState.DELIVERED)
        status = fake.original_message(inter)
        assert status is not None
        await fake.wait_for(lambda r: r.method == "PATCH" and str(status.id) in r.path
                            and "Done" in (r.json or {}).get("content", ""))
    finally:
        await bot.stop()
    sent = [r for r in fake.calls() if r.method in ("POST", "PATCH") and isinstance(r.json, dict)
            and "content" in r.json and "everyone" in (r.json.get("content") or "")]
    assert sent, "the prompt was echoed"
    for request in sent:
        mentions = request.json.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], request.path  # no @everyone, roles
        assert not mentions.get("roles") and [int(u) for u in mentions.get("users", [])] in ([], [world.alice])
        assert not _MARKUP.search(request.json["content"]), request.json["content"]  # escaped, not rendered
    for message in fake.channel_messages(world.channel_id):
        if message.author_id == fake.bot_user_id:
            assert not message.pinged_everyone and not message.pinged_role_ids
            assert message.pinged_user_ids <= {world.alice}
    assert job.snapshot in posted.content and job.id in posted.content  # the lines after the prompt are intact


@pytest.fixture
async def telegram_fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        ts.populate(server)
        yield server


async def test_telegram_sends_the_prompt_as_plain_text(tmp_path: Path, telegram_fake: FakeTelegram,
                                                       simulator: SimulatorServer) -> None:
    fake = telegram_fake
    bot = await ts.RunningBot(ts.settings_for(tmp_path, fake), simulator).start(fake)
    prompt = "*bold* _it_ `code` [click me](https://evil.example/x) <b>html</b> <a href='x'>y</a> @everyone"
    try:
        fake.send_text(ts.GROUP, ts.ALICE, f"/sora 10 {prompt}")
        video = await fake.wait_for_call("sendVideo", timeout=ts.STEP)
        await ts.wait_state(bot, ts.job_id_of(fake.calls("sendMessage")[0]), JobState.DELIVERED)
    finally:
        await bot.stop()
    calls = [c for m in ("sendMessage", "editMessageText", "sendVideo") for c in fake.calls(m)]
    echoed = [c for c in calls if "click me" in str(c.params.get("text") or c.params.get("caption") or "")]
    assert echoed and video in echoed
    for call in echoed:
        assert not call.params.get("parse_mode"), call.params  # plain text: nothing in the prompt is markup
        assert not call.params.get("entities") and not call.params.get("caption_entities")
        shown = str(call.params.get("text") or call.params.get("caption"))
        assert "[click me](https://evil.example/x)" in shown and "<b>html</b>" in shown  # exactly as typed

"""Platform faults through the fake Discord and Telegram servers and the real client libraries.

Each ends with the video delivered once and charged once, or the job failed with its credits
released and the member told. Already covered by the adapters' own e2e tests (not repeated):
- Discord: 429s waited out, over the upload limit (re-encoded), missing channel permissions,
  refused interaction tokens (tests/e2e/test_discord_jobs.py);
- Telegram: 429 with retry_after, 413 too large (re-encoded), a deleted status message, the bot
  removed from the group mid-job, slow edits (tests/e2e/test_telegram_jobs.py).

"The Bot API going away for a minute" is shortened: the outage lasts a few seconds and the
pipeline's delivery back-off (2 s doubling to 30 s, for up to 15 minutes) is scaled down by the
same factor, so the test exercises what a one-minute outage does in production in a few seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs import runner as runner_module
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e import discord_support as ds
from tests.e2e import telegram_support as ts
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram

OUTAGE = 6.0  # seconds: "a minute", shortened 10x
SCALE = 10.0


@pytest.fixture
def scaled_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "DELIVERY_RETRY_BASE", runner_module.DELIVERY_RETRY_BASE / SCALE)
    monkeypatch.setattr(runner_module, "DELIVERY_RETRY_CAP", runner_module.DELIVERY_RETRY_CAP / SCALE)
    monkeypatch.setattr(runner_module, "DELIVERY_PATIENCE", runner_module.DELIVERY_PATIENCE / SCALE)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        ts.populate(server)
        yield server


@pytest.fixture
async def tg_bot(tmp_path: Path, tg: FakeTelegram, simulator: SimulatorServer) -> AsyncIterator[ts.RunningBot]:
    running = await ts.RunningBot(ts.settings_for(tmp_path, tg), simulator).start(tg)
    try:
        yield running
    finally:
        await running.stop()


@pytest.mark.usefixtures("scaled_backoff")
@pytest.mark.parametrize("refuse", [False, True], ids=["502-pages", "connection-refused"])
async def test_bot_api_away_for_a_minute_as_the_video_is_ready(tg: FakeTelegram, tg_bot: ts.RunningBot,
                                                               simulator: SimulatorServer, refuse: bool) -> None:
    simulator.set_speed(2)
    tg.send_text(ts.GROUP, ts.ALICE, "/sora 10 a lighthouse in the fog")
    status = await tg.wait_for_call("sendMessage")
    job_id = ts.job_id_of(status)
    await ts.wait_state(tg_bot, job_id, JobState.RUNNING)
    await tg.go_down(OUTAGE, refuse=refuse)
    simulator.set_speed(50)  # the video is ready while Telegram is away
    await ts.wait_state(tg_bot, job_id, JobState.DELIVERING, timeout=OUTAGE)
    job = await ts.wait_state(tg_bot, job_id, JobState.DELIVERED, timeout=OUTAGE + 40)
    delivered = [c for c in tg.calls("sendVideo") if c.status == 200]
    assert len(delivered) == 1, [c.status for c in tg.calls("sendVideo")]
    assert job.result_ref and job.result_ref["message_id"] == delivered[0].result["message_id"]
    assert await tg_bot.ledger() == {"hold": 10, "charge": 10}
    await tg.wait_for(lambda: any((m.text or "").startswith("✅") for m in tg.bot_messages(ts.GROUP)), timeout=10)


async def test_no_right_to_send_videos_fails_clearly_and_releases(tg: FakeTelegram, tg_bot: ts.RunningBot) -> None:
    tg.inject_error("sendVideo", 400, "Bad Request: not enough rights to send videos to the chat", count=5)
    tg.send_text(ts.GROUP, ts.ALICE, "/sora 10 a cat in a restricted group")
    status = await tg.wait_for_call("sendMessage")
    job = await ts.wait_state(tg_bot, ts.job_id_of(status), JobState.FAILED, timeout=30)
    assert job.reason == "delivery_failed" and "not enough rights" in (job.reason_detail or "").lower()
    assert len(tg.calls("sendVideo")) == 1  # a refusal is not retried
    assert await tg_bot.ledger() == {"hold": 10, "release": 10}
    await tg.wait_for(lambda: any("No credits were spent" in (m.text or "") for m in tg.bot_messages(ts.GROUP)),
                      timeout=10)


async def test_telegram_500s_on_upload_are_retried(tg: FakeTelegram, tg_bot: ts.RunningBot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "DELIVERY_RETRY_BASE", 0.1)
    tg.inject_error("sendVideo", 500, "Internal Server Error", count=2)
    tg.send_text(ts.GROUP, ts.ALICE, "/sora 10 a hiccup")
    status = await tg.wait_for_call("sendMessage")
    await ts.wait_state(tg_bot, ts.job_id_of(status), JobState.DELIVERED, timeout=30)
    assert [c.status for c in tg.calls("sendVideo")] == [500, 500, 200]
    assert await tg_bot.ledger() == {"hold": 10, "charge": 10}


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def dc_world(dc: FakeDiscord) -> ds.World:
    return ds.populate(dc)


@pytest.fixture
async def dc_bot(tmp_path: Path, dc: FakeDiscord, dc_world: ds.World,
                 simulator: SimulatorServer) -> AsyncIterator[ds.RunningDiscordBot]:
    running = ds.RunningDiscordBot(ds.settings_for(tmp_path, dc), simulator, dc)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_discord_deleted_status_message_gets_a_new_one(dc: FakeDiscord, dc_world: ds.World,
                                                             dc_bot: ds.RunningDiscordBot,
                                                             simulator: SimulatorServer) -> None:
    simulator.set_speed(2)
    inter = await dc.invoke_slash(dc_world.guild_id, dc_world.channel_id, dc_world.alice, "sora",
                                  {"prompt": "a cat that hides", "duration": 10})
    await dc.wait_for_call("PATCH", f"/webhooks/{dc.application_id}/{inter.token}/messages/@original")
    status = dc.original_message(inter)
    assert status is not None
    job_id = ds.job_id_in(status, "cancel")
    status.deleted = True  # a moderator deleted the bot's status message
    simulator.set_speed(50)
    await ds.wait_video(dc, dc_world.channel_id)
    job = await dc_bot.wait_state(job_id, JobState.DELIVERED)
    done = await dc.wait_for(lambda r: r.status == 200 and r.path.startswith(f"/channels/{dc_world.channel_id}/")
                             and (r.json or {}).get("content", "").startswith("✅"))
    assert str(status.id) not in done.path  # the final edit went to the new status message
    assert await dc_bot.ledger() == {"hold": 10, "charge": 10}
    assert job.status_ref and str(job.status_ref.get("message_id")) != str(status.id)


@pytest.mark.usefixtures("scaled_backoff")
async def test_discord_unavailable_for_a_while_at_upload(dc: FakeDiscord, dc_world: ds.World,
                                                         dc_bot: ds.RunningDiscordBot) -> None:
    outage = dc.inject_status(f"POST /channels/{dc_world.channel_id}/messages", 503, count=4)
    inter = await dc.invoke_slash(dc_world.guild_id, dc_world.channel_id, dc_world.alice, "sora",
                                  {"prompt": "a snail in the rain", "duration": 10})
    await dc.wait_for_callback(inter)
    video = await ds.wait_video(dc, dc_world.channel_id, timeout=60)
    job = await dc_bot.wait_state(ds.job_id_in(dc.messages[int(video.response["id"])], "again"), JobState.DELIVERED)
    assert outage.hits == 4
    assert len(ds.video_posts(dc, dc_world.channel_id)) == 1  # posted once
    assert job.result_ref and job.result_ref["message_id"] == video.response["id"]
    assert await dc_bot.ledger() == {"hold": 10, "charge": 10}

"""A job's life on Discord: /sora through the real discord.py, the fake Discord and the simulator."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.discord_support import (
    RunningDiscordBot,
    World,
    job_id_in,
    populate,
    settings_for,
    wait_video,
)
from tests.fakes.discord_server import FLAG_EPHEMERAL, FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    return populate(fake)


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeDiscord, world: World,
              simulator: SimulatorServer) -> AsyncIterator[RunningDiscordBot]:
    running = RunningDiscordBot(settings_for(tmp_path, fake), simulator, fake)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def test_sora_deferred_status_edits_video_and_one_charge(
        fake: FakeDiscord, world: World, bot: RunningDiscordBot, caplog: pytest.LogCaptureFixture) -> None:
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                    {"prompt": "an orange cat naps in the sun @everyone <@&1>", "duration": 15})
    callback = await fake.wait_for_callback(inter)
    assert callback.status in (200, 204) and callback.json["type"] == 5  # deferred, publicly
    assert not (callback.json.get("data") or {}).get("flags", 0) & FLAG_EPHEMERAL
    assert inter.response_delay is not None and inter.response_delay < 3.0

    first = await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
    assert first.status == 200 and first.json["content"].startswith("🎬 Queued")
    assert first.json["allowed_mentions"] == {"parse": []}
    status = fake.original_message(inter)
    assert status is not None
    job_id = job_id_in(status, "cancel")

    video = await wait_video(fake, world.channel_id)
    job = await bot.wait_state(job_id, JobState.DELIVERED)
    assert [f.filename for f in video.files] == [f"sorabot-{job_id}.mp4"]
    assert video.files[0].data[4:8] == b"ftyp"
    mentions = video.json["allowed_mentions"]
    assert mentions["parse"] == [] and [int(u) for u in mentions["users"]] == [world.alice]
    assert not mentions.get("replied_user") and not mentions.get("roles")
    assert int(video.json["message_reference"]["message_id"]) == status.id
    posted = fake.messages[int(video.response["id"])]
    assert posted.pinged_user_ids == {world.alice} and not posted.pinged_everyone and not posted.pinged_role_ids
    content = posted.content
    assert content.startswith(f"<@{world.alice}>")
    assert "an orange cat naps in the sun" in content and job.snapshot in content
    assert "15 s" in content and "1.5 credits" in content and job_id in content
    assert {job_id_in(posted, a) for a in ("again", "remix", "save")} == {job_id}

    # status edits went through the interaction token, ending with the delivered text and no buttons
    await fake.wait_for(lambda r: r.method == "PATCH" and r.path.startswith(
        f"/webhooks/{fake.application_id}/{inter.token}/messages/{status.id}") and "Done" in r.json["content"])
    edits = fake.calls("PATCH", f"/webhooks/*/{inter.token}/messages/*")
    assert len(edits) >= 3 and all(e.status == 200 for e in edits)
    assert fake.messages[status.id].content.startswith("✅ Done") and fake.messages[status.id].components == []

    totals = await bot.ledger()
    assert totals == {"hold": 15, "charge": 15}  # held once, charged once, nothing released
    assert fake.unknown_routes == [] and fake.server_errors == []
    _no_errors(caplog)

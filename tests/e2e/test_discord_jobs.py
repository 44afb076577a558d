"""A job's life on Discord: /sora through the real discord.py, the fake Discord and the simulator."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import media
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.discord_support import (
    MovableClock,
    RunningDiscordBot,
    World,
    job_id_in,
    populate,
    settings_for,
    wait_video,
)
from tests.fakes.discord_server import ATTACH_FILES, FLAG_EPHEMERAL, FakeDiscord


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


async def test_over_the_upload_limit_is_reencoded_to_fit(tmp_path: Path, fake: FakeDiscord, world: World) -> None:
    limit = 70_000
    fake.set_upload_limit(world.guild_id, limit)  # the interaction's attachment_size_limit says so too
    async with SimulatorServer(host="127.0.0.1", port=0, speed=20, render_width=640) as big:
        bot = RunningDiscordBot(settings_for(tmp_path, fake), big, fake)
        await bot.start()
        try:
            inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                            {"prompt": "a detailed city at night, neon signs", "duration": 10})
            await fake.wait_for_callback(inter)
            video = await wait_video(fake, world.channel_id)
            job = await bot.wait_state(job_id_in(fake.messages[int(video.response["id"])], "again"),
                                       JobState.DELIVERED)
            original = Path(job.video_path or "")
            assert original.stat().st_size > limit  # what the provider made did not fit
            assert fake.calls("POST", "/channels/*/messages", status=413) == []  # fitted before the upload
            received = tmp_path / "received.mp4"
            received.write_bytes(video.files[0].data)
            assert len(video.files[0].data) < limit
            info = media.probe(received)
            assert info.has_video and info.codec == "h264" and abs(info.duration - 10) < 0.5

            # Discord refuses anyway (413/40005) a file under the limit we were told: fit smaller, retry
            fake.set_upload_limit(world.guild_id, None)
            mark = fake.mark()
            fake.inject_status("POST /channels/*/messages", 413, 40005, count=1, message="Request entity too large")
            again = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                            {"prompt": "a detailed harbour at dawn, many boats", "duration": 10})
            await fake.wait_for_callback(again)
            second = await wait_video(fake, world.channel_id, since=mark)
            refused = fake.calls("POST", f"/channels/{world.channel_id}/messages", status=413, since=mark)
            assert len(refused) == 1 and len(second.files[0].data) < len(refused[0].files[0].data)
            received.write_bytes(second.files[0].data)
            assert media.probe(received).has_video

            # a limit no re-encode can meet: the thumbnail is posted and says why, credits released
            fake.set_upload_limit(world.guild_id, 20_000)
            mark = fake.mark()
            third = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                            {"prompt": "a crowded market, every stall different", "duration": 10})
            await fake.wait_for_call("PATCH", f"/webhooks/*/{third.token}/messages/@original")
            status = fake.original_message(third)
            assert status is not None
            job = await bot.wait_state(job_id_in(status, "cancel"), JobState.FAILED)
            thumb = fake.calls("POST", f"/channels/{world.channel_id}/messages", status=200, since=mark)
            assert [f.filename for f in thumb[-1].files] == [f"sorabot-{job.id}.jpg"]
            assert "larger than this server's" in thumb[-1].json["content"]
            assert {job_id_in(fake.messages[int(thumb[-1].response["id"])], a) for a in ("again", "remix")} == {job.id}
            assert (await bot.ledger()) == {"hold": 30, "charge": 20, "release": 10}
        finally:
            await bot.stop()


async def test_token_expiry_switches_to_channel_routes(tmp_path: Path, fake: FakeDiscord, world: World,
                                                       simulator: SimulatorServer,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    clock = MovableClock()
    bot = RunningDiscordBot(settings_for(tmp_path, fake), simulator, fake, clock=clock)
    await bot.start()
    try:
        simulator.set_speed(4)  # a 10 s video takes 2.5 s
        inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                        {"prompt": "a lighthouse in a storm"})
        await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
        status = fake.original_message(inter)
        assert status is not None
        job_id = job_id_in(status, "cancel")
        # 14 minutes pass (the core's clock) and Discord has expired the token
        clock.advance(14 * 60)
        fake.age_interaction(inter, 16 * 60)
        mark = fake.mark()
        simulator.set_speed(20)
        video = await wait_video(fake, world.channel_id, since=mark)
        await bot.wait_state(job_id, JobState.DELIVERED)
        done = await fake.wait_for(lambda r: r.method == "PATCH" and r.path == f"/channels/{world.channel_id}/"
                                   f"messages/{status.id}" and "Done" in (r.json or {}).get("content", ""),
                                   since=mark)
        assert done.status == 200
        assert fake.calls(None, f"/webhooks/*/{inter.token}/**", since=mark) == []  # switched before expiry
        assert int(video.json["message_reference"]["message_id"]) == status.id
        assert fake.messages[status.id].content.startswith("✅ Done")
    finally:
        await bot.stop()
    _no_errors(caplog)


async def test_refused_token_falls_back_to_channel_routes(fake: FakeDiscord, world: World,
                                                          bot: RunningDiscordBot) -> None:
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                    {"prompt": "a kite over the dunes"})
    await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
    status = fake.original_message(inter)
    assert status is not None
    fake.interaction_token_lifetime = 1.0  # Discord expires it early: the adapter's clock does not know
    fake.age_interaction(inter, 2.0)
    await wait_video(fake, world.channel_id)
    await fake.wait_for(lambda r: r.method == "PATCH" and r.path == f"/channels/{world.channel_id}/messages/"
                        f"{status.id}" and "Done" in (r.json or {}).get("content", ""))
    refused = fake.calls("PATCH", f"/webhooks/*/{inter.token}/messages/*", status=401)
    assert refused and refused[0].error_code == 50027


async def test_rate_limits_are_waited_out(fake: FakeDiscord, world: World, bot: RunningDiscordBot,
                                          caplog: pytest.LogCaptureFixture) -> None:
    post_429 = fake.inject_429("POST /channels/*/messages", retry_after=0.3)
    edit_429 = fake.inject_429("PATCH /webhooks/*/*/messages/*", retry_after=0.2, bucket="webhook")
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                    {"prompt": "a snail races a leaf"})
    await fake.wait_for_callback(inter)
    video = await wait_video(fake, world.channel_id)
    posts = fake.calls("POST", f"/channels/{world.channel_id}/messages")
    assert [p.status for p in posts] == [429, 200] and posts[1].time - posts[0].time >= 0.25
    assert post_429.hits == 1 and edit_429.hits == 1
    job = await bot.wait_state(job_id_in(fake.messages[int(video.response["id"])], "again"), JobState.DELIVERED)
    assert job.result_ref and job.result_ref["message_id"] == video.response["id"]
    assert await bot.ledger() == {"hold": 10, "charge": 10}
    _no_errors(caplog)


async def test_missing_channel_permissions(fake: FakeDiscord, world: World, bot: RunningDiscordBot,
                                           caplog: pytest.LogCaptureFixture) -> None:
    fake.deny_bot(world.channel_id, ATTACH_FILES)
    caplog.set_level(logging.WARNING, logger="sorabot.discord")
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora", {"prompt": "a cat"})
    callback = await fake.wait_for_callback(inter)
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] & FLAG_EPHEMERAL
    assert "missing Attach Files" in callback.json["data"]["content"]
    assert any(str(world.channel_id) in r.getMessage() and "attach_files" in r.getMessage()
               for r in caplog.records if r.name == "sorabot.discord")
    assert await bot.ledger() == {}

    # permissions taken away while the job runs: it ends clearly, credits released
    fake.set_overwrite(world.channel_id, fake.bot_user_id, deny=0, member=True)
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora", {"prompt": "a dog"})
    await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
    status = fake.original_message(inter)
    assert status is not None
    job_id = job_id_in(status, "cancel")
    fake.deny_bot(world.channel_id, ATTACH_FILES)
    job = await bot.wait_state(job_id, JobState.FAILED)
    assert job.reason == "delivery_failed"
    assert fake.calls("POST", f"/channels/{world.channel_id}/messages", status=403)
    await fake.wait_for(lambda r: r.method == "PATCH" and str(status.id) in r.path
                        and "Failed" in (r.json or {}).get("content", ""))
    assert "could not be posted here" in fake.messages[status.id].content
    assert await bot.ledger() == {"hold": 10, "release": 10}
    assert any(str(world.channel_id) in r.getMessage() and "post the video" in r.getMessage()
               for r in caplog.records if r.name == "sorabot.discord")


async def test_failed_job_ends_clearly_with_credits_released(fake: FakeDiscord, world: World,
                                                             bot: RunningDiscordBot) -> None:
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                    {"prompt": "a storm [sim:moderation]", "duration": 20})
    await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
    status = fake.original_message(inter)
    assert status is not None
    job = await bot.wait_state(job_id_in(status, "cancel"), JobState.FAILED)
    await fake.wait_for(lambda r: r.method == "PATCH" and str(status.id) in r.path
                        and "Failed" in (r.json or {}).get("content", ""))
    text = fake.messages[status.id].content
    assert text.startswith("❌ Failed: the video service refused this prompt") and "2 returned" in text
    assert fake.messages[status.id].custom_ids() == [f"sora:again:{job.id}"]
    assert await bot.ledger() == {"hold": 20, "release": 20}


async def test_dm_uses_the_personal_scope(fake: FakeDiscord, world: World, bot: RunningDiscordBot) -> None:
    inter = await fake.invoke_slash(None, None, world.alice, "sora", {"prompt": "a tiny robot waters a plant"})
    await fake.wait_for_callback(inter)
    dm = fake.open_dm(world.alice)
    video = await wait_video(fake, dm.id)
    job = (await bot.jobs())[-1]
    assert job.scope_id == f"discord:dm:{world.alice}" and job.destination["guild_id"] is None
    await bot.wait_state(job.id, JobState.DELIVERED)
    assert int(video.json["message_reference"]["message_id"]) == inter.original_message_id
    # in a DM the user is the admin of their personal scope
    pin = await fake.invoke_slash(None, None, world.alice, "snapshot", {"id": "sora-2-2025-10-06"},
                                  subcommand="pin")
    callback = await fake.wait_for_callback(pin)
    assert callback.json["data"]["content"].startswith("Pinned sora-2-2025-10-06")


async def test_sora_in_a_thread(fake: FakeDiscord, world: World, bot: RunningDiscordBot) -> None:
    thread = fake.add_text_channel(world.guild_id, "cats-only", channel_type=11, parent_id=world.channel_id)
    await fake.push_channel_update(thread.id)
    inter = await fake.invoke_slash(world.guild_id, thread.id, world.alice, "sora", {"prompt": "a cat in a box"})
    assert (await fake.wait_for_callback(inter)).json["type"] == 5
    video = await wait_video(fake, thread.id)
    assert int(video.json["message_reference"]["message_id"]) == inter.original_message_id

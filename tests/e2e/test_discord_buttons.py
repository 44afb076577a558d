"""Persistent job buttons on Discord: Cancel, Again, Remix and Save as character — also after a restart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ProviderConfig
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
from tests.fakes.discord_server import FLAG_EPHEMERAL, FakeDiscord, FakeInteraction


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    return populate(fake)


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def _ephemeral_text(fake: FakeDiscord, inter: FakeInteraction) -> str:
    """The text the bot showed only to the user for this interaction (reply, or deferred then edited)."""
    cb = await fake.wait_for_callback(inter)
    if cb.json["type"] == 4:
        assert cb.json["data"]["flags"] & FLAG_EPHEMERAL
        return str(cb.json["data"]["content"])
    edit = await fake.wait_for(lambda r: r.method in ("PATCH", "POST") and f"/{inter.token}" in r.path
                               and r.path != f"/interactions/{inter.id}/{inter.token}/callback" and r.status == 200)
    msg = fake.messages[int(edit.response["id"])]
    assert msg.ephemeral
    return msg.content


async def _sora(fake: FakeDiscord, world: World, user: int, prompt: str, **options: object) -> FakeInteraction:
    inter = await fake.invoke_slash(world.guild_id, world.channel_id, user, "sora", {"prompt": prompt, **options})
    await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/{inter.token}/messages/@original")
    return inter


async def test_buttons_work_after_a_restart_mid_job(tmp_path: Path, fake: FakeDiscord, world: World,
                                                    simulator: SimulatorServer,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    one_slot = ProviderConfig(name="simulator", kind="simulator", max_in_flight=1,
                              snapshots=["sora-2-2025-10-06", "sora-2-2025-12-08"], durations=[10, 15, 20, 25])
    bot = RunningDiscordBot(settings_for(tmp_path, fake, providers=[one_slot]), simulator, fake)
    await bot.start()
    try:
        # 1. a delivered video (with Again / Remix / Save as character)
        first = await _sora(fake, world, world.alice, "a red fox trots through snow")
        video = await wait_video(fake, world.channel_id)
        assert first.original_message_id is not None
        delivered = fake.messages[int(video.response["id"])]
        fox_job = job_id_in(delivered, "again")
        await bot.wait_state(fox_job, JobState.DELIVERED)

        # 2. a long job takes the only provider slot; 3. alice's next job waits in the queue
        simulator.set_speed(0.5)
        await _sora(fake, world, world.root, "a slow sunrise over the sea")
        blocker = next(j for j in await bot.jobs() if j.user_id == f"discord:{world.root}")
        await bot.wait_state(blocker.id, JobState.RUNNING)
        queued_inter = await _sora(fake, world, world.alice, "a blue bird sings")
        queued_status = fake.original_message(queued_inter)
        assert queued_status is not None and queued_status.content.startswith("🎬 Queued")
        queued_job = job_id_in(queued_status, "cancel")
    finally:
        await bot.stop()  # like SIGTERM, with one job running and one queued

    bot = RunningDiscordBot(settings_for(tmp_path, fake, providers=[one_slot]), simulator, fake)
    await bot.start()
    try:
        assert (await bot.job(queued_job)).state == JobState.QUEUED
        # Cancel from someone else is refused, specifically and only to them
        mark = fake.mark()
        other = await fake.click_button(queued_status.id, f"sora:cancel:{queued_job}", world.mod)
        assert "belongs to someone else" in await _ephemeral_text(fake, other)
        assert (await bot.job(queued_job)).state == JobState.QUEUED
        # the requester's Cancel (a button posted by the previous process) works
        click = await fake.click_button(queued_status.id, f"sora:cancel:{queued_job}", world.alice)
        text = await _ephemeral_text(fake, click)
        assert text.startswith(f"Cancelled job {queued_job}") and "1 credit returned" in text
        await bot.wait_state(queued_job, JobState.CANCELLED)
        await fake.wait_for(lambda r: r.method == "PATCH" and str(queued_status.id) in r.path
                            and "Cancelled" in (r.json or {}).get("content", ""), since=mark)
        assert fake.messages[queued_status.id].components == []  # no Cancel button any more

        # the running job resumed in the new process and finishes in the channel
        simulator.set_speed(200)
        await bot.wait_state(blocker.id, JobState.DELIVERED)

        # Again (on the video posted before the restart): same request, new job, new hold
        mark = fake.mark()
        again = await fake.click_button(delivered.id, f"sora:again:{fox_job}", world.alice)
        cb = await fake.wait_for_callback(again)
        assert cb.json["type"] == 5 and not (cb.json.get("data") or {}).get("flags", 0) & FLAG_EPHEMERAL
        await wait_video(fake, world.channel_id, since=mark)
        again_job = next(j for j in await bot.jobs() if j.parent_job_id == fox_job)
        assert again_job.prompt == "a red fox trots through snow" and again_job.user_id == f"discord:{world.alice}"
        await bot.wait_state(again_job.id, JobState.DELIVERED)

        # Save as character: a modal asks the name; the character is made from the job's video
        save = await fake.click_button(delivered.id, f"sora:save:{fox_job}", world.alice)
        cb = await fake.wait_for_callback(save)
        assert cb.json["type"] == 9 and cb.json["data"]["custom_id"] == f"sora:save-modal:{fox_job}"
        submitted = await fake.submit_modal(f"sora:save-modal:{fox_job}", {"name": "foxy"}, world.alice)
        await fake.wait_for_callback(submitted)
        saved = await fake.wait_for_call("PATCH", f"/webhooks/*/{submitted.token}/messages/@original", timeout=10)
        assert saved.json["content"].startswith("Saved @foxy")
        assert any(r.path == "/v1/videos/characters" for r in simulator.requests)

        totals = await bot.ledger()
        # fox 10 + blocker 10 + queued 10 (released) + again 10
        assert totals == {"hold": 40, "charge": 30, "release": 10}
    finally:
        await bot.stop()
    assert fake.unknown_routes == [] and fake.server_errors == []
    _no_errors(caplog)


async def test_remix_modal_prefilled_then_new_job(tmp_path: Path, fake: FakeDiscord, world: World,
                                                  simulator: SimulatorServer) -> None:
    bot = RunningDiscordBot(settings_for(tmp_path, fake), simulator, fake)
    await bot.start()
    try:
        await _sora(fake, world, world.alice, "a paper boat on a river", duration=10)
        video = await wait_video(fake, world.channel_id)
        delivered = fake.messages[int(video.response["id"])]
        job_id = job_id_in(delivered, "remix")

        click = await fake.click_button(delivered.id, f"sora:remix:{job_id}", world.alice)
        cb = await fake.wait_for_callback(click)
        assert cb.json["type"] == 9
        modal = cb.json["data"]
        assert modal["custom_id"] == f"sora:remix-modal:{job_id}"
        field = modal["components"][0]["components"][0]
        assert field["custom_id"] == "prompt" and field["value"] == "a paper boat on a river"

        mark = fake.mark()
        submitted = await fake.submit_modal(f"sora:remix-modal:{job_id}",
                                            {"prompt": "a paper boat on a stormy sea"}, world.alice)
        assert (await fake.wait_for_callback(submitted)).json["type"] == 5
        await wait_video(fake, world.channel_id, since=mark)
        remix = next(j for j in await bot.jobs() if j.parent_job_id == job_id)
        assert remix.prompt == "a paper boat on a stormy sea" and remix.seconds == 10
        await bot.wait_state(remix.id, JobState.DELIVERED)
    finally:
        await bot.stop()

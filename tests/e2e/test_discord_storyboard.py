"""Discord: /storyboard opens a modal (one scene per line) whose submission makes one video of the
total length on the provider with storyboards; /provider for admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import media
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.discord_support import RunningDiscordBot, World, populate, settings_for, wait_video
from tests.fakes.discord_server import FakeDiscord, FakeInteraction

SCENES = "0-5: sunrise over the city\n5-10: the street wakes up\n10-15: a tram crosses the bridge"


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
    running = RunningDiscordBot(settings_for(tmp_path, fake), simulator, fake)  # the default: both shapes
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def _text(fake: FakeDiscord, inter: FakeInteraction, needle: str) -> str:
    """The text of the bot's answer to an interaction that contains ``needle``."""
    request = await fake.wait_for(lambda r: r.method in ("POST", "PATCH") and inter.token in r.path
                                  and needle in str(r.json), timeout=10)
    return str(request.json)


async def test_storyboard_modal_makes_one_video_of_the_total_length(
        tmp_path: Path, fake: FakeDiscord, world: World, bot: RunningDiscordBot, simulator: SimulatorServer) -> None:
    command = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "storyboard",
                                      {"size": "portrait"})
    cb = await fake.wait_for_callback(command)
    assert cb.json["type"] == 9  # a modal, at once
    modal = cb.json["data"]
    assert modal["custom_id"] == "sora:storyboard-modal:portrait"
    field = modal["components"][0]["components"][0]
    assert field["custom_id"] == "scenes" and field["style"] == 2  # paragraph: one scene per line

    submitted = await fake.submit_modal("sora:storyboard-modal:portrait", {"scenes": SCENES}, world.alice)
    assert (await fake.wait_for_callback(submitted)).json["type"] == 5  # deferred publicly
    video = await wait_video(fake, world.channel_id)
    (job,) = await bot.jobs()
    job = await bot.wait_state(job.id, JobState.DELIVERED)  # the upload comes just before the record
    assert (job.state, job.provider, job.seconds, job.size) == (JobState.DELIVERED, "simulator-gateway", 15,
                                                                "720x1280")
    assert [s[2] for s in job.storyboard] == ["sunrise over the city", "the street wakes up",
                                              "a tram crosses the bridge"]
    body = next(r.json for r in simulator.requests if r.path == "/sora/generate")
    assert [(s["start"], s["end"]) for s in body["storyboard"]] == [(0, 5), (5, 10), (10, 15)]
    upload = next(f for f in video.files if (f.filename or "").endswith(".mp4"))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(upload.data)
    assert abs(media.probe(clip).duration - 15) < 0.2
    assert await bot.ledger() == {"hold": 15, "charge": 15}


async def test_a_bad_storyboard_is_refused_with_its_reason_and_nothing_held(
        fake: FakeDiscord, world: World, bot: RunningDiscordBot) -> None:
    command = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "storyboard", {})
    assert (await fake.wait_for_callback(command)).json["data"]["custom_id"] == "sora:storyboard-modal:default"
    submitted = await fake.submit_modal("sora:storyboard-modal:default",
                                        {"scenes": "0-5: sunrise\n7-10: the street wakes up"}, world.alice)
    assert "gap from 5 s to 7 s between scene 1 and scene 2" in await _text(fake, submitted, "gap from")
    assert await bot.ledger() == {}


async def test_provider_priority_and_status_for_admins(fake: FakeDiscord, world: World,
                                                       bot: RunningDiscordBot) -> None:
    refused = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "provider",
                                      {"priority": "cost"}, subcommand="priority", respect_default_permissions=False)
    assert "Only admins" in await _text(fake, refused, "Only admins")
    done = await fake.invoke_slash(world.guild_id, world.channel_id, world.root, "provider", {"priority": "cost"},
                                   subcommand="priority")
    assert "cheapest first" in await _text(fake, done, "cheapest first")
    status = await fake.invoke_slash(world.guild_id, world.channel_id, world.root, "provider", {},
                                     subcommand="status")
    text = await _text(fake, status, "simulator-gateway")
    assert "in rotation" in text and "cheapest first" in text

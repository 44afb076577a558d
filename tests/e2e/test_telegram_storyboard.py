"""A storyboard as a multi-line Telegram message, through the real python-telegram-bot and the
fake Bot API, routed to the task-gateway shape of the simulator (the only one with storyboards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import media
from bot.config import ProviderConfig
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.telegram_support import (
    ALICE,
    GROUP,
    STEP,
    RunningBot,
    job_id_of,
    populate,
    reply_to,
    settings_for,
    simulator_provider,
    wait_state,
)
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        populate(server)
        yield server


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTelegram, simulator: SimulatorServer) -> AsyncIterator[RunningBot]:
    gateway = ProviderConfig(name="simulator-gateway", kind="simulator-gateway", storyboard=True,
                             price_per_request=0.5, stability=60)
    running = await RunningBot(settings_for(tmp_path, fake, providers=[simulator_provider(), gateway]),
                               simulator).start(fake)
    try:
        yield running
    finally:
        await running.stop()


async def test_a_multi_line_storyboard_message_makes_one_video_of_the_total_length(
        tmp_path: Path, fake: FakeTelegram, bot: RunningBot, simulator: SimulatorServer) -> None:
    text = "/sora storyboard\n0-5: sunrise over the city\n5-10: the street wakes up\n10-15: a tram crosses"
    fake.send_text(GROUP, ALICE, text)
    video = await fake.wait_for_call("sendVideo", timeout=STEP)
    status = fake.calls("sendMessage")[0]
    assert status.params["text"].startswith("🎬 Queued") and "15 s · 1.5 credits held" in status.params["text"]
    assert not [c for c in fake.calls("sendMessage") if "How long" in c.params["text"]]  # no duration keyboard
    job = await wait_state(bot, job_id_of(status), JobState.DELIVERED)  # written right after sendVideo returns
    assert (job.state, job.provider, job.seconds) == (JobState.DELIVERED, "simulator-gateway", 15)
    assert job.storyboard == [[0, 5, "sunrise over the city"], [5, 10, "the street wakes up"],
                              [10, 15, "a tram crosses"]]
    body = next(r.json for r in simulator.requests if r.path == "/sora/generate")
    assert [s["text"] for s in body["storyboard"]] == ["sunrise over the city", "the street wakes up",
                                                       "a tram crosses"]
    upload = video.file("video")
    assert upload is not None
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(upload.data)
    assert abs(media.probe(clip).duration - 15) < 0.2


async def test_a_bad_storyboard_is_refused_with_a_specific_message(fake: FakeTelegram, bot: RunningBot) -> None:
    message = fake.send_text(GROUP, ALICE, "/sora storyboard\n0-5: sunrise\n7-10: the street wakes up")
    answer = await reply_to(fake, GROUP, message["message_id"], timeout=STEP)
    assert "gap from 5 s to 7 s between scene 1 and scene 2" in answer
    assert await bot.ledger() == {}

"""``sorabot run`` as a real process: it starts Discord when SORABOT_DISCORD__TOKEN is set and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.discord_support import populate, wait_video
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_sorabot_run_serves_discord_and_stops_on_sigterm(tmp_path: Path, fake: FakeDiscord) -> None:
    world = populate(fake)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORABOT_")}
    env.update({
        "SORABOT_DISCORD__TOKEN": fake.token,
        "SORABOT_DISCORD__API_BASE": fake.api_base,
        "SORABOT_DISCORD__GATEWAY_URL": fake.gateway_url,
        "SORABOT_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'sorabot.db'}",
        "SORABOT_STORAGE__MEDIA_DIR": str(tmp_path / "media"),
        "SORABOT_SIMULATOR__SPEED": "20",
        "SORABOT_LIMITS__POLL_MIN_INTERVAL": "0.05",
        "SORABOT_LIMITS__POLL_MAX_INTERVAL": "1",
    })
    log_path = tmp_path / "sorabot.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                                    stdin=asyncio.subprocess.DEVNULL, stdout=log_file,
                                                    stderr=asyncio.subprocess.STDOUT)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not (fake.connected_sessions and fake.global_commands):
                assert proc.returncode is None, log_path.read_text()
                assert loop.time() < deadline, "sorabot run did not connect: " + log_path.read_text()
                await asyncio.sleep(0.05)

            inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                            {"prompt": "a paper plane over rooftops"})
            await fake.wait_for_callback(inter)
            video = await wait_video(fake, world.channel_id)
            assert video.files[0].data[4:8] == b"ftyp"
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
    output = log_path.read_text()
    assert code == 0, output
    assert "Traceback" not in output, output
    assert fake.token not in output  # the token is masked in every log record

"""Discord and Telegram side by side in one process, as ``sorabot run`` starts them with both tokens set."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from adapters.runner import run_adapters
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.e2e import discord_support
from tests.e2e.telegram_support import (
    ALICE,
    GROUP,
    STEP,
    RunningBot,
    job_id_of,
    populate,
    simulator_provider,
    telegram_config,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


async def both_connected(tg: FakeTelegram, dc: FakeDiscord, task: asyncio.Task[object] | None = None,
                         proc: asyncio.subprocess.Process | None = None) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not (tg.calls("getUpdates") and dc.connected_sessions and dc.calls("PUT", "/applications/*/**")):
        if task is not None and task.done():
            task.result()
            raise AssertionError("run_adapters returned during start-up")
        if proc is not None and proc.returncode is not None:
            raise AssertionError(f"sorabot run exited with {proc.returncode} during start-up")
        if loop.time() > deadline:
            raise AssertionError("the adapters did not both connect in time")
        await asyncio.sleep(0.02)


async def test_discord_and_telegram_in_one_loop_each_serve_a_job(tmp_path: Path, simulator: SimulatorServer) -> None:
    async with FakeTelegram() as tg, FakeDiscord() as dc:
        populate(tg)
        world = discord_support.populate(dc)
        settings = make_settings(tmp_path, telegram=telegram_config(tg), discord=discord_support.discord_config(dc),
                                 providers=[simulator_provider()])
        stop = asyncio.Event()
        task = asyncio.create_task(run_adapters(settings, stop, simulator=simulator, backoff_base=0.01))
        try:
            await both_connected(tg, dc, task)
            command = tg.send_text(GROUP, ALICE, "/sora 10 a cat seen on Telegram")
            inter = await dc.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                          {"prompt": "a dog seen on Discord", "duration": 15})

            tg_video = await tg.wait_for_call("sendVideo", timeout=STEP)
            dc_video = await discord_support.wait_video(dc, world.channel_id)
            assert tg_video.params["reply_parameters"]["message_id"] == command["message_id"]
            assert "a cat seen on Telegram" in tg_video.params["caption"]
            assert "a dog seen on Discord" in dc.messages[int(dc_video.response["id"])].content
            assert (await dc.wait_for_callback(inter)).status in (200, 204)

            observer = RunningBot(settings, simulator)  # read-only view of the shared database
            tg_job = await observer.job(job_id_of(tg_video))
            jobs = {j.platform: j for j in await observer.jobs()}
            assert set(jobs) == {"telegram", "discord"} and jobs["telegram"].id == tg_job.id
            for _ in range(100):
                jobs = {j.platform: j for j in await observer.jobs()}
                if all(j.state == JobState.DELIVERED for j in jobs.values()):
                    break
                await asyncio.sleep(0.05)
            assert [j.state for j in jobs.values()] == [JobState.DELIVERED] * 2
            assert jobs["discord"].scope_id == f"discord:guild:{world.guild_id}"
            assert jobs["telegram"].scope_id == f"telegram:chat:{GROUP}"
            assert await observer.ledger() == {"hold": 25, "charge": 25}
        finally:
            stop.set()  # what SIGTERM does in `sorabot run`
            await asyncio.wait_for(task, 15)
        polls = len(tg.calls("getUpdates"))
        await asyncio.sleep(0.3)
        assert len(tg.calls("getUpdates")) == polls  # Telegram stopped polling
        assert not dc.connected_sessions  # Discord closed its gateway connection


async def test_sorabot_run_with_both_tokens_and_sigterm(tmp_path: Path) -> None:
    """The real command line: ``sorabot run`` configured only by environment, stopped by SIGTERM."""
    async with FakeTelegram() as tg, FakeDiscord() as dc:
        populate(tg)
        world = discord_support.populate(dc)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SORABOT_")}
        env.update({
            "SORABOT_TELEGRAM__TOKEN": tg.token,
            "SORABOT_TELEGRAM__BASE_URL": tg.base_url,
            "SORABOT_TELEGRAM__BASE_FILE_URL": tg.base_file_url,
            "SORABOT_DISCORD__TOKEN": dc.token,
            "SORABOT_DISCORD__API_BASE": dc.api_base,
            "SORABOT_DISCORD__GATEWAY_URL": dc.gateway_url,
            "SORABOT_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            "SORABOT_STORAGE__MEDIA_DIR": str(tmp_path / "media"),
            "SORABOT_SIMULATOR__SPEED": "20",
            "SORABOT_LIMITS__POLL_MIN_INTERVAL": "0.05",
            "SORABOT_PROVIDERS": json.dumps([simulator_provider().model_dump(mode="json", exclude={"api_key"})]),
        })
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await both_connected(tg, dc, proc=proc)
            tg.send_text(GROUP, ALICE, "/sora 10 a cat from the command line")
            await dc.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                  {"prompt": "a dog from the command line", "duration": 10})
            await tg.wait_for_call("sendVideo", timeout=STEP)
            await discord_support.wait_video(dc, world.channel_id)
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 15)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        log = stderr.decode(errors="replace")
        assert proc.returncode == 0, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        assert tg.token not in log and dc.token not in log  # secrets are masked in the log
        assert not dc.connected_sessions

"""Running sorabot's Discord adapter the way ``sorabot run`` does, against the fake Discord.

``RunningDiscordBot`` starts ``adapters.runner.run_adapters`` in a task with a ``DiscordConfig``
whose ``api_base`` and ``gateway_url`` point at the fake (the adapter itself points discord.py at
them) and the simulator as the video provider, and stops it like SIGTERM does (the stop event).
The database is observed through a separate connection, as an operator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from adapters.runner import run_adapters
from bot.config import DiscordConfig, Settings
from bot.jobs.model import Job, JobState
from bot.simulator import SimulatorServer
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import LedgerRepo
from tests.conftest import make_settings
from tests.fakes.discord_server import MANAGE_GUILD, FakeDiscord, FakeMessage, RecordedRequest

STEP = 20.0  # seconds: generous timeout for one job through the simulator


@dataclass
class World:
    """One server with a #videos channel, a member (alice), a Manage Server admin (root) and a
    member (mod) holding a role that the settings name as an admin role."""

    fake: FakeDiscord
    guild_id: int
    channel_id: int
    alice: int
    root: int
    mod: int
    mod_role: int


def populate(fake: FakeDiscord, *, premium_tier: int = 0) -> World:
    guild = fake.add_guild(name="Sora Fans", premium_tier=premium_tier)
    channel = fake.add_text_channel(guild.id, "videos")
    alice = fake.add_member(guild.id, name="alice")
    root = fake.add_member(guild.id, name="root", permissions=MANAGE_GUILD)
    role = fake.add_role(guild.id, "moderators")
    mod = fake.add_member(guild.id, name="mod", roles=[role.id])
    return World(fake, guild.id, channel.id, alice.id, root.id, mod.id, role.id)


def discord_config(fake: FakeDiscord, **overrides: Any) -> DiscordConfig:
    return DiscordConfig(token=SecretStr(fake.token), api_base=fake.api_base, gateway_url=fake.gateway_url,
                         **overrides)


def settings_for(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    discord = overrides.pop("discord", None) or discord_config(fake)
    return make_settings(tmp_path, discord=discord, **overrides)


class MovableClock:
    """The core's clock (UTC), which a test can move forward (token expiry without waiting)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


class RunningDiscordBot:
    def __init__(self, settings: Settings, simulator: SimulatorServer, fake: FakeDiscord,
                 **core_overrides: Any) -> None:
        self.settings = settings
        self.simulator = simulator
        self.fake = fake
        self.core_overrides = core_overrides
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> RunningDiscordBot:
        mark = self.fake.mark()
        identifies = self.fake.identifies
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(run_adapters(self.settings, self.stop_event, simulator=self.simulator,
                                                     backoff_base=0.01, **self.core_overrides))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while not (self.fake.identifies > identifies and self.fake.connected_sessions
                   and self.fake.calls("PUT", "/applications/*/**", since=mark)):
            if self.task.done():
                self.task.result()  # raise the start-up error
                raise AssertionError("run_adapters returned during start-up")
            if loop.time() > deadline:
                raise AssertionError("the Discord adapter did not connect and sync in time")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self.task is None:
            return
        self.stop_event.set()
        await asyncio.wait_for(self.task, 15)
        self.task = None

    @contextlib.asynccontextmanager
    async def _db(self) -> AsyncIterator[Database]:
        db = Database(self.settings.storage.url)
        try:
            yield db
        finally:
            await db.dispose()

    async def ledger(self) -> dict[str, int]:
        async with self._db() as db:
            return await LedgerRepo(db).totals()

    async def jobs(self) -> list[Job]:
        async with self._db() as db:
            return await JobRepo(db).all()

    async def job(self, job_id: str) -> Job:
        async with self._db() as db:
            job = await JobRepo(db).get(job_id)
        assert job is not None, job_id
        return job

    async def wait_state(self, job_id: str, *states: JobState, timeout: float = STEP) -> Job:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            job = await self.job(job_id)
            if job.state in states:
                return job
            if loop.time() > deadline:
                raise AssertionError(f"job {job_id} is {job.state}, not {states}, after {timeout}s")
            await asyncio.sleep(0.05)


def job_id_in(message: FakeMessage, action: str = "cancel") -> str:
    """The job id carried by a message's ``sora:<action>:<job id>`` button."""
    for cid in message.custom_ids():
        prefix = f"sora:{action}:"
        if cid.startswith(prefix):
            return cid[len(prefix):]
    raise AssertionError(f"no {action} button on message {message.id}: {message.custom_ids()}")


def video_posts(fake: FakeDiscord, channel_id: int, since: int = 0) -> list[RecordedRequest]:
    return [r for r in fake.calls("POST", f"/channels/{channel_id}/messages", since=since, status=200)
            if any((f.filename or "").endswith(".mp4") for f in r.files)]


async def wait_video(fake: FakeDiscord, channel_id: int, since: int = 0,
                     timeout: float = STEP) -> RecordedRequest:  # noqa: ASYNC109
    return await fake.wait_for(
        lambda r: r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.status == 200
        and any((f.filename or "").endswith(".mp4") for f in r.files), timeout=timeout, since=since)

"""Running sorabot's Telegram adapter the way ``sorabot run`` does, against the fake Bot API.

``RunningBot`` starts ``adapters.runner.run_adapters`` in a task (the simulator as the video
provider) and stops it like SIGTERM does (the stop event). The database is observed through a
separate read-only connection, so the tests look at the ledger and the jobs as an operator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av

from adapters.runner import run_adapters
from bot.config import ProviderConfig, Settings, TelegramConfig
from bot.jobs.model import Job, JobState
from bot.simulator import SimulatorServer
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import LedgerRepo
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram, RecordedRequest

GROUP = -1001234567890
ALICE = 1001  # a group member
BOB = 1002  # a group administrator
CAROL = 1003  # another member
STEP = 20.0  # seconds: generous timeout for one job through the simulator


def telegram_config(fake: FakeTelegram, **overrides: Any) -> TelegramConfig:
    return TelegramConfig(token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, **overrides)


def simulator_provider(**overrides: Any) -> ProviderConfig:
    """One provider (the simulator, OpenAI shape): these tests are about Telegram, not routing."""
    values: dict[str, Any] = {"name": "simulator", "kind": "simulator",
                              "snapshots": ["sora-2-2025-10-06", "sora-2-2025-12-08"], "durations": [10, 15, 20, 25],
                              "characters": True, **overrides}
    return ProviderConfig(**values)


def settings_for(tmp_path: Path, fake: FakeTelegram, **overrides: Any) -> Settings:
    telegram = overrides.pop("telegram", None) or telegram_config(fake)
    overrides.setdefault("providers", [simulator_provider()])
    return make_settings(tmp_path, telegram=telegram, **overrides)


def populate(fake: FakeTelegram) -> None:
    fake.user(ALICE, "Alice", "alice")
    fake.user(BOB, "Bob", "bob")
    fake.user(CAROL, "Carol", "carol", language_code=None)
    fake.group(GROUP, "Cats")
    fake.set_member_status(GROUP, BOB, "administrator")
    fake.private(ALICE)


class RunningBot:
    def __init__(self, settings: Settings, simulator: SimulatorServer) -> None:
        self.settings = settings
        self.simulator = simulator
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None

    async def start(self, fake: FakeTelegram | None = None) -> RunningBot:
        polls_before = len(fake.calls("getUpdates")) if fake is not None else 0
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(run_adapters(self.settings, self.stop_event, simulator=self.simulator,
                                                     backoff_base=0.01))
        if fake is not None:  # started: polling
            await fake.wait_for(lambda: self._check() or len(fake.calls("getUpdates")) > polls_before, timeout=10)
        return self

    def _check(self) -> bool:
        if self.task is not None and self.task.done():
            self.task.result()  # raise the start-up error
        return False

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


async def wait_state(bot: RunningBot, job_id: str, state: JobState, timeout: float = STEP) -> Job:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        job = await bot.job(job_id)
        if job.state == state:
            return job
        if loop.time() > deadline:
            raise AssertionError(f"job {job_id} is {job.state}, not {state}, after {timeout}s")
        await asyncio.sleep(0.05)


def replies_to(fake: FakeTelegram, chat_id: int, message_id: int) -> list[str]:
    """Texts of the bot's messages replying to ``message_id`` (current versions)."""
    return [m.text or m.caption or "" for m in fake.bot_messages(chat_id) if m.reply_to_message_id == message_id]


async def reply_to(fake: FakeTelegram, chat_id: int, message_id: int, timeout: float = 5.0) -> str:  # noqa: ASYNC109
    texts = await fake.wait_for(lambda: replies_to(fake, chat_id, message_id), timeout)
    return texts[0]


def job_id_of(call: RecordedRequest) -> str:
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            _action, _, job_id = str(button.get("callback_data", "")).partition(":")
            if job_id:
                return job_id
    raise AssertionError(f"no job button in {call.params}")


def make_mp4(width: int = 64, height: int = 48, frames: int = 24, fps: int = 12) -> bytes:
    """A real (tiny) MP4 a user can send and the core can probe."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([i * 10 % 256]) * plane.buffer_size)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()

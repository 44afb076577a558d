"""The Telegram port streams a video upload from disk instead of holding the file in memory.

Through python-telegram-bot's real client (``ExtBot`` with ``AIORateLimiter``) against the fake Bot API:

- the fake receives the file byte for byte on every attempt: after a 429 the rate limiter resends the
  same ``InputFile``, after a group migration the port resends it to the supergroup, and each resend
  must carry the whole file again (a streamed handle must be rewound);
- the file handle is closed once the delivery is over, whether it was sent or refused;
- the Python memory the upload of a 16 MB video allocates stays far below 16 MB (tracemalloc), with the
  fake in another process so that its copy of the upload is not counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot

from adapters.telegram.bot import TelegramAdapter
from adapters.telegram.port import TelegramPort
from bot.jobs.model import Job, JobState
from bot.ports import DeliveryFailed, DeliveryView
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
GROUP = -1001234567890
SUPERGROUP = -1009876543210
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MB = 1024 * 1024

# The fake Bot API in a child process: prints its address as one JSON line, stops when stdin closes.
SERVE = f"""
import asyncio, json, sys
from tests.fakes.telegram_server import FakeTelegram

async def main():
    async with FakeTelegram() as fake:
        fake.group({GROUP}, "Cats")
        print(json.dumps({{"base_url": fake.base_url, "base_file_url": fake.base_file_url, "token": fake.token}}),
              flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


def job(job_id: str, chat_id: int = GROUP) -> Job:
    return Job(id=job_id, scope_id=f"telegram:{chat_id}", user_id="telegram:1", user_name="ana", platform="telegram",
               locale="en", state=JobState.DELIVERING, prompt="a cat", seconds=10, size="1280x720",
               snapshot="sora-2-2025-10-06", snapshot_why="pin", cost_tenths=10, period_start=NOW, created_at=NOW,
               updated_at=NOW, deadline_at=NOW, destination={"chat_id": chat_id})


def video_file(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)  # random: any lost, repeated or reordered chunk changes the bytes received
    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    return path, data


def open_handles(path: Path) -> int:
    """How many of this process's file descriptors point at ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
    return count


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")


@contextlib.asynccontextmanager
async def real_bot(base_url: str, base_file_url: str, token: str) -> AsyncIterator[Bot]:
    """The client the adapter runs with: ``ExtBot`` whose requests go through ``AIORateLimiter``."""
    bot: ExtBot[Any] = ExtBot(token, base_url=base_url, base_file_url=base_file_url,
                              rate_limiter=AIORateLimiter(**TelegramAdapter.rate_limits))
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.group(GROUP, "Cats")
        server.group(SUPERGROUP, "Cats")
        yield server


@needs_proc
async def test_every_resend_carries_the_whole_file_and_the_handle_is_closed(tmp_path: Path,
                                                                             fake: FakeTelegram) -> None:
    video, data = video_file(tmp_path, 3 * MB + 12345)  # many 64 KB chunks, and a partial last one
    fake.inject_429("sendVideo", retry_after=1)  # AIORateLimiter waits and resends the same request
    fake.inject_error("sendVideo", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                      parameters={"migrate_to_chat_id": SUPERGROUP})  # the port resends to the supergroup
    async with real_bot(fake.base_url, fake.base_file_url, fake.token) as bot:
        port = TelegramPort(bot, chat_action_every=60)
        ref = await port.deliver_video(job("jstream1"), video, None, DeliveryView(caption="done"))
        assert open_handles(video) == 0

    attempts = fake.calls("sendVideo")
    assert [a.status for a in attempts] == [429, 400, 200]
    for attempt in attempts:
        upload = attempt.file("video")
        assert upload is not None and upload.filename == "jstream1.mp4" and upload.content_type == "video/mp4"
        assert upload.size == len(data) and upload.data == data
    assert attempts[-1].params["chat_id"] == SUPERGROUP
    assert ref["chat_id"] == SUPERGROUP and fake.file_bytes(ref["file_id"]) == data


@needs_proc
async def test_a_refused_upload_closes_the_file(tmp_path: Path, fake: FakeTelegram) -> None:
    video, _data = video_file(tmp_path, 200_000)
    fake.inject_error("sendVideo", 400, "Bad Request: not enough rights to send videos to the chat")
    async with real_bot(fake.base_url, fake.base_file_url, fake.token) as bot:
        port = TelegramPort(bot, chat_action_every=60)
        with pytest.raises(DeliveryFailed):
            await port.deliver_video(job("jstream2"), video, None, DeliveryView(caption="done"))
        assert open_handles(video) == 0


@contextlib.contextmanager
def fake_in_another_process() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-c", SERVE], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        yield json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()  # the child stops when its stdin closes
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


async def test_uploading_a_16_mb_video_allocates_far_less_than_16_mb(tmp_path: Path) -> None:
    size = 16 * MB  # under the cloud API's 20 MB getFile limit, so the fake's copy can be fetched back
    video, data = video_file(tmp_path, size)
    del data  # only the digest stays: the test itself must not hold the file either
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    with fake_in_another_process() as info:
        async with real_bot(info["base_url"], info["base_file_url"], info["token"]) as bot:
            port = TelegramPort(bot, chat_action_every=60)
            await bot.send_chat_action(GROUP, "typing")  # connections and lazy imports before measuring
            tracemalloc.start()
            try:
                ref = await port.deliver_video(job("jstream3"), video, None, DeliveryView(caption="done"))
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            received = await (await bot.get_file(ref["file_id"])).download_as_bytearray()
    assert len(received) == size and hashlib.sha256(received).hexdigest() == digest
    # Holding the file (as bytes, or a multipart body built from them) would peak above 16 MB; streamed,
    # the upload holds a few 64 KB chunks at a time.
    assert peak < size / 8, f"upload peaked at {peak / MB:.1f} MB of Python memory for a {size / MB:.0f} MB file"


async def test_thumbnail_fallback_is_sent_whole_and_closed(tmp_path: Path, fake: FakeTelegram) -> None:
    thumb = tmp_path / "thumb.jpg"
    data = b"\xff\xd8\xff\xe0" + os.urandom(150_000)  # a JPEG's magic, then anything
    thumb.write_bytes(data)
    async with real_bot(fake.base_url, fake.base_file_url, fake.token) as bot:
        port = TelegramPort(bot, chat_action_every=60)
        await port.deliver_thumbnail(job("jstream4"), thumb, DeliveryView(caption="only the thumbnail"))
        if Path("/proc/self/fd").is_dir():
            assert open_handles(thumb) == 0
    upload = fake.last_call("sendPhoto").file("photo")
    assert upload is not None and upload.filename == "jstream4.jpg" and upload.data == data

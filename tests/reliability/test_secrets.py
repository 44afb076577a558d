"""Secrets: run with known tokens and API keys and look for them everywhere a person or a log could
see them — command output, logs, error messages, replies, the database. None may appear.

The provider here is hostile on purpose: it echoes the API key it received in its error bodies
(as some real APIs do, masked or not), so every path that logs or stores a provider's answer is
exercised with the key in it. Logging redaction itself: tests/unit/test_logs.py.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import ProviderConfig, TelegramConfig
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.telegram_support import ALICE, GROUP, RunningBot, populate, wait_state
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
DISCORD_TOKEN = "MTIzNDU2Nzg5.discord-secret-token-XYZ"
TELEGRAM_TOKEN = "424242:telegram-secret-token-ABC"
WEBHOOK_SECRET = "webhook-secret-QRS"
GOOD_KEY = "sk-live-good-key-0123456789"
BAD_KEY = "sk-live-revoked-key-9876543210"
SECRETS = (DISCORD_TOKEN, TELEGRAM_TOKEN, WEBHOOK_SECRET, GOOD_KEY, BAD_KEY,
           "discord-secret-token", "telegram-secret-token", "good-key-0123", "revoked-key-9876")


class LeakyProvider:
    """An OpenAI-shape API that puts the bearer key it got into every error it answers."""

    def __init__(self) -> None:
        self.port = 0
        self.seen_keys: list[str] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.seen_keys.append(key)
        if key != GOOD_KEY:
            return web.json_response({"error": {"message": f"Incorrect API key provided: {key}.",
                                                "type": "invalid_request_error", "code": "invalid_api_key"}},
                                     status=401)
        return web.json_response({"error": {"message": f"internal error while serving key {key}",
                                            "type": "server_error", "code": None}}, status=500)


@pytest.fixture
async def leaky() -> AsyncIterator[LeakyProvider]:
    server = LeakyProvider()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def run(cmd: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """A CLI run that leaves this event loop free to serve the provider it talks to."""
    proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 120)
    return proc.returncode or 0, out.decode(), err.decode()


def assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} found in {where}"


CONFIG = """
environment = "development"
log_level = "DEBUG"

[[providers]]
name = "good"
kind = "openai"
base_url = "{url}"
max_retries = 1
stability = 90

[[providers]]
name = "revoked"
kind = "openai"
base_url = "{url}"
max_retries = 1
stability = 10

[storage]
url = "sqlite+aiosqlite:///{data}/sorabot.db"
media_dir = "{data}/media"

[console]
out_dir = "{data}/out"
"""


async def test_cli_logs_replies_and_database_never_show_a_secret(tmp_path: Path, leaky: LeakyProvider) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(url=f"http://127.0.0.1:{leaky.port}", data=data))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORABOT_")}
    env.update(SORABOT_DISCORD__TOKEN=DISCORD_TOKEN, SORABOT_TELEGRAM__TOKEN=TELEGRAM_TOKEN,
               SORABOT_TELEGRAM__WEBHOOK_SECRET=WEBHOOK_SECRET, SORABOT_PROVIDER_KEYS__GOOD=GOOD_KEY,
               SORABOT_PROVIDER_KEYS__REVOKED=BAD_KEY)
    cli = [sys.executable, "-m", "bot", "--config", str(config)]

    code, out, err = await run([*cli, "check-config"], env)
    assert code == 0, err
    assert "api_key=set" in out
    assert_clean("check-config output", out + err)

    script = "/sora a cat on a roof --duration 10\n/wait\n/jobs\n/quota\n/provider status\n/snapshot show\n/help\n"
    code, out, err = await run([*cli, "demo"], env, script)
    assert code == 0, err
    assert "No credits were spent" in out
    assert {GOOD_KEY, BAD_KEY} <= set(leaky.seen_keys)  # both keys really went out (and came back in errors)
    assert_clean("the demo's replies", out)
    assert_clean("the demo's stderr", err)
    log = (data / "sorabot.log").read_text()
    assert "HTTP 401" in log or "credentials" in log  # the provider errors were logged, with the key masked
    assert_clean("the log file", log)
    dump = "\n".join(sqlite3.connect(data / "sorabot.db").iterdump())
    assert "failed" in dump  # the job and its failure reason are in there
    assert_clean("the database", dump)


async def test_telegram_replies_never_show_a_secret(tmp_path: Path, simulator: SimulatorServer,
                                                    leaky: LeakyProvider) -> None:
    from tests.conftest import make_settings

    async with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        populate(fake)
        provider = ProviderConfig(name="good", kind="openai", base_url=f"http://127.0.0.1:{leaky.port}",
                                  max_retries=1, snapshots=["sora-2-2025-10-06", "sora-2-2025-12-08"])
        settings = make_settings(tmp_path, providers=[provider], provider_keys={"good": GOOD_KEY},
                                 discord={"token": None},
                                 telegram=TelegramConfig(token=TELEGRAM_TOKEN, base_url=fake.base_url,
                                                         base_file_url=fake.base_file_url,
                                                         webhook_secret=WEBHOOK_SECRET))
        bot = await RunningBot(settings, simulator).start(fake)
        try:
            fake.send_text(GROUP, ALICE, "/sora 10 a cat on a roof")
            await fake.wait_for(lambda: bot_jobs_done(fake), timeout=30)
            jobs = await bot.jobs()
            assert jobs and all(j.state == JobState.FAILED for j in jobs)
            await wait_state(bot, jobs[0].id, JobState.FAILED)
            fake.send_text(GROUP, ALICE, "/jobs")
            fake.send_text(GROUP, ALICE, "/provider status")
            await fake.wait_for(lambda: len(fake.calls("sendMessage")) >= 3, timeout=10)
        finally:
            await bot.stop()
        texts = [str(c.params) for method in ("sendMessage", "editMessageText", "sendVideo", "sendPhoto",
                                              "answerCallbackQuery") for c in fake.calls(method)]
        assert texts
        assert_clean("what the bot sent to Telegram", "\n".join(texts))
        assert_clean("job failure details", "\n".join(str(j.reason_detail) for j in jobs))


def bot_jobs_done(fake: FakeTelegram) -> bool:
    return any("No credits were spent" in str(c.params.get("text", "")) for c in
               fake.calls("editMessageText") + fake.calls("sendMessage"))

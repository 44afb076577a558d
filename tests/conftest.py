"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, build_core
from bot.config import LimitsConfig, Settings, StorageConfig
from bot.simulator import SimulatorServer


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No SORABOT_* variable of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("SORABOT_"):
            monkeypatch.delenv(key)
    # python-telegram-bot warns (an error under -W error) when RetryAfter.retry_after is read as an int.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    yield


@pytest.fixture
async def simulator() -> AsyncIterator[SimulatorServer]:
    """A running video API simulator on 127.0.0.1 (random port), 20x faster than real time."""
    server = SimulatorServer(host="127.0.0.1", port=0, speed=20)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: SQLite and media under tmp_path, fast polling, the simulator provider."""
    limits = {"poll_min_interval": 0.05, "poll_max_interval": 1.0, **overrides.pop("limits", {})}
    values: dict[str, Any] = {
        "storage": StorageConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'sorabot.db'}", media_dir=tmp_path / "media"),
        "limits": LimitsConfig(**limits),
        "console": {"out_dir": tmp_path / "out"},
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    return lambda **overrides: make_settings(tmp_path, **overrides)


@pytest.fixture
async def core_factory(tmp_path: Path, simulator: SimulatorServer) -> AsyncIterator[Callable[..., Any]]:
    """Builds cores on the shared simulator and one database; all are stopped at the end."""
    built: list[Core] = []

    async def make(settings: Settings | None = None, **kwargs: Any) -> Core:
        core = await build_core(settings or make_settings(tmp_path), simulator=simulator, backoff_base=0.01,
                                **kwargs)
        built.append(core)
        return core

    yield make
    for core in built:
        await core.stop()

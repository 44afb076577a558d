"""``sorabot run``: build the core, start every adapter the settings enable, stop cleanly.

Both platforms share one event loop: discord.py via ``async with bot: await bot.start()`` and
python-telegram-bot via ``initialize / start / updater.start_polling`` — never their
``run()`` helpers, which own the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from bot.app import Core, build_core
from bot.config import Settings

log = logging.getLogger("sorabot.run")


class Adapter(Protocol):
    def __init__(self, core: Core) -> None: ...

    async def start(self) -> None:
        """Connect and register the adapter's outbound port with ``core.runner``."""
        ...

    async def stop(self) -> None: ...


def enabled_adapters(settings: Settings) -> list[type[Adapter]]:
    found: list[type[Adapter]] = []
    if settings.discord.token is not None:
        from adapters.discord.bot import DiscordAdapter

        found.append(DiscordAdapter)
    if settings.telegram.token is not None:
        from adapters.telegram.bot import TelegramAdapter

        found.append(TelegramAdapter)
    return found


async def run_adapters(settings: Settings, stop: asyncio.Event, **core_overrides: Any) -> Core:
    """Run until ``stop`` is set; returns the (stopped) core. Jobs in flight resume at the next start."""
    classes = enabled_adapters(settings)
    if not classes:
        raise RuntimeError("no adapter enabled")
    core = await build_core(settings, **core_overrides)
    adapters = [cls(core) for cls in classes]
    started: list[Adapter] = []
    try:
        for a in adapters:
            await a.start()
            started.append(a)
        report = await core.start()
        log.info("running %s; recovered %s", ", ".join(type(a).__name__ for a in adapters), report)
        await stop.wait()
    finally:
        # Stop the pipeline first: a job caught mid-upload on a closing connection must resume at the
        # next start, not be marked failed by an adapter that is going away.
        with contextlib.suppress(Exception):
            await core.runner.stop()
        for a in reversed(started):
            try:
                await a.stop()
            except Exception:
                log.exception("stopping %s failed", type(a).__name__)
        with contextlib.suppress(Exception):
            await core.stop()
    return core

"""Deletes kept media once it is old: finished jobs' videos and the simulator's renders.

A job's video is kept for a while after delivery so that "Save as character" and
``/character add … from_job:<id>`` can use it; after the retention period it is removed.
Files of unfinished jobs are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

log = logging.getLogger("sorabot.janitor")


def sweep(folders: Iterable[Path], *, older_than: float, keep: set[str], now: float | None = None) -> int:
    """Remove files older than ``older_than`` seconds whose name does not start with a kept job id."""
    now = time.time() if now is None else now
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not path.is_file() or any(path.name.startswith(k) for k in keep):
                continue
            try:
                if now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
    return removed


class Janitor:
    def __init__(self, folders: list[Path], retention_seconds: float,
                 active_job_ids: Callable[[], Awaitable[set[str]]], interval: float = 3600.0) -> None:
        self.folders = folders
        self.retention = retention_seconds
        self.active = active_job_ids
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        keep = await self.active()
        removed = await asyncio.to_thread(sweep, self.folders, older_than=self.retention, keep=keep)
        if removed:
            log.info("removed %d media file(s) older than %.0f h", removed, self.retention / 3600)
        return removed

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sorabot-janitor")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.warning("media sweep failed", exc_info=True)
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

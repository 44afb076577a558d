"""Test support: a recording outbound port (a stand-in for a chat platform) and context builders."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.context import Actor, Context, Scope
from bot.jobs.model import Job
from bot.ports import DeliveryView, StatusView, UploadTooLarge


@dataclass
class RecordingPort:
    """Records what a platform would receive; can refuse uploads above a limit like Discord does."""

    out_dir: Path
    platform: str = "test"
    min_edit_interval: float = 0.0
    limit: int | None = None
    refuse_above: int | None = None  # the platform's real limit, if lower than what upload_limit says
    statuses: list[tuple[str, StatusView]] = field(default_factory=list)
    videos: list[tuple[str, Path, DeliveryView]] = field(default_factory=list)
    thumbnails: list[tuple[str, Path]] = field(default_factory=list)
    delivered: asyncio.Event = field(default_factory=asyncio.Event)

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        self.statuses.append((job.id, view))
        return None

    def upload_limit(self, job: Job) -> int | None:
        return self.limit

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        size = video.stat().st_size
        if self.refuse_above is not None and size > self.refuse_above:
            raise UploadTooLarge(self.refuse_above)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        kept = self.out_dir / f"{job.id}-{len(self.videos)}.mp4"
        shutil.copyfile(video, kept)
        self.videos.append((job.id, kept, view))
        self.delivered.set()
        return {"n": len(self.videos)}

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        self.thumbnails.append((job.id, thumbnail))
        return {}

    def final(self, job_id: str) -> StatusView | None:
        finals = [v for j, v in self.statuses if j == job_id and v.final]
        return finals[-1] if finals else None


def ctx(user: str = "ana", *, scope: str = "test:server:1", admin: bool = False, platform: str = "test",
        kind: str = "server", roles: tuple[str, ...] = ()) -> Context:
    return Context(scope=Scope(id=scope, platform=platform, kind=kind),  # type: ignore[arg-type]
                   actor=Actor(id=f"{platform}:{user}", name=user, platform_admin=admin, role_ids=roles))


async def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.02) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await _call(predicate):
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def _call(predicate: Any) -> bool:
    result = predicate()
    if asyncio.iscoroutine(result):
        result = await result
    return bool(result)

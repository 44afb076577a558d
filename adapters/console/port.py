"""The console's outbound port: status lines and finished videos saved under ./out."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from bot.jobs.model import Job
from bot.ports import DeliveryView, StatusView


class ConsolePort:
    platform = "console"

    def __init__(self, console: Console, out_dir: Path, *, min_edit_interval: float = 0.0) -> None:
        self.console = console
        self.out_dir = out_dir
        self.min_edit_interval = min_edit_interval
        self.delivered: dict[str, Path] = {}

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        first = view.text.splitlines()[0] if view.text else ""
        style = "green" if first.startswith("✅") else "red" if first.startswith(("❌", "🚫")) else "cyan"
        self.console.print(f"[{style}]\\[{job.id}] {escape(first)}[/{style}]")
        if view.final and not first.startswith("✅"):
            for line in view.text.splitlines()[1:2]:
                self.console.print(f"  {escape(line)}")
        return None

    def upload_limit(self, job: Job) -> int | None:
        return None

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        dest = self.out_dir / f"{job.id}.mp4"  # the job id makes a repeated delivery idempotent
        await asyncio.to_thread(shutil.copyfile, video, dest)
        self.delivered[job.id] = dest
        self.console.print(f"[bold green]🎞  {escape(str(dest))}[/bold green]")
        for line in view.caption.splitlines():
            self.console.print(f"   {escape(line)}")
        labels = " · ".join(f"/{b.action} {b.job_id}" for b in view.buttons if b.action != "save")
        self.console.print(f"   [dim]{escape(labels)} · /character add <name> from_job:{job.id}[/dim]")
        return {"path": str(dest)}

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        dest = self.out_dir / f"{job.id}.jpg"
        await asyncio.to_thread(shutil.copyfile, thumbnail, dest)
        self.console.print(f"[yellow]🖼  {escape(str(dest))}[/yellow]")
        return {"path": str(dest)}

"""The core's outbound port: what an adapter implements so the job pipeline can talk to people.

Every call gets the job (with the adapter's own ``destination`` and ``status_ref``) and the
already-rendered text; the adapter only translates it into platform messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.jobs.model import Job

# Button actions an adapter must render (custom_id / callback_data carry "<action>:<job id>").
CANCEL, AGAIN, REMIX, SAVE_CHARACTER = "cancel", "again", "remix", "save"


@dataclass(frozen=True, slots=True)
class Button:
    action: str
    job_id: str
    label: str


@dataclass(frozen=True, slots=True)
class StatusView:
    text: str
    buttons: tuple[Button, ...] = ()
    final: bool = False  # the job has ended: this is the last edit


@dataclass(frozen=True, slots=True)
class DeliveryView:
    caption: str
    buttons: tuple[Button, ...] = ()
    prompt: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class UploadTooLarge(Exception):
    """The platform refused the upload as too large; ``limit`` is what it accepts, if known."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__(f"upload too large (limit {limit})")
        self.limit = limit


class DeliveryFailed(Exception):
    """The platform refused delivery. ``permanent`` (e.g. missing permissions, channel gone) ends
    the job; otherwise the pipeline retries a few times."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class OutboundPort(Protocol):
    platform: str
    min_edit_interval: float  # seconds between status edits of one message

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        """Create or edit the job's status message. Returns a new ``status_ref`` when it made one."""
        ...

    def upload_limit(self, job: Job) -> int | None:
        """The largest file (bytes) this job's destination accepts; None when unlimited."""
        ...

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        """Post the finished video; returns a ``result_ref`` (message id, file id …). Must be safe to
        call again for the same job after a crash (use job.id as an idempotency key where the
        platform has one)."""
        ...

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        """Post only the thumbnail (the video cannot fit the upload limit), with the reason."""
        ...

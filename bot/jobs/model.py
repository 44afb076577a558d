"""A job's states and record."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass, field
from typing import Any


class JobState(enum.StrEnum):
    QUEUED = "queued"  # credits held, waiting for a provider slot
    SUBMITTING = "submitting"  # written before the provider call
    RUNNING = "running"  # the provider's id is saved
    DELIVERING = "delivering"  # the video is downloaded / being posted
    DELIVERED = "delivered"  # credits charged
    FAILED = "failed"  # credits released, reason set
    CANCELLED = "cancelled"  # credits released

    @property
    def finished(self) -> bool:
        return self in (JobState.DELIVERED, JobState.FAILED, JobState.CANCELLED)


ACTIVE_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.DELIVERING)


def new_job_id() -> str:
    """Short (fits Discord custom_id and Telegram callback_data with room to spare), unguessable."""
    return "j" + secrets.token_hex(6)


@dataclass(slots=True)
class Job:
    id: str
    scope_id: str
    user_id: str
    user_name: str
    platform: str
    locale: str
    state: JobState
    prompt: str
    seconds: int
    size: str
    snapshot: str
    snapshot_why: str
    cost_tenths: int
    period_start: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    deadline_at: dt.datetime
    characters: list[dict[str, str]] = field(default_factory=list)  # [{"id": library id, "name": name}]
    storyboard: list[list[Any]] = field(default_factory=list)  # [[start, end, text], …]
    provider: str | None = None
    remote_id: str | None = None
    request_json: dict[str, Any] | None = None
    usd_estimate: float | None = None
    progress: int = 0
    reason: str | None = None
    reason_detail: str | None = None
    destination: dict[str, Any] = field(default_factory=dict)
    status_ref: dict[str, Any] | None = None
    result_ref: dict[str, Any] | None = None
    video_path: str | None = None
    parent_job_id: str | None = None
    submitted_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

"""The simulator's in-memory state: a speed-scaled clock, jobs, characters and the request log."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from .faults import Markers

__all__ = ["Character", "Clock", "Headers", "Job", "JobState", "RecordedRequest", "new_id"]

Shape = Literal["openai", "gateway"]

#: Share of a job's time spent queued before it starts running.
QUEUED_SHARE = 0.10
#: Jobs that fail ([sim:fail], [sim:moderation]) fail at this share of their time.
FAIL_SHARE = 0.5
#: Virtual seconds a finished video stays downloadable.
EXPIRY_SECONDS = 3600


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class Clock:
    """Virtual seconds that run ``speed`` times faster than a monotonic clock.

    Changing the speed re-anchors the clock, so virtual time never jumps.
    """

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._real_anchor = time.monotonic()
        self._virtual_anchor = 0.0

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self._virtual_anchor + (time.monotonic() - self._real_anchor) * self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._virtual_anchor = self.now()
        self._real_anchor = time.monotonic()
        self._speed = speed

    def real_seconds(self, virtual_seconds: float) -> float:
        return virtual_seconds / self._speed

    def wall_time_of(self, virtual: float) -> float:
        """The Unix time at which the virtual instant ``virtual`` happened (or will happen)."""
        return time.time() + (virtual - self.now()) / self._speed


@dataclass(frozen=True, slots=True)
class JobState:
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int
    error: dict[str, str] | None = None


@dataclass
class Job:
    """One video job, whichever API shape created it."""

    id: str
    shape: Shape
    prompt: str
    model: str
    seconds: int
    size: str
    created_at: int  # Unix seconds
    start_virtual: float
    markers: Markers
    seq: int
    characters: tuple[str, ...] = ()
    storyboard: tuple[tuple[int, int, str], ...] = ()
    remixed_from: str | None = None
    input_reference: dict[str, Any] | None = None
    deleted: bool = False
    expired: bool = False  # forced by SimulatorServer.expire()
    status_calls: int = 0
    completed_at: int | None = None

    def state(self, now_virtual: float) -> JobState:
        elapsed = now_virtual - self.start_virtual
        total = float(self.seconds)
        queued_for = total * QUEUED_SHARE
        if elapsed < queued_for:
            return JobState("queued", 0)
        if self.markers.fail or self.markers.moderation:
            if elapsed >= total * FAIL_SHARE:
                if self.markers.moderation:
                    return JobState("failed", self._progress(total * FAIL_SHARE, total), {
                        "code": "moderation_blocked",
                        "message": "Your request was blocked by our moderation system.",
                    })
                return JobState("failed", self._progress(total * FAIL_SHARE, total), {
                    "code": "internal_error",
                    "message": "The video could not be generated because of an internal error.",
                })
        if elapsed < total or self.markers.never:
            return JobState("in_progress", self._progress(elapsed, total))
        return JobState("completed", 100)

    @staticmethod
    def _progress(elapsed: float, total: float) -> int:
        running = total * (1 - QUEUED_SHARE)
        value = int((elapsed - total * QUEUED_SHARE) / running * 100)
        return max(0, min(99, value))

    def done_virtual(self) -> float:
        return self.start_virtual + self.seconds

    def is_expired(self, now_virtual: float) -> bool:
        return self.expired or self.markers.expired or now_virtual >= self.done_virtual() + EXPIRY_SECONDS


@dataclass
class Character:
    id: str
    name: str
    description: str
    created_at: int
    shape: Shape
    source: str = ""  # where the video came from: "upload", a URL, "task:<id>"
    video_bytes: int | None = None


class Headers(dict[str, str]):
    """A plain ``dict`` of header names to values whose lookups ignore case, as HTTP does."""

    def _key(self, key: object) -> object:
        if isinstance(key, str) and not super().__contains__(key):
            lowered = key.lower()
            for existing in self.keys():
                if existing.lower() == lowered:
                    return existing
        return key

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._key(key))  # type: ignore[arg-type]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(self._key(key), default)  # type: ignore[arg-type]


@dataclass
class RecordedRequest:
    """One request the simulator received (file uploads recorded by size, never their bytes)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # a Headers dict: lookups ignore case
    json: Any = None  # the parsed JSON body, when the body was JSON
    form: dict[str, Any] | None = None  # form fields; a file is {"filename", "content_type", "size"}
    time: float = field(default_factory=time.time)
    status: int | None = None  # the HTTP status answered; None while in flight or when the connection was dropped

    @property
    def body(self) -> Any:
        """The JSON body or the form fields, whichever the request had."""
        return self.json if self.json is not None else self.form

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query, "headers": self.headers,
                "json": self.json, "form": self.form, "time": self.time, "status": self.status}

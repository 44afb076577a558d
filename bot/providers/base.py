"""The one protocol every video provider speaks, and the errors it may raise.

The job pipeline only ever talks to a provider through :class:`VideoProvider`; how a
request looks on the wire (OpenAI Videos JSON body, task-gateway prompt tags, …) is the
provider adapter's business.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


class RemoteState(enum.StrEnum):
    """A provider job's state, normalised across API shapes."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"  # a status word we do not know: keep polling until the deadline


class FailureReason(enum.StrEnum):
    """User-safe reason codes. The message catalogue has a text for each (``reason.<value>``)."""

    MODERATION = "moderation"
    INVALID_REQUEST = "invalid_request"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    EXPIRED = "expired"
    GENERATION_FAILED = "generation_failed"
    DEADLINE = "deadline"
    CANCELLED = "cancelled"
    SUBMIT_INTERRUPTED = "submit_interrupted"
    CHARACTER_UNAVAILABLE = "character_unavailable"
    DELIVERY_FAILED = "delivery_failed"
    INTERNAL = "internal"


class ProviderError(Exception):
    """A provider call failed in a way the caller should act on.

    ``reason`` is safe to show a user; ``detail`` is the raw provider answer, for the log only.
    ``retryable`` tells the caller whether trying again later could help (the HTTP layer has
    already retried within its own bounded budget before raising).
    """

    def __init__(self, reason: FailureReason, detail: str = "", *, retryable: bool = False,
                 status_code: int | None = None) -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class CharacterRef:
    """A community character as one provider knows it."""

    name: str  # the library name as written after '@' (canonical case)
    provider_character_id: str


@dataclass(frozen=True, slots=True)
class Scene:
    start: int  # seconds, inclusive
    end: int  # seconds, exclusive
    text: str


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What the core asks a provider to make. ``prompt`` still contains ``@name`` mentions;
    the provider rewrites them the way its API expects, using ``characters``."""

    prompt: str
    snapshot: str  # the exact snapshot id (never an alias)
    seconds: int
    size: str = "1280x720"
    characters: tuple[CharacterRef, ...] = ()
    storyboard: tuple[Scene, ...] = ()


@dataclass(frozen=True, slots=True)
class Submitted:
    remote_id: str
    sent: dict[str, Any]  # the full request body as sent, recorded on the job for traceability
    poll_after: float | None = None  # seconds the create answer asked us to wait before the first status call
    state: RemoteState | None = None  # the job's state in the create answer, when it says


@dataclass(frozen=True, slots=True)
class RemoteStatus:
    state: RemoteState
    progress: int | None = None  # 0-100 when the provider reports it
    error: ProviderError | None = None  # set when state is FAILED
    poll_after: float | None = None  # seconds the provider asked us to wait (openai-poll-after-ms, Retry-After)
    raw_status: str = ""
    video_url: str | None = None  # task gateways hand out a direct link
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class VideoProvider(Protocol):
    name: str  # the configured provider name, stored on every job
    kind: str  # "openai" or "gateway"

    async def submit(self, request: GenerationRequest) -> Submitted: ...

    async def status(self, remote_id: str) -> RemoteStatus: ...

    async def download(self, remote_id: str, dest: Path, *, variant: str = "video") -> Path:
        """Stream the finished file to ``dest`` (never held whole in memory). Raises
        ProviderError(EXPIRED) when the content is gone (404/410)."""
        ...

    async def create_character(self, name: str, video: Path, description: str = "") -> str:
        """Create a character at the provider from a local video; returns the provider's id."""
        ...

    async def aclose(self) -> None: ...

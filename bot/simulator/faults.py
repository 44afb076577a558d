"""Fault injection for the simulator: runtime switches and prompt markers.

Switches (:class:`Faults`) are mutable at runtime (``sim.faults.down = True``) or over HTTP
(``POST /_sim/faults`` with a JSON object of the fields to change). A ``*_status`` with a
positive ``*_count`` answers the next N matching requests with that status and then clears
itself; a ``*_status`` with ``*_count == 0`` keeps answering that status until it is cleared.

Prompt markers (anywhere in a prompt, e.g. ``"a cat [sim:fail]"``) are parsed by
:func:`parse_markers`; see :class:`Markers` for what each does.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

__all__ = ["FaultKind", "Faults", "Markers", "parse_markers", "strip_markers"]

FaultKind = Literal["create", "status", "content"]

_MARKER = re.compile(r"\[sim:([a-z0-9-]+)\]", re.IGNORECASE)
_CREATE_ERROR = re.compile(r"^(500|502|503)x(\d+)$")
_STATUS_ERROR = re.compile(r"^status(500|502|503)x(\d+)$")


@dataclass
class Faults:
    """Runtime fault switches, shared by both API shapes."""

    create_status: int | None = None  # answer creates (POST /v1/videos, /sora/generate) with this status
    create_count: int = 0  # … this many times (0: until cleared)
    status_status: int | None = None  # likewise for status calls (GET /v1/videos/{id}, /sora/tasks/{id})
    status_count: int = 0
    content_status: int | None = None  # likewise for downloads (/v1/videos/{id}/content, /sora/files/…)
    content_count: int = 0
    down: bool = False  # every API request answers 503
    latency: float = 0.0  # seconds added to every API answer

    def take(self, kind: FaultKind) -> int | None:
        """The status to answer this ``kind`` of request with, consuming one count; None: no fault."""
        status: int | None = getattr(self, f"{kind}_status")
        if status is None:
            return None
        count: int = getattr(self, f"{kind}_count")
        if count > 0:
            count -= 1
            setattr(self, f"{kind}_count", count)
            if count == 0:
                setattr(self, f"{kind}_status", None)
        return status

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a JSON object of changes; raises ValueError naming a bad key or value."""
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown fault switch {key!r}; known: {', '.join(sorted(known))}")
            if key.endswith("_status"):
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                          or not 100 <= value <= 599):
                    raise ValueError(f"{key} must be an HTTP status code or null")
            elif key.endswith("_count"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"{key} must be a non-negative integer")
            elif key == "down":
                if not isinstance(value, bool):
                    raise ValueError("down must be true or false")
            elif key == "latency" and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
                raise ValueError("latency must be a non-negative number of seconds")
        for key, value in changes.items():
            setattr(self, key, float(value) if key == "latency" else value)

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Markers:
    """What the ``[sim:…]`` markers in one prompt ask for."""

    create_errors: tuple[int, ...] = ()  # statuses for the first creates, in order (500x3 → 500, 500, 500)
    rate_limit: Literal["retry-after", "no-retry-after"] | None = None  # one 429 after create_errors
    moderation_create: bool = False  # every create answers 400 moderation_blocked
    fail: bool = False  # the job fails (internal_error) halfway through
    moderation: bool = False  # the job fails (moderation_blocked) halfway through
    expired: bool = False  # content / video_url answers 404 once completed
    never: bool = False  # stays in_progress forever
    slow: bool = False  # every answer about this job is delayed 2 s / speed
    status_errors: tuple[int | str, ...] = field(default=())  # first status calls: "reset", "malformed", 500…

    @property
    def create_plan(self) -> tuple[int, ...]:
        """The status of each of the first create attempts for this prompt (then: accepted)."""
        return self.create_errors + ((429,) if self.rate_limit else ())


def parse_markers(prompt: str) -> Markers:
    create_errors: list[int] = []
    status_errors: list[int | str] = []
    values: dict[str, Any] = {}
    reset = malformed = False
    status_5xx: list[int] = []
    for match in _MARKER.finditer(prompt):
        word = match.group(1).lower()
        if m := _CREATE_ERROR.match(word):
            create_errors.extend([int(m.group(1))] * int(m.group(2)))
        elif m := _STATUS_ERROR.match(word):
            status_5xx.extend([int(m.group(1))] * int(m.group(2)))
        elif word == "429":
            values["rate_limit"] = "retry-after"
        elif word == "429-noretry":
            values["rate_limit"] = "no-retry-after"
        elif word == "moderation-create":
            values["moderation_create"] = True
        elif word in ("fail", "moderation", "expired", "never", "slow"):
            values[word] = True
        elif word == "reset":
            reset = True
        elif word == "malformed":
            malformed = True
    if reset:
        status_errors.append("reset")
    if malformed:
        status_errors.append("malformed")
    status_errors.extend(status_5xx)
    return Markers(create_errors=tuple(create_errors), status_errors=tuple(status_errors), **values)


def strip_markers(prompt: str) -> str:
    """The prompt without its ``[sim:…]`` markers (what the rendered video shows)."""
    return " ".join(_MARKER.sub(" ", prompt).split())

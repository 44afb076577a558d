"""A circuit breaker per provider: take a failing provider out of rotation, probe it before it returns.

* **closed** — in rotation. Each breaker-worthy failure (5xx, timeouts, connection errors,
  refused credentials: see :func:`is_breaker_failure`) counts; any answer that shows the provider
  is up (a success, but also a moderation refusal or a 400) resets the count. ``failures``
  consecutive failures open the circuit.
* **open** — out of rotation for ``cooldown`` seconds: no new job is sent there.
* **half-open** — after the cool-down one job is let through as a probe; while it is in flight
  other jobs go elsewhere (or wait, if nowhere else can serve them). Its success closes the
  circuit, its failure opens it for another cool-down.

The breaker only gates *new submissions*: jobs already running at the provider keep being polled
(their results exist there), and their outcomes feed the breaker too.

The clock is injectable (``time.monotonic`` by default) so tests can step through a cool-down.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.providers.base import FailureReason, ProviderError

DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN = 60.0
_HISTORY = 50


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def is_breaker_failure(exc: ProviderError) -> bool:
    """Does this error say the provider itself is unwell (as opposed to refusing one request)?

    5xx answers, timeouts, connection errors (no status code), an ambiguous create (the request
    went out and the answer never came) and refused credentials count; moderation, invalid
    requests, 404s and rate limiting do not (the provider answered and is up).
    """
    if exc.reason == FailureReason.SUBMIT_INTERRUPTED:
        return True
    if exc.reason != FailureReason.UNAVAILABLE:
        return False
    code = exc.status_code
    return code is None or code >= 500 or code in (401, 403)


@dataclass(frozen=True, slots=True)
class FailureNote:
    at: float  # on the breaker's clock
    reason: str
    detail: str


class CircuitBreaker:
    def __init__(self, *, failures: int = DEFAULT_FAILURES, cooldown: float = DEFAULT_COOLDOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = max(1, failures)
        self.cooldown = max(0.0, cooldown)
        self.clock = clock
        self._state = BreakerState.CLOSED
        self.consecutive = 0
        self.opened_at: float | None = None
        self.probe_owner: str | None = None  # the job sent as the half-open probe
        self.history: deque[FailureNote] = deque(maxlen=_HISTORY)
        self.times_opened = 0

    # --- state ------------------------------------------------------------------------------
    @property
    def state(self) -> BreakerState:
        """The current state; an open circuit whose cool-down has passed reads as half-open."""
        if self._state == BreakerState.OPEN and self.opened_at is not None and \
                self.clock() >= self.opened_at + self.cooldown:
            self._state = BreakerState.HALF_OPEN
            self.probe_owner = None
        return self._state

    def open_remaining(self) -> float:
        """Seconds left in the cool-down (0 when not open)."""
        if self.state != BreakerState.OPEN or self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self.cooldown - self.clock())

    @property
    def in_rotation(self) -> bool:
        """May a new job be considered for this provider at all? (False only while open.)"""
        return self.state != BreakerState.OPEN

    @property
    def probing(self) -> bool:
        """Half-open with its probe job in flight: others must not pile on yet."""
        return self.state == BreakerState.HALF_OPEN and self.probe_owner is not None

    def available(self) -> bool:
        """Can a new job be sent now?"""
        st = self.state
        return st == BreakerState.CLOSED or (st == BreakerState.HALF_OPEN and self.probe_owner is None)

    # --- events -----------------------------------------------------------------------------
    def acquire(self, job_id: str) -> bool:
        """A job is being sent here; True when it is the half-open probe."""
        if self.state == BreakerState.HALF_OPEN and self.probe_owner is None:
            self.probe_owner = job_id
            return True
        return False

    def release(self, job_id: str) -> None:
        """The job ended without telling us anything about the provider (e.g. cancelled)."""
        if self.probe_owner == job_id:
            self.probe_owner = None

    def record_success(self) -> None:
        st = self.state
        if st == BreakerState.OPEN:
            return  # a late answer from before the cool-down ended proves little; wait for the probe
        self._state = BreakerState.CLOSED
        self.consecutive = 0
        self.opened_at = None
        self.probe_owner = None

    def record_failure(self, reason: str = "", detail: str = "") -> None:
        now = self.clock()
        self.history.append(FailureNote(now, reason, detail[:300]))
        st = self.state
        if st == BreakerState.OPEN:
            return
        self.consecutive += 1
        if st == BreakerState.HALF_OPEN or self.consecutive >= self.threshold:
            self._state = BreakerState.OPEN
            self.opened_at = now
            self.probe_owner = None
            self.times_opened += 1

    def observe(self, exc: ProviderError | None) -> None:
        """Feed the outcome of one provider call: None is a success."""
        if exc is None:
            self.record_success()
        elif is_breaker_failure(exc):
            self.record_failure(exc.reason.value, exc.detail)
        elif exc.reason != FailureReason.RATE_LIMITED:
            self.record_success()  # it answered: the provider is up, it just refused this request

    # --- reporting --------------------------------------------------------------------------
    def failures_since(self, seconds: float) -> int:
        since = self.clock() - seconds
        return sum(1 for n in self.history if n.at >= since)

    def last_failure(self) -> FailureNote | None:
        return self.history[-1] if self.history else None

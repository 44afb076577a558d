"""The configured providers, what each can serve, its health, and how many jobs each has in flight.

Eligibility (what a provider *can* serve: snapshot, duration, storyboard, characters) is decided
here once, for both the refusal before credits are held and the scheduler's choice when a job
starts. Availability (circuit breaker, concurrency cap) is decided at scheduling time by
:meth:`ProviderRegistry.pick`.

Ordering by the scope's routing priority:

* ``cost`` — cheapest estimated USD for this request first, then the more stable;
* ``stability`` — most stable (configured ``stability``) first, then the cheaper.

Ties keep the configured order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.config import ProviderConfig
from bot.errors import UserError
from bot.providers.base import VideoProvider
from bot.providers.breaker import CircuitBreaker

PRIORITIES = ("cost", "stability")
DEFAULT_PRIORITY = "stability"


def _default_breaker() -> CircuitBreaker:
    return CircuitBreaker()


@dataclass(slots=True)
class ProviderHandle:
    name: str
    config: ProviderConfig
    provider: VideoProvider
    in_flight: int = 0
    breaker: CircuitBreaker = field(default_factory=_default_breaker)

    @property
    def has_capacity(self) -> bool:
        return self.in_flight < self.config.max_in_flight

    @property
    def storyboard(self) -> bool:
        """Storyboards are served only when configured *and* the API shape has them (the OpenAI
        Videos shape does not, whatever the config says)."""
        return self.config.storyboard and bool(getattr(self.provider, "supports_storyboard", True))

    @property
    def characters(self) -> bool:
        return self.config.characters

    @property
    def kind(self) -> str:
        return str(getattr(self.provider, "kind", self.config.kind))

    def serves(self, snapshot: str, seconds: int, storyboard: bool) -> bool:
        c = self.config
        return snapshot in c.snapshots and seconds in c.durations and (self.storyboard or not storyboard)

    def estimated_usd(self, seconds: int, snapshot_price_per_second: float) -> float:
        c = self.config
        if c.price_per_request is not None:
            return round(c.price_per_request, 4)
        return round(seconds * (c.price_per_second if c.price_per_second is not None
                                else snapshot_price_per_second), 4)


@dataclass(frozen=True, slots=True)
class Pick:
    """The scheduler's choice: a provider to send the job to now, else whether to wait (some
    eligible provider is only busy) rather than fail (every eligible one is out of rotation)."""

    handle: ProviderHandle | None
    wait: bool = False


class ProviderRegistry:
    def __init__(self, handles: Sequence[ProviderHandle], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.handles = list(handles)
        self._by_name = {h.name: h for h in self.handles}
        for h in self.handles:
            h.breaker = CircuitBreaker(failures=h.config.breaker_failures,
                                       cooldown=h.config.breaker_cooldown_seconds, clock=clock)

    def get(self, name: str) -> ProviderHandle | None:
        return self._by_name.get(name)

    def character_makers(self) -> list[ProviderHandle]:
        return [h for h in self.handles if h.characters]

    @staticmethod
    def order(handles: Iterable[ProviderHandle], *, seconds: int, priority: str,
              snapshot_price: float) -> list[ProviderHandle]:
        out = list(handles)
        if priority == "cost":
            out.sort(key=lambda h: (h.estimated_usd(seconds, snapshot_price), -h.config.stability))
        else:
            out.sort(key=lambda h: (-h.config.stability, h.estimated_usd(seconds, snapshot_price)))
        return out

    def eligible(self, *, snapshot: str, seconds: int, storyboard: bool = False,
                 character_providers: Iterable[set[str]] = (), priority: str = DEFAULT_PRIORITY,
                 snapshot_price: float = 0.0) -> list[ProviderHandle]:
        """Providers that can serve the request, best first. ``character_providers`` has, per
        character, the set of providers holding it: a job with characters may only go where all are."""
        needs = list(character_providers)
        out = [h for h in self.handles if h.serves(snapshot, seconds, storyboard)
               and (not needs or (h.characters and all(h.name in s for s in needs)))]
        return self.order(out, seconds=seconds, priority=priority, snapshot_price=snapshot_price)

    def require_eligible(self, *, snapshot: str, seconds: int, storyboard: bool,
                         character_providers: Sequence[set[str]], priority: str,
                         snapshot_price: float) -> list[ProviderHandle]:
        """:meth:`eligible`, or a UserError saying which requirement no provider meets, most
        basic first: the snapshot, the duration, storyboards, characters."""
        found = self.eligible(snapshot=snapshot, seconds=seconds, storyboard=storyboard,
                              character_providers=character_providers, priority=priority,
                              snapshot_price=snapshot_price)
        if found:
            if not any(h.breaker.in_rotation for h in found):
                # Every provider able to make it is cooling down after repeated failures: accepting the
                # job would only hold credits to fail it at once.
                soonest = min(h.breaker.open_remaining() for h in found)
                raise UserError("provider.all_out_of_rotation", minutes=max(1, -(-round(soonest) // 60)))
            return found
        if not any(snapshot in h.config.snapshots for h in self.handles):
            raise UserError("provider.none_for_snapshot", snapshot=snapshot)
        if not any(h.serves(snapshot, seconds, False) for h in self.handles):
            allowed = sorted({d for h in self.handles if snapshot in h.config.snapshots for d in h.config.durations})
            raise UserError("provider.none_for_duration", snapshot=snapshot, seconds=seconds,
                            allowed=", ".join(f"{d} s" for d in allowed))
        if storyboard and not any(h.serves(snapshot, seconds, True) for h in self.handles):
            raise UserError("provider.none_for_storyboard", snapshot=snapshot)
        raise UserError("provider.none_for_characters", snapshot=snapshot)

    @staticmethod
    def pick(candidates: Iterable[ProviderHandle]) -> Pick:
        """The first candidate (in the given order) that is in rotation, has a free slot and is not
        busy with a half-open probe."""
        wait = False
        for h in candidates:
            if not h.breaker.in_rotation:
                continue  # open: out of rotation for its cool-down
            if not h.has_capacity or h.breaker.probing:
                wait = True
                continue
            return Pick(h)
        return Pick(None, wait)

    async def aclose(self) -> None:
        for h in self.handles:
            await h.provider.aclose()

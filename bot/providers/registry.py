"""The configured providers, what each can serve, and how many jobs each has in flight.

Eligibility is decided here once, for both the refusal before credits are held and the
scheduler's choice when a job starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.config import ProviderConfig
from bot.errors import UserError
from bot.providers.base import VideoProvider

PRIORITIES = ("cost", "stability")


@dataclass(slots=True)
class ProviderHandle:
    name: str
    config: ProviderConfig
    provider: VideoProvider
    in_flight: int = 0

    @property
    def has_capacity(self) -> bool:
        return self.in_flight < self.config.max_in_flight

    def serves(self, snapshot: str, seconds: int, storyboard: bool) -> bool:
        c = self.config
        return snapshot in c.snapshots and seconds in c.durations and (c.storyboard or not storyboard)

    def estimated_usd(self, seconds: int, snapshot_price_per_second: float) -> float:
        c = self.config
        if c.price_per_request is not None:
            return round(c.price_per_request, 4)
        return round(seconds * (c.price_per_second if c.price_per_second is not None
                                else snapshot_price_per_second), 4)


class ProviderRegistry:
    def __init__(self, handles: Sequence[ProviderHandle]) -> None:
        self.handles = list(handles)
        self._by_name = {h.name: h for h in self.handles}

    def get(self, name: str) -> ProviderHandle | None:
        return self._by_name.get(name)

    def character_makers(self) -> list[ProviderHandle]:
        return [h for h in self.handles if h.config.characters]

    def eligible(self, *, snapshot: str, seconds: int, storyboard: bool = False,
                 character_providers: Iterable[set[str]] = (), priority: str = "stability",
                 snapshot_price: float = 0.0) -> list[ProviderHandle]:
        """Providers that can serve the request, best first. ``character_providers`` has, per
        character, the set of providers holding it: a job with characters may only go where all are."""
        needs = list(character_providers)
        out = [h for h in self.handles if h.serves(snapshot, seconds, storyboard)
               and (not needs or (h.config.characters and all(h.name in s for s in needs)))]
        if priority == "cost":
            out.sort(key=lambda h: (h.estimated_usd(seconds, snapshot_price), -h.config.stability))
        else:
            out.sort(key=lambda h: (-h.config.stability, h.estimated_usd(seconds, snapshot_price)))
        return out

    def require_eligible(self, *, snapshot: str, seconds: int, storyboard: bool,
                         character_providers: Sequence[set[str]], priority: str,
                         snapshot_price: float) -> list[ProviderHandle]:
        found = self.eligible(snapshot=snapshot, seconds=seconds, storyboard=storyboard,
                              character_providers=character_providers, priority=priority,
                              snapshot_price=snapshot_price)
        if found:
            return found
        # Say which requirement nobody meets, most basic first.
        if not any(snapshot in h.config.snapshots for h in self.handles):
            raise UserError("provider.none_for_snapshot", snapshot=snapshot)
        if not any(h.serves(snapshot, seconds, False) for h in self.handles):
            allowed = sorted({d for h in self.handles if snapshot in h.config.snapshots for d in h.config.durations})
            raise UserError("provider.none_for_duration", snapshot=snapshot, seconds=seconds,
                            allowed=", ".join(f"{d} s" for d in allowed))
        if storyboard and not any(h.serves(snapshot, seconds, True) for h in self.handles):
            raise UserError("provider.none_for_storyboard", snapshot=snapshot)
        raise UserError("provider.none_for_characters", snapshot=snapshot)

    async def aclose(self) -> None:
        for h in self.handles:
            await h.provider.aclose()

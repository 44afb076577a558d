"""Snapshots: the catalogue, the single resolver, and capability checks.

What a scope gets, in order: its canary (for the share of jobs the hash of the job id picks),
its pin, else the deployment default by environment. Aliases are resolved here, at submit
time, so a job always records an exact snapshot id.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.config import ALIAS_TARGET_CURRENT, Environment, SnapshotConfig
from bot.errors import UserError

RETIREMENT_NOTICE_DAYS = 14


class Why(enum.StrEnum):
    PIN = "pin"
    CANARY = "canary"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: str
    durations: tuple[int, ...]
    storyboard: bool
    characters: bool
    label: str
    price_per_second: float
    credit_factor: float
    released: dt.date | None
    retires_on: dt.date | None
    successor: str | None

    @property
    def max_duration(self) -> int:
        return self.durations[-1]

    def retired(self, today: dt.date) -> bool:
        return self.retires_on is not None and today >= self.retires_on

    def retiring_soon(self, today: dt.date) -> bool:
        return (self.retires_on is not None and not self.retired(today)
                and (self.retires_on - today).days <= RETIREMENT_NOTICE_DAYS)


@dataclass(frozen=True, slots=True)
class ScopeSnapshotState:
    """The per-scope governance state the resolver needs (stored by storage)."""

    pin: str | None = None
    canary: str | None = None
    canary_percent: int = 0


@dataclass(frozen=True, slots=True)
class Resolution:
    snapshot: Snapshot
    why: Why
    requested: str | None  # what the pin/default named, e.g. the alias "sora-2"


def canary_bucket(job_id: str) -> int:
    """A stable 0-99 bucket from the job id: the same job always makes the same canary choice."""
    return int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big") % 100


class Catalogue:
    def __init__(self, entries: Sequence[SnapshotConfig], environment: Environment) -> None:
        self.environment = environment
        self._aliases: dict[str, str] = {}
        self._snapshots: dict[str, Snapshot] = {}
        current = stable = None
        for e in entries:
            if e.alias_of is not None:
                self._aliases[e.id] = e.alias_of
                continue
            self._snapshots[e.id] = Snapshot(
                id=e.id, durations=tuple(e.durations), storyboard=e.storyboard, characters=e.characters,
                label=e.label, price_per_second=e.price_per_second, credit_factor=e.credit_factor,
                released=e.released, retires_on=e.retires_on, successor=e.successor)
            if e.current:
                current = e.id
            if e.stable:
                stable = e.id
        newest = max(self._snapshots.values(), key=lambda s: (s.released or dt.date.min, s.id)).id
        self.current_id = current or newest
        self.stable_id = stable or self.current_id

    # --- lookup -----------------------------------------------------------------------------
    @property
    def snapshots(self) -> list[Snapshot]:
        return sorted(self._snapshots.values(), key=lambda s: (s.released or dt.date.min, s.id))

    @property
    def aliases(self) -> dict[str, str]:
        return {a: self._alias_target(a) for a in self._aliases}

    def known_ids(self) -> list[str]:
        return [s.id for s in self.snapshots] + sorted(self._aliases)

    def _alias_target(self, alias: str) -> str:
        target = self._aliases[alias]
        return self.current_id if target == ALIAS_TARGET_CURRENT else target

    def is_known(self, snapshot_id: str) -> bool:
        return snapshot_id in self._snapshots or snapshot_id in self._aliases

    def get(self, snapshot_id: str) -> Snapshot:
        """The exact snapshot for an id or alias; UserError listing the known ids otherwise."""
        sid = snapshot_id.strip()
        if sid in self._aliases:
            sid = self._alias_target(sid)
        snap = self._snapshots.get(sid)
        if snap is None:
            close = difflib.get_close_matches(snapshot_id, self.known_ids(), n=1)
            raise UserError("snapshot.unknown", id=snapshot_id, known=", ".join(self.known_ids()),
                            hint=close[0] if close else "")
        return snap

    def deployment_default(self) -> str:
        if self.environment == "production":
            return self.stable_id
        if self.environment == "staging":
            return self.current_id
        # development follows the alias, so it always tries what is newest
        return next(iter(self._aliases), self.current_id)

    # --- resolution -------------------------------------------------------------------------
    def resolve(self, state: ScopeSnapshotState, job_id: str | None = None) -> Resolution:
        """The one snapshot resolver. ``job_id`` is given for a real job (canary applies)."""
        if state.canary and state.canary_percent > 0 and job_id is not None and \
                canary_bucket(job_id) < state.canary_percent and self.is_known(state.canary):
            return Resolution(self.get(state.canary), Why.CANARY, state.canary)
        if state.pin and self.is_known(state.pin):
            return Resolution(self.get(state.pin), Why.PIN, state.pin)
        default = self.deployment_default()
        return Resolution(self.get(default), Why.DEFAULT, default)

    # --- capability checks (refusals before any credit is held) -----------------------------
    def check_request(self, snap: Snapshot, *, seconds: int, storyboard: bool, characters: bool,
                      today: dt.date) -> None:
        if snap.retired(today):
            raise self._retired_error(snap)
        if storyboard and not snap.storyboard:  # before the duration: a storyboard's total is incidental
            raise UserError("snapshot.storyboard_unsupported", id=snap.id,
                            alternatives=self._serving(lambda s: s.storyboard, today) or "-")
        if seconds not in snap.durations:
            alternatives = self._serving(lambda s: seconds in s.durations, today)
            raise UserError("snapshot.duration_unsupported", id=snap.id, seconds=seconds,
                            allowed=_seconds_list(snap.durations), max=snap.max_duration,
                            alternatives=alternatives or "-")
        if characters and not snap.characters:
            raise UserError("snapshot.characters_unsupported", id=snap.id,
                            alternatives=self._serving(lambda s: s.characters, today) or "-")

    def _retired_error(self, snap: Snapshot) -> UserError:
        return UserError("snapshot.retired", id=snap.id, successor=snap.successor or self.current_id,
                         date=snap.retires_on.isoformat() if snap.retires_on else "")

    def _serving(self, pred: Callable[[Snapshot], bool], today: dt.date) -> str:
        return ", ".join(s.id for s in self.snapshots if pred(s) and not s.retired(today))

    def check_pinnable(self, snapshot_id: str, today: dt.date) -> Snapshot:
        snap = self.get(snapshot_id)
        if snap.retired(today):
            raise self._retired_error(snap)
        return snap


def _seconds_list(values: Iterable[int]) -> str:
    return ", ".join(f"{v} s" for v in values)

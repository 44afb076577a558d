"""Credit balances and the ledger.

A hold is one conditional upsert (used + held + cost ≤ allowance) in the same transaction as
its ledger entry, so concurrent requests can never overspend. Every entry is unique per
(job, kind): a repeated charge or release after a retry or restart changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import schema as s
from storage.db import Database, insert_ignoring_conflicts, upsert


@dataclass(frozen=True, slots=True)
class Balance:
    used_tenths: int = 0
    held_tenths: int = 0


@dataclass(frozen=True, slots=True)
class UsageRow:
    user_id: str
    user_name: str
    used_tenths: int
    held_tenths: int
    jobs_delivered: int
    usd: float


@dataclass(frozen=True, slots=True)
class ProviderUsageRow:
    provider: str
    snapshot: str
    used_tenths: int
    jobs_delivered: int
    usd: float


@functools.cache
def _hold_statement(dialect: str) -> Any:
    """The hold's upsert, built once per dialect with its values bound at execution: building it
    per hold (and computing its cache key) cost as much as running it (benchmark 4)."""
    b = s.balances.c
    amount = bindparam("amount_", type_=Integer)
    return upsert(dialect, s.balances, ("scope_id", "user_id", "period_start"),
                  values={"scope_id": bindparam("scope_id_"), "user_id": bindparam("user_id_"),
                          "period_start": bindparam("period_start_", type_=b.period_start.type),
                          "used_tenths": 0, "held_tenths": amount},
                  set_={"held_tenths": b.held_tenths + amount},
                  where=b.used_tenths + b.held_tenths + amount <= bindparam("allowance_", type_=Integer),
                  ).returning(b.used_tenths, b.held_tenths)


class LedgerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def hold(self, conn: AsyncConnection, *, job_id: str, scope_id: str, user_id: str,
                   period_start: dt.datetime, amount: int, allowance: int, now: dt.datetime) -> Balance | None:
        """Hold ``amount`` inside the caller's transaction and return the balance after it; None when
        it would exceed the allowance.

        One statement decides: an upsert whose update only happens while used + held + cost stays
        within the allowance, returning the new balance (so the reply needs no second read). The
        period's first hold creates the row already holding the amount (benchmarks 1 and 4)."""
        if amount > allowance:
            return None  # more than the whole allowance: refused whatever the row holds
        row = (await conn.execute(_hold_statement(conn.dialect.name), {
            "scope_id_": scope_id, "user_id_": user_id, "period_start_": period_start, "amount_": amount,
            "allowance_": allowance})).first()
        if row is None:
            return None
        await conn.execute(s.ledger.insert(), {"job_id": job_id, "kind": "hold", "scope_id": scope_id,
                                               "user_id": user_id, "period_start": period_start,
                                               "amount_tenths": amount, "at": now})
        return Balance(row[0], row[1])

    async def settle(self, conn: AsyncConnection, *, job_id: str, kind: str, now: dt.datetime) -> bool:
        """Turn a job's hold into a charge or a release, exactly once. False when already settled
        (or never held)."""
        if kind not in ("charge", "release"):
            raise ValueError(kind)
        held = (await conn.execute(select(s.ledger).where(s.ledger.c.job_id == job_id,
                                                          s.ledger.c.kind == "hold"))).mappings().first()
        if held is None:
            return False
        done = (await conn.execute(select(func.count()).select_from(s.ledger).where(
            s.ledger.c.job_id == job_id, s.ledger.c.kind.in_(("charge", "release"))))).scalar_one()
        if done:
            return False
        inserted = await conn.execute(insert_ignoring_conflicts(conn, s.ledger, "job_id", "kind").values(
            job_id=job_id, kind=kind, scope_id=held["scope_id"], user_id=held["user_id"],
            period_start=held["period_start"], amount_tenths=held["amount_tenths"], at=now))
        if inserted.rowcount != 1:
            return False
        b = s.balances.c
        amount = held["amount_tenths"]
        values = {"held_tenths": b.held_tenths - amount}
        if kind == "charge":
            values["used_tenths"] = b.used_tenths + amount
        await conn.execute(update(s.balances).where(
            b.scope_id == held["scope_id"], b.user_id == held["user_id"], b.period_start == held["period_start"],
        ).values(**values))
        return True

    async def balance(self, scope_id: str, user_id: str, period_start: dt.datetime) -> Balance:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(s.balances.c.used_tenths, s.balances.c.held_tenths).where(
                s.balances.c.scope_id == scope_id, s.balances.c.user_id == user_id,
                s.balances.c.period_start == period_start))).first()
        return Balance(row[0], row[1]) if row else Balance()

    async def usage(self, scope_id: str, period_start: dt.datetime) -> list[UsageRow]:
        """Per member for the period, from the ledger itself (so the report adds up with the entries)."""
        led, j = s.ledger.c, s.jobs.c
        async with self.db.connect() as conn:
            rows = (await conn.execute(
                select(led.user_id, led.kind, func.sum(led.amount_tenths), func.count())
                .where(led.scope_id == scope_id, led.period_start == period_start)
                .group_by(led.user_id, led.kind))).all()
            names = dict((await conn.execute(
                select(j.user_id, func.max(j.user_name)).where(j.scope_id == scope_id).group_by(j.user_id))).all())
            usd = dict((await conn.execute(
                select(j.user_id, func.sum(j.usd_estimate)).where(
                    j.scope_id == scope_id, j.period_start == period_start, j.state == "delivered")
                .group_by(j.user_id))).all())
        per: dict[str, dict[str, tuple[int, int]]] = {}
        for user_id, kind, total, count in rows:
            per.setdefault(user_id, {})[kind] = (int(total or 0), int(count))
        out = []
        for user_id, kinds in per.items():
            held_total = kinds.get("hold", (0, 0))[0]
            charged, delivered = kinds.get("charge", (0, 0))
            released = kinds.get("release", (0, 0))[0]
            out.append(UsageRow(user_id, names.get(user_id) or user_id, charged, held_total - charged - released,
                                delivered, float(usd.get(user_id) or 0.0)))
        return sorted(out, key=lambda r: (-r.used_tenths, r.user_name))

    async def usage_by_provider(self, scope_id: str, period_start: dt.datetime) -> list[ProviderUsageRow]:
        """Charged credits and estimated USD per (provider, snapshot) for the period: the delivered jobs."""
        led, j = s.ledger.c, s.jobs.c
        async with self.db.connect() as conn:
            rows = (await conn.execute(
                select(j.provider, j.snapshot, func.sum(led.amount_tenths), func.count(), func.sum(j.usd_estimate))
                .select_from(s.ledger.join(s.jobs, s.jobs.c.id == led.job_id))
                .where(led.scope_id == scope_id, led.period_start == period_start, led.kind == "charge")
                .group_by(j.provider, j.snapshot))).all()
        out = [ProviderUsageRow(provider or "-", snapshot, int(credits or 0), int(count), float(usd or 0.0))
               for provider, snapshot, credits, count, usd in rows]
        return sorted(out, key=lambda r: (-r.usd, r.provider, r.snapshot))

    async def totals(self) -> dict[str, int]:
        """Ledger totals by kind across everything (chaos and restart checks)."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.ledger.c.kind, func.sum(s.ledger.c.amount_tenths))
                                       .group_by(s.ledger.c.kind))).all()
        return {k: int(v or 0) for k, v in rows}

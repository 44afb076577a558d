from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.ledger import LedgerRepo

NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
PERIOD = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


async def make(tmp_path: Path) -> tuple[Database, LedgerRepo]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'l.db'}")
    await db.migrate()
    return db, LedgerRepo(db)


async def hold(db: Database, ledger: LedgerRepo, job: str, amount: int, allowance: int, user: str = "u") -> bool:
    async def run(conn: AsyncConnection) -> bool:
        held = await ledger.hold(conn, job_id=job, scope_id="s", user_id=user, period_start=PERIOD, amount=amount,
                                 allowance=allowance, now=NOW)
        return held is not None
    return await db.write(run)


async def settle(db: Database, ledger: LedgerRepo, job: str, kind: str) -> bool:
    async def run(conn: AsyncConnection) -> bool:
        return await ledger.settle(conn, job_id=job, kind=kind, now=NOW)
    return await db.write(run)


async def test_200_simultaneous_requests_never_spend_more_than_the_allowance(tmp_path: Path) -> None:
    db, ledger = await make(tmp_path)
    allowance = 100  # 10 credits; each request holds 1.5
    results = await asyncio.gather(*(hold(db, ledger, f"j{i}", 15, allowance) for i in range(200)))
    assert sum(results) == 6  # 6 × 1.5 = 9 ≤ 10 < 7 × 1.5
    bal = await ledger.balance("s", "u", PERIOD)
    assert bal.held_tenths == 90 and bal.used_tenths == 0
    totals = await ledger.totals()
    assert totals == {"hold": 90}
    await db.dispose()


async def test_charge_and_release_happen_once_whatever_is_repeated(tmp_path: Path) -> None:
    db, ledger = await make(tmp_path)
    assert await hold(db, ledger, "a", 20, 100)
    assert await hold(db, ledger, "b", 15, 100)
    assert await settle(db, ledger, "a", "charge")
    assert not await settle(db, ledger, "a", "charge")  # a retry after a crash
    assert not await settle(db, ledger, "a", "release")  # a late failure cannot refund a delivered job
    assert await settle(db, ledger, "b", "release")
    assert not await settle(db, ledger, "b", "release")
    assert not await settle(db, ledger, "never-held", "charge")
    bal = await ledger.balance("s", "u", PERIOD)
    assert (bal.used_tenths, bal.held_tenths) == (20, 0)
    assert await ledger.totals() == {"hold": 35, "charge": 20, "release": 15}
    # Released credits can be spent again.
    assert await hold(db, ledger, "c", 80, 100)
    assert not await hold(db, ledger, "d", 1, 100)
    await db.dispose()


async def test_usage_report_adds_up_per_member(tmp_path: Path) -> None:
    db, ledger = await make(tmp_path)
    for i, user in enumerate(["ana", "ana", "bo"]):
        assert await hold(db, ledger, f"j{i}", 10, 100, user)
    await settle(db, ledger, "j0", "charge")
    await settle(db, ledger, "j1", "release")
    rows = {r.user_id: r for r in await ledger.usage("s", PERIOD)}
    assert (rows["ana"].used_tenths, rows["ana"].held_tenths, rows["ana"].jobs_delivered) == (10, 0, 1)
    assert (rows["bo"].used_tenths, rows["bo"].held_tenths) == (0, 10)
    await db.dispose()


async def test_a_hold_returns_the_balance_after_it_and_never_exceeds_the_allowance(tmp_path: Path) -> None:
    db, ledger = await make(tmp_path)

    async def hold_balance(job: str, amount: int, allowance: int) -> object:
        async def run(conn: AsyncConnection) -> object:
            return await ledger.hold(conn, job_id=job, scope_id="s", user_id="u", period_start=PERIOD,
                                     amount=amount, allowance=allowance, now=NOW)
        return await db.write(run)

    assert await hold_balance("big", 110, 100) is None  # more than the whole allowance, on a fresh period
    first = await hold_balance("a", 25, 100)  # the period's first hold creates the balance row
    assert (first.used_tenths, first.held_tenths) == (0, 25)  # type: ignore[attr-defined]
    await settle(db, ledger, "a", "charge")
    second = await hold_balance("b", 75, 100)  # exactly what is left
    assert (second.used_tenths, second.held_tenths) == (25, 75)  # type: ignore[attr-defined]
    assert await hold_balance("c", 1, 100) is None
    assert await ledger.totals() == {"hold": 100, "charge": 25}
    await db.dispose()

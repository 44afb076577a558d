"""Benchmark 4 — credit holds per second on SQLite under contention, and the overspend.

Three runs, each on a fresh database, each with 200 concurrent contenders:

- ``one_allowance``: all 200 hold 1.5 credits at a time from the same member's allowance until it
  is exhausted (the hardest case: every hold is a conditional UPDATE of the same row);
- ``ten_allowances``: the 200 share 10 members' allowances (20 per allowance);
- ``through_sora``: the whole ``/sora`` acceptance (snapshot, quota, caps, hold, job record) with
  the same 200-way contention on 10 allowances, the per-member active-job cap lifted so that only
  credits limit them (the job pipeline is not started: this measures acceptance alone).

``before``: the same three with storage as it was before this work (bench/baseline.py: a
transaction per write, the hold's INSERT before its UPDATE, a pool reset per use), run in its own
process, for the before/after ratio in one run.

Overspend = for every allowance, max(0, held + charged − allowance) read back from the ledger
itself; it must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.common import bench_settings, child_figures, emit, now, quiet_logging
from bot.app import build_core
from bot.context import Actor, Context, Scope
from bot.errors import UserError
from storage import schema as s
from storage.db import Database
from storage.ledger import LedgerRepo

CONTENDERS = 200
AMOUNT = 15  # tenths: a 15 s video
PERIOD = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def overspend(db: Database, allowances: dict[tuple[str, str], int]) -> int:
    led = s.ledger.c
    async with db.connect() as conn:
        rows = (await conn.execute(select(led.scope_id, led.user_id, led.kind, func.sum(led.amount_tenths))
                                   .group_by(led.scope_id, led.user_id, led.kind))).all()
    spent: dict[tuple[str, str], int] = {}
    for scope, user, kind, total in rows:
        sign = {"hold": 1, "release": -1, "charge": 0}[kind]  # a charge turns a hold into spending
        spent[(scope, user)] = spent.get((scope, user), 0) + sign * int(total)
    return sum(max(0, spent.get(k, 0) - a) for k, a in allowances.items())


async def ledger_run(members: int, holds_per_member: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-credits-") as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'c.db'}")
        await db.migrate()
        ledger = LedgerRepo(db)
        allowance = AMOUNT * holds_per_member + AMOUNT // 2  # room for exactly holds_per_member holds
        at = dt.datetime.now(dt.UTC)
        counter = iter(range(10**9))
        granted = refused = 0

        async def contender(c: int) -> None:
            nonlocal granted, refused
            user = f"u{c % members}"
            while True:
                job = f"j{next(counter)}"

                async def run(conn: AsyncConnection, job: str = job) -> bool:
                    return await ledger.hold(conn, job_id=job, scope_id="s", user_id=user, period_start=PERIOD,
                                             amount=AMOUNT, allowance=allowance, now=at)
                if await db.write(run):
                    granted += 1
                else:
                    refused += 1
                    return

        # warm up statement compilation on another scope
        async def warm(conn: AsyncConnection) -> bool:
            return await ledger.hold(conn, job_id="warm", scope_id="w", user_id="w", period_start=PERIOD,
                                     amount=1, allowance=10, now=at)
        await db.write(warm)
        t0 = now()
        await asyncio.gather(*(contender(c) for c in range(CONTENDERS)))
        wall = now() - t0
        over = await overspend(db, {("s", f"u{m}"): allowance for m in range(members)} | {("w", "w"): 10})
        await db.dispose()
    return {"contenders": CONTENDERS, "allowances": members, "holds_granted": granted,
            "holds_expected": members * holds_per_member, "refusals": refused, "wall_s": round(wall, 3),
            "holds_per_s": round(granted / wall, 1), "attempts_per_s": round((granted + refused) / wall, 1),
            "overspend_tenths": over}


async def sora_run(members: int, holds_per_member: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-credits-") as tmp:
        allowance_credits = (AMOUNT * holds_per_member + AMOUNT // 2) / 10
        settings = bench_settings(Path(tmp), base_url="http://127.0.0.1:9", allowance=allowance_credits,
                                  per_member=10**6, per_scope=10**6)
        core = await build_core(settings)  # not started: jobs stay queued, only acceptance is measured
        scope = Scope(id="bench:server", platform="bench", kind="server")
        granted = refused = 0
        other: list[str] = []

        async def contender(c: int) -> None:
            nonlocal granted, refused
            ctx = Context(scope=scope, actor=Actor(id=f"bench:u{c % members}", name=f"u{c % members}"))
            while True:
                try:
                    await core.commands.sora(ctx, "an orange cat naps in the sun", 15)
                    granted += 1
                except UserError as exc:
                    if exc.key != "quota.exhausted":
                        other.append(exc.key)
                    refused += 1
                    return

        await core.commands.sora(Context(scope=Scope(id="bench:warm", platform="bench", kind="server"),
                                         actor=Actor(id="bench:w", name="w")), "warm up", 10)
        t0 = now()
        await asyncio.gather(*(contender(c) for c in range(CONTENDERS)))
        wall = now() - t0
        tenths = round(allowance_credits * 10)
        over = await overspend(core.db, {("bench:server", f"bench:u{m}"): tenths for m in range(members)})
        await core.stop()
    return {"contenders": CONTENDERS, "allowances": members, "holds_granted": granted,
            "holds_expected": members * holds_per_member, "refusals": refused, "other_refusals": sorted(set(other)),
            "wall_s": round(wall, 3), "holds_per_s": round(granted / wall, 1), "overspend_tenths": over}


async def figures(quick: bool) -> dict[str, Any]:
    scale = 10 if quick else 1
    return {
        "one_allowance": await ledger_run(1, 4000 // scale),
        "ten_allowances": await ledger_run(10, 400 // scale),
        "through_sora": await sora_run(10, 200 // scale),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--variant", choices=["current", "before"])
    args = p.parse_args()
    quiet_logging()
    if args.variant:  # one variant per process: "before" replaces storage code for the whole process
        if args.variant == "before":
            from bench.baseline import install_legacy_storage

            install_legacy_storage()
        print(json.dumps(asyncio.run(figures(args.quick))), flush=True)
        return
    out = {variant: child_figures([__file__, "--variant", variant, *(["--quick"] if args.quick else [])],
                                  timeout=1800) for variant in ("current", "before")}
    current = out.pop("current")
    emit("credits", {"target": {"holds_per_s": 1000, "overspend_tenths": 0}, **current, "before": out["before"]})


if __name__ == "__main__":
    main()

"""Put many jobs (with their credit holds) into a database at once, as intake would have left them.

Intake takes a few milliseconds per command (benchmark 1); the scale and recovery benchmarks
need 10,000 accepted jobs without spending a minute accepting them, so they are written here in
one transaction: the job rows, one ``hold`` ledger entry per job and the matching balances.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from bot.credits import cost_tenths, period_bounds
from bot.jobs.model import Job, JobState, new_job_id
from storage import schema as s
from storage.db import Database
from storage.jobs import _to_row

DURATIONS = (10, 15, 20, 25)


def make_jobs(n: int, *, scopes: int, state: JobState = JobState.QUEUED, snapshot: str = "sora-2-2025-12-08",
              deadline_s: float = 3600.0, prompt: str = "a heron at dawn", now: dt.datetime | None = None,
              provider: str | None = None) -> list[Job]:
    """``n`` jobs spread over ``scopes`` servers, one member per job, durations 10-25 s in turn."""
    now = now or dt.datetime.now(dt.UTC)
    start, _ = period_bounds("day", now)
    per_scope = max(1, n // scopes)
    jobs = []
    for i in range(n):
        seconds = DURATIONS[i % len(DURATIONS)]
        scope = f"bench:server:{i // per_scope}"
        jobs.append(Job(id=new_job_id(), scope_id=scope, user_id=f"bench:user:{i}", user_name=f"user{i}",
                        platform="bench", locale="en", state=state, prompt=f"{prompt} #{i}", seconds=seconds,
                        size="1280x720", snapshot=snapshot, snapshot_why="default",
                        cost_tenths=cost_tenths(seconds), period_start=start, created_at=now, updated_at=now,
                        deadline_at=now + dt.timedelta(seconds=deadline_s), destination={"channel": i},
                        provider=provider, submitted_at=now if provider else None))
    return jobs


async def seed(db: Database, jobs: Sequence[Job]) -> None:
    """Write the jobs, their holds and the balances in one transaction."""
    now = dt.datetime.now(dt.UTC)
    held: dict[tuple[str, str, dt.datetime], int] = defaultdict(int)
    for j in jobs:
        held[(j.scope_id, j.user_id, j.period_start)] += j.cost_tenths
    scopes = sorted({j.scope_id for j in jobs})
    async with db.begin() as conn:
        await conn.execute(s.scopes.insert(), [
            {"id": sc, "platform": "bench", "kind": "server", "title": sc, "created_at": now, "updated_at": now}
            for sc in scopes])
        await conn.execute(s.jobs.insert(), [_to_row(j) for j in jobs])
        await conn.execute(s.ledger.insert(), [
            {"job_id": j.id, "kind": "hold", "scope_id": j.scope_id, "user_id": j.user_id,
             "period_start": j.period_start, "amount_tenths": j.cost_tenths, "at": now} for j in jobs])
        await conn.execute(s.balances.insert(), [
            {"scope_id": sc, "user_id": u, "period_start": p, "used_tenths": 0, "held_tenths": h}
            for (sc, u, p), h in held.items()])

"""Job records: creation together with the credit hold, state transitions, and queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.jobs.model import ACTIVE_STATES, Job, JobState
from storage import schema as s
from storage.db import Database

_JSON_FIELDS = {"characters", "storyboard", "request_json", "destination", "status_ref", "result_ref"}
_ACTIVE = [st.value for st in ACTIVE_STATES]
_FIELDS = dataclasses.fields(Job)


@functools.lru_cache(maxsize=512)
def _update_statement(fields: tuple[str, ...], expect: tuple[str, ...]) -> Any:
    """One statement per shape of update, its values bound at execution: thousands of jobs
    changing state at once (a burst, a restart) each hold only their parameters while they wait
    for the writer, not a statement of their own (benchmark 3's memory)."""
    stmt = update(s.jobs).where(s.jobs.c.id == bindparam("job_id_"))
    if expect:
        stmt = stmt.where(s.jobs.c.state.in_(expect))
    return stmt.values({k: bindparam(f"{k}_") for k in fields})


def _to_row(job: Job) -> dict[str, Any]:
    row = {f.name: getattr(job, f.name) for f in _FIELDS}  # shallow: the nested values become JSON below
    for k in _JSON_FIELDS:
        if row[k] is not None:
            row[k] = json.dumps(row[k], ensure_ascii=False)
    row["state"] = job.state.value
    return row


def _from_row(row: Mapping[str, Any]) -> Job:
    data = dict(row)
    for k in _JSON_FIELDS:
        if data.get(k) is not None:
            data[k] = json.loads(data[k])
    data["state"] = JobState(data["state"])
    return Job(**{f.name: data[f.name] for f in _FIELDS})


class JobRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, conn: AsyncConnection, job: Job) -> None:
        await conn.execute(s.jobs.insert(), _to_row(job))  # parameters apart: the statement's cache key stays cheap

    async def get(self, job_id: str) -> Job | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(s.jobs).where(s.jobs.c.id == job_id))).mappings().first()
        return _from_row(row) if row else None

    async def update(self, job_id: str, *, expect: Sequence[JobState] | None = None,
                     conn: AsyncConnection | None = None, **values: Any) -> bool:
        """Set fields on a job, optionally only if it is in one of ``expect`` states (a guarded
        transition). Returns whether a row changed."""
        for k in _JSON_FIELDS & values.keys():
            if values[k] is not None:
                values[k] = json.dumps(values[k], ensure_ascii=False)
        if isinstance(values.get("state"), JobState):
            values["state"] = values["state"].value
        stmt = _update_statement(tuple(sorted(values)), tuple(e.value for e in expect or ()))
        params = {"job_id_": job_id, **{f"{k}_": v for k, v in values.items()}}
        if conn is not None:
            return (await conn.execute(stmt, params)).rowcount == 1

        async def run(c: AsyncConnection) -> bool:
            return (await c.execute(stmt, params)).rowcount == 1
        return await self.db.write(run)

    async def active_counts(self, conn: AsyncConnection, scope_id: str, user_id: str) -> tuple[int, int]:
        """The member's and the scope's active jobs, in one statement."""
        j = s.jobs.c
        row = (await conn.execute(select(func.count(), func.coalesce(func.sum(case((j.user_id == user_id, 1),
                                                                                      else_=0)), 0))
                                  .where(j.scope_id == scope_id, j.state.in_(_ACTIVE)))).one()
        return int(row[1]), int(row[0])

    async def unfinished(self) -> list[Job]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.jobs).where(s.jobs.c.state.in_([st.value for st in ACTIVE_STATES]))
                                       .order_by(s.jobs.c.created_at))).mappings().all()
        return [_from_row(r) for r in rows]

    async def recent(self, scope_id: str, user_id: str | None, limit: int = 10) -> list[Job]:
        stmt = select(s.jobs).where(s.jobs.c.scope_id == scope_id)
        if user_id is not None:
            stmt = stmt.where(s.jobs.c.user_id == user_id)
        async with self.db.connect() as conn:
            rows = (await conn.execute(stmt.order_by(s.jobs.c.created_at.desc()).limit(limit))).mappings().all()
        return [_from_row(r) for r in rows]

    async def untold_endings(self, since: dt.datetime) -> list[Job]:
        """Failed or cancelled since ``since`` and never told (no ``result_ref``: see JobRunner._tell_ending)."""
        c = s.jobs.c
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.jobs).where(
                c.state.in_([JobState.FAILED.value, JobState.CANCELLED.value]), c.result_ref.is_(None),
                c.finished_at >= since).order_by(c.finished_at))).mappings().all()
        return [_from_row(r) for r in rows]

    async def count_by_state(self) -> dict[str, int]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.jobs.c.state, func.count()).group_by(s.jobs.c.state))).all()
        return {k: int(v) for k, v in rows}

    async def all(self) -> list[Job]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.jobs).order_by(s.jobs.c.created_at))).mappings().all()
        return [_from_row(r) for r in rows]

    # --- attempts (every provider a job was sent to) ----------------------------------------
    async def add_attempt(self, job_id: str, *, provider: str, outcome: str, at: dt.datetime,
                          reason: str | None = None, detail: str = "", remote_id: str | None = None,
                          conn: AsyncConnection | None = None) -> None:
        stmt = s.job_attempts.insert().values(job_id=job_id, provider=provider, outcome=outcome, reason=reason,
                                              detail=detail[:2000], remote_id=remote_id, at=at)
        if conn is not None:
            await conn.execute(stmt)
            return

        async def run(c: AsyncConnection) -> None:
            await c.execute(stmt)
        await self.db.write(run)

    async def attempts(self, job_id: str) -> list[Attempt]:
        a = s.job_attempts.c
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.job_attempts).where(a.job_id == job_id)
                                       .order_by(a.id))).mappings().all()
        return [Attempt(r["job_id"], r["provider"], r["outcome"], r["reason"], r["detail"], r["remote_id"], r["at"])
                for r in rows]

    async def attempt_failures_since(self, since: dt.datetime) -> dict[str, int]:
        """Failed submissions per provider since ``since`` (for /provider status)."""
        a = s.job_attempts.c
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(a.provider, func.count()).where(
                a.at >= since, a.outcome != "submitted").group_by(a.provider))).all()
        return {p: int(n) for p, n in rows}


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    job_id: str
    provider: str
    outcome: str  # submitted, failed, interrupted
    reason: str | None
    detail: str
    remote_id: str | None
    at: dt.datetime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

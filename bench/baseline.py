"""The code as it was before this round of performance work, kept to measure against in the same run.

Machines are noisy, so a before/after comparison is only fair when both run side by side in one
benchmark run: the benchmarks install these on a runner to get the "before" figures.

- :func:`legacy_schedule_loop`: the scheduler as of commit 538434b: every pass looked at every
  queued job (its eligibility computed afresh) even when no provider had a free slot.
- :func:`legacy_polling`: the poll plan as of that commit: no learned pace, and a status call at
  once after every create.
"""

from __future__ import annotations

import types
from typing import Any

from bot.jobs.model import Job
from bot.jobs.runner import JobRunner
from bot.providers.registry import ProviderHandle


async def legacy_schedule_loop(self: JobRunner) -> None:
    while True:
        await self._wake.wait()
        self._wake.clear()
        chosen: dict[str, ProviderHandle] = {}

        def can_start(job: Job, chosen: dict[str, ProviderHandle] = chosen) -> bool:
            pick = self.registry.pick(self._eligible(job))
            if pick.handle is not None:
                chosen[job.id] = pick.handle
                return True
            return not pick.wait

        while (job := self.queue.pop(can_start)) is not None:
            handle = chosen.pop(job.id, None)
            if handle is None:
                self._tried.pop(job.id, None)
                names = ", ".join(sorted({h.name for h in self._eligible(job)})) or "none"
                await self._fail(job, self._unavailable_reason(job),
                                 f"no eligible provider in rotation (eligible: {names})")
                continue
            self._take(job, handle)
            self._spawn(job, handle)
        self._update_idle()


class _Forgetful(dict[str, Any]):
    """Drops what is stored: the runner never sees the create answer, so it asks at once."""

    def __setitem__(self, key: str, value: Any) -> None:
        return None


def install_legacy_scheduler(runner: JobRunner) -> None:
    runner._schedule_loop = types.MethodType(legacy_schedule_loop, runner)  # type: ignore[method-assign]


def install_legacy_polling(runner: JobRunner) -> None:
    runner.pace = None
    runner._submitted = _Forgetful()


async def legacy_stream_body(response: Any, dest: Any) -> int:
    """The download writer as of commit 538434b: 1 MB gathered, then copied to ``bytes`` for each write."""
    import asyncio
    import os
    import secrets

    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    handle = await asyncio.to_thread(tmp.open, "wb")
    size = 0
    try:
        buffer = bytearray()
        async for chunk in response.aiter_bytes():
            buffer += chunk
            size += len(chunk)
            if len(buffer) >= 1024 * 1024:
                await asyncio.to_thread(handle.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await asyncio.to_thread(handle.write, bytes(buffer))
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, tmp, dest)
    except BaseException:
        handle.close()
        tmp.unlink(missing_ok=True)
        raise
    return size


def install_legacy_download() -> None:
    from bot.providers import http

    http._stream_body = legacy_stream_body  # type: ignore[assignment]


async def legacy_recover(self: JobRunner) -> Any:
    """Recovery as of commit 538434b: interrupted jobs were failed one by one in between spawning the
    resumed jobs' polling tasks, so each of those writes waited behind thousands of polls."""
    from bot.jobs.model import JobState
    from bot.jobs.runner import RecoveryReport
    from bot.providers.base import FailureReason

    requeued = resumed = interrupted = 0
    for job in await self.jobs.unfinished():
        if job.status_ref:
            self._status_refs[job.id] = job.status_ref
        if job.state == JobState.QUEUED:
            self.queue.push(job)
            requeued += 1
        elif job.state == JobState.SUBMITTING:
            interrupted += 1
            await self._fail(job, FailureReason.SUBMIT_INTERRUPTED, "process stopped during submission")
        else:
            handle = self.registry.get(job.provider or "")
            if handle is None:
                await self._fail(job, FailureReason.UNAVAILABLE, f"provider {job.provider!r} not configured")
                continue
            self._take(job, handle)
            self._spawn(job, handle)
            resumed += 1
    self._update_idle()
    self._wake.set()
    return RecoveryReport(requeued, resumed, interrupted)


def install_legacy_recover(runner: JobRunner) -> None:
    runner.recover = types.MethodType(legacy_recover, runner)  # type: ignore[method-assign]


def install_legacy_db_waits() -> None:
    """Database access as of commit 538434b: callers queued inside SQLAlchemy's pool (a greenlet each)."""
    import contextlib
    from collections.abc import AsyncIterator

    from storage.db import Database

    @contextlib.asynccontextmanager
    async def no_gate(self: Database) -> AsyncIterator[None]:
        yield

    Database._slot = no_gate  # type: ignore[method-assign,assignment]


def install_legacy_storage() -> None:
    """Storage as of commit 538434b: every write its own transaction (no group commit), the hold's
    INSERT-if-missing before its UPDATE, a pool reset round trip per use, callers queued in the pool,
    scope rows and allowances read from the database every time."""
    import asyncio
    import datetime as dt

    from sqlalchemy import event, select, update
    from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

    from storage import db as db_module
    from storage import schema as s
    from storage.db import Database, insert_ignoring_conflicts
    from storage.ledger import Balance, LedgerRepo

    install_legacy_db_waits()
    original_init = Database.__init__

    def init(self: Database, url: str) -> None:
        original_init(self, url)
        if self.is_sqlite:
            self.engine = create_async_engine(self.url, pool_size=1, max_overflow=0, pool_timeout=600,
                                              connect_args={"timeout": 30})
            event.listen(self.engine.sync_engine, "connect", db_module._sqlite_pragmas)

    async def write(self: Database, fn: Any, *, attempts: int = 8) -> Any:
        return await asyncio.shield(asyncio.ensure_future(self._write(fn, attempts)))

    async def hold(self: LedgerRepo, conn: AsyncConnection, *, job_id: str, scope_id: str, user_id: str,
                   period_start: dt.datetime, amount: int, allowance: int, now: dt.datetime) -> Balance | None:
        await conn.execute(insert_ignoring_conflicts(conn, s.balances, "scope_id", "user_id", "period_start").values(
            scope_id=scope_id, user_id=user_id, period_start=period_start, used_tenths=0, held_tenths=0))
        b = s.balances.c
        result = await conn.execute(
            update(s.balances)
            .where(b.scope_id == scope_id, b.user_id == user_id, b.period_start == period_start,
                   b.used_tenths + b.held_tenths + amount <= allowance)
            .values(held_tenths=b.held_tenths + amount))
        if result.rowcount != 1:
            return None
        await conn.execute(s.ledger.insert().values(job_id=job_id, kind="hold", scope_id=scope_id, user_id=user_id,
                                                    period_start=period_start, amount_tenths=amount, at=now))
        # then, as the intake did, the balance read again for the reply
        row = (await conn.execute(select(b.used_tenths, b.held_tenths).where(
            b.scope_id == scope_id, b.user_id == user_id, b.period_start == period_start))).one()
        return Balance(row[0], row[1])

    from storage.scopes import ScopeRepo

    original_scopes_init = ScopeRepo.__init__

    def scopes_init(self: ScopeRepo, db: Database) -> None:
        original_scopes_init(self, db)
        self._caching = False  # every read goes to the database

    Database.__init__ = init  # type: ignore[method-assign]
    Database.write = write  # type: ignore[method-assign,assignment]
    LedgerRepo.hold = hold  # type: ignore[method-assign]
    ScopeRepo.__init__ = scopes_init  # type: ignore[method-assign]

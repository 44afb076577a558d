"""The database locked or away for a while: no job and no credit is lost.

The lock is real: another SQLite connection (as a backup tool or an operator's ``sqlite3`` shell
would) takes the write lock with ``BEGIN IMMEDIATE`` and holds it. SQLite's own busy timeout
(30 s in production) absorbs short locks; to exercise ``Database.write``'s retries — what happens
when a lock outlasts the busy timeout — some tests shorten the bot's busy timeout to 50 ms.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.app import Core
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


@asynccontextmanager
async def write_lock(db_file: Path) -> AsyncIterator[None]:
    """Hold SQLite's write lock from another connection until the block ends."""
    con = sqlite3.connect(db_file, timeout=10, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(con.execute, "BEGIN IMMEDIATE")
    try:
        yield
    finally:
        await asyncio.to_thread(con.execute, "ROLLBACK")
        con.close()


async def shorten_busy_timeout(core: Core, ms: int = 50) -> None:
    """Make the bot's connection give up on a lock after ``ms`` (production: 30 s), so a held lock
    reaches ``Database.write``'s retries instead of SQLite's busy handler."""
    def short(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={ms}")
        cur.close()
    event.listen(core.db.engine.sync_engine, "connect", short)  # a reconnection keeps it
    async with core.db.connect() as conn:  # the one pooled connection (SQLite) gets it now
        await conn.exec_driver_sql(f"PRAGMA busy_timeout={ms}")


async def started(core_factory: Callable[..., Any], tmp_path: Path) -> tuple[Core, RecordingPort, Path]:
    core = await core_factory(make_settings(tmp_path))
    port = RecordingPort(tmp_path / "delivered")
    core.runner.register_port(port)
    await core.start()
    return core, port, tmp_path / "sorabot.db"


async def state_of(core: Core, job_id: str) -> JobState | None:
    job = await core.jobs.get(job_id)
    return job.state if job else None


async def test_a_command_waits_out_a_short_lock(core_factory: Callable[..., Any], tmp_path: Path,
                                                simulator: SimulatorServer) -> None:
    core, port, db_file = await started(core_factory, tmp_path)
    async with write_lock(db_file):
        sora = asyncio.create_task(core.commands.sora(ctx(), "a cat under a locked database", 10))
        await asyncio.sleep(1.0)
        assert not sora.done()  # waiting for the lock, not failing
    reply = await sora
    await wait_for(lambda: port.videos, 30)
    assert await state_of(core, reply.job_id) == JobState.DELIVERED  # type: ignore[arg-type]
    assert await core.ledger.totals() == {"hold": 10, "charge": 10}


async def test_pipeline_writes_retry_through_a_lock_longer_than_the_busy_timeout(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        caplog: pytest.LogCaptureFixture) -> None:
    core, port, db_file = await started(core_factory, tmp_path)
    await shorten_busy_timeout(core)
    simulator.set_speed(10)
    reply = await core.commands.sora(ctx(), "a heron", 10)
    job_id = reply.job_id
    assert job_id is not None

    async def running() -> bool:
        return await state_of(core, job_id) == JobState.RUNNING
    await wait_for(running, 30)
    with caplog.at_level(logging.WARNING, logger="sorabot.storage"):
        async with write_lock(db_file):
            await asyncio.sleep(1.5)  # the job finishes at the provider meanwhile: its writes must wait
        await wait_for(lambda: port.videos, 30)

        async def delivered() -> bool:
            return await state_of(core, job_id) == JobState.DELIVERED
        await wait_for(delivered, 30)
    assert any("database busy" in r.getMessage() for r in caplog.records), "the retry path was exercised"
    assert [j for j, *_ in port.videos] == [job_id]
    assert await core.ledger.totals() == {"hold": 10, "charge": 10}


async def test_a_command_under_a_lock_that_never_ends_holds_nothing(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    """Past every retry the command fails (the adapter shows its generic apology); nothing was held,
    no job was made, and the same command goes through once the lock is gone."""
    core, _port, db_file = await started(core_factory, tmp_path)
    await core.commands.quota_me(ctx())  # the scope row exists: the refusal is the hold itself
    await shorten_busy_timeout(core)
    async with write_lock(db_file):
        with pytest.raises(OperationalError):
            await core.commands.sora(ctx(), "a cat", 10)
    assert await core.ledger.totals() == {}
    assert await core.jobs.all() == []
    reply = await core.commands.sora(ctx(), "a cat", 10)
    assert reply.job_id and (await core.ledger.totals()) == {"hold": 10}


async def test_a_job_stuck_by_a_long_lock_is_finished_by_the_next_start(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    """If a lock outlasts every retry of a job's own write, the job keeps its last persisted state
    and its held credits; the next process resumes it and charges it once."""
    core, port, db_file = await started(core_factory, tmp_path)
    await shorten_busy_timeout(core)
    simulator.set_speed(10)
    reply = await core.commands.sora(ctx(), "a heron", 10)
    job_id = reply.job_id
    assert job_id is not None

    async def running() -> bool:
        return await state_of(core, job_id) == JobState.RUNNING
    await wait_for(running, 30)
    async with write_lock(db_file):
        await wait_for(lambda: job_id not in core.runner._tasks, 30)  # its task gave up
    assert await state_of(core, job_id) in (JobState.RUNNING, JobState.DELIVERING)  # not lost: unfinished
    assert await core.ledger.totals() == {"hold": 10}  # and its credits still held, not spent nor freed
    await core.stop()
    second = await _second_core(tmp_path, simulator)
    try:
        port_b = RecordingPort(tmp_path / "b")
        second.runner.register_port(port_b)
        report = await second.start()
        assert report.resumed == 1

        async def delivered() -> bool:
            j = await second.jobs.get(job_id)
            return j is not None and j.state == JobState.DELIVERED
        await wait_for(delivered, 30)
        assert await second.ledger.totals() == {"hold": 10, "charge": 10}
        assert [j for j, *_ in port.videos + port_b.videos].count(job_id) >= 1
    finally:
        await second.stop()


async def _second_core(tmp_path: Path, simulator: SimulatorServer) -> Core:
    from bot.app import build_core

    return await build_core(make_settings(tmp_path), simulator=simulator, backoff_base=0.01)

"""A new process on the same database resumes every unfinished job and delivers it exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import ProviderConfig
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


def settings(tmp_path: Path) -> Any:
    return make_settings(tmp_path, limits={"active_jobs_per_member": 10},
                         providers=[ProviderConfig(name="simulator", kind="simulator", max_in_flight=3)])


async def test_restart_mid_run_delivers_every_job_once_and_charges_once(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    simulator.set_speed(4)
    first = await core_factory(settings(tmp_path))
    port_a = RecordingPort(tmp_path / "a")
    first.runner.register_port(port_a)
    await first.start()
    durations = [10, 15, 20, 25, 10, 15, 20, 25]
    ids = []
    for i, seconds in enumerate(durations):
        reply = await first.commands.sora(ctx(f"user{i % 4}"), f"scene {i}", seconds)
        ids.append(reply.job_id)

    async def three_running_rest_queued() -> bool:
        states = Counter(j.state for j in await first.jobs.all())
        return states[JobState.RUNNING] == 3 and states[JobState.QUEUED] == 5
    await wait_for(three_running_rest_queued)
    await first.stop()  # the process goes away mid-run

    second = await core_factory(settings(tmp_path))
    port_b = RecordingPort(tmp_path / "b")
    second.runner.register_port(port_b)
    simulator.set_speed(40)
    report = await second.start()
    assert (report.resumed, report.requeued, report.interrupted) == (3, 5, 0)

    async def all_done() -> bool:
        return all(j.state.finished for j in await second.jobs.all())
    await wait_for(all_done, timeout=30)
    jobs = {j.id: j for j in await second.jobs.all()}
    assert {j.state for j in jobs.values()} == {JobState.DELIVERED}
    delivered = Counter(j for j, *_ in port_a.videos + port_b.videos)
    assert delivered == Counter(ids), "every job delivered exactly once"
    costs = sum(d for d in durations)  # tenths: 1 credit per 10 s
    assert await second.ledger.totals() == {"hold": costs, "charge": costs}
    # The simulator made one video per job: nothing was submitted twice.
    assert len([r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]) == 8


async def test_a_job_caught_while_submitting_is_not_resubmitted_but_released_and_told(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    first = await core_factory(settings(tmp_path))
    reply = await first.commands.sora(ctx(), "a lighthouse", 10)  # queued; never started (no start())
    await first.jobs.update(reply.job_id, state=JobState.SUBMITTING)  # as if killed inside the provider call
    await first.stop()

    second = await core_factory(settings(tmp_path))
    port = RecordingPort(tmp_path / "b")
    second.runner.register_port(port)
    report = await second.start()
    assert report.interrupted == 1
    job = await second.jobs.get(reply.job_id)  # type: ignore[arg-type]
    assert (job.state, job.reason) == (JobState.FAILED, "submit_interrupted")
    assert await second.ledger.totals() == {"hold": 10, "release": 10}
    final = port.final(job.id)
    assert final is not None and "Again" in final.text and any(b.action == "again" for b in final.buttons)
    assert not [r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]


async def test_a_job_caught_while_delivering_is_delivered_once_after_restart(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    first = await core_factory(settings(tmp_path))
    port_a = RecordingPort(tmp_path / "a")
    first.runner.register_port(port_a)
    await first.start()
    reply = await first.commands.sora(ctx(), "a lighthouse", 10)
    await wait_for(lambda: port_a.videos)
    await first.stop()
    # Pretend the process died after posting but before recording it: the job is still "delivering".
    await first_db_state(tmp_path, reply.job_id)  # type: ignore[arg-type]
    second = await core_factory(settings(tmp_path))
    port_b = RecordingPort(tmp_path / "b")
    second.runner.register_port(port_b)
    await second.start()

    async def done() -> bool:
        job = await second.jobs.get(reply.job_id)  # type: ignore[arg-type]
        return job is not None and job.state == JobState.DELIVERED
    await wait_for(done)
    assert await second.ledger.totals() == {"hold": 10, "charge": 10}  # charged once, not twice


async def first_db_state(tmp_path: Path, job_id: str) -> None:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'sorabot.db'}")
    async with db.begin() as conn:
        await conn.execute(text("UPDATE jobs SET state='delivering' WHERE id=:id"), {"id": job_id})
        await conn.execute(text("DELETE FROM ledger WHERE job_id=:id AND kind='charge'"), {"id": job_id})
        await conn.execute(text("UPDATE balances SET used_tenths=0, held_tenths=10"))
    await db.dispose()

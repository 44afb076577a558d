"""Provider faults through the whole pipeline: each ends delivered once and charged once, or failed
with the credits released and the member told — never lost, never paid twice.

Already covered elsewhere (not repeated here):
- tests/integration/test_pipeline.py: 429 with Retry-After at create, 500 until the retries run
  out, moderation at create and during the job, a failed job, expired content, a job that never
  finishes (deadline);
- tests/integration/test_providers.py: the HTTP layer's retries and mappings for each fault
  (429 with and without Retry-After, 5xx, resets, malformed JSON, read timeouts, connection refused).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core
from bot.config import ProviderConfig
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


def sim_provider(**overrides: Any) -> ProviderConfig:
    values: dict[str, Any] = {"name": "simulator", "kind": "simulator", "max_retries": 3, **overrides}
    return ProviderConfig(**values)


async def started(core_factory: Callable[..., Any], tmp_path: Path, **settings: Any) -> tuple[Core, RecordingPort]:
    settings.setdefault("providers", [sim_provider()])
    core = await core_factory(make_settings(tmp_path, **settings))
    port = RecordingPort(tmp_path / "delivered")
    core.runner.register_port(port)
    await core.start()
    return core, port


async def finished(core: Core, job_id: str, timeout: float = 60.0) -> Any:
    async def done() -> bool:
        job = await core.jobs.get(job_id)
        return job is not None and job.state.finished
    await wait_for(done, timeout)
    return await core.jobs.get(job_id)


async def running(core: Core, job_id: str) -> Any:
    async def up() -> bool:
        job = await core.jobs.get(job_id)
        return job is not None and job.state == JobState.RUNNING and job.remote_id is not None
    await wait_for(up, 30)
    return await core.jobs.get(job_id)


def accepted_creates(sim: SimulatorServer) -> int:
    return sum(1 for r in sim.requests if r.method == "POST" and r.path == "/v1/videos" and r.status == 200)


async def assert_delivered_once(core: Core, port: RecordingPort, sim: SimulatorServer, job: Any) -> None:
    assert job.state == JobState.DELIVERED, (job.state, job.reason, job.reason_detail)
    assert [j for j, *_ in port.videos] == [job.id]
    assert await core.ledger.totals() == {"hold": job.cost_tenths, "charge": job.cost_tenths}
    assert accepted_creates(sim) == 1 and len(sim.videos) == 1  # one video made, one paid for


async def assert_failed_and_released(core: Core, port: RecordingPort, job: Any, reason: str) -> None:
    assert (job.state, job.reason) == (JobState.FAILED, reason), job.reason_detail
    assert await core.ledger.totals() == {"hold": job.cost_tenths, "release": job.cost_tenths}
    final = port.final(job.id)
    assert final is not None and "No credits were spent" in final.text
    assert not port.videos


@pytest.mark.parametrize(("marker", "creates"), [
    ("[sim:429-noretry]", 2),  # 429 without Retry-After: backed off and tried again
    ("[sim:502x2]", 3),
    ("[sim:503x2]", 3),
])
async def test_create_refusals_that_made_nothing_are_retried(core_factory: Callable[..., Any], tmp_path: Path,
                                                             simulator: SimulatorServer, marker: str,
                                                             creates: int) -> None:
    core, port = await started(core_factory, tmp_path)
    reply = await core.commands.sora(ctx(), f"{marker} a fox in the snow", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_delivered_once(core, port, simulator, job)
    assert len([r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]) == creates


async def test_rate_limited_for_good_fails_released_and_told(core_factory: Callable[..., Any], tmp_path: Path,
                                                             simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path)
    simulator.faults.create_status, simulator.faults.create_count = 429, 0
    reply = await core.commands.sora(ctx(), "a fox", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_failed_and_released(core, port, job, "rate_limited")
    assert simulator.videos == {}


@pytest.mark.parametrize("markers", ["[sim:status503x3]", "[sim:status500x2] [sim:status502x1]", "[sim:reset]",
                                     "[sim:malformed]", "[sim:reset] [sim:malformed] [sim:status503x2]"])
async def test_status_faults_mid_job_are_ridden_out(core_factory: Callable[..., Any], tmp_path: Path,
                                                    simulator: SimulatorServer, markers: str) -> None:
    core, port = await started(core_factory, tmp_path)
    reply = await core.commands.sora(ctx(), f"a heron {markers}", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_delivered_once(core, port, simulator, job)


async def test_provider_down_for_a_while_mid_job(core_factory: Callable[..., Any], tmp_path: Path,
                                                 simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path)
    simulator.set_speed(5)
    reply = await core.commands.sora(ctx(), "a lighthouse in a storm", 10)
    await running(core, reply.job_id)  # type: ignore[arg-type]
    simulator.faults.down = True  # every call answers 503
    await wait_for(lambda: sum(1 for r in simulator.requests if r.status == 503) >= 4, 30)
    simulator.faults.down = False
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_delivered_once(core, port, simulator, job)


async def test_status_read_timeouts_mid_job(core_factory: Callable[..., Any], tmp_path: Path,
                                            simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path, providers=[sim_provider(timeout_seconds=0.3)])
    simulator.set_speed(5)
    reply = await core.commands.sora(ctx(), "a slow answer", 10)
    await running(core, reply.job_id)  # type: ignore[arg-type]
    simulator.faults.latency = 0.6  # every answer now comes after our read timeout
    await wait_for(lambda: sum(1 for r in simulator.requests if r.method == "GET" and r.status is None) >= 2, 30)
    simulator.faults.latency = 0.0
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_delivered_once(core, port, simulator, job)


async def test_read_timeout_on_create_is_never_resent(core_factory: Callable[..., Any], tmp_path: Path,
                                                      simulator: SimulatorServer) -> None:
    """The create went out and no answer came: the provider may be making (and billing) the video,
    so the job is not resubmitted; the member is told and keeps the credits."""
    core, port = await started(core_factory, tmp_path, providers=[sim_provider(timeout_seconds=0.3)])
    simulator.faults.latency = 0.6
    try:
        reply = await core.commands.sora(ctx(), "a fox", 10)
        job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    finally:
        simulator.faults.latency = 0.0
    await assert_failed_and_released(core, port, job, "submit_interrupted")
    assert len([r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]) == 1


async def test_connection_refused_fails_released(core_factory: Callable[..., Any], tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    dead = ProviderConfig(name="dead", kind="openai", base_url=f"http://127.0.0.1:{closed}", max_retries=2)
    core, port = await started(core_factory, tmp_path, providers=[dead])
    reply = await core.commands.sora(ctx(), "a fox", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_failed_and_released(core, port, job, "unavailable")


async def test_download_errors_are_retried(core_factory: Callable[..., Any], tmp_path: Path,
                                           simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path)
    simulator.faults.content_status, simulator.faults.content_count = 502, 2
    reply = await core.commands.sora(ctx(), "a red kite", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_delivered_once(core, port, simulator, job)


async def test_content_gone_at_download_fails_released(core_factory: Callable[..., Any], tmp_path: Path,
                                                       simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path)
    simulator.faults.content_status, simulator.faults.content_count = 404, 0
    try:
        reply = await core.commands.sora(ctx(), "a red kite", 10)
        job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    finally:
        simulator.faults.content_status = None
    await assert_failed_and_released(core, port, job, "expired")


async def test_video_gone_at_the_provider_mid_job(core_factory: Callable[..., Any], tmp_path: Path,
                                                  simulator: SimulatorServer) -> None:
    """Status answers 404 (the provider lost or deleted the job): failed, released, told."""
    core, port = await started(core_factory, tmp_path)
    simulator.set_speed(2)
    reply = await core.commands.sora(ctx(), "a vanishing act", 10)
    job = await running(core, reply.job_id)  # type: ignore[arg-type]
    simulator.videos[job.remote_id].deleted = True
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    await assert_failed_and_released(core, port, job, "generation_failed")


async def test_many_faulty_jobs_at_once_settle_exactly(core_factory: Callable[..., Any], tmp_path: Path,
                                                       simulator: SimulatorServer) -> None:
    """A mix of every fault, concurrently, from several members: the ledger adds up job by job."""
    core, port = await started(core_factory, tmp_path, limits={"active_jobs_per_member": 10,
                                                               "active_jobs_per_scope": 50})
    markers = ["", "[sim:fail]", "[sim:moderation]", "[sim:500x2]", "[sim:429]", "[sim:reset]", "[sim:malformed]",
               "[sim:status503x2]", "[sim:expired]", "[sim:moderation-create]", "", "[sim:502x1]"]
    replies = await asyncio.gather(*(core.commands.sora(ctx(f"m{i % 4}"), f"scene {i} {m}", 10)
                                     for i, m in enumerate(markers)))
    jobs = [await finished(core, r.job_id) for r in replies]  # type: ignore[arg-type]
    delivered = [j for j in jobs if j.state == JobState.DELIVERED]
    failed = [j for j in jobs if j.state == JobState.FAILED]
    assert len(delivered) + len(failed) == len(jobs)
    assert {j.reason for j in failed} == {"generation_failed", "moderation", "expired"}
    totals = await core.ledger.totals()
    assert totals == {"hold": 10 * len(jobs), "charge": 10 * len(delivered), "release": 10 * len(failed)}
    assert sorted(j for j, *_ in port.videos) == sorted(j.id for j in delivered)
    for j in failed:
        assert port.final(j.id) is not None

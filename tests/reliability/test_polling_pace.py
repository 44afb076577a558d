"""The learned pace behind benchmark 2's figures, and the scheduler's short cut behind benchmark 3's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import ProviderConfig
from bot.jobs.model import JobState
from bot.jobs.polling import PACE_MARGIN, PACE_MARGIN_SHARE, PaceModel, PollPlan
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


def test_the_first_call_lands_just_after_the_learned_finish() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=100.0, expected=12.0)
    delay = plan.next_delay(100.0, hint=2.0)
    assert delay == 12.0 + PACE_MARGIN + PACE_MARGIN_SHARE * 12.0  # not the 2 s hint, not age back-off


def test_an_early_paced_call_waits_for_the_rest_then_extrapolates() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=0.0, expected=10.0)
    plan.observe(10.4, 80)  # the job is slower than the pace said
    assert plan.next_delay(10.4) == 2.0  # the remaining 20 % of the expected 10 s
    plan.observe(12.4, 90)
    assert 14.4 < 12.4 + plan.next_delay(12.4) < 14.7  # its own rate now: 5 %/s → done at 14.4, + margin


def test_a_wrong_pace_never_waits_past_the_ceiling() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=0.0, expected=3600.0)
    assert plan.next_delay(0.0) == 30


def test_pace_is_learned_per_length_and_scaled_for_new_lengths() -> None:
    pace = PaceModel()
    assert pace.expected("p", 10) is None
    pace.observe("p", 10, 20.0)
    pace.observe("p", 10, 30.0)
    assert pace.expected("p", 10) == 20.0 + 0.3 * 10.0
    assert pace.expected("p", 20) is not None and 40 < pace.expected("p", 20) < 60  # type: ignore[operator]
    assert pace.expected("other", 10) is None
    pace.observe("p", 10, -1.0)  # nonsense is ignored
    assert pace.expected("p", 10) == 23.0


def test_finish_estimate_uses_the_reported_completion_second() -> None:
    plan = PollPlan(started=0.0)
    assert plan.finished_at(20.0, 10.0) == 15.0  # nothing better than the middle of the window
    assert 12.0 <= plan.finished_at(20.0, 10.0, reported=12.0) <= 13.0  # completed_at narrows it to a second
    assert plan.finished_at(20.0, 10.0, reported=3.0) == 15.0  # an inconsistent report is ignored


async def test_later_jobs_of_a_provider_cost_one_status_call(core_factory: Callable[..., Any], tmp_path: Path,
                                                             simulator: SimulatorServer) -> None:
    core = await core_factory(make_settings(tmp_path, limits={"active_jobs_per_member": 10,
                                                              "poll_max_interval": 30.0}))
    port = RecordingPort(tmp_path / "out")
    core.runner.register_port(port)
    await core.start()
    simulator.set_speed(5)  # a 10 s video takes 2 s
    ids = []
    for i in range(4):  # one after another: each learns from the ones before
        reply = await core.commands.sora(ctx(), f"a heron {i}", 10)
        ids.append(reply.job_id)
        await wait_for(lambda n=i + 1: len(port.videos) >= n, 30)
    polls = {}
    for job_id in ids:
        job = await core.jobs.get(job_id)  # type: ignore[arg-type]
        assert job is not None and job.state == JobState.DELIVERED
        polls[job_id] = sum(1 for r in simulator.requests
                            if r.method == "GET" and r.path == f"/v1/videos/{job.remote_id}")
    assert polls[ids[-1]] <= 2 and polls[ids[-1]] < polls[ids[0]], polls


async def test_no_queue_scan_while_every_provider_is_busy(core_factory: Callable[..., Any], tmp_path: Path,
                                                          simulator: SimulatorServer) -> None:
    one_slot = ProviderConfig(name="simulator", kind="simulator", max_in_flight=1)
    core = await core_factory(make_settings(tmp_path, providers=[one_slot],
                                            limits={"active_jobs_per_member": 50, "active_jobs_per_scope": 50}))
    checks = 0
    original = core.runner._eligible

    def counting(job: Any) -> Any:
        nonlocal checks
        checks += 1
        return original(job)
    core.runner._eligible = counting  # type: ignore[method-assign]
    port = RecordingPort(tmp_path / "out")
    core.runner.register_port(port)
    await core.start()
    n = 16
    for i in range(n):
        await core.commands.sora(ctx(f"m{i}", scope=f"test:server:{i % 8}"), f"a queue {i}", 10)
    simulator.set_speed(100)
    await wait_for(lambda: len(port.videos) == n, 60)
    # Each start looks at a few heads; without the short cut every finished job made the scheduler
    # re-check every queued job (here about n × n / 2 = 128 checks).
    assert checks <= 3 * n, checks


async def test_scouts_find_a_new_providers_pace_and_the_others_wait_for_it() -> None:
    pace = PaceModel()
    assert pace.scout("p") and pace.scout("p") and not pace.scout("p")  # two scouts, then wait
    waiter = asyncio.create_task(pace.wait_for_pace("p", 5.0))
    await asyncio.sleep(0.02)
    assert not waiter.done()
    pace.estimate("p", 10, 10.5)  # a scout's extrapolated duration
    await asyncio.wait_for(waiter, 1.0)
    assert pace.expected("p", 20) == 21.0  # scaled to another length
    pace.estimate("p", 10, 99.0)  # once known, estimates no longer overwrite it
    assert pace.expected("p", 10) == 10.5
    assert pace.scout("p")  # known: every job polls on its own plan


async def test_waiting_for_scouts_is_bounded() -> None:
    pace = PaceModel()
    pace.scout("p")
    pace.scout("p")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await pace.wait_for_pace("p", 0.05)  # the timeout (the poll ceiling in the runner)
    assert loop.time() - t0 < 1.0
    pace.done_scouting("p")
    pace.done_scouting("p")  # the scouts ended without a rate (e.g. failed jobs): nobody waits any more
    await asyncio.wait_for(pace.wait_for_pace("p", 60.0), 1.0)

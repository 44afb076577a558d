"""Benchmark 3 — scale: 10,000 jobs in flight in one process against the simulator.

10,000 accepted jobs (credits held; 1,000 servers × 10 members, 10-25 s each) are written to a
fresh database (bench/seed.py) and the pipeline is started on them: it schedules, submits, polls,
downloads and delivers every one against a simulator process. Measured in the bot's process:

- peak RSS (the kernel's high-water mark) and RSS before the jobs;
- event-loop lag (a 10 ms ticker's lateness) p50 / p99 / max over the whole run;
- scheduler work per job: CPU time in the fair queue's ``pop`` (which calls the provider
  eligibility check) and the number of eligibility checks, divided by the jobs started;
- peak jobs in flight at the provider, wall time, provider calls per job.

Provider set-ups:
- ``all_at_provider``: the provider takes all 10,000 at once (max_in_flight = 10,000), simulator
  at 2x (10-25 s videos take 5-12.5 s);
- ``all_at_provider_before``: the same with database access as it was before this work (callers
  queued inside SQLAlchemy's pool: bench/baseline.py), for the memory ratio in one run;
- ``capped``: the provider takes 500 at a time, so ~9,500 wait in the fair queue and every
  finished job makes the scheduler pick the next: the case where scheduling cost grows with the
  queue (simulator 10x faster, so the 20 rounds take a minute, not ten);
- ``capped_small_before`` / ``capped_small_after``: 2,000 jobs, 100 at a time, with the scheduler
  as it was before this work (bench/baseline.py) and as it is — the before/after ratio in one
  run (the old scheduler is too slow to run on 10,000 queued jobs).

Each scenario runs in its own process (``--scenario NAME``), so each peak RSS is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import install_legacy_scheduler
from bench.common import (
    LoopLag,
    NullPort,
    bench_settings,
    child_figures,
    emit,
    peak_rss_mb,
    quiet_logging,
    reset_peak_rss,
    rss_mb,
    sim_clear,
    simulator_process,
)
from bench.seed import make_jobs, seed
from bench.video import small_video
from bot.app import build_core
from bot.jobs.model import JobState


class SchedulerMeter:
    """Wraps the runner's fair-queue ``pop`` and eligibility check to count their work."""

    def __init__(self, runner: Any) -> None:
        self.pop_seconds = 0.0
        self.pops = 0
        self.eligibility_checks = 0
        self.started = 0
        queue = runner.queue
        original_pop = queue.pop
        original_eligible = runner._eligible

        def pop(*args: Any, **kwargs: Any) -> Any:
            t0 = time.thread_time()
            try:
                job = original_pop(*args, **kwargs)
            finally:
                self.pop_seconds += time.thread_time() - t0
                self.pops += 1
            if job is not None:
                self.started += 1
            return job

        def eligible(job: Any) -> Any:
            self.eligibility_checks += 1
            return original_eligible(job)

        queue.pop = pop
        runner._eligible = eligible

    def figures(self) -> dict[str, Any]:
        n = max(1, self.started)
        return {"jobs_started": self.started, "pop_calls": self.pops,
                "eligibility_checks": self.eligibility_checks,
                "eligibility_checks_per_job": round(self.eligibility_checks / n, 2),
                "scheduler_cpu_s": round(self.pop_seconds, 3),
                "scheduler_cpu_us_per_job": round(self.pop_seconds / n * 1e6, 1)}


async def in_flight_sampler(core: Any, peak: list[int]) -> None:
    while True:
        handle = core.registry.handles[0]
        peak[0] = max(peak[0], handle.in_flight)
        await asyncio.sleep(0.05)


async def set_speed(base_url: str, speed: float) -> None:
    import httpx

    async with httpx.AsyncClient(trust_env=False) as client:
        (await client.post(f"{base_url}/_sim/speed", json={"speed": speed})).raise_for_status()


async def run(base_url: str, n: int, cap: int, scopes: int, *, speed: float, legacy: bool = False) -> dict[str, Any]:
    await set_speed(base_url, speed)
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-scale-") as tmp:
        settings = bench_settings(Path(tmp), base_url=base_url, max_in_flight=cap, per_member=10**6,
                                  per_scope=10**6, timeout=120, max_retries=6)
        core = await build_core(settings)
        if legacy:
            install_legacy_scheduler(core.runner)
        await seed(core.db, make_jobs(n, scopes=scopes))
        port = NullPort(expect=n)
        core.runner.register_port(port)
        meter = SchedulerMeter(core.runner)
        await sim_clear(base_url)
        rss_before = rss_mb()
        reset_peak_rss()
        lag = LoopLag()
        lag.start()
        peak = [0]
        sampler = asyncio.create_task(in_flight_sampler(core, peak))
        t0 = time.perf_counter()
        await core.start()
        try:
            await asyncio.wait_for(port.done.wait(), timeout=1800)
            # Every video is handed over; wait for the last "delivered" (and charge) to be committed.
            for _ in range(1200):
                if (await core.jobs.count_by_state()).get(JobState.DELIVERED.value, 0) >= n:
                    break
                await asyncio.sleep(0.5)
        finally:
            wall = time.perf_counter() - t0
            loop_lag = await lag.stop()
            sampler.cancel()
            states = await core.jobs.count_by_state()
            totals = await core.ledger.totals()
            await core.stop()
    from bench.common import sim_requests

    requests = await sim_requests(base_url)
    creates = sum(1 for r in requests if r["method"] == "POST" and r["path"] == "/v1/videos")
    statuses = sum(1 for r in requests if r["method"] == "GET" and r["path"].startswith("/v1/videos/")
                   and not r["path"].endswith("/content"))
    delivered = states.get(JobState.DELIVERED.value, 0)
    return {"jobs": n, "provider_max_in_flight": cap, "servers": scopes, "speed": speed,
            "scheduler_code": "before" if legacy else "current", "wall_s": round(wall, 1),
            "delivered": delivered, "states": states, "peak_in_flight_at_provider": peak[0],
            "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb(), "loop_lag": loop_lag,
            "scheduler": meter.figures(),
            "provider_calls_per_job": round((creates + statuses) / max(1, n), 2),
            "ledger": totals}


SCENARIOS = {
    # name: (jobs, provider cap, speed factor, scheduler as before, database waits as before)
    "all_at_provider": (10_000, 10_000, 2.0, False, False),
    "all_at_provider_before": (10_000, 10_000, 2.0, False, True),
    "capped": (10_000, 500, 10.0, False, False),
    "capped_small_before": (2_000, 100, 10.0, True, False),
    "capped_small_after": (2_000, 100, 10.0, False, False),
}


async def one(name: str, quick: bool) -> dict[str, Any]:
    n, cap, speed, legacy_scheduler, legacy_db = SCENARIOS[name]
    if quick:
        n, cap = max(20, n // 50), max(5, cap // 50)
    if legacy_db:
        from bench.baseline import install_legacy_db_waits

        install_legacy_db_waits()
    with simulator_process(speed=speed, video=small_video()) as sim:
        return await run(sim.url, n, cap, max(1, n // 10), speed=speed, legacy=legacy_scheduler)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--scenario", choices=list(SCENARIOS))
    args = p.parse_args()
    quiet_logging()
    if args.scenario:  # one scenario per process: peak RSS is per process
        print(json.dumps(asyncio.run(one(args.scenario, args.quick))), flush=True)
        return
    out = {name: child_figures([__file__, "--scenario", name, *(["--quick"] if args.quick else [])], timeout=3600)
           for name in SCENARIOS}
    emit("scale", {"target": {"peak_rss_mb": 300, "loop_lag_p99_ms": 100}, **out})


if __name__ == "__main__":
    main()

"""Benchmark 6 — recovery: start-up time to resume 10,000 unfinished jobs from the database.

A database is prepared with 10,000 unfinished jobs as a crash would leave them: 4,000 queued
(credits held), 5,950 running at the provider (their videos exist at the simulator process) and
50 caught while submitting. A fresh process (``python bench/recovery.py --measure``) then starts
the bot on it, and reports:

- ``start_s``: from the process's first line to ``core.start()`` returning — every job requeued
  or its polling task started, the interrupted ones failed with credits released (the target);
- ``build_s`` / ``recover_s``: that split into building the core (imports excluded; migrations
  included) and recovery itself; ``imports_s``: importing the bot;
- ``all_asked_s``: until every resumed job has asked the provider for its status once;
- peak RSS of that process;
- ``before``: the same on a copy of the same database with recovery as it was before this work
  (bench/baseline.py), for a before/after ratio in one run.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUEUED, RUNNING, SUBMITTING = 4000, 5950, 50


async def prepare(db_path: Path, sim_url: str, quick: bool) -> dict[str, int]:
    import httpx

    from bench.seed import make_jobs, seed
    from bot.jobs.model import JobState
    from storage.db import Database

    scale = 20 if quick else 1
    queued = make_jobs(QUEUED // scale, scopes=max(1, QUEUED // scale // 10), state=JobState.QUEUED)
    running = make_jobs(RUNNING // scale, scopes=max(1, RUNNING // scale // 10), state=JobState.RUNNING,
                        provider="sim")
    submitting = make_jobs(SUBMITTING // scale, scopes=5, state=JobState.SUBMITTING, provider="sim")
    sem = asyncio.Semaphore(64)
    async with httpx.AsyncClient(base_url=sim_url, timeout=120, trust_env=False,
                                 limits=httpx.Limits(max_connections=64)) as client:
        async def create(job: Any) -> None:
            async with sem:
                r = await client.post("/v1/videos", json={"prompt": job.prompt, "model": job.snapshot,
                                                          "seconds": str(job.seconds), "size": job.size})
                job.remote_id = r.json()["id"]
        await asyncio.gather(*(create(j) for j in running))
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    await db.migrate()
    await seed(db, queued + running + submitting)
    await db.dispose()
    return {"queued": len(queued), "running": len(running), "submitting": len(submitting)}


async def measure(db_path: Path, sim_url: str, media: Path, legacy: bool = False) -> dict[str, Any]:
    t_imports0 = time.perf_counter()
    from bench.common import NullPort, bench_settings, peak_rss_mb, quiet_logging
    from bot.app import build_core

    quiet_logging()
    t_imports = time.perf_counter()
    settings = bench_settings(media, base_url=sim_url, max_in_flight=20_000, per_member=10**6, per_scope=10**6)
    settings.storage.url = f"sqlite+aiosqlite:///{db_path}"
    core = await build_core(settings)
    if legacy:
        from bench.baseline import install_legacy_recover

        install_legacy_recover(core.runner)
    asked: set[str] = set()
    all_asked = asyncio.Event()
    handle = core.registry.handles[0]
    original = handle.provider.status
    expect = [0]

    async def status(remote_id: str) -> Any:
        asked.add(remote_id)
        if expect[0] and len(asked) >= expect[0]:
            all_asked.set()
        return await original(remote_id)

    handle.provider.status = status  # type: ignore[method-assign]
    core.runner.register_port(NullPort())
    t_built = time.perf_counter()
    report = await core.start()
    t_started = time.perf_counter()
    expect[0] = report.resumed
    if len(asked) >= report.resumed:
        all_asked.set()
    await asyncio.wait_for(all_asked.wait(), 600)
    t_asked = time.perf_counter()
    peak = peak_rss_mb()
    await core.stop()
    return {"requeued": report.requeued, "resumed": report.resumed, "interrupted": report.interrupted,
            "start_s": round(t_started - T0, 3), "imports_s": round(t_imports - t_imports0, 3),
            "build_s": round(t_built - t_imports, 3), "recover_s": round(t_started - t_built, 3),
            "all_asked_s": round(t_asked - T0, 3), "peak_rss_mb": peak}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--measure", nargs=3, metavar=("DB", "SIM_URL", "MEDIA"))
    p.add_argument("--legacy", action="store_true", help="with the recovery order as it was (bench/baseline.py)")
    args = p.parse_args()
    if args.measure:
        db, url, media = args.measure
        print(json.dumps(asyncio.run(measure(Path(db), url, Path(media), args.legacy))), flush=True)
        return
    from bench.common import child_figures, emit, quiet_logging, simulator_process
    from bench.video import small_video

    quiet_logging()
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-recovery-") as tmp, \
            simulator_process(speed=0.2, video=small_video()) as sim:
        db_path = Path(tmp) / "recovery.db"
        prepared = asyncio.run(prepare(db_path, sim.url, args.quick))
        results = {}
        for variant in ("before", "after"):  # each on its own copy of the same crashed database
            copy = Path(tmp) / f"{variant}.db"
            shutil.copyfile(db_path, copy)
            cmd = [__file__, "--measure", str(copy), sim.url, str(Path(tmp) / variant)]
            results[variant] = child_figures(cmd + (["--legacy"] if variant == "before" else []), timeout=900)
    emit("recovery", {"target": {"start_s": 5.0}, "prepared": prepared, **results["after"],
                      "before": results["before"]})


if __name__ == "__main__":
    main()

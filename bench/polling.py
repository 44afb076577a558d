"""Benchmark 2 — polling cost: provider calls per job and detection delay, against the openai SDK.

100 jobs of 10, 15, 20 and 25 s (25 of each) on the simulator in real time (speed 1, so its
``openai-poll-after-ms`` hint is 2,000 ms, as a busy real API might say), made three ways at once
on the same simulator process:

- ``sdk``: the official ``openai`` SDK's ``videos.create_and_poll`` helper (100 concurrent calls);
- ``bot``: sorabot's job pipeline (``/sora`` → scheduler → submit → poll plan → download → deliver);
- ``bot_no_pace``: the same pipeline with its learned pace switched off (progress extrapolation
  and the create answer's hint only);
- ``bot_before``: the poll plan as it was before this work (bench/baseline.py: no pace, and a
  status call at once after every create), for a before/after ratio measured in the same run.

Two arrival patterns: ``burst`` (all 100 at once: a cold start, nothing learned yet) and
``stream`` (one job every 0.5 s, as a running bot sees them).

Calls per job = creates + status reads (downloads are counted apart: the SDK helper does not
download). Detection delay = the time of the first status read at or after the moment the
simulator finished the job, minus that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openai

from bench.baseline import install_legacy_polling
from bench.common import (
    NullPort,
    bench_settings,
    emit,
    percentile,
    quiet_logging,
    sim_jobs,
    simulator_process,
)
from bench.video import small_video
from bot.app import Core, build_core
from bot.context import Actor, Context, Scope

DURATIONS = (10, 15, 20, 25)
SNAPSHOT = "sora-2-2025-12-08"


def plan(n: int) -> list[int]:
    return [DURATIONS[i % len(DURATIONS)] for i in range(n)]


async def arrivals(n: int, spacing: float) -> Any:
    for i in range(n):
        if spacing and i:
            await asyncio.sleep(spacing)
        yield i


async def run_sdk(base_url: str, tag: str, n: int, spacing: float) -> None:
    client = openai.AsyncOpenAI(base_url=base_url + "/v1", api_key="bench", max_retries=2, timeout=60)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks the Sora API deprecated
            tasks = []
            durations = plan(n)
            async for i in arrivals(n, spacing):
                tasks.append(asyncio.create_task(client.videos.create_and_poll(
                    prompt=f"{tag}-{i} a heron at dawn", model=SNAPSHOT, seconds=str(durations[i]),  # type: ignore[arg-type]
                    size="1280x720")))
            videos = await asyncio.gather(*tasks)
        assert all(v.status == "completed" for v in videos), [v.status for v in videos]
    finally:
        await client.close()


async def make_bot(base_url: str, n: int, *, variant: str, tmp: Path) -> tuple[Core, NullPort]:
    settings = bench_settings(tmp, base_url=base_url, max_in_flight=1000, per_member=10**6, per_scope=10**6)
    core: Core = await build_core(settings)  # built one at a time: Alembic's migration context is process-global
    if variant == "before":
        install_legacy_polling(core.runner)  # the plan as it was: progress only, a status call right after create
    elif variant == "no_pace":
        core.runner.pace = None  # progress extrapolation only (the create answer is still used)
    port = NullPort(expect=n)
    core.runner.register_port(port)
    await core.start()
    return core, port


async def run_bot(bot: tuple[Core, NullPort], tag: str, n: int, spacing: float) -> dict[str, Any]:
    core, port = bot
    try:
        ctx = Context(scope=Scope(id="bench:server", platform="bench", kind="server"),
                      actor=Actor(id="bench:user", name="user"))
        durations = plan(n)
        async for i in arrivals(n, spacing):
            await core.commands.sora(ctx, f"{tag}-{i} a heron at dawn", durations[i])
        await asyncio.wait_for(port.done.wait(), timeout=300)
        states = await core.jobs.count_by_state()
    finally:
        await core.stop()
    return {"states": states}


def figures(jobs: dict[str, Any], tag: str, downloads: dict[str, int]) -> dict[str, Any]:
    mine = [j for j in jobs.values() if j["prompt"].startswith(tag + "-")]
    calls: list[int] = []
    delays: list[float] = []
    by_duration: dict[int, list[int]] = {}
    for j in mine:
        statuses = sorted(j["statuses"])
        seen = [t for t in statuses if t >= j["done_wall"]]
        if seen:
            delays.append(seen[0] - j["done_wall"])
        calls.append(1 + len(statuses))
        by_duration.setdefault(j["seconds"], []).append(1 + len(statuses))
    return {
        "jobs": len(mine),
        "calls_per_job": round(statistics.fmean(calls), 2) if calls else None,
        "calls_per_job_by_duration": {str(k): round(statistics.fmean(v), 2) for k, v in sorted(by_duration.items())},
        "detection_delay_s": {"p50": round(percentile(delays, 50), 3), "p90": round(percentile(delays, 90), 3),
                              "max": round(max(delays), 3) if delays else None, "n": len(delays)},
        "downloads_per_job": round(downloads.get(tag, 0) / len(mine), 2) if mine else None,
    }


async def scenario(base_url: str, name: str, n: int, spacing: float, tmp: Path) -> dict[str, Any]:
    tags = {"sdk": f"{name}-sdk", "bot": f"{name}-bot", "bot_no_pace": f"{name}-nopace",
            "bot_before": f"{name}-before"}
    bots = {k: await make_bot(base_url, n, variant=k.removeprefix("bot_") if k != "bot" else "new",
                              tmp=tmp / f"{name}-{k}") for k in tags if k != "sdk"}
    results = await asyncio.gather(run_sdk(base_url, tags["sdk"], n, spacing),
                                   *(run_bot(bots[k], tags[k], n, spacing) for k in bots))
    jobs = await sim_jobs(base_url)
    downloads: dict[str, int] = {}
    from bench.common import sim_requests
    by_id = {jid: j["prompt"].split("-", 2)[0] + "-" + j["prompt"].split("-", 2)[1] for jid, j in jobs.items()}
    for r in await sim_requests(base_url):
        if r["method"] == "GET" and r["path"].endswith("/content"):
            tag = by_id.get(r["path"].split("/")[3])
            if tag:
                downloads[tag] = downloads.get(tag, 0) + 1
    out = {k: figures(jobs, tag, downloads) for k, tag in tags.items()}
    sdk_calls = out["sdk"]["calls_per_job"] or 1
    for k, result in zip(bots, results[1:], strict=True):
        out[k]["states"] = result["states"]
        out[k]["calls_ratio_to_sdk"] = round((out[k]["calls_per_job"] or 0) / sdk_calls, 3)
    return out


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    quiet_logging()
    n = 100 if not args.quick else 12
    speed = 1.0 if not args.quick else 5.0
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-poll-") as tmp, \
            simulator_process(speed=speed, video=small_video()) as sim:
        burst = await scenario(sim.url, "burst", n, 0.0, Path(tmp))
        stream = await scenario(sim.url, "stream", n, 0.5 / speed, Path(tmp))
    emit("polling", {"speed": speed, "poll_after_ms_hint": max(100, int(2000 / speed)),
                     "target": {"calls_ratio_to_sdk_max": 0.20, "detection_delay_p50_s_max": 1.5},
                     "burst": burst, "stream": stream})


if __name__ == "__main__":
    asyncio.run(main())

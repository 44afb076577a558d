"""Benchmark 1 — command acknowledgement.

The time from a ``/sora`` command reaching the core through an adapter's path (the text-command
router the Telegram and console adapters use) to its status message (queued, position, credits
held) being handed to the platform, for 1, 100 and 1,000 commands arriving at once.

- "1": 100 commands, one at a time (each alone in the process).
- "100": 5 bursts of 100 commands created in the same instant.
- "1000": 2 bursts of 1,000.

Every command comes from a different member (10 per server), so every one is accepted; each
burst runs on a fresh database. Accepted jobs really start against a simulator process while
later commands are still being acknowledged, as they would in production.

``before``: the same with storage as it was before this work (bench/baseline.py), in its own
process, for the before/after ratio in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench.common import (
    LoopLag,
    NullPort,
    bench_settings,
    child_figures,
    emit,
    now,
    quiet_logging,
    simulator_process,
    summary_ms,
)
from bench.video import small_video
from bot.app import Core, build_core
from bot.context import Actor, Context, Scope
from bot.textcommands import TextCommandRouter

PROMPT = "/sora 10 an orange cat naps in the sun, number {i}"


def context(i: int, prefix: str) -> Context:
    scope = Scope(id=f"bench:{prefix}:server:{i // 10}", platform="bench", kind="server")
    return Context(scope=scope, actor=Actor(id=f"bench:{prefix}:user:{i}", name=f"user{i}"),
                   destination={"channel": i})


class Counter:
    def __init__(self) -> None:
        self.statements = 0


async def one(core: Core, router: TextCommandRouter, ctx: Context, i: int, t0: float,
              handed: list[float]) -> None:
    reply = await router.dispatch(ctx, PROMPT.format(i=i))
    assert reply is not None and reply.job_id, reply
    handed.append(now() - t0)  # the adapter posts reply.text now: the status message reaches the platform
    await core.runner.attach_status(reply.job_id, {"message": i})


async def round_(base_url: str, n: int, bursts: int) -> dict[str, Any]:
    latencies: list[float] = []
    wall: list[float] = []
    statements = 0
    lag = LoopLag()
    for b in range(bursts):
        with tempfile.TemporaryDirectory(prefix="sorabot-bench-ack-") as tmp:
            settings = bench_settings(Path(tmp), base_url=base_url, allowance=10)
            core = await build_core(settings)
            counter = Counter()

            def count(*_a: Any, counter: Counter = counter) -> None:
                counter.statements += 1
            event.listen(core.db.engine.sync_engine, "before_cursor_execute", count)
            port = NullPort()
            core.runner.register_port(port)
            await core.start()
            router = TextCommandRouter(core.commands)
            for w in range(5):  # warm caches (statement compilation, scope rows) in another server
                await one(core, router, context(w, f"warm{b}"), w, now(), [])
            counter.statements = 0
            lag.start() if b == 0 else None
            if n == 1:
                for i in range(100):
                    t0 = now()
                    await one(core, router, context(i, f"r{b}"), i, t0, latencies)
                wall.append(0.0)
                per = 100
            else:
                t0 = now()
                await asyncio.gather(*(one(core, router, context(i, f"r{b}"), i, t0, latencies) for i in range(n)))
                wall.append(now() - t0)
                per = n
            statements += counter.statements
            del per
            await core.stop()
    loop_lag = await lag.stop()
    count_cmds = len(latencies)
    return {"commands": count_cmds, **summary_ms(latencies),
            "burst_wall_s": round(max(wall), 3) if n > 1 else None,
            "throughput_per_s": round(count_cmds / sum(wall), 1) if n > 1 and sum(wall) else None,
            "sql_statements_per_command": round(statements / count_cmds, 1),
            "loop_lag": loop_lag}


async def figures(quick: bool) -> dict[str, Any]:
    sizes = [(1, 1), (100, 5), (1000, 2)] if not quick else [(1, 1), (20, 1)]
    video = small_video()
    results = {}
    with simulator_process(speed=1, video=video) as sim:
        for n, bursts in sizes:
            results[str(n)] = await round_(sim.url, n, bursts)
    return results


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    p.add_argument("--variant", choices=["current", "before"])
    args = p.parse_args()
    quiet_logging()
    if args.variant:
        if args.variant == "before":
            from bench.baseline import install_legacy_storage

            install_legacy_storage()
        print(json.dumps(asyncio.run(figures(args.quick))), flush=True)
        return
    out = {variant: child_figures([__file__, "--variant", variant, *(["--quick"] if args.quick else [])],
                                  timeout=1800) for variant in ("current", "before")}
    emit("ack", {"target": {"p99_ms_at_1000": 50}, "at_once": out["current"], "before": out["before"]})


if __name__ == "__main__":
    main()

"""Benchmark 5 — delivery memory: 20 concurrent deliveries of 40 MB videos, peak RSS growth.

The simulator process serves a 40 MB MP4 for every job; the bot downloads each (streamed to a
temporary file) and hands it to the platform. Each variant runs in its own process (RSS is per
process): RSS is read after one warm-up delivery, the kernel's peak mark is reset, 20 jobs are
accepted at once, and the growth is the peak minus that baseline.

Variants (the platform side):
- ``core_streaming``: the core's path with a port that streams the file to a loopback upload
  endpoint in 64 KB chunks (what an adapter that streams does);
- ``core_streaming_before``: the same with the provider download writer as it was before this
  work (bench/baseline.py), for a before/after ratio in the same run;
- ``telegram_adapter``: sorabot's Telegram port (python-telegram-bot) uploading to the fake Bot
  API running in another process;
- ``telegram_adapter_local_api``: the same against a local Bot API server (``local_bot_api = true``:
  the video is sent by path, not uploaded).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import (
    ROOT,
    RssSampler,
    bench_settings,
    child_figures,
    emit,
    peak_rss_mb,
    quiet_logging,
    reset_peak_rss,
    rss_mb,
    simulator_process,
    stop_process,
)
from bench.video import big_file
from bot.app import build_core
from bot.context import Actor, Context, Scope
from bot.jobs.model import Job
from bot.ports import DeliveryView, StatusView

CONCURRENT = 20
CHUNK = 64 * 1024
VARIANTS = ("core_streaming", "core_streaming_before", "telegram_adapter", "telegram_adapter_local_api")


class StreamingPort:
    """Uploads the finished video to a loopback endpoint as a stream of 64 KB chunks."""

    platform = "bench"
    min_edit_interval = 5.0

    def __init__(self, sink: str) -> None:
        self.sink = sink
        self.client = httpx.AsyncClient(timeout=300, trust_env=False)
        self.delivered = 0
        self.done = asyncio.Event()
        self.expect = 0

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        return None

    def upload_limit(self, job: Job) -> int | None:
        return 50 * 1024 * 1024

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        async def chunks() -> AsyncIterator[bytes]:
            f = await asyncio.to_thread(video.open, "rb")
            try:
                while chunk := await asyncio.to_thread(f.read, CHUNK):
                    yield chunk
            finally:
                f.close()
        response = await self.client.post(self.sink, content=chunks())
        response.raise_for_status()
        self._delivered()
        return response.json()  # type: ignore[no-any-return]

    def _delivered(self) -> None:
        self.delivered += 1
        if self.delivered >= self.expect:
            self.done.set()

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        return {}


@contextlib.contextmanager
def fake_telegram(local: bool = False) -> Any:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fakeproc.py"), *(["--local"] if local else [])],
                            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        stop_process(proc)


async def telegram_port(info: dict[str, Any], local: bool = False) -> Any:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from adapters.telegram.port import TelegramPort

    bot = Bot(info["token"], base_url=info["base_url"], base_file_url=info["base_file_url"],
              request=HTTPXRequest(connection_pool_size=64), local_mode=local)
    await bot.initialize()
    port = TelegramPort(bot, chat_action_every=60, local_bot_api=local)
    original = port.deliver_video
    state = {"delivered": 0, "expect": 0, "done": asyncio.Event()}

    async def deliver_video(job: Job, video: Path, thumbnail: Path | None, view: DeliveryView) -> dict[str, Any]:
        ref = await original(job, video, thumbnail, view)
        state["delivered"] += 1
        if state["delivered"] >= state["expect"]:
            state["done"].set()  # type: ignore[attr-defined]
        return ref

    port.deliver_video = deliver_video  # type: ignore[method-assign]
    return port, state, bot


async def run_variant(variant: str) -> dict[str, Any]:
    video = big_file(40)
    if variant == "core_streaming_before":
        from bench.baseline import install_legacy_download

        install_legacy_download()  # the download writer as it was (1 MB buffer copied per write)
    with tempfile.TemporaryDirectory(prefix="sorabot-bench-delivery-") as tmp, \
            simulator_process(speed=20, video=video) as sim, contextlib.ExitStack() as stack:
        settings = bench_settings(Path(tmp), base_url=sim.url, max_in_flight=64, per_member=10, per_scope=10**6,
                                  poll_min=0.05, poll_max=1.0)
        core = await build_core(settings)
        bot = None
        if variant.startswith("telegram_adapter"):
            local = variant.endswith("local_api")
            info = stack.enter_context(fake_telegram(local))
            port, state, bot = await telegram_port(info, local)
            platform = "telegram"

            def expect(n: int) -> asyncio.Event:
                state["expect"], state["delivered"], state["done"] = n, 0, asyncio.Event()
                return state["done"]  # type: ignore[return-value]
            destination: dict[str, Any] = {"chat_id": info["chat_id"]}
        else:
            port = StreamingPort(f"{sim.url}/_bench/sink")
            platform = "bench"

            def expect(n: int) -> asyncio.Event:
                port.expect, port.delivered, port.done = n, 0, asyncio.Event()
                return port.done
            destination = {}
        core.runner.register_port(port)
        await core.start()

        def ctx(i: int) -> Context:
            return Context(scope=Scope(id=f"{platform}:bench", platform=platform, kind="server"),
                           actor=Actor(id=f"{platform}:{i}", name=f"u{i}"), destination=destination)

        done = expect(1)
        await core.commands.sora(ctx(999), "warm up", 10)
        await asyncio.wait_for(done.wait(), 120)
        await asyncio.sleep(0.5)
        baseline = rss_mb()
        reset_peak_rss()
        sampler = RssSampler(0.02)
        sampler.start()
        done = expect(CONCURRENT)
        t0 = time.perf_counter()
        for i in range(CONCURRENT):
            await core.commands.sora(ctx(i), f"delivery {i}", 10)
        await asyncio.wait_for(done.wait(), 600)
        wall = time.perf_counter() - t0
        sampled = await sampler.stop()
        peak = peak_rss_mb()
        states = await core.jobs.count_by_state()
        await core.stop()
        if bot is not None:
            await port.close()
            await bot.shutdown()
    return {"variant": variant, "deliveries": CONCURRENT, "video_mb": round(video.stat().st_size / 1048576, 1),
            "wall_s": round(wall, 2), "baseline_rss_mb": baseline, "peak_rss_mb": peak,
            "peak_rss_sampled_mb": sampled, "rss_growth_mb": round(max(peak, sampled) - baseline, 1),
            "states": states}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--variant", choices=list(VARIANTS))
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    quiet_logging()
    if args.variant:
        print(json.dumps(asyncio.run(run_variant(args.variant))), flush=True)
        return
    out = {variant: child_figures([__file__, "--variant", variant], timeout=1200) for variant in VARIANTS}
    emit("delivery", {"target": {"rss_growth_mb": 50}, **out})


if __name__ == "__main__":
    main()

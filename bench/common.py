"""Shared helpers for the benchmarks: JSON output, memory and event-loop-lag measurement, a
simulator in its own process, benchmark settings, and a platform stand-in.

Every benchmark runs as its own process (``python bench/<name>.py``) so that its memory figures
are its own; the video API simulator runs in a second process so that the bot's process measures
only the bot. Nothing here is a pass/fail test: each benchmark prints one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/x.py` from anywhere
    sys.path.insert(0, str(ROOT))

from bot.config import LimitsConfig, ProviderConfig, QuotaConfig, Settings, StorageConfig  # noqa: E402
from bot.jobs.model import Job  # noqa: E402
from bot.ports import DeliveryView, StatusView  # noqa: E402

SNAPSHOTS = ["sora-2-2025-10-06", "sora-2-2025-12-08"]


# --------------------------------------------------------------------------------------------
# output


def emit(name: str, figures: dict[str, Any]) -> None:
    """Print the benchmark's figures as one JSON object (the last line of stdout)."""
    out = {"benchmark": name, "machine": machine(), **figures}
    print(json.dumps(out, sort_keys=False), flush=True)


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest-rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary_ms(values_s: Iterable[float]) -> dict[str, float]:
    """p50 / p99 / max / mean in milliseconds of values given in seconds."""
    v = [x * 1000 for x in values_s]
    if not v:
        return {"n": 0}
    return {"n": len(v), "p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2),
            "max_ms": round(max(v), 2), "mean_ms": round(statistics.fmean(v), 2)}


def quiet_logging() -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


# --------------------------------------------------------------------------------------------
# memory


def _status_kb(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    return round(_status_kb("VmRSS") / 1024, 1)


def peak_rss_mb() -> float:
    """Peak resident set size (since start or the last :func:`reset_peak_rss`), MB."""
    return round(_status_kb("VmHWM") / 1024, 1)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux: ``5`` into /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


class RssSampler:
    """Samples RSS every ``interval`` seconds (a cross-check of the kernel's peak mark)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = rss_mb()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb())
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.peak = max(self.peak, rss_mb())
        return self.peak


# --------------------------------------------------------------------------------------------
# event-loop lag


class LoopLag:
    """How late a 10 ms ticker wakes up: the event loop's responsiveness under load."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t0 = loop.time()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, loop.time() - t0 - self.interval))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return summary_ms(self.lags)


# --------------------------------------------------------------------------------------------
# child processes: benchmark variants (each its own memory), the simulator, the fake Bot API


def child_figures(args: Sequence[str], *, timeout: float) -> dict[str, Any]:
    """Run ``python <args>`` from the project root; its figures are the last JSON line it printed."""
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          check=False)
    lines = [line for line in done.stdout.strip().splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"exit {done.returncode}", "stderr": (done.stderr or done.stdout)[-3000:]}
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def stop_process(proc: subprocess.Popen[str]) -> None:
    """Terminate a child, killing it if it does not end within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def serve_until_stopped() -> None:
    """For a child server: return on SIGTERM/SIGINT or when the parent closes our stdin."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def stdin_closed() -> None:  # a daemon thread: the parent closing our stdin stops us
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=stdin_closed, daemon=True).start()
    await stop.wait()


@dataclass
class SimProcess:
    url: str
    proc: subprocess.Popen[str]



@contextlib.contextmanager
def simulator_process(*, speed: float, video: Path | None = None, render_width: int = 160,
                      render_fps: int = 6) -> Any:
    """Start ``bench/simproc.py`` (127.0.0.1, a free port) and yield a :class:`SimProcess`."""
    cmd = [sys.executable, str(ROOT / "bench" / "simproc.py"), "--speed", str(speed),
           "--render-width", str(render_width), "--render-fps", str(render_fps)]
    if video is not None:
        cmd += ["--video", str(video)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"simulator did not start: {line!r}")
        sim = SimProcess(line, proc)
        yield sim
    finally:
        stop_process(proc)


async def sim_requests(url: str) -> list[dict[str, Any]]:
    import httpx

    async with httpx.AsyncClient(timeout=120, trust_env=False) as client:
        return (await client.get(f"{url}/_sim/requests")).json()  # type: ignore[no-any-return]


async def sim_jobs(url: str) -> dict[str, Any]:
    """The simulator process's jobs: {id: {"seconds", "done_wall", "status_times"}} (bench/simproc.py)."""
    import httpx

    async with httpx.AsyncClient(timeout=120, trust_env=False) as client:
        return (await client.get(f"{url}/_bench/jobs")).json()  # type: ignore[no-any-return]


async def sim_clear(url: str) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=60, trust_env=False) as client:
        await client.delete(f"{url}/_sim/requests")


# --------------------------------------------------------------------------------------------
# settings


def bench_settings(tmp: Path, *, base_url: str, max_in_flight: int = 32, allowance: float = 1_000_000,
                   per_member: int = 2, per_scope: int = 10, deadline: float = 3600.0,
                   poll_min: float = 0.5, poll_max: float = 30.0, timeout: float = 30.0,
                   max_retries: int = 4) -> Settings:
    """Production-like settings against a simulator process (OpenAI Videos shape)."""
    provider = ProviderConfig(name="sim", kind="openai", base_url=base_url, snapshots=SNAPSHOTS,
                              durations=[10, 15, 20, 25], max_in_flight=max_in_flight, timeout_seconds=timeout,
                              max_retries=max_retries)
    return Settings(
        storage=StorageConfig(url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}", media_dir=tmp / "media"),
        providers=[provider],
        quota=QuotaConfig(allowance=allowance),
        limits=LimitsConfig(active_jobs_per_member=per_member, active_jobs_per_scope=per_scope,
                            job_deadline_seconds=deadline, poll_min_interval=poll_min, poll_max_interval=poll_max),
        console={"out_dir": tmp / "out"},
    )


# --------------------------------------------------------------------------------------------
# a platform stand-in


@dataclass
class NullPort:
    """An outbound port that records when things were handed to it and keeps nothing."""

    platform: str = "bench"
    min_edit_interval: float = 5.0
    limit: int | None = None
    statuses: int = 0
    delivered: dict[str, float] = field(default_factory=dict)
    delivered_count: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    expect: int | None = None

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        self.statuses += 1
        return None

    def upload_limit(self, job: Job) -> int | None:
        return self.limit

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        self.delivered[job.id] = time.monotonic()
        self.delivered_count += 1
        if self.expect is not None and self.delivered_count >= self.expect:
            self.done.set()
        with contextlib.suppress(OSError):
            video.unlink()  # keep the disk small; the bot does not need it again
        return {"n": self.delivered_count}

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        return {}


@contextlib.asynccontextmanager
async def running(coro_task: asyncio.Task[Any]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        coro_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await coro_task


def now() -> float:
    return time.perf_counter()

"""The video API simulator in its own process, for benchmarks.

``python bench/simproc.py --speed 1 [--video FILE]`` listens on 127.0.0.1 (a free port), prints
its base URL on the first line of stdout and runs until stdin closes or it is terminated.

- ``--video FILE``: serve this MP4 (and a thumbnail made from it once) for every job instead of
  rendering one per job, so that thousands of jobs cost the simulator nothing to "make".
- ``POST /_bench/sink``: reads an upload and throws it away (a platform's upload endpoint).
- ``GET /_bench/jobs``: per job, its duration, the wall-clock time it finished (or will) and the
  times of every status call about it — what benchmark 2 needs to measure detection delay.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bench.common import serve_until_stopped  # noqa: E402
from bot import media  # noqa: E402
from bot.simulator.server import SimulatorServer  # noqa: E402
from bot.simulator.state import Job  # noqa: E402


class BenchSimulator(SimulatorServer):
    def __init__(self, *, video: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixed_video = video
        self.fixed_thumb: Path | None = None

    async def start(self) -> str:
        url = await super().start()
        if self.fixed_video is not None:
            self.fixed_thumb = self.media_dir / "_fixed.jpg"
            await asyncio.to_thread(media.extract_thumbnail, self.fixed_video, self.fixed_thumb)
        return url

    def _render_sync(self, job: Job) -> None:
        if self.fixed_video is None or self.fixed_thumb is None:
            return super()._render_sync(job)
        paths = self._paths(job)
        for key, src in (("video", self.fixed_video), ("thumbnail", self.fixed_thumb),
                         ("spritesheet", self.fixed_thumb)):
            dest = paths[key]  # type: ignore[index]
            if not dest.exists():
                try:
                    os.link(src, dest)
                except OSError:
                    shutil.copyfile(src, dest)
        return None

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/_bench/jobs", self._bench_jobs)
        app.router.add_post("/_bench/sink", self._bench_sink)
        super()._routes(app)

    async def _bench_sink(self, request: web.Request) -> web.Response:
        """A platform's upload endpoint stand-in: reads the body as it streams in and keeps nothing."""
        size = 0
        async for chunk in request.content.iter_chunked(1 << 16):
            size += len(chunk)
        return web.json_response({"received": size})

    async def _bench_jobs(self, request: web.Request) -> web.Response:
        statuses: dict[str, list[float]] = {}
        for r in self.requests:
            if r.method == "GET" and r.path.startswith("/v1/videos/") and not r.path.endswith("/content"):
                statuses.setdefault(r.path.rsplit("/", 1)[1], []).append(r.time)
        out = {}
        for job in self.videos.values():
            out[job.id] = {"seconds": job.seconds, "done_wall": self.clock.wall_time_of(job.done_virtual()),
                           "prompt": job.prompt, "statuses": statuses.get(job.id, [])}
        return web.json_response(out)


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--video", type=Path, default=None)
    p.add_argument("--render-width", type=int, default=160)
    p.add_argument("--render-fps", type=int, default=6)
    args = p.parse_args()
    sim = BenchSimulator(host="127.0.0.1", port=0, speed=args.speed, video=args.video,
                         render_width=args.render_width, render_fps=args.render_fps)
    url = await sim.start()
    print(url, flush=True)
    try:
        await serve_until_stopped()
    finally:
        await sim.stop()


if __name__ == "__main__":
    asyncio.run(main())

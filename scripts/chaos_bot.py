"""The bot, as a process for the chaos run to kill: the real core behind a minimal chat adapter.

    python scripts/chaos_bot.py --db PATH --media DIR --sim URL --platform URL

It reads one command per line on stdin as JSON ``{"cmd": id, "scope": …, "user": …, "text": "/sora …"}``,
dispatches it through the text-command router (the path the Telegram and console adapters use),
posts the reply as the job's status message to the platform and prints one JSON line per command
(``{"cmd": id, "job": job_id}`` or ``{"cmd": id, "refused": key}``). Status messages and finished
videos go to ``--platform``, a chat platform stand-in run by the driver (scripts/chaos.py) that
survives the bot being killed: like Discord's ``enforce_nonce``, it posts one message per nonce (the
job id) however often an upload is repeated. When stdin closes the bot finishes every job and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.app import build_core  # noqa: E402
from bot.config import LimitsConfig, ProviderConfig, QuotaConfig, Settings, StorageConfig  # noqa: E402
from bot.context import Actor, Context, Scope  # noqa: E402
from bot.errors import UserError  # noqa: E402
from bot.jobs.model import Job  # noqa: E402
from bot.ports import DeliveryFailed, DeliveryView, StatusView  # noqa: E402
from bot.textcommands import TextCommandRouter  # noqa: E402

PLATFORM = "chaos"


class PlatformPort:
    """The outbound port, over HTTP to the driver's platform stand-in."""

    platform = PLATFORM
    min_edit_interval = 0.0

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=10, trust_env=False)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"platform unreachable: {exc}", permanent=False) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryFailed(f"platform answered {response.status_code}", permanent=False)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def post_reply(self, job_id: str | None, text: str) -> dict[str, Any]:
        return await self._post("/send", {"job_id": job_id, "text": text, "final": False})

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        ref = job.status_ref
        if ref and "message_id" in ref:
            await self._post("/edit", {"job_id": job.id, "message_id": ref["message_id"], "text": view.text,
                                       "final": view.final})
            return None
        return await self._post("/send", {"job_id": job.id, "text": view.text, "final": view.final})

    def upload_limit(self, job: Job) -> int | None:
        return None

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        size = (await asyncio.to_thread(video.stat)).st_size
        return await self._post("/video", {"job_id": job.id, "nonce": job.id, "size": size, "caption": view.caption})

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        return await self._post("/thumbnail", {"job_id": job.id, "caption": view.caption})


def settings(args: argparse.Namespace) -> Settings:
    provider = ProviderConfig(name="sim", kind="openai", base_url=args.sim, max_in_flight=args.slots,
                              snapshots=["sora-2-2025-10-06", "sora-2-2025-12-08"], durations=[10, 15, 20, 25],
                              timeout_seconds=5, max_retries=3)
    return Settings(
        storage=StorageConfig(url=f"sqlite+aiosqlite:///{args.db}", media_dir=Path(args.media)),
        providers=[provider], quota=QuotaConfig(allowance=1000),
        limits=LimitsConfig(active_jobs_per_member=1000, active_jobs_per_scope=10_000,
                            job_deadline_seconds=args.deadline, poll_min_interval=0.05, poll_max_interval=1.0),
        console={"out_dir": Path(args.media) / "out"})


async def main(args: argparse.Namespace) -> int:
    core = await build_core(settings(args), backoff_base=0.01)
    port = PlatformPort(args.platform)
    core.runner.register_port(port)
    await core.start()
    router = TextCommandRouter(core.commands)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:  # a daemon thread: a blocked read never holds up the exit
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)

    async def handle(raw: str) -> None:
        msg = json.loads(raw)
        scope = Scope(id=f"{PLATFORM}:{msg['scope']}", platform=PLATFORM, kind="server")
        ctx = Context(scope=scope, actor=Actor(id=f"{PLATFORM}:{msg['user']}", name=msg["user"]),
                      destination={"channel": msg["scope"]})
        try:
            reply = await router.dispatch(ctx, msg["text"])
        except UserError as exc:
            print(json.dumps({"cmd": msg["cmd"], "refused": exc.key}), flush=True)
            return
        if reply is None or reply.job_id is None:
            print(json.dumps({"cmd": msg["cmd"], "reply": reply.text if reply else None}), flush=True)
            return
        print(json.dumps({"cmd": msg["cmd"], "job": reply.job_id}), flush=True)
        try:
            ref = await port.post_reply(reply.job_id, reply.text)
            await core.runner.attach_status(reply.job_id, ref)
        except DeliveryFailed:
            logging.getLogger("chaos").warning("status message for %s not posted", reply.job_id)

    handlers: set[asyncio.Task[None]] = set()
    while (raw := await lines.get()) is not None:
        if raw.strip():
            task = asyncio.create_task(handle(raw))
            handlers.add(task)
            task.add_done_callback(handlers.discard)
    await asyncio.gather(*handlers)
    await core.runner.wait_idle()
    await core.stop()
    await port.client.aclose()
    print(json.dumps({"idle": True}), flush=True)
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--media", required=True)
    p.add_argument("--sim", required=True)
    p.add_argument("--platform", required=True)
    p.add_argument("--slots", type=int, default=6)
    p.add_argument("--deadline", type=float, default=60.0)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise SystemExit(asyncio.run(main(p.parse_args())))

"""Chaos run: the bot works through N jobs while it is SIGKILLed at random moments and restarted.

    python scripts/chaos.py --jobs 200 --kills 40 --seed 7      # the large run (a few minutes)

The driver (this process) runs the video API simulator and a chat-platform stand-in, both of
which outlive the bot; the bot is ``scripts/chaos_bot.py``, a real process on a SQLite file. The
driver sends ``/sora`` commands (some with simulator faults: failures, moderation, 5xx, 429,
resets, malformed answers) while killing the bot with SIGKILL after a random life, restarts it,
and at the end lets one last process finish everything. Then it checks, from the database, the
platform's record and the simulator's record:

- no job is lost: every accepted job (and every job the bot acknowledged) ended delivered,
  failed or cancelled;
- a delivered job was posted exactly once (one message per job at the platform — upload repeats
  after a kill are absorbed by the job-id nonce and counted), a failed one never;
- a failed job has its credits released and a final message at the platform;
- the ledger: one hold per job; a charge for each delivered job and a release for each other one,
  never both; the charges equal the delivered jobs' costs; nothing stays held;
- no job was sent to the provider twice.

The test suite runs it small (tests/reliability/test_chaos.py); this script runs it large and
prints the report as JSON (exit status 1 when anything was violated).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.simulator import SimulatorServer  # noqa: E402

FAULTS = ("", "", "", "", "", "[sim:fail]", "[sim:moderation]", "[sim:500x2]", "[sim:429]",
          "[sim:reset]", "[sim:malformed]", "[sim:status503x2]")
_TAG = re.compile(r"chaos-(\d+)-")


@dataclass
class ChaosConfig:
    jobs: int = 12
    kills: int = 4
    seed: int = 1
    speed: float = 20.0  # simulator speed: a 10 s video takes 0.5 s
    life: tuple[float, float] = (0.2, 2.0)  # a bot's life after it said ready, before the kill (s)
    send_every: tuple[float, float] | None = None  # pause between commands (s); None: spread over the lives
    faults: bool = True
    deadline: float = 120.0  # each job's deadline (s)
    final_timeout: float = 240.0  # for the last process to finish everything


@dataclass
class ChaosReport:
    commands: int = 0
    acknowledged: int = 0
    accepted_jobs: int = 0
    delivered: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    kills: int = 0
    starts: int = 0
    lost_jobs: int = 0
    duplicate_deliveries: int = 0
    double_charges: int = 0
    upload_repeats_absorbed: int = 0  # uploads sent again after a kill, deduplicated by the nonce
    failed_without_message: int = 0
    provider_videos_for_failed_jobs: int = 0  # made at the provider for a job that then failed (not charged)
    charged_tenths: int = 0
    delivered_cost_tenths: int = 0
    released_tenths: int = 0
    wall_s: float = 0.0
    violations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Platform:
    """A chat platform stand-in (loopback HTTP) that outlives the bot and records what it got."""

    def __init__(self) -> None:
        self.messages: dict[int, dict[str, Any]] = {}
        self.by_nonce: dict[str, int] = {}
        self.video_attempts: Counter[str] = Counter()
        self.finals: dict[str, str] = {}
        self.thumbnails: Counter[str] = Counter()
        self._ids = iter(range(1, 10**9))
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/send", self._send)
        app.router.add_post("/edit", self._edit)
        app.router.add_post("/video", self._video)
        app.router.add_post("/thumbnail", self._thumbnail)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _note_final(self, body: dict[str, Any]) -> None:
        if body.get("final") and body.get("job_id"):
            self.finals[body["job_id"]] = body["text"]

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        mid = next(self._ids)
        self.messages[mid] = {"kind": "text", **body}
        self._note_final(body)
        return web.json_response({"message_id": mid})

    async def _edit(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["message_id"] in self.messages:
            self.messages[body["message_id"]]["text"] = body["text"]
        self._note_final(body)
        return web.json_response({"ok": True})

    async def _video(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.video_attempts[body["job_id"]] += 1
        mid = self.by_nonce.get(body["nonce"])
        if mid is None:  # one message per nonce, like Discord's enforce_nonce
            mid = next(self._ids)
            self.by_nonce[body["nonce"]] = mid
            self.messages[mid] = {"kind": "video", **body}
        return web.json_response({"message_id": mid})

    async def _thumbnail(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.thumbnails[body["job_id"]] += 1
        return web.json_response({"message_id": next(self._ids)})

    def videos_for(self, job_id: str) -> int:
        return sum(1 for m in self.messages.values() if m["kind"] == "video" and m["job_id"] == job_id)


class BotProcess:
    def __init__(self, args: list[str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.acks: dict[int, dict[str, Any]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "scripts" / "chaos_bot.py"), *self.args, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=log, cwd=str(ROOT))
        finally:
            log.close()
        self.ready = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("ready"):
                self.ready.set()
            elif "cmd" in msg:
                self.acks[int(msg["cmd"])] = msg

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def send(self, line: str) -> bool:
        if not self.alive() or self.proc is None or self.proc.stdin is None:
            return False
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    async def kill(self) -> None:
        if self.alive() and self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
        await self.wait()

    async def close_stdin(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.proc.stdin.close()

    async def wait(self, within: float | None = None) -> int | None:
        if self.proc is None:
            return None
        code = await asyncio.wait_for(self.proc.wait(), within)
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        return code


def commands(cfg: ChaosConfig, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(cfg.jobs):
        seconds = rng.choice((10, 15, 20, 25))
        fault = rng.choice(FAULTS) if cfg.faults else ""
        out.append({"cmd": i, "scope": f"server{i % 3}", "user": f"member{i % 7}",
                    "text": f"/sora {seconds} chaos-{i}- a heron at dawn {fault}".strip()})
    return out


async def run(workdir: Path, cfg: ChaosConfig, log: Callable[[str], None] = lambda _m: None) -> ChaosReport:
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(cfg.seed)
    report = ChaosReport()
    sim = SimulatorServer(host="127.0.0.1", port=0, speed=cfg.speed, render_width=64, render_fps=4)
    platform = Platform()
    await sim.start()
    await platform.start()
    db = workdir / "chaos.db"
    args = ["--db", str(db), "--media", str(workdir / "media"), "--sim", sim.base_url, "--platform", platform.url,
            "--deadline", str(cfg.deadline)]
    todo = commands(cfg, rng)
    report.commands = len(todo)
    if cfg.send_every is None:  # spread the commands over the killed lives, so every life has work arriving
        gap = (sum(cfg.life) / 2) * max(1, cfg.kills) / max(1, cfg.jobs)
        cfg.send_every = (gap * 0.5, gap * 1.5)
    acks: dict[int, dict[str, Any]] = {}
    t0 = time.monotonic()
    try:
        for life in range(cfg.kills + 1):
            bot = BotProcess(args, workdir / "bot.log")
            await bot.start()
            report.starts += 1
            try:
                await asyncio.wait_for(bot.ready.wait(), 60)
            except TimeoutError:
                report.violations.append(f"start {report.starts}: the bot did not become ready")
                await bot.kill()
                continue
            if life < cfg.kills:
                end = time.monotonic() + rng.uniform(*cfg.life)
                while time.monotonic() < end and bot.alive():
                    if todo:
                        if await bot.send(json.dumps(todo[0])):
                            todo.pop(0)
                    await asyncio.sleep(min(rng.uniform(*cfg.send_every), max(0.0, end - time.monotonic())))
                    if not todo:
                        await asyncio.sleep(max(0.0, end - time.monotonic()))
                if not bot.alive():
                    report.violations.append(f"start {report.starts}: the bot exited by itself "
                                             f"(code {bot.proc.returncode if bot.proc else None})")
                await bot.kill()
                report.kills += 1
                log(f"kill {report.kills}: {len(bot.acks)} commands acknowledged in that life")
            else:
                for cmd in list(todo):
                    if await bot.send(json.dumps(cmd)):
                        todo.remove(cmd)
                    await asyncio.sleep(min(0.05, rng.uniform(*cfg.send_every)))
                await bot.close_stdin()
                try:
                    code = await bot.wait(cfg.final_timeout)
                except TimeoutError:
                    report.violations.append("the last process did not finish its jobs in time")
                    await bot.kill()
                    code = None
                if code not in (0, None):
                    report.violations.append(f"the last process exited with code {code}")
            acks.update(bot.acks)
        report.wall_s = round(time.monotonic() - t0, 1)
        check(report, db, platform, sim, acks)
    finally:
        await platform.stop()
        await sim.stop()
    return report


def check(report: ChaosReport, db: Path, platform: Platform, sim: SimulatorServer,
          acks: dict[int, dict[str, Any]]) -> None:
    v = report.violations
    con = sqlite3.connect(db)
    try:
        jobs = {r[0]: {"state": r[1], "reason": r[2], "cost": r[3], "prompt": r[4], "scope": r[5], "user": r[6]}
                for r in con.execute("SELECT id, state, reason, cost_tenths, prompt, scope_id, user_id FROM jobs")}
        ledger: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for job_id, kind, amount in con.execute("SELECT job_id, kind, amount_tenths FROM ledger"):
            ledger[job_id][kind].append(amount)
        balances = list(con.execute("SELECT scope_id, user_id, used_tenths, held_tenths FROM balances"))
    finally:
        con.close()
    report.acknowledged = sum(1 for a in acks.values() if "job" in a)
    report.accepted_jobs = len(jobs)
    for cmd, ack in acks.items():
        if "job" in ack and ack["job"] not in jobs:
            v.append(f"command {cmd}: acknowledged as job {ack['job']}, which is not in the database")
    accepted_creates: Counter[int] = Counter()
    for r in sim.requests:
        if r.method == "POST" and r.path == "/v1/videos" and r.status == 200 and isinstance(r.json, dict):
            m = _TAG.search(str(r.json.get("prompt", "")))
            if m:
                accepted_creates[int(m.group(1))] += 1
    used: Counter[tuple[str, str]] = Counter()
    for job_id, j in jobs.items():
        state, cost, entries = j["state"], j["cost"], ledger.get(job_id, {})
        holds, charges, releases = entries.get("hold", []), entries.get("charge", []), entries.get("release", [])
        videos = platform.videos_for(job_id)
        if platform.video_attempts[job_id] > 1:
            report.upload_repeats_absorbed += platform.video_attempts[job_id] - 1
        tag = _TAG.search(j["prompt"])
        creates = accepted_creates[int(tag.group(1))] if tag else 0
        if creates > 1:
            v.append(f"job {job_id}: sent to the provider {creates} times")
        if holds != [cost]:
            v.append(f"job {job_id}: holds {holds}, cost {cost}")
        if charges and releases:
            report.double_charges += 1
            v.append(f"job {job_id}: both charged and released")
        if len(charges) > 1:
            report.double_charges += 1
            v.append(f"job {job_id}: charged {len(charges)} times")
        if state == "delivered":
            report.delivered += 1
            report.delivered_cost_tenths += cost
            used[(j["scope"], j["user"])] += cost
            if charges != [cost] or releases:
                v.append(f"job {job_id}: delivered but charges {charges}, releases {releases}")
            if videos != 1:
                (v.append(f"job {job_id}: delivered with {videos} video messages"))
                if videos > 1:
                    report.duplicate_deliveries += videos - 1
        elif state in ("failed", "cancelled"):
            if state == "failed":
                report.failed[j["reason"] or "?"] = report.failed.get(j["reason"] or "?", 0) + 1
                if creates:
                    report.provider_videos_for_failed_jobs += 1
            else:
                report.cancelled += 1
            if releases != [cost] or charges:
                v.append(f"job {job_id}: {state} but releases {releases}, charges {charges}")
            if videos:
                v.append(f"job {job_id}: {state} but {videos} video message(s) posted")
            if job_id not in platform.finals:
                report.failed_without_message += 1
                v.append(f"job {job_id}: {state} ({j['reason']}) without a final message to the member")
        else:
            report.lost_jobs += 1
            v.append(f"job {job_id}: left in state {state}")
    report.charged_tenths = sum(sum(e.get("charge", [])) for e in ledger.values())
    report.released_tenths = sum(sum(e.get("release", [])) for e in ledger.values())
    if report.charged_tenths != report.delivered_cost_tenths:
        v.append(f"ledger charges {report.charged_tenths} != delivered jobs' costs {report.delivered_cost_tenths}")
    for scope, user, used_tenths, held in balances:
        if held != 0:
            v.append(f"balance {scope}/{user}: {held} tenths still held")
        if used_tenths != used[(scope, user)]:
            v.append(f"balance {scope}/{user}: used {used_tenths} != delivered {used[(scope, user)]}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=200)
    p.add_argument("--kills", type=int, default=40)
    p.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(2), "big"))
    p.add_argument("--speed", type=float, default=10.0)
    p.add_argument("--no-faults", action="store_true")
    p.add_argument("--workdir", type=Path, default=None, help="keep the database and logs here")
    args = p.parse_args()
    cfg = ChaosConfig(jobs=args.jobs, kills=args.kills, seed=args.seed, speed=args.speed, faults=not args.no_faults,
                      life=(0.2, 3.0), final_timeout=600)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    import tempfile

    with tempfile.TemporaryDirectory(prefix="sorabot-chaos-") as tmp:
        workdir = args.workdir or Path(tmp)
        report = asyncio.run(run(workdir, cfg, log))
    out = {"seed": cfg.seed, **report.as_dict()}
    print(json.dumps(out, indent=2))
    return 1 if report.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())

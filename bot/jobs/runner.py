"""The job pipeline: schedule, submit, poll, download, deliver, and resume after a restart.

Every step writes its state before the side effect it guards, so a crash at any line leaves a
record the next process can act on: ``submitting`` is written before the provider call (and
such a job is never blindly resubmitted), the provider's id right after it returns,
``delivering`` before the download, and ``delivered`` together with the charge.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import media
from bot.catalogue import Catalogue
from bot.config import Settings
from bot.jobs.model import ACTIVE_STATES, Job, JobState
from bot.jobs.polling import PollPlan
from bot.jobs.scheduler import FairQueue
from bot.jobs.status import StatusThrottle, render_caption, render_status
from bot.ports import DeliveryFailed, OutboundPort, StatusView, UploadTooLarge
from bot.providers.base import (
    CharacterRef,
    FailureReason,
    GenerationRequest,
    ProviderError,
    RemoteState,
    Scene,
)
from bot.providers.registry import ProviderHandle, ProviderRegistry
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import LedgerRepo

log = logging.getLogger("sorabot.jobs")

DELIVERY_ATTEMPTS = 4
TRANSIENT_STATUS_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    requeued: int = 0
    resumed: int = 0
    interrupted: int = 0


class JobRunner:
    def __init__(self, *, settings: Settings, catalogue: Catalogue, db: Database, jobs: JobRepo, ledger: LedgerRepo,
                 registry: ProviderRegistry, media_dir: Path, clock: Callable[[], dt.datetime]) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.db = db
        self.jobs = jobs
        self.ledger = ledger
        self.registry = registry
        self.media_dir = media_dir
        self.clock = clock
        self.ports: dict[str, OutboundPort] = {}
        self.queue = FairQueue()
        self.throttle = StatusThrottle()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._status_refs: dict[str, dict[str, Any]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._loop_task: asyncio.Task[None] | None = None
        self._priority: Callable[[str], str] = lambda _scope: "stability"

    # --- lifecycle --------------------------------------------------------------------------
    def register_port(self, port: OutboundPort) -> None:
        self.ports[port.platform] = port

    def set_priority_lookup(self, lookup: Callable[[str], str]) -> None:
        self._priority = lookup

    async def start(self) -> RecoveryReport:
        report = await self.recover()
        self._loop_task = asyncio.create_task(self._schedule_loop(), name="sorabot-scheduler")
        return report

    async def stop(self) -> None:
        """Stop working; every job keeps its persisted state and resumes at the next start."""
        tasks = [t for t in [self._loop_task, *self._tasks.values()] if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop_task = None
        self._tasks.clear()

    async def wait_idle(self) -> None:
        while True:
            await self._idle.wait()
            await asyncio.sleep(0)
            if not self._tasks and not len(self.queue):
                return
            self._idle.clear()

    def _update_idle(self) -> None:
        if not self._tasks and not len(self.queue):
            self._idle.set()
        else:
            self._idle.clear()

    # --- intake side ------------------------------------------------------------------------
    def enqueue(self, job: Job) -> int:
        self.queue.push(job)
        self._update_idle()
        self._wake.set()
        return self.queue.position(job.id)

    def position(self, job_id: str) -> int:
        return self.queue.position(job_id)

    async def attach_status(self, job_id: str, ref: dict[str, Any]) -> None:
        """The adapter posted the job's status message (its command reply): remember where."""
        self._status_refs[job_id] = ref
        for job in self.queue.jobs():
            if job.id == job_id:
                job.status_ref = ref
        await self.jobs.update(job_id, status_ref=ref)

    async def cancel(self, job: Job) -> bool:
        """Cancel a queued job and release its credits; False if it has already started."""
        now = self.clock()

        async def run(conn: AsyncConnection) -> bool:
            if not await self.jobs.update(job.id, expect=[JobState.QUEUED], conn=conn, state=JobState.CANCELLED,
                                          reason=FailureReason.CANCELLED.value, finished_at=now, updated_at=now):
                return False
            await self.ledger.settle(conn, job_id=job.id, kind="release", now=now)
            return True
        if not await self.db.write(run):
            return False
        queued = self.queue.remove(job.id)
        job = queued or job
        job.state = JobState.CANCELLED
        self._update_idle()
        await self._send_status(job, render_status(job))
        return True

    # --- recovery ---------------------------------------------------------------------------
    async def recover(self) -> RecoveryReport:
        requeued = resumed = interrupted = 0
        for job in await self.jobs.unfinished():
            if job.status_ref:
                self._status_refs[job.id] = job.status_ref
            if job.state == JobState.QUEUED:
                self.queue.push(job)
                requeued += 1
            elif job.state == JobState.SUBMITTING:
                # The provider may or may not have accepted it; resubmitting could pay twice.
                interrupted += 1
                await self._fail(job, FailureReason.SUBMIT_INTERRUPTED, "process stopped during submission")
            else:
                handle = self.registry.get(job.provider or "")
                if handle is None:
                    await self._fail(job, FailureReason.UNAVAILABLE, f"provider {job.provider!r} not configured")
                    continue
                handle.in_flight += 1
                self._spawn(job, handle)
                resumed += 1
        self._update_idle()
        self._wake.set()
        if requeued or resumed or interrupted:
            log.info("recovered jobs: %d requeued, %d resumed, %d interrupted", requeued, resumed, interrupted)
        return RecoveryReport(requeued, resumed, interrupted)

    # --- scheduling -------------------------------------------------------------------------
    def _eligible(self, job: Job) -> list[ProviderHandle]:
        holders = [set(c.get("providers", {})) for c in job.characters]
        return self.registry.eligible(snapshot=job.snapshot, seconds=job.seconds, storyboard=bool(job.storyboard),
                                      character_providers=holders, priority=self._priority(job.scope_id),
                                      snapshot_price=self._price(job.snapshot))

    def _price(self, snapshot: str) -> float:
        return self.catalogue.get(snapshot).price_per_second if self.catalogue.is_known(snapshot) else 0.0

    async def _schedule_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            chosen: dict[str, ProviderHandle] = {}

            def can_start(job: Job, chosen: dict[str, ProviderHandle] = chosen) -> bool:
                for h in self._eligible(job):
                    if h.has_capacity:
                        chosen[job.id] = h
                        return True
                return not self._eligible(job)  # nobody can ever serve it: start it so it fails clearly

            while (job := self.queue.pop(can_start)) is not None:
                handle = chosen.get(job.id)
                if handle is None:
                    await self._fail(job, FailureReason.UNAVAILABLE, "no eligible provider")
                    continue
                handle.in_flight += 1
                self._spawn(job, handle)
            self._update_idle()

    def _spawn(self, job: Job, handle: ProviderHandle) -> None:
        task = asyncio.create_task(self._run(job, handle), name=f"job-{job.id}")
        self._tasks[job.id] = task
        self._idle.clear()

    async def _run(self, job: Job, handle: ProviderHandle) -> None:
        current: Job | None = job
        try:
            if current.state == JobState.QUEUED:
                current = await self._submit(current, handle)
            if current is not None and current.state == JobState.RUNNING:
                current = await self._poll(current, handle)
            if current is not None and current.state == JobState.DELIVERING:
                await self._deliver(current, handle)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s: unexpected error", job.id)
            await self._fail(job, FailureReason.INTERNAL, "unexpected error")
        finally:
            handle.in_flight = max(0, handle.in_flight - 1)
            self._tasks.pop(job.id, None)
            self._wake.set()
            self._update_idle()

    # --- steps ------------------------------------------------------------------------------
    def _request(self, job: Job, handle: ProviderHandle) -> GenerationRequest:
        chars = tuple(CharacterRef(c["name"], c["providers"][handle.name]) for c in job.characters)
        scenes = tuple(Scene(int(s[0]), int(s[1]), str(s[2])) for s in job.storyboard)
        return GenerationRequest(prompt=job.prompt, snapshot=job.snapshot, seconds=job.seconds, size=job.size,
                                 characters=chars, storyboard=scenes)

    async def _submit(self, job: Job, handle: ProviderHandle) -> Job | None:
        now = self.clock()
        usd = handle.estimated_usd(job.seconds, self._price(job.snapshot))
        if not await self.jobs.update(job.id, expect=[JobState.QUEUED], state=JobState.SUBMITTING,
                                      provider=handle.name, submitted_at=now, updated_at=now, usd_estimate=usd):
            return None  # cancelled while it waited
        job.state, job.provider, job.submitted_at = JobState.SUBMITTING, handle.name, now
        await self._send_status(job, render_status(job))
        try:
            submitted = await handle.provider.submit(self._request(job, handle))
        except ProviderError as exc:
            log.warning("job %s: submit to %s failed: %s", job.id, handle.name, exc)
            await self._fail(job, exc.reason, exc.detail)
            return None
        record = {"provider": handle.name, "kind": handle.provider.kind, "body": submitted.sent}
        await self.jobs.update(job.id, state=JobState.RUNNING, remote_id=submitted.remote_id, request_json=record,
                               updated_at=self.clock())
        job.state, job.remote_id, job.request_json = JobState.RUNNING, submitted.remote_id, record
        log.info("job %s: submitted to %s as %s", job.id, handle.name, submitted.remote_id)
        await self._send_status(job, render_status(job))
        return job

    async def _poll(self, job: Job, handle: ProviderHandle) -> Job | None:
        assert job.remote_id is not None
        limits = self.settings.limits
        plan = PollPlan(floor=limits.poll_min_interval, ceiling=limits.poll_max_interval, started=time.monotonic())
        transient = 0
        while True:
            remaining = (job.deadline_at - self.clock()).total_seconds()
            if remaining <= 0:
                await self._fail(job, FailureReason.DEADLINE, f"no result from {handle.name} in time")
                return None
            try:
                st = await handle.provider.status(job.remote_id)
            except ProviderError as exc:
                if not exc.retryable and exc.reason != FailureReason.RATE_LIMITED:
                    await self._fail(job, exc.reason, exc.detail)
                    return None
                wait = TRANSIENT_STATUS_BACKOFF[min(transient, len(TRANSIENT_STATUS_BACKOFF) - 1)]
                transient += 1
                log.warning("job %s: status check failed (%s); again in %.0fs", job.id, exc, wait)
                await asyncio.sleep(min(wait, max(0.05, remaining)))
                continue
            transient = 0
            if st.state == RemoteState.COMPLETED:
                if not await self.jobs.update(job.id, expect=[JobState.RUNNING], state=JobState.DELIVERING,
                                              progress=100, updated_at=self.clock()):
                    return None
                job.state, job.progress = JobState.DELIVERING, 100
                return job
            if st.state == RemoteState.FAILED:
                err = st.error or ProviderError(FailureReason.GENERATION_FAILED, st.raw_status)
                await self._fail(job, err.reason, err.detail)
                return None
            if st.state == RemoteState.UNKNOWN:
                log.warning("job %s: unknown provider status %r; still waiting", job.id, st.raw_status)
            now = time.monotonic()
            plan.observe(now, st.progress)
            if st.progress is not None and st.progress != job.progress:
                job.progress = max(job.progress, st.progress)
                await self._send_status(job, render_status(job))
            delay = plan.next_delay(now, st.poll_after)
            await asyncio.sleep(max(0.0, min(delay, remaining)))

    async def _download(self, job: Job, handle: ProviderHandle) -> tuple[Path, Path | None]:
        assert job.remote_id is not None
        folder = self.media_dir / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        video = folder / f"{job.id}.mp4"
        thumb = folder / f"{job.id}.jpg"
        if not video.exists():
            await handle.provider.download(job.remote_id, video)
            await self.jobs.update(job.id, video_path=str(video))
        if not thumb.exists():
            try:
                await handle.provider.download(job.remote_id, thumb, variant="thumbnail")
            except ProviderError:
                await asyncio.to_thread(media.extract_thumbnail, video, thumb)
        return video, thumb if thumb.exists() else None

    async def _deliver(self, job: Job, handle: ProviderHandle) -> None:
        try:
            video, thumb = await self._download(job, handle)
        except ProviderError as exc:
            await self._fail(job, exc.reason, exc.detail)
            return
        job.video_path = str(video)
        port = self.ports.get(job.platform)
        if port is None:
            await self._fail(job, FailureReason.DELIVERY_FAILED, f"no adapter for platform {job.platform!r}")
            return
        job.status_ref = self._status_refs.get(job.id, job.status_ref)
        view = render_caption(job)
        limit = port.upload_limit(job)
        attempt = 0
        while True:
            attempt += 1
            try:
                send = await self._fit(video, limit)
                if send is None:
                    if thumb is not None:
                        await port.deliver_thumbnail(job, thumb, view)
                    await self._fail(job, FailureReason.DELIVERY_FAILED, f"video cannot fit {limit} bytes")
                    return
                ref = await port.deliver_video(job, send, thumb, view)
                break
            except UploadTooLarge as exc:
                smaller = exc.limit if exc.limit and (limit is None or exc.limit < limit) else None
                limit = smaller or int((limit or video.stat().st_size) * 0.8)
                log.info("job %s: upload refused as too large; fitting to %d bytes", job.id, limit)
            except DeliveryFailed as exc:
                if exc.permanent or attempt >= DELIVERY_ATTEMPTS:
                    await self._fail(job, FailureReason.DELIVERY_FAILED, str(exc))
                    return
                await asyncio.sleep(min(30.0, 2.0 ** attempt))
            if attempt >= DELIVERY_ATTEMPTS + 2:
                await self._fail(job, FailureReason.DELIVERY_FAILED, "upload kept failing")
                return
        now = self.clock()

        async def finish(conn: AsyncConnection) -> None:
            await self.jobs.update(job.id, expect=[JobState.DELIVERING], conn=conn, state=JobState.DELIVERED,
                                   result_ref=ref, finished_at=now, updated_at=now)
            await self.ledger.settle(conn, job_id=job.id, kind="charge", now=now)
        await self.db.write(finish)
        job.state, job.result_ref = JobState.DELIVERED, ref
        log.info("job %s: delivered", job.id)
        await self._send_status(job, render_status(job))

    async def _fit(self, video: Path, limit: int | None) -> Path | None:
        if limit is None or video.stat().st_size <= limit:
            return video
        fitted = video.with_name(f"{video.stem}.fit{limit}.mp4")
        if fitted.exists() and fitted.stat().st_size < limit:
            return fitted
        return await asyncio.to_thread(media.reencode_to_fit, video, fitted, limit)

    # --- endings ----------------------------------------------------------------------------
    async def _fail(self, job: Job, reason: FailureReason, detail: str = "") -> None:
        now = self.clock()

        async def run(conn: AsyncConnection) -> bool:
            changed = await self.jobs.update(job.id, expect=list(ACTIVE_STATES), conn=conn, state=JobState.FAILED,
                                             reason=reason.value, reason_detail=detail[:2000], finished_at=now,
                                             updated_at=now)
            if changed:
                await self.ledger.settle(conn, job_id=job.id, kind="release", now=now)
            return changed
        if not await self.db.write(run):
            return
        log.warning("job %s failed: %s (%s)", job.id, reason.value, detail[:500])
        job.state, job.reason = JobState.FAILED, reason.value
        await self._send_status(job, render_status(job))

    async def _send_status(self, job: Job, view: StatusView) -> None:
        port = self.ports.get(job.platform)
        if port is None:
            return
        job.status_ref = self._status_refs.get(job.id, job.status_ref)
        if not self.throttle.should_send(job.id, view, port.min_edit_interval):
            return
        try:
            new_ref = await port.update_status(job, view)
        except Exception:  # a status edit must never break the pipeline
            log.warning("job %s: status update failed", job.id, exc_info=True)
            return
        self.throttle.sent(job.id, view)
        if new_ref:
            self._status_refs[job.id] = new_ref
            job.status_ref = new_ref
            await self.jobs.update(job.id, status_ref=new_ref)
        if view.final:
            self._status_refs.pop(job.id, None)

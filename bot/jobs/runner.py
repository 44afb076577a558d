"""The job pipeline: schedule, submit, poll, download, deliver, and resume after a restart.

Every step writes its state before the side effect it guards, so a crash at any line leaves a
record the next process can act on: ``submitting`` is written before the provider call (and
such a job is never blindly resubmitted), the provider's id right after it returns,
``delivering`` before the download, and ``delivered`` together with the charge.

Routing and fallback: the scheduler sends a queued job to the first eligible provider (in the
scope's priority order) that is in rotation (circuit breaker) and has a free slot. When a submit
fails in a way that certainly made nothing (the provider answered 5xx/429, refused our
credentials, or the connection failed before the request went out), the job goes to the next
eligible provider; every attempt is recorded. An ambiguous create (``SUBMIT_INTERRUPTED``: the
request went out and no answer came) may have made a video, so it is never resubmitted anywhere.
A job with characters can only go to providers holding all of them: when none of those is
available it fails with ``character_unavailable`` (credits released) — the character is never
dropped.
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
from bot.jobs.polling import PaceModel, PollPlan
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
    Submitted,
)
from bot.providers.breaker import is_breaker_failure
from bot.providers.registry import DEFAULT_PRIORITY, PRIORITIES, ProviderHandle, ProviderRegistry
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import LedgerRepo
from storage.scopes import ScopeRepo

log = logging.getLogger("sorabot.jobs")

# A finished video waits for the platform: when an upload fails in a way that may pass (the platform
# is down, overloaded, or the network is), it is tried again, backing off from DELIVERY_RETRY_BASE up
# to DELIVERY_RETRY_CAP seconds, for up to DELIVERY_PATIENCE seconds from the first failure — a chat
# platform away for a few minutes must not cost anyone a video that is already made and paid for.
DELIVERY_RETRY_BASE = 2.0
DELIVERY_RETRY_CAP = 30.0
DELIVERY_PATIENCE = 900.0
TOO_LARGE_TRIES = 6  # refusals as too large (each re-encodes smaller) before giving up
UNTOLD_WINDOW = dt.timedelta(hours=24)  # endings this recent are still told after a restart
TRANSIENT_STATUS_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


# Submit failures after which nothing was made at the provider: the job may go elsewhere.
FALLBACK_REASONS = frozenset({FailureReason.UNAVAILABLE, FailureReason.RATE_LIMITED})


def can_fall_back(exc: ProviderError) -> bool:
    """Did this submit failure certainly make nothing, so another provider may be tried?

    ``SUBMIT_INTERRUPTED`` (the request went out, no answer came) may have made a video: never.
    Moderation and invalid requests are about the request, not the provider: no.
    """
    return exc.reason in FALLBACK_REASONS


def _reported_completion(extra: dict[str, Any], mono_now: float) -> float | None:
    """The provider's ``completed_at`` (Unix seconds) on the monotonic clock, if it gave one."""
    value = extra.get("completed_at")
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return mono_now - (time.time() - float(value))


@dataclass(slots=True)
class _Slot:
    """The provider a running job task holds a slot at (it can move on fallback)."""

    handle: ProviderHandle


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    requeued: int = 0
    resumed: int = 0
    interrupted: int = 0


class JobRunner:
    def __init__(self, *, settings: Settings, catalogue: Catalogue, db: Database, jobs: JobRepo, ledger: LedgerRepo,
                 registry: ProviderRegistry, media_dir: Path, clock: Callable[[], dt.datetime],
                 scopes: ScopeRepo | None = None) -> None:
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
        self.scopes = scopes
        self.priorities: dict[str, str] = {}  # scope id → routing priority (cost | stability)
        self._tried: dict[str, set[str]] = {}  # job id → providers whose submit failed (fallback)
        self.pace: PaceModel | None = PaceModel()  # how long each provider takes (None: progress only)
        self._submitted: dict[str, Submitted] = {}  # job id → the create answer, until polling starts

    # --- lifecycle --------------------------------------------------------------------------
    def register_port(self, port: OutboundPort) -> None:
        self.ports[port.platform] = port

    def note_priority(self, scope_id: str, priority: str | None) -> None:
        """The scope's routing priority (intake and /provider priority keep this current)."""
        self.priorities[scope_id] = priority if priority in PRIORITIES else DEFAULT_PRIORITY

    def _priority(self, scope_id: str) -> str:
        return self.priorities.get(scope_id, DEFAULT_PRIORITY)

    async def start(self) -> RecoveryReport:
        if self.scopes is not None:
            for scope_id, priority in (await self.scopes.routing_priorities()).items():
                self.priorities.setdefault(scope_id, priority)
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
        queued = self.queue.get(job_id)
        if queued is not None:
            queued.status_ref = ref
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
        self._tried.pop(job.id, None)
        job = queued or job
        job.state = JobState.CANCELLED
        self._update_idle()
        await self._tell_ending(job)
        return True

    # --- recovery ---------------------------------------------------------------------------
    async def recover(self) -> RecoveryReport:
        requeued = resumed = interrupted = 0
        ending: list[tuple[Job, FailureReason, str]] = []
        resuming: list[tuple[Job, ProviderHandle]] = []
        for job in await self.jobs.unfinished():
            if job.status_ref:
                self._status_refs[job.id] = job.status_ref
            if job.state == JobState.QUEUED:
                self.queue.push(job)
                requeued += 1
            elif job.state == JobState.SUBMITTING:
                # The provider may or may not have accepted it; resubmitting could pay twice.
                interrupted += 1
                ending.append((job, FailureReason.SUBMIT_INTERRUPTED, "process stopped during submission"))
            else:
                handle = self.registry.get(job.provider or "")
                if handle is None:
                    ending.append((job, FailureReason.UNAVAILABLE, f"provider {job.provider!r} not configured"))
                    continue
                resuming.append((job, handle))
                resumed += 1
        # The endings first: once thousands of resumed jobs are polling, every await here would wait
        # behind them (10,000 unfinished jobs: recovery took 9.5 s instead of 1, benchmark 6).
        for job, reason, detail in ending:
            await self._fail(job, reason, detail)
        for job, handle in resuming:
            self._take(job, handle)
            self._spawn(job, handle)
        told = await self.tell_untold_endings()
        if told:
            log.info("told %d member(s) of a failed or cancelled job the last process could not tell", told)
        self._update_idle()
        self._wake.set()
        if requeued or resumed or interrupted:
            log.info("recovered jobs: %d requeued, %d resumed, %d interrupted", requeued, resumed, interrupted)
        return RecoveryReport(requeued, resumed, interrupted)

    # --- scheduling -------------------------------------------------------------------------
    def _eligible(self, job: Job) -> list[ProviderHandle]:
        """Providers that can serve the job, best first, without those it already failed at."""
        holders = [set(c.get("providers", {})) for c in job.characters]
        tried = self._tried.get(job.id, set())
        return [h for h in self.registry.eligible(snapshot=job.snapshot, seconds=job.seconds,
                                                  storyboard=bool(job.storyboard), character_providers=holders,
                                                  priority=self._priority(job.scope_id),
                                                  snapshot_price=self._price(job.snapshot))
                if h.name not in tried]

    @staticmethod
    def _unavailable_reason(job: Job, last: FailureReason | None = None) -> FailureReason:
        if job.characters:
            return FailureReason.CHARACTER_UNAVAILABLE
        return last or FailureReason.UNAVAILABLE

    def _price(self, snapshot: str) -> float:
        return self.catalogue.get(snapshot).price_per_second if self.catalogue.is_known(snapshot) else 0.0

    def _could_start_any(self) -> bool:
        """Could any queued job start (or fail clearly) now? False when every provider is in
        rotation and busy: then a scheduling pass would only look at every queued job to find
        that none can go, which with thousands queued is most of the scheduler's work."""
        for h in self.registry.handles:
            if not h.breaker.in_rotation or (h.has_capacity and not h.breaker.probing):
                return True
        return False

    @staticmethod
    def _routing_key(job: Job, tried: set[str]) -> tuple[Any, ...]:
        chars = tuple(sorted(tuple(sorted(c.get("providers", {}))) for c in job.characters))
        return (job.snapshot, job.seconds, bool(job.storyboard), chars, job.scope_id, tuple(sorted(tried)))

    async def _schedule_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            chosen: dict[str, ProviderHandle] = {}
            # Within one pass slots are only taken, never freed: a routing key found busy stays busy.
            busy: set[tuple[Any, ...]] = set()

            def can_start(job: Job, chosen: dict[str, ProviderHandle] = chosen,
                          busy: set[tuple[Any, ...]] = busy) -> bool:
                key = self._routing_key(job, self._tried.get(job.id, set()))
                if key in busy:
                    return False
                pick = self.registry.pick(self._eligible(job))
                if pick.handle is not None:
                    chosen[job.id] = pick.handle
                    return True
                # Only busy (cap reached, a probe in flight): wait. Nobody in rotation can serve it
                # (every eligible provider is out for its cool-down): start it so it fails clearly.
                if pick.wait:
                    busy.add(key)
                return not pick.wait

            while self._could_start_any() and (job := self.queue.pop(can_start)) is not None:
                handle = chosen.pop(job.id, None)
                if handle is None:
                    self._tried.pop(job.id, None)
                    names = ", ".join(sorted({h.name for h in self._eligible(job)})) or "none"
                    await self._fail(job, self._unavailable_reason(job),
                                     f"no eligible provider in rotation (eligible: {names})")
                    continue
                self._take(job, handle)
                self._spawn(job, handle)
            self._update_idle()

    def _take(self, job: Job, handle: ProviderHandle) -> None:
        """Hold a slot at ``handle`` for ``job`` (and its half-open probe, if it is due)."""
        handle.in_flight += 1
        if job.state in (JobState.QUEUED, JobState.SUBMITTING) and handle.breaker.acquire(job.id):
            log.info("job %s probes %s after its cool-down", job.id, handle.name)

    def _give_back(self, job: Job, handle: ProviderHandle) -> None:
        handle.in_flight = max(0, handle.in_flight - 1)
        handle.breaker.release(job.id)

    def _observe(self, handle: ProviderHandle, exc: ProviderError | None) -> None:
        """Feed one call's outcome to the provider's circuit breaker (and wake the scheduler when
        that changed what it may do)."""
        before = handle.breaker.state
        handle.breaker.observe(exc)
        after = handle.breaker.state
        if after != before:
            if exc is not None and is_breaker_failure(exc):
                log.warning("provider %s is out of rotation for %.0fs after repeated failures (%s)", handle.name,
                            handle.breaker.cooldown, exc.reason.value)
            else:
                log.info("provider %s is back in rotation", handle.name)
            self._wake.set()

    def _spawn(self, job: Job, handle: ProviderHandle) -> None:
        task = asyncio.create_task(self._run(job, handle), name=f"job-{job.id}")
        self._tasks[job.id] = task
        self._idle.clear()

    async def _run(self, job: Job, handle: ProviderHandle) -> None:
        current: Job | None = job
        slot = _Slot(handle)
        submitted_here = job.state == JobState.QUEUED
        try:
            if current.state == JobState.QUEUED:
                current = await self._submit(current, slot)
            if current is not None and current.state == JobState.RUNNING:
                current = await self._poll(current, slot.handle, fresh=submitted_here)
            if current is not None and current.state == JobState.DELIVERING:
                await self._deliver(current, slot.handle)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s: unexpected error", job.id)
            await self._fail(job, FailureReason.INTERNAL, "unexpected error")
        finally:
            self._submitted.pop(job.id, None)
            self._give_back(job, slot.handle)
            if self._tasks.get(job.id) is asyncio.current_task():
                self._tasks.pop(job.id, None)
            if job.id not in self.queue:
                self._tried.pop(job.id, None)
            self._wake.set()
            self._update_idle()

    # --- steps ------------------------------------------------------------------------------
    def _request(self, job: Job, handle: ProviderHandle) -> GenerationRequest:
        chars = tuple(CharacterRef(c["name"], c["providers"][handle.name]) for c in job.characters)
        scenes = tuple(Scene(int(s[0]), int(s[1]), str(s[2])) for s in job.storyboard)
        return GenerationRequest(prompt=job.prompt, snapshot=job.snapshot, seconds=job.seconds, size=job.size,
                                 characters=chars, storyboard=scenes)

    async def _submit(self, job: Job, slot: _Slot) -> Job | None:
        """Send the job to ``slot.handle``; on a failure that made nothing, on to the next eligible
        provider (the slot moves with it). Returns the running job, or None when it ended here."""
        tried = self._tried.setdefault(job.id, set())
        attempts: list[dict[str, Any]] = []
        first = True
        while True:
            handle = slot.handle
            now = self.clock()
            usd = handle.estimated_usd(job.seconds, self._price(job.snapshot))
            expect = [JobState.QUEUED] if first else [JobState.SUBMITTING]
            values: dict[str, Any] = {"provider": handle.name, "updated_at": now, "usd_estimate": usd}
            if first:
                values.update(state=JobState.SUBMITTING, submitted_at=now)
            if not await self.jobs.update(job.id, expect=expect, **values):
                return None  # cancelled while it waited
            job.state, job.provider, job.usd_estimate = JobState.SUBMITTING, handle.name, usd
            if first:
                job.submitted_at = now
                await self._send_status(job, render_status(job))
            first = False
            try:
                submitted = await handle.provider.submit(self._request(job, handle))
            except ProviderError as exc:
                self._observe(handle, exc)
                tried.add(handle.name)
                outcome = "interrupted" if exc.reason == FailureReason.SUBMIT_INTERRUPTED else "failed"
                await self.jobs.add_attempt(job.id, provider=handle.name, outcome=outcome, reason=exc.reason.value,
                                            detail=exc.detail, at=self.clock())
                attempts.append({"provider": handle.name, "outcome": outcome, "reason": exc.reason.value})
                log.warning("job %s: submit to %s failed: %s", job.id, handle.name, exc)
                if not can_fall_back(exc):
                    await self._fail(job, exc.reason, exc.detail)
                    return None
                pick = self.registry.pick(self._eligible(job))
                if pick.handle is None:
                    if pick.wait:
                        await self._requeue(job, f"{handle.name} failed ({exc.reason.value}); waiting for a slot")
                        return None
                    await self._fail(job, self._unavailable_reason(job, exc.reason),
                                     f"{handle.name}: {exc.detail}"[:2000])
                    return None
                log.info("job %s: falling back from %s to %s", job.id, handle.name, pick.handle.name)
                self._give_back(job, handle)
                slot.handle = pick.handle
                self._take(job, pick.handle)
                continue
            self._observe(handle, None)
            await self.jobs.add_attempt(job.id, provider=handle.name, outcome="submitted",
                                        remote_id=submitted.remote_id, at=self.clock())
            record = {"provider": handle.name, "kind": handle.provider.kind, "body": submitted.sent}
            if attempts:
                record["fallback_from"] = attempts
            await self.jobs.update(job.id, state=JobState.RUNNING, remote_id=submitted.remote_id,
                                   request_json=record, updated_at=self.clock())
            job.state, job.remote_id, job.request_json = JobState.RUNNING, submitted.remote_id, record
            self._submitted[job.id] = submitted
            log.info("job %s: submitted to %s as %s", job.id, handle.name, submitted.remote_id)
            await self._send_status(job, render_status(job))
            return job

    async def _requeue(self, job: Job, why: str) -> None:
        """Back to the queue after a failed submit that made nothing (the credits stay held)."""
        if not await self.jobs.update(job.id, expect=[JobState.SUBMITTING], state=JobState.QUEUED, provider=None,
                                      updated_at=self.clock()):
            return
        log.info("job %s: requeued: %s", job.id, why)
        job.state, job.provider = JobState.QUEUED, None
        self.queue.push(job)
        self._wake.set()

    async def _poll(self, job: Job, handle: ProviderHandle, *, fresh: bool = False) -> Job | None:
        """Ask the provider about the job until it ends. ``fresh``: it was submitted a moment ago
        (the create answer said it is queued), so the first status call waits for the plan."""
        assert job.remote_id is not None
        limits = self.settings.limits
        mono = time.monotonic()
        # Measured from submission, also after a restart (the job may be well along by now).
        age = (self.clock() - job.submitted_at).total_seconds() if job.submitted_at is not None else 0.0
        plan = PollPlan(floor=limits.poll_min_interval, ceiling=limits.poll_max_interval,
                        started=mono - max(0.0, age),
                        expected=self.pace.expected(handle.name, job.seconds) if self.pace is not None else None)
        last_call: float | None = None
        submitted = self._submitted.pop(job.id, None)
        scouting = False
        if fresh and submitted is not None and submitted.state not in (RemoteState.COMPLETED, RemoteState.FAILED):
            last_call = mono
            if self.pace is not None and plan.expected is None:
                if self.pace.scout(handle.name):
                    scouting = True  # find out this provider's pace for the others
                else:  # another job is finding it out: wait for that rather than ask the same questions
                    await self.pace.wait_for_pace(handle.name, min(limits.poll_max_interval,
                                                                   (job.deadline_at - self.clock()).total_seconds()))
                    plan.expected = self.pace.expected(handle.name, job.seconds)
            now = time.monotonic()
            first = plan.next_delay(now, submitted.poll_after)
            await asyncio.sleep(max(0.0, min(first, (job.deadline_at - self.clock()).total_seconds())))
        try:
            return await self._poll_loop(job, handle, plan, last_call, scouting)
        finally:
            if scouting and self.pace is not None:
                self.pace.done_scouting(handle.name)

    async def _poll_loop(self, job: Job, handle: ProviderHandle, plan: PollPlan, last_call: float | None,
                         scouting: bool) -> Job | None:
        assert job.remote_id is not None
        transient = 0
        while True:
            remaining = (job.deadline_at - self.clock()).total_seconds()
            if remaining <= 0:
                await self._fail(job, FailureReason.DEADLINE, f"no result from {handle.name} in time")
                return None
            try:
                st = await handle.provider.status(job.remote_id)
            except ProviderError as exc:
                self._observe(handle, exc)
                if not exc.retryable and exc.reason != FailureReason.RATE_LIMITED:
                    await self._fail(job, exc.reason, exc.detail)
                    return None
                wait = TRANSIENT_STATUS_BACKOFF[min(transient, len(TRANSIENT_STATUS_BACKOFF) - 1)]
                transient += 1
                log.warning("job %s: status check failed (%s); again in %.0fs", job.id, exc, wait)
                await asyncio.sleep(min(wait, max(0.05, remaining)))
                continue
            transient = 0
            self._observe(handle, None)
            called, last_call = last_call, time.monotonic()
            if st.state == RemoteState.COMPLETED:
                if self.pace is not None and plan.started is not None:
                    finished = plan.finished_at(last_call, called, _reported_completion(st.extra, last_call))
                    self.pace.observe(handle.name, job.seconds, finished - plan.started)
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
            now = last_call
            plan.observe(now, st.progress)
            finish = plan.expected_finish() if scouting and self.pace is not None else None
            if finish is not None and plan.started is not None and self.pace is not None:
                self.pace.estimate(handle.name, job.seconds, finish - plan.started)  # the others may go on
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
            self._observe(handle, exc)
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
        too_large = transient = 0
        first_failure: float | None = None
        while True:
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
                # Fit under what the platform says it takes, or else a fifth under what it just refused.
                refused = send.stat().st_size
                limit = exc.limit if exc.limit and exc.limit < refused else int(refused * 0.8)
                log.info("job %s: upload refused as too large; fitting to %d bytes", job.id, limit)
                too_large += 1
                if too_large >= TOO_LARGE_TRIES:
                    await self._fail(job, FailureReason.DELIVERY_FAILED, "upload kept failing")
                    return
            except DeliveryFailed as exc:
                failed_at = time.monotonic()
                first_failure = failed_at if first_failure is None else first_failure
                if exc.permanent or failed_at - first_failure >= DELIVERY_PATIENCE:
                    await self._fail(job, FailureReason.DELIVERY_FAILED, str(exc))
                    return
                wait = min(DELIVERY_RETRY_CAP, DELIVERY_RETRY_BASE * 2 ** transient)
                transient += 1
                log.warning("job %s: delivery failed (%s); trying again in %.1fs", job.id, exc, wait)
                await asyncio.sleep(wait)
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
        await self._tell_ending(job)

    async def _tell_ending(self, job: Job) -> None:
        """Tell the member a job failed or was cancelled, and record that they were told.

        The ending is committed first; if the process dies before the message is out (or the platform
        is away), the job stays un-told (``result_ref`` NULL: a failed job has no result) and the next
        start tells them (:meth:`tell_untold_endings`)."""
        if await self._send_status(job, render_status(job)):
            await self.jobs.update(job.id, result_ref={"told": True})

    async def tell_untold_endings(self, within: dt.timedelta = UNTOLD_WINDOW) -> int:
        """At start-up: the failures and cancellations of the last ``within`` whose message never went out."""
        told = 0
        for job in await self.jobs.untold_endings(self.clock() - within):
            if job.platform in self.ports:
                await self._tell_ending(job)
                told += 1
        return told

    async def _send_status(self, job: Job, view: StatusView) -> bool:
        """Edit (or post) the job's status message; True when the platform has this text now."""
        port = self.ports.get(job.platform)
        if port is None:
            return False
        job.status_ref = self._status_refs.get(job.id, job.status_ref)
        if not self.throttle.should_send(job.id, view, port.min_edit_interval):
            return self.throttle.last_text(job.id) == view.text
        try:
            new_ref = await port.update_status(job, view)
        except Exception:  # a status edit must never break the pipeline
            log.warning("job %s: status update failed", job.id, exc_info=True)
            return False
        self.throttle.sent(job.id, view)
        if new_ref:
            self._status_refs[job.id] = new_ref
            job.status_ref = new_ref
            await self.jobs.update(job.id, status_ref=new_ref)
        if view.final:
            self._status_refs.pop(job.id, None)
        return True

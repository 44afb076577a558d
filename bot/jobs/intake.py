"""Accepting a video request: every check and refusal happens here, before any credit is held.

Order: the request itself (prompt, size, duration), the snapshot in force and what it allows,
the characters mentioned, a provider able to serve it, then — in one transaction — the
active-job caps, the credit hold and the job record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import storyboard as storyboards
from bot.catalogue import Catalogue, Resolution, ScopeSnapshotState
from bot.characters import CharacterService
from bot.config import Settings
from bot.context import Context
from bot.credits import cost_tenths, format_credits
from bot.errors import UserError
from bot.i18n import t
from bot.jobs.model import Job, JobState, new_job_id
from bot.jobs.runner import JobRunner
from bot.providers.base import Scene
from bot.providers.registry import ProviderRegistry
from bot.quotas import QuotaService
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import Balance, LedgerRepo
from storage.scopes import ScopeRepo

SIZES = {"landscape": "1280x720", "portrait": "720x1280", "1280x720": "1280x720", "720x1280": "720x1280",
         "1792x1024": "1792x1024", "1024x1792": "1024x1792", "wide": "1792x1024", "tall": "1024x1792"}
DEFAULT_SIZE = "1280x720"


def normalise_size(value: str | None) -> str:
    if value is None or not value.strip():
        return DEFAULT_SIZE
    size = SIZES.get(value.strip().lower())
    if size is None:
        raise UserError("sora.bad_size", value=value[:40], allowed="landscape, portrait, " +
                        ", ".join(sorted({v for v in SIZES.values()})))
    return size


@dataclass(frozen=True, slots=True)
class GenerationInput:
    prompt: str
    seconds: int | None = None
    size: str | None = None
    storyboard: tuple[Scene, ...] = ()
    parent_job_id: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    job: Job
    position: int
    resolution: Resolution
    left_tenths: int


class JobIntake:
    def __init__(self, *, settings: Settings, catalogue: Catalogue, db: Database, scopes: ScopeRepo,
                 jobs: JobRepo, ledger: LedgerRepo, quotas: QuotaService, characters: CharacterService,
                 registry: ProviderRegistry, runner: JobRunner, clock: Callable[[], dt.datetime]) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.db = db
        self.scopes = scopes
        self.jobs = jobs
        self.ledger = ledger
        self.quotas = quotas
        self.characters = characters
        self.registry = registry
        self.runner = runner
        self.clock = clock

    async def snapshot_state(self, scope_id: str) -> tuple[ScopeSnapshotState, str]:
        row = await self.scopes.get(scope_id)
        if row is None:
            return ScopeSnapshotState(), "stability"
        return (ScopeSnapshotState(row.pin, row.canary, row.canary_percent),
                row.routing_priority or "stability")

    def validate_prompt(self, prompt: str) -> str:
        text = prompt.strip()
        if not text:
            raise UserError("sora.empty_prompt")
        limit = self.settings.limits.prompt_max_chars
        if len(text) > limit:
            raise UserError("sora.prompt_too_long", length=len(text), limit=limit)
        return text

    async def submit(self, ctx: Context, req: GenerationInput) -> Accepted:
        prompt = self.validate_prompt(req.prompt)
        size = normalise_size(req.size)
        storyboard = storyboards.validate(req.storyboard) if req.storyboard else ()
        if storyboard and req.seconds is not None and req.seconds != storyboards.total_seconds(storyboard):
            raise UserError("storyboard.no_duration")
        seconds = storyboards.total_seconds(storyboard) if storyboard else req.seconds
        job_id = new_job_id()
        state, priority = await self.snapshot_state(ctx.scope.id)
        self.runner.note_priority(ctx.scope.id, priority)
        resolution = self.catalogue.resolve(state, job_id)
        snap = resolution.snapshot
        if seconds is None:
            seconds = snap.durations[0]
        mentioned = await self.characters.resolve(ctx, prompt)
        if storyboard and snap.storyboard and not snap.retired(self.clock().date()):
            storyboards.check_for_snapshot(storyboard, snapshot=snap.id, durations=snap.durations)
        self.catalogue.check_request(snap, seconds=seconds, storyboard=bool(storyboard),
                                     characters=bool(mentioned), today=self.clock().date())
        holders = [set(c.row.provider_ids) for c in mentioned]
        providers = self.registry.require_eligible(snapshot=snap.id, seconds=seconds, storyboard=bool(storyboard),
                                                   character_providers=holders, priority=priority,
                                                   snapshot_price=snap.price_per_second)
        cost = cost_tenths(seconds, snap.credit_factor)
        policy, period_start, period_end = await self.quotas.period_now(ctx.scope.id)
        allowance = await self.quotas.allowance(ctx, policy)
        now = self.clock()
        limits = self.settings.limits
        job = Job(id=job_id, scope_id=ctx.scope.id, user_id=ctx.actor.id, user_name=ctx.actor.name,
                  platform=ctx.scope.platform, locale=ctx.locale, state=JobState.QUEUED, prompt=prompt,
                  seconds=seconds, size=size, snapshot=snap.id, snapshot_why=resolution.why.value,
                  cost_tenths=cost, period_start=period_start, created_at=now, updated_at=now,
                  deadline_at=now + dt.timedelta(seconds=limits.job_deadline_seconds),
                  characters=[{"id": c.row.id, "name": c.row.name, "providers": dict(c.row.provider_ids)}
                              for c in mentioned],
                  storyboard=[[s.start, s.end, s.text] for s in storyboard],
                  usd_estimate=providers[0].estimated_usd(seconds, snap.price_per_second),
                  destination=dict(ctx.destination), parent_job_id=req.parent_job_id)

        async def accept(conn: AsyncConnection) -> str | Balance:
            mine, scope_total = await self.jobs.active_counts(conn, ctx.scope.id, ctx.actor.id)
            if mine >= limits.active_jobs_per_member:
                return "member_cap"
            if scope_total >= limits.active_jobs_per_scope:
                return "scope_cap"
            held = await self.ledger.hold(conn, job_id=job_id, scope_id=ctx.scope.id, user_id=ctx.actor.id,
                                          period_start=period_start, amount=cost, allowance=allowance, now=now)
            if held is None:
                return "quota"
            await self.jobs.insert(conn, job)
            return held

        outcome = await self.db.write(accept)
        if outcome == "member_cap":
            raise UserError("sora.too_many_active", limit=limits.active_jobs_per_member)
        if outcome == "scope_cap":
            raise UserError("sora.scope_busy", limit=limits.active_jobs_per_scope)
        if not isinstance(outcome, Balance):
            bal = await self.ledger.balance(ctx.scope.id, ctx.actor.id, period_start)
            left = max(0, allowance - bal.used_tenths - bal.held_tenths)
            raise UserError("quota.exhausted", cost=format_credits(cost), left=format_credits(left),
                            allowance=format_credits(allowance), period=t(ctx.locale, f"period.{policy.period}"),
                            resets=period_end.strftime("%Y-%m-%d %H:%M UTC"))
        position = self.runner.enqueue(job)
        return Accepted(job, position, resolution, max(0, allowance - outcome.used_tenths - outcome.held_tenths))

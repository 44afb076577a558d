"""The use cases every adapter calls, with platform-neutral inputs and rendered replies.

An adapter turns a platform event into a :class:`~bot.context.Context` and one of these calls,
and shows the :class:`Reply` it gets back. All rules sit behind these methods.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import storyboard as storyboards
from bot.catalogue import Catalogue, Why
from bot.characters import CharacterService
from bot.config import Settings
from bot.context import Authorizer, Context
from bot.credits import format_credits
from bot.errors import UserError
from bot.i18n import t
from bot.jobs.intake import Accepted, GenerationInput, JobIntake
from bot.jobs.model import Job, JobState
from bot.jobs.runner import JobRunner
from bot.jobs.status import as_typed, cut, render_status
from bot.ports import Button
from bot.providers.base import Scene
from bot.providers.breaker import BreakerState
from bot.providers.registry import PRIORITIES
from bot.quotas import QuotaService
from bot.snapshots import SnapshotService
from bot.urlfetch import UrlFetchError, fetch_to_file
from storage.jobs import JobRepo
from storage.scopes import ScopeRepo


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    ephemeral: bool = False  # only the actor should see it (Discord); others show it normally
    buttons: tuple[Button, ...] = ()
    job_id: str | None = None  # set when the reply is a job's status message


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    value: str


@dataclass
class Commands:
    settings: Settings
    catalogue: Catalogue
    auth: Authorizer
    scopes: ScopeRepo
    jobs: JobRepo
    intake: JobIntake
    runner: JobRunner
    quotas: QuotaService
    snapshots: SnapshotService
    characters: CharacterService
    clock: Callable[[], dt.datetime]

    async def touch(self, ctx: Context) -> None:
        """Make sure the scope has a row (written once per process per scope)."""
        await self.scopes.ensure(ctx.scope.id, platform=ctx.scope.platform, kind=ctx.scope.kind,
                                 title=ctx.scope.title, now=self.clock())

    # --- /sora ------------------------------------------------------------------------------
    async def sora(self, ctx: Context, prompt: str, seconds: int | None = None, size: str | None = None,
                   storyboard: tuple[Scene, ...] = (), parent_job_id: str | None = None) -> Reply:
        await self.touch(ctx)
        accepted = await self.intake.submit(ctx, GenerationInput(prompt, seconds, size, storyboard, parent_job_id))
        reply = self._accepted_reply(accepted)
        if self.auth.is_admin(ctx):  # admins hear of a retirement ahead of time, where they act
            notes = self._retirement_notes(ctx, [accepted.job.snapshot])
            if notes:
                reply = Reply("\n".join([reply.text, *notes]), reply.ephemeral, reply.buttons, reply.job_id)
        return reply

    async def sora_storyboard(self, ctx: Context, scenes: str, size: str | None = None) -> Reply:
        """``/sora storyboard``: scenes written ``0-5: sunrise over the city`` one per line or
        separated by ``;``. The video lasts until the last scene ends, and costs that."""
        parsed = storyboards.parse(scenes)
        return await self.sora(ctx, storyboards.render(parsed), None, size, parsed)

    def _accepted_reply(self, accepted: Accepted) -> Reply:
        view = render_status(accepted.job, position=accepted.position)
        return Reply(view.text, buttons=view.buttons, job_id=accepted.job.id)

    async def job_for(self, ctx: Context, job_id: str) -> Job:
        """A job of this scope; other scopes' jobs are reported as not found (never leaked)."""
        job = await self.jobs.get(job_id.strip())
        if job is None or job.scope_id != ctx.scope.id:
            raise UserError("job.not_found", id=job_id[:40])
        return job

    async def again(self, ctx: Context, job_id: str) -> Reply:
        job = await self.job_for(ctx, job_id)
        scenes = tuple(Scene(int(s[0]), int(s[1]), str(s[2])) for s in job.storyboard)
        return await self.sora(ctx, job.prompt, None if scenes else job.seconds, job.size, scenes, job.id)

    async def remix(self, ctx: Context, job_id: str, prompt: str) -> Reply:
        job = await self.job_for(ctx, job_id)
        return await self.sora(ctx, prompt, job.seconds, job.size, (), job.id)

    async def cancel(self, ctx: Context, job_id: str) -> Reply:
        job = await self.job_for(ctx, job_id)
        if job.user_id != ctx.actor.id and not self.auth.is_admin(ctx):
            raise UserError("job.not_yours", id=job.id)
        if job.state != JobState.QUEUED or not await self.runner.cancel(job):
            fresh = await self.jobs.get(job.id)
            state = fresh.state.value if fresh else job.state.value
            raise UserError("job.cannot_cancel", id=job.id, state=t(ctx.locale, f"state.{state}"))
        return Reply(t(ctx.locale, "job.cancelled", id=job.id, credits=format_credits(job.cost_tenths)),
                     ephemeral=True)

    async def list_jobs(self, ctx: Context, limit: int = 10) -> Reply:
        jobs = await self.jobs.recent(ctx.scope.id, ctx.actor.id, limit)
        if not jobs:
            return Reply(t(ctx.locale, "jobs.none"), ephemeral=True)
        lines = [t(ctx.locale, "jobs.header", count=len(jobs))]
        for j in jobs:
            extra = f" — {t(ctx.locale, f'reason.{j.reason}')}" if j.state == JobState.FAILED and j.reason else ""
            if j.state == JobState.RUNNING:
                extra = f" — {j.progress}%"
            lines.append(t(ctx.locale, "jobs.line", id=j.id, state=t(ctx.locale, f"state.{j.state.value}"),
                           seconds=j.seconds, snapshot=j.snapshot, credits=format_credits(j.cost_tenths),
                           prompt=as_typed(cut(j.prompt, 50), ctx.scope.platform), extra=extra,
                           when=j.created_at.strftime("%m-%d %H:%M")))
        return Reply("\n".join(lines), ephemeral=True)

    # --- /snapshot --------------------------------------------------------------------------
    async def snapshot_list(self, ctx: Context) -> Reply:
        await self.touch(ctx)
        resolution, _row = await self.snapshots.current(ctx)
        today = self.clock().date()
        lines = [t(ctx.locale, "snapshot.list_header")]
        for s in self.catalogue.snapshots:
            flags = []
            if s.storyboard:
                flags.append(t(ctx.locale, "snapshot.flag_storyboard"))
            if s.characters:
                flags.append(t(ctx.locale, "snapshot.flag_characters"))
            if s.retired(today):
                flags.append(t(ctx.locale, "snapshot.flag_retired", successor=s.successor or "-"))
            elif s.retires_on:
                flags.append(t(ctx.locale, "snapshot.flag_retires", date=s.retires_on.isoformat()))
            lines.append(t(ctx.locale, "snapshot.list_line", id=s.id, label=s.label or "-",
                           durations=", ".join(str(d) for d in s.durations), flags=", ".join(flags) or "-",
                           marker=" ◀" if s.id == resolution.snapshot.id else ""))
        for alias, target in self.catalogue.aliases.items():
            lines.append(t(ctx.locale, "snapshot.alias_line", alias=alias, target=target))
        return Reply("\n".join(lines), ephemeral=True)

    async def snapshot_show(self, ctx: Context) -> Reply:
        await self.touch(ctx)
        resolution, row = await self.snapshots.current(ctx)
        s = resolution.snapshot
        lines = [t(ctx.locale, "snapshot.show", id=s.id, why=t(ctx.locale, f"why.{resolution.why.value}"),
                   durations=", ".join(f"{d} s" for d in s.durations),
                   storyboard=t(ctx.locale, "yes" if s.storyboard else "no"),
                   characters=t(ctx.locale, "yes" if s.characters else "no"),
                   default=self.catalogue.deployment_default(), environment=self.catalogue.environment)]
        if row.canary and row.canary_percent:
            lines.append(t(ctx.locale, "snapshot.show_canary", id=row.canary, percent=row.canary_percent))
        lines += self._retirement_notes(ctx, [s.id] + ([row.canary] if row.canary else []))
        return Reply("\n".join(lines), ephemeral=True)

    def _retirement_notes(self, ctx: Context, ids: list[str]) -> list[str]:
        today = self.clock().date()
        notes = []
        for sid in ids:
            if not self.catalogue.is_known(sid):
                continue
            s = self.catalogue.get(sid)
            if s.retired(today):
                notes.append(t(ctx.locale, "snapshot.notice_retired", id=s.id, successor=s.successor or "-"))
            elif s.retiring_soon(today) and s.retires_on:
                notes.append(t(ctx.locale, "snapshot.notice_retiring", id=s.id, date=s.retires_on.isoformat(),
                               successor=s.successor or "-"))
        return notes

    async def snapshot_pin(self, ctx: Context, snapshot_id: str) -> Reply:
        await self.touch(ctx)
        change, snap = await self.snapshots.pin(ctx, snapshot_id)
        lines = [t(ctx.locale, "snapshot.pinned", id=snap.id, before=change.before or "-",
                   durations=", ".join(f"{d} s" for d in snap.durations))]
        lines += self._retirement_notes(ctx, [snap.id])
        return Reply("\n".join(lines))

    async def snapshot_unpin(self, ctx: Context) -> Reply:
        await self.touch(ctx)
        change = await self.snapshots.unpin(ctx)
        return Reply(t(ctx.locale, "snapshot.unpinned", before=change.before, after=change.after))

    async def snapshot_canary(self, ctx: Context, snapshot_id: str, percent: str) -> Reply:
        await self.touch(ctx)
        change, pct = await self.snapshots.canary(ctx, snapshot_id, percent)
        if pct == 0:
            return Reply(t(ctx.locale, "snapshot.canary_off", id=change.before))
        return Reply(t(ctx.locale, "snapshot.canary_on", id=change.after, percent=pct, base=change.before))

    async def snapshot_rollback(self, ctx: Context) -> Reply:
        await self.touch(ctx)
        change = await self.snapshots.rollback(ctx)
        return Reply(t(ctx.locale, "snapshot.rolled_back", before=change.before, after=change.after,
                       detail=change.detail))

    async def snapshot_history(self, ctx: Context) -> Reply:
        rows = await self.snapshots.history(ctx)
        if not rows:
            return Reply(t(ctx.locale, "snapshot.history_empty"), ephemeral=True)
        lines = [t(ctx.locale, "snapshot.history_header")]
        for r in rows:
            lines.append(t(ctx.locale, "snapshot.history_line", at=r.at.strftime("%Y-%m-%d %H:%M UTC"),
                           who=as_typed(r.actor_name or r.actor_id, ctx.scope.platform), action=r.action,
                           before=r.from_snapshot or "-",
                           after=r.to_snapshot or "-", detail=f" ({r.detail})" if r.detail else ""))
        return Reply("\n".join(lines), ephemeral=True)

    def snapshot_choices(self, prefix: str = "") -> list[Choice]:
        """Autocomplete: answered from memory (no I/O), ≤ 25 choices."""
        p = prefix.lower().strip()
        out = [Choice(f"{s.id} ({s.label})" if s.label else s.id, s.id) for s in self.catalogue.snapshots
               if p in s.id.lower()]
        out += [Choice(f"{a} → {target}", a) for a, target in self.catalogue.aliases.items() if p in a.lower()]
        return out[:25]

    # --- /quota -----------------------------------------------------------------------------
    async def quota_me(self, ctx: Context) -> Reply:
        await self.touch(ctx)
        st = await self.quotas.status(ctx)
        return Reply(t(ctx.locale, "quota.me", used=format_credits(st.used_tenths),
                       held=format_credits(st.held_tenths), left=format_credits(st.left_tenths),
                       allowance=format_credits(st.allowance_tenths), period=t(ctx.locale, f"period.{st.period}"),
                       resets=st.resets_at.strftime("%Y-%m-%d %H:%M UTC")), ephemeral=True)

    async def quota_set(self, ctx: Context, user_id: str, user_name: str, amount: str) -> Reply:
        self.auth.require_admin(ctx, "/quota set", grants_credits=True)
        await self.touch(ctx)
        if amount.strip().lower() in ("default", "reset", "clear"):
            await self.quotas.clear_member(ctx, user_id)
            return Reply(t(ctx.locale, "quota.member_cleared", user=user_name))
        tenths = await self.quotas.set_member(ctx, user_id, amount)
        return Reply(t(ctx.locale, "quota.member_set", user=user_name, credits=format_credits(tenths)))

    async def quota_role(self, ctx: Context, role_id: str, role_name: str, amount: str) -> Reply:
        self.auth.require_admin(ctx, "/quota role", grants_credits=True)
        await self.touch(ctx)
        tenths = await self.quotas.set_role(ctx, role_id, amount)
        return Reply(t(ctx.locale, "quota.role_set", role=role_name, credits=format_credits(tenths)))

    async def quota_default(self, ctx: Context, amount: str) -> Reply:
        self.auth.require_admin(ctx, "/quota default", grants_credits=True)
        await self.touch(ctx)
        tenths = await self.quotas.set_default(ctx, amount)
        return Reply(t(ctx.locale, "quota.default_set", credits=format_credits(tenths)))

    async def quota_period(self, ctx: Context, period: str) -> Reply:
        self.auth.require_admin(ctx, "/quota period", grants_credits=True)
        await self.touch(ctx)
        value = await self.quotas.set_period(ctx, period)
        return Reply(t(ctx.locale, "quota.period_set", period=t(ctx.locale, f"period.{value}")))

    async def quota_usage(self, ctx: Context) -> Reply:
        self.auth.require_admin(ctx, "/quota usage")
        await self.touch(ctx)
        policy, start, end, rows, overrides = await self.quotas.usage(ctx)
        lines = [t(ctx.locale, "quota.usage_header", period=t(ctx.locale, f"period.{policy.period}"),
                   start=start.strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d"),
                   default=format_credits(policy.default_tenths))]
        if not rows:
            lines.append(t(ctx.locale, "quota.usage_none"))
        total_used = total_held = jobs = 0
        total_usd = 0.0
        for r in rows:
            allowance = overrides.get(r.user_id, policy.default_tenths)
            lines.append(t(ctx.locale, "quota.usage_line", user=as_typed(r.user_name, ctx.scope.platform),
                           used=format_credits(r.used_tenths),
                           held=format_credits(r.held_tenths), allowance=format_credits(allowance),
                           jobs=r.jobs_delivered, usd=f"{r.usd:.2f}"))
            total_used += r.used_tenths
            total_held += r.held_tenths
            jobs += r.jobs_delivered
            total_usd += r.usd
        lines.append(t(ctx.locale, "quota.usage_total", used=format_credits(total_used),
                       held=format_credits(total_held), jobs=jobs, usd=f"{total_usd:.2f}"))
        by_provider = await self.quotas.ledger.usage_by_provider(ctx.scope.id, start)
        if by_provider:
            lines.append(t(ctx.locale, "quota.usage_by_provider_header"))
            lines += [t(ctx.locale, "quota.usage_provider_line", provider=r.provider, snapshot=r.snapshot,
                        credits=format_credits(r.used_tenths), jobs=r.jobs_delivered, usd=f"{r.usd:.2f}")
                      for r in by_provider]
        return Reply("\n".join(lines), ephemeral=True)

    # --- /provider --------------------------------------------------------------------------
    async def provider_status(self, ctx: Context) -> Reply:
        """Each provider's health (circuit breaker), jobs in flight, recent failures, price."""
        self.auth.require_admin(ctx, "/provider status")
        await self.touch(ctx)
        row = await self.scopes.get(ctx.scope.id)
        priority = (row.routing_priority if row else None) or "stability"
        loc = ctx.locale
        since = self.clock() - dt.timedelta(hours=1)
        failed_submits = await self.jobs.attempt_failures_since(since)
        lines = [t(loc, "provider.status_header", priority=t(loc, f"provider.priority_{priority}"))]
        for h in self.runner.registry.handles:
            b = h.breaker
            state = b.state
            if state == BreakerState.OPEN:
                health = t(loc, "provider.health_open", seconds=max(1, round(b.open_remaining())))
            elif state == BreakerState.HALF_OPEN:
                health = t(loc, "provider.health_half_open")
            else:
                health = t(loc, "provider.health_ok")
            c = h.config
            price = (t(loc, "provider.price_request", usd=f"{c.price_per_request:.2f}")
                     if c.price_per_request is not None else
                     t(loc, "provider.price_second", usd=f"{c.price_per_second:.2f}")
                     if c.price_per_second is not None else t(loc, "provider.price_snapshot"))
            features = [f for f, on in (("storyboard", h.storyboard), ("characters", h.characters)) if on]
            last = b.last_failure()
            last_text = t(loc, "provider.last_failure", reason=last.reason or "?",
                          ago=max(0, round(b.clock() - last.at))) if last else ""
            lines.append(t(loc, "provider.status_line", name=h.name, kind=h.kind, health=health,
                           in_flight=h.in_flight, cap=c.max_in_flight, failures=b.failures_since(3600),
                           submits=failed_submits.get(h.name, 0), last=last_text, price=price,
                           stability=c.stability, durations=", ".join(str(d) for d in c.durations),
                           features=", ".join(features) or "-"))
        return Reply("\n".join(lines), ephemeral=True)

    async def provider_priority(self, ctx: Context, priority: str) -> Reply:
        self.auth.require_admin(ctx, "/provider priority")
        await self.touch(ctx)
        value = priority.strip().lower()
        if value not in PRIORITIES:
            raise UserError("provider.bad_priority", value=priority[:30], allowed=", ".join(PRIORITIES))
        await self.scopes.set_field(ctx.scope.id, self.clock(), routing_priority=value)
        self.runner.note_priority(ctx.scope.id, value)
        return Reply(t(ctx.locale, "provider.priority_set", priority=t(ctx.locale, f"provider.priority_{value}")))

    # --- /character -------------------------------------------------------------------------
    async def character_add_file(self, ctx: Context, name: str, video: Path, description: str = "", *,
                                 share_url: str | None = None) -> Reply:
        """``share_url``: a link to the same video that a task gateway may fetch itself (e.g. a
        Discord attachment URL) — never one that carries a secret (Telegram file URLs do)."""
        await self.touch(ctx)
        row = await self.characters.add_from_file(ctx, name, video, description, source="file",
                                                  share_url=share_url)
        return Reply(t(ctx.locale, "character.added", name=row.name))

    async def character_add_url(self, ctx: Context, name: str, url: str, description: str = "") -> Reply:
        await self.touch(ctx)
        from bot.characters import validate_name

        validate_name(name)  # refuse a bad name before fetching anything
        limits = self.settings.limits
        with tempfile.TemporaryDirectory(prefix="sorabot-url-") as tmp:
            dest = Path(tmp) / "video"
            try:
                await fetch_to_file(url.strip(), dest, max_bytes=limits.character_max_bytes,
                                    timeout=limits.character_fetch_timeout)
            except UrlFetchError as exc:
                params = {k: v for k, v in exc.params.items() if k != "url"}
                raise UserError(f"character_url.{exc.code}", url=cut(url, 80),
                                limit_mb=f"{limits.character_max_bytes / 1_048_576:.0f}", **params) from None
            row = await self.characters.add_from_file(ctx, name, dest, description, source="url",
                                                      source_ref=url.strip()[:500], share_url=url.strip())
        return Reply(t(ctx.locale, "character.added", name=row.name))

    async def character_add_from_job(self, ctx: Context, name: str, job_id: str, description: str = "") -> Reply:
        await self.touch(ctx)
        job = await self.job_for(ctx, job_id.removeprefix("from_job:"))
        row = await self.characters.add_from_job(ctx, name, job, description or cut(job.prompt, 200))
        return Reply(t(ctx.locale, "character.added", name=row.name))

    async def character_list(self, ctx: Context) -> Reply:
        rows = await self.characters.list(ctx)
        if not rows:
            return Reply(t(ctx.locale, "character.none"), ephemeral=True)
        lines = [t(ctx.locale, "character.list_header", count=len(rows))]
        lines += [t(ctx.locale, "character.list_line", name=r.name,
                    description=as_typed(cut(r.description, 60), ctx.scope.platform) or "-",
                    owner=as_typed(r.owner_name or r.owner_id, ctx.scope.platform)) for r in rows]
        return Reply("\n".join(lines), ephemeral=True)

    async def character_info(self, ctx: Context, name: str) -> Reply:
        r = await self.characters.info(ctx, name)
        platform = ctx.scope.platform
        return Reply(t(ctx.locale, "character.info", name=r.name, description=as_typed(r.description, platform) or "-",
                       owner=as_typed(r.owner_name or r.owner_id, platform), created=r.created_at.strftime("%Y-%m-%d"),
                       source=r.source, providers=", ".join(sorted(r.provider_ids)) or "-"), ephemeral=True)

    async def character_remove(self, ctx: Context, name: str) -> Reply:
        r = await self.characters.remove(ctx, name)
        return Reply(t(ctx.locale, "character.removed", name=r.name))

    async def character_choices(self, ctx: Context, prefix: str = "") -> list[Choice]:
        rows = await self.characters.list(ctx, prefix.strip(), )
        return [Choice(f"@{r.name}", r.name) for r in rows[:25]]

    # --- /help ------------------------------------------------------------------------------
    def help(self, ctx: Context) -> Reply:
        text = t(ctx.locale, "help.member")
        if self.auth.is_admin(ctx):
            text += "\n\n" + t(ctx.locale, "help.admin")
        return Reply(text, ephemeral=True)

    def why_text(self, ctx: Context, why: Why) -> str:
        return t(ctx.locale, f"why.{why.value}")

"""Allowances and quota reports: who may spend how much in which period.

The hold/charge/release mechanics live in the ledger (storage.ledger); this module decides the
numbers: a member's allowance (their own override, else the highest of their roles', else the
scope's default, else the configured default) and the period boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Period, Settings
from bot.context import Context
from bot.credits import credits_to_tenths, period_bounds
from bot.errors import UserError
from storage.ledger import LedgerRepo, UsageRow
from storage.scopes import ScopeRepo

PERIODS: tuple[Period, ...] = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    allowance_tenths: int
    used_tenths: int
    held_tenths: int
    period: Period
    period_start: dt.datetime
    resets_at: dt.datetime

    @property
    def left_tenths(self) -> int:
        return max(0, self.allowance_tenths - self.used_tenths - self.held_tenths)


@dataclass(frozen=True, slots=True)
class Policy:
    period: Period
    default_tenths: int


class QuotaService:
    def __init__(self, settings: Settings, scopes: ScopeRepo, ledger: LedgerRepo,
                 clock: Callable[[], dt.datetime]) -> None:
        self.settings = settings
        self.scopes = scopes
        self.ledger = ledger
        self.clock = clock

    async def policy(self, scope_id: str) -> Policy:
        row = await self.scopes.get(scope_id)
        period: Period = self.settings.quota.period
        default = credits_to_tenths(self.settings.quota.allowance)
        if row is not None:
            if row.quota_period in PERIODS:
                period = row.quota_period  # type: ignore[assignment]
            if row.quota_default_tenths is not None:
                default = row.quota_default_tenths
        return Policy(period, default)

    async def allowance(self, ctx: Context, policy: Policy | None = None) -> int:
        policy = policy or await self.policy(ctx.scope.id)
        own = await self.scopes.member_allowance(ctx.scope.id, ctx.actor.id)
        if own is not None:
            return own
        by_role = await self.scopes.role_allowances(ctx.scope.id, ctx.actor.role_ids)
        return max(by_role) if by_role else policy.default_tenths

    async def period_now(self, scope_id: str) -> tuple[Policy, dt.datetime, dt.datetime]:
        policy = await self.policy(scope_id)
        start, end = period_bounds(policy.period, self.clock())
        return policy, start, end

    async def status(self, ctx: Context) -> QuotaStatus:
        policy, start, end = await self.period_now(ctx.scope.id)
        allowance = await self.allowance(ctx, policy)
        bal = await self.ledger.balance(ctx.scope.id, ctx.actor.id, start)
        return QuotaStatus(allowance, bal.used_tenths, bal.held_tenths, policy.period, start, end)

    # --- admin -----------------------------------------------------------------------------
    @staticmethod
    def parse_credits(text: str) -> int:
        try:
            tenths = credits_to_tenths(text)
        except (ValueError, ArithmeticError):
            raise UserError("quota.bad_amount", value=text) from None
        if tenths > 1_000_000:
            raise UserError("quota.bad_amount", value=text)
        return tenths

    async def set_member(self, ctx: Context, user_id: str, amount: str) -> int:
        tenths = self.parse_credits(amount)
        await self.scopes.set_member_allowance(ctx.scope.id, user_id, tenths, set_by=ctx.actor.id, now=self.clock())
        return tenths

    async def clear_member(self, ctx: Context, user_id: str) -> None:
        await self.scopes.set_member_allowance(ctx.scope.id, user_id, None, set_by=ctx.actor.id, now=self.clock())

    async def set_role(self, ctx: Context, role_id: str, amount: str) -> int:
        tenths = self.parse_credits(amount)
        await self.scopes.set_role_allowance(ctx.scope.id, role_id, tenths, now=self.clock())
        return tenths

    async def set_default(self, ctx: Context, amount: str) -> int:
        tenths = self.parse_credits(amount)
        await self.scopes.set_quota(ctx.scope.id, default_tenths=tenths, now=self.clock())
        return tenths

    async def set_period(self, ctx: Context, period: str) -> Period:
        value = period.strip().lower()
        if value not in PERIODS:
            raise UserError("quota.bad_period", value=period, allowed=", ".join(PERIODS))
        await self.scopes.set_quota(ctx.scope.id, period=value, now=self.clock())
        return value  # type: ignore[return-value]

    async def usage(self, ctx: Context) -> tuple[Policy, dt.datetime, dt.datetime, list[UsageRow], dict[str, int]]:
        policy, start, end = await self.period_now(ctx.scope.id)
        rows = await self.ledger.usage(ctx.scope.id, start)
        overrides = await self.scopes.member_overrides(ctx.scope.id)
        return policy, start, end, rows, overrides

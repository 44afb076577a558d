"""Snapshot governance per scope: pin, unpin, canary, rollback, and the audit history.

The rules of what a scope gets live in :mod:`bot.catalogue`; this module changes a scope's
state, always together with an audit entry (who, when, from, to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.catalogue import Catalogue, Resolution, ScopeSnapshotState, Snapshot
from bot.context import Authorizer, Context
from bot.errors import UserError
from storage.scopes import AuditRow, ScopeRepo, ScopeRow

MAX_STACK = 20


@dataclass(frozen=True, slots=True)
class Change:
    action: str
    before: str | None
    after: str | None
    detail: str = ""


class SnapshotService:
    def __init__(self, catalogue: Catalogue, scopes: ScopeRepo, auth: Authorizer,
                 clock: Callable[[], dt.datetime]) -> None:
        self.catalogue = catalogue
        self.scopes = scopes
        self.auth = auth
        self.clock = clock

    async def _row(self, ctx: Context) -> ScopeRow:
        row = await self.scopes.get(ctx.scope.id)
        if row is None:
            await self.scopes.ensure(ctx.scope.id, platform=ctx.scope.platform, kind=ctx.scope.kind,
                                     title=ctx.scope.title, now=self.clock())
            row = await self.scopes.get(ctx.scope.id)
            assert row is not None
        return row

    async def current(self, ctx: Context) -> tuple[Resolution, ScopeRow]:
        row = await self._row(ctx)
        return self.catalogue.resolve(ScopeSnapshotState(row.pin, row.canary, row.canary_percent)), row

    def in_force_id(self, row: ScopeRow) -> str:
        return self.catalogue.resolve(ScopeSnapshotState(row.pin)).snapshot.id

    async def _write(self, ctx: Context, row: ScopeRow, change: Change, *, pin: str | None,
                     stack: tuple[str | None, ...], canary: str | None, percent: int) -> Change:
        await self.scopes.change_snapshot(ctx.scope.id, action=change.action, actor_id=ctx.actor.id,
                                          actor_name=ctx.actor.name, pin=pin, pin_stack=stack[-MAX_STACK:],
                                          canary=canary, canary_percent=percent, from_snapshot=change.before,
                                          to_snapshot=change.after, detail=change.detail, now=self.clock())
        return change

    async def pin(self, ctx: Context, snapshot_id: str) -> tuple[Change, Snapshot]:
        self.auth.require_admin(ctx, "/snapshot pin")
        snap = self.catalogue.check_pinnable(snapshot_id, self.clock().date())
        row = await self._row(ctx)
        if row.pin == snap.id:
            raise UserError("snapshot.already_pinned", id=snap.id)
        before = self.in_force_id(row)
        change = Change("pin", before, snap.id, "" if snap.id == snapshot_id else f"alias {snapshot_id}")
        return await self._write(ctx, row, change, pin=snap.id, stack=(*row.pin_stack, row.pin),
                                 canary=row.canary, percent=row.canary_percent), snap

    async def unpin(self, ctx: Context) -> Change:
        self.auth.require_admin(ctx, "/snapshot unpin")
        row = await self._row(ctx)
        if row.pin is None:
            raise UserError("snapshot.not_pinned", default=self.catalogue.deployment_default())
        after = self.catalogue.resolve(ScopeSnapshotState()).snapshot.id
        return await self._write(ctx, row, Change("unpin", row.pin, after), pin=None,
                                 stack=(*row.pin_stack, row.pin), canary=row.canary, percent=row.canary_percent)

    async def canary(self, ctx: Context, snapshot_id: str, percent_text: str) -> tuple[Change, int]:
        self.auth.require_admin(ctx, "/snapshot canary")
        try:
            percent = int(str(percent_text).strip().rstrip("%"))
        except ValueError:
            raise UserError("snapshot.bad_percent", value=str(percent_text)[:20]) from None
        if not 0 <= percent <= 100:
            raise UserError("snapshot.bad_percent", value=str(percent_text)[:20])
        row = await self._row(ctx)
        if percent == 0:
            if not row.canary:
                raise UserError("snapshot.no_canary")
            change = Change("canary", row.canary, None, "0%")
            return await self._write(ctx, row, change, pin=row.pin, stack=row.pin_stack, canary=None,
                                     percent=0), 0
        snap = self.catalogue.check_pinnable(snapshot_id, self.clock().date())
        base = self.in_force_id(row)
        if snap.id == base:
            raise UserError("snapshot.canary_same", id=snap.id)
        change = Change("canary", base, snap.id, f"{percent}%")
        return await self._write(ctx, row, change, pin=row.pin, stack=row.pin_stack, canary=snap.id,
                                 percent=percent), percent

    async def rollback(self, ctx: Context) -> Change:
        """End a running canary; otherwise return to the pin before the last change."""
        self.auth.require_admin(ctx, "/snapshot rollback")
        row = await self._row(ctx)
        if row.canary and row.canary_percent > 0:
            change = Change("rollback", row.canary, self.in_force_id(row), "canary ended")
            return await self._write(ctx, row, change, pin=row.pin, stack=row.pin_stack, canary=None, percent=0)
        if not row.pin_stack:
            raise UserError("snapshot.nothing_to_rollback")
        previous = row.pin_stack[-1]
        if previous is not None and not self.catalogue.is_known(previous):
            previous = None
        before = self.in_force_id(row)
        after = self.catalogue.resolve(ScopeSnapshotState(previous)).snapshot.id
        return await self._write(ctx, row, Change("rollback", before, after, f"pin {previous or 'none'}"),
                                 pin=previous, stack=row.pin_stack[:-1], canary=None, percent=0)

    async def history(self, ctx: Context, limit: int = 15) -> list[AuditRow]:
        return await self.scopes.history(ctx.scope.id, limit)

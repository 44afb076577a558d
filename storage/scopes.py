"""Per-scope settings: snapshot governance (pin, canary, rollback, audit) and quota settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import schema as s
from storage.db import Database, insert_ignoring_conflicts

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScopeRow:
    id: str
    platform: str
    kind: str
    title: str
    pin: str | None
    pin_stack: tuple[str | None, ...]
    canary: str | None
    canary_percent: int
    quota_default_tenths: int | None
    quota_period: str | None
    routing_priority: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    actor_id: str
    actor_name: str
    action: str
    from_snapshot: str | None
    to_snapshot: str | None
    detail: str
    at: dt.datetime


_CACHE_MAX = 50_000  # entries kept per cache before it starts over


class ScopeRepo:
    """Per-scope settings. Every /sora reads the scope's row and the member's allowance, so with
    SQLite — one process owns the file, and every write to these tables goes through this class —
    they are kept in memory and dropped on each write (a generation per scope makes a read that
    raced a write never keep the old value). Other databases may have other writers: no caching."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._caching = db.is_sqlite
        self._gen: dict[str, int] = {}
        self._rows: dict[str, tuple[int, ScopeRow | None]] = {}
        self._allowances: dict[str, tuple[int, dict[str, int]]] = {}
        self._roles: dict[tuple[str, tuple[str, ...]], tuple[int, list[int]]] = {}
        self._inflight: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self._ensured: set[str] = set()  # scopes known to have a row (rows are never deleted)

    def _bump(self, scope_id: str) -> None:
        self._gen[scope_id] = self._gen.get(scope_id, 0) + 1

    async def _write(self, scope_id: str, run: Any) -> None:
        self._bump(scope_id)  # before: a read in flight now will not be kept
        try:
            await self.db.write(run)
        finally:
            self._bump(scope_id)  # after: what was kept before the write is stale

    def _keep(self, cache: dict[Any, Any], key: Any, gen: int, scope_id: str, value: Any) -> None:
        if self._caching and self._gen.get(scope_id, 0) == gen:
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[key] = (gen, value)

    def _kept(self, cache: dict[Any, Any], key: Any, scope_id: str) -> tuple[bool, Any]:
        hit = cache.get(key) if self._caching else None
        if hit is not None and hit[0] == self._gen.get(scope_id, 0):
            return True, hit[1]
        return False, None

    async def _read_through(self, cache: dict[Any, Any], key: Any, scope_id: str,
                            load: Callable[[], Awaitable[T]]) -> T:
        """What is kept for ``key``, else ``load()`` — once for all callers asking at the same time
        (a burst of commands in a new server reads its settings once) — kept if no write raced it."""
        found, kept = self._kept(cache, key, scope_id)
        if found:
            return kept  # type: ignore[no-any-return]
        gen = self._gen.get(scope_id, 0)

        async def fetch() -> T:
            value = await load()
            self._keep(cache, key, gen, scope_id, value)
            return value
        return await self._once((id(cache), key, gen), fetch)

    async def _once(self, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> T:
        """Single flight: concurrent callers with the same key share one database round trip."""
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._inflight[key] = running
            running.add_done_callback(lambda _f: self._inflight.pop(key, None))
        return await asyncio.shield(running)  # type: ignore[no-any-return]

    async def ensure(self, scope_id: str, *, platform: str, kind: str, title: str, now: dt.datetime) -> None:
        """Make sure the scope has a row: written once per process, by the first command of a burst
        in a new server; the others arriving meanwhile wait for that write instead of repeating it."""
        if scope_id in self._ensured:
            return

        async def insert() -> None:
            async def run(conn: AsyncConnection) -> int:
                result = await conn.execute(insert_ignoring_conflicts(conn, s.scopes, "id").values(
                    id=scope_id, platform=platform, kind=kind, title=title[:200], created_at=now, updated_at=now))
                return int(result.rowcount)
            if await self.db.write(run):
                self._bump(scope_id)  # a "no row" read kept before the commit is stale now
            # an existing row was left as it was: what is kept stays true
            self._ensured.add(scope_id)
        await self._once(("ensure", scope_id), insert)

    async def get(self, scope_id: str) -> ScopeRow | None:
        return await self._read_through(self._rows, scope_id, scope_id, lambda: self._read(scope_id))

    async def _read(self, scope_id: str) -> ScopeRow | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(s.scopes).where(s.scopes.c.id == scope_id))).mappings().first()
        if row is None:
            return None
        return ScopeRow(id=row["id"], platform=row["platform"], kind=row["kind"], title=row["title"], pin=row["pin"],
                        pin_stack=tuple(json.loads(row["pin_stack"] or "[]")), canary=row["canary"],
                        canary_percent=row["canary_percent"], quota_default_tenths=row["quota_default_tenths"],
                        quota_period=row["quota_period"], routing_priority=row["routing_priority"],
                        locale=row["locale"])

    async def change_snapshot(self, scope_id: str, *, action: str, actor_id: str, actor_name: str,
                              pin: str | None, pin_stack: tuple[str | None, ...], canary: str | None,
                              canary_percent: int, from_snapshot: str | None, to_snapshot: str | None,
                              detail: str, now: dt.datetime) -> None:
        """Write the new governance state and its audit entry in one transaction."""
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(update(s.scopes).where(s.scopes.c.id == scope_id).values(
                pin=pin, pin_stack=json.dumps(list(pin_stack)), canary=canary, canary_percent=canary_percent,
                updated_at=now))
            await conn.execute(s.snapshot_audit.insert().values(
                scope_id=scope_id, actor_id=actor_id, actor_name=actor_name[:200], action=action,
                from_snapshot=from_snapshot, to_snapshot=to_snapshot, detail=detail, at=now))
        await self._write(scope_id, run)

    async def history(self, scope_id: str, limit: int = 20) -> list[AuditRow]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.snapshot_audit).where(s.snapshot_audit.c.scope_id == scope_id)
                                       .order_by(s.snapshot_audit.c.id.desc()).limit(limit))).mappings().all()
        return [AuditRow(r["actor_id"], r["actor_name"], r["action"], r["from_snapshot"], r["to_snapshot"],
                         r["detail"], r["at"]) for r in rows]

    async def scopes_pinned_to(self, snapshot_ids: list[str]) -> list[ScopeRow]:
        async with self.db.connect() as conn:
            ids = (await conn.execute(select(s.scopes.c.id).where(s.scopes.c.pin.in_(snapshot_ids)))).scalars().all()
        return [r for r in [await self.get(i) for i in ids] if r is not None]

    async def set_quota(self, scope_id: str, *, default_tenths: int | None = None, period: str | None = None,
                        now: dt.datetime) -> None:
        values: dict[str, object] = {"updated_at": now}
        if default_tenths is not None:
            values["quota_default_tenths"] = default_tenths
        if period is not None:
            values["quota_period"] = period

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(update(s.scopes).where(s.scopes.c.id == scope_id).values(**values))
        await self._write(scope_id, run)

    async def set_field(self, scope_id: str, now: dt.datetime, **values: object) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(update(s.scopes).where(s.scopes.c.id == scope_id).values(updated_at=now, **values))
        await self._write(scope_id, run)

    async def routing_priorities(self) -> dict[str, str]:
        """Every scope's routing priority that was set ({scope id: "cost" | "stability"})."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.scopes.c.id, s.scopes.c.routing_priority)
                                       .where(s.scopes.c.routing_priority.is_not(None)))).all()
        return {r[0]: r[1] for r in rows}

    async def set_member_allowance(self, scope_id: str, user_id: str, tenths: int | None, *, set_by: str,
                                   now: dt.datetime) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(s.member_allowances).where(s.member_allowances.c.scope_id == scope_id,
                                                                 s.member_allowances.c.user_id == user_id))
            if tenths is not None:
                await conn.execute(s.member_allowances.insert().values(
                    scope_id=scope_id, user_id=user_id, allowance_tenths=tenths, set_by=set_by, at=now))
        await self._write(scope_id, run)

    async def set_role_allowance(self, scope_id: str, role_id: str, tenths: int | None, *, now: dt.datetime) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(s.role_allowances).where(s.role_allowances.c.scope_id == scope_id,
                                                               s.role_allowances.c.role_id == role_id))
            if tenths is not None:
                await conn.execute(s.role_allowances.insert().values(
                    scope_id=scope_id, role_id=role_id, allowance_tenths=tenths, at=now))
        await self._write(scope_id, run)

    async def member_allowance(self, scope_id: str, user_id: str) -> int | None:
        """The member's own allowance, if an admin set one. All of a scope's overrides are read (and
        kept) at once: a burst of members new to the bot costs one read per scope, not one each."""
        overrides = await self._read_through(self._allowances, scope_id, scope_id,
                                             lambda: self.member_overrides(scope_id))
        return overrides.get(user_id)

    async def role_allowances(self, scope_id: str, role_ids: tuple[str, ...]) -> list[int]:
        if not role_ids:
            return []

        async def load() -> list[int]:
            async with self.db.connect() as conn:
                return list((await conn.execute(select(s.role_allowances.c.allowance_tenths).where(
                    s.role_allowances.c.scope_id == scope_id, s.role_allowances.c.role_id.in_(role_ids)))).scalars())
        return list(await self._read_through(self._roles, (scope_id, tuple(sorted(role_ids))), scope_id, load))

    async def member_overrides(self, scope_id: str) -> dict[str, int]:
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.member_allowances.c.user_id, s.member_allowances.c.allowance_tenths)
                                       .where(s.member_allowances.c.scope_id == scope_id))).all()
        return {r[0]: r[1] for r in rows}

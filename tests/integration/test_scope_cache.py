"""The in-memory scope rows and allowances on SQLite: shared reads under a burst, never stale after a write."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import event

from storage.db import Database
from storage.scopes import ScopeRepo

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


async def make(tmp_path: Path) -> tuple[Database, ScopeRepo, list[str]]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    await db.migrate()
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, stmt, *_a: statements.append(stmt.split()[0]))
    return db, ScopeRepo(db), statements


async def pin(repo: ScopeRepo, scope: str, snapshot: str) -> None:
    await repo.change_snapshot(scope, action="pin", actor_id="a", actor_name="a", pin=snapshot, pin_stack=(),
                               canary=None, canary_percent=0, from_snapshot=None, to_snapshot=snapshot,
                               detail="", now=NOW)


async def test_a_burst_in_a_new_server_writes_its_row_once_and_reads_it_once(tmp_path: Path) -> None:
    db, repo, statements = await make(tmp_path)

    async def command() -> object:
        await repo.ensure("s1", platform="discord", kind="server", title="S", now=NOW)
        row = await repo.get("s1")
        return row.id if row else None, await repo.member_allowance("s1", "u")

    assert await asyncio.gather(*(command() for _ in range(10))) == [("s1", None)] * 10
    assert statements.count("INSERT") == 1
    assert statements.count("SELECT") == 2  # the scope's row and its allowance overrides, once each
    await db.dispose()


async def test_reads_in_flight_during_a_write_never_keep_the_old_value(tmp_path: Path) -> None:
    db, repo, _ = await make(tmp_path)
    await repo.ensure("s1", platform="discord", kind="server", title="S", now=NOW)
    await pin(repo, "s1", "sora-2-old")
    assert (await repo.get("s1")).pin == "sora-2-old"  # type: ignore[union-attr]
    assert await repo.member_allowance("s1", "u") is None

    # Readers start, a pin and an allowance change race them, more readers come after.
    racing = [asyncio.ensure_future(repo.get("s1")) for _ in range(5)]
    racing += [asyncio.ensure_future(repo.member_allowance("s1", "u")) for _ in range(5)]
    await asyncio.gather(pin(repo, "s1", "sora-2-new"),
                         repo.set_member_allowance("s1", "u", 40, set_by="a", now=NOW), *racing)
    assert (await repo.get("s1")).pin == "sora-2-new"  # type: ignore[union-attr]
    assert await repo.member_allowance("s1", "u") == 40
    assert await repo.member_allowance("s1", "someone-else") is None
    await db.dispose()


async def test_a_scope_that_already_exists_keeps_its_settings_when_ensured_again(tmp_path: Path) -> None:
    db, repo, _ = await make(tmp_path)
    await repo.ensure("s1", platform="discord", kind="server", title="S", now=NOW)
    await pin(repo, "s1", "sora-2-x")
    fresh = ScopeRepo(db)  # a new process: nothing kept
    await fresh.ensure("s1", platform="discord", kind="server", title="Renamed", now=NOW)
    row = await fresh.get("s1")
    assert row is not None and row.pin == "sora-2-x" and row.title == "S"
    await db.dispose()

"""The database: engine creation, migrations at start-up, and write retries.

SQLite (the default) gets WAL, a busy timeout and a single pooled connection: writes are
serialised in the asyncio pool rather than by SQLite's sleeping busy handler, which is both
faster and fair under many concurrent holds. Another URL (e.g. ``postgresql+asyncpg://``)
gets an ordinary pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

log = logging.getLogger("sorabot.storage")
T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
BATCH = 64  # writes run together in one transaction at most (group commit)
GATE_TIMEOUT = 600.0  # seconds a caller waits for a connection (as SQLite's pool_timeout below)


class Database:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # No rollback when the connection goes back to the pool: every use ends its own transaction
            # (begin() commits or rolls back, connect() rolls back on close), so it would be a wasted
            # round trip to SQLite's thread on every use.
            kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 600, "pool_reset_on_return": None,
                      "connect_args": {"timeout": 30}}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._queue: list[tuple[Callable[[AsyncConnection], Awaitable[Any]], int, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        # Callers wait for a connection here, in plain asyncio, not inside SQLAlchemy's pool: a waiter
        # there holds a greenlet with its saved stack (tens of KB), and with thousands of jobs writing
        # at once (a restart, a burst) that alone took hundreds of MB (benchmark 3).
        slots = 1 if self.is_sqlite else 5 + 10  # SQLAlchemy's default pool: 5 connections, 10 overflow
        self._gate = asyncio.Semaphore(slots)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    async def migrate(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """A turn at a connection, waited for at most as long as the pool itself would wait."""
        async with asyncio.timeout(GATE_TIMEOUT):
            await self._gate.acquire()
        try:
            yield
        finally:
            self._gate.release()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._slot(), self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self._slot(), self.engine.connect() as conn:
            yield conn

    async def write(self, fn: Callable[[AsyncConnection], Awaitable[T]], *, attempts: int = 8) -> T:
        """Run ``fn`` in one transaction, retrying when the database is briefly locked or away.

        A job or a credit must never be lost to a passing lock, so the pipeline writes through here.
        The write is shielded from the caller's cancellation: it completes (or fails) as a whole, and
        :meth:`dispose` waits for writes in flight, so a stopping process never abandons a transaction.

        Group commit: writes that arrive while another is running are run together, in order, in
        the next transaction (one commit for up to :data:`BATCH` of them: 200 members holding credits
        at once, benchmark 4). Each still sees the ones before it; if one of them raises, the
        transaction is rolled back and each of its writes runs again in a transaction of its own, so
        no write's outcome depends on another's failure.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._queue.append((fn, attempts, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain(), name="sorabot-db-writer")
        return await asyncio.shield(done)

    async def _drain(self) -> None:
        batch: list[tuple[Callable[[AsyncConnection], Awaitable[Any]], int, asyncio.Future[Any]]] = []
        try:
            while self._queue:
                batch = self._queue[:BATCH]
                del self._queue[:len(batch)]
                if len(batch) > 1:
                    try:
                        results = await self._write_many([fn for fn, _, _ in batch], max(a for _, a, _ in batch))
                    except OperationalError as exc:  # the database itself refused, after every retry
                        for _, _, done in batch:
                            _settle(done, exception=exc)
                        continue
                    except Exception:  # one write's own failure: each again on its own
                        log.debug("a grouped write failed; running the group's writes one by one", exc_info=True)
                    else:
                        for (_, _, done), result in zip(batch, results, strict=True):
                            _settle(done, result=result)
                        continue
                for fn, attempts, done in batch:
                    try:
                        result = await self._write(fn, attempts)
                    except Exception as exc:
                        _settle(done, exception=exc)
                    else:
                        _settle(done, result=result)
        except asyncio.CancelledError:  # the loop is shutting down: nobody is left to write for
            for _, _, done in [*batch, *self._queue]:
                done.cancel()
            self._queue.clear()
            raise

    async def _write_many(self, fns: list[Callable[[AsyncConnection], Awaitable[Any]]], attempts: int) -> list[Any]:
        async def run(conn: AsyncConnection) -> list[Any]:
            return [await fn(conn) for fn in fns]
        return await self._write(run, attempts)

    async def _write(self, fn: Callable[[AsyncConnection], Awaitable[T]], attempts: int) -> T:
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                async with self._slot(), self.engine.begin() as conn:
                    return await fn(conn)
            except OperationalError as exc:
                if attempt == attempts or not _transient(exc):
                    raise
                log.warning("database busy (%s); retrying in %.2fs", exc.orig, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        if self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer}, timeout=30)
        await self.engine.dispose()


def _settle(done: asyncio.Future[Any], *, result: Any = None, exception: BaseException | None = None) -> None:
    if done.done():
        return
    if exception is not None:
        done.set_exception(exception)
    else:
        done.set_result(result)


def _transient(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(w in text for w in ("locked", "busy", "unable to open", "disk i/o", "connection"))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _upgrade(sync_conn: Any) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, "head")


def _dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT that can say what to do on a conflict (both dialects spell it the same way)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignoring_conflicts(conn: AsyncConnection, table: Any, *index_elements: str) -> Any:
    """An INSERT that does nothing on a unique conflict, in the connection's dialect."""
    return _dialect_insert(conn.dialect.name, table).on_conflict_do_nothing(index_elements=list(index_elements) or None)


def upsert(dialect: str, table: Any, keys: tuple[str, ...], *, values: dict[str, Any],
           set_: dict[str, Any], where: Any = None) -> Any:
    """INSERT ``values``, or on a conflict over ``keys`` UPDATE ``set_`` where ``where`` holds."""
    return _dialect_insert(dialect, table).values(**values).on_conflict_do_update(
        index_elements=list(keys), set_=set_, where=where)

"""The per-scope character library and each character's ids at the providers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import schema as s
from storage.db import Database


@dataclass(frozen=True, slots=True)
class CharacterRow:
    id: str
    scope_id: str
    name: str
    description: str
    owner_id: str
    owner_name: str
    source: str
    source_ref: str
    video_path: str | None
    created_at: dt.datetime
    provider_ids: dict[str, str] = field(default_factory=dict)  # provider name → provider character id


class DuplicateName(Exception):
    pass


class CharacterRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, row: CharacterRow) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(s.characters.insert().values(
                id=row.id, scope_id=row.scope_id, name_key=row.name.lower(), name=row.name,
                description=row.description, owner_id=row.owner_id, owner_name=row.owner_name, source=row.source,
                source_ref=row.source_ref, video_path=row.video_path, created_at=row.created_at))
            for provider, pid in row.provider_ids.items():
                await conn.execute(s.character_provider_ids.insert().values(
                    character_id=row.id, provider=provider, provider_character_id=pid))
        try:
            await self.db.write(run)
        except IntegrityError as exc:
            raise DuplicateName(row.name) from exc

    async def add_provider_id(self, character_id: str, provider: str, provider_character_id: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(s.character_provider_ids).where(
                s.character_provider_ids.c.character_id == character_id,
                s.character_provider_ids.c.provider == provider))
            await conn.execute(s.character_provider_ids.insert().values(
                character_id=character_id, provider=provider, provider_character_id=provider_character_id))
        await self.db.write(run)

    async def _hydrate(self, conn: AsyncConnection, rows: list) -> list[CharacterRow]:  # type: ignore[type-arg]
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        pids = (await conn.execute(select(s.character_provider_ids).where(
            s.character_provider_ids.c.character_id.in_(ids)))).mappings().all()
        by_char: dict[str, dict[str, str]] = {}
        for p in pids:
            by_char.setdefault(p["character_id"], {})[p["provider"]] = p["provider_character_id"]
        return [CharacterRow(id=r["id"], scope_id=r["scope_id"], name=r["name"], description=r["description"],
                             owner_id=r["owner_id"], owner_name=r["owner_name"], source=r["source"],
                             source_ref=r["source_ref"], video_path=r["video_path"], created_at=r["created_at"],
                             provider_ids=by_char.get(r["id"], {})) for r in rows]

    async def get(self, scope_id: str, name: str) -> CharacterRow | None:
        found = await self.get_many(scope_id, [name])
        return found.get(name.lower())

    async def get_many(self, scope_id: str, names: list[str]) -> dict[str, CharacterRow]:
        """Characters of one scope by case-insensitive name → {lower name: row}."""
        keys = sorted({n.lower() for n in names})
        if not keys:
            return {}
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(s.characters).where(
                s.characters.c.scope_id == scope_id, s.characters.c.name_key.in_(keys)))).mappings().all()
            found = await self._hydrate(conn, list(rows))
        return {c.name.lower(): c for c in found}

    async def list(self, scope_id: str, *, prefix: str = "", limit: int = 100) -> list[CharacterRow]:
        stmt = select(s.characters).where(s.characters.c.scope_id == scope_id)
        if prefix:
            stmt = stmt.where(s.characters.c.name_key.startswith(prefix.lower(), autoescape=True))
        async with self.db.connect() as conn:
            rows = (await conn.execute(stmt.order_by(s.characters.c.name_key).limit(limit))).mappings().all()
            return await self._hydrate(conn, list(rows))

    async def names(self, scope_id: str) -> list[str]:
        async with self.db.connect() as conn:
            return list((await conn.execute(select(s.characters.c.name).where(
                s.characters.c.scope_id == scope_id).order_by(s.characters.c.name_key))).scalars())

    async def remove(self, character_id: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(s.character_provider_ids).where(
                s.character_provider_ids.c.character_id == character_id))
            await conn.execute(delete(s.characters).where(s.characters.c.id == character_id))
        await self.db.write(run)

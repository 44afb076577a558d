"""Community characters: ``@name`` parsing and resolution, and the per-scope library.

Names are case-insensitive, 2-32 letters, digits or ``_``. A prompt's mentions are resolved
against the prompt's own scope only, before any credit is held.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import logging
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.context import Authorizer, Context
from bot.errors import UserError
from bot.providers.base import ProviderError
from bot.providers.registry import ProviderRegistry
from storage.characters import CharacterRepo, CharacterRow, DuplicateName

log = logging.getLogger("sorabot.characters")

NAME_RE = re.compile(r"^\w{2,32}$")
# "@name" not preceded by a word character (so e-mail addresses are not mentions).
MENTION_RE = re.compile(r"(?<!\w)@(\w{1,64})")
# Platform-wide pings are never characters; they are left in the prompt as plain text.
RESERVED = frozenset({"everyone", "here", "channel", "all", "admin", "admins"})
DESCRIPTION_MAX = 500


def parse_mentions(prompt: str) -> list[str]:
    """The distinct ``@name`` mentions in a prompt, in order of first appearance (as written)."""
    seen: dict[str, str] = {}
    for m in MENTION_RE.finditer(prompt):
        name = m.group(1)
        if name.lower() in RESERVED:
            continue
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def validate_name(name: str) -> str:
    name = name.strip().lstrip("@")
    if not NAME_RE.fullmatch(name) or name.isdigit():
        raise UserError("character.bad_name", name=name[:40])
    if name.lower() in RESERVED:
        raise UserError("character.reserved_name", name=name)
    return name


@dataclass(frozen=True, slots=True)
class ResolvedCharacter:
    row: CharacterRow
    mention: str  # as written in the prompt


class CharacterService:
    def __init__(self, repo: CharacterRepo, registry: ProviderRegistry, auth: Authorizer, media_dir: Path,
                 clock: Callable[[], dt.datetime], probe: Callable[[Path], object]) -> None:
        self.repo = repo
        self.registry = registry
        self.auth = auth
        self.dir = media_dir / "characters"
        self.clock = clock
        self._probe = probe

    async def resolve(self, ctx: Context, prompt: str) -> list[ResolvedCharacter]:
        mentions = parse_mentions(prompt)
        if not mentions:
            return []
        found = await self.repo.get_many(ctx.scope.id, mentions)
        missing = [m for m in mentions if m.lower() not in found]
        if missing:
            names = await self.repo.names(ctx.scope.id)
            close = difflib.get_close_matches(missing[0], names, n=3, cutoff=0.5) or \
                difflib.get_close_matches(missing[0].lower(), [n.lower() for n in names], n=3, cutoff=0.5)
            raise UserError("character.unknown" if close else "character.unknown_no_close",
                            name=missing[0], close=", ".join("@" + c for c in close))
        return [ResolvedCharacter(found[m.lower()], m) for m in mentions]

    async def add_from_file(self, ctx: Context, name: str, video: Path, description: str = "", *,
                            source: str = "file", source_ref: str = "") -> CharacterRow:
        """Adopt a local video (the adapter's download, a fetched URL, or a job's output) as a character."""
        name = validate_name(name)
        description = description.strip()[:DESCRIPTION_MAX]
        if await self.repo.get(ctx.scope.id, name) is not None:
            raise UserError("character.exists", name=name)
        try:
            await asyncio.to_thread(self._probe, video)
        except Exception as exc:  # media.MediaError and friends: not a video we can use
            log.info("character video rejected: %s", exc)
            raise UserError("character.not_a_video") from None
        char_id = "c" + secrets.token_hex(6)
        self.dir.mkdir(parents=True, exist_ok=True)
        kept = self.dir / f"{char_id}.mp4"
        await asyncio.to_thread(shutil.copyfile, video, kept)
        provider_ids: dict[str, str] = {}
        errors: list[ProviderError] = []
        for handle in self.registry.character_makers():
            try:
                provider_ids[handle.name] = await handle.provider.create_character(name, kept, description)
            except ProviderError as exc:
                log.warning("character %s not created at %s: %s", name, handle.name, exc)
                errors.append(exc)
        if not provider_ids:
            kept.unlink(missing_ok=True)
            reason = errors[0].reason.value if errors else "unavailable"
            raise UserError("character.provider_failed", name=name, reason=reason)
        row = CharacterRow(id=char_id, scope_id=ctx.scope.id, name=name, description=description,
                           owner_id=ctx.actor.id, owner_name=ctx.actor.name, source=source, source_ref=source_ref,
                           video_path=str(kept), created_at=self.clock(), provider_ids=provider_ids)
        try:
            await self.repo.add(row)
        except DuplicateName:
            kept.unlink(missing_ok=True)
            raise UserError("character.exists", name=name) from None
        return row

    async def list(self, ctx: Context, prefix: str = "") -> list[CharacterRow]:
        return await self.repo.list(ctx.scope.id, prefix=prefix.lstrip("@"))

    async def info(self, ctx: Context, name: str) -> CharacterRow:
        row = await self.repo.get(ctx.scope.id, name.strip().lstrip("@"))
        if row is None:
            await self.resolve(ctx, "@" + name.strip().lstrip("@"))  # raises with the closest names
            raise UserError("character.unknown_no_close", name=name)
        return row

    async def remove(self, ctx: Context, name: str) -> CharacterRow:
        row = await self.info(ctx, name)
        if row.owner_id != ctx.actor.id and not self.auth.is_admin(ctx):
            raise UserError("character.not_owner", name=row.name, owner=row.owner_name or row.owner_id)
        await self.repo.remove(row.id)
        if row.video_path:
            Path(row.video_path).unlink(missing_ok=True)
        return row

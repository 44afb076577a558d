"""Community characters: ``@name`` parsing and resolution, and the per-scope library.

Names are case-insensitive, 2-32 letters, digits or ``_``. A prompt's mentions are resolved
against the prompt's own scope only, before any credit is held.

A character is created on every configured provider that can take it, and its id is kept per
provider (a job with that character may then go to any of them):

* OpenAI-shape providers get the video uploaded (``POST /v1/videos/characters``);
* task gateways take a URL they fetch themselves: the member's own https link when the character
  came from one, else ``storage.public_media_url`` + ``/characters/<id>.mp4`` when the operator
  serves the media folder publicly. Without either, an uploaded video cannot reach a gateway, and
  the character is held by the other providers only. Never a platform file URL (Telegram's
  contain the bot token).
* a character from a previous job uses the gateway's own extraction (``POST /sora/characters/
  extract`` with the task id) when the job ran on that gateway — no file needed, so it works
  even after the kept video was cleaned up — and is uploaded to the others from the kept video.
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
from bot.jobs.model import Job, JobState
from bot.providers.base import FailureReason, ProviderError
from bot.providers.registry import ProviderHandle, ProviderRegistry
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
        if name.lower() in RESERVED or name.isdigit():
            continue  # pings, and platform mentions like Discord's <@123>: no character is all digits
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _reason_text(exc: ProviderError) -> str:
    return exc.reason.value.replace("_", " ") if exc.reason != FailureReason.INTERNAL else "error"


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
                 clock: Callable[[], dt.datetime], probe: Callable[[Path], object], *,
                 public_media_url: str | None = None) -> None:
        self.repo = repo
        self.registry = registry
        self.auth = auth
        self.dir = media_dir / "characters"
        self.clock = clock
        self._probe = probe
        self.public_media_url = public_media_url.rstrip("/") if public_media_url else None

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
                            source: str = "file", source_ref: str = "",
                            share_url: str | None = None) -> CharacterRow:
        """Adopt a local video (the adapter's download, a fetched URL, or a job's output) as a
        character. ``share_url``: where a gateway may fetch the same video itself (the member's
        https link; or a platform attachment link that carries no secret)."""
        return await self.add(ctx, name, description, video=video, source=source, source_ref=source_ref,
                              share_url=share_url)

    async def add_from_job(self, ctx: Context, name: str, job: Job, description: str = "") -> CharacterRow:
        """A character from one of this scope's finished jobs: the gateway's extraction when the
        job ran on a gateway, and the kept video uploaded to the providers that take files."""
        video = Path(job.video_path) if job.video_path else None
        if video is not None and not await asyncio.to_thread(video.is_file):
            video = None
        extract: tuple[str, str] | None = None
        handle = self.registry.get(job.provider or "")
        if handle is not None and handle.characters and job.remote_id and \
                callable(getattr(handle.provider, "extract_character", None)):
            extract = (handle.name, job.remote_id)
        if job.state != JobState.DELIVERED or (video is None and extract is None):
            raise UserError("character.job_not_ready", id=job.id)
        return await self.add(ctx, name, description, video=video, source="job", source_ref=job.id,
                              extract=extract)

    async def add(self, ctx: Context, name: str, description: str = "", *, video: Path | None,
                  source: str, source_ref: str = "", share_url: str | None = None,
                  extract: tuple[str, str] | None = None) -> CharacterRow:
        """Create the character on every provider that can take it; saved when at least one did."""
        name = validate_name(name)
        description = description.strip()[:DESCRIPTION_MAX]
        if await self.repo.get(ctx.scope.id, name) is not None:
            raise UserError("character.exists", name=name)
        if video is not None:
            try:
                await asyncio.to_thread(self._probe, video)
            except Exception as exc:  # media.MediaError and friends: not a video we can use
                log.info("character video rejected: %s", exc)
                raise UserError("character.not_a_video") from None
        char_id = "c" + secrets.token_hex(6)
        kept: Path | None = None
        if video is not None:
            self.dir.mkdir(parents=True, exist_ok=True)
            kept = self.dir / f"{char_id}.mp4"
            await asyncio.to_thread(shutil.copyfile, video, kept)
        provider_ids: dict[str, str] = {}
        errors: list[ProviderError] = []
        for handle in self.registry.character_makers():
            if not handle.breaker.in_rotation:
                log.info("character %s: %s is out of rotation; not created there", name, handle.name)
                continue
            try:
                made = await self._create_on(handle, name, description, char_id=char_id, kept=kept,
                                             share_url=share_url, extract=extract)
            except ProviderError as exc:
                handle.breaker.observe(exc)
                log.warning("character %s not created at %s: %s", name, handle.name, exc)
                errors.append(exc)
                continue
            if made is not None:
                handle.breaker.observe(None)
                provider_ids[handle.name] = made
        if not provider_ids:
            if kept is not None:
                kept.unlink(missing_ok=True)
            if not errors:
                raise UserError("character.no_provider", name=name)
            raise UserError("character.provider_failed", name=name, reason=_reason_text(errors[0]))
        row = CharacterRow(id=char_id, scope_id=ctx.scope.id, name=name, description=description,
                           owner_id=ctx.actor.id, owner_name=ctx.actor.name, source=source, source_ref=source_ref,
                           video_path=str(kept) if kept else None, created_at=self.clock(),
                           provider_ids=provider_ids)
        try:
            await self.repo.add(row)
        except DuplicateName:
            if kept is not None:
                kept.unlink(missing_ok=True)
            raise UserError("character.exists", name=name) from None
        return row

    async def _create_on(self, handle: ProviderHandle, name: str, description: str, *, char_id: str,
                         kept: Path | None, share_url: str | None,
                         extract: tuple[str, str] | None) -> str | None:
        """The character's id at one provider, or None when this source cannot reach it."""
        provider = handle.provider
        extractor = getattr(provider, "extract_character", None)
        if extract is not None and extract[0] == handle.name and callable(extractor):
            return str(await extractor(extract[1], name))
        from_url = getattr(provider, "create_character_from_url", None)
        if callable(from_url):  # a task gateway: it fetches the video itself
            url = share_url
            if url is None and kept is not None and self.public_media_url:
                url = f"{self.public_media_url}/characters/{kept.name}"
            if url is None:
                log.info("character %s: no URL %s could fetch (set storage.public_media_url); not created there",
                         name, handle.name)
                return None
            return str(await from_url(name, url, description))
        if kept is None:
            return None
        return await provider.create_character(name, kept, description)

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

"""The Discord outbound port: status edits, the finished video, the upload limit.

Where a job's messages go is in ``job.destination`` (filled by :meth:`DiscordAdapter.context`):
channel, guild, the requester, the interaction's application id and token with the time it was
issued, and the interaction's real upload limit. ``job.status_ref`` is the status message
(the interaction's original response) as ``{"message_id", "channel_id"}``.

An interaction token lives 15 minutes. While it is fresh, status edits go through it (webhook
routes, which need no channel permission and do not count against the bot's own limits); from
``TOKEN_LIFETIME - TOKEN_MARGIN`` on — or as soon as Discord refuses the token — they go through the
bot-token channel routes (``PartialMessage.edit``). The video itself is always posted with the bot
token (``channel.send``) as a reply to the status message: webhooks cannot reply, and a job of any
length must end in the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.i18n import t
from bot.jobs.model import Job
from bot.ports import SAVE_CHARACTER, DeliveryFailed, DeliveryView, StatusView, UploadTooLarge

from .views import buttons_view, view_kwargs

log = logging.getLogger("sorabot.discord")

MESSAGE_MAX = 2000
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
NONE = discord.AllowedMentions.none()
# Discord's refusals of an interaction token: Invalid Webhook Token, Unknown Webhook.
_TOKEN_ERRORS = {50027, 10015}
# Missing Access, Missing Permissions, Cannot send messages to this user.
_PERMISSION_ERRORS = {50001, 50013, 50007}


def clip(text: str, limit: int = MESSAGE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def requester_mentions(user_id: int | None) -> discord.AllowedMentions:
    """Ping the requester and nobody else (not roles, not @everyone, not people named in the prompt)."""
    users: list[discord.abc.Snowflake] = [discord.Object(user_id)] if user_id else []
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DiscordPort:
    platform = "discord"
    min_edit_interval = 5.0  # Discord's edit limits are unpublished: ≥ 5 s apart, only on change
    TOKEN_LIFETIME = 15 * 60.0
    TOKEN_MARGIN = 120.0  # switch to channel routes this long before the token expires

    def __init__(self, client: discord.Client, clock: Callable[[], dt.datetime]) -> None:
        self.client = client
        self.clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._refs: dict[str, dict[str, Any]] = {}  # status messages posted in this process, by job id

    # --- ordering -----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def posting(self, key: str | None) -> AsyncIterator[None]:
        """Held by the command that posts a job's first status, and by every status edit of that
        job: an edit from the pipeline never overtakes (or is overwritten by) the first post."""
        if not key:
            yield
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield

    def status_posted(self, job_id: str, ref: dict[str, Any]) -> None:
        """The adapter posted the job's first status (under :meth:`posting`). An edit that waited for
        that lock may carry a job read before, without the message: this is where it is."""
        self._refs[job_id] = ref

    def _status_ref(self, job: Job) -> dict[str, Any]:
        return self._refs.get(job.id) or job.status_ref or {}

    def _forget(self, key: str | None) -> None:
        if key:
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                self._locks.pop(key, None)

    # --- destination helpers ------------------------------------------------------------------
    def token_usable(self, destination: dict[str, Any]) -> bool:
        token, issued = destination.get("token"), destination.get("token_issued_at")
        if not token or not issued or not destination.get("application_id"):
            return False
        try:
            issued_at = dt.datetime.fromisoformat(str(issued))
        except ValueError:
            return False
        age = (self.clock() - issued_at).total_seconds()
        return age < self.TOKEN_LIFETIME - self.TOKEN_MARGIN

    def _channel(self, destination: dict[str, Any]) -> discord.PartialMessageable:
        channel_id = _int(destination.get("channel_id"))
        if channel_id is None:
            raise DeliveryFailed("no channel recorded for this job", permanent=True)
        guild_id = _int(destination.get("guild_id"))
        kind = discord.ChannelType.text if guild_id else discord.ChannelType.private
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id, type=kind)

    def _webhook(self, destination: dict[str, Any]) -> discord.Webhook:
        return discord.Webhook.partial(int(destination["application_id"]), str(destination["token"]),
                                       client=self.client)

    @staticmethod
    def _requester(job: Job) -> int | None:
        return _int(job.destination.get("user_id")) or _int(job.user_id.rpartition(":")[2])

    def _reference(self, job: Job) -> discord.MessageReference | None:
        ref = self._status_ref(job)
        message_id = _int(ref.get("message_id"))
        channel_id = _int(ref.get("channel_id")) or _int(job.destination.get("channel_id"))
        if message_id is None or channel_id is None:
            return None
        return discord.MessageReference(message_id=message_id, channel_id=channel_id,
                                        guild_id=_int(job.destination.get("guild_id")), fail_if_not_exists=False)

    def _log_forbidden(self, job: Job, what: str, exc: discord.HTTPException) -> None:
        log.warning("job %s: missing permissions to %s in channel %s (guild %s): %s %s", job.id, what,
                    job.destination.get("channel_id"), job.destination.get("guild_id") or "DM", exc.code, exc.text)

    # --- OutboundPort -------------------------------------------------------------------------
    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        dest = job.destination
        key = dest.get("interaction_id")
        try:
            async with self.posting(key):
                new_ref = await self._update_status(job, view)
                if new_ref is not None:
                    self._refs[job.id] = new_ref
                return new_ref
        finally:
            if view.final:
                self._forget(key)
                self._refs.pop(job.id, None)

    async def _update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        dest = job.destination
        ref = self._status_ref(job)
        content = clip(view.text)
        message_id = _int(ref.get("message_id"))
        if message_id is not None and self.token_usable(dest):
            try:
                await self._webhook(dest).edit_message(message_id, content=content, view=buttons_view(view.buttons),
                                                       allowed_mentions=NONE)
                return None
            except discord.HTTPException as exc:
                if exc.code not in _TOKEN_ERRORS and exc.status != 401 and not isinstance(exc, discord.NotFound):
                    raise
                log.info("job %s: interaction token refused (%s %s); using the channel route", job.id, exc.status,
                         exc.code)
        channel = self._channel(dest)
        if message_id is not None:
            try:
                await channel.get_partial_message(message_id).edit(content=content, view=buttons_view(view.buttons),
                                                                   allowed_mentions=NONE)
                return None
            except discord.NotFound:
                log.info("job %s: status message %s is gone; posting a new one", job.id, message_id)
            except discord.Forbidden as exc:
                self._log_forbidden(job, "edit the status message", exc)
                return None
        try:
            msg = await channel.send(content, allowed_mentions=NONE, **view_kwargs(view.buttons))
        except discord.Forbidden as exc:
            self._log_forbidden(job, "post the status message", exc)
            return None
        return {"message_id": str(msg.id), "channel_id": str(msg.channel.id)}

    def upload_limit(self, job: Job) -> int | None:
        limit = _int(job.destination.get("upload_limit"))
        if limit:
            return limit
        guild_id = _int(job.destination.get("guild_id"))
        guild = self.client.get_guild(guild_id) if guild_id else None
        return guild.filesize_limit if guild is not None else DEFAULT_UPLOAD_LIMIT

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        user_id = self._requester(job)
        content = clip(f"<@{user_id}>\n{view.caption}" if user_id else view.caption)
        return await self._post(job, video, f"sorabot-{job.id}.mp4", content, buttons_view(view.buttons),
                                requester_mentions(user_id), what="post the video")

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        user_id = self._requester(job)
        limit = self.upload_limit(job) or DEFAULT_UPLOAD_LIMIT
        note = t(job.locale, "discord.thumbnail_only", limit_mb=f"{limit / 1_048_576:.0f}")
        head = f"<@{user_id}> " if user_id else ""
        content = clip(f"{head}{note}\n{view.caption}")
        buttons = [b for b in view.buttons if b.action != SAVE_CHARACTER]  # there is no delivered video to save
        return await self._post(job, thumbnail, f"sorabot-{job.id}.jpg", content, buttons_view(buttons),
                                requester_mentions(user_id), what="post the thumbnail", nonce=f"{job.id}t")

    async def _post(self, job: Job, path: Path, filename: str, content: str, view: discord.ui.View | None,
                    mentions: discord.AllowedMentions, *, what: str, nonce: str | None = None) -> dict[str, Any]:
        channel = self._channel(job.destination)
        size = path.stat().st_size
        file = discord.File(path, filename=filename)
        kwargs: dict[str, Any] = {"file": file, "allowed_mentions": mentions, "nonce": nonce or job.id}
        reference = self._reference(job)
        if reference is not None:
            kwargs["reference"] = reference
        if view is not None:
            kwargs["view"] = view
        try:
            msg = await channel.send(content, **kwargs)
        except discord.HTTPException as exc:
            if exc.status == 413 or exc.code == 40005:
                # Discord accepts less than ``size``: the limit we know of if it is below, else an
                # estimate under what was refused (the core re-encodes to it and tries again).
                known = self._known_limit(job)
                accepted = known if known is not None and known < size else size * 3 // 4
                log.info("job %s: Discord refused %d bytes as too large (known limit %s); fitting to %d", job.id,
                         size, known, accepted)
                raise UploadTooLarge(accepted) from exc
            if isinstance(exc, discord.Forbidden) or exc.code in _PERMISSION_ERRORS:
                self._log_forbidden(job, what, exc)
                raise DeliveryFailed(f"missing permissions in channel {job.destination.get('channel_id')} "
                                     f"({exc.code})", permanent=True) from exc
            if isinstance(exc, discord.NotFound):
                raise DeliveryFailed(f"channel {job.destination.get('channel_id')} not found ({exc.code})",
                                     permanent=True) from exc
            # 5xx after discord.py's own retries is worth another try; a 4xx will not change.
            raise DeliveryFailed(f"Discord answered {exc.status} ({exc.code}): {exc.text[:200]}",
                                 permanent=exc.status < 500) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"network error while uploading: {exc!r}", permanent=False) from exc
        finally:
            file.close()
        ref: dict[str, Any] = {"message_id": str(msg.id), "channel_id": str(msg.channel.id)}
        if msg.attachments:
            ref["attachment_url"] = msg.attachments[0].url
        return ref

    def _known_limit(self, job: Job) -> int | None:
        """The smallest limit we know of (the interaction's, the cached guild's boost tier)."""
        guild_id = _int(job.destination.get("guild_id"))
        guild = self.client.get_guild(guild_id) if guild_id else None
        known = [x for x in (_int(job.destination.get("upload_limit")),
                             guild.filesize_limit if guild is not None else None) if x]
        return min(known) if known else None

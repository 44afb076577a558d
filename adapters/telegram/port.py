"""The Telegram outbound port: the job's status message, the finished video, the upload limit.

``job.destination`` (set by the handlers) is ``{"chat_id", "reply_to", "thread_id"}``;
``job.status_ref`` is ``{"chat_id", "message_id"}`` of the status message; the result ref adds
the sent video's ``file_id`` so it can be re-sent without another upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from adapters.telegram.render import MAX_TEXT, cut_units, fit_caption, keyboard
from bot.jobs.model import Job
from bot.ports import DeliveryFailed, DeliveryView, StatusView, UploadTooLarge

log = logging.getLogger("sorabot.telegram.port")

MB = 1024 * 1024
CLOUD_UPLOAD_LIMIT = 50 * MB  # multipart upload to api.telegram.org
LOCAL_UPLOAD_LIMIT = 2000 * MB  # a local Bot API server
CHAT_ACTION_EVERY = 4.0  # seconds; an action shows for 5 s
THUMB_MAX_BYTES = 200 * 1024  # Telegram ignores (or refuses) larger thumbnails
STATUS_WAIT = 15.0  # seconds to wait for the handler to post a job's first status message
REFUSED_SHRINK = 0.85  # after a "too large" refusal, fit the video under this share of the refused size
DELIVERED_MEMORY = 2000  # recent deliveries remembered, so that a repeat for the same job never posts twice
UPLOAD_WRITE_TIMEOUT = 600.0
UPLOAD_READ_TIMEOUT = 120.0


def status_ref(message: Message) -> dict[str, Any]:
    return {"chat_id": message.chat_id, "message_id": message.message_id}


def _too_large(exc: TelegramError) -> bool:
    text = str(exc).lower()
    return "request entity too large" in text or "(413)" in text or "file is too big" in text \
        or "too big" in text


def _message_gone(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return "message to edit not found" in text or "message can't be edited" in text \
        or "there is no text in the message" in text


@contextlib.asynccontextmanager
async def _streamed(path: Path, filename: str) -> AsyncIterator[tuple[InputFile, int]]:
    """An ``InputFile`` that hands the open file to the request backend instead of its bytes.

    PTB's default (``read_file_handle=True``, or ``bytes``) holds the whole video in memory for
    the whole send, once per concurrent delivery (20 x 40 MB uploads grew RSS by ~570 MB). With
    ``read_file_handle=False`` httpx's multipart encoder reads the handle in 64 KB chunks while
    sending, gives Content-Length from ``fstat`` and seeks back to 0 each time it renders the
    body, so a resend of the same ``InputFile`` (AIORateLimiter's retry after a 429, our resend
    after ``ChatMigrated``) uploads the whole file again. The handle must stay open until every
    send is over, hence a context manager; the size is that of the open file. httpx reads the
    handle synchronously on the event loop (its multipart encoder takes no async file): 64 KB reads
    of a local file, short enough not to hold up the loop.
    """
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        size = os.fstat(handle.fileno()).st_size
        yield InputFile(handle, filename=filename, read_file_handle=False), size
    finally:
        handle.close()


class TelegramPort:
    platform = "telegram"
    min_edit_interval = 3.0

    def __init__(self, bot: Bot, *, local_bot_api: bool = False, upload_limit: int | None = None,
                 chat_action_every: float = CHAT_ACTION_EVERY) -> None:
        self.bot = bot
        self.local_bot_api = local_bot_api
        self.limit = upload_limit or (LOCAL_UPLOAD_LIMIT if local_bot_api else CLOUD_UPLOAD_LIMIT)
        self.chat_action_every = chat_action_every
        self._posting: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._delivered: OrderedDict[str, dict[str, Any]] = OrderedDict()  # job id → result ref (recent jobs)
        self._edits: dict[str, tuple[dict[str, Any], str, InlineKeyboardMarkup | None]] = {}  # latest pending edit
        self._editors: dict[str, asyncio.Task[None]] = {}  # job id → its background editor
        self._final: set[str] = set()  # jobs whose final edit is being sent: background edits stop

    # --- the handlers post a job's first status message (the command reply) -----------------
    def expect_status(self, job_id: str) -> None:
        """Called synchronously as soon as a command returned a job, before the reply is posted:
        a status update racing ahead of that post waits for it instead of posting a second message."""
        if job_id not in self._posting:
            self._posting[job_id] = asyncio.get_running_loop().create_future()

    def status_posted(self, job_id: str, ref: dict[str, Any] | None) -> None:
        future = self._posting.pop(job_id, None)
        if future is not None and not future.done():
            future.set_result(ref)

    async def _await_post(self, job_id: str) -> dict[str, Any] | None:
        future = self._posting.get(job_id)
        if future is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(future), STATUS_WAIT)
        except TimeoutError:
            log.warning("job %s: no status message posted in time; posting one", job_id)
            return None

    # --- OutboundPort -----------------------------------------------------------------------
    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        """Progress edits are coalesced and sent in the background (the job never waits for flood
        control on a cosmetic edit; only the latest pending text goes out); the final edit is sent
        in order, after any edit in flight, and posts a new message if the old one is gone."""
        ref = job.status_ref or await self._await_post(job.id)
        text = cut_units(view.text, MAX_TEXT)
        markup = keyboard(view.buttons)
        if ref and not view.final:
            self._edits[job.id] = (ref, text, markup)
            if job.id not in self._editors:
                self._editors[job.id] = asyncio.create_task(self._edit_in_background(job.id),
                                                            name=f"tg-status-{job.id}")
            return None
        if ref:
            self._edits.pop(job.id, None)
            editor = self._editors.get(job.id)
            if editor is not None:
                self._final.add(job.id)
                try:
                    await asyncio.gather(editor, return_exceptions=True)  # lets an edit in flight land first
                finally:
                    self._final.discard(job.id)
            if await self._edit(job.id, ref, text, markup):
                return None
        dest = job.destination
        sent = await self.bot.send_message(dest["chat_id"], text, reply_markup=markup,
                                           reply_parameters=self._reply_to(dest),
                                           message_thread_id=self._thread(dest))
        return status_ref(sent)

    async def _edit(self, job_id: str, ref: dict[str, Any], text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Edit the status message; False when it is gone (deleted, or no longer editable)."""
        try:
            await self.bot.edit_message_text(text, chat_id=ref["chat_id"], message_id=ref["message_id"],
                                             reply_markup=markup)
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            if not _message_gone(exc):
                raise
            log.info("job %s: status message gone (%s)", job_id, exc)
            return False
        return True

    async def _edit_in_background(self, job_id: str) -> None:
        try:
            while job_id not in self._final and (item := self._edits.pop(job_id, None)) is not None:
                try:
                    await self._edit(job_id, *item)  # a gone message is replaced by the final update
                except TelegramError as exc:
                    log.warning("job %s: status edit failed: %s", job_id, exc)
        finally:
            self._editors.pop(job_id, None)

    async def close(self) -> None:
        """Stop background edits (the adapter is stopping; the job's state is the core's)."""
        tasks = list(self._editors.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._editors.clear()
        self._edits.clear()

    def upload_limit(self, job: Job) -> int | None:
        return self.limit

    async def deliver_video(self, job: Job, video: Path, thumbnail: Path | None,
                            view: DeliveryView) -> dict[str, Any]:
        done = self._delivered.get(job.id)
        if done is not None:  # a repeat for the same job in this process: never post twice
            return done
        dest = job.destination
        caption = fit_caption(view.caption)
        markup = keyboard(view.buttons)
        async with contextlib.AsyncExitStack() as stack:
            media: Path | InputFile
            if self.local_bot_api:
                media = video  # sent as a file:// reference: the local server reads it, no upload limit of 50 MB
                size = (await asyncio.to_thread(video.stat)).st_size
            else:
                media, size = await stack.enter_async_context(_streamed(video, f"{job.id}.mp4"))
            thumb = await self._thumbnail(thumbnail)
            chat_id = dest["chat_id"]
            async with self._uploading(chat_id):
                try:
                    message = await self._send_video(chat_id, media, size, caption, markup, thumb, dest, job)
                except ChatMigrated as exc:  # the group became a supergroup
                    chat_id = exc.new_chat_id
                    message = await self._send_video(chat_id, media, size, caption, markup, thumb,
                                                     {**dest, "reply_to": None}, job)
        ref: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id}
        if message.video is not None:
            ref.update(file_id=message.video.file_id, file_unique_id=message.video.file_unique_id)
        self._delivered[job.id] = ref
        while len(self._delivered) > DELIVERED_MEMORY:
            self._delivered.popitem(last=False)
        return ref

    async def _send_video(self, chat_id: int, media: Path | InputFile, size: int, caption: str, markup: Any,
                          thumb: InputFile | None, dest: dict[str, Any], job: Job) -> Message:
        try:
            return await self.bot.send_video(
                chat_id, media, caption=caption, supports_streaming=True, reply_markup=markup, thumbnail=thumb,
                reply_parameters=self._reply_to(dest), message_thread_id=self._thread(dest),
                write_timeout=UPLOAD_WRITE_TIMEOUT, read_timeout=UPLOAD_READ_TIMEOUT)
        except ChatMigrated:
            raise
        except TelegramError as exc:
            raise self._delivery_error(job, exc, size) from exc

    def _delivery_error(self, job: Job, exc: TelegramError, size: int | None = None) -> Exception:
        if _too_large(exc):
            # The server's real limit is below what we sent (a proxy or a local server may set a lower one
            # than ours): ask the core to fit the video well under the refused size.
            log.info("job %s: Telegram refused %s bytes as too large: %s", job.id, size, exc)
            return UploadTooLarge(int(size * REFUSED_SHRINK) if size else None)
        if isinstance(exc, Forbidden):
            return DeliveryFailed(f"Telegram refused: {exc}", permanent=True)  # blocked, kicked, no rights
        if isinstance(exc, BadRequest):
            return DeliveryFailed(f"Telegram refused: {exc}", permanent=True)
        if isinstance(exc, RetryAfter | TimedOut | NetworkError):
            return DeliveryFailed(f"Telegram unavailable: {exc}", permanent=False)
        return DeliveryFailed(f"Telegram error: {exc}", permanent=False)

    async def deliver_thumbnail(self, job: Job, thumbnail: Path, view: DeliveryView) -> dict[str, Any]:
        dest = job.destination
        async with _streamed(thumbnail, f"{job.id}.jpg") as (photo, _size):
            try:
                message = await self.bot.send_photo(
                    dest["chat_id"], photo, caption=fit_caption(view.caption), reply_parameters=self._reply_to(dest),
                    message_thread_id=self._thread(dest))
            except TelegramError as exc:
                raise self._delivery_error(job, exc) from exc
        return {"chat_id": message.chat_id, "message_id": message.message_id}

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _reply_to(dest: dict[str, Any]) -> ReplyParameters | None:
        reply_to = dest.get("reply_to")
        if not reply_to:
            return None
        return ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True)

    @staticmethod
    def _thread(dest: dict[str, Any]) -> int | None:
        thread = dest.get("thread_id")
        return int(thread) if thread else None

    async def _thumbnail(self, thumbnail: Path | None) -> InputFile | None:
        if thumbnail is None:
            return None
        try:
            data = await asyncio.to_thread(thumbnail.read_bytes)
        except OSError:
            return None
        if not data or len(data) > THUMB_MAX_BYTES:
            return None
        return InputFile(data, filename="thumb.jpg")

    @contextlib.asynccontextmanager
    async def _uploading(self, chat_id: int) -> AsyncIterator[None]:
        """``upload_video`` shown to the chat, repeated every few seconds until the upload ends."""
        with contextlib.suppress(TimeoutError):  # shown before the upload starts, then renewed while it runs
            await asyncio.wait_for(self._chat_action(chat_id), 3.0)
        task = asyncio.create_task(self._renew_chat_action(chat_id), name=f"tg-upload-action-{chat_id}")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _renew_chat_action(self, chat_id: int) -> None:
        while True:
            await asyncio.sleep(self.chat_action_every)
            await self._chat_action(chat_id)

    async def _chat_action(self, chat_id: int) -> None:
        try:
            await self.bot.send_chat_action(chat_id, ChatAction.UPLOAD_VIDEO)
        except TelegramError as exc:  # cosmetic: never let it disturb the upload
            log.debug("send_chat_action failed: %s", exc)

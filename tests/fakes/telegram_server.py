"""A fake Telegram Bot API server (aiohttp, loopback only) for end-to-end tests.

The real ``python-telegram-bot`` ``Application`` runs against it unchanged::

    fake = FakeTelegram()
    await fake.start()
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )

What it models (the parts sorabot relies on):

* ``/bot<token>/<method>`` with GET query, url-encoded form, multipart form (PTB's way: every
  non-string field is JSON-encoded, files are parts, ``attach://name`` references) or JSON bodies.
  Responses are ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``.
* ``/file/bot<token>/<file_path>`` serves the bytes of files known to the fake.
* getUpdates long polling with offset confirmation, ``allowed_updates`` and the 409 conflicts of a
  second poller / an active webhook.
* Messages per chat with incrementing ids, edits ("message is not modified"), deletes, replies
  ("message to be replied not found"), inline keyboards (callback_data <= 64 bytes), HTML and
  MarkdownV2 parsing ("can't parse entities") and text/caption length limits.
* File limits: 50 MB multipart upload (413 "Request Entity Too Large"), 20 MB by URL, 20 MB for
  getFile ("Bad Request: file is too big"); ``local_mode=True`` raises them to 2000 MB, accepts
  ``file://`` uploads and answers getFile with an absolute local path (as ``--local`` does).
* Faults: :meth:`FakeTelegram.inject_429`, :meth:`FakeTelegram.inject_error`,
  :meth:`FakeTelegram.go_down`, :meth:`FakeTelegram.set_delay`.
* Users acting: :meth:`FakeTelegram.send_text`, :meth:`FakeTelegram.send_video`,
  :meth:`FakeTelegram.send_document`, :meth:`FakeTelegram.press_button`,
  :meth:`FakeTelegram.send_anonymous_admin_text`.

Every request is recorded in :attr:`FakeTelegram.requests` (see :class:`RecordedRequest`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import shutil
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "CLOUD_DOWNLOAD_LIMIT",
    "CLOUD_UPLOAD_LIMIT",
    "GROUP_ANONYMOUS_BOT_ID",
    "LOCAL_MODE_LIMIT",
    "MB",
    "URL_UPLOAD_LIMIT",
    "ApiError",
    "FakeTelegram",
    "RecordedRequest",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "utf16_len",
]

T = TypeVar("T")
JSON = dict[str, Any]

MB = 1024 * 1024
CLOUD_UPLOAD_LIMIT = 50 * MB  # multipart upload to api.telegram.org
URL_UPLOAD_LIMIT = 20 * MB  # Telegram fetching a file from an HTTP URL
CLOUD_DOWNLOAD_LIMIT = 20 * MB  # getFile
LOCAL_MODE_LIMIT = 2000 * MB  # a local Bot API server (--local)

GROUP_ANONYMOUS_BOT_ID = 1087968824
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

CONFLICT_OTHER_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)

# Parameters that are strings in the Bot API and must never be JSON-decoded (PTB sends str as is).
_STRING_PARAMS = frozenset(
    {
        "action",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "cover",
        "custom_title",
        "description",
        "document",
        "emoji",
        "file_id",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "name",
        "parse_mode",
        "photo",
        "query",
        "secret_token",
        "short_description",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)
# Parameters that are JSON-serialized objects/arrays.
_JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "permissions",
        "reply_markup",
        "reply_parameters",
        "rights",
        "scope",
    }
)
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})

_METHODS = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "sendVideo",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "getChat",
    "getChatMember",
    "getChatAdministrators",
    "getChatMemberCount",
    "answerCallbackQuery",
    "getFile",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "pinChatMessage",
    "unpinChatMessage",
    "leaveChat",
)
_CANONICAL = {name.lower(): name for name in _METHODS}


class ApiError(Exception):
    """A Bot API error answer: raised inside method handlers, also usable by tests."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _ServerDown(Exception):
    """Raised inside request handling while :meth:`FakeTelegram.go_down` is in effect."""


@dataclass
class UploadedFile:
    """One multipart file part of a request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes
    size: int  # may exceed len(data) when the part was over the limit and not stored

    @property
    def truncated(self) -> bool:
        return self.size != len(self.data)


@dataclass
class RecordedRequest:
    """One HTTP request the fake received.

    ``params`` are decoded: JSON fields such as ``reply_markup``, ``reply_parameters``,
    ``entities``, ``commands`` and ``scope`` are parsed, numbers/booleans are converted, and
    string fields (``text``, ``caption``, ``video`` given as a file_id/URL, ...) stay strings.
    A file uploaded by multipart is NOT in ``params``; it is in ``files`` under the part name
    (``video``, or ``attached...`` for ``attach://`` references such as a thumbnail).
    """

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float  # time.monotonic() when the request arrived
    http_method: str = "POST"
    status: int = 0  # HTTP status answered (0 while pending or when the connection was dropped)
    response: JSON | None = None
    finished: float | None = None  # time.monotonic() when answered

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def error(self) -> str | None:
        if self.response is None or self.response.get("ok", True):
            return None
        return str(self.response.get("description"))

    def file(self, param: str) -> UploadedFile | None:
        """The uploaded file for ``param``, following an ``attach://`` reference if needed."""
        value = self.params.get(param)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return self.files.get(param)


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    kind: str  # video, document, photo, thumbnail
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredMessage:
    """A message in a chat, as the Bot API would return it (``data``) plus bookkeeping."""

    chat_id: int
    message_id: int
    data: JSON
    from_bot: bool
    parse_mode: str | None = None
    raw_text: str | None = None  # text/caption exactly as the bot sent it (before parsing)
    deleted: bool = False
    history: list[JSON] = field(default_factory=list)  # earlier versions, oldest first

    @property
    def text(self) -> str | None:
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def entities(self) -> list[JSON]:
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def reply_markup(self) -> JSON | None:
        return self.data.get("reply_markup")

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self.data.get("reply_to_message")
        return None if reply is None else int(reply["message_id"])

    @property
    def video(self) -> JSON | None:
        return self.data.get("video")

    @property
    def document(self) -> JSON | None:
        return self.data.get("document")

    @property
    def photo(self) -> list[JSON] | None:
        return self.data.get("photo")

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def buttons(self) -> list[JSON]:
        """All inline keyboard buttons, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class _Fault:
    method: str | None  # None: any method except getUpdates
    code: int
    description: str
    parameters: JSON | None
    remaining: int


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


class FakeTelegram:
    """A fake Bot API server. See the module docstring."""

    def __init__(
        self,
        *,
        token: str = "123:ABC",
        bot_username: str = "sorabot_test",
        bot_first_name: str = "Sorabot Test",
        local_mode: bool = False,
        upload_limit: int | None = None,
        download_limit: int | None = None,
        url_upload_limit: int | None = None,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.local_mode = local_mode
        self.upload_limit = upload_limit or (LOCAL_MODE_LIMIT if local_mode else CLOUD_UPLOAD_LIMIT)
        self.download_limit = download_limit or (LOCAL_MODE_LIMIT if local_mode else CLOUD_DOWNLOAD_LIMIT)
        self.url_upload_limit = url_upload_limit or (LOCAL_MODE_LIMIT if local_mode else URL_UPLOAD_LIMIT)
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.anonymous_admin_user: JSON = {
            "id": GROUP_ANONYMOUS_BOT_ID,
            "is_bot": True,
            "first_name": "Group",
            "username": "GroupAnonymousBot",
        }

        # Observable state
        self.requests: list[RecordedRequest] = []
        self.users: dict[int, JSON] = {self.bot_id: self.bot_user}
        self.chats: dict[int, JSON] = {}
        self.members: dict[int, dict[int, JSON]] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}
        self.callback_queries: dict[str, JSON] = {}  # id -> {"update": ..., "answer": params | None}
        self.chat_actions: list[tuple[float, int, str]] = []  # (monotonic time, chat_id, action)
        self.webhook_url: str = ""
        self.webhook_params: JSON = {}
        self.blocked_by: set[int] = set()  # user ids that blocked the bot
        self.url_contents: dict[str, bytes] = {}  # URL -> bytes, for sendVideo/Document by URL

        # Internals
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(10_000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self._down_until = 0.0
        self._down_refuse = False
        self._poll_generation = 0
        self._updates_event = asyncio.Event()
        self._changed_event = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._port = 0
        self._up_task: asyncio.Task[None] | None = None
        self._local_dir: Path | None = None  # local_mode: where getFile puts the files it serves

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    @property
    def api_url(self) -> str:
        """Full method URL prefix, for raw HTTP clients: ``f"{fake.api_url}/getMe"``."""
        return f"{self.base_url}{self.token}"

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_route)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await self._bind()

    async def stop(self) -> None:
        self._stopping = True
        self._wake_pollers()
        if self._up_task is not None:
            self._up_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._up_task
            self._up_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
        if self._local_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._local_dir, True)
            self._local_dir = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _bind(self) -> None:
        assert self._runner is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        self._port = sock.getsockname()[1]
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()

    # ------------------------------------------------------------------ observation

    def calls(self, method: str, *, ok: bool | None = None) -> list[RecordedRequest]:
        """Recorded requests of ``method`` (any case), optionally only (un)successful ones."""
        name = _CANONICAL.get(method.lower(), method)
        return [r for r in self.requests if r.method == name and (ok is None or r.ok == ok)]

    def last_call(self, method: str) -> RecordedRequest:
        calls = self.calls(method)
        if not calls:
            raise AssertionError(f"no {method} request recorded; got {self.method_log()}")
        return calls[-1]

    def method_log(self) -> list[str]:
        """``["getMe:200", "sendMessage:429", ...]``, handy in assertion messages."""
        return [f"{r.method}:{r.status}" for r in self.requests]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy (re-checked on every request/update); return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed_event
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s; requests so far: {self.method_log()}")
            # Also re-check periodically: the predicate may depend on state outside the fake.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        ok: bool | None = True,
    ) -> RecordedRequest:
        """Wait for a finished request of ``method`` (successful by default) matching ``predicate``."""

        def find() -> RecordedRequest | None:
            for request in self.calls(method, ok=ok):
                if request.finished is not None and (predicate is None or predicate(request)):
                    return request
            return None

        return await self.wait_for(find, timeout)

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self.messages[(chat_id, message_id)]

    def messages_in(self, chat_id: int, *, from_bot: bool | None = None) -> list[StoredMessage]:
        """Messages of a chat in id order (deleted ones included; check ``.deleted``)."""
        found = [m for (cid, _), m in self.messages.items() if cid == chat_id]
        if from_bot is not None:
            found = [m for m in found if m.from_bot == from_bot]
        return sorted(found, key=lambda m: m.message_id)

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self.messages_in(chat_id, from_bot=True) if not m.deleted]

    def my_commands(
        self,
        scope: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "",
    ) -> list[JSON] | None:
        """Commands set by setMyCommands for a scope (``None`` if never set)."""
        return self.commands.get((scope, chat_id, user_id, language_code))

    def callback_answer(self, query_id: str) -> JSON | None:
        """The answerCallbackQuery params for ``query_id``, or ``None`` if not answered."""
        return self.callback_queries[query_id]["answer"]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by an offset."""
        return list(self._updates)

    # ------------------------------------------------------------------ faults

    def inject_429(self, method: str | None, retry_after: int = 1, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` (``None``: any but getUpdates) answer 429."""
        self.inject_error(
            method,
            429,
            f"Too Many Requests: retry after {retry_after}",
            count,
            parameters={"retry_after": retry_after},
        )

    def inject_error(
        self,
        method: str | None,
        code: int,
        description: str,
        count: int = 1,
        *,
        parameters: JSON | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` answer ``{"ok": false, "error_code": code, ...}``."""
        name = None if method is None else _CANONICAL.get(method.lower(), method)
        self._faults.append(_Fault(name, code, description, parameters, count))

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_delay(self, method: str, seconds: float) -> None:
        """Answer ``method`` only after ``seconds`` (e.g. a slow sendVideo upload)."""
        self._delays[_CANONICAL.get(method.lower(), method)] = seconds

    async def go_down(self, seconds: float, *, refuse: bool = False) -> None:
        """Make the whole server unavailable for ``seconds``.

        Default: every request (getUpdates and file downloads included) answers HTTP 502 with an
        nginx HTML page, as Telegram does during outages (PTB raises ``NetworkError``).
        ``refuse=True``: the listening socket is closed and open connections are dropped, so
        clients get "connection refused" (PTB: ``NetworkError: httpx.ConnectError``); the port is
        re-bound after ``seconds``.
        """
        loop = asyncio.get_running_loop()
        self._down_until = loop.time() + seconds
        self._down_refuse = refuse
        self._wake_pollers()
        if refuse and self._site is not None:
            await self._site.stop()
            self._site = None
            assert self._runner is not None and self._runner.server is not None
            for connection in self._runner.server.connections:
                connection.force_close()
            self._up_task = asyncio.create_task(self._come_up_later(seconds))

    async def _come_up_later(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._bind()
        self._up_task = None

    def _is_down(self) -> bool:
        return asyncio.get_running_loop().time() < self._down_until

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocked the bot: sends to their private chat answer 403."""
        if blocked:
            self.blocked_by.add(user_id)
        else:
            self.blocked_by.discard(user_id)

    def serve_url(self, url: str, data: bytes) -> None:
        """Content Telegram will "download" when the bot sends a file by this URL."""
        self.url_contents[url] = data

    # ------------------------------------------------------------------ users, chats, members

    def user(
        self,
        id: int,
        first_name: str = "User",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
        is_bot: bool = False,
    ) -> JSON:
        """Register (or replace) a user; returns the User object."""
        user: JSON = {"id": id, "is_bot": is_bot, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[id] = user
        return user

    def private(self, user: JSON | int) -> JSON:
        """The private chat of ``user`` with the bot (registered; the user "started" the bot)."""
        user = self._user(user)
        chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        self.chats[chat["id"]] = chat
        members = self.members.setdefault(chat["id"], {})
        members.setdefault(user["id"], {"status": "member"})
        members.setdefault(self.bot_id, {"status": "member"})
        return chat

    def group(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        kind: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSON:
        """Register a group chat. ``kind`` defaults to supergroup for -100... ids, else group."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if kind is None:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        if kind not in {"group", "supergroup", "channel"}:
            raise ValueError(f"bad chat kind {kind!r}")
        chat: JSON = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
        if is_forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        self.members.setdefault(chat_id, {}).setdefault(self.bot_id, {"status": "member"})
        return chat

    def set_member_status(self, chat_id: int, user_id: int, status: str, **fields: Any) -> None:
        """Set what getChatMember answers: creator/administrator/member/restricted/left/kicked.

        ``fields`` override the defaults of the ChatMember object (e.g. ``can_delete_messages``).
        Setting the bot itself to left/kicked makes sends to the chat answer 403.
        """
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if user_id not in self.users:
            self.user(user_id, f"User{user_id}")
        self.members.setdefault(chat_id, {})[user_id] = {"status": status, **fields}

    def member_status(self, chat_id: int, user_id: int) -> str:
        return str(self.members.get(chat_id, {}).get(user_id, {"status": "left"})["status"])

    def _user(self, user: JSON | int) -> JSON:
        if isinstance(user, int):
            if user not in self.users:
                raise KeyError(f"unknown user {user}; register it with fake.user(...)")
            return self.users[user]
        self.users.setdefault(user["id"], user)
        return self.users[user["id"]]

    def _chat(self, chat: JSON | int) -> JSON:
        if isinstance(chat, int):
            if chat in self.chats:
                return self.chats[chat]
            if chat > 0 and chat in self.users:
                return self.private(chat)
            raise KeyError(f"unknown chat {chat}; register it with fake.group(...) or fake.private(...)")
        self.chats.setdefault(chat["id"], chat)
        return self.chats[chat["id"]]

    def _member_json(self, chat_id: int, user_id: int) -> JSON:
        user = self.users[user_id]
        entry = dict(self.members.get(chat_id, {}).get(user_id, {"status": "left"}))
        status = entry.pop("status")
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member.update(is_anonymous=False)
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        elif status == "restricted":
            member.update(
                is_member=True,
                can_send_messages=False,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_manage_topics=False,
                can_edit_tag=False,
                until_date=0,
            )
        elif status == "kicked":
            member.update(until_date=0)
        member.update(entry)
        return member

    # ------------------------------------------------------------------ users acting (updates)

    def enqueue_update(self, update: JSON) -> JSON:
        """Queue a raw update (``update_id`` is assigned); returns it."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._wake_pollers()
        return update

    def send_text(
        self,
        chat: JSON | int,
        user: JSON | int | None,
        text: str,
        *,
        reply_to: int | JSON | StoredMessage | None = None,
        anonymous_admin: bool = False,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user writes ``text``; returns the Message. ``/cmd`` and ``/cmd@bot`` get
        ``bot_command`` entities, ``@name`` gets ``mention`` (offsets in UTF-16 units)."""
        content: JSON = {"text": text}
        ents = entities if entities is not None else _auto_entities(text)
        if ents:
            content["entities"] = ents
        message = self._user_message(chat, user, content, reply_to=reply_to, anonymous_admin=anonymous_admin)
        self.enqueue_update({"message": message})
        return message

    def send_anonymous_admin_text(
        self, chat: JSON | int, text: str, *, reply_to: int | JSON | StoredMessage | None = None
    ) -> JSON:
        """An anonymous group admin writes: ``sender_chat`` is the group, ``from`` is
        GroupAnonymousBot (id 1087968824)."""
        return self.send_text(chat, None, text, reply_to=reply_to, anonymous_admin=True)

    def send_video(
        self,
        chat: JSON | int,
        user: JSON | int | None,
        *,
        data: bytes,
        caption: str | None = None,
        reply_to: int | JSON | StoredMessage | None = None,
        duration: int | None = None,
        width: int | None = None,
        height: int | None = None,
        mime_type: str = "video/mp4",
        file_name: str | None = "video.mp4",
        anonymous_admin: bool = False,
    ) -> JSON:
        """A user sends a video; its bytes are served by getFile + the file route."""
        probe = _probe_mp4(data)
        stored = self._store_file(
            "video",
            data,
            mime_type=mime_type,
            file_name=file_name,
            width=width if width is not None else probe[0],
            height=height if height is not None else probe[1],
            duration=duration if duration is not None else probe[2],
        )
        content: JSON = {"video": self._file_json(stored)}
        if caption is not None:
            content["caption"] = caption
            ents = _auto_entities(caption)
            if ents:
                content["caption_entities"] = ents
        message = self._user_message(chat, user, content, reply_to=reply_to, anonymous_admin=anonymous_admin)
        self.enqueue_update({"message": message})
        return message

    def send_document(
        self,
        chat: JSON | int,
        user: JSON | int | None,
        *,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        reply_to: int | JSON | StoredMessage | None = None,
    ) -> JSON:
        """A user sends a file as a document (e.g. an uncompressed video)."""
        stored = self._store_file("document", data, mime_type=mime_type, file_name=file_name)
        content: JSON = {"document": self._file_json(stored)}
        if caption is not None:
            content["caption"] = caption
        message = self._user_message(chat, user, content, reply_to=reply_to)
        self.enqueue_update({"message": message})
        return message

    def press_button(
        self,
        chat: JSON | int,
        user: JSON | int,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button; returns the callback query id.

        With ``strict`` the message must exist and carry a button with this ``callback_data``.
        """
        chat = self._chat(chat)
        user = self._user(user)
        stored = self.messages.get((chat["id"], message_id))
        if strict:
            if stored is None or stored.deleted:
                raise KeyError(f"no message {message_id} in chat {chat['id']}")
            if callback_data not in {b.get("callback_data") for b in stored.buttons()}:
                raise ValueError(f"message {message_id} has no button with callback_data {callback_data!r}")
        if stored is not None and not stored.deleted:
            message: JSON = stored.data
        else:  # InaccessibleMessage
            message = {"chat": chat, "message_id": message_id, "date": 0}
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        query: JSON = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(hash((chat["id"], self.bot_id))) % 10**18),
            "data": callback_data,
        }
        update = self.enqueue_update({"callback_query": query})
        self.callback_queries[query_id] = {"update": update, "answer": None}
        return query_id

    def _user_message(
        self,
        chat: JSON | int,
        user: JSON | int | None,
        content: JSON,
        *,
        reply_to: int | JSON | StoredMessage | None = None,
        anonymous_admin: bool = False,
    ) -> JSON:
        chat = self._chat(chat)
        message: JSON = {"message_id": self._next_message_id(chat["id"]), "date": _now(), "chat": chat}
        if anonymous_admin:
            if chat["type"] not in {"group", "supergroup"}:
                raise ValueError("anonymous admins exist only in groups")
            message["from"] = self.anonymous_admin_user
            message["sender_chat"] = chat
        else:
            if user is None:
                raise ValueError("user is required unless anonymous_admin=True")
            sender = self._user(user)
            message["from"] = sender
            members = self.members.setdefault(chat["id"], {})
            members.setdefault(sender["id"], {"status": "member"})
        if reply_to is not None:
            if isinstance(reply_to, StoredMessage):
                target_id = reply_to.message_id
            elif isinstance(reply_to, dict):
                target_id = int(reply_to["message_id"])
            else:
                target_id = reply_to
            target = self.messages.get((chat["id"], target_id))
            if target is None:
                raise KeyError(f"no message {target_id} in chat {chat['id']} to reply to")
            message["reply_to_message"] = _without_reply(target.data)
        message.update(content)
        self.messages[(chat["id"], message["message_id"])] = StoredMessage(
            chat_id=chat["id"], message_id=message["message_id"], data=message, from_bot=False
        )
        return message

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    # ------------------------------------------------------------------ files

    def _store_file(
        self,
        kind: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
    ) -> StoredFile:
        n = next(self._file_counter)
        prefix = {"video": "BAAC", "document": "BQAC", "photo": "AgAC", "thumbnail": "AAMC"}.get(kind, "CAAC")
        ext = _extension(file_name, mime_type, kind)
        folder = {"video": "videos", "document": "documents", "photo": "photos"}.get(kind, "thumbnails")
        stored = StoredFile(
            file_id=f"{prefix}AgIAAxkBAAI{n:06d}{self.bot_id:x}",
            file_unique_id=f"AgAD{n:06d}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{n}{ext}",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
        )
        self.files[stored.file_id] = stored
        return stored

    def _file_json(self, stored: StoredFile) -> JSON:
        out: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size}
        if stored.kind == "video":
            out.update(width=stored.width, height=stored.height, duration=stored.duration)
        if stored.kind in {"photo", "thumbnail"}:
            out.update(width=stored.width, height=stored.height)
        if stored.kind in {"video", "document"}:
            if stored.file_name:
                out["file_name"] = stored.file_name
            if stored.mime_type:
                out["mime_type"] = stored.mime_type
        return out

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    # ------------------------------------------------------------------ HTTP layer

    def _notify(self) -> None:
        event = self._changed_event
        self._changed_event = asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        event = self._updates_event
        self._updates_event = asyncio.Event()
        event.set()
        self._notify()

    async def _handle_unknown_route(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        method = _CANONICAL.get(raw_method.lower(), raw_method)
        record = RecordedRequest(method=method, params={}, files={}, time=time.monotonic(), http_method=request.method)
        self.requests.append(record)
        self._notify()
        try:
            if self._is_down():
                raise _ServerDown
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            await self._read_params(request, record)
            self._notify()
            delay = self._delays.get(method)
            if delay:
                await asyncio.sleep(delay)
            fault = self._take_fault(method)
            if fault is not None:
                raise ApiError(fault.code, fault.description, fault.parameters)
            handler = self._handlers().get(method)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(record)
            if self._is_down():
                raise _ServerDown
            return self._answer(record, 200, {"ok": True, "result": result})
        except ApiError as exc:
            return self._answer(record, exc.code, exc.body())
        except _ServerDown:
            return self._answer_down(request, record)

    def _answer(self, record: RecordedRequest, status: int, body: JSON) -> web.Response:
        record.status = status
        record.response = body
        record.finished = time.monotonic()
        self._notify()
        return web.json_response(body, status=status)

    def _answer_down(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        record.finished = time.monotonic()
        self._notify()
        if self._down_refuse:
            record.status = 0
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        record.status = 502
        return web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = unquote(request.match_info["path"])
        record = RecordedRequest(
            method="download", params={"file_path": path}, files={}, time=time.monotonic(), http_method="GET"
        )
        self.requests.append(record)
        if self._is_down():
            return self._answer_down(request, record)
        if request.match_info["token"] != self.token:
            return self._answer(record, 401, ApiError(401, "Unauthorized").body())
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None:
            return self._answer(record, 404, ApiError(404, "Not Found").body())
        record.status = 200
        record.finished = time.monotonic()
        self._notify()
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _read_params(self, request: web.Request, record: RecordedRequest) -> None:
        """Decode query + body into ``record.params`` / ``record.files`` (kept even on a 413)."""
        params = record.params
        params.update({k: _decode_form_value(k, v) for k, v in request.query.items()})
        files = record.files
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                name = part.name or ""
                if part.filename is None:
                    params[name] = _decode_form_value(name, await part.text())
                    continue
                chunks: list[bytes] = []
                size = 0
                while chunk := await part.read_chunk(256 * 1024):
                    size += len(chunk)
                    if size <= self.upload_limit:
                        chunks.append(chunk)
                    else:
                        chunks.clear()  # over the limit: keep draining, stop storing
                files[name] = UploadedFile(
                    field=name,
                    filename=part.filename,
                    content_type=part.headers.get("Content-Type"),
                    data=b"".join(chunks),
                    size=size,
                )
        elif ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = _decode_form_value(key, value)
        elif ctype == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    decoded = json.loads(body)
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(decoded, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                params.update(decoded)
        if any(f.size > self.upload_limit for f in files.values()):
            raise ApiError(413, "Request Entity Too Large")

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.method == method or (fault.method is None and method != "getUpdates")):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _handlers(self) -> dict[str, Callable[[RecordedRequest], Any]]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "sendVideo": self._send_video,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setMyName": self._true,
            "setChatMenuButton": self._true,
            "pinChatMessage": self._true,
            "unpinChatMessage": self._true,
            "leaveChat": self._true,
        }

    # ------------------------------------------------------------------ methods: bot & updates

    async def _true(self, call: RecordedRequest) -> bool:
        return True

    async def _get_me(self, call: RecordedRequest) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, call: RecordedRequest) -> bool:
        url = call.params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        self.webhook_params = dict(call.params)
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        self._wake_pollers()  # an active poller gets the 409 webhook conflict
        return True

    async def _delete_webhook(self, call: RecordedRequest) -> bool:
        self.webhook_url = ""
        self.webhook_params = {}
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: RecordedRequest) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _get_updates(self, call: RecordedRequest) -> list[JSON]:
        params = call.params
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED_UPDATES
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poller is terminated with a 409 conflict
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_event
            if self.webhook_url:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_OTHER_POLLER)
            if self._is_down():
                raise _ServerDown
            deliverable = [u for u in self._updates if self._update_type(u) in self._allowed_updates]
            if offset < 0:
                deliverable = deliverable[offset:]
            remaining = deadline - loop.time()
            if deliverable or remaining <= 0 or self._stopping:
                return deliverable[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    @staticmethod
    def _update_type(update: JSON) -> str:
        return next(k for k in update if k != "update_id")

    # ------------------------------------------------------------------ methods: messages

    def _target_chat(self, params: JSON, *, sending: bool = True) -> JSON:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat: JSON | None = None
        if isinstance(raw, int):
            chat = self.chats.get(raw)
        elif isinstance(raw, str):
            if raw.startswith("@"):
                chat = next((c for c in self.chats.values() if c.get("username") == raw[1:]), None)
            else:
                with contextlib.suppress(ValueError):
                    chat = self.chats.get(int(raw))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending:
            if chat["type"] == "private" and chat["id"] in self.blocked_by:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            status = self.member_status(chat["id"], self.bot_id)
            if chat["type"] != "private" and status in {"left", "kicked"}:
                kind = "supergroup chat" if chat["type"] == "supergroup" else "group chat"
                if status == "kicked":
                    raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        return chat

    def _reply_target(self, chat_id: int, params: JSON) -> StoredMessage | None:
        reply = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target_chat = reply.get("chat_id", chat_id)
            if isinstance(target_chat, str) and target_chat.lstrip("-").isdigit():
                target_chat = int(target_chat)
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
        elif params.get("reply_to_message_id") is not None:
            target_chat, message_id = chat_id, params["reply_to_message_id"]
        else:
            return None
        target = self.messages.get((target_chat, int(message_id or 0)))
        if target is None or target.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                if not _BUTTON_ACTIONS.intersection(button):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _parse_text(self, text: Any, parse_mode: Any, entities: Any, *, caption: bool) -> tuple[str, list[JSON]]:
        text = "" if text is None else str(text)
        if parse_mode and entities:
            # Telegram ignores parse_mode when entities are given; PTB never sends both.
            parse_mode = None
        mode = str(parse_mode or "").lower()
        if mode == "html":
            plain, ents = _parse_html(text)
        elif mode == "markdownv2":
            plain, ents = _parse_markdown_v2(text)
        elif mode in {"", "markdown"}:
            plain, ents = text, list(entities or [])
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_len(plain) > limit:
            raise ApiError(
                400, "Bad Request: message caption is too long" if caption else "Bad Request: message is too long"
            )
        return plain, ents

    def _store_bot_message(
        self, chat: JSON, params: JSON, content: JSON, *, raw_text: str | None = None
    ) -> StoredMessage:
        reply_to = self._reply_target(chat["id"], params)
        markup = self._check_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "date": _now(),
            "chat": chat,
        }
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to.data)
        message.update(content)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        stored = StoredMessage(
            chat_id=chat["id"],
            message_id=message["message_id"],
            data=message,
            from_bot=True,
            parse_mode=params.get("parse_mode"),
            raw_text=raw_text,
        )
        self.messages[(chat["id"], stored.message_id)] = stored
        return stored

    async def _send_message(self, call: RecordedRequest) -> JSON:
        params = call.params
        chat = self._target_chat(params)
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise ApiError(400, "Bad Request: message text is empty")
        text, ents = self._parse_text(raw, params.get("parse_mode"), params.get("entities"), caption=False)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        content: JSON = {"text": text}
        if ents:
            content["entities"] = ents
        if params.get("link_preview_options"):
            content["link_preview_options"] = params["link_preview_options"]
        return self._store_bot_message(chat, params, content, raw_text=str(raw)).data

    def _editable(self, params: JSON) -> StoredMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat(params, sending=False)
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = self.messages.get((chat["id"], int(message_id)))
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    @staticmethod
    def _apply_edit(stored: StoredMessage, changes: JSON, markup: JSON | None) -> JSON:
        new = dict(stored.data)
        for key, value in changes.items():
            if value is None or value == []:
                new.pop(key, None)
            else:
                new[key] = value
        if markup is not None and "inline_keyboard" in markup and markup["inline_keyboard"]:
            new["reply_markup"] = markup
        else:
            # Telegram drops the inline keyboard when an edit does not repeat it.
            new.pop("reply_markup", None)
        new.pop("edit_date", None)
        old = dict(stored.data)
        old.pop("edit_date", None)
        if new == old:
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = _now()
        stored.history.append(stored.data)
        stored.data = new
        return new

    async def _edit_message_text(self, call: RecordedRequest) -> JSON:
        params = call.params
        stored = self._editable(params)
        if "text" not in stored.data:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise ApiError(400, "Bad Request: text must be non-empty")
        text, ents = self._parse_text(raw, params.get("parse_mode"), params.get("entities"), caption=False)
        markup = self._check_markup(params.get("reply_markup"))
        result = self._apply_edit(stored, {"text": text, "entities": ents or None}, markup)
        stored.raw_text = str(raw)
        stored.parse_mode = params.get("parse_mode")
        return result

    async def _edit_message_caption(self, call: RecordedRequest) -> JSON:
        params = call.params
        stored = self._editable(params)
        if "text" in stored.data:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        raw = params.get("caption")
        caption, ents = self._parse_text(raw, params.get("parse_mode"), params.get("caption_entities"), caption=True)
        markup = self._check_markup(params.get("reply_markup"))
        result = self._apply_edit(stored, {"caption": caption or None, "caption_entities": ents or None}, markup)
        stored.raw_text = None if raw is None else str(raw)
        return result

    async def _edit_message_reply_markup(self, call: RecordedRequest) -> JSON:
        params = call.params
        stored = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        return self._apply_edit(stored, {}, markup)

    def _deletable(self, chat: JSON, message_id: int) -> StoredMessage:
        stored = self.messages.get((chat["id"], message_id))
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if (
            not stored.from_bot
            and chat["type"] != "private"
            and self.member_status(chat["id"], self.bot_id) not in {"creator", "administrator"}
        ):
            raise ApiError(400, "Bad Request: message can't be deleted")
        return stored

    async def _delete_message(self, call: RecordedRequest) -> bool:
        chat = self._target_chat(call.params, sending=False)
        stored = self._deletable(chat, int(call.params.get("message_id") or 0))
        stored.deleted = True
        return True

    async def _delete_messages(self, call: RecordedRequest) -> bool:
        chat = self._target_chat(call.params, sending=False)
        for message_id in call.params.get("message_ids") or []:
            with contextlib.suppress(ApiError):
                self._deletable(chat, int(message_id)).deleted = True
        return True

    async def _send_chat_action(self, call: RecordedRequest) -> bool:
        chat = self._target_chat(call.params)
        action = call.params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((call.time, chat["id"], str(action)))
        return True

    # ------------------------------------------------------------------ methods: media

    async def _input_file(self, call: RecordedRequest, param: str, kind: str) -> tuple[StoredFile | None, bytes]:
        """Resolve a file parameter: (existing file reused by file_id, or None; bytes)."""
        upload = call.file(param)
        if upload is not None:
            if upload.size == 0:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return None, upload.data
        value = call.params.get(param)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {param} in the request")
        value = str(value)
        if value.startswith(("http://", "https://")):
            return None, await self._fetch_url(value)
        if value.startswith("file://"):
            if not self.local_mode:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            path = Path(unquote(urlsplit(value).path))
            if not path.is_file():
                raise ApiError(400, "Bad Request: file not found")
            data = path.read_bytes()
            if len(data) > self.upload_limit:
                raise ApiError(413, "Request Entity Too Large")
            return None, data
        existing = self.files.get(value)
        if existing is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if existing.kind != kind:
            raise ApiError(400, f"Bad Request: can't use file of type {existing.kind.title()} as {kind.title()}")
        return existing, existing.data

    async def _fetch_url(self, url: str) -> bytes:
        if url in self.url_contents:
            data = self.url_contents[url]
        else:
            host = urlsplit(url).hostname or ""
            if host not in {"127.0.0.1", "localhost", "::1"}:  # tests stay on loopback
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            try:
                async with aiohttp.ClientSession() as session, session.get(url) as response:
                    if response.status != 200:
                        raise ApiError(400, "Bad Request: failed to get HTTP URL content")
                    data = await response.content.read(self.url_upload_limit + 1)
            except aiohttp.ClientError as exc:
                raise ApiError(400, "Bad Request: failed to get HTTP URL content") from exc
        if len(data) > self.url_upload_limit:
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        return data

    def _caption_content(self, params: JSON) -> tuple[JSON, str | None]:
        raw = params.get("caption")
        if raw is None:
            return {}, None
        caption, ents = self._parse_text(raw, params.get("parse_mode"), params.get("caption_entities"), caption=True)
        content: JSON = {}
        if caption:
            content["caption"] = caption
        if ents:
            content["caption_entities"] = ents
        if params.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return content, str(raw)

    async def _thumbnail(self, call: RecordedRequest) -> JSON | None:
        upload = call.file("thumbnail")
        if upload is None or not upload.data:
            return None
        width, height = _probe_image(upload.data)
        stored = self._store_file(
            "thumbnail", upload.data, mime_type=upload.content_type, width=width or 320, height=height or 320
        )
        return self._file_json(stored)

    async def _send_video(self, call: RecordedRequest) -> JSON:
        params = call.params
        chat = self._target_chat(params)
        caption, raw_caption = self._caption_content(params)
        existing, data = await self._input_file(call, "video", "video")
        if existing is None:
            upload = call.file("video")
            probe = _probe_mp4(data)
            stored = self._store_file(
                "video",
                data,
                mime_type="video/mp4",
                file_name=upload.filename if upload else None,
                width=int(params.get("width") or probe[0]),
                height=int(params.get("height") or probe[1]),
                duration=int(params.get("duration") or probe[2]),
            )
        else:
            stored = existing
        video = self._file_json(stored)
        thumbnail = await self._thumbnail(call)
        if thumbnail is not None:
            video["thumbnail"] = thumbnail
        content: JSON = {"video": video, **caption}
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._store_bot_message(chat, params, content, raw_text=raw_caption).data

    async def _send_document(self, call: RecordedRequest) -> JSON:
        params = call.params
        chat = self._target_chat(params)
        caption, raw_caption = self._caption_content(params)
        existing, data = await self._input_file(call, "document", "document")
        if existing is None:
            upload = call.file("document")
            stored = self._store_file(
                "document",
                data,
                mime_type=(upload.content_type if upload else None) or "application/octet-stream",
                file_name=upload.filename if upload else None,
            )
        else:
            stored = existing
        document = self._file_json(stored)
        thumbnail = await self._thumbnail(call)
        if thumbnail is not None:
            document["thumbnail"] = thumbnail
        content: JSON = {"document": document, **caption}
        return self._store_bot_message(chat, params, content, raw_text=raw_caption).data

    async def _send_photo(self, call: RecordedRequest) -> JSON:
        params = call.params
        chat = self._target_chat(params)
        caption, raw_caption = self._caption_content(params)
        existing, data = await self._input_file(call, "photo", "photo")
        if existing is None:
            width, height = _probe_image(data)
            stored = self._store_file("photo", data, mime_type="image/jpeg", width=width, height=height)
        else:
            stored = existing
        content: JSON = {"photo": [self._file_json(stored)], **caption}
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._store_bot_message(chat, params, content, raw_text=raw_caption).data

    async def _get_file(self, call: RecordedRequest) -> JSON:
        file_id = call.params.get("file_id")
        stored = self.files.get(str(file_id)) if file_id else None
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > self.download_limit:
            raise ApiError(400, "Bad Request: file is too big")
        file_path = stored.file_path
        if self.local_mode:
            # A local Bot API server (--local) answers with an absolute path on its own disk.
            file_path = str(await asyncio.to_thread(self._local_copy, stored))
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": file_path,
        }

    def _local_copy(self, stored: StoredFile) -> Path:
        if self._local_dir is None:
            self._local_dir = Path(tempfile.mkdtemp(prefix="fake-telegram-local-"))
        path = self._local_dir / stored.file_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(stored.data)
        return path

    # ------------------------------------------------------------------ methods: chats & members

    async def _get_chat(self, call: RecordedRequest) -> JSON:
        chat = self._target_chat(call.params, sending=False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _get_chat_member(self, call: RecordedRequest) -> JSON:
        chat = self._target_chat(call.params, sending=False)
        user_id = call.params.get("user_id")
        if not isinstance(user_id, int) or user_id not in self.users:
            raise ApiError(400, "Bad Request: user not found")
        return self._member_json(chat["id"], user_id)

    async def _get_chat_administrators(self, call: RecordedRequest) -> list[JSON]:
        chat = self._target_chat(call.params, sending=False)
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        members = self.members.get(chat["id"], {})
        return [
            self._member_json(chat["id"], user_id)
            for user_id, entry in members.items()
            if entry["status"] in {"creator", "administrator"}
        ]

    async def _get_chat_member_count(self, call: RecordedRequest) -> int:
        chat = self._target_chat(call.params, sending=False)
        members = self.members.get(chat["id"], {})
        return sum(1 for e in members.values() if e["status"] in {"creator", "administrator", "member"})

    async def _answer_callback_query(self, call: RecordedRequest) -> bool:
        query_id = str(call.params.get("callback_query_id") or "")
        entry = self.callback_queries.get(query_id)
        if entry is None or entry["answer"] is not None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = call.params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        entry["answer"] = dict(call.params)
        return True

    # ------------------------------------------------------------------ methods: commands

    @staticmethod
    def _scope_key(params: JSON) -> tuple[str, int | None, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise ApiError(400, "Bad Request: wrong bot command scope type specified")
        kind = str(scope["type"])
        chat_id = scope.get("chat_id") if kind in {"chat", "chat_administrators", "chat_member"} else None
        user_id = scope.get("user_id") if kind == "chat_member" else None
        if kind in {"chat", "chat_administrators", "chat_member"} and chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        return kind, chat_id, user_id, str(params.get("language_code") or "")

    async def _set_my_commands(self, call: RecordedRequest) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(call.params)
        if commands:
            self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: RecordedRequest) -> list[JSON]:
        return list(self.commands.get(self._scope_key(call.params), []))

    async def _delete_my_commands(self, call: RecordedRequest) -> bool:
        self.commands.pop(self._scope_key(call.params), None)
        return True


# ---------------------------------------------------------------------- helpers


def _decode_form_value(name: str, value: str) -> Any:
    """Undo PTB's form encoding: non-string values are JSON-encoded, strings are sent as is."""
    if name in _STRING_PARAMS:
        return value
    if name in _JSON_PARAMS or value in {"true", "false", "null"} or _NUMBER_RE.fullmatch(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value[:1] in {"[", "{"}:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _without_reply(message: JSON) -> JSON:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


_AUTO_ENTITY_RE = re.compile(r"(?<![\w/])(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?|@[A-Za-z0-9_]{5,32})")


def _auto_entities(text: str) -> list[JSON]:
    """bot_command and mention entities, like Telegram clients produce."""
    entities: list[JSON] = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        token = match.group(1)
        entities.append(
            {
                "type": "bot_command" if token.startswith("/") else "mention",
                "offset": utf16_len(text[: match.start(1)]),
                "length": utf16_len(token),
            }
        )
    return entities


def _extension(file_name: str | None, mime_type: str | None, kind: str) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    by_mime = {"video/mp4": ".mp4", "image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    if mime_type in by_mime:
        return by_mime[mime_type]
    return {"video": ".mp4", "photo": ".jpg", "thumbnail": ".jpg"}.get(kind, "")


def _iter_boxes(data: bytes, start: int, end: int) -> Iterable[tuple[bytes, int, int]]:
    """MP4 boxes in data[start:end] as (type, payload_start, box_end)."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _probe_mp4(data: bytes) -> tuple[int, int, int]:
    """(width, height, duration seconds) of an MP4/MOV, or zeros. Reads moov/mvhd and tkhd."""
    width = height = duration = 0
    try:
        for kind, start, end in _iter_boxes(data, 0, len(data)):
            if kind != b"moov":
                continue
            for sub, s_start, s_end in _iter_boxes(data, start, end):
                if sub == b"mvhd":
                    version = data[s_start]
                    if version == 1:
                        timescale, length = struct.unpack(">IQ", data[s_start + 20 : s_start + 32])
                    else:
                        timescale, length = struct.unpack(">II", data[s_start + 12 : s_start + 20])
                    if timescale:
                        duration = round(length / timescale)
                elif sub == b"trak" and not width:
                    is_video = False
                    dims = (0, 0)
                    for box, b_start, b_end in _iter_boxes(data, s_start, s_end):
                        if box == b"tkhd":
                            w, h = struct.unpack(">II", data[b_end - 8 : b_end])
                            dims = (w >> 16, h >> 16)
                        elif box == b"mdia":
                            for mbox, m_start, _m_end in _iter_boxes(data, b_start, b_end):
                                if mbox == b"hdlr" and data[m_start + 8 : m_start + 12] == b"vide":
                                    is_video = True
                    if is_video:
                        width, height = dims
    except (struct.error, IndexError):
        return 0, 0, 0
    return width, height, duration


def _probe_image(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG, or zeros."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            w, h = struct.unpack(">II", data[16:24])
            return int(w), int(h)
        if data.startswith(b"\xff\xd8"):
            pos = 2
            while pos + 9 < len(data):
                if data[pos] != 0xFF:
                    pos += 1
                    continue
                marker = data[pos + 1]
                if marker in {0xD8, 0x01} or 0xD0 <= marker <= 0xD7:
                    pos += 2
                    continue
                length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in {0xC4, 0xC8, 0xCC}:
                    h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
                    return int(w), int(h)
                pos += 2 + length
    except struct.error:
        pass
    return 0, 0


# ---------------------------------------------------------------------- formatting (HTML / MarkdownV2)

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ATTR_RE = re.compile(r"([a-zA-Z-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def _cant_parse(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: returns (plain text, entities) or raises 'can't parse entities'."""
    out: list[str] = []
    out_len = 0  # UTF-16 units
    stack: list[tuple[str, int, JSON]] = []  # (tag, start offset, entity)
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise _cant_parse(f"Unexpected end of name token at byte offset {_byte_offset(text, i)}")
            closing, tag, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if tag not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _cant_parse(f'Unsupported {kind} tag "{tag}" at byte offset {_byte_offset(text, i)}')
            if closing:
                if not stack or stack[-1][0] != tag:
                    expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
                    raise _cant_parse(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, expected {expected}, "
                        f'found "</{tag}>"'
                    )
                _, start, entity = stack.pop()
                if out_len > start:
                    entity.update(offset=start, length=out_len - start)
                    entities.append(entity)
            else:
                entity: JSON = {"type": _HTML_TAGS[tag]}
                attributes = {
                    m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                    for m in _ATTR_RE.finditer(attrs)
                }
                if tag == "span" and attributes.get("class") != "tg-spoiler":
                    raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, i)}')
                if tag == "a":
                    href = html.unescape(attributes.get("href", ""))
                    if href.startswith("tg://user?id="):
                        entity = {
                            "type": "text_mention",
                            "user": {"id": int(href.split("=", 1)[1]), "is_bot": False, "first_name": ""},
                        }
                    else:
                        entity["url"] = href
                if tag == "blockquote" and "expandable" in attrs:
                    entity["type"] = "expandable_blockquote"
                if tag == "tg-emoji":
                    entity["custom_emoji_id"] = attributes.get("emoji-id", "")
                stack.append((tag, out_len, entity))
            i = match.end()
            continue
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is not None:
                decoded = html.unescape(match.group(0))
                out.append(decoded)
                out_len += utf16_len(decoded)
                i = match.end()
                continue
        out.append(char)
        out_len += utf16_len(char)
        i += 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler", "[": "TextUrl"}
_MDV2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def _parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """Telegram's MarkdownV2 parse mode (common subset); raises 'can't parse entities' as Telegram
    does for unescaped reserved characters and unclosed entities."""
    out: list[str] = []
    out_len = 0
    stack: list[tuple[str, int, int]] = []  # (marker, start offset, byte offset of the marker)
    entities: list[JSON] = []
    i = 0
    line_start = True

    def emit(chunk: str) -> None:
        nonlocal out_len
        out.append(chunk)
        out_len += utf16_len(chunk)

    while i < len(text):
        char = text[i]
        at_line_start = line_start
        line_start = char == "\n"
        if char == "\\":
            if i + 1 < len(text) and ord(text[i + 1]) < 127:
                emit(text[i + 1])
                i += 2
                continue
            raise _cant_parse(f"Character '\\' is reserved and must be escaped at byte offset {_byte_offset(text, i)}")
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            j = i + len(fence)
            body: list[str] = []
            while j < len(text) and not text.startswith(fence, j):
                if text[j] == "\\" and j + 1 < len(text) and text[j + 1] in "`\\":
                    body.append(text[j + 1])
                    j += 2
                    continue
                body.append(text[j])
                j += 1
            if j >= len(text):
                name = "Pre" if fence == "```" else "Code"
                raise _cant_parse(f"Can't find end of {name} entity at byte offset {_byte_offset(text, i)}")
            content = "".join(body)
            entity: JSON = {"type": "pre" if fence == "```" else "code"}
            if fence == "```" and "\n" in content:
                language, content = content.split("\n", 1)
                if language:
                    entity["language"] = language
            if content:
                entity.update(offset=out_len, length=utf16_len(content))
                entities.append(entity)
                emit(content)
            i = j + len(fence)
            continue
        marker = None
        if text.startswith("__", i):
            marker = "__"
        elif text.startswith("||", i):
            marker = "||"
        elif char in "*_~":
            marker = char
        if marker is not None:
            if stack and stack[-1][0] == marker:
                _, start, _b = stack.pop()
                if out_len > start:
                    entities.append({"type": _MDV2_TYPES[marker], "offset": start, "length": out_len - start})
            else:
                stack.append((marker, out_len, _byte_offset(text, i)))
            i += len(marker)
            continue
        if char == "[":
            stack.append(("[", out_len, _byte_offset(text, i)))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, _b = stack.pop()
            if not text.startswith("(", i + 1):
                raise _cant_parse(f"Can't find end of TextUrl entity at byte offset {_b}")
            j = i + 2
            url: list[str] = []
            while j < len(text) and text[j] != ")":
                if text[j] == "\\" and j + 1 < len(text):
                    url.append(text[j + 1])
                    j += 2
                    continue
                url.append(text[j])
                j += 1
            if j >= len(text):
                raise _cant_parse(f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}")
            if out_len > start:
                entities.append({"type": "text_link", "offset": start, "length": out_len - start, "url": "".join(url)})
            i = j + 1
            continue
        if char == ">" and at_line_start:
            i += 1
            continue
        if char in _MDV2_RESERVED:
            raise _cant_parse(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        emit(char)
        i += 1
    if stack:
        marker, _, byte_offset = stack[-1]
        raise _cant_parse(f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset {byte_offset}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities

"""A fake Discord (REST + gateway + CDN) on loopback for end-to-end tests.

The real ``discord.py`` client logs into it and runs against it unchanged: ``point_discord_at(fake)``
redirects the three base URLs discord.py uses (``discord.http.Route.BASE`` for every REST call,
including the interaction callback and webhook follow-up routes; ``DiscordWebSocket.DEFAULT_GATEWAY``
for the gateway, which a plain ``Client`` never looks up through ``/gateway/bot``; and
``discord.Asset.BASE`` for CDN assets).  Attachment URLs the fake hands out already point at it.

Everything the bot sends is recorded in ``fake.requests`` (method, path, JSON or ``payload_json``,
uploaded files with their bytes, headers, time, response status and body), and the server keeps
enough state (guilds, channels, roles, members, messages, synced commands, interactions) to answer
like Discord does, including its error shapes: 401/50027 for an expired interaction token,
404/10062 for a callback after 3 s, 400/40060 for a second callback, 413/40005 over the upload limit,
403/50013 (50001 without VIEW_CHANNEL) for missing permissions, 429 with ``Retry-After`` and
``X-RateLimit-*`` headers when injected.

Typical use::

    async with FakeDiscord() as fake:
        guild = fake.add_guild(premium_tier=2)
        channel = fake.add_text_channel(guild.id)
        alice = fake.add_member(guild.id, name="alice", permissions=MANAGE_GUILD)
        with point_discord_at(fake):
            ...  # start a discord.Client with fake.token, then fake.invoke_slash(...)
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import yarl
from aiohttp import WSMsgType, web

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "ATTACH_FILES",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "EMBED_LINKS",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "USE_APPLICATION_COMMANDS",
    "VIEW_CHANNEL",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "InjectedFault",
    "Overwrite",
    "RecordedFile",
    "RecordedRequest",
    "point_discord_at",
]

DISCORD_EPOCH_MS = 1420070400000
MIB = 1024 * 1024

# --- permission bits (https://discord.com/developers/docs/topics/permissions) -----------------
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
)

# --- gateway intents used to decide which events a session gets ------------------------------
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# --- message flags ----------------------------------------------------------------------------
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

PREMIUM_UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
DM_UPLOAD_LIMIT = 10 * MIB
NONCE_WINDOW_S = 300.0

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _iso(ts: float | None = None) -> str:
    when = dt.datetime.fromtimestamp(time.time() if ts is None else ts, tz=dt.UTC)
    return when.isoformat()


def _perm_value(value: Any) -> int:
    """Accept an int or anything with ``.value`` (e.g. ``discord.Permissions``)."""
    return int(getattr(value, "value", value))


def _snowflake_of(value: Any) -> int:
    return int(getattr(value, "id", value))


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """``*`` matches one path segment, ``**`` any run of characters."""
    out = []
    for part in re.split(r"(\*\*|\*)", pattern):
        if part == "**":
            out.append(".*")
        elif part == "*":
            out.append("[^/]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def _split_route_pattern(route_pattern: str) -> tuple[str | None, re.Pattern[str]]:
    """``"POST /channels/*/messages"`` or ``"/channels/*/messages"`` (any method)."""
    route_pattern = route_pattern.strip()
    method: str | None = None
    if " " in route_pattern:
        method, route_pattern = route_pattern.split(None, 1)
        method = method.upper()
    return method, _pattern_regex(route_pattern)


def _iter_components(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for comp in components:
        yield comp
        yield from _iter_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), Mapping):
                yield from _iter_components([comp[key]])


# =============================================================================================
# State objects
# =============================================================================================


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class FakeChannel:
    id: int
    type: int  # 0 text, 1 DM, 2 voice, 4 category, 5 news, 11 public thread
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_ids: list[int] = field(default_factory=list)
    topic: str | None = None
    nsfw: bool = False
    last_message_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == 1


@dataclass
class FakeMember:
    user_id: int
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_iso)


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    premium_tier: int = 0
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    upload_limit_override: int | None = None

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[self.id]


@dataclass
class FakeAttachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "flags": 0,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        return data


@dataclass
class FakeMessage:
    """A message as Discord stores it. ``pinged_*`` apply ``allowed_mentions`` like Discord does."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    message_reference: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | None = None
    flags: int = 0
    tts: bool = False
    type: int = 0
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    sticker_ids: list[str] = field(default_factory=list)
    poll: dict[str, Any] | None = None
    created_at: str = field(default_factory=_iso)
    edited_at: str | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    pinged_user_ids: set[int] = field(default_factory=set)
    pinged_role_ids: set[int] = field(default_factory=set)
    pinged_everyone: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while a deferred interaction response still shows "Bot is thinking..."."""
        return bool(self.flags & FLAG_LOADING)

    def attachment(self, filename: str) -> FakeAttachment:
        for att in self.attachments:
            if att.filename == filename:
                return att
        raise KeyError(filename)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in _iter_components(self.components) if "custom_id" in c]


@dataclass
class RecordedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class RecordedRequest:
    """One HTTP request the fake received. ``path`` is relative to ``/api/v10`` for API calls."""

    index: int
    method: str
    path: str
    full_path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[RecordedFile]
    time: float
    api: bool = True
    status: int | None = None
    response: Any = None
    done: bool = False

    @property
    def error_code(self) -> int | None:
        if isinstance(self.response, dict) and self.status is not None and self.status >= 400:
            return self.response.get("code")
        return None

    def matches(self, method: str | None, pattern: str | re.Pattern[str]) -> bool:
        if method is not None and method.upper() != self.method:
            return False
        regex = _pattern_regex(pattern) if isinstance(pattern, str) else pattern
        return regex.fullmatch(self.path) is not None


@dataclass
class InjectedFault:
    method: str | None
    regex: re.Pattern[str]
    remaining: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    hits: int = 0


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    created: float
    upload_limit: int
    source_message_id: int | None = None
    response_type: int | None = None
    responded_at: float | None = None
    callback: RecordedRequest | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    command_name: str | None = None

    @property
    def response_delay(self) -> float | None:
        return None if self.responded_at is None else self.responded_at - self.created


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors
        self.headers = dict(headers or {})


def _form_error(path: str, code: str, message: str) -> _ApiError:
    errors: dict[str, Any] = {}
    node = errors
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = {"_errors": [{"code": code, "message": message}]}
    return _ApiError(400, 50035, "Invalid Form Body", errors=errors)


@dataclass
class _Body:
    json: Any
    files: list[RecordedFile]


@dataclass
class _Session:
    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: bool = False


@dataclass
class _Route:
    method: str
    regex: re.Pattern[str]
    handler: Callable[..., Any]
    auth: bool


# =============================================================================================
# The server
# =============================================================================================


class FakeDiscord:
    """A loopback Discord that the real discord.py client can log into (see module docstring)."""

    def __init__(
        self,
        *,
        application_id: int = 1_100_000_000_000_000_001,
        bot_user_id: int | None = None,
        bot_name: str = "sorabot",
        token: str = "fake.bot.token",
        application_flags: int = 0,
        interaction_token_lifetime: float = 15 * 60.0,
        interaction_response_deadline: float | None = 3.0,
        heartbeat_interval_ms: int = 1000,
        dispatch_message_events: bool = True,
    ) -> None:
        self.application_id = application_id
        self.bot_user_id = bot_user_id if bot_user_id is not None else application_id
        self.token = token
        self.application_flags = application_flags
        self.interaction_token_lifetime = interaction_token_lifetime
        self.interaction_response_deadline = interaction_response_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.dispatch_message_events = dispatch_message_events
        self.owner_user_id = self.bot_user_id + 1

        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.faults: list[InjectedFault] = []
        self.gateway_log: list[tuple[str, dict[str, Any]]] = []
        self.heartbeats = 0
        self.identifies = 0
        self.resumes = 0
        self.presence: dict[str, Any] | None = None
        self.blocked_dm_user_ids: set[int] = set()
        self.server_errors: list[tuple[RecordedRequest, BaseException]] = []

        self._ids = itertools.count(1)
        self._last_snowflake = 0
        self._blobs: dict[int, FakeAttachment] = {}
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self._sessions: dict[str, _Session] = {}
        self._waiters: list[tuple[Callable[[RecordedRequest], bool], asyncio.Future[RecordedRequest]]] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._routes = self._build_routes()
        self._cdn_routes = [
            _Route("GET", re.compile(r"/attachments/(?P<channel_id>\d+)/(?P<attachment_id>\d+)/[^/]+"),
                   self._cdn_attachment, False),
        ]

        self.bot_user = self.add_user(self.bot_user_id, name=bot_name, bot=True)
        self.add_user(self.owner_user_id, name="app-owner")

    # ------------------------------------------------------------------ lifecycle / addresses
    async def start(self) -> str:
        app = web.Application(client_max_size=512 * MIB)
        app.router.add_get("/gateway", self._ws_handler)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        return self._base_url

    async def stop(self) -> None:
        for session in list(self._sessions.values()):
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001, message=b"fake discord stopping")
        for _, fut in self._waiters:
            if not fut.done():
                fut.cancel()
        self._waiters.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._base_url

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return "ws" + self.base_url[len("http"):] + "/gateway"

    @property
    def cdn_base(self) -> str:
        return self.base_url

    # ------------------------------------------------------------------ ids / setup helpers
    def new_id(self) -> int:
        """A fresh snowflake (timestamp based, strictly increasing)."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (next(self._ids) & 0xFFF)
        if candidate <= self._last_snowflake:
            candidate = self._last_snowflake + 1
        self._last_snowflake = candidate
        return candidate

    def add_user(self, user_id: int | None = None, *, name: str | None = None, bot: bool = False,
                 global_name: str | None = None) -> FakeUser:
        uid = user_id if user_id is not None else self.new_id()
        user = FakeUser(uid, name or f"user{uid % 10000}", global_name=global_name, bot=bot)
        self.users[uid] = user
        return user

    def add_guild(
        self,
        guild_id: int | None = None,
        *,
        name: str = "Test Guild",
        premium_tier: int = 0,
        owner_id: int | None = None,
        everyone_permissions: Any = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: Any = DEFAULT_BOT_PERMISSIONS,
        preferred_locale: str = "en-US",
        with_text_channel: str | None = None,
    ) -> FakeGuild:
        """Create a guild with an @everyone role, the bot as a member (with a managed role holding
        ``bot_permissions``) and, if ``with_text_channel`` is given, one text channel of that name."""
        gid = guild_id if guild_id is not None else self.new_id()
        owner = owner_id if owner_id is not None else self.owner_user_id
        if owner not in self.users:
            self.add_user(owner)
        guild = FakeGuild(gid, name, owner, premium_tier=premium_tier, preferred_locale=preferred_locale)
        guild.roles[gid] = FakeRole(gid, "@everyone", _perm_value(everyone_permissions), position=0)
        self.guilds[gid] = guild
        bot_role = FakeRole(self.new_id(), self.bot_user.username, _perm_value(bot_permissions), position=1,
                            managed=True, bot_id=self.bot_user_id)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user_id] = FakeMember(self.bot_user_id, gid, [bot_role.id])
        guild.members[owner] = FakeMember(owner, gid, [])
        if with_text_channel:
            self.add_text_channel(gid, name=with_text_channel)
        return guild

    def bot_role(self, guild_id: int) -> FakeRole:
        guild = self.guilds[guild_id]
        return next(r for r in guild.roles.values() if r.bot_id == self.bot_user_id)

    def set_bot_permissions(self, guild_id: int, permissions: Any) -> None:
        self.bot_role(guild_id).permissions = _perm_value(permissions)

    def add_role(self, guild_id: int, name: str, permissions: Any = 0, *, role_id: int | None = None) -> FakeRole:
        guild = self.guilds[guild_id]
        role = FakeRole(role_id or self.new_id(), name, _perm_value(permissions), position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_text_channel(self, guild_id: int, name: str = "general", *, channel_id: int | None = None,
                         overwrites: Sequence[Overwrite] = (), channel_type: int = 0,
                         parent_id: int | None = None) -> FakeChannel:
        guild = self.guilds[guild_id]
        cid = channel_id if channel_id is not None else self.new_id()
        channel = FakeChannel(cid, channel_type, name=name, guild_id=guild_id, position=len(guild.channel_ids),
                              overwrites=list(overwrites), parent_id=parent_id)
        self.channels[cid] = channel
        guild.channel_ids.append(cid)
        return channel

    def add_member(
        self,
        guild_id: int,
        user_id: int | None = None,
        *,
        name: str | None = None,
        permissions: Any = None,
        roles: Sequence[Any] = (),
        nick: str | None = None,
    ) -> FakeUser:
        """Add a member. ``permissions`` (int or ``discord.Permissions``) gives the member an extra
        role holding exactly those bits on top of @everyone."""
        guild = self.guilds[guild_id]
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            user = self.add_user(user_id, name=name)
        role_ids = [_snowflake_of(r) for r in roles]
        if permissions is not None:
            role = self.add_role(guild_id, f"perms-{user.username}", permissions)
            role_ids.append(role.id)
        guild.members[user.id] = FakeMember(user.id, guild_id, role_ids, nick=nick)
        return user

    def set_overwrite(self, channel_id: int, target_id: int, *, allow: Any = 0, deny: Any = 0,
                      member: bool | None = None) -> None:
        """Set a channel permission overwrite for a role or member (``member`` defaults to whether
        ``target_id`` is a known user)."""
        channel = self.channels[channel_id]
        is_member = member if member is not None else target_id in self.users
        channel.overwrites = [o for o in channel.overwrites if o.id != target_id]
        channel.overwrites.append(Overwrite(target_id, 1 if is_member else 0, _perm_value(allow), _perm_value(deny)))

    def deny_bot(self, channel_id: int, permissions: Any) -> None:
        """Make the bot lack ``permissions`` in one channel (member overwrite, like a server admin)."""
        self.set_overwrite(channel_id, self.bot_user_id, deny=permissions, member=True)

    def set_upload_limit(self, guild_id: int, limit: int | None) -> None:
        """Override the premium-tier derived limit (``None`` restores it)."""
        self.guilds[guild_id].upload_limit_override = limit

    def upload_limit(self, guild_id: int | None) -> int:
        if guild_id is None:
            return DM_UPLOAD_LIMIT
        guild = self.guilds[guild_id]
        if guild.upload_limit_override is not None:
            return guild.upload_limit_override
        return PREMIUM_UPLOAD_LIMITS.get(guild.premium_tier, 10 * MIB)

    def block_dms(self, user_id: int) -> None:
        """The user does not accept DMs from the bot: sends to their DM answer 403/50007."""
        self.blocked_dm_user_ids.add(user_id)

    def open_dm(self, user_id: int) -> FakeChannel:
        for channel in self.channels.values():
            if channel.is_dm and channel.recipient_ids == [user_id]:
                return channel
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}")
        channel = FakeChannel(self.new_id(), 1, recipient_ids=[user_id])
        self.channels[channel.id] = channel
        return channel

    # ------------------------------------------------------------------ permissions
    def base_permissions(self, guild_id: int, user_id: int) -> int:
        guild = self.guilds[guild_id]
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.everyone_role.permissions
        for rid in member.role_ids if member else []:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites, then implicit denies."""
        channel = self.channels[channel_id]
        if channel.guild_id is None:
            return VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | ADD_REACTIONS
        guild = self.guilds[channel.guild_id]
        perms = self.base_permissions(guild.id, user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        overwrites = list(channel.overwrites)
        if channel.parent_id and channel.type in (10, 11, 12):
            overwrites = list(self.channels[channel.parent_id].overwrites)
        member = guild.members.get(user_id)
        role_ids = set(member.role_ids if member else [])
        for ow in overwrites:
            if ow.type == 0 and ow.id == guild.id:
                perms = (perms & ~ow.deny) | ow.allow
        allow = deny = 0
        for ow in overwrites:
            if ow.type == 0 and ow.id in role_ids:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        for ow in overwrites:
            if ow.type == 1 and ow.id == user_id:
                perms = (perms & ~ow.deny) | ow.allow
        if not perms & VIEW_CHANNEL:
            return 0
        if not perms & SEND_MESSAGES:
            perms &= ~(ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE | SEND_TTS_MESSAGES)
        return perms

    # ------------------------------------------------------------------ payload builders
    def user_payload(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            raise _ApiError(404, 10013, "Unknown User")
        return user.payload()

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True,
                       channel_id: int | None = None) -> dict[str, Any]:
        member = self.guilds[guild_id].members.get(user_id)
        if member is None:
            raise _ApiError(404, 10007, "Unknown Member")
        data: dict[str, Any] = {
            "roles": [str(r) for r in member.role_ids],
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user_payload(user_id)
        if channel_id is not None:
            data["permissions"] = str(self.channel_permissions(channel_id, user_id))
        return data

    def channel_payload(self, channel_id: int) -> dict[str, Any]:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        if channel.is_dm:
            return {
                "id": str(channel.id),
                "type": 1,
                "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
                "recipients": [self.user_payload(u) for u in channel.recipient_ids],
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [o.payload() for o in channel.overwrites],
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "topic": channel.topic,
            "nsfw": channel.nsfw,
            "rate_limit_per_user": 0,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "flags": 0,
        }
        if channel.type in (10, 11, 12):
            data["owner_id"] = str(self.bot_user_id)
            data["thread_metadata"] = {
                "archived": False, "auto_archive_duration": 1440, "archive_timestamp": _iso(), "locked": False,
            }
            count = sum(1 for m in self.messages.values() if m.channel_id == channel.id and not m.deleted)
            data.update({"message_count": count, "total_message_sent": count, "member_count": 1})
        return data

    def guild_payload(self, guild_id: int, *, full: bool = False, intents: int = 0) -> dict[str, Any]:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise _ApiError(404, 10004, "Unknown Guild")
        data: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(guild.features),
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": guild.premium_tier,
            "premium_subscription_count": {0: 0, 1: 2, 2: 7, 3: 14}.get(guild.premium_tier, 0),
            "preferred_locale": guild.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
        }
        if full:
            include_all = bool(intents & INTENT_GUILD_MEMBERS)
            member_ids = [u for u in guild.members if include_all or u == self.bot_user_id]
            data.update(
                {
                    "joined_at": guild.members[self.bot_user_id].joined_at,
                    "large": False,
                    "unavailable": False,
                    "member_count": len(guild.members),
                    "voice_states": [],
                    "members": [self.member_payload(guild.id, u) for u in member_ids],
                    "channels": [self.channel_payload(c) for c in guild.channel_ids
                                 if self.channels[c].type not in (10, 11, 12)],
                    "threads": [self.channel_payload(c) for c in guild.channel_ids
                                if self.channels[c].type in (10, 11, 12)],
                    "presences": [],
                    "stage_instances": [],
                    "guild_scheduled_events": [],
                    "soundboard_sounds": [],
                }
            )
        return data

    def message_payload(self, message: FakeMessage, *, for_gateway: bool = False) -> dict[str, Any]:
        author = self.users.get(message.author_id)
        author_payload = author.payload() if author else {
            "id": str(message.author_id), "username": "unknown", "discriminator": "0", "avatar": None,
        }
        data: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": author_payload,
            "content": message.content,
            "timestamp": message.created_at,
            "edited_timestamp": message.edited_at,
            "tts": message.tts,
            "mention_everyone": message.pinged_everyone,
            "mentions": [self.users[u].payload() for u in sorted(message.pinged_user_ids) if u in self.users],
            "mention_roles": [str(r) for r in sorted(message.pinged_role_ids)],
            "attachments": [a.payload() for a in message.attachments],
            "embeds": message.embeds,
            "components": message.components,
            "pinned": False,
            "type": message.type,
            "flags": message.flags,
        }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            data["application_id"] = str(message.application_id)
        if message.interaction_metadata is not None:
            data["interaction_metadata"] = message.interaction_metadata
        if message.sticker_ids:
            data["sticker_items"] = [{"id": s, "name": "sticker", "format_type": 1} for s in message.sticker_ids]
        if message.poll is not None:
            data["poll"] = message.poll
        if message.message_reference is not None:
            data["message_reference"] = message.message_reference
            ref_id = message.message_reference.get("message_id")
            ref = self.messages.get(int(ref_id)) if ref_id else None
            if ref is not None and not ref.deleted and message.type == 19:
                data["referenced_message"] = self.message_payload(ref)
        if for_gateway and message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            if message.author_id in self.guilds[message.guild_id].members:
                data["member"] = self.member_payload(message.guild_id, message.author_id, with_user=False)
        return data

    # ------------------------------------------------------------------ queries for tests
    def calls(self, method: str | None = None, pattern: str = "**", *, since: int = 0,
              status: int | None = None) -> list[RecordedRequest]:
        """Completed recorded requests matching ``method`` and a path ``pattern`` (``*`` = one
        segment, ``**`` = anything). ``since`` is a ``len(fake.requests)`` mark."""
        regex = _pattern_regex(pattern)
        return [
            r for r in self.requests[since:]
            if r.done and r.matches(method, regex) and (status is None or r.status == status)
        ]

    def mark(self) -> int:
        """A position in ``fake.requests``, for ``calls(..., since=mark)``."""
        return len(self.requests)

    async def wait_for(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
    ) -> RecordedRequest:
        """The first completed request (from ``since`` on) satisfying ``predicate``, waiting for it."""
        for r in self.requests[since:]:
            if r.done and predicate(r):
                return r
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[RecordedRequest] = loop.create_future()
        entry = (predicate, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            seen = "\n  ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[since:][-20:])
            raise TimeoutError(f"no matching request within {timeout}s; recent requests:\n  {seen}") from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    async def wait_for_call(
        self,
        method: str | None,
        pattern: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
        status: int | None = None,
    ) -> RecordedRequest:
        regex = _pattern_regex(pattern)
        return await self.wait_for(
            lambda r: r.matches(method, regex) and (status is None or r.status == status),
            timeout=timeout, since=since,
        )

    async def wait_for_callback(
        self,
        interaction: FakeInteraction,
        *,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The bot's ``POST /interactions/{id}/{token}/callback`` for this interaction."""
        path = f"/interactions/{interaction.id}/{interaction.token}/callback"
        return await self.wait_for(lambda r: r.method == "POST" and r.path == path, timeout=timeout)

    async def wait_for_autocomplete(
        self,
        interaction: FakeInteraction,
        *,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        req = await self.wait_for_callback(interaction, timeout=timeout)
        if req.status != 200 and req.status != 204:
            raise AssertionError(f"autocomplete callback failed: {req.status} {req.response}")
        return list(interaction.choices or [])

    def channel_messages(self, channel_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        return sorted(
            (m for m in self.messages.values()
             if m.channel_id == channel_id and (include_deleted or not m.deleted)),
            key=lambda m: m.id,
        )

    def original_message(self, interaction: FakeInteraction) -> FakeMessage | None:
        if interaction.original_message_id is None:
            return None
        return self.messages.get(interaction.original_message_id)

    def age_interaction(self, interaction: FakeInteraction, seconds: float) -> None:
        """Pretend the interaction was created ``seconds`` earlier (token expiry without waiting)."""
        interaction.created -= seconds

    # ------------------------------------------------------------------ fault injection
    def inject_429(self, route_pattern: str, retry_after: float = 0.5, count: int = 1, global_: bool = False,
                   *, bucket: str = "fakebucket") -> InjectedFault:
        """The next ``count`` matching requests get Discord's 429. ``route_pattern`` is
        ``"POST /channels/*/messages"`` or a bare path pattern (any method)."""
        method, regex = _split_route_pattern(route_pattern)
        reset_at = time.time() + retry_after
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{reset_at:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if global_ else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and raises at once.
            "Via": "1.1 google",
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        body: dict[str, Any] = {"message": "You are being rate limited.", "retry_after": retry_after,
                                "global": global_}
        if global_:
            body["code"] = 0
        fault = InjectedFault(method, regex, count, 429, body, headers)
        self.faults.append(fault)
        return fault

    def inject_status(self, route_pattern: str, status: int, code: int = 0, count: int = 1,
                      message: str | None = None) -> InjectedFault:
        """The next ``count`` matching requests get ``status`` with ``{"code", "message"}``."""
        method, regex = _split_route_pattern(route_pattern)
        body = {"message": message or f"{status}: injected error", "code": code}
        fault = InjectedFault(method, regex, count, status, body, {})
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    # ------------------------------------------------------------------ gateway: public helpers
    @property
    def connected_sessions(self) -> list[_Session]:
        return [s for s in self._sessions.values() if s.ready and s.ws is not None and not s.ws.closed]

    async def wait_until_identified(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.connected_sessions:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("no client identified with the fake gateway")
            await asyncio.sleep(0.01)

    async def dispatch(self, event: str, data: Mapping[str, Any], *, intents_required: int = 0) -> int:
        """Send a DISPATCH event to every connected, identified session. Returns how many got it."""
        sent = 0
        for session in self.connected_sessions:
            if intents_required and not session.intents & intents_required:
                continue
            await self._send_dispatch(session, event, dict(data))
            sent += 1
        return sent

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs."""
        for session in self.connected_sessions:
            await self._send_raw(session, {"op": 7, "d": None, "s": None, "t": None})

    async def push_guild_create(self, guild_id: int) -> int:
        """Announce a guild added after READY (the bot "joins" it)."""
        sessions = self.connected_sessions
        for session in sessions:
            await self._send_dispatch(session, "GUILD_CREATE",
                                      self.guild_payload(guild_id, full=True, intents=session.intents))
        return len(sessions)

    async def push_channel_update(self, channel_id: int) -> int:
        return await self.dispatch("CHANNEL_UPDATE", self.channel_payload(channel_id))

    # ------------------------------------------------------------------ user actions
    def send_attachment(self, filename: str, data: bytes, *, content_type: str | None = None,
                        channel_id: int | None = None, description: str | None = None) -> FakeAttachment:
        """Register a file a user uploaded (served by the fake CDN); pass it as an attachment option
        value to ``invoke_slash`` or in ``files`` of ``user_message``."""
        att_id = self.new_id()
        att = FakeAttachment(att_id, filename, bytes(data), self._cdn_url(channel_id or 0, att_id, filename),
                             content_type=content_type or _guess_content_type(filename), description=description,
                             ephemeral=channel_id is None)
        self._blobs[att_id] = att
        return att

    def add_message(self, channel_id: int, content: str = "", *, author_id: int | None = None,
                    components: Sequence[Mapping[str, Any]] = (), embeds: Sequence[Mapping[str, Any]] = ()
                    ) -> FakeMessage:
        """Seed a stored message without any event, e.g. a bot message with persistent buttons that
        was posted "before a restart"."""
        channel = self.channels[channel_id]
        msg = FakeMessage(self.new_id(), channel_id, channel.guild_id,
                          author_id if author_id is not None else self.bot_user_id, content=content,
                          components=[dict(c) for c in components], embeds=[dict(e) for e in embeds])
        self._apply_mentions(msg)
        self._store_message(msg)
        return msg

    async def user_message(self, channel_id: int, user_id: int, content: str = "", *,
                           files: Sequence[FakeAttachment] = (), reply_to: int | None = None) -> FakeMessage:
        """A user posts a message; dispatched as MESSAGE_CREATE (content blanked without the
        MESSAGE_CONTENT intent, except in DMs or when the bot is mentioned)."""
        channel = self.channels[channel_id]
        msg = FakeMessage(self.new_id(), channel_id, channel.guild_id, user_id, content=content,
                          attachments=list(files), type=19 if reply_to else 0)
        if reply_to:
            msg.message_reference = {"type": 0, "message_id": str(reply_to), "channel_id": str(channel_id)}
            if channel.guild_id:
                msg.message_reference["guild_id"] = str(channel.guild_id)
        self._apply_mentions(msg)
        self._store_message(msg)
        await self._dispatch_message_event("MESSAGE_CREATE", msg)
        return msg

    def _find_command(self, guild_id: int | None, name: str, command_type: int) -> dict[str, Any]:
        candidates = []
        if guild_id is not None:
            candidates += self.guild_commands.get(guild_id, [])
        candidates += self.global_commands
        for cmd in candidates:
            if cmd["name"] == name and cmd.get("type", 1) == command_type:
                if guild_id is None:
                    contexts = cmd.get("contexts")
                    if contexts is not None and 1 not in contexts:
                        raise LookupError(f"command {name!r} is not available in bot DMs (contexts={contexts})")
                    if contexts is None and cmd.get("dm_permission") is False:
                        raise LookupError(f"command {name!r} has dm_permission=false")
                elif cmd.get("contexts") is not None and 0 not in cmd["contexts"]:
                    raise LookupError(f"command {name!r} is not available in guilds (contexts={cmd['contexts']})")
                return cmd
        synced = [c["name"] for c in candidates]
        raise LookupError(f"command {name!r} (type {command_type}) was never synced; synced: {synced}")

    def _context_for(self, guild_id: int | None, channel_id: int | None, user_id: int
                     ) -> tuple[int | None, int]:
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; add it with add_user/add_member")
        if guild_id is None:
            dm = self.channels[channel_id] if channel_id is not None else self.open_dm(user_id)
            if not dm.is_dm:
                raise ValueError("guild_id is None but channel is not a DM")
            return None, dm.id
        if channel_id is None:
            raise ValueError("channel_id is required for a guild interaction")
        guild = self.guilds[guild_id]
        if user_id not in guild.members:
            raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
        if channel_id not in guild.channel_ids:
            raise KeyError(f"channel {channel_id} is not in guild {guild_id}")
        return guild_id, channel_id

    def _base_interaction(self, itype: int, guild_id: int | None, channel_id: int, user_id: int,
                          data: dict[str, Any] | None, *, locale: str = "en-US",
                          message: FakeMessage | None = None) -> FakeInteraction:
        iid = self.new_id()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        limit = self.upload_limit(guild_id)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": self.channel_payload(channel_id),
            "app_permissions": str(self.channel_permissions(channel_id, self.bot_user_id)),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": limit,
        }
        payload["channel"]["permissions"] = str(self.channel_permissions(channel_id, user_id))
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            guild = self.guilds[guild_id]
            payload["guild_id"] = str(guild_id)
            payload["guild"] = {"id": str(guild_id), "locale": guild.preferred_locale, "features": guild.features}
            payload["guild_locale"] = guild.preferred_locale
            payload["member"] = self.member_payload(guild_id, user_id, channel_id=channel_id)
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
            payload["context"] = 0
        else:
            payload["user"] = self.user_payload(user_id)
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["context"] = 1
        if message is not None:
            payload["message"] = self.message_payload(message)
        inter = FakeInteraction(iid, token, itype, guild_id, channel_id, user_id, payload,
                                created=time.monotonic(), upload_limit=limit,
                                source_message_id=message.id if message else None)
        self.interactions[iid] = inter
        return inter

    async def _dispatch_interaction(self, inter: FakeInteraction) -> FakeInteraction:
        inter.created = time.monotonic()
        if await self.dispatch("INTERACTION_CREATE", inter.payload) == 0:
            raise RuntimeError("no identified gateway session to deliver the interaction to")
        return inter

    def _build_options(
        self,
        defs: list[dict[str, Any]],
        values: Mapping[str, Any],
        resolved: dict[str, dict[str, Any]],
        guild_id: int | None,
        channel_id: int,
        *,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in defs}
        out: list[dict[str, Any]] = []
        for name, value in values.items():
            odef = by_name.get(name)
            if odef is None:
                raise ValueError(f"option {name!r} does not exist; options: {sorted(by_name)}")
            otype = odef["type"]
            option: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                option["value"] = str(value)  # what the user has typed so far, always a string
                option["focused"] = True
                out.append(option)
                continue
            if focused is not None:
                option["value"] = value if otype in (3, 4, 5, 10) else str(_snowflake_of(value))
                out.append(option)
                continue
            if otype == 3:
                value = str(value)
            elif otype == 4:
                value = int(value)
            elif otype == 5:
                value = bool(value)
            elif otype == 10:
                value = float(value)
            elif otype in (6, 9) and _snowflake_of(value) in self.users:
                uid = _snowflake_of(value)
                resolved.setdefault("users", {})[str(uid)] = self.user_payload(uid)
                if guild_id is not None and uid in self.guilds[guild_id].members:
                    resolved.setdefault("members", {})[str(uid)] = self.member_payload(
                        guild_id, uid, with_user=False, channel_id=channel_id)
                value = str(uid)
            elif otype in (8, 9):
                rid = _snowflake_of(value)
                role = self.guilds[guild_id].roles.get(rid) if guild_id is not None else None
                if role is None:
                    raise ValueError(f"option {name!r}: unknown role {rid}")
                resolved.setdefault("roles", {})[str(rid)] = role.payload()
                value = str(rid)
            elif otype == 7:
                cid = _snowflake_of(value)
                ch = self.channel_payload(cid)
                ch["permissions"] = str(self.channel_permissions(cid, self.bot_user_id))
                resolved.setdefault("channels", {})[str(cid)] = ch
                value = str(cid)
            elif otype == 11:
                att = value if isinstance(value, FakeAttachment) else self._blobs.get(_snowflake_of(value))
                if att is None:
                    raise ValueError(f"option {name!r}: register the file with send_attachment() first")
                resolved.setdefault("attachments", {})[str(att.id)] = att.payload()
                value = str(att.id)
            else:
                raise ValueError(f"option {name!r}: cannot build a value of type {otype} from {value!r}")
            choices = odef.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"option {name!r}: {value!r} is not one of the choices {choices}")
            option["value"] = value
            out.append(option)
        if focused is None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in values]
            if missing:
                raise ValueError(f"required options missing (Discord's client would refuse): {missing}")
        return out

    def _command_data(self, guild_id: int | None, channel_id: int, name: str, options: Mapping[str, Any],
                      subcommand: str | None, group: str | None, focused: str | None,
                      command_type: int = 1, target_id: int | None = None) -> tuple[dict[str, Any], dict]:
        cmd = self._find_command(guild_id, name, command_type)
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": command_type}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if command_type == 1:
            defs = cmd.get("options", [])
            wrappers: list[dict[str, Any]] = []
            if group is not None:
                gdef = next((o for o in defs if o["type"] == 2 and o["name"] == group), None)
                if gdef is None:
                    raise ValueError(f"/{name} has no subcommand group {group!r}")
                wrappers.append({"name": group, "type": 2})
                defs = gdef.get("options", [])
            if subcommand is not None:
                sdef = next((o for o in defs if o["type"] == 1 and o["name"] == subcommand), None)
                if sdef is None:
                    raise ValueError(f"/{name} has no subcommand {subcommand!r}")
                wrappers.append({"name": subcommand, "type": 1})
                defs = sdef.get("options", [])
            elif any(o["type"] in (1, 2) for o in defs):
                raise ValueError(f"/{name} has subcommands; pass subcommand=")
            built = self._build_options(defs, options, resolved, guild_id, channel_id, focused=focused)
            # nest: the innermost wrapper holds the options
            for wrapper in reversed(wrappers):
                wrapper["options"] = built
                built = [wrapper]
            data["options"] = built
        else:
            if target_id is None:
                raise ValueError("context menu commands need target_id")
            data["target_id"] = str(target_id)
            if command_type == 2:
                resolved["users"] = {str(target_id): self.user_payload(target_id)}
                if guild_id is not None and target_id in self.guilds[guild_id].members:
                    resolved["members"] = {str(target_id): self.member_payload(
                        guild_id, target_id, with_user=False, channel_id=channel_id)}
            else:
                resolved["messages"] = {str(target_id): self.message_payload(self.messages[target_id])}
        if resolved:
            data["resolved"] = resolved
        return data, cmd

    async def invoke_slash(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
        respect_default_permissions: bool = True,
    ) -> FakeInteraction:
        """A user runs ``/name [group] [subcommand] options...`` (``guild_id=None``: in the bot DM).

        Uses the synced command (its id, option types, choices). Option values: str/int/bool/float,
        a user/role/channel id (or object with ``.id``), or a ``FakeAttachment``. If the command's
        ``default_member_permissions`` exclude the user, Discord would hide it: this raises
        ``PermissionError`` unless ``respect_default_permissions=False`` (an admin override)."""
        guild_id, channel_id = self._context_for(guild_id, channel_id, user_id)
        data, cmd = self._command_data(guild_id, channel_id, name, options or {}, subcommand, group, None)
        self._check_default_permissions(cmd, guild_id, channel_id, user_id, respect_default_permissions)
        inter = self._base_interaction(2, guild_id, channel_id, user_id, data, locale=locale)
        inter.command_name = name
        return await self._dispatch_interaction(inter)

    async def invoke_context_menu(self, guild_id: int | None, channel_id: int | None, user_id: int, name: str,
                                  target_id: int, *, message: bool = False) -> FakeInteraction:
        guild_id, channel_id = self._context_for(guild_id, channel_id, user_id)
        ctype = 3 if message else 2
        data, _ = self._command_data(guild_id, channel_id, name, {}, None, None, None, ctype, target_id)
        inter = self._base_interaction(2, guild_id, channel_id, user_id, data)
        inter.command_name = name
        return await self._dispatch_interaction(inter)

    async def invoke_autocomplete(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """The user is typing into option ``focused`` of ``/name``; options hold the raw values so far.
        ``await fake.wait_for_autocomplete(interaction)`` returns the choices the bot answered."""
        guild_id, channel_id = self._context_for(guild_id, channel_id, user_id)
        if focused not in options:
            raise ValueError("the focused option must be in options")
        data, _ = self._command_data(guild_id, channel_id, name, options, subcommand, group, focused)
        inter = self._base_interaction(4, guild_id, channel_id, user_id, data, locale=locale)
        inter.command_name = name
        return await self._dispatch_interaction(inter)

    async def click_button(self, message_id: int, custom_id: str, user_id: int, *,
                           values: Sequence[str] | None = None, locale: str = "en-US") -> FakeInteraction:
        """The user clicks a button (or picks ``values`` in a select) on a stored message."""
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            raise KeyError(f"unknown message {message_id}")
        comp = next((c for c in _iter_components(message.components) if c.get("custom_id") == custom_id), None)
        if comp is None:
            raise ValueError(f"message {message_id} has no component {custom_id!r}; has {message.custom_ids()}")
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; Discord's client would not send the click")
        guild_id, channel_id = self._context_for(message.guild_id, message.channel_id, user_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp["type"]}
        if "id" in comp:
            data["id"] = comp["id"]
        if comp["type"] != 2:
            data["values"] = list(values or [])
        inter = self._base_interaction(3, guild_id, channel_id, user_id, data, locale=locale, message=message)
        return await self._dispatch_interaction(inter)

    async def submit_modal(self, custom_id: str, values: Mapping[str, Any], user_id: int, *,
                           interaction: FakeInteraction | None = None) -> FakeInteraction:
        """The user submits the modal the bot showed (type 9 callback) with ``{field_custom_id: value}``.
        The structure mirrors the modal the bot sent (action rows or labels)."""
        source = interaction
        if source is None:
            source = next((i for i in reversed(list(self.interactions.values()))
                           if i.modal is not None and i.modal.get("custom_id") == custom_id), None)
        if source is None or source.modal is None:
            raise LookupError(f"the bot never showed a modal {custom_id!r}")
        remaining = dict(values)

        def fill(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for comp in components:
                ctype = comp.get("type")
                if ctype == 1:
                    out.append({"type": 1, "components": fill(comp.get("components", []))})
                elif ctype == 18:
                    inner = fill([comp["component"]])
                    item: dict[str, Any] = {"type": 18, "component": inner[0] if inner else {}}
                    if "id" in comp:
                        item["id"] = comp["id"]
                    out.append(item)
                elif "custom_id" in comp:
                    cid = comp["custom_id"]
                    val = remaining.pop(cid, comp.get("value", "") if ctype == 4 else [])
                    item = {"type": ctype, "custom_id": cid}
                    if "id" in comp:
                        item["id"] = comp["id"]
                    if ctype == 4:
                        item["value"] = str(val)
                    else:
                        item["values"] = [str(v) for v in (val if isinstance(val, list | tuple) else [val])]
                    out.append(item)
            return out

        components = fill(source.modal.get("components", []))
        if remaining:
            raise ValueError(f"modal {custom_id!r} has no fields {sorted(remaining)}")
        message = self.messages.get(source.source_message_id) if source.source_message_id else None
        data = {"custom_id": custom_id, "components": components}
        guild_id, channel_id = self._context_for(source.guild_id, source.channel_id, user_id)
        inter = self._base_interaction(5, guild_id, channel_id, user_id, data, message=message)
        return await self._dispatch_interaction(inter)

    def _check_default_permissions(self, cmd: Mapping[str, Any], guild_id: int | None, channel_id: int,
                                   user_id: int, enforce: bool) -> None:
        required = cmd.get("default_member_permissions")
        if not enforce or guild_id is None or required is None:
            return
        required_bits = int(required)
        perms = self.channel_permissions(channel_id, user_id)
        # "0" hides the command from everyone but administrators (and the owner)
        allowed = perms == ALL_PERMISSIONS if required_bits == 0 else perms & required_bits == required_bits
        if not allowed:
            raise PermissionError(
                f"/{cmd['name']} requires default_member_permissions={required_bits}; the user has {perms}. "
                "Pass respect_default_permissions=False to simulate an admin override."
            )

    # =========================================================================================
    # HTTP plumbing
    # =========================================================================================
    def _build_routes(self) -> list[_Route]:
        table: list[tuple[str, str, Callable[..., Any], bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("POST", "/users/@me/channels", self._open_dm_route, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("GET", "/oauth2/applications/@me", self._app_info, True),
            ("GET", "/applications/@me", self._app_info, True),
            ("GET", "/gateway", self._gateway, False),
            ("GET", "/gateway/bot", self._gateway_bot, True),
            ("GET", "/applications/{app_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/commands", self._put_commands, True),
            ("POST", "/applications/{app_id}/commands", self._post_command, True),
            ("GET", "/applications/{app_id}/commands/{command_id}", self._get_command, True),
            ("PATCH", "/applications/{app_id}/commands/{command_id}", self._patch_command, True),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self._delete_command, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self._post_command, True),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self._get_command, True),
            ("PATCH", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self._patch_command,
             True),
            ("DELETE", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self._delete_command,
             True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback, False),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_get_message, False),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_edit_message, False),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_delete_message, False),
            ("POST", "/webhooks/{app_id}/{token}", self._webhook_followup, False),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self._list_messages, True),
            ("POST", "/channels/{channel_id}/messages", self._create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message, True),
            ("POST", "/channels/{channel_id}/typing", self._typing, True),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True),
        ]
        routes = []
        for method, path, handler, auth in table:
            regex = re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)))
            routes.append(_Route(method, regex, handler, auth))
        return routes

    async def _read_body(self, request: web.Request) -> _Body:
        files: list[RecordedFile] = []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if getattr(part, "filename", None) is None and part.name == "payload_json":  # type: ignore[union-attr]
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    raw = await part.read(decode=False)  # type: ignore[union-attr]
                    files.append(RecordedFile(part.name or "", part.filename,  # type: ignore[union-attr]
                                              part.headers.get("Content-Type"), bytes(raw)))
            return _Body(payload, files)
        raw = await request.read()
        if not raw:
            return _Body(None, files)
        try:
            return _Body(json.loads(raw), files)
        except ValueError:
            return _Body(raw.decode("utf-8", "replace"), files)

    def _notify(self, rec: RecordedRequest) -> None:
        for predicate, fut in list(self._waiters):
            if fut.done():
                continue
            try:
                ok = predicate(rec)
            except Exception as exc:
                fut.set_exception(exc)
                continue
            if ok:
                fut.set_result(rec)

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        full_path = request.path
        m = re.match(r"^/api(?:/v\d+)?(?=/)", full_path)
        api = m is not None
        path = full_path[m.end():] if m else full_path
        try:
            body = await self._read_body(request)
        except ValueError:
            body = _Body(None, [])
        rec = RecordedRequest(
            index=len(self.requests), method=request.method, path=path, full_path=full_path,
            query=dict(request.query), headers=dict(request.headers), json=body.json, files=body.files,
            time=time.monotonic(), api=api,
        )
        self.requests.append(rec)
        status: int
        payload: Any
        headers: dict[str, str] = {}
        try:
            if isinstance(body.json, str):
                raise _ApiError(400, 50109, "The request body contains invalid JSON.")
            status, payload, headers = await self._route(rec, request, api)
        except _ApiError as err:
            status, payload, headers = err.status, err.body, err.headers
        except Exception as exc:  # a bug in the fake: answer 400 so discord.py fails fast, and keep it
            self.server_errors.append((rec, exc))
            status, payload, headers = 400, {"message": f"fake discord internal error: {exc!r}", "code": 0}, {}
        rec.status, rec.response, rec.done = status, payload, True
        self._notify(rec)
        if payload is None:
            return web.Response(status=204 if status in (200, 204) else status, headers=headers)
        if isinstance(payload, bytes | bytearray):
            return web.Response(status=status, body=payload, headers=headers,
                                content_type="application/octet-stream")
        # discord.py only decodes JSON when Content-Type is exactly "application/json" (no charset).
        return web.Response(status=status, body=json.dumps(payload).encode(),
                            headers={**headers, "Content-Type": "application/json"})

    async def _route(self, rec: RecordedRequest, request: web.Request, api: bool
                     ) -> tuple[int, Any, dict[str, str]]:
        for fault in self.faults:
            if fault.remaining > 0 and (fault.method is None or fault.method == rec.method) \
                    and fault.regex.fullmatch(rec.path):
                fault.remaining -= 1
                fault.hits += 1
                return fault.status, dict(fault.body), dict(fault.headers)
        routes = self._routes if api else self._cdn_routes
        path_matched = False
        for route in routes:
            match = route.regex.fullmatch(rec.path)
            if match is None:
                continue
            path_matched = True
            if route.method != rec.method:
                continue
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise _ApiError(401, 0, "401: Unauthorized")
            result = await route.handler(rec, **match.groupdict())
            if isinstance(result, tuple):
                return result[0], result[1], {}
            return 200, result, {}
        self.unknown_routes.append(rec)
        if path_matched:
            raise _ApiError(405, 0, "405: Method Not Allowed")
        raise _ApiError(404, 0, "404: Not Found")

    def _cdn_url(self, channel_id: int, attachment_id: int, filename: str) -> str:
        return f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{quote(filename)}"

    async def _cdn_attachment(self, rec: RecordedRequest, channel_id: str, attachment_id: str) -> Any:
        att = self._blobs.get(int(attachment_id))
        if att is None:
            raise _ApiError(404, 0, "404: Not Found")
        return att.data

    # ------------------------------------------------------------------ simple REST routes
    async def _get_me(self, rec: RecordedRequest) -> Any:
        data = self.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return data

    async def _get_user(self, rec: RecordedRequest, user_id: str) -> Any:
        return self.user_payload(int(user_id))

    async def _app_info(self, rec: RecordedRequest) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot_user.payload(),
            "owner": self.user_payload(self.owner_user_id),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
        }

    async def _gateway(self, rec: RecordedRequest) -> Any:
        return {"url": self.gateway_url}

    async def _gateway_bot(self, rec: RecordedRequest) -> Any:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000,
                                    "max_concurrency": 1},
        }

    async def _open_dm_route(self, rec: RecordedRequest) -> Any:
        body = rec.json or {}
        try:
            uid = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            raise _form_error("recipient_id", "BASE_TYPE_REQUIRED", "This field is required") from None
        if uid not in self.users:
            raise _ApiError(400, 50035, "Invalid Form Body")
        return self.channel_payload(self.open_dm(uid).id)

    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        cid = int(channel_id)
        channel = self.channels.get(cid)
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        if channel.guild_id is not None and not self.channel_permissions(cid, self.bot_user_id) & VIEW_CHANNEL:
            raise _ApiError(403, 50001, "Missing Access")
        return self.channel_payload(cid)

    async def _get_guild(self, rec: RecordedRequest, guild_id: str) -> Any:
        data = self.guild_payload(int(guild_id))
        if rec.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(self.guilds[int(guild_id)].members)
            data["approximate_presence_count"] = 0
        return data

    async def _get_guild_channels(self, rec: RecordedRequest, guild_id: str) -> Any:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            raise _ApiError(404, 10004, "Unknown Guild")
        return [self.channel_payload(c) for c in guild.channel_ids]

    async def _get_guild_roles(self, rec: RecordedRequest, guild_id: str) -> Any:
        return self.guild_payload(int(guild_id))["roles"]

    async def _get_member(self, rec: RecordedRequest, guild_id: str, user_id: str) -> Any:
        if int(guild_id) not in self.guilds:
            raise _ApiError(404, 10004, "Unknown Guild")
        return self.member_payload(int(guild_id), int(user_id))

    async def _typing(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._require_channel_access(int(channel_id), SEND_MESSAGES)
        return 204, None

    # ------------------------------------------------------------------ application commands
    def _command_list(self, app_id: str, guild_id: str | None) -> list[dict[str, Any]]:
        if int(app_id) != self.application_id:
            raise _ApiError(403, 50001, "Missing Access")
        if guild_id is None:
            return self.global_commands
        gid = int(guild_id)
        if gid not in self.guilds:
            raise _ApiError(403, 50001, "Missing Access")
        return self.guild_commands.setdefault(gid, [])

    def _normalise_command(self, data: Mapping[str, Any], guild_id: str | None,
                           existing: Sequence[Mapping[str, Any]], path: str) -> dict[str, Any]:
        ctype = data.get("type", 1)
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            raise _form_error(f"{path}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        if ctype == 1:
            if name != name.lower() or not re.fullmatch(r"[-_'\w]{1,32}", name):
                raise _form_error(f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            description = data.get("description", "")
            if not 1 <= len(description) <= 100:
                raise _form_error(f"{path}.description", "BASE_TYPE_BAD_LENGTH",
                                  "Must be between 1 and 100 in length.")
            self._validate_options(data.get("options", []) or [], f"{path}.options")
        prior = next((c for c in existing if c["name"] == name and c.get("type", 1) == ctype), None)
        cmd: dict[str, Any] = {
            "id": prior["id"] if prior else str(self.new_id()),
            "application_id": str(self.application_id),
            "version": str(self.new_id()),
            "type": ctype,
            "name": name,
            "description": data.get("description", "") if ctype == 1 else "",
            "options": data.get("options", []) or [],
            # discord.py sends an int; Discord stores and returns a string
            "default_member_permissions": (None if data.get("default_member_permissions") is None
                                           else str(int(data["default_member_permissions"]))),
            "dm_permission": data.get("dm_permission", True),
            "contexts": data.get("contexts"),
            "integration_types": data.get("integration_types", [0]),
            "nsfw": data.get("nsfw", False),
            "name_localizations": data.get("name_localizations"),
            "description_localizations": data.get("description_localizations"),
        }
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        return cmd

    def _validate_options(self, options: Sequence[Mapping[str, Any]], path: str) -> None:
        if len(options) > 25:
            raise _form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        seen_optional = False
        for i, opt in enumerate(options):
            opath = f"{path}.{i}"
            name = opt.get("name", "")
            if not re.fullmatch(r"[-_'\w]{1,32}", name) or name != name.lower():
                raise _form_error(f"{opath}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if not 1 <= len(opt.get("description", "")) <= 100:
                raise _form_error(f"{opath}.description", "BASE_TYPE_BAD_LENGTH",
                                  "Must be between 1 and 100 in length.")
            if opt.get("type") in (1, 2):
                self._validate_options(opt.get("options", []) or [], f"{opath}.options")
                continue
            if opt.get("required"):
                if seen_optional:
                    raise _form_error(opath, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                                      "Required options must be placed before non-required options")
            else:
                seen_optional = True
            choices = opt.get("choices") or []
            if len(choices) > 25:
                raise _form_error(f"{opath}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if choices and opt.get("autocomplete"):
                raise _form_error(f"{opath}.autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                                  "Autocomplete cannot be set with choices")

    async def _get_commands(self, rec: RecordedRequest, app_id: str, guild_id: str | None = None) -> Any:
        return list(self._command_list(app_id, guild_id))

    async def _put_commands(self, rec: RecordedRequest, app_id: str, guild_id: str | None = None) -> Any:
        current = self._command_list(app_id, guild_id)
        body = rec.json
        if not isinstance(body, list):
            raise _ApiError(400, 50035, "Invalid Form Body")
        if sum(1 for c in body if c.get("type", 1) == 1) > 100:
            raise _form_error("_errors", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        new = [self._normalise_command(c, guild_id, current, str(i)) for i, c in enumerate(body)]
        names = [(c["name"], c["type"]) for c in new]
        if len(set(names)) != len(names):
            raise _ApiError(400, 50035, "Invalid Form Body (duplicate command name)")
        current[:] = new
        return list(new)

    async def _post_command(self, rec: RecordedRequest, app_id: str, guild_id: str | None = None) -> Any:
        current = self._command_list(app_id, guild_id)
        cmd = self._normalise_command(rec.json or {}, guild_id, current, "")
        current[:] = [c for c in current if c["id"] != cmd["id"]] + [cmd]
        return 201, cmd

    def _command_by_id(self, app_id: str, guild_id: str | None, command_id: str) -> dict[str, Any]:
        for cmd in self._command_list(app_id, guild_id):
            if cmd["id"] == command_id:
                return cmd
        raise _ApiError(404, 10063, "Unknown application command")

    async def _get_command(self, rec: RecordedRequest, app_id: str, command_id: str,
                           guild_id: str | None = None) -> Any:
        return self._command_by_id(app_id, guild_id, command_id)

    async def _patch_command(self, rec: RecordedRequest, app_id: str, command_id: str,
                             guild_id: str | None = None) -> Any:
        cmd = self._command_by_id(app_id, guild_id, command_id)
        merged = {**cmd, **(rec.json or {})}
        current = self._command_list(app_id, guild_id)
        new = self._normalise_command(merged, guild_id, [cmd], "")
        current[:] = [new if c["id"] == command_id else c for c in current]
        return new

    async def _delete_command(self, rec: RecordedRequest, app_id: str, command_id: str,
                              guild_id: str | None = None) -> Any:
        self._command_by_id(app_id, guild_id, command_id)
        current = self._command_list(app_id, guild_id)
        current[:] = [c for c in current if c["id"] != command_id]
        return 204, None

    # ------------------------------------------------------------------ messages
    def _require_channel_access(self, channel_id: int, *needed: int) -> FakeChannel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        if channel.is_dm:
            return channel
        perms = self.channel_permissions(channel_id, self.bot_user_id)
        if not perms & VIEW_CHANNEL:
            raise _ApiError(403, 50001, "Missing Access")
        for bit in needed:
            if not perms & bit:
                raise _ApiError(403, 50013, "Missing Permissions")
        return channel

    def _apply_mentions(self, msg: FakeMessage, *, replied_user_id: int | None = None) -> None:
        content = msg.content or ""
        users = {int(u) for u in _USER_MENTION.findall(content)}
        roles = {int(r) for r in _ROLE_MENTION.findall(content)}
        everyone = "@everyone" in content or "@here" in content
        am = msg.allowed_mentions
        if am is None:
            msg.pinged_user_ids = users | ({replied_user_id} if replied_user_id else set())
            msg.pinged_role_ids = roles
            msg.pinged_everyone = everyone
            return
        parse = set(am.get("parse") or [])
        allowed_users = {int(u) for u in am.get("users") or []}
        allowed_roles = {int(r) for r in am.get("roles") or []}
        msg.pinged_user_ids = {u for u in users if "users" in parse or u in allowed_users}
        if replied_user_id and am.get("replied_user"):
            msg.pinged_user_ids.add(replied_user_id)
        msg.pinged_role_ids = {r for r in roles if "roles" in parse or r in allowed_roles}
        msg.pinged_everyone = everyone and "everyone" in parse

    def _validate_message(self, payload: Mapping[str, Any], files: Sequence[RecordedFile], *,
                          creating: bool, upload_limit: int) -> None:
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for e in embeds:
            total += len(e.get("title") or "") + len(e.get("description") or "")
            total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
            for f in e.get("fields") or []:
                total += len(f.get("name") or "") + len(f.get("value") or "")
            if len(e.get("description") or "") > 4096:
                raise _form_error("embeds.0.description", "BASE_TYPE_MAX_LENGTH", "Must be 4096 or fewer in length.")
        if total > 6000:
            raise _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        for comp in _iter_components(payload.get("components") or []):
            cid = comp.get("custom_id")
            if cid is not None and not 1 <= len(cid) <= 100:
                raise _form_error("components", "BASE_TYPE_BAD_LENGTH",
                                  "custom_id must be between 1 and 100 in length.")
        if len(files) > 10:
            raise _form_error("files", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        if sum(f.size for f in files) > upload_limit:
            raise _ApiError(413, 40005, "Request entity too large")
        if creating and not (content or embeds or files or payload.get("components") or payload.get("sticker_ids")
                             or payload.get("poll")):
            raise _ApiError(400, 50006, "Cannot send an empty message")

    def _new_attachments(self, payload: Mapping[str, Any], files: Sequence[RecordedFile], channel_id: int,
                         existing: Sequence[FakeAttachment]) -> list[FakeAttachment] | None:
        """Resolve ``attachments`` metadata + ``files[n]`` into the final attachment list, or None when
        the request does not touch attachments."""
        by_field = {f.field: f for f in files}
        meta = payload.get("attachments")
        if meta is None:
            if not files:
                return None
            meta = [{"id": i} for i in range(len(files))]
            keep = list(existing)
        else:
            keep = []
        out = keep
        old = {a.id: a for a in existing}
        for item in meta:
            raw_id = item.get("id")
            field_name = f"files[{raw_id}]"
            if field_name in by_field:
                f = by_field[field_name]
                att_id = self.new_id()
                filename = item.get("filename") or f.filename or f"file{raw_id}"
                att = FakeAttachment(att_id, filename, f.data, self._cdn_url(channel_id, att_id, filename),
                                     content_type=_guess_content_type(filename), description=item.get("description"))
                self._blobs[att_id] = att
                out.append(att)
            elif raw_id is not None and int(raw_id) in old:
                out.append(old[int(raw_id)])
            else:
                raise _form_error("attachments", "ATTACHMENT_NOT_FOUND", f"Unknown attachment {raw_id}")
        return out

    def _store_message(self, msg: FakeMessage) -> None:
        self.messages[msg.id] = msg
        channel = self.channels.get(msg.channel_id)
        if channel is not None:
            channel.last_message_id = msg.id

    def _message_from_payload(self, payload: Mapping[str, Any], files: Sequence[RecordedFile], channel: FakeChannel,
                              author_id: int, **extra: Any) -> FakeMessage:
        msg = FakeMessage(self.new_id(), channel.id, channel.guild_id, author_id, **extra)
        msg.content = str(payload.get("content") or "")
        msg.embeds = list(payload.get("embeds") or [])
        msg.components = list(payload.get("components") or [])
        msg.allowed_mentions = payload.get("allowed_mentions")
        msg.tts = bool(payload.get("tts", False))
        msg.flags |= int(payload.get("flags") or 0)
        msg.nonce = str(payload["nonce"]) if payload.get("nonce") is not None else None
        msg.sticker_ids = [str(s) for s in payload.get("sticker_ids") or []]
        msg.poll = payload.get("poll")
        msg.attachments = self._new_attachments(payload, files, channel.id, []) or []
        replied_user: int | None = None
        ref = payload.get("message_reference")
        if ref:
            ref_id = ref.get("message_id")
            target = self.messages.get(int(ref_id)) if ref_id is not None else None
            if target is None or target.deleted:
                if ref.get("fail_if_not_exists", True):
                    raise _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                      "Unknown message")
                ref = None
            elif ref.get("type", 0) == 0 and target.channel_id != channel.id:
                raise _form_error("message_reference", "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
                                  "Cannot reply to a message in a different channel")
            if ref is not None and target is not None:
                msg.message_reference = {
                    "type": ref.get("type", 0),
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                }
                if target.guild_id is not None:
                    msg.message_reference["guild_id"] = str(target.guild_id)
                if ref.get("type", 0) == 0:
                    msg.type = 19
                    replied_user = target.author_id
        self._apply_mentions(msg, replied_user_id=replied_user)
        return msg

    def _apply_edit(self, msg: FakeMessage, payload: Mapping[str, Any], files: Sequence[RecordedFile]) -> None:
        msg.history.append(self.message_payload(msg))
        if "content" in payload:
            msg.content = str(payload["content"] or "")
        if "embeds" in payload:
            msg.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            msg.components = list(payload["components"] or [])
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.flags & (FLAG_EPHEMERAL | (1 << 15))
            msg.flags = keep | int(payload["flags"])
        atts = self._new_attachments(payload, files, msg.channel_id, msg.attachments)
        if atts is not None:
            msg.attachments = atts
        msg.flags &= ~FLAG_LOADING
        msg.edited_at = _iso()
        replied = None
        if msg.type == 19 and msg.message_reference:
            target = self.messages.get(int(msg.message_reference["message_id"]))
            replied = target.author_id if target else None
        self._apply_mentions(msg, replied_user_id=replied)

    async def _dispatch_message_event(self, event: str, msg: FakeMessage) -> None:
        if not self.dispatch_message_events or msg.ephemeral:
            return
        intent = INTENT_DIRECT_MESSAGES if msg.guild_id is None else INTENT_GUILD_MESSAGES
        payload = self.message_payload(msg, for_gateway=True)
        mentions_bot = self.bot_user_id in msg.pinged_user_ids
        for session in self.connected_sessions:
            if not session.intents & intent:
                continue
            data = dict(payload)
            exempt = msg.author_id == self.bot_user_id or msg.guild_id is None or mentions_bot
            if not session.intents & INTENT_MESSAGE_CONTENT and not exempt:
                data.update({"content": "", "embeds": [], "attachments": [], "components": []})
            await self._send_dispatch(session, event, data)

    async def _create_message(self, rec: RecordedRequest, channel_id: str) -> Any:
        cid = int(channel_id)
        payload = rec.json or {}
        needed = [SEND_MESSAGES]
        if rec.files:
            needed.append(ATTACH_FILES)
        if payload.get("message_reference"):
            needed.append(READ_MESSAGE_HISTORY)
        channel = self._require_channel_access(cid, *needed)
        if channel.is_dm and channel.recipient_ids and channel.recipient_ids[0] in self.blocked_dm_user_ids:
            raise _ApiError(403, 50007, "Cannot send messages to this user")
        self._validate_message(payload, rec.files, creating=True, upload_limit=self.upload_limit(channel.guild_id))
        nonce = payload.get("nonce")
        now = time.monotonic()
        if nonce is not None and payload.get("enforce_nonce"):
            key = (cid, self.bot_user_id, str(nonce))
            hit = self._nonces.get(key)
            if hit is not None and now - hit[1] < NONCE_WINDOW_S and hit[0] in self.messages:
                return self.message_payload(self.messages[hit[0]])
        msg = self._message_from_payload(payload, rec.files, channel, self.bot_user_id)
        self._store_message(msg)
        if nonce is not None and payload.get("enforce_nonce"):
            self._nonces[(cid, self.bot_user_id, str(nonce))] = (msg.id, now)
        await self._dispatch_message_event("MESSAGE_CREATE", msg)
        return self.message_payload(msg)

    def _channel_message(self, channel_id: str, message_id: str) -> FakeMessage:
        msg = self.messages.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != int(channel_id) or msg.ephemeral:
            raise _ApiError(404, 10008, "Unknown Message")
        return msg

    async def _get_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        self._require_channel_access(int(channel_id), READ_MESSAGE_HISTORY)
        return self.message_payload(self._channel_message(channel_id, message_id))

    async def _list_messages(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._require_channel_access(int(channel_id), READ_MESSAGE_HISTORY)
        limit = max(1, min(100, int(rec.query.get("limit", "50"))))
        msgs = [m for m in self.channel_messages(int(channel_id)) if not m.ephemeral]
        if "before" in rec.query:
            msgs = [m for m in msgs if m.id < int(rec.query["before"])]
        if "after" in rec.query:
            msgs = [m for m in msgs if m.id > int(rec.query["after"])]
            msgs = msgs[:limit]
        else:
            msgs = msgs[-limit:]
        return [self.message_payload(m) for m in reversed(msgs)]

    async def _edit_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        channel = self._require_channel_access(int(channel_id))
        msg = self._channel_message(channel_id, message_id)
        payload = rec.json or {}
        if msg.author_id != self.bot_user_id and not set(payload) <= {"flags"}:
            raise _ApiError(403, 50005, "Cannot edit a message authored by another user")
        if rec.files:
            self._require_channel_access(int(channel_id), ATTACH_FILES)
        self._validate_message(payload, rec.files, creating=False, upload_limit=self.upload_limit(channel.guild_id))
        self._apply_edit(msg, payload, rec.files)
        await self._dispatch_message_event("MESSAGE_UPDATE", msg)
        return self.message_payload(msg)

    async def _delete_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        cid = int(channel_id)
        self._require_channel_access(cid)
        msg = self._channel_message(channel_id, message_id)
        if msg.author_id != self.bot_user_id:
            self._require_channel_access(cid, MANAGE_MESSAGES)
        await self._delete(msg)
        return 204, None

    async def _delete(self, msg: FakeMessage) -> None:
        msg.deleted = True
        if self.dispatch_message_events and not msg.ephemeral:
            data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            intent = INTENT_DIRECT_MESSAGES if msg.guild_id is None else INTENT_GUILD_MESSAGES
            await self.dispatch("MESSAGE_DELETE", data, intents_required=intent)

    # ------------------------------------------------------------------ interactions (REST side)
    def _interaction_for_webhook(self, app_id: str, token: str) -> FakeInteraction:
        if app_id != str(self.application_id):
            raise _ApiError(404, 10015, "Unknown Webhook")
        inter = next((i for i in self.interactions.values() if i.token == token), None)
        if inter is None:
            raise _ApiError(401, 50027, "Invalid Webhook Token")
        if time.monotonic() - inter.created > self.interaction_token_lifetime:
            raise _ApiError(401, 50027, "Invalid Webhook Token")
        return inter

    def _interaction_metadata(self, inter: FakeInteraction) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": self.user_payload(inter.user_id),
            "authorizing_integration_owners": inter.payload.get("authorizing_integration_owners", {}),
        }
        if inter.type == 2:
            meta["name"] = inter.command_name
            meta["command_type"] = inter.payload.get("data", {}).get("type", 1)
        if inter.source_message_id is not None:
            meta["interacted_message_id"] = str(inter.source_message_id)
        return meta

    def _interaction_message(self, inter: FakeInteraction, payload: Mapping[str, Any],
                             files: Sequence[RecordedFile], *, flags: int = 0) -> FakeMessage:
        channel = self.channels[inter.channel_id]
        msg = self._message_from_payload(
            {k: v for k, v in payload.items() if k != "message_reference"}, files, channel, self.bot_user_id,
            type=20 if inter.type == 2 else 0, webhook_id=self.application_id,
            application_id=self.application_id, interaction_id=inter.id,
            interaction_metadata=self._interaction_metadata(inter),
        )
        msg.flags |= flags
        for att in msg.attachments:
            att.ephemeral = msg.ephemeral
        self._store_message(msg)
        return msg

    async def _interaction_callback(self, rec: RecordedRequest, interaction_id: str, token: str) -> Any:
        inter = self.interactions.get(int(interaction_id))
        now = time.monotonic()
        if inter is None or inter.token != token:
            raise _ApiError(404, 10062, "Unknown interaction")
        if inter.response_type is not None:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        deadline = self.interaction_response_deadline
        if deadline is not None and now - inter.created > deadline:
            raise _ApiError(404, 10062, "Unknown interaction")
        body = rec.json or {}
        rtype = body.get("type")
        data = body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[inter.type]
        if rtype not in allowed:
            raise _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID",
                              f"Invalid response type {rtype} for interaction type {inter.type}")
        resource: dict[str, Any] | None = None
        message: FakeMessage | None = None
        if rtype == 4:
            self._validate_message(data, rec.files, creating=True, upload_limit=inter.upload_limit)
            message = self._interaction_message(inter, data, rec.files, flags=int(data.get("flags") or 0))
            inter.original_message_id = message.id
        elif rtype == 5:
            message = self._interaction_message(inter, {}, [], flags=FLAG_LOADING | (int(data.get("flags") or 0)
                                                                                    & FLAG_EPHEMERAL))
            inter.original_message_id = message.id
        elif rtype in (6, 7):
            if inter.source_message_id is None:
                raise _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
            message = self.messages[inter.source_message_id]
            inter.original_message_id = message.id
            if rtype == 7:
                self._validate_message(data, rec.files, creating=False, upload_limit=inter.upload_limit)
                self._apply_edit(message, data, rec.files)
        elif rtype == 8:
            choices = data.get("choices")
            if not isinstance(choices, list):
                raise _form_error("data.choices", "BASE_TYPE_REQUIRED", "This field is required")
            if len(choices) > 25:
                raise _form_error("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for i, choice in enumerate(choices):
                if not 1 <= len(str(choice.get("name", ""))) <= 100:
                    raise _form_error(f"data.choices.{i}.name", "BASE_TYPE_BAD_LENGTH",
                                      "Must be between 1 and 100 in length.")
                if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
                    raise _form_error(f"data.choices.{i}.value", "BASE_TYPE_MAX_LENGTH",
                                      "Must be 100 or fewer in length.")
            inter.choices = choices
        elif rtype == 9:
            cid = data.get("custom_id", "")
            if not 1 <= len(cid) <= 100 or not data.get("title"):
                raise _form_error("data", "BASE_TYPE_REQUIRED", "Modal needs custom_id (<=100) and title")
            inter.modal = data
        inter.response_type = rtype
        inter.responded_at = now
        inter.callback = rec
        if message is not None:
            if rtype in (4, 5):
                await self._dispatch_message_event("MESSAGE_CREATE", message)
            elif rtype == 7:
                await self._dispatch_message_event("MESSAGE_UPDATE", message)
            if rtype in (4, 5, 7):
                resource = {"type": rtype, "message": self.message_payload(message)}
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None:
            result["interaction"]["response_message_id"] = str(message.id)
        if resource is not None:
            result["resource"] = resource
        return result

    def _webhook_message(self, inter: FakeInteraction, message_id: str) -> FakeMessage:
        if message_id == "@original":
            if inter.original_message_id is None:
                raise _ApiError(404, 10008, "Unknown Message")
            msg = self.messages[inter.original_message_id]
        else:
            found = self.messages.get(int(message_id)) if message_id.isdigit() else None
            if found is None or (found.id not in inter.followup_ids and found.id != inter.original_message_id):
                raise _ApiError(404, 10008, "Unknown Message")
            msg = found
        if msg.deleted:
            raise _ApiError(404, 10008, "Unknown Message")
        return msg

    async def _webhook_get_message(self, rec: RecordedRequest, app_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_for_webhook(app_id, token)
        return self.message_payload(self._webhook_message(inter, message_id))

    async def _webhook_edit_message(self, rec: RecordedRequest, app_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_for_webhook(app_id, token)
        msg = self._webhook_message(inter, message_id)
        payload = rec.json or {}
        self._validate_message(payload, rec.files, creating=False, upload_limit=inter.upload_limit)
        self._apply_edit(msg, payload, rec.files)
        await self._dispatch_message_event("MESSAGE_UPDATE", msg)
        return self.message_payload(msg)

    async def _webhook_delete_message(self, rec: RecordedRequest, app_id: str, token: str,
                                      message_id: str) -> Any:
        inter = self._interaction_for_webhook(app_id, token)
        msg = self._webhook_message(inter, message_id)
        await self._delete(msg)
        return 204, None

    async def _webhook_followup(self, rec: RecordedRequest, app_id: str, token: str) -> Any:
        inter = self._interaction_for_webhook(app_id, token)
        if inter.response_type is None:
            raise _ApiError(400, 40060, "Interaction has not been acknowledged.")
        payload = rec.json or {}
        self._validate_message(payload, rec.files, creating=True, upload_limit=inter.upload_limit)
        msg = self._interaction_message(inter, payload, rec.files, flags=int(payload.get("flags") or 0))
        inter.followup_ids.append(msg.id)
        await self._dispatch_message_event("MESSAGE_CREATE", msg)
        if rec.query.get("wait") in ("1", "true", "True"):
            return self.message_payload(msg)
        return 204, None

    # =========================================================================================
    # Gateway
    # =========================================================================================
    async def _send_raw(self, session: _Session, frame: dict[str, Any]) -> None:
        self.gateway_log.append(("send", frame))
        ws = session.ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(json.dumps(frame))

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.buffer.append(frame)
            del session.buffer[:-500]
            await self._send_raw(session, frame)

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        rec = RecordedRequest(index=len(self.requests), method="GET", path="/gateway", full_path=request.path,
                              query=dict(request.query), headers=dict(request.headers), json=None, files=[],
                              time=time.monotonic(), api=False, status=101, done=True)
        self.requests.append(rec)
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self._notify(rec)
        conn = _Session(session_id="", intents=0, shard=None, ws=ws)
        await self._send_raw(conn, {"op": 10, "s": None, "t": None,
                                    "d": {"heartbeat_interval": self.heartbeat_interval_ms,
                                          "_trace": ["fake-discord"]}})
        session: _Session | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_log.append(("recv", frame))
                op = frame.get("op")
                d = frame.get("d")
                if op == 1:
                    self.heartbeats += 1
                    await self._send_raw(session or conn, {"op": 11, "s": None, "t": None, "d": None})
                elif op == 2:
                    if d.get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    self.identifies += 1
                    session = _Session(session_id=secrets.token_hex(16), intents=int(d.get("intents", 0)),
                                       shard=d.get("shard"), ws=ws)
                    self._sessions[session.session_id] = session
                    await self._send_ready(session)
                elif op == 6:
                    old = self._sessions.get(d.get("session_id", ""))
                    if old is None or d.get("token") != self.token:
                        await self._send_raw(conn, {"op": 9, "d": False, "s": None, "t": None})
                        continue
                    self.resumes += 1
                    session = old
                    session.ws = ws
                    last = d.get("seq") or 0
                    for buffered in [f for f in session.buffer if f["s"] > last]:
                        await self._send_raw(session, buffered)
                    await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
                elif op == 3:
                    self.presence = d
                elif op == 8 and session is not None:
                    await self._send_member_chunk(session, d)
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _send_ready(self, session: _Session) -> None:
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._send_dispatch(session, "READY", ready)
        for gid in self.guilds:
            if session.shard and len(session.shard) == 2 and (gid >> 22) % session.shard[1] != session.shard[0]:
                continue
            await self._send_dispatch(session, "GUILD_CREATE",
                                      self.guild_payload(gid, full=True, intents=session.intents))
        session.ready = True

    async def _send_member_chunk(self, session: _Session, d: Mapping[str, Any]) -> None:
        gid = int(d["guild_id"])
        guild = self.guilds.get(gid)
        if guild is None:
            return
        wanted = {int(u) for u in d.get("user_ids") or []}
        query = (d.get("query") or "").lower()
        members = [u for u in guild.members
                   if (not wanted or u in wanted) and self.users[u].username.lower().startswith(query)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(gid),
            "members": [self.member_payload(gid, u) for u in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        if wanted:
            chunk["not_found"] = [str(u) for u in wanted if u not in guild.members]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)


def _guess_content_type(filename: str) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "png": "image/png",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "txt": "text/plain; charset=utf-8", "json": "application/json", "bin": "application/octet-stream",
    }.get(ext)


@contextlib.contextmanager
def point_discord_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py (REST incl. interaction/webhook routes, gateway, CDN assets) at ``fake``;
    restores the previous values on exit. Enter it before the client logs in."""
    import discord
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, discord.Asset.BASE)
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    discord.Asset.BASE = fake.cdn_base
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, discord.Asset.BASE = saved

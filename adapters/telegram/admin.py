"""Platform admin *facts* for Telegram (the core decides what they allow).

A group member is a platform admin when ``getChatMember`` says creator or administrator (cached
briefly, so a burst of commands costs one call); an anonymous admin posts as the group itself
(``sender_chat.id == chat.id``). Private chats need no lookup: the core makes the user the admin
of their personal scope.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot, Chat, Message, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

log = logging.getLogger("sorabot.telegram.admin")

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
DEFAULT_TTL = 60.0  # seconds: a demoted admin loses their rights here within a minute
FAILURE_TTL = 5.0  # a failed lookup counts as "not admin", retried soon


def is_private(chat: Chat) -> bool:
    return chat.type == ChatType.PRIVATE


def is_anonymous_admin(message: Message) -> bool:
    """The message was sent by an anonymous group admin (on behalf of the group itself)."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat.id


class AdminCache:
    """``getChatMember`` results per (chat, user), kept ``ttl`` seconds; concurrent asks share one call."""

    def __init__(self, bot: Bot, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[tuple[int, int], tuple[bool, float]] = {}  # → (is admin, expires at)
        self._inflight: dict[tuple[int, int], asyncio.Future[bool]] = {}
        self.lookups = 0  # getChatMember calls made (for tests and metrics)

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        now = self.clock()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            admin, ttl = await self._lookup(chat_id, user_id)
            self._cache[key] = (admin, self.clock() + ttl)
            future.set_result(admin)
            return admin
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        except BaseException:  # cancelled: whoever shares this lookup asks again
            future.cancel()
            raise
        finally:
            self._inflight.pop(key, None)

    async def _lookup(self, chat_id: int, user_id: int) -> tuple[bool, float]:
        self.lookups += 1
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("getChatMember(%s, %s) failed: %s; treating as not admin", chat_id, user_id, exc)
            return False, FAILURE_TTL
        return member.status in ADMIN_STATUSES, self.ttl

    def forget(self, chat_id: int, user_id: int | None = None) -> None:
        for key in [k for k in self._cache if k[0] == chat_id and (user_id is None or k[1] == user_id)]:
            del self._cache[key]

    async def facts(self, chat: Chat, user: User | None, message: Message | None = None) -> bool:
        """Is the sender a platform admin of this chat? (Private chats: False; the core handles them.)"""
        if is_private(chat):
            return False
        if message is not None and is_anonymous_admin(message):
            return True
        if user is None or user.is_bot:
            return False
        return await self.is_admin(chat.id, user.id)

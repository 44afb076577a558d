"""The Telegram adapter's lifecycle: build the python-telegram-bot Application, connect, stop.

It shares the event loop with the other adapters: ``initialize / start / updater.start_polling``
(or ``start_webhook``) here, never ``run_polling()``, which owns the loop. Requests go through
``AIORateLimiter`` with retries, so a flood-control ``RetryAfter`` is waited out rather than
raised. Updates are processed concurrently and handlers never wait for a video: they hand jobs to
the core and return.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, ClassVar
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from adapters.telegram.admin import AdminCache
from adapters.telegram.handlers import TelegramHandlers
from adapters.telegram.port import TelegramPort
from bot.app import Core
from bot.i18n import t

log = logging.getLogger("sorabot.telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Command menus (setMyCommands): members in groups; group admins and private chats (where the user is
# the admin of their personal scope) get the admin descriptions. Texts come from the catalogue.
MEMBER_MENU = (("sora", "sora"), ("storyboard", "storyboard"), ("jobs", "jobs"), ("quota", "quota"),
               ("character", "character"), ("snapshot", "snapshot"), ("help", "help"))
ADMIN_MENU = (("sora", "sora"), ("storyboard", "storyboard"), ("jobs", "jobs"), ("quota", "quota_admin"),
              ("character", "character"), ("snapshot", "snapshot_admin"), ("provider", "provider_admin"),
              ("help", "help"))
PRIVATE_MENU = (*ADMIN_MENU, ("start", "start"))
# Telegram's language codes (ISO 639-1) → our locales, for translated menus.
MENU_LANGUAGES = (("en", "en"), ("es", "es"), ("fr", "fr"), ("ru", "ru"), ("zh", "zh-Hans"))


def menu(entries: tuple[tuple[str, str], ...], locale: str) -> list[BotCommand]:
    return [BotCommand(command, t(locale, f"telegram.cmd.{key}")[:256]) for command, key in entries]


class TelegramAdapter:
    """``TelegramAdapter(core)``; ``await start()`` connects and registers the outbound port."""

    # Rate limits handed to AIORateLimiter (Telegram's published flood limits); tests may loosen them.
    rate_limits: ClassVar[dict[str, Any]] = {"overall_max_rate": 30, "overall_time_period": 1, "group_max_rate": 20,
                                   "group_time_period": 60, "max_retries": 3}
    poll_timeout: float = 10.0  # getUpdates long-poll seconds
    admin_cache_ttl: float = 60.0
    concurrent_updates: int = 64
    chat_action_every: float = 4.0  # seconds between send_chat_action(upload_video) during an upload

    def __init__(self, core: Core) -> None:
        self.core = core
        self.config = core.settings.telegram
        if self.config.token is None:
            raise ValueError("telegram.token is not set")
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.port: TelegramPort | None = None
        self.handlers: TelegramHandlers | None = None
        self.webhook_secret: str | None = None

    def build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        cfg = self.config
        assert cfg.token is not None
        builder = (ApplicationBuilder()
                   .token(cfg.token.get_secret_value())
                   .base_url(cfg.base_url)
                   .base_file_url(cfg.base_file_url)
                   .local_mode(cfg.local_bot_api)
                   .rate_limiter(AIORateLimiter(**self.rate_limits))
                   .concurrent_updates(self.concurrent_updates)
                   .connection_pool_size(32)
                   .get_updates_read_timeout(self.poll_timeout + 10))
        return builder.build()

    async def start(self) -> None:
        app = self.app = self.build()
        await app.initialize()  # getMe: the bot's username, for /sora@botname in groups
        bot = app.bot
        self.port = TelegramPort(bot, local_bot_api=self.config.local_bot_api,
                                 chat_action_every=self.chat_action_every)
        admins = AdminCache(bot, ttl=self.admin_cache_ttl)
        h = self.handlers = TelegramHandlers(self.core, self.port, admins, bot, bot_username=bot.username or "",
                                             local_bot_api=self.config.local_bot_api)
        new_messages = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(new_messages & filters.COMMAND, h.on_command, block=False))
        video = filters.VIDEO | filters.ANIMATION | filters.Document.VIDEO
        app.add_handler(MessageHandler(new_messages & video & filters.CaptionRegex(r"^\s*/"), h.on_media_command,
                                       block=False))
        app.add_handler(MessageHandler(new_messages & filters.REPLY & filters.TEXT & ~filters.COMMAND, h.on_reply,
                                       block=False))
        app.add_handler(CallbackQueryHandler(h.on_callback, block=False))
        app.add_error_handler(h.on_error, block=False)
        self.core.runner.register_port(self.port)
        await self.set_commands()
        await app.start()
        assert app.updater is not None
        if self.config.webhook_url:
            await self._start_webhook()
        else:
            await app.updater.start_polling(poll_interval=self.config.poll_interval, timeout=int(self.poll_timeout),
                                            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
                                            error_callback=self._polling_error)
        log.info("telegram: running as @%s (%s)", bot.username, "webhook" if self.config.webhook_url else "polling")

    async def _start_webhook(self) -> None:
        cfg = self.config
        assert self.app is not None and self.app.updater is not None and cfg.webhook_url
        secret = cfg.webhook_secret.get_secret_value() if cfg.webhook_secret else secrets.token_urlsafe(32)
        self.webhook_secret = secret
        path = urlsplit(cfg.webhook_url).path.lstrip("/")
        await self.app.updater.start_webhook(listen=cfg.webhook_listen, port=cfg.webhook_port, url_path=path,
                                             webhook_url=cfg.webhook_url, secret_token=secret,
                                             allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)

    @staticmethod
    def _polling_error(exc: TelegramError) -> None:
        log.warning("telegram: polling error (retrying): %s", exc)

    async def set_commands(self) -> None:
        """Command menus per scope; a failure here must not keep the bot from running."""
        assert self.app is not None
        locale = self.core.settings.locale
        scopes: list[tuple[BotCommandScope, tuple[tuple[str, str], ...]]] = [
            (BotCommandScopeDefault(), MEMBER_MENU),
            (BotCommandScopeAllPrivateChats(), PRIVATE_MENU),
            (BotCommandScopeAllGroupChats(), MEMBER_MENU),
            (BotCommandScopeAllChatAdministrators(), ADMIN_MENU),
        ]
        for scope, entries in scopes:
            default = menu(entries, locale)
            variants: list[tuple[str | None, list[BotCommand]]] = [(None, default)]
            for language, loc in MENU_LANGUAGES:  # translated menus, where a translation exists
                translated = menu(entries, loc)
                if loc != locale and translated != default:
                    variants.append((language, translated))
            for language, commands in variants:
                try:
                    await self.app.bot.set_my_commands(commands, scope=scope, language_code=language)
                except TelegramError as exc:
                    log.warning("telegram: setMyCommands for %s (%s) failed: %s", scope.type, language, exc)

    async def stop(self) -> None:
        app = self.app
        if app is None:
            return
        if self.port is not None:
            await self.port.close()
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        finally:
            await app.shutdown()
            self.app = None

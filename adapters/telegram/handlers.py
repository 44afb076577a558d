"""Telegram updates → core calls → Telegram messages.

Handlers only translate: who and where (a :class:`~bot.context.Context` with the admin *facts*),
which core command, and how to show its :class:`~bot.commands.Reply`. Jobs are handed to the core,
which runs them; a handler never waits for a video. Every refusal and failure goes through
:meth:`TelegramHandlers.handle_error`, the adapter's one error handler.

Server-side state kept here (in memory, short-lived): the prompt of a ``/sora`` that is waiting
for its duration (the keyboard's ``callback_data`` carries only a short id), and the questions
asked after Remix / Save as character (answered by replying to the bot's ForceReply message).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from telegram import (
    Animation,
    Bot,
    CallbackQuery,
    Chat,
    Document,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
    Video,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from adapters.telegram.admin import AdminCache, is_anonymous_admin, is_private
from adapters.telegram.port import TelegramPort, status_ref
from adapters.telegram.render import (
    DURATION_ACTION,
    MAX_CALLBACK_ANSWER,
    cut_units,
    duration_callback,
    keyboard,
    split_text,
    utf16_len,
)
from bot.app import Core
from bot.characters import validate_name
from bot.commands import Reply
from bot.context import Actor, Context, Scope
from bot.credits import cost_tenths, format_credits
from bot.errors import UserError
from bot.i18n import has_key, normalise_locale, t
from bot.jobs.intake import normalise_size
from bot.jobs.status import cut
from bot.ports import AGAIN, CANCEL, REMIX, SAVE_CHARACTER
from bot.textcommands import COMMANDS, TextCommandRouter, parse_sora, split_command, split_storyboard, tokens

log = logging.getLogger("sorabot.telegram")

PLATFORM = "telegram"
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile on api.telegram.org
PENDING_TTL = 15 * 60.0  # seconds a duration keyboard stays valid
ASK_TTL = 30 * 60.0  # seconds a Remix / Save question stays valid
MAX_PENDING = 5000
KNOWN_USERS = 10_000


@dataclass
class PendingSora:
    """A /sora without a duration, waiting for a button of its keyboard."""

    id: str
    ctx: Context
    user_id: int
    prompt: str
    size: str | None
    created: float
    message: dict[str, Any] | None = None  # the keyboard message (becomes the status message)


@dataclass
class PendingAsk:
    """A ForceReply question: the new prompt for a remix, or a character's name."""

    kind: str  # REMIX | SAVE_CHARACTER
    job_id: str
    user_id: int
    created: float


@dataclass
class _Where:
    chat_id: int
    reply_to: int | None
    thread_id: int | None

    def destination(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "reply_to": self.reply_to, "thread_id": self.thread_id}

    def reply_parameters(self) -> ReplyParameters | None:
        if self.reply_to is None:
            return None
        return ReplyParameters(message_id=self.reply_to, allow_sending_without_reply=True)


def _where(message: Message) -> _Where:
    thread = message.message_thread_id if message.is_topic_message else None
    return _Where(message.chat_id, message.message_id, thread)


def _video_of(message: Message | None) -> Video | Animation | Document | None:
    if message is None:
        return None
    if message.video is not None:
        return message.video
    if message.animation is not None:
        return message.animation
    doc = message.document
    if doc is not None and (doc.mime_type or "").startswith("video/"):
        return doc
    return None


def _replace_utf16(text: str, start: int, length: int, new: str) -> str:
    raw = text.encode("utf-16-le")
    return (raw[: start * 2].decode("utf-16-le") + new + raw[(start + length) * 2:].decode("utf-16-le"))


@dataclass
class TelegramHandlers:
    core: Core
    port: TelegramPort
    admins: AdminCache
    bot: Bot
    bot_username: str = ""
    local_bot_api: bool = False
    clock: Callable[[], float] = time.monotonic
    pending: dict[str, PendingSora] = field(default_factory=dict)
    asks: dict[tuple[int, int], PendingAsk] = field(default_factory=dict)
    _users: OrderedDict[str, tuple[int, str]] = field(default_factory=OrderedDict)  # username → (id, name)
    _names: OrderedDict[int, str] = field(default_factory=OrderedDict)  # id → display name

    # --- who and where ----------------------------------------------------------------------
    def _remember(self, user: User | None) -> None:
        if user is None or user.is_bot:
            return
        self._names[user.id] = user.full_name
        self._names.move_to_end(user.id)
        if user.username:
            self._users[user.username.lower()] = (user.id, user.full_name)
            self._users.move_to_end(user.username.lower())
        for table in (self._names, self._users):
            while len(table) > KNOWN_USERS:
                table.popitem(last=False)

    def _locale(self, user: User | None) -> str:
        code = user.language_code if user is not None else None
        return normalise_locale(code) if code else self.core.settings.locale

    @staticmethod
    def _scope(chat: Chat, user: User | None) -> Scope:
        if is_private(chat):
            uid = user.id if user is not None else chat.id
            return Scope(f"telegram:dm:{uid}", PLATFORM, "dm", title=chat.full_name or "")
        return Scope(f"telegram:chat:{chat.id}", PLATFORM, "server", title=chat.title or "")

    async def context_for_message(self, message: Message) -> Context:
        chat, user = message.chat, message.from_user
        self._remember(user)
        if message.reply_to_message is not None:
            self._remember(message.reply_to_message.from_user)
        if is_anonymous_admin(message):
            # An anonymous admin posts as the group: the group itself is the actor, an admin.
            actor = Actor(f"telegram:{chat.id}", chat.title or "admins", platform_admin=True)
        elif message.sender_chat is not None:  # a linked channel posting into the group
            sender = message.sender_chat
            actor = Actor(f"telegram:{sender.id}", sender.title or str(sender.id), platform_admin=False)
        else:
            assert user is not None
            actor = Actor(f"telegram:{user.id}", user.full_name,
                          platform_admin=await self.admins.facts(chat, user, message))
        return Context(scope=self._scope(chat, user), actor=actor, locale=self._locale(user),
                       destination=_where(message).destination())

    async def context_for_query(self, query: CallbackQuery, message: Message) -> Context:
        user = query.from_user
        self._remember(user)
        chat = message.chat
        actor = Actor(f"telegram:{user.id}", user.full_name, platform_admin=await self.admins.facts(chat, user))
        where = _Where(chat.id, message.message_id, message.message_thread_id if message.is_topic_message else None)
        return Context(scope=self._scope(chat, user), actor=actor, locale=self._locale(user),
                       destination=where.destination())

    # --- the one error handler --------------------------------------------------------------
    async def handle_error(self, exc: BaseException, locale: str, respond: Callable[[str], Awaitable[Any]],
                           what: str) -> None:
        if isinstance(exc, UserError):
            text = self.render(exc, locale)
        else:
            ref = f"tg-{secrets.token_hex(3)}"
            log.error("%s failed (ref %s)", what, ref, exc_info=(type(exc), exc, exc.__traceback__))
            text = t(locale, "error.generic", ref=ref)
        try:
            await respond(text)
        except TelegramError as send_exc:
            log.warning("could not tell the user about a failure of %s: %s", what, send_exc)

    @staticmethod
    def render(exc: UserError, locale: str) -> str:
        """A refusal in Telegram's words where the catalogue has them ("group", not "server")."""
        platform_key = f"{PLATFORM}.{exc.key}"
        if has_key(platform_key):
            return t(locale, platform_key, **exc.params)
        return exc.render(locale)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: only what escaped the handlers' own handling (a bug) lands here."""
        log.error("unhandled error for update %r", getattr(update, "update_id", None), exc_info=context.error)

    # --- sending ----------------------------------------------------------------------------
    async def send(self, where: _Where, text: str, markup: InlineKeyboardMarkup | ForceReply | None = None,
                   entities: list[MessageEntity] | None = None) -> Message:
        chunks = split_text(text)
        sent: Message | None = None
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            sent = await self.bot.send_message(
                where.chat_id, chunk, reply_parameters=where.reply_parameters() if i == 0 else None,
                reply_markup=markup if last else None, message_thread_id=where.thread_id,
                entities=entities if len(chunks) == 1 else None)
        assert sent is not None
        return sent

    async def show(self, where: _Where, reply: Reply, *, edit: dict[str, Any] | None = None) -> None:
        """Post a command's reply; a job's reply becomes its status message (attached to the job)."""
        markup = keyboard(reply.buttons)
        posted: dict[str, Any] | None = None
        try:
            if edit is not None:
                try:
                    await self.bot.edit_message_text(cut_units(reply.text, 4096), chat_id=edit["chat_id"],
                                                     message_id=edit["message_id"], reply_markup=markup)
                    posted = edit
                except BadRequest as exc:
                    log.info("could not edit %s into the reply (%s); sending it", edit, exc)
            if posted is None:
                posted = status_ref(await self.send(where, reply.text, markup))
        finally:
            if reply.job_id is not None:
                if posted is not None:
                    await self.core.runner.attach_status(reply.job_id, posted)
                self.port.status_posted(reply.job_id, posted)

    def _expect(self, reply: Reply | None) -> None:
        """Right after a core call returned (no await in between): a job's status is on its way."""
        if reply is not None and reply.job_id is not None:
            self.port.expect_status(reply.job_id)

    # --- text commands ----------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or not message.text:
            return
        await self.text_command(message, message.text, message.entities)

    async def on_media_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A video sent with a command as its caption, e.g. ``/character add mochi`` on the video itself."""
        message = update.message
        if message is None or not message.caption:
            return
        await self.text_command(message, message.caption, message.caption_entities)

    async def text_command(self, message: Message, text: str, entities: tuple[MessageEntity, ...]) -> None:
        parsed = split_command(text, self.bot_username)
        if parsed is None:
            return  # not a command, or addressed to another bot
        addressed = "@" in text.strip().split(None, 1)[0]
        if parsed.name not in COMMANDS and not is_private(message.chat) and not addressed:
            return  # an unknown command in a group is probably another bot's
        ctx: Context | None = None
        where = _where(message)
        try:
            ctx = await self.context_for_message(message)
            if parsed.name == "sora" and split_storyboard(parsed.rest) is None:  # a storyboard has its length
                args = parse_sora(parsed.rest)
                if args.seconds is None:
                    await self.offer_durations(message, ctx, args.prompt, args.size)
                    return
            text = self._rewrite_members(message, text, entities)
            router = TextCommandRouter(self.core.commands, resolve_member=self._resolver(message),
                                       allow_local_files=False)
            # /character add <name> on a video, or as a reply to one: the video is downloaded for the core.
            source = next((m for m in (message, message.reply_to_message) if _video_of(m) is not None), None)
            if parsed.name == "character" and source is not None and self._wants_attachment(parsed.rest):
                reply = await self._with_download(ctx, router, source, text)
            else:
                reply = await router.dispatch(ctx, text, bot_username=self.bot_username)
                self._expect(reply)
            if reply is not None:
                await self.show(where, reply)
        except Exception as exc:
            await self.handle_error(exc, ctx.locale if ctx else self._locale(message.from_user),
                                    lambda s: self.send(where, s), f"command {text[:60]!r}")

    @staticmethod
    def _wants_attachment(rest: str) -> bool:
        args = [a.lower() for a in tokens(rest)]
        if not args or args[0] != "add":
            return False
        sources = ("https://", "http://", "from_job:", "from-job:", "--url", "--job", "--from-job", "--from_job")
        return not any(a.startswith(sources) for a in args[1:])

    async def _with_download(self, ctx: Context, router: TextCommandRouter, source: Message,
                             text: str) -> Reply | None:
        media = _video_of(source)
        assert media is not None
        parsed = split_command(text, self.bot_username)
        args = tokens(parsed.rest) if parsed is not None else []
        if len(args) < 2:  # no name: the router says what is missing, before any download
            return await router.dispatch(ctx, text, bot_username=self.bot_username)
        validate_name(args[1])  # a bad name is refused before the download too
        limit = None if self.local_bot_api else CLOUD_DOWNLOAD_LIMIT
        if limit is not None and media.file_size and media.file_size > limit:
            raise UserError("telegram.file_too_big", size_mb=f"{media.file_size / 1_048_576:.1f}",
                            limit_mb=f"{limit / 1_048_576:.0f}")
        with tempfile.TemporaryDirectory(prefix="sorabot-tg-") as tmp:
            path = Path(tmp) / "video.mp4"
            try:
                file = await media.get_file()
                await file.download_to_drive(path)
            except BadRequest as exc:
                if "too big" in str(exc).lower():
                    raise UserError("telegram.file_too_big",
                                    size_mb=f"{(media.file_size or 0) / 1_048_576:.1f}",
                                    limit_mb=f"{(limit or CLOUD_DOWNLOAD_LIMIT) / 1_048_576:.0f}") from None
                raise
            return await router.dispatch(ctx, text, attachment=path, bot_username=self.bot_username)

    # --- members for /quota set -------------------------------------------------------------
    def _rewrite_members(self, message: Message, text: str, entities: tuple[MessageEntity, ...]) -> str:
        """Make members nameable in one word: a text mention (a user without a username) becomes
        ``tg:<id>``; ``/quota set <credits>`` as a reply to someone's message names that someone."""
        for ent in sorted(entities, key=lambda e: e.offset, reverse=True):
            if ent.type == MessageEntity.TEXT_MENTION and ent.user is not None:
                self._remember(ent.user)
                text = _replace_utf16(text, ent.offset, ent.length, f"tg:{ent.user.id}")
        parsed = split_command(text, self.bot_username)
        target = message.reply_to_message.from_user if message.reply_to_message else None
        if parsed is not None and parsed.name == "quota" and target is not None and not target.is_bot:
            args = tokens(parsed.rest)
            if len(args) == 2 and args[0].lower() == "set":
                self._remember(target)
                text = f"/quota set tg:{target.id} {args[1]}"
        return text

    def _resolver(self, message: Message) -> Callable[[str], Awaitable[tuple[str, str] | None]]:
        async def resolve(ref: str) -> tuple[str, str] | None:
            value = ref.strip()
            uid: int | None = None
            if value.lower().startswith("tg:") and value[3:].isdigit():
                uid = int(value[3:])
            elif value.isdigit():
                uid = int(value)
            elif value.startswith("@") and len(value) > 1:
                known = self._users.get(value[1:].lower())
                if known is not None:
                    return f"telegram:{known[0]}", known[1]
                return None
            if uid is None:
                return None
            name = self._names.get(uid)
            if name is None and not is_private(message.chat):
                try:
                    member = await self.bot.get_chat_member(message.chat_id, uid)
                    name = member.user.full_name
                except TelegramError:
                    return None
            return f"telegram:{uid}", name or str(uid)
        return resolve

    # --- /sora without a duration: the keyboard ---------------------------------------------
    def _prune(self) -> None:
        now = self.clock()
        for key in [k for k, p in self.pending.items() if now - p.created > PENDING_TTL]:
            del self.pending[key]
        for akey in [k for k, a in self.asks.items() if now - a.created > ASK_TTL]:
            del self.asks[akey]
        while len(self.pending) > MAX_PENDING:
            del self.pending[next(iter(self.pending))]
        while len(self.asks) > MAX_PENDING:
            del self.asks[next(iter(self.asks))]

    async def offer_durations(self, message: Message, ctx: Context, prompt: str, size: str | None) -> None:
        """Validate what can be validated now (prompt, size, characters), then offer the durations the
        snapshot in force allows, with what each costs. The prompt stays here, keyed by a short id."""
        commands = self.core.commands
        prompt = commands.intake.validate_prompt(prompt)
        normalise_size(size)
        await commands.touch(ctx)
        await self.core.characters.resolve(ctx, prompt)
        resolution, _row = await self.core.snapshots.current(ctx)
        snap = resolution.snapshot
        assert message.from_user is not None or is_anonymous_admin(message)
        self._prune()
        pending_id = secrets.token_urlsafe(6)
        user_id = message.from_user.id if message.from_user is not None else message.chat_id
        pending = PendingSora(pending_id, ctx, user_id, prompt, size, self.clock())
        self.pending[pending_id] = pending
        buttons = [InlineKeyboardButton(
            t(ctx.locale, "telegram.duration_button", seconds=d,
              credits=format_credits(cost_tenths(d, snap.credit_factor))),
            callback_data=duration_callback(pending_id, d)) for d in snap.durations]
        rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
        text = t(ctx.locale, "sora.pick_duration", prompt=cut(prompt, 200)) + "\n" + \
            t(ctx.locale, "telegram.pick_duration_snapshot", snapshot=snap.id,
              why=commands.why_text(ctx, resolution.why))
        sent = await self.send(_where(message), text, InlineKeyboardMarkup(rows))
        pending.message = status_ref(sent)

    async def _chosen_duration(self, query: CallbackQuery, message: Message, pending_id: str,
                               seconds_text: str) -> None:
        user = query.from_user
        locale = self._locale(user)
        pending = self.pending.get(pending_id)
        if pending is None or self.clock() - pending.created > PENDING_TTL or not seconds_text.isdigit():
            self.pending.pop(pending_id, None)
            await query.answer(t(locale, "telegram.pick_expired"), show_alert=True)
            return
        anonymous = pending.user_id == message.chat_id  # asked by an anonymous admin: any admin may choose
        if pending.user_id != user.id and not (anonymous and await self.admins.facts(message.chat, user)):
            await query.answer(t(locale, "telegram.not_your_choice"), show_alert=True)
            return
        ctx = pending.ctx
        if not anonymous:  # fresh admin facts and locale of the presser (the same person)
            fresh = await self.context_for_query(query, message)
            ctx = replace(ctx, actor=fresh.actor, locale=fresh.locale)
        try:
            reply = await self.core.commands.sora(ctx, pending.prompt, int(seconds_text), pending.size)
            self._expect(reply)
        except Exception as exc:  # e.g. not enough credits for 20 s: the keyboard stays for a shorter choice
            await self.handle_error(exc, ctx.locale, lambda s: query.answer(cut_units(s, MAX_CALLBACK_ANSWER),
                                                                            show_alert=True), "duration choice")
            return
        self.pending.pop(pending_id, None)
        where = _Where(**{k: ctx.destination.get(k) for k in ("chat_id", "reply_to", "thread_id")})
        try:
            await query.answer(t(ctx.locale, "telegram.starting", seconds=int(seconds_text)))
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", exc)
        await self.show(where, reply, edit=pending.message)

    # --- buttons ----------------------------------------------------------------------------
    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        message = query.message
        if not isinstance(message, Message):  # too old to be accessible
            await query.answer(t(self._locale(query.from_user), "telegram.pick_expired"), show_alert=True)
            return
        action, _, arg = query.data.partition(":")
        locale = self._locale(query.from_user)
        try:
            if action == DURATION_ACTION:
                pending_id, _, seconds = arg.partition(":")
                await self._chosen_duration(query, message, pending_id, seconds)
                return
            ctx = await self.context_for_query(query, message)
            locale = ctx.locale
            if action == CANCEL:
                reply = await self.core.commands.cancel(ctx, arg)
                await query.answer(cut_units(reply.text, MAX_CALLBACK_ANSWER))
            elif action == AGAIN:
                reply = await self.core.commands.again(ctx, arg)
                self._expect(reply)
                await self.show(_where(message), reply)
                await query.answer()
            elif action in (REMIX, SAVE_CHARACTER):
                job = await self.core.commands.job_for(ctx, arg)
                await self._ask(query, message, ctx, action, job.id)
                await query.answer()
            else:
                await query.answer(t(locale, "telegram.pick_expired"), show_alert=True)
        except Exception as exc:
            await self.handle_error(exc, locale, lambda s: query.answer(cut_units(s, MAX_CALLBACK_ANSWER),
                                                                        show_alert=True), f"button {action}")

    async def _ask(self, query: CallbackQuery, message: Message, ctx: Context, kind: str, job_id: str) -> None:
        """Remix asks for the new prompt, Save as character for a name: a ForceReply question the
        presser answers by replying (bots see replies to their messages even in privacy mode)."""
        user = query.from_user
        key = "telegram.remix_ask" if kind == REMIX else "telegram.save_ask"
        placeholder = t(ctx.locale, "telegram.remix_placeholder" if kind == REMIX else "telegram.save_placeholder")
        name = cut_units(user.full_name, 64)
        text = t(ctx.locale, key, user=name, id=job_id)
        entities = None
        if not is_private(message.chat) and text.startswith(name):
            # Mention the presser so that the ForceReply (selective) pops up for them only.
            entities = [MessageEntity(MessageEntity.TEXT_MENTION, 0, utf16_len(name), user=user)]
        markup = ForceReply(selective=True, input_field_placeholder=cut_units(placeholder, 64))
        where = _Where(message.chat_id, message.message_id,
                       message.message_thread_id if message.is_topic_message else None)
        sent = await self.send(where, text, markup, entities=entities)
        self._prune()
        self.asks[(sent.chat_id, sent.message_id)] = PendingAsk(kind, job_id, user.id, self.clock())

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text reply: the answer to a Remix / Save question, if it is one (other replies are ignored)."""
        message = update.message
        if message is None or message.reply_to_message is None or not message.text:
            return
        key = (message.chat_id, message.reply_to_message.message_id)
        ask = self.asks.get(key)
        user = message.from_user
        if ask is None or user is None or user.id != ask.user_id:
            return
        where = _where(message)
        locale = self._locale(user)
        try:
            if self.clock() - ask.created > ASK_TTL:
                self.asks.pop(key, None)
                raise UserError("telegram.ask_expired")
            ctx = await self.context_for_message(message)
            locale = ctx.locale
            if ask.kind == REMIX:
                reply = await self.core.commands.remix(ctx, ask.job_id, message.text)
                self._expect(reply)
            else:
                name, _, description = message.text.strip().partition(" ")
                reply = await self.core.commands.character_add_from_job(ctx, name, ask.job_id, description.strip())
            self.asks.pop(key, None)  # answered (a refusal leaves the question open for another try)
            await self.show(where, reply)
        except Exception as exc:
            await self.handle_error(exc, locale, lambda s: self.send(where, s), f"answer to {ask.kind}")

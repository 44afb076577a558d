"""The real python-telegram-bot Application against the fake Bot API server (loopback only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import av
import httpx
import pytest
from PIL import Image
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_server import GROUP_ANONYMOUS_BOT_ID, MB, FakeTelegram

GROUP_ID = -1001234567890
ALICE = 1001
BOB = 1002


def make_mp4(width: int = 64, height: int = 48, frames: int = 24, fps: int = 12) -> bytes:
    """A real (tiny) MP4, so the fake's probe reports width/height/duration."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([i * 10 % 256]) * plane.buffer_size)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


VIDEO = make_mp4()


@dataclass
class Seen:
    downloads: list[bytes] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)
    video_file_ids: list[str] = field(default_factory=list)


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    context.bot_data["seen"].pings.append(message.text)
    sent = await message.reply_text("pong")
    await sent.edit_text("pong (edited)")


async def video(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_VIDEO)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Again", callback_data="job:42:again")],
            [InlineKeyboardButton("Site", url="https://example.com")],
        ]
    )
    sent = await context.bot.send_video(
        message.chat_id,
        video=InputFile(VIDEO, filename="clip.mp4"),
        caption="<b>A cat</b> on a roof",
        parse_mode=ParseMode.HTML,
        supports_streaming=True,
        reply_parameters=ReplyParameters(message_id=message.message_id),
        reply_markup=keyboard,
    )
    assert sent.video is not None
    context.bot_data["seen"].video_file_ids.append(sent.video.file_id)


async def video_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-send the cached file_id with the legacy reply_to_message_id argument."""
    message = update.effective_message
    assert message is not None
    file_id = context.bot_data["seen"].video_file_ids[-1]
    await context.bot.send_video(message.chat_id, video=file_id, reply_to_message_id=message.message_id)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Working on it")
    await query.edit_message_reply_markup(reply_markup=None)


async def received_video(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.video is not None
    file = await message.video.get_file()
    buf = io.BytesIO()
    await file.download_to_memory(buf)
    context.bot_data["seen"].downloads.append(buf.getvalue())
    await message.reply_text(f"got {len(buf.getvalue())} bytes")


async def admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and chat is not None
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        await message.reply_text("anonymous admin")
        return
    assert message.from_user is not None
    member = await context.bot.get_chat_member(chat.id, message.from_user.id)
    await message.reply_text(f"status={member.status}")


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (PTBDeprecationWarning) whenever a time period such as RetryAfter.retry_after is
    read as an int - and RetryAfter's constructor reads it, so with warnings as errors every 429
    would blow up inside PTB. Opting in to timedelta values is PTB's documented way out."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.user(ALICE, "Alice", "alice")
        server.user(BOB, "Bob", "bob")
        server.private(ALICE)
        server.group(GROUP_ID, "Cats")
        yield server


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application]:
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(True)
        .build()
    )
    application.bot_data["seen"] = Seen()
    application.add_handler(CommandHandler("ping", ping))
    application.add_handler(CommandHandler("video", video))
    application.add_handler(CommandHandler("again", video_again))
    application.add_handler(CommandHandler("admin", admin))
    application.add_handler(CallbackQueryHandler(button, pattern=r"^job:"))
    application.add_handler(MessageHandler(filters.VIDEO & ~filters.COMMAND, received_video))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=5)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def seen(app: Application) -> Seen:
    return app.bot_data["seen"]


async def test_start_sequence_and_ping_reply_then_edit(fake: FakeTelegram, app: Application) -> None:
    assert [r.method for r in fake.requests[:2]] == ["getMe", "deleteWebhook"]
    command = fake.send_text(ALICE, ALICE, "/ping")
    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]

    edit = await fake.wait_for_call("editMessageText")
    reply = fake.last_call("sendMessage")
    assert reply.params["chat_id"] == ALICE
    assert reply.params["text"] == "pong"
    sent_id = reply.result["message_id"]
    assert sent_id == command["message_id"] + 1
    assert edit.params == {"chat_id": ALICE, "message_id": sent_id, "text": "pong (edited)"}
    stored = fake.message(ALICE, sent_id)
    assert stored.from_bot and stored.text == "pong (edited)" and stored.edited
    assert stored.history[0]["text"] == "pong"
    # Every update was confirmed with the next offset.
    await fake.wait_for(lambda: not fake.pending_updates)


async def test_command_with_bot_username_in_group(fake: FakeTelegram, app: Application) -> None:
    fake.send_text(GROUP_ID, BOB, "/ping@other_bot")
    command = fake.send_text(GROUP_ID, BOB, "/ping@sorabot_test hello")
    assert command["chat"]["type"] == "supergroup"
    assert command["entities"][0] == {"type": "bot_command", "offset": 0, "length": 18}

    reply = await fake.wait_for_call("sendMessage")
    await fake.wait_for_call("editMessageText")
    await asyncio.sleep(0.1)
    assert seen(app).pings == ["/ping@sorabot_test hello"]
    # PTB quotes the command in groups by default.
    assert reply.params["reply_parameters"]["message_id"] == command["message_id"]
    assert fake.message(GROUP_ID, reply.result["message_id"]).reply_to_message_id == command["message_id"]


async def test_send_video_upload_button_and_file_id_reuse(fake: FakeTelegram, app: Application) -> None:
    command = fake.send_text(ALICE, ALICE, "/video")
    call = await fake.wait_for_call("sendVideo")

    upload = call.file("video")
    assert upload is not None and upload.filename == "clip.mp4" and upload.data == VIDEO
    assert call.params["caption"] == "<b>A cat</b> on a roof"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["supports_streaming"] is True
    assert call.params["reply_parameters"] == {"message_id": command["message_id"]}
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0] == {"text": "Again", "callback_data": "job:42:again"}
    assert fake.chat_actions[-1][1:] == (ALICE, "upload_video")

    result = call.result
    assert result["caption"] == "A cat on a roof"
    assert result["caption_entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert result["video"]["file_size"] == len(VIDEO)
    assert (result["video"]["width"], result["video"]["height"], result["video"]["duration"]) == (64, 48, 2)
    stored = fake.message(ALICE, result["message_id"])
    assert stored.reply_to_message_id == command["message_id"]
    assert fake.file_bytes(result["video"]["file_id"]) == VIDEO

    query_id = fake.press_button(ALICE, ALICE, stored.message_id, "job:42:again")
    await fake.wait_for(lambda: fake.callback_answer(query_id))
    assert fake.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Working on it"}
    await fake.wait_for_call("editMessageReplyMarkup")
    assert stored.reply_markup is None and stored.edited

    again = fake.send_text(ALICE, ALICE, "/again")
    resend = await fake.wait_for_call("sendVideo", lambda r: not r.files)
    assert resend.params["video"] == result["video"]["file_id"]
    assert resend.params["reply_parameters"] == {"message_id": again["message_id"]}
    assert resend.result["video"]["file_unique_id"] == result["video"]["file_unique_id"]


async def test_download_received_video(fake: FakeTelegram, app: Application) -> None:
    data = VIDEO + b"\x00" * 1000  # still parses; proves bytes are served verbatim
    sent = fake.send_video(GROUP_ID, BOB, data=data, caption="make this a character")
    assert sent["video"]["width"] == 64

    reply = await fake.wait_for_call("sendMessage")
    assert seen(app).downloads == [data]
    assert reply.params["text"] == f"got {len(data)} bytes"
    get_file = fake.last_call("getFile")
    assert get_file.params == {"file_id": sent["video"]["file_id"]}
    assert fake.last_call("download").params["file_path"] == get_file.result["file_path"]


async def test_429_is_waited_out_by_the_rate_limiter(fake: FakeTelegram, app: Application) -> None:
    fake.inject_429("sendMessage", retry_after=1)
    fake.send_text(ALICE, ALICE, "/ping")

    await fake.wait_for_call("editMessageText", timeout=5)
    attempts = fake.calls("sendMessage")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert attempts[1].time - attempts[0].time >= 1.0
    assert attempts[1].params == attempts[0].params


async def test_set_my_commands_per_scope(fake: FakeTelegram, app: Application) -> None:
    bot = app.bot
    public = [BotCommand("sora", "Make a video"), BotCommand("help", "How to use the bot")]
    admin_commands = [*public, BotCommand("snapshot", "Pin the model snapshot")]
    assert await bot.set_my_commands(public)
    assert await bot.set_my_commands(public, scope=BotCommandScopeAllPrivateChats())
    assert await bot.set_my_commands(public, scope=BotCommandScopeAllGroupChats())
    assert await bot.set_my_commands(admin_commands, scope=BotCommandScopeAllChatAdministrators())
    assert await bot.set_my_commands(admin_commands, scope=BotCommandScopeChat(GROUP_ID), language_code="de")

    as_json = [{"command": c.command, "description": c.description} for c in public]
    assert fake.my_commands() == as_json
    assert fake.my_commands("all_private_chats") == as_json
    assert fake.my_commands("all_group_chats") == as_json
    assert [c["command"] for c in fake.my_commands("all_chat_administrators") or []] == ["sora", "help", "snapshot"]
    assert fake.my_commands("chat", chat_id=GROUP_ID, language_code="de") is not None
    scopes = [c.params.get("scope", {}).get("type") for c in fake.calls("setMyCommands")]
    assert scopes == [None, "all_private_chats", "all_group_chats", "all_chat_administrators", "chat"]

    got = await bot.get_my_commands(scope=BotCommandScopeAllChatAdministrators())
    assert [c.command for c in got] == ["sora", "help", "snapshot"]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Sora", "capital letters are invalid")])


async def test_admin_checks_and_chat_members(fake: FakeTelegram, app: Application) -> None:
    fake.set_member_status(GROUP_ID, ALICE, "creator")
    fake.set_member_status(GROUP_ID, BOB, "administrator")

    anon = fake.send_anonymous_admin_text(GROUP_ID, "/admin")
    assert anon["from"]["id"] == GROUP_ANONYMOUS_BOT_ID and anon["sender_chat"]["id"] == GROUP_ID
    reply = await fake.wait_for_call("sendMessage", lambda r: r.params["text"] == "anonymous admin")
    assert reply.params["reply_parameters"]["message_id"] == anon["message_id"]

    fake.send_text(GROUP_ID, BOB, "/admin")
    await fake.wait_for_call("sendMessage", lambda r: r.params["text"] == "status=administrator")
    fake.set_member_status(GROUP_ID, BOB, "member")
    fake.send_text(GROUP_ID, BOB, "/admin")
    await fake.wait_for_call("sendMessage", lambda r: r.params["text"] == "status=member")

    bot = app.bot
    admins = await bot.get_chat_administrators(GROUP_ID)
    assert {type(a) for a in admins} == {ChatMemberOwner}
    fake.set_member_status(GROUP_ID, BOB, "administrator", can_delete_messages=False)
    member = await bot.get_chat_member(GROUP_ID, BOB)
    assert isinstance(member, ChatMemberAdministrator) and member.can_delete_messages is False
    assert (await bot.get_chat_member(GROUP_ID, ALICE)).status == ChatMemberStatus.OWNER
    chat = await bot.get_chat(GROUP_ID)
    assert chat.title == "Cats" and chat.type == "supergroup"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(-100999)


@pytest.mark.parametrize("refuse", [False, True], ids=["502", "connection-refused"])
async def test_polling_survives_an_outage(fake: FakeTelegram, app: Application, refuse: bool) -> None:
    await fake.go_down(0.5, refuse=refuse)
    fake.send_text(ALICE, ALICE, "/ping")
    with pytest.raises(NetworkError, match="httpx" if refuse else "Bad Gateway"):
        await app.bot.send_message(ALICE, "during the outage")
    await fake.wait_for_call("editMessageText", timeout=5)
    if not refuse:
        assert any(r.method == "getUpdates" and r.status == 502 for r in fake.requests)


# ---------------------------------------------------------------------- the fake without an Application


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[ExtBot[None]]:
    async with ExtBot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as ext_bot:
        yield ext_bot


async def test_file_size_limits(fake: FakeTelegram, bot: ExtBot[None]) -> None:
    with pytest.raises(NetworkError, match="Request Entity Too Large"):
        await bot.send_video(ALICE, video=InputFile(b"\x00" * (50 * MB + 1), filename="big.mp4"))
    big = fake.calls("sendVideo")[-1]
    assert big.status == 413 and big.files["video"].size == 50 * MB + 1 and big.files["video"].truncated

    sent = fake.send_video(ALICE, ALICE, data=b"\x01" * (20 * MB + 1))
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(sent["video"]["file_id"])
    small = fake.send_video(ALICE, ALICE, data=b"\x02" * 100)
    file = await bot.get_file(small["video"]["file_id"])
    assert file.file_path == f"{fake.base_file_url}{fake.token}/{fake.files[file.file_id].file_path}"
    assert bytes(await file.download_as_bytearray()) == b"\x02" * 100

    local = FakeTelegram(local_mode=True)
    assert (local.upload_limit, local.download_limit) == (2000 * MB, 2000 * MB)
    small_limit = FakeTelegram(upload_limit=1024)
    assert small_limit.upload_limit == 1024


async def test_photo_document_and_thumbnail(fake: FakeTelegram, bot: ExtBot[None]) -> None:
    png = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(png, format="PNG")
    photo = await bot.send_photo(ALICE, photo=png.getvalue(), caption="poster frame")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (32, 24)
    assert fake.last_call("sendPhoto").file("photo").data == png.getvalue()  # type: ignore[union-attr]

    doc = await bot.send_document(
        ALICE, document=InputFile(VIDEO, filename="clip.mp4"), thumbnail=png.getvalue(), caption="as a file"
    )
    call = fake.last_call("sendDocument")
    assert call.params["thumbnail"].startswith("attach://")
    assert call.file("thumbnail").data == png.getvalue()  # type: ignore[union-attr]
    assert doc.document is not None and doc.document.file_name == "clip.mp4"
    assert doc.document.thumbnail is not None and doc.document.thumbnail.width == 32
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type document as video"):
        await bot.send_video(ALICE, video=doc.document.file_id)


async def test_api_errors_and_faults(fake: FakeTelegram, bot: ExtBot[None]) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert fake.last_call("fooBar").response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }

    fake.inject_error("sendMessage", 400, "Bad Request: chat not found", count=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(ALICE, "hi")
    assert (await bot.send_message(ALICE, "hi")).text == "hi"

    fake.inject_429("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:  # no rate limiter on this bot: surfaces at once
        await bot.send_message(ALICE, "hi")
    assert caught.value.retry_after == dt.timedelta(seconds=3)

    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(ALICE, "1 < 2 <cat>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(ALICE, "v1.0", parse_mode=ParseMode.MARKDOWN_V2)
    ok = await bot.send_message(ALICE, r"*v1\.0* 1 &lt; 2", parse_mode=ParseMode.MARKDOWN_V2)
    assert ok.text == "v1.0 1 &lt; 2"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("v1.0 1 &lt; 2", chat_id=ALICE, message_id=ok.message_id, entities=ok.entities)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            ALICE, "buttons", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
        )
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(ALICE, "reply", reply_to_message_id=9999)
    assert await bot.delete_message(ALICE, ok.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ALICE, ok.message_id)

    # Like Telegram, an edit that does not repeat the inline keyboard removes it.
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Cancel", callback_data="job:1:cancel")]])
    status = await bot.send_message(ALICE, "queued", reply_markup=keyboard)
    await bot.edit_message_text("rendering", chat_id=ALICE, message_id=status.message_id)
    assert fake.message(ALICE, status.message_id).reply_markup is None

    fake.block_bot(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "hi")


async def test_raw_http_long_poll_offsets_and_conflict(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=fake.api_url, timeout=10) as client:
        first = fake.send_text(ALICE, ALICE, "hello")
        answer = (await client.post("/getUpdates", data={"timeout": "0"})).json()
        assert answer["ok"] and [u["message"]["text"] for u in answer["result"]] == ["hello"]
        next_offset = answer["result"][-1]["update_id"] + 1
        assert first["message_id"] == answer["result"][0]["message"]["message_id"]

        started = time.monotonic()
        poll = asyncio.create_task(client.post("/getUpdates", data={"offset": str(next_offset), "timeout": "5"}))
        await fake.wait_for(lambda: len(fake.calls("getUpdates")) == 2)
        assert fake.pending_updates == []  # confirmed by the offset
        fake.send_text(ALICE, ALICE, "world")
        result = (await poll).json()["result"]
        assert [u["message"]["text"] for u in result] == ["world"]
        assert time.monotonic() - started < 2
        next_offset = result[-1]["update_id"] + 1

        # A second poller terminates the first one with 409 Conflict (two bot instances).
        older = asyncio.create_task(client.post("/getUpdates", data={"offset": str(next_offset), "timeout": "5"}))
        await fake.wait_for(lambda: len(fake.calls("getUpdates")) == 3)
        await asyncio.sleep(0.05)
        newer = asyncio.create_task(client.post("/getUpdates", json={"offset": 0, "timeout": 0}))
        conflict = (await older).json()
        assert conflict["error_code"] == 409 and "terminated by other getUpdates" in conflict["description"]
        assert (await newer).status_code == 200

        wrong = await client.post(f"{fake.base_url}123:WRONG/getMe")
        assert wrong.status_code == 401

"""Telegram commands through the real python-telegram-bot and the fake Bot API: admin rights,
refusals that take no credit, characters from videos, command menus and webhook mode."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import QuotaConfig
from bot.simulator import SimulatorServer
from tests.e2e.telegram_support import (
    ALICE,
    BOB,
    CAROL,
    GROUP,
    STEP,
    RunningBot,
    job_id_of,
    make_mp4,
    populate,
    replies_to,
    reply_to,
    settings_for,
    telegram_config,
)
from tests.fakes.telegram_server import MB, FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        populate(server)
        yield server


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTelegram, simulator: SimulatorServer) -> AsyncIterator[RunningBot]:
    running = await RunningBot(settings_for(tmp_path, fake, owners=[f"telegram:{CAROL}"]), simulator).start(fake)
    try:
        yield running
    finally:
        await running.stop()


async def say(fake: FakeTelegram, chat: int, user: int | None, text: str, **kwargs: object) -> str:
    """Send a message and return the bot's reply to it."""
    if user is None:
        message = fake.send_anonymous_admin_text(chat, text)
    else:
        message = fake.send_text(chat, user, text, **kwargs)  # type: ignore[arg-type]
    return await reply_to(fake, chat, message["message_id"], timeout=STEP)


async def test_admin_rights_member_administrator_anonymous_admin_owner_and_private_chat(
        fake: FakeTelegram, bot: RunningBot) -> None:
    refused = await say(fake, GROUP, ALICE, "/snapshot pin sora-2-2025-10-06")
    assert refused.startswith("Only admins can use /snapshot pin here: the group's creator and administrators")

    pinned = await say(fake, GROUP, BOB, "/snapshot pin sora-2-2025-10-06")  # a chat administrator
    assert pinned.startswith("Pinned sora-2-2025-10-06")
    assert (await say(fake, GROUP, BOB, "/snapshot show")).startswith("In force: sora-2-2025-10-06 (pinned")
    assert len([c for c in fake.calls("getChatMember") if c.params["user_id"] == BOB]) == 1  # cached

    anonymous = await say(fake, GROUP, None, "/snapshot pin sora-2-2025-12-08")  # posts as the group
    assert anonymous.startswith("Pinned sora-2-2025-12-08 (was sora-2-2025-10-06)")
    owner = await say(fake, GROUP, CAROL, "/snapshot canary sora-2-2025-10-06 10")  # a configured owner
    assert owner.startswith("Canary started: 10%")
    history = await say(fake, GROUP, ALICE, "/snapshot history")
    assert "Bob: pin" in history and "Cats: pin" in history and "Carol: canary" in history

    fake.set_member_status(GROUP, 1005, "creator")  # the chat's creator is an admin too
    assert (await say(fake, GROUP, 1005, "/quota default 5")).startswith("Every member may now spend 5")

    # A private chat is the user's personal scope: they are its admin, and it is separate from the group.
    assert (await say(fake, ALICE, ALICE, "/snapshot pin sora-2-2025-10-06")).startswith("Pinned sora-2-2025-10-06")
    personal = (await say(fake, ALICE, ALICE, "/snapshot history")).splitlines()
    assert len(personal) == 2 and "Alice: pin" in personal[1]  # the group's changes are not here
    assert not [c for c in fake.calls("getChatMember") if c.params["chat_id"] == ALICE]

    # Help shows the admin part to admins only.
    fake.user(1004, "Dan")
    member_help = await say(fake, GROUP, 1004, "/help")
    assert "Admin:" not in member_help and "/sora" in member_help
    assert "Admin:" in await say(fake, GROUP, BOB, "/help")
    assert "Admin:" in await say(fake, ALICE, ALICE, "/start")


async def test_bad_input_gets_a_specific_reply_and_takes_no_credit(tmp_path: Path, fake: FakeTelegram,
                                                                   simulator: SimulatorServer) -> None:
    settings = settings_for(tmp_path, fake, quota=QuotaConfig(allowance=1.5))
    bot = await RunningBot(settings, simulator).start(fake)
    try:
        assert (await say(fake, GROUP, ALICE, "/sora")).startswith("Please describe the video")
        assert (await say(fake, GROUP, ALICE, "/sora   ")).startswith("Please describe the video")
        too_long = await say(fake, GROUP, ALICE, "/sora 30 a cat on a roof")
        assert too_long.startswith("30 s is not available on sora-2-2025-12-08: it allows 10 s, 15 s, 20 s, 25 s")
        assert "Unknown snapshot “sora-9”" in await say(fake, GROUP, BOB, "/snapshot pin sora-9")
        unknown = await say(fake, GROUP, ALICE, "/sora 10 @nobody walks a dog")
        assert unknown.startswith("There is no character @nobody")
        assert (await say(fake, GROUP, ALICE, "/sora @nobody walks a dog")).startswith("There is no character")
        assert "Unknown option --fps" in await say(fake, GROUP, ALICE, "/sora --fps 3 a cat")
        assert "Unknown size" in await say(fake, GROUP, ALICE, "/sora a cat --size huge")
        exhausted = await say(fake, GROUP, ALICE, "/sora 20 a cat on a roof")
        assert exhausted.startswith("Not enough credits: this video costs 2 and you have 1.5 of 1.5 left")
        assert "Unknown /quota action" in await say(fake, GROUP, ALICE, "/quota steal")
        assert "Unknown command /frobnicate" in await say(fake, GROUP, ALICE, "/frobnicate@sorabot_test")

        # Too expensive from the duration keyboard: an alert, and the keyboard stays for a shorter choice.
        offer = fake.send_text(GROUP, ALICE, "/sora a cat on a roof")
        await reply_to(fake, GROUP, offer["message_id"])
        keyboard = fake.bot_messages(GROUP)[-1]
        press = fake.press_button(GROUP, ALICE, keyboard.message_id, keyboard.buttons()[2]["callback_data"])
        await fake.wait_for(lambda: fake.callback_answer(press))
        answer = fake.callback_answer(press) or {}
        assert answer["show_alert"] is True and answer["text"].startswith("Not enough credits")
        assert fake.message(GROUP, keyboard.message_id).reply_markup is not None

        assert fake.calls("sendVideo") == []
        assert await bot.ledger() == {} and await bot.jobs() == []  # nothing held, nothing recorded
        unaddressed = fake.send_text(GROUP, ALICE, "/frobnicate")  # unknown and unaddressed in a group: not ours
        quota = await say(fake, GROUP, ALICE, "/quota")
        assert quota.startswith("This day: 0 credits used, 0 held by running jobs, 1.5 of 1.5 left")
        assert replies_to(fake, GROUP, unaddressed["message_id"]) == []
    finally:
        await bot.stop()


async def test_character_from_a_replied_video_then_used_with_at_name(fake: FakeTelegram, bot: RunningBot,
                                                                     simulator: SimulatorServer) -> None:
    video = fake.send_video(GROUP, ALICE, data=make_mp4(), caption="my cat")
    added = await say(fake, GROUP, ALICE, "/character add mochi a fluffy grey cat", reply_to=video)
    assert added == "Saved @mochi. Put @mochi in a /sora prompt to use it."
    get_file = fake.last_call("getFile")
    assert get_file.params["file_id"] == video["video"]["file_id"]
    assert fake.last_call("download").ok

    info = await say(fake, GROUP, BOB, "/character info mochi")
    assert "a fluffy grey cat" in info and "By Alice" in info

    fake.send_text(GROUP, BOB, "/sora 10 @mochi plays in the snow")
    delivered = await fake.wait_for_call("sendVideo", timeout=STEP)
    assert "@mochi plays in the snow" in delivered.params["caption"]
    submits = [r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]
    assert len(submits) == 1 and submits[0].json["characters"]
    assert "mochi" in submits[0].json["prompt"]

    # The video itself, with the command as its caption.
    fake.send_video(GROUP, CAROL, data=make_mp4(frames=12), caption="/character add snowy")
    await fake.wait_for(lambda: any("Saved @snowy" in (m.text or "") for m in fake.bot_messages(GROUP)))

    # Save as character: the button asks for a name; the answer saves the delivered video.
    job_id = job_id_of(delivered)
    fake.press_button(GROUP, BOB, delivered.result["message_id"], f"save:{job_id}")
    ask = await fake.wait_for_call("sendMessage", lambda r: "force_reply" in (r.params.get("reply_markup") or {}))
    assert ask.params["reply_markup"]["selective"] is True
    assert ask.params["entities"][0]["type"] == "text_mention" and ask.params["entities"][0]["user"]["id"] == BOB
    fake.send_text(GROUP, ALICE, "not me", reply_to=ask.result["message_id"])  # someone else's answer: ignored
    saved = await say(fake, GROUP, BOB, "snowball the snow cat", reply_to=ask.result["message_id"])
    assert saved.startswith("Saved @snowball")
    listing = await say(fake, GROUP, ALICE, "/character list")
    assert "@mochi" in listing and "@snowy" in listing and "@snowball — the snow cat" in listing
    assert not [t for t in fake.bot_messages(GROUP) if (t.text or "").startswith("Saved") and "not" in t.text]


async def test_character_sources_that_cannot_be_used_get_clear_replies(fake: FakeTelegram, bot: RunningBot) -> None:
    big = fake.send_video(GROUP, ALICE, data=b"\x00" * (21 * MB))
    refused = await say(fake, GROUP, ALICE, "/character add bigcat", reply_to=big)
    assert refused.startswith("That video is 21.0 MB, but bots can only download files up to 20 MB from Telegram")
    assert fake.calls("getFile") == []

    local = await say(fake, GROUP, ALICE, "/character add foxy https://127.0.0.1/fox.mp4")
    assert "private or local address" in local
    plain = await say(fake, GROUP, ALICE, "/character add foxy http://example.com/fox.mp4")
    assert "Only https:// links" in plain
    text = fake.send_text(GROUP, ALICE, "just words")
    assert (await say(fake, GROUP, ALICE, "/character add foxy", reply_to=text)).startswith(
        "Give the character a video")
    assert "can't be a character name" in await say(fake, GROUP, ALICE, "/character add x!", reply_to=big)


async def test_quota_set_by_reply_username_and_usage(fake: FakeTelegram, bot: RunningBot) -> None:
    hello = fake.send_text(GROUP, ALICE, "hello")  # not a command: the bot stays quiet
    assert (await say(fake, GROUP, BOB, "/quota set 3", reply_to=hello)) == "Alice may now spend 3 credits per period."
    assert (await say(fake, GROUP, BOB, "/quota set @alice 2.5")) == "Alice may now spend 2.5 credits per period."
    assert "unknown member @nobody" in await say(fake, GROUP, BOB, "/quota set @nobody 2")
    dan = fake.user(1004, "Dan", None)  # no username: mentioned by name (a text_mention)
    entities = [{"type": "bot_command", "offset": 0, "length": 6},
                {"type": "text_mention", "offset": 11, "length": 3, "user": dan}]
    assert (await say(fake, GROUP, BOB, "/quota set Dan 4", entities=entities)) == \
        "Dan may now spend 4 credits per period."
    assert (await say(fake, GROUP, ALICE, "/quota")).startswith("This day: 0 credits used, 0 held by running jobs, "
                                                                "2.5 of 2.5 left")
    assert (await say(fake, GROUP, BOB, "/quota usage")).startswith("Usage this day")
    assert "Only admins" in await say(fake, GROUP, ALICE, "/quota set @bob 100")
    assert (await say(fake, GROUP, ALICE, "/jobs")).startswith("You have no jobs here yet")


async def test_command_menus_per_scope(fake: FakeTelegram, bot: RunningBot) -> None:
    private = fake.my_commands("all_private_chats") or []
    groups = fake.my_commands("all_group_chats") or []
    admins = fake.my_commands("all_chat_administrators") or []
    assert [c["command"] for c in groups] == ["sora", "storyboard", "jobs", "quota", "character", "snapshot", "help"]
    assert [c["command"] for c in admins] == ["sora", "storyboard", "jobs", "quota", "character", "snapshot",
                                              "provider", "help"]
    assert [c["command"] for c in private] == [c["command"] for c in admins] + ["start"]
    descriptions = {c["command"]: c["description"] for c in admins}
    assert "pin" in descriptions["snapshot"] and "set" in descriptions["quota"]
    assert "priority" in descriptions["provider"] and "0-5" in descriptions["storyboard"]
    assert "pin" not in {c["command"]: c["description"] for c in groups}["snapshot"]
    assert fake.my_commands() == groups


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_with_a_secret_token(tmp_path: Path, fake: FakeTelegram,
                                                simulator: SimulatorServer) -> None:
    port = free_port()
    config = telegram_config(fake, webhook_url="https://bot.example.test/tg/hook", webhook_port=port,
                             webhook_secret="s3cret-Token_1")
    bot = RunningBot(settings_for(tmp_path, fake, telegram=config), simulator)
    await bot.start()
    try:
        await fake.wait_for(lambda: fake.webhook_url, timeout=10)
        assert fake.webhook_url == "https://bot.example.test/tg/hook"
        assert fake.webhook_params["secret_token"] == "s3cret-Token_1"
        assert fake.calls("getUpdates") == []

        message = fake.send_text(GROUP, ALICE, "/sora 10 a cat delivered by webhook")
        update = fake.pending_updates[-1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            wrong = await client.post("/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            assert wrong.status_code == 403
            ok = await client.post("/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token":
                                                                     "s3cret-Token_1"})
            assert ok.status_code == 200
        video = await fake.wait_for_call("sendVideo", timeout=STEP)
        assert video.params["reply_parameters"]["message_id"] == message["message_id"]
        assert len(await bot.jobs()) == 1
    finally:
        await bot.stop()

"""A job's life in a Telegram group, through the real python-telegram-bot and the fake Bot API.

The bot runs as ``sorabot run`` runs it (``adapters.runner.run_adapters``), with the video API
simulator as its provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.telegram.bot import TelegramAdapter
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.telegram_support import (
    ALICE,
    BOB,
    CAROL,
    GROUP,
    STEP,
    RunningBot,
    job_id_of,
    populate,
    reply_to,
    settings_for,
    simulator_provider,
    wait_state,
)
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        populate(server)
        yield server


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTelegram, simulator: SimulatorServer) -> AsyncIterator[RunningBot]:
    running = await RunningBot(settings_for(tmp_path, fake), simulator).start(fake)
    try:
        yield running
    finally:
        await running.stop()


def keyboard_data(params: dict[str, object]) -> list[str]:
    markup = params.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_group_member_sora_15_ends_in_a_video_replying_to_the_command(fake: FakeTelegram,
                                                                            bot: RunningBot) -> None:
    command = fake.send_text(GROUP, ALICE, "/sora 15 an orange cat naps in the sun")

    video = await fake.wait_for_call("sendVideo", timeout=STEP)
    status_call = fake.calls("sendMessage")[0]
    assert status_call.params["reply_parameters"]["message_id"] == command["message_id"]
    assert status_call.params["text"].startswith("🎬 Queued")
    job_id = job_id_of(status_call)
    assert keyboard_data(status_call.params) == [f"cancel:{job_id}"]  # Cancel while queued

    assert video.params["reply_parameters"]["message_id"] == command["message_id"]
    assert video.params["supports_streaming"] is True
    caption = video.params["caption"]
    assert caption.startswith("“an orange cat naps in the sun”")
    assert f"sora-2-2025-12-08 · 15 s · 1.5 credits · job {job_id}" in caption
    assert keyboard_data(video.params) == [f"again:{job_id}", f"remix:{job_id}", f"save:{job_id}"]
    upload = video.file("video")
    assert upload is not None and upload.size > 1000
    assert (GROUP, "upload_video") in [(chat, action) for _, chat, action in fake.chat_actions]
    first_action = min(when for when, _, _ in fake.chat_actions)
    assert first_action <= video.time  # the chat shows "sending a video" before the upload arrives

    status_id = status_call.result["message_id"]
    await fake.wait_for(lambda: (fake.message(GROUP, status_id).text or "").startswith("✅"), timeout=STEP)
    status = fake.message(GROUP, status_id)
    assert status.reply_markup is None  # no Cancel once it is done
    assert job_id in (status.text or "") and "1.5 credits spent" in (status.text or "")
    assert [m.message_id for m in fake.bot_messages(GROUP)] == [status_id, video.result["message_id"]]
    job = await bot.job(job_id)
    assert job.state == JobState.DELIVERED and job.seconds == 15 and job.user_id == f"telegram:{ALICE}"
    assert job.scope_id == f"telegram:chat:{GROUP}"
    assert job.result_ref is not None and job.result_ref["file_id"] == video.result["video"]["file_id"]
    assert await bot.ledger() == {"hold": 15, "charge": 15}  # charged once


async def test_sora_without_duration_offers_a_keyboard_and_20_s_starts_a_20_s_job(fake: FakeTelegram,
                                                                                  bot: RunningBot) -> None:
    prompt = "an orange cat naps in the sun " + "on a very long and warm windowsill " * 3
    command = fake.send_text(GROUP, ALICE, f"/sora {prompt}")

    offer = await fake.wait_for_call("sendMessage")
    assert offer.params["reply_parameters"]["message_id"] == command["message_id"]
    assert "How long should" in offer.params["text"] and "sora-2-2025-12-08" in offer.params["text"]
    rows = offer.params["reply_markup"]["inline_keyboard"]
    labels = [b["text"] for row in rows for b in row]
    assert labels == ["10 s · 1 cr", "15 s · 1.5 cr", "20 s · 2 cr", "25 s · 2.5 cr"]
    data = keyboard_data(offer.params)
    assert all(len(d.encode()) <= 64 and "cat" not in d for d in data)  # a short id, never the prompt
    assert await bot.ledger() == {}  # nothing held before a duration is chosen

    offer_id = offer.result["message_id"]
    intruder = fake.press_button(GROUP, CAROL, offer_id, data[2])
    await fake.wait_for(lambda: fake.callback_answer(intruder))
    answer = fake.callback_answer(intruder)
    assert answer is not None and answer["show_alert"] is True and "Only the person who asked" in answer["text"]

    pressed = fake.press_button(GROUP, ALICE, offer_id, data[2])  # 20 s
    video = await fake.wait_for_call("sendVideo", timeout=STEP)
    answer = fake.callback_answer(pressed)
    assert answer is not None and "20 s" in answer.get("text", "")
    assert " · 20 s · 2 credits · job " in video.params["caption"]
    assert video.params["reply_parameters"]["message_id"] == command["message_id"]
    job_id = job_id_of(video)
    job = await bot.job(job_id)
    assert job.seconds == 20 and job.prompt == prompt.strip() and job.user_id == f"telegram:{ALICE}"
    # The keyboard message became the job's status message (no second message for it).
    assert job.status_ref == {"chat_id": GROUP, "message_id": offer_id}
    await fake.wait_for(lambda: (fake.message(GROUP, offer_id).text or "").startswith("✅"), timeout=STEP)
    assert len(fake.calls("sendMessage")) == 1
    assert await bot.ledger() == {"hold": 20, "charge": 20}

    again = fake.press_button(GROUP, ALICE, offer_id, data[2], strict=False)  # the keyboard is gone: expired
    await fake.wait_for(lambda: fake.callback_answer(again))
    assert "expired" in (fake.callback_answer(again) or {}).get("text", "")


async def test_buttons_again_remix_and_cancel(tmp_path: Path, fake: FakeTelegram,
                                              simulator: SimulatorServer) -> None:
    provider = simulator_provider(max_in_flight=1)
    bot = await RunningBot(settings_for(tmp_path, fake, providers=[provider]), simulator).start(fake)
    try:
        fake.send_text(ALICE, ALICE, "/sora 10 a red fox")
        first = await fake.wait_for_call("sendVideo", timeout=STEP)
        job_id = job_id_of(first)
        video_message = first.result["message_id"]

        # Remix asks for the new prompt (ForceReply); the answer starts a job with the parent's duration.
        fake.press_button(ALICE, ALICE, video_message, f"remix:{job_id}")
        ask = await fake.wait_for_call("sendMessage", lambda r: "force_reply" in (r.params.get("reply_markup") or {}))
        assert f"new prompt for a remix of job {job_id}" in ask.params["text"]
        fake.send_text(ALICE, ALICE, "a blue fox", reply_to=ask.result["message_id"])
        remix = await fake.wait_for_call("sendVideo", lambda r: "a blue fox" in r.params["caption"], timeout=STEP)
        remix_job = await bot.job(job_id_of(remix))
        assert remix_job.parent_job_id == job_id and remix_job.seconds == 10

        # Again: the same prompt once more, replying to the video whose button was pressed.
        fake.press_button(ALICE, ALICE, video_message, f"again:{job_id}")
        again = await fake.wait_for_call("sendVideo", lambda r: r is not first and "a red fox" in r.params["caption"]
                                         and job_id not in r.params["caption"], timeout=STEP)
        assert again.params["reply_parameters"]["message_id"] == video_message

        # Cancel while queued: the only provider slot is taken by a job that never finishes.
        fake.send_text(ALICE, ALICE, "/sora 10 a slow snail [sim:never]")
        snail = await fake.wait_for_call("sendMessage", lambda r: "slow snail" in r.params["text"])
        await wait_state(bot, job_id_of(snail), JobState.RUNNING)
        fake.send_text(ALICE, ALICE, "/sora 10 a quick hare")
        queued = await fake.wait_for_call("sendMessage", lambda r: "quick hare" in r.params["text"])
        assert "Queued" in queued.params["text"]
        hare = job_id_of(queued)
        pressed = fake.press_button(ALICE, ALICE, queued.result["message_id"], f"cancel:{hare}")
        await fake.wait_for(lambda: fake.callback_answer(pressed))
        assert "Cancelled job" in (fake.callback_answer(pressed) or {}).get("text", "")
        await fake.wait_for(lambda: (fake.message(ALICE, queued.result["message_id"]).text or "")
                            .startswith("🚫 Cancelled"))
        assert (await bot.job(hare)).state == JobState.CANCELLED
        totals = await bot.ledger()
        assert totals["charge"] == 30 and totals["release"] == 10 and totals["hold"] == 50  # 3 made, 1 cancelled
    finally:
        await bot.stop()


async def test_429_with_retry_after_is_waited_out(fake: FakeTelegram, bot: RunningBot) -> None:
    assert TelegramAdapter.rate_limits["max_retries"] > 0
    fake.inject_429("sendVideo", retry_after=1)
    fake.send_text(GROUP, ALICE, "/sora 10 a cat in the rain")

    await fake.wait_for_call("sendVideo", timeout=STEP)
    attempts = fake.calls("sendVideo")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 1.0
    job = await bot.job(job_id_of(attempts[1]))
    await fake.wait_for(lambda: fake.calls("editMessageText") and "✅" in fake.calls("editMessageText")[-1]
                        .params["text"], timeout=STEP)
    assert (await bot.job(job.id)).state == JobState.DELIVERED
    assert await bot.ledger() == {"hold": 10, "charge": 10}


@pytest.fixture
async def detailed(tmp_path: Path, fake: FakeTelegram) -> AsyncIterator[RunningBot]:
    """The bot on a simulator rendering larger frames: videos big enough to be re-encoded smaller."""
    sim = SimulatorServer(host="127.0.0.1", port=0, speed=20, render_width=800, render_fps=12)
    await sim.start()
    running = await RunningBot(settings_for(tmp_path, fake), sim).start(fake)
    try:
        yield running
    finally:
        await running.stop()
        await sim.stop()


async def test_upload_refused_as_too_large_is_reencoded_and_sent(fake: FakeTelegram, detailed: RunningBot) -> None:
    bot = detailed
    fake.inject_error("sendVideo", 413, "Request Entity Too Large")
    fake.send_text(GROUP, ALICE, "/sora 10 a very detailed forest")

    await fake.wait_for_call("sendVideo", timeout=STEP)
    attempts = fake.calls("sendVideo")
    assert [a.status for a in attempts] == [413, 200]
    refused, sent = (a.files["video"].size for a in attempts)
    assert sent < refused * 0.86  # re-encoded under the size that was refused
    assert await fake.wait_for(lambda: fake.calls("editMessageText") and "✅" in fake.calls("editMessageText")[-1]
                               .params["text"], timeout=STEP)
    assert await bot.ledger() == {"hold": 10, "charge": 10}


async def test_upload_action_is_repeated_during_a_slow_upload(tmp_path: Path, fake: FakeTelegram,
                                                             simulator: SimulatorServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TelegramAdapter, "chat_action_every", 0.2)
    fake.set_delay("sendVideo", 1.0)
    bot = await RunningBot(settings_for(tmp_path, fake), simulator).start(fake)
    try:
        fake.send_text(GROUP, ALICE, "/sora 10 a cat on a slow connection")
        video = await fake.wait_for_call("sendVideo", timeout=STEP)
        actions = [when for when, chat, action in fake.chat_actions if chat == GROUP and action == "upload_video"]
        assert len(actions) >= 3  # renewed while the upload ran
        assert actions[0] <= video.time and actions[-1] <= video.finished + 0.1
        count = len(actions)
        await asyncio.sleep(0.5)
        assert len(fake.chat_actions) == count  # and stopped when it ended
    finally:
        await bot.stop()


async def test_restart_mid_job_delivers_the_video_exactly_once(tmp_path: Path, fake: FakeTelegram,
                                                              simulator: SimulatorServer) -> None:
    settings = settings_for(tmp_path, fake)
    simulator.set_speed(1)  # slow enough to stop the bot while the video is being generated
    first = await RunningBot(settings, simulator).start(fake)
    command = fake.send_text(GROUP, BOB, "/sora 10 a lighthouse in a storm")
    status = await fake.wait_for_call("sendMessage")
    job_id = job_id_of(status)

    await wait_state(first, job_id, JobState.RUNNING)
    await first.stop()
    assert fake.calls("sendVideo") == []

    simulator.set_speed(50)
    second = await RunningBot(settings, simulator).start(fake)
    try:
        video = await fake.wait_for_call("sendVideo", timeout=STEP)
        assert video.params["reply_parameters"]["message_id"] == command["message_id"]
        await fake.wait_for(lambda: (fake.message(GROUP, status.result["message_id"]).text or "").startswith("✅"),
                            timeout=STEP)
        await asyncio.sleep(0.3)
        assert len(fake.calls("sendVideo")) == 1
        assert [j.id for j in await second.jobs()] == [job_id]  # the command was not handled twice
        assert len([m for m in fake.bot_messages(GROUP) if m.text]) == 1  # the same status message, edited
        assert await second.ledger() == {"hold": 10, "charge": 10}
    finally:
        await second.stop()


async def test_commands_to_this_bot_by_name_work_and_to_other_bots_are_ignored(fake: FakeTelegram,
                                                                            bot: RunningBot) -> None:
    other = fake.send_text(GROUP, ALICE, "/sora@other_bot 10 not for us")
    mine = fake.send_text(GROUP, ALICE, "/sora@sorabot_test 10 a cat on a roof")
    await fake.wait_for_call("sendVideo", timeout=STEP)
    assert await reply_to(fake, GROUP, mine["message_id"])
    assert all(r.params.get("reply_parameters", {}).get("message_id") != other["message_id"]
               for r in fake.calls("sendMessage"))
    assert len(await bot.jobs()) == 1


async def test_a_server_with_a_lower_upload_limit_gets_a_reencoded_video(fake: FakeTelegram,
                                                                          detailed: RunningBot) -> None:
    bot = detailed
    fake.upload_limit = 60_000  # e.g. a proxy in front of a local Bot API server
    fake.send_text(GROUP, ALICE, "/sora 10 a very detailed forest")

    video = await fake.wait_for_call("sendVideo", timeout=STEP)
    attempts = fake.calls("sendVideo")
    sizes = [a.files["video"].size for a in attempts]
    assert attempts[0].status == 413 and sizes[0] > 60_000
    assert video is attempts[-1] and sizes[-1] <= 60_000 and len(attempts) <= 4
    assert await fake.wait_for(lambda: "✅" in (fake.calls("editMessageText")[-1].params["text"]), timeout=STEP)
    assert await bot.ledger() == {"hold": 10, "charge": 10}


async def test_a_deleted_status_message_is_posted_again(fake: FakeTelegram, bot: RunningBot) -> None:
    fake.send_text(GROUP, ALICE, "/sora 10 a cat that hides")
    status = await fake.wait_for_call("sendMessage")
    fake.message(GROUP, status.result["message_id"]).deleted = True  # someone deleted the bot's message

    await fake.wait_for_call("sendVideo", timeout=STEP)
    await fake.wait_for(lambda: any((m.text or "").startswith("✅") for m in fake.bot_messages(GROUP)), timeout=STEP)
    job = await bot.job(job_id_of(status))
    assert job.state == JobState.DELIVERED
    assert job.status_ref is not None and job.status_ref["message_id"] != status.result["message_id"]


async def test_bot_removed_from_the_group_mid_job_releases_the_credits(fake: FakeTelegram, bot: RunningBot,
                                                                       simulator: SimulatorServer) -> None:
    simulator.set_speed(2)
    fake.send_text(GROUP, ALICE, "/sora 10 a cat nobody will see")
    status = await fake.wait_for_call("sendMessage")
    job_id = job_id_of(status)
    await wait_state(bot, job_id, JobState.RUNNING)
    fake.set_member_status(GROUP, fake.bot_id, "kicked")
    simulator.set_speed(50)

    job = await wait_state(bot, job_id, JobState.FAILED)
    assert job.reason == "delivery_failed" and "kicked" in (job.reason_detail or "")
    assert [c.status for c in fake.calls("sendVideo")] == [403]  # refused at once, not retried
    assert await bot.ledger() == {"hold": 10, "release": 10}


async def test_slow_status_edits_never_hold_up_the_job_and_the_last_edit_is_final(fake: FakeTelegram,
                                                                                   bot: RunningBot) -> None:
    fake.set_delay("editMessageText", 2.0)  # e.g. flood control queueing this group's edits
    fake.send_text(GROUP, ALICE, "/sora 10 a cat in a traffic jam")
    status = await fake.wait_for_call("sendMessage")

    video = await fake.wait_for_call("sendVideo", timeout=STEP)
    first_edit = fake.calls("editMessageText")[0]
    assert first_edit.finished is None or video.time < first_edit.finished  # the job did not wait for it
    message = fake.message(GROUP, status.result["message_id"])
    await fake.wait_for(lambda: (message.text or "").startswith("✅"), timeout=STEP)
    edits = fake.calls("editMessageText")
    assert len(edits) <= 3  # progress edits were coalesced
    assert edits[-1].params["text"].startswith("✅") and all(e.ok for e in edits)
    assert edits[-1].time >= max(e.finished or 0 for e in edits[:-1])  # sent after the one in flight landed

"""A local Bot API server (``local_bot_api``): files go by path, and large videos can be downloaded."""

from __future__ import annotations

from pathlib import Path

from bot.simulator import SimulatorServer
from tests.e2e.telegram_support import (
    ALICE,
    GROUP,
    STEP,
    RunningBot,
    make_mp4,
    populate,
    reply_to,
    settings_for,
    telegram_config,
)
from tests.fakes.telegram_server import MB, FakeTelegram


async def test_local_bot_api_sends_videos_by_path_and_downloads_past_20_mb(tmp_path: Path,
                                                                           simulator: SimulatorServer) -> None:
    async with FakeTelegram(local_mode=True) as fake:
        populate(fake)
        settings = settings_for(tmp_path, fake, telegram=telegram_config(fake, local_bot_api=True))
        bot = await RunningBot(settings, simulator).start(fake)
        try:
            command = fake.send_text(GROUP, ALICE, "/sora 10 a cat on a local server")
            video = await fake.wait_for_call("sendVideo", timeout=STEP)
            assert str(video.params["video"]).startswith("file://")  # no multipart upload of the file
            assert "video" not in video.files
            assert video.params["reply_parameters"]["message_id"] == command["message_id"]
            assert video.result["video"]["file_size"] > 1000

            big = fake.send_video(GROUP, ALICE, data=make_mp4() + b"\x00" * (25 * MB))  # over the cloud's 20 MB
            command = fake.send_text(GROUP, ALICE, "/character add bigcat a big cat", reply_to=big)
            assert await reply_to(fake, GROUP, command["message_id"], timeout=STEP) == \
                "Saved @bigcat. Put @bigcat in a /sora prompt to use it."
            assert Path(fake.last_call("getFile").result["file_path"]).is_absolute()
            assert await bot.ledger() == {"hold": 10, "charge": 10}
        finally:
            await bot.stop()

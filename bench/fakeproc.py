"""The fake Telegram Bot API (tests/fakes) in its own process, for the delivery benchmark.

Prints one JSON line (base_url, base_file_url, token, chat_id) and runs until stdin closes or it is
terminated. Uploaded files land in this process's memory, not the measured bot's. ``--local``: a
local Bot API server (videos are sent by file path, up to 2,000 MB).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

CHAT = -1001000000001
USER = 4242


async def main() -> None:
    fake = FakeTelegram(token="4242:bench", local_mode="--local" in sys.argv)
    await fake.start()
    fake.user(USER, "Bench", "bench")
    fake.group(CHAT, "Bench")
    print(json.dumps({"base_url": fake.base_url, "base_file_url": fake.base_file_url, "token": fake.token,
                      "chat_id": CHAT}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def stdin_closed() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=stdin_closed, daemon=True).start()
    try:
        await stop.wait()
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())

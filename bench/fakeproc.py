"""The fake Telegram Bot API (tests/fakes) in its own process, for the delivery benchmark.

Prints one JSON line (base_url, base_file_url, token, chat_id) and runs until stdin closes or it is
terminated. Uploaded files land in this process's memory, not the measured bot's. ``--local``: a
local Bot API server (videos are sent by file path, up to 2,000 MB).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import serve_until_stopped  # noqa: E402
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
    try:
        await serve_until_stopped()
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())

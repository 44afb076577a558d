"""Scripted console runs of `sorabot demo` (both shapes of the bundled simulator): a storyboard
of three scenes renders one MP4 of the total duration, and a character extracted from that job
is used in a new prompt.

The second half needs the first job's id, so the script is fed line by line while the output is
read (one process: the in-process simulator remembers the task the character is extracted from).
"""

from __future__ import annotations

import json
import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot import media

ENV = {"SORABOT_SIMULATOR__SPEED": "20", "SORABOT_LIMITS__POLL_MIN_INTERVAL": "0.05", "COLUMNS": "200"}


class Demo:
    """`python -m bot demo` with a pipe for standard input and a reader thread on its output."""

    def __init__(self, cwd: Path) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SORABOT_")}
        environ.update(ENV)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "demo"], cwd=cwd, env=environ, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, *commands: str) -> None:
        assert self.proc.stdin is not None
        for c in commands:
            self.proc.stdin.write(c + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        end = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if m := re.search(pattern, line):
                    self.seen.remove(line)
                    return m
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no output matching {pattern!r}; got:\n{''.join(self.seen)}")
            try:
                self.seen.append(self.lines.get(timeout=left))
            except queue.Empty:
                continue

    def finish(self, timeout: float = 90.0) -> tuple[str, str]:
        """Close standard input (the demo waits for its jobs and exits); (stdout rest, stderr)."""
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        errors = self.proc.stderr.read()
        self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)  # it stops at the end of the output
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return "".join(self.seen + rest), errors

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def test_a_storyboard_video_and_a_character_extracted_from_it(tmp_path: Path) -> None:
    demo = Demo(tmp_path)
    try:
        demo.send("/provider priority cost",  # the task gateway is the cheaper provider
                  "/sora storyboard 0-5: sunrise over the city; 5-10: the street wakes up; "
                  "10-15: a tram crosses the bridge",
                  "/wait")
        demo.expect(r"Routing here is now cheapest first")
        board_id = demo.expect(r"🎞\s+out/(j[0-9a-f]+)\.mp4").group(1)
        demo.expect(rf"\[{board_id}\] ✅ Done — 15 s on sora-2-2025-12-08, 1\.5 credits spent")

        demo.send(f"/character add tram from_job:{board_id}",
                  "/character info tram",
                  "/sora @tram rides into the night --duration 10",
                  "/wait",
                  "/quota usage")
        demo.expect(r"Saved @tram")
        demo.expect(r"Held by: simulator, simulator-gateway\.")
        night_id = demo.expect(r"🎞\s+out/(j[0-9a-f]+)\.mp4").group(1)
        demo.expect(r"By provider and snapshot:")
        demo.expect(r"• simulator-gateway · sora-2-2025-12-08: 2\.5 credits, 2 video\(s\), ≈ \$1\.00")
        out, errors = demo.finish()
    finally:
        demo.close()
    assert demo.proc.returncode == 0, errors
    assert "Traceback" not in out + errors

    board = media.probe(tmp_path / "out" / f"{board_id}.mp4")
    assert abs(board.duration - 15) < 0.2 and board.codec == "h264"  # one MP4 of the total duration
    night = media.probe(tmp_path / "out" / f"{night_id}.mp4")
    assert abs(night.duration - 10) < 0.2

    # What the providers were sent, as recorded on the jobs (traceability).
    db = sqlite3.connect(tmp_path / "data" / "sorabot.db")
    try:
        rows = dict(db.execute("SELECT id, request_json FROM jobs").fetchall())
        (character_source,) = db.execute("SELECT source, source_ref FROM characters WHERE name = 'tram'").fetchall()
        ids = dict(db.execute("SELECT provider, provider_character_id FROM character_provider_ids").fetchall())
    finally:
        db.close()
    sent_board = json.loads(rows[board_id])
    assert sent_board["provider"] == "simulator-gateway"
    assert [(s["start"], s["end"]) for s in sent_board["body"]["storyboard"]] == [(0, 5), (5, 10), (10, 15)]
    assert character_source == ("job", board_id)
    assert set(ids) == {"simulator", "simulator-gateway"}  # extracted at the gateway, uploaded to the other
    sent_night = json.loads(rows[night_id])
    assert sent_night["provider"] == "simulator-gateway"
    assert sent_night["body"]["prompt"] == f"@{ids['simulator-gateway']} rides into the night"

"""The README's first command, scripted: `sorabot demo` with commands on standard input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot import media

SCRIPT = """\
/snapshot pin sora-2-2025-10-06
/sora an orange cat naps in the sun --duration 15
/wait
/quota
/sora a dog runs on the beach --duration 25
"""


def run_demo(tmp_path: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SORABOT_")}
    environ.update({"SORABOT_SIMULATOR__SPEED": "20", "SORABOT_LIMITS__POLL_MIN_INTERVAL": "0.05",
                    "COLUMNS": "200", **env})
    return subprocess.run([sys.executable, "-m", "bot", "demo"], input=script, capture_output=True, text=True,
                          cwd=tmp_path, env=environ, timeout=120, check=False)


def test_scripted_console_run_makes_a_15_second_mp4_and_counts_its_credits(tmp_path: Path) -> None:
    result = run_demo(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Pinned sora-2-2025-10-06" in out
    videos = list((tmp_path / "out").glob("*.mp4"))
    assert len(videos) == 1
    info = media.probe(videos[0])
    assert abs(info.duration - 15) < 0.2 and info.codec == "h264"
    assert str(Path("out") / videos[0].name) in out
    assert "1.5 credits used" in out
    assert "25 s is not available on sora-2-2025-10-06" in out and "at most 20 s" in out
    assert (tmp_path / "data" / "sorabot.db").exists()


def test_bad_input_gets_specific_messages_and_loses_nothing(tmp_path: Path) -> None:
    script = "\n".join([
        "/sora",
        "/sora " + "x" * 120,
        "/sora a cat --speed 3",
        "/sora a cat --duration 7",
        "/frobnicate",
        "/snapshot pin sora-3",
        "/snapshot wiggle",
        "/admin off",
        "/snapshot pin sora-2-2025-10-06",
        "/quota default 100",
        "/admin on",
        "/sora @nobody naps",
        "/character add mochi --url http://example.com/cat.mp4",
        "/character add mochi --url https://127.0.0.1/cat.mp4",
        "/character add mochi --url https://169.254.169.254/latest",
        "/sora first cat --duration 20",
        "/sora second cat --duration 10",
        "/as bo",
        "/sora a very long cat --duration 25",
        "/wait",
        "/quota",
    ]) + "\n"
    result = run_demo(tmp_path, script, SORABOT_QUOTA__ALLOWANCE="2", SORABOT_LIMITS__PROMPT_MAX_CHARS="100",
                      SORABOT_LIMITS__ACTIVE_JOBS_PER_MEMBER="1")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    expected = [
        "/sora needs a prompt",
        "The prompt is 120 characters long; the limit is 100",
        "Unknown option --speed for /sora. Allowed: --duration, --size",
        "7 s is not available on sora-2-2025-12-08: it allows 10 s, 15 s, 20 s, 25 s",
        "Unknown command /frobnicate",
        "Unknown snapshot “sora-3”. Known snapshots: sora-2-2025-10-06, sora-2-2025-12-08, sora-2",
        "Unknown /snapshot action “wiggle”",
        "Only admins of this server can use /snapshot pin",
        "Only admins of this server can use /quota default",
        "There is no character @nobody here",
        "Only https:// links can be used for characters",
        "private or local address",
        "You already have 1 video(s) in progress",
        "Not enough credits: this video costs 2.5 and you have 2 of 2 left this day. Your credits reset",
        "This day: 0 credits used, 0 held by running jobs, 2 of 2 left",  # bo spent nothing
    ]
    for text in expected:
        assert text in out, f"missing: {text}\n---\n{result.stdout}"
    assert "UTC" in out.split("Not enough credits")[1][:200]  # the reset time is named
    assert len(list((tmp_path / "out").glob("*.mp4"))) == 1  # only "first cat" was made

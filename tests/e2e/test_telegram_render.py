"""Telegram's length limits (UTF-16 units) and callback data, on the adapter's render helpers."""

from __future__ import annotations

import pytest

from adapters.telegram.render import (
    MAX_CAPTION,
    cut_units,
    duration_callback,
    fit_caption,
    job_callback,
    keyboard,
    split_text,
    utf16_len,
)
from bot.jobs.model import new_job_id
from bot.ports import Button


def test_caption_is_cut_to_1024_units_keeping_the_snapshot_line_whole() -> None:
    tail = "sora-2-2025-12-08 · 25 s · 2.5 credits · job j0123456789ab"
    prompt = "“" + "a cat 🐈 on a roof " * 100 + "”"
    caption = fit_caption(f"{prompt}\n{tail}")
    assert utf16_len(caption) <= MAX_CAPTION
    assert caption.endswith("\n" + tail)
    head = caption.rsplit("\n", 1)[0]
    assert head.startswith("“a cat 🐈") and head.endswith("…”")
    short = "“a cat”\n" + tail
    assert fit_caption(short) == short


def test_emoji_count_twice_and_are_never_split() -> None:
    text = "🐈" * 600  # 1200 UTF-16 units
    cut = cut_units(text, 1024)
    assert utf16_len(cut) <= 1024 and cut.endswith("…") and set(cut[:-1]) == {"🐈"}


def test_long_replies_are_split_on_lines() -> None:
    lines = [f"• @character_{i} — a description of this character" for i in range(200)]
    chunks = split_text("\n".join(lines), 4096)
    assert len(chunks) > 1 and all(utf16_len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines
    huge = "x" * 9000
    parts = split_text(huge, 4096)
    assert "".join(parts) == huge and all(len(p) <= 4096 for p in parts)


def test_callback_data_fits_64_bytes() -> None:
    job_id = new_job_id()
    for action in ("cancel", "again", "remix", "save"):
        assert len(job_callback(Button(action, job_id, "x")).encode()) <= 64
    assert duration_callback("AbCdEfGh", 25) == "dur:AbCdEfGh:25"
    with pytest.raises(ValueError, match="too long"):
        job_callback(Button("again", "j" * 70, "x"))
    markup = keyboard([Button("again", job_id, "Again"), Button("remix", job_id, "Remix")])
    assert markup is not None and [b.callback_data for b in markup.inline_keyboard[0]] == [
        f"again:{job_id}", f"remix:{job_id}"]
    assert keyboard([]) is None

"""Core views → Telegram shapes: length limits (UTF-16 units), inline keyboards, callback data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.ports import Button

MAX_TEXT = 4096  # sendMessage / editMessageText, in UTF-16 code units after entity parsing
MAX_CAPTION = 1024  # sendVideo caption
MAX_CALLBACK_DATA = 64  # bytes
MAX_CALLBACK_ANSWER = 200  # answerCallbackQuery text
ELLIPSIS = "…"

# callback_data: "<action>:<job id>" for job buttons, "dur:<pending id>:<seconds>" for the duration keyboard.
DURATION_ACTION = "dur"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cut_units(text: str, limit: int) -> str:
    """At most ``limit`` UTF-16 units, ending with "…" when shortened; never splits a character."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        out.append(ch)
        used += size
    head = "".join(out)
    space = head.rfind(" ")
    if space > len(head) * 2 // 3:  # prefer a word boundary when it costs little
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def fit_caption(caption: str, limit: int = MAX_CAPTION) -> str:
    """Shorten a caption to ``limit`` while keeping its last line (snapshot · duration · credits · job id)
    whole: only the text before it (the prompt) is cut."""
    if utf16_len(caption) <= limit:
        return caption
    head, sep, tail = caption.rpartition("\n")
    if not sep or utf16_len(tail) + 2 > limit:
        return cut_units(caption, limit)
    budget = limit - utf16_len(tail) - 1
    short = cut_units(head, budget)
    if head.startswith("“") and not short.endswith("”"):
        short = cut_units(head, budget - 1) + "”"  # keep the quoted prompt visibly quoted
    return f"{short}\n{tail}"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long reply on line boundaries into messages of at most ``limit`` units."""
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a single huge line: hard cut
            piece = _take_units(line, limit)
            if current:
                chunks.append(current)
                current = ""
            chunks.append(piece)
            line = line[len(piece):]
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [cut_units(text, limit)]


def _take_units(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:i]
    return text


def job_callback(button: Button) -> str:
    data = f"{button.action}:{button.job_id}"
    if len(data.encode()) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback_data too long: {data!r}")
    return data


def duration_callback(pending_id: str, seconds: int) -> str:
    data = f"{DURATION_ACTION}:{pending_id}:{seconds}"
    if len(data.encode()) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback_data too long: {data!r}")
    return data


def keyboard(buttons: Sequence[Button], *, per_row: int = 3) -> InlineKeyboardMarkup | None:
    """Job buttons as an inline keyboard (None when there are none: an edit then drops the keyboard)."""
    if not buttons:
        return None
    items = [InlineKeyboardButton(b.label, callback_data=job_callback(b)) for b in buttons]
    return InlineKeyboardMarkup(list(_rows(items, per_row)))


def _rows(items: Sequence[InlineKeyboardButton], per_row: int) -> Iterable[list[InlineKeyboardButton]]:
    for i in range(0, len(items), per_row):
        yield list(items[i:i + per_row])

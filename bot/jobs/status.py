"""What a job's status message and caption say, and how often the status is edited."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from bot.credits import format_credits
from bot.i18n import t
from bot.jobs.model import Job, JobState
from bot.ports import AGAIN, CANCEL, REMIX, SAVE_CHARACTER, Button, DeliveryView, StatusView

BAR_CELLS = 12
CAPTION_PROMPT_MAX = 300


def progress_bar(percent: int) -> str:
    filled = round(max(0, min(100, percent)) / 100 * BAR_CELLS)
    return "█" * filled + "░" * (BAR_CELLS - filled)


def cut(text: str, limit: int) -> str:
    """Shorten on a word boundary with an ellipsis; never split a character."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + "…"


# Platforms whose messages render Markdown (Discord). Text a member wrote (a prompt, a description, a
# display name) is escaped there when the bot echoes it, so it shows as typed: it cannot bold, hide,
# spoil or mask-link anything inside the bot's own message. Telegram messages go out as plain text.
MARKDOWN_PLATFORMS = frozenset({"discord"})
_MARKDOWN = re.compile(r"([\\*_~`|\[\]>#])")


def as_typed(text: str, platform: str) -> str:
    """``text`` (written by a member) as it must be put into a message of ``platform`` to show as typed."""
    return _MARKDOWN.sub(r"\\\1", text) if platform in MARKDOWN_PLATFORMS else text


def _buttons(job: Job, *actions: str) -> tuple[Button, ...]:
    labels = {CANCEL: "button.cancel", AGAIN: "button.again", REMIX: "button.remix",
              SAVE_CHARACTER: "button.save_character"}
    return tuple(Button(a, job.id, t(job.locale, labels[a])) for a in actions)


def render_status(job: Job, *, position: int = 0) -> StatusView:
    loc = job.locale
    common = {"id": job.id, "snapshot": job.snapshot, "why": t(loc, f"why.{job.snapshot_why}"),
              "seconds": job.seconds, "credits": format_credits(job.cost_tenths),
              "prompt": as_typed(cut(job.prompt, 120), job.platform)}
    if job.state == JobState.QUEUED:
        return StatusView(t(loc, "status.queued", position=position or 1, **common), _buttons(job, CANCEL))
    if job.state == JobState.SUBMITTING:
        return StatusView(t(loc, "status.submitting", **common))
    if job.state == JobState.RUNNING:
        return StatusView(t(loc, "status.running", bar=progress_bar(job.progress), percent=job.progress, **common))
    if job.state == JobState.DELIVERING:
        return StatusView(t(loc, "status.delivering", **common))
    if job.state == JobState.DELIVERED:
        return StatusView(t(loc, "status.delivered", **common), final=True)
    if job.state == JobState.CANCELLED:
        return StatusView(t(loc, "status.cancelled", **common), final=True)
    reason = t(loc, f"reason.{job.reason or 'internal'}")
    return StatusView(t(loc, "status.failed", reason=reason, **common), _buttons(job, AGAIN), final=True)


def render_caption(job: Job) -> DeliveryView:
    text = t(job.locale, "caption", prompt=as_typed(cut(job.prompt, CAPTION_PROMPT_MAX), job.platform),
             snapshot=job.snapshot, seconds=job.seconds, credits=format_credits(job.cost_tenths), id=job.id,
             user=as_typed(job.user_name, job.platform))
    return DeliveryView(caption=text, buttons=_buttons(job, AGAIN, REMIX, SAVE_CHARACTER), prompt=job.prompt)


@dataclass(slots=True)
class _Sent:
    text: str
    at: float


class StatusThrottle:
    """Edits only on change and at most every ``interval`` seconds; a final view always goes out."""

    def __init__(self) -> None:
        self._sent: dict[str, _Sent] = {}

    def should_send(self, job_id: str, view: StatusView, interval: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._sent.get(job_id)
        if last is not None and last.text == view.text:
            return False
        return view.final or last is None or now - last.at >= interval

    def sent(self, job_id: str, view: StatusView, now: float | None = None) -> None:
        if view.final:
            self._sent.pop(job_id, None)
        else:
            self._sent[job_id] = _Sent(view.text, time.monotonic() if now is None else now)

    def last_text(self, job_id: str) -> str | None:
        last = self._sent.get(job_id)
        return last.text if last is not None else None

    def forget(self, job_id: str) -> None:
        self._sent.pop(job_id, None)

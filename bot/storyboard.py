"""Storyboards: a video told as timed scenes, parsed and validated in one place.

Written one scene per line (Telegram, a Discord modal) or with ``;`` between scenes (the
console), each as ``start-end: what happens``::

    0-5: sunrise over the city
    5-10: the street wakes up

Rules, each refused with its own message: at least one scene; every scene ``start-end: text``
with whole seconds and some text; scenes start at 0 and follow each other with no gap and no
overlap; each lasts at least :data:`MIN_SCENE_SECONDS`. What the snapshot allows (storyboards
at all, the total within its maximum and one of its durations) is checked by
:func:`check_for_snapshot` once the snapshot in force is known. The video's duration — and so
its cost — is the end of the last scene.

:func:`parse` never raises anything but :class:`~bot.errors.UserError`, whatever the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import UserError
from bot.providers.base import Scene

MIN_SCENE_SECONDS = 2
MAX_SCENES = 20
_EXCERPT = 40
# "0-5: text", "0 - 5 s: text", "0s–5s: text", "[0-5] text", "0 to 5: text"
_SCENE_RE = re.compile(
    r"""^\s*\[?\s*(?P<start>\d{1,6})\s*(?:s|sec|secs|seconds?)?\s*
        (?:-|–|—|to)\s*
        (?P<end>\d{1,6})\s*(?:s|sec|secs|seconds?)?\s*\]?\s*
        (?:[:.)]|\s|$)\s*(?P<text>.*)$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_SEPARATORS = re.compile(r"[;\n\r]+")
EXAMPLE = "0-5: sunrise over the city; 5-10: the street wakes up"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def split_scenes(text: str) -> list[str]:
    """The non-blank pieces of ``text`` between newlines and ``;``."""
    return [piece.strip() for piece in _SEPARATORS.split(text) if piece.strip()]


def parse(text: str) -> tuple[Scene, ...]:
    """Scenes from text (one per line or ``;``-separated), validated by :func:`validate`."""
    pieces = split_scenes(text)
    if not pieces:
        raise UserError("storyboard.empty", example=EXAMPLE)
    if len(pieces) > MAX_SCENES:
        raise UserError("storyboard.too_many_scenes", count=len(pieces), max=MAX_SCENES)
    scenes: list[Scene] = []
    for index, piece in enumerate(pieces, start=1):
        m = _SCENE_RE.match(piece)
        if m is None:
            raise UserError("storyboard.bad_scene", index=index, text=_excerpt(piece), example=EXAMPLE)
        scene_text = " ".join(m.group("text").split())
        scenes.append(Scene(int(m.group("start")), int(m.group("end")), scene_text))
    return validate(scenes)


def validate(scenes: Sequence[Scene]) -> tuple[Scene, ...]:
    """The structural rules (any snapshot): returns the scenes as a tuple, or raises UserError."""
    if not scenes:
        raise UserError("storyboard.empty", example=EXAMPLE)
    if len(scenes) > MAX_SCENES:
        raise UserError("storyboard.too_many_scenes", count=len(scenes), max=MAX_SCENES)
    previous: Scene | None = None
    for index, scene in enumerate(scenes, start=1):
        if not scene.text.strip():
            raise UserError("storyboard.no_text", index=index, start=scene.start, end=scene.end)
        if scene.end <= scene.start:
            raise UserError("storyboard.backwards", index=index, start=scene.start, end=scene.end)
        if previous is None:
            if scene.start != 0:
                raise UserError("storyboard.not_from_zero", start=scene.start)
        elif scene.start > previous.end:
            raise UserError("storyboard.gap", prev=index - 1, index=index, end=previous.end, start=scene.start)
        elif scene.start < previous.end:
            raise UserError("storyboard.overlap", prev=index - 1, index=index, end=previous.end, start=scene.start)
        length = scene.end - scene.start
        if length < MIN_SCENE_SECONDS:
            raise UserError("storyboard.scene_too_short", index=index, start=scene.start, end=scene.end,
                            length=length, min=MIN_SCENE_SECONDS)
        previous = scene
    return tuple(scenes)


def total_seconds(scenes: Sequence[Scene]) -> int:
    return scenes[-1].end if scenes else 0


def check_for_snapshot(scenes: Sequence[Scene], *, snapshot: str, durations: Sequence[int]) -> None:
    """The total against a storyboard-capable snapshot's durations: within its maximum, and one of
    them (whether the snapshot has storyboards at all is the catalogue's check)."""
    total = total_seconds(scenes)
    allowed = sorted(durations)
    if total > allowed[-1]:
        raise UserError("storyboard.too_long", total=total, max=allowed[-1], snapshot=snapshot)
    if total not in allowed:
        raise UserError("storyboard.bad_total", total=total, snapshot=snapshot,
                        allowed=", ".join(f"{d} s" for d in allowed))


def render(scenes: Sequence[Scene]) -> str:
    """The canonical one-line form, which :func:`parse` reads back: ``0-5: a; 5-10: b``."""
    return "; ".join(f"{s.start}-{s.end}: {s.text}" for s in scenes)

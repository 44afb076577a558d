"""Videos the benchmarks serve from the simulator process (made once, cached under bench/results)."""

from __future__ import annotations

import os
from pathlib import Path

from bot import media

CACHE = Path(__file__).resolve().parent / "results" / "cache"


def small_video() -> Path:
    """A real 10 s H.264 MP4 at 160 px (a few KB): served for every job of the large benchmarks."""
    path = CACHE / "small.mp4"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part.mp4")
        media.render_video(tmp, text="bench", seconds=10, size="1280x720", width=160, fps=6)
        os.replace(tmp, path)
    return path


def big_file(megabytes: int = 40) -> Path:
    """A file of exactly ``megabytes`` MB that starts with a real MP4 (the rest is padding).

    Nothing on the delivery path decodes it (no re-encode when it fits the upload limit); it only
    has to be that big on the wire and on disk.
    """
    path = CACHE / f"big{megabytes}.mp4"
    size = megabytes * 1024 * 1024
    if not path.exists() or path.stat().st_size != size:
        CACHE.mkdir(parents=True, exist_ok=True)
        head = small_video().read_bytes()
        tmp = path.with_suffix(".part")
        with tmp.open("wb") as f:
            f.write(head)
            chunk = os.urandom(1024 * 1024)
            left = size - len(head)
            while left > 0:
                f.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
        os.replace(tmp, path)
    return path

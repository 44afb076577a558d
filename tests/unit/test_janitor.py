from __future__ import annotations

import os
import time
from pathlib import Path

from bot.jobs.janitor import sweep


def test_old_media_is_removed_but_active_jobs_and_fresh_files_are_kept(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    old = time.time() - 3 * 86400
    for name in ("jdone.mp4", "jdone.jpg", "jactive.mp4", "jfresh.mp4"):
        (jobs / name).write_bytes(b"x")
    for name in ("jdone.mp4", "jdone.jpg", "jactive.mp4"):
        os.utime(jobs / name, (old, old))
    removed = sweep([jobs, tmp_path / "missing"], older_than=86400, keep={"jactive"})
    assert removed == 2
    assert sorted(p.name for p in jobs.iterdir()) == ["jactive.mp4", "jfresh.mp4"]

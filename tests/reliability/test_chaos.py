"""The chaos run, small: the bot as a real process, SIGKILLed at random moments and restarted.

scripts/chaos.py has the machinery and the checks (and runs it large); here it runs with a few
jobs and kills so it fits the suite. The seed is fixed for a repeatable order of commands and
faults; the kill moments still fall wherever the machine's timing puts them.
"""

from __future__ import annotations

import os
from pathlib import Path

from scripts.chaos import ChaosConfig, run


async def test_killed_and_restarted_bot_loses_no_job_and_charges_exactly_once(tmp_path: Path) -> None:
    seed = int(os.environ.get("CHAOS_SEED", "20261121"))
    cfg = ChaosConfig(jobs=12, kills=5, seed=seed, speed=20, life=(0.2, 1.6), deadline=60, final_timeout=120)
    report = await run(tmp_path / "chaos", cfg)
    assert report.violations == [], f"seed {seed}: " + "\n".join(report.violations)
    assert report.kills == 5 and report.starts == 6
    assert report.accepted_jobs >= 6, report  # most commands reach a live bot
    assert report.lost_jobs == 0 and report.duplicate_deliveries == 0 and report.double_charges == 0
    assert report.delivered + sum(report.failed.values()) + report.cancelled == report.accepted_jobs
    assert report.charged_tenths == report.delivered_cost_tenths

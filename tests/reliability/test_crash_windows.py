"""The narrow windows a SIGKILL can hit, made wide on purpose (the chaos run hits them by chance).

Already covered by tests/integration/test_restart.py: killed while submitting (never resubmitted:
failed, released, told), killed while delivering (delivered once, charged once), killed mid-run
(every job resumed). Here: killed after a failure was recorded but before the member was told.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.jobs.model import Job, JobState
from bot.ports import StatusView
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


class DiesBeforeTelling(RecordingPort):
    """A platform the process never reaches again after the ending is committed (it was killed)."""

    async def update_status(self, job: Job, view: StatusView) -> dict[str, Any] | None:
        if view.final:
            raise ConnectionError("the process is gone")
        return await super().update_status(job, view)


async def test_a_failure_the_member_was_never_told_of_is_told_at_the_next_start(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    first = await core_factory(make_settings(tmp_path))
    first.runner.register_port(DiesBeforeTelling(tmp_path / "a"))
    await first.start()
    reply = await first.commands.sora(ctx(), "a storm [sim:fail]", 10)
    job_id = reply.job_id
    assert job_id is not None

    async def failed() -> bool:
        job = await first.jobs.get(job_id)
        return job is not None and job.state == JobState.FAILED
    await wait_for(failed, 30)
    job = await first.jobs.get(job_id)
    assert job is not None and job.result_ref is None  # failed and released, but nobody told
    assert await first.ledger.totals() == {"hold": 10, "release": 10}
    await first.stop()

    second = await core_factory(make_settings(tmp_path))
    port = RecordingPort(tmp_path / "b")
    second.runner.register_port(port)
    await second.start()
    final = port.final(job_id)
    assert final is not None and "No credits were spent" in final.text  # told now
    job = await second.jobs.get(job_id)
    assert job is not None and job.result_ref == {"told": True}
    await second.stop()

    third = await core_factory(make_settings(tmp_path))
    port3 = RecordingPort(tmp_path / "c")
    third.runner.register_port(port3)
    await third.start()
    assert port3.statuses == []  # told once is enough
    assert await third.ledger.totals() == {"hold": 10, "release": 10}  # and nothing was settled twice

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot.jobs.model import Job, JobState
from bot.jobs.scheduler import FairQueue

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def job(i: int, scope: str, user: str) -> Job:
    return Job(id=f"j{i}", scope_id=scope, user_id=user, user_name=user, platform="t", locale="en",
               state=JobState.QUEUED, prompt="p", seconds=10, size="1280x720", snapshot="s", snapshot_why="pin",
               cost_tenths=10, period_start=NOW, created_at=NOW, updated_at=NOW, deadline_at=NOW)


def drain(q: FairQueue) -> list[str]:
    out = []
    while (j := q.pop()) is not None:
        out.append(j.id)
    return out


def test_a_busy_server_does_not_starve_a_quiet_one() -> None:
    q = FairQueue()
    for i in range(5):
        q.push(job(i, "busy", "u1"))
    q.push(job(99, "quiet", "u2"))
    assert drain(q)[:2] == ["j0", "j99"]


def test_members_within_a_server_take_turns() -> None:
    q = FairQueue()
    for i in range(3):
        q.push(job(i, "s", "ana"))
    for i in range(3, 5):
        q.push(job(i, "s", "bo"))
    assert drain(q) == ["j0", "j3", "j1", "j4", "j2"]


def test_blocked_jobs_are_skipped_not_lost() -> None:
    q = FairQueue()
    q.push(job(1, "a", "u"))
    q.push(job(2, "b", "v"))
    assert q.pop(lambda j: j.scope_id == "b").id == "j2"  # type: ignore[union-attr]
    assert q.pop(lambda j: False) is None
    assert drain(q) == ["j1"]


def test_remove() -> None:
    q = FairQueue()
    q.push(job(1, "a", "u"))
    q.push(job(2, "a", "u"))
    assert q.remove("j1") is not None
    assert q.remove("nope") is None
    assert drain(q) == ["j2"]


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("xyz")), min_size=1, max_size=40),
       st.integers(min_value=0, max_value=5))
def test_shown_position_is_the_real_service_order(entries: list[tuple[str, str]], popped: int) -> None:
    q = FairQueue()
    for i, (scope, user) in enumerate(entries):
        q.push(job(i, scope, user))
    for _ in range(popped):
        q.pop()
    positions = {j.id: q.position(j.id) for j in q.jobs()}
    order = drain(q)
    assert [positions[jid] for jid in order] == list(range(1, len(order) + 1))

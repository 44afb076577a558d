from __future__ import annotations

from bot.jobs.polling import PollPlan


def test_provider_hint_is_a_floor() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=0.0)
    assert plan.next_delay(0.1, hint=4.0) >= 4.0


def test_sleeps_until_the_extrapolated_finish_instead_of_polling_every_second() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=0.0)
    plan.observe(2.0, 10)
    plan.observe(4.0, 20)  # 5%/s → 100% at t=20
    delay = plan.next_delay(4.0)
    assert 15.5 < delay < 17.0


def test_backs_off_gently_after_the_estimate_passes() -> None:
    plan = PollPlan(floor=0.5, ceiling=30, started=0.0)
    plan.observe(2.0, 10)
    plan.observe(4.0, 20)
    assert plan.next_delay(21.0) < plan.next_delay(40.0) <= 30


def test_queued_jobs_back_off_with_age_within_bounds() -> None:
    plan = PollPlan(floor=0.5, ceiling=10, started=0.0)
    assert plan.next_delay(1.0) == 0.5
    assert plan.next_delay(20.0) == 6.0
    assert plan.next_delay(1000.0) == 10

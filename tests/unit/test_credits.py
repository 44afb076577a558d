from __future__ import annotations

import datetime as dt

import pytest

from bot.credits import cost_tenths, credits_to_tenths, format_credits, period_bounds


@pytest.mark.parametrize(("seconds", "credits"), [(10, "1"), (15, "1.5"), (20, "2"), (25, "2.5")])
def test_cost_is_one_credit_per_ten_seconds(seconds: int, credits: str) -> None:
    tenths = cost_tenths(seconds)
    assert isinstance(tenths, int)
    assert format_credits(tenths) == credits


def test_credit_factor_scales_the_cost_in_integer_tenths() -> None:
    assert cost_tenths(15, 2.0) == 30
    assert cost_tenths(15, 1.5) == 23  # 22.5 rounds half up, never a float in the ledger


def test_admin_amounts_parse_to_tenths_and_reject_garbage() -> None:
    assert credits_to_tenths("2.5") == 25
    assert credits_to_tenths("10") == 100
    for bad in ("-1", "1.25", "abc", "nan", "inf"):
        with pytest.raises((ValueError, ArithmeticError)):
            credits_to_tenths(bad)


def test_period_boundaries_are_utc() -> None:
    now = dt.datetime(2026, 2, 28, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # = Mar 1, 04:30 UTC
    day = period_bounds("day", now)
    assert day == (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    week = period_bounds("week", now)
    assert week[0].weekday() == 0 and week[0] <= now < week[1] and week[1] - week[0] == dt.timedelta(days=7)
    month = period_bounds("month", dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC))
    assert month == (dt.datetime(2026, 12, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC))

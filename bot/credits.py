"""The single credit calculator and the period arithmetic.

Credits are kept as integer tenths: 1 credit = 10 s of video, so a clip of ``s`` seconds costs
``s`` tenths (times the snapshot's credit factor). Periods start at UTC boundaries.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from bot.config import Period

TENTHS_PER_CREDIT = 10
SECONDS_PER_CREDIT = 10


def cost_tenths(seconds: int, credit_factor: float = 1.0) -> int:
    """Cost of a clip in tenths of a credit: 10 s → 10 (1 credit), 15 s → 15 (1.5 credits)."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    exact = Decimal(seconds) * TENTHS_PER_CREDIT / SECONDS_PER_CREDIT * Decimal(str(credit_factor))
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def credits_to_tenths(credits: float | str | Decimal) -> int:
    """Parse an admin-given amount ("2.5") into tenths; at most one decimal place."""
    value = Decimal(str(credits).strip())
    if not value.is_finite() or value < 0:
        raise ValueError("credits must be a non-negative number")
    tenths = value * TENTHS_PER_CREDIT
    if tenths != tenths.to_integral_value():
        raise ValueError("credits allow at most one decimal place")
    return int(tenths)


def format_credits(tenths: int) -> str:
    """2 → "0.2", 15 → "1.5", 20 → "2"."""
    whole, frac = divmod(abs(tenths), TENTHS_PER_CREDIT)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole}" if frac == 0 else f"{sign}{whole}.{frac}"


def period_bounds(period: Period, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the period containing ``now``, in UTC. Weeks start on Monday."""
    now = now.astimezone(dt.UTC)
    day = dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC)
    if period == "day":
        return day, day + dt.timedelta(days=1)
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    start = day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    return start, start + dt.timedelta(days=days)

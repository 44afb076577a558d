from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.characters import parse_mentions, validate_name
from bot.errors import UserError


def test_mentions_in_order_without_duplicates_case_insensitive() -> None:
    assert parse_mentions("@Mochi chases @bolt, then @mochi sleeps") == ["Mochi", "bolt"]


def test_email_addresses_and_platform_pings_are_not_characters() -> None:
    assert parse_mentions("mail me at ana@example.com, @everyone and @here look") == []


def test_unicode_names() -> None:
    assert parse_mentions("@小猫 naps") == ["小猫"]


@pytest.mark.parametrize("bad", ["a", "x" * 33, "no spaces", "bad-dash", "123", "everyone", ""])
def test_invalid_names_are_refused_with_the_rule(bad: str) -> None:
    with pytest.raises(UserError) as err:
        validate_name(bad)
    assert "2–32" in err.value.render() or "reserved" in err.value.render()


@given(st.text(max_size=300))
def test_parsing_never_crashes_and_yields_names_from_the_prompt(text: str) -> None:
    for name in parse_mentions(text):
        assert "@" + name in text

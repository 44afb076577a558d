from __future__ import annotations

import datetime as dt

import pytest

from bot.catalogue import Catalogue, ScopeSnapshotState, Why, canary_bucket
from bot.config import SnapshotConfig, default_snapshots
from bot.errors import UserError

TODAY = dt.date(2026, 11, 21)


def cat(env: str = "production", entries: list[SnapshotConfig] | None = None) -> Catalogue:
    return Catalogue(entries or default_snapshots(), env)  # type: ignore[arg-type]


@pytest.mark.parametrize(("env", "expected"), [("production", "sora-2-2025-10-06"),
                                               ("staging", "sora-2-2025-12-08"),
                                               ("development", "sora-2-2025-12-08")])
def test_deployment_default_by_environment(env: str, expected: str) -> None:
    res = cat(env).resolve(ScopeSnapshotState())
    assert res.snapshot.id == expected
    assert res.why == Why.DEFAULT


def test_development_default_is_the_alias_resolved_at_submit_time() -> None:
    c = cat("development")
    assert c.deployment_default() == "sora-2"
    assert c.resolve(ScopeSnapshotState()).requested == "sora-2"


def test_pin_wins_over_default() -> None:
    res = cat("staging").resolve(ScopeSnapshotState(pin="sora-2-2025-10-06"))
    assert (res.snapshot.id, res.why) == ("sora-2-2025-10-06", Why.PIN)


def test_canary_choice_is_deterministic_per_job_and_near_the_percentage() -> None:
    c = cat()
    state = ScopeSnapshotState(pin="sora-2-2025-10-06", canary="sora-2-2025-12-08", canary_percent=25)
    picks = [c.resolve(state, f"job{i}").why == Why.CANARY for i in range(4000)]
    assert 0.22 < sum(picks) / len(picks) < 0.28
    assert all(c.resolve(state, f"job{i}").why == (Why.CANARY if picks[i] else Why.PIN) for i in range(200))
    assert canary_bucket("x") == canary_bucket("x")
    # Without a job id (e.g. /snapshot show) the canary never applies.
    assert c.resolve(state).why == Why.PIN


def test_alias_follows_the_snapshot_marked_current() -> None:
    assert cat().get("sora-2").id == "sora-2-2025-12-08"


def test_unknown_snapshot_lists_the_known_ones() -> None:
    with pytest.raises(UserError) as err:
        cat().get("sora-3")
    assert err.value.key == "snapshot.unknown"
    text = err.value.render()
    assert "sora-3" in text and "sora-2-2025-10-06" in text and "sora-2-2025-12-08" in text


def test_25_seconds_on_the_stable_snapshot_names_20_as_its_maximum() -> None:
    c = cat()
    with pytest.raises(UserError) as err:
        c.check_request(c.get("sora-2-2025-10-06"), seconds=25, storyboard=False, characters=False, today=TODAY)
    text = err.value.render()
    assert "at most 20 s" in text and "sora-2-2025-12-08" in text


@pytest.mark.parametrize(("feature", "key"), [("storyboard", "snapshot.storyboard_unsupported"),
                                              ("characters", "snapshot.characters_unsupported")])
def test_features_missing_on_the_stable_snapshot_are_refused_with_an_alternative(feature: str, key: str) -> None:
    c = cat()
    with pytest.raises(UserError) as err:
        c.check_request(c.get("sora-2-2025-10-06"), seconds=10, storyboard=feature == "storyboard",
                        characters=feature == "characters", today=TODAY)
    assert err.value.key == key
    assert "sora-2-2025-12-08" in err.value.render()


def test_retired_snapshot_is_refused_naming_its_successor() -> None:
    entries = default_snapshots()
    entries[0] = entries[0].model_copy(update={"retires_on": dt.date(2026, 1, 1), "successor": "sora-2-2025-12-08"})
    c = cat(entries=entries)
    with pytest.raises(UserError) as err:
        c.check_request(c.get("sora-2-2025-10-06"), seconds=10, storyboard=False, characters=False, today=TODAY)
    assert err.value.key == "snapshot.retired"
    assert "sora-2-2025-12-08" in err.value.render()
    with pytest.raises(UserError):
        c.check_pinnable("sora-2-2025-10-06", TODAY)
    assert c.get("sora-2-2025-10-06").retiring_soon(dt.date(2025, 12, 25))

"""The job pipeline end to end: core → HTTP provider → simulator over loopback → a recording port."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import media
from bot.app import Core
from bot.errors import UserError
from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for


async def started(core_factory: Callable[..., Any], tmp_path: Path, **settings: Any) -> tuple[Core, RecordingPort]:
    core = await core_factory(make_settings(tmp_path, **settings) if settings else None)
    port = RecordingPort(tmp_path / "delivered")
    core.runner.register_port(port)
    await core.start()
    return core, port


async def finished(core: Core, job_id: str, timeout: float = 20.0) -> Any:
    async def done() -> bool:
        job = await core.jobs.get(job_id)
        return job is not None and job.state.finished
    await wait_for(done, timeout)
    return await core.jobs.get(job_id)


def creates(sim: SimulatorServer) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST" and r.path == "/v1/videos"]


async def test_a_video_is_made_delivered_and_charged_once(core_factory: Callable[..., Any], tmp_path: Path,
                                                          simulator: SimulatorServer) -> None:
    core, port = await started(core_factory, tmp_path)
    reply = await core.commands.sora(ctx(), "an orange cat naps in the sun", 15)
    assert reply.job_id and "1.5 credits held" in reply.text
    job = await finished(core, reply.job_id)
    assert job.state == JobState.DELIVERED
    assert [j for j, *_ in port.videos] == [job.id]
    assert abs(media.probe(port.videos[0][1]).duration - 15) < 0.2
    caption = port.videos[0][2].caption
    assert job.snapshot in caption and "15 s" in caption and "1.5 credits" in caption and job.id in caption
    # The exact snapshot and the full request are recorded on the job.
    assert job.request_json["body"]["model"] == job.snapshot == "sora-2-2025-12-08"
    assert job.request_json["body"]["seconds"] == "15" and job.provider == "simulator" and job.remote_id
    assert await core.ledger.totals() == {"hold": 15, "charge": 15}
    progress = [v.text for j, v in port.statuses if j == job.id and "Generating" in v.text]
    assert progress, "the status shows progress"
    quota = await core.commands.quota_me(ctx())
    assert "1.5 credits used" in quota.text and "8.5 of 10 left" in quota.text


async def test_rate_limited_create_is_retried_then_succeeds(core_factory: Callable[..., Any], tmp_path: Path,
                                                            simulator: SimulatorServer) -> None:
    core, _port = await started(core_factory, tmp_path)
    reply = await core.commands.sora(ctx(), "[sim:429] a fox", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    assert job.state == JobState.DELIVERED
    assert len(creates(simulator)) == 2  # refused once with 429, then accepted
    assert len([r for r in simulator.requests if r.method == "GET" and r.path == "/v1/videos"]) == 0


@pytest.mark.parametrize(("prompt", "reason", "shown"), [
    ("[sim:500x20] a fox", "unavailable", "unavailable"),  # every provider fails: no fallback left
    ("[sim:moderation] a fox", "moderation", "content policy"),
    ("[sim:moderation-create] a fox", "moderation", "content policy"),
    ("[sim:fail] a fox", "generation_failed", "could not make"),
    ("[sim:expired] a fox", "expired", "expired"),
])
async def test_failures_release_the_credits_and_say_why(core_factory: Callable[..., Any], tmp_path: Path,
                                                        simulator: SimulatorServer, prompt: str, reason: str,
                                                        shown: str) -> None:
    core, port = await started(core_factory, tmp_path)
    reply = await core.commands.sora(ctx(), prompt, 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    assert (job.state, job.reason) == (JobState.FAILED, reason)
    assert await core.ledger.totals() == {"hold": 10, "release": 10}
    final = port.final(job.id)
    assert final is not None and shown in final.text and "No credits were spent" in final.text
    assert not port.videos


async def test_a_job_that_never_finishes_ends_at_its_deadline(core_factory: Callable[..., Any], tmp_path: Path,
                                                              simulator: SimulatorServer) -> None:
    core, _ = await started(core_factory, tmp_path, limits={"job_deadline_seconds": 1.0})
    reply = await core.commands.sora(ctx(), "[sim:never] a fox", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    assert (job.state, job.reason) == (JobState.FAILED, "deadline")
    assert await core.ledger.totals() == {"hold": 10, "release": 10}


async def test_polling_is_not_a_tight_loop(core_factory: Callable[..., Any], tmp_path: Path,
                                           simulator: SimulatorServer) -> None:
    core, _ = await started(core_factory, tmp_path)
    simulator.set_speed(5)  # a 10 s video takes 2 s
    reply = await core.commands.sora(ctx(), "a heron", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    polls = [r for r in simulator.requests if r.method == "GET" and r.path == f"/v1/videos/{job.remote_id}"]
    assert job.state == JobState.DELIVERED
    assert 1 <= len(polls) <= 8, len(polls)  # a 50 ms loop would have asked ~40 times


async def test_cancel_while_queued_returns_the_credits(core_factory: Callable[..., Any], tmp_path: Path,
                                                       simulator: SimulatorServer) -> None:
    from bot.config import ProviderConfig

    one_slot = ProviderConfig(name="simulator", kind="simulator", max_in_flight=1, storyboard=True)
    core, _port = await started(core_factory, tmp_path, providers=[one_slot])
    first = await core.commands.sora(ctx("ana"), "[sim:never] a slow one", 10)
    second = await core.commands.sora(ctx("bo"), "a cat", 15)
    assert "position 1" in second.text or "position 2" in second.text
    await wait_for(lambda: second.job_id in core.runner.queue)
    with pytest.raises(UserError) as err:
        await core.commands.cancel(ctx("cy"), second.job_id)  # type: ignore[arg-type]
    assert err.value.key == "job.not_yours"
    done = await core.commands.cancel(ctx("bo"), second.job_id)  # type: ignore[arg-type]
    assert "1.5 credits returned" in done.text
    job = await core.jobs.get(second.job_id)  # type: ignore[arg-type]
    assert job.state == JobState.CANCELLED
    assert (await core.ledger.totals())["release"] == 15
    with pytest.raises(UserError) as err:
        await core.commands.cancel(ctx("ana"), first.job_id)  # type: ignore[arg-type]
    assert err.value.key == "job.cannot_cancel"


async def test_admin_pins_and_the_next_job_uses_the_pin(core_factory: Callable[..., Any], tmp_path: Path,
                                                        simulator: SimulatorServer) -> None:
    core, _ = await started(core_factory, tmp_path)
    with pytest.raises(UserError) as err:
        await core.commands.snapshot_pin(ctx("member"), "sora-2-2025-10-06")
    assert err.value.key == "auth.admin_only"
    await core.commands.snapshot_pin(ctx("boss", admin=True), "sora-2-2025-10-06")
    reply = await core.commands.sora(ctx(), "a cat", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    assert job.snapshot == "sora-2-2025-10-06" and job.snapshot_why == "pin"
    assert creates(simulator)[-1].json["model"] == "sora-2-2025-10-06"  # type: ignore[attr-defined]
    history = await core.commands.snapshot_history(ctx())
    assert "boss: pin sora-2-2025-12-08 → sora-2-2025-10-06" in history.text
    # Rollback returns to what was in force before the pin.
    await core.commands.snapshot_rollback(ctx("boss", admin=True))
    shown = await core.commands.snapshot_show(ctx())
    assert "In force: sora-2-2025-12-08 (deployment default)" in shown.text


async def test_characters_reach_the_provider_by_id_and_stay_in_their_scope(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    core, _ = await started(core_factory, tmp_path)
    clip = media.render_video(tmp_path / "mochi.mp4", text="mochi", seconds=2)
    await core.commands.character_add_file(ctx("ana"), "Mochi", clip, "a fluffy cat")
    reply = await core.commands.sora(ctx("bo"), "@mochi naps in the sun", 10)
    job = await finished(core, reply.job_id)  # type: ignore[arg-type]
    assert job.state == JobState.DELIVERED
    body = creates(simulator)[-1].json  # type: ignore[attr-defined]
    char = await core.character_repo.get("test:server:1", "mochi")
    assert body["characters"] == [{"id": char.provider_ids["simulator"]}]  # type: ignore[union-attr]
    assert "Mochi naps" in body["prompt"]
    # Another server cannot see it; a typo gets the closest name.
    with pytest.raises(UserError) as err:
        await core.commands.sora(ctx("ana", scope="test:server:2"), "@mochi naps", 10)
    assert err.value.key == "character.unknown_no_close"
    with pytest.raises(UserError) as err:
        await core.commands.sora(ctx("ana"), "@mochii naps", 10)
    assert "@Mochi" in err.value.render()
    # Only the owner or an admin may remove it.
    with pytest.raises(UserError) as err:
        await core.commands.character_remove(ctx("bo"), "mochi")
    assert err.value.key == "character.not_owner"
    await core.commands.character_remove(ctx("ana"), "MOCHI")
    assert await core.character_repo.get("test:server:1", "mochi") is None
    assert await core.ledger.totals() == {"hold": 10, "charge": 10}


async def test_a_character_from_a_previous_job(core_factory: Callable[..., Any], tmp_path: Path,
                                               simulator: SimulatorServer) -> None:
    core, _ = await started(core_factory, tmp_path)
    first = await core.commands.sora(ctx(), "a robot waves", 10)
    await finished(core, first.job_id)  # type: ignore[arg-type]
    added = await core.commands.character_add_from_job(ctx(), "robo", first.job_id)  # type: ignore[arg-type]
    assert "@robo" in added.text
    info = await core.commands.character_info(ctx(), "robo")
    assert "a robot waves" in info.text and "simulator" in info.text


async def test_upload_over_the_platform_limit_is_reencoded_to_fit(tmp_path: Path) -> None:
    from bot.app import build_core

    big = SimulatorServer(speed=20, render_width=960, render_fps=24)  # renders ~200 KB for 10 s
    core = await build_core(make_settings(tmp_path), simulator=big, backoff_base=0.01)
    port = RecordingPort(tmp_path / "delivered")
    core.runner.register_port(port)
    try:
        await core.start()
        reply = await core.commands.sora(ctx(), "a busy market at noon", 10)
        job = await finished(core, reply.job_id)  # type: ignore[arg-type]
        original = Path(job.video_path).stat().st_size
        port.limit = original * 3 // 4  # what the platform announced
        port.refuse_above = original // 2  # what it really accepts: it refuses the first fit with "too large"
        again = await core.commands.again(ctx(), job.id)
        job2 = await finished(core, again.job_id)  # type: ignore[arg-type]
        assert job2.state == JobState.DELIVERED
        sent = port.videos[-1][1]
        assert sent.stat().st_size <= original // 2
        info = media.probe(sent)
        assert info.codec == "h264" and abs(info.duration - 10) < 0.3
        assert (await core.ledger.totals())["charge"] == 20
    finally:
        await core.stop()
        await big.stop()


async def test_admins_are_told_of_a_coming_retirement_and_members_get_a_refusal_after_it(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    import datetime as dt

    from bot.config import default_snapshots

    today = dt.datetime.now(dt.UTC).date()
    snaps = default_snapshots()
    snaps[1] = snaps[1].model_copy(update={"retires_on": today + dt.timedelta(days=5),
                                           "successor": "sora-2-2025-10-06"})
    core, _ = await started(core_factory, tmp_path, snapshots=snaps)
    admin_reply = await core.commands.sora(ctx("boss", admin=True), "a cat", 10)
    assert f"retires on {snaps[1].retires_on}" in admin_reply.text and "sora-2-2025-10-06" in admin_reply.text
    member_reply = await core.commands.sora(ctx("ana"), "a cat", 10)
    assert "retires" not in member_reply.text

    snaps[1] = snaps[1].model_copy(update={"retires_on": today})
    retired, _ = await started(core_factory, tmp_path / "later", snapshots=snaps)
    with pytest.raises(UserError) as err:
        await retired.commands.sora(ctx("ana"), "a cat", 10)
    assert err.value.key == "snapshot.retired" and "sora-2-2025-10-06" in err.value.render()
    assert (await retired.ledger.totals()) == {}


async def test_in_a_private_chat_the_user_governs_snapshots_but_cannot_grant_themself_credits(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer) -> None:
    settings = make_settings(tmp_path, owners=["test:root"])
    core = await core_factory(settings)
    dm = ctx("ana", scope="test:dm:ana", kind="dm")
    pinned = await core.commands.snapshot_pin(dm, "sora-2-2025-10-06")
    assert "Pinned sora-2-2025-10-06" in pinned.text
    for call in (core.commands.quota_default(dm, "1000"), core.commands.quota_period(dm, "month"),
                 core.commands.quota_set(dm, "test:ana", "ana", "1000")):
        with pytest.raises(UserError) as err:
            await call
        assert err.value.key == "auth.owner_only_in_dm"
    owner_in_dm = ctx("root", scope="test:dm:root", kind="dm")
    assert "100 credits" in (await core.commands.quota_default(owner_in_dm, "100")).text

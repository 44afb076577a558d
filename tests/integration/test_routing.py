"""Routing and fallback against two simulators over loopback: one configured as an OpenAI-shape
provider (per second, stable), the other as a task gateway (per request, cheaper, less stable)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import media
from bot.app import Core
from bot.config import ProviderConfig
from bot.errors import UserError
from bot.jobs.model import Job, JobState
from bot.providers.breaker import BreakerState
from bot.simulator import SimulatorServer
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for

ADMIN = ctx("admin", admin=True)


class Clock:
    """The circuit breakers' clock: tests step it through a cool-down."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def gateway_sim() -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(host="127.0.0.1", port=0, speed=20)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def providers(openai: SimulatorServer, gateway: SimulatorServer, *, openai_characters: bool = True,
              **gateway_kw: Any) -> list[ProviderConfig]:
    gw: dict[str, Any] = {"price_per_request": 0.2, "stability": 40, "storyboard": True, "characters": True,
                          "max_retries": 0, "breaker_failures": 2, "breaker_cooldown_seconds": 30.0}
    gw.update(gateway_kw)
    return [
        ProviderConfig(name="openai", kind="openai", base_url=openai.base_url, stability=90, max_retries=1,
                       characters=openai_characters),  # the snapshot's $0.10/s: $1.00 for 10 s
        ProviderConfig(name="gateway", kind="gateway", base_url=gateway.base_url, **gw),
    ]


async def start(core_factory: Callable[..., Any], tmp_path: Path, provider_list: list[ProviderConfig],
                clock: Clock, **settings: Any) -> tuple[Core, RecordingPort]:
    limits = {"active_jobs_per_member": 20, "active_jobs_per_scope": 50, **settings.pop("limits", {})}
    core = await core_factory(make_settings(tmp_path, providers=provider_list, limits=limits, **settings),
                              breaker_clock=clock)
    port = RecordingPort(tmp_path / "delivered")
    core.runner.register_port(port)
    await core.start()
    return core, port


async def finished(core: Core, job_id: str | None, timeout: float = 30.0) -> Job:
    assert job_id

    async def done() -> bool:
        job = await core.jobs.get(job_id)
        return job is not None and job.state.finished
    await wait_for(done, timeout)
    job = await core.jobs.get(job_id)
    assert job is not None
    return job


def generates(sim: SimulatorServer) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST" and r.path == "/sora/generate"]


def creates(sim: SimulatorServer) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST" and r.path == "/v1/videos"]


async def test_priority_cost_routes_to_the_gateway_and_stability_to_the_openai_shape(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    core, port = await start(core_factory, tmp_path, providers(simulator, gateway_sim), Clock())
    reply = await core.commands.provider_priority(ADMIN, "cost")
    assert "cheapest first" in reply.text
    cheap = await finished(core, (await core.commands.sora(ctx(), "a kite over the hills", 10)).job_id)
    assert (cheap.state, cheap.provider, cheap.usd_estimate) == (JobState.DELIVERED, "gateway", 0.2)
    assert cheap.request_json and cheap.request_json["kind"] == "gateway"
    assert [r.json["prompt"] for r in generates(gateway_sim)] == ["a kite over the hills"]
    assert not creates(simulator)

    await core.commands.provider_priority(ADMIN, "stability")
    stable = await finished(core, (await core.commands.sora(ctx(), "a heron at dawn", 15)).job_id)
    assert (stable.state, stable.provider, stable.usd_estimate) == (JobState.DELIVERED, "openai", 1.5)
    assert [r.json["seconds"] for r in creates(simulator)] == ["15"]
    assert len(port.videos) == 2

    usage = await core.commands.quota_usage(ADMIN)
    assert "By provider and snapshot:" in usage.text
    assert "• gateway · sora-2-2025-12-08: 1 credit, 1 video(s), ≈ $0.20" in usage.text
    assert "• openai · sora-2-2025-12-08: 1.5 credits, 1 video(s), ≈ $1.50" in usage.text
    assert "≈ $1.70" in usage.text  # the total


async def test_gateway_500s_mid_run_trip_the_breaker_then_it_closes_after_the_cooldown(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    clock = Clock()
    gateway_sim.set_speed(4)  # a 10 s video runs 2.5 s: long enough to fail mid-run
    core, _port = await start(core_factory, tmp_path, providers(simulator, gateway_sim), clock)
    await core.commands.provider_priority(ADMIN, "cost")
    gateway = core.registry.get("gateway")
    assert gateway is not None

    running = (await core.commands.sora(ctx("ana"), "a long tram ride", 10)).job_id

    async def on_the_gateway() -> bool:
        job = await core.jobs.get(running)  # type: ignore[arg-type]
        return job is not None and job.state == JobState.RUNNING
    await wait_for(on_the_gateway)

    # The gateway starts answering 500 to everything: creates and status checks alike.
    gateway_sim.faults.update({"create_status": 500, "status_status": 500})
    fell_back = await finished(core, (await core.commands.sora(ctx("bo"), "a bus in the rain", 10)).job_id)
    assert (fell_back.state, fell_back.provider) == (JobState.DELIVERED, "openai")
    attempts = await core.jobs.attempts(fell_back.id)
    assert [(a.provider, a.outcome, a.reason) for a in attempts] == [
        ("gateway", "failed", "unavailable"), ("openai", "submitted", None)]
    assert fell_back.request_json and fell_back.request_json["fallback_from"][0]["provider"] == "gateway"

    await wait_for(lambda: gateway.breaker.state == BreakerState.OPEN)  # the running job's polls fail too
    status = await core.commands.provider_status(ADMIN)
    assert "gateway (gateway) — ⛔ out of rotation" in status.text and "probed again in 30 s" in status.text
    assert "openai (openai) — ✅ in rotation" in status.text

    asked = len(generates(gateway_sim))
    next_jobs = [(await core.commands.sora(ctx(f"user{i}"), f"a boat {i}", 10)).job_id for i in range(3)]
    for job_id in next_jobs:
        job = await finished(core, job_id)
        assert (job.state, job.provider) == (JobState.DELIVERED, "openai")
        assert [a.provider for a in await core.jobs.attempts(job.id)] == ["openai"]
    assert len(generates(gateway_sim)) == asked, "no job was sent to the open circuit"

    # The gateway recovers; the job that was running there is still polled and delivered.
    gateway_sim.faults.reset()
    resumed = await finished(core, running, timeout=40)
    assert (resumed.state, resumed.provider) == (JobState.DELIVERED, "gateway")
    assert gateway.breaker.state == BreakerState.OPEN  # a late answer does not end the cool-down early

    clock.now += 31  # the cool-down passes: the next job probes the gateway and closes the circuit
    assert gateway.breaker.state == BreakerState.HALF_OPEN
    probe = await finished(core, (await core.commands.sora(ctx("cy"), "a quiet harbour", 10)).job_id)
    assert (probe.state, probe.provider) == (JobState.DELIVERED, "gateway")
    assert gateway.breaker.state == BreakerState.CLOSED
    after = await finished(core, (await core.commands.sora(ctx("cy"), "a quiet harbour at night", 10)).job_id)
    assert after.provider == "gateway"
    assert "gateway (gateway) — ✅ in rotation" in (await core.commands.provider_status(ADMIN)).text
    totals = await core.ledger.totals()
    assert totals["hold"] == totals["charge"] == 70 and "release" not in totals


async def test_a_job_with_a_character_whose_provider_is_down_fails_with_credits_released(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    core, port = await start(core_factory, tmp_path,
                             providers(simulator, gateway_sim, openai_characters=False, breaker_failures=1),
                             Clock())
    # A character extracted from a job that ran on the gateway: the gateway alone holds it.
    source = await finished(core, (await core.commands.sora(ctx(), "a red fox in the snow", 10)).job_id)
    assert source.provider == "openai"  # stability first by default
    await core.commands.provider_priority(ADMIN, "cost")
    source = await finished(core, (await core.commands.sora(ctx(), "a red fox in the snow", 10)).job_id)
    assert source.provider == "gateway"
    saved = await core.commands.character_add_from_job(ctx(), "foxy", source.id)
    assert "Saved @foxy" in saved.text
    extract = [r for r in gateway_sim.requests if r.path == "/sora/characters/extract"]
    assert [r.json for r in extract] == [{"task_id": source.remote_id, "name": "foxy"}]
    info = await core.commands.character_info(ctx(), "foxy")
    assert "Held by: gateway." in info.text
    await core.commands.provider_priority(ADMIN, "stability")  # would prefer openai, but it lacks @foxy

    gateway_sim.faults.down = True
    before = await core.ledger.totals()
    reply = await core.commands.sora(ctx(), "@foxy leaps over a fence", 10)
    assert "1 credit held" in reply.text  # accepted: the provider's state is only known when sending
    job = await finished(core, reply.job_id)
    assert (job.state, job.reason, job.provider) == (JobState.FAILED, "character_unavailable", "gateway")
    final = port.final(job.id)
    assert final is not None
    assert "holds a character in this prompt is unavailable" in final.text
    assert "rather than leave the character out" in final.text and "No credits were spent" in final.text
    after = await core.ledger.totals()
    assert after["release"] - before.get("release", 0) == 10 and after["charge"] == before["charge"]
    assert not [r for r in simulator.requests if r.path == "/v1/videos" and "foxy" in str(r.json)]

    # Now the circuit is open: the next such job is refused before anything is held, saying when to
    # try again, and the gateway is not asked.
    asked = len(generates(gateway_sim))
    held_before = await core.ledger.totals()
    with pytest.raises(UserError) as err:
        await core.commands.sora(ctx(), "@foxy sleeps", 10)
    assert err.value.key == "provider.all_out_of_rotation" and "Nothing was charged" in err.value.render()
    assert await core.ledger.totals() == held_before
    assert len(generates(gateway_sim)) == asked
    # A prompt without the character still goes to the provider in rotation.
    plain = await finished(core, (await core.commands.sora(ctx(), "a fox sleeps", 10)).job_id)
    assert (plain.state, plain.provider) == (JobState.DELIVERED, "openai")


async def test_characters_reach_every_provider_that_can_take_them(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    """An upload reaches the gateway only through a public URL; a job with the character then goes
    where the character is, whatever the priority."""
    clip = tmp_path / "clip.mp4"
    media.render_video(clip, text="mochi", seconds=2, width=64, fps=4)
    core, _port = await start(core_factory, tmp_path, providers(simulator, gateway_sim), Clock())
    await core.commands.provider_priority(ADMIN, "cost")
    await core.commands.character_add_file(ctx(), "mochi", clip, "a grey cat")
    assert "Held by: openai." in (await core.commands.character_info(ctx(), "mochi")).text
    job = await finished(core, (await core.commands.sora(ctx(), "@mochi naps", 10)).job_id)
    assert (job.state, job.provider) == (JobState.DELIVERED, "openai")  # the gateway does not hold @mochi

    public = await core_factory(make_settings(tmp_path / "b", providers=providers(simulator, gateway_sim),
                                              storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
                                                       "media_dir": tmp_path / "b-media",
                                                       "public_media_url": "https://media.example.com/sb/"}))
    await public.commands.character_add_file(ctx(), "mochi", clip, "a grey cat")
    row = await public.character_repo.get(ctx().scope.id, "mochi")
    assert row is not None and set(row.provider_ids) == {"openai", "gateway"}
    sent = [r.json for r in gateway_sim.requests if r.path == "/sora/characters"]
    assert sent == [{"video_url": f"https://media.example.com/sb/characters/{row.id}.mp4", "name": "mochi",
                     "description": "a grey cat"}]


async def test_a_storyboard_goes_to_the_gateway_with_its_scenes(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    core, port = await start(core_factory, tmp_path, providers(simulator, gateway_sim), Clock())
    reply = await core.commands.sora_storyboard(ctx(), "0-5: sunrise over the city\n5-10: the street wakes up\n"
                                                       "10-15: a tram crosses the bridge")
    assert "1.5 credits held" in reply.text and "15 s" in reply.text
    job = await finished(core, reply.job_id)
    assert (job.state, job.provider, job.seconds) == (JobState.DELIVERED, "gateway", 15)
    body = generates(gateway_sim)[0].json
    assert body["duration"] == 15 and body["storyboard"] == [
        {"start": 0, "end": 5, "text": "sunrise over the city"},
        {"start": 5, "end": 10, "text": "the street wakes up"},
        {"start": 10, "end": 15, "text": "a tram crosses the bridge"}]
    assert abs(media.probe(port.videos[0][1]).duration - 15) < 0.2
    assert not creates(simulator)


async def test_a_restart_resumes_a_gateway_job_against_the_gateway(
        core_factory: Callable[..., Any], tmp_path: Path, simulator: SimulatorServer,
        gateway_sim: SimulatorServer) -> None:
    gateway_sim.set_speed(4)
    first, _ = await start(core_factory, tmp_path, providers(simulator, gateway_sim), Clock())
    await first.commands.provider_priority(ADMIN, "cost")
    reply = await first.commands.sora(ctx(), "a lighthouse in a storm", 10)

    async def running() -> bool:
        job = await first.jobs.get(reply.job_id)  # type: ignore[arg-type]
        return job is not None and job.state == JobState.RUNNING
    await wait_for(running)
    await first.stop()

    second, port = await start(core_factory, tmp_path, providers(simulator, gateway_sim), Clock())
    job = await finished(second, reply.job_id)
    assert (job.state, job.provider) == (JobState.DELIVERED, "gateway")
    assert len(generates(gateway_sim)) == 1 and not creates(simulator)
    assert [j for j, *_ in port.videos] == [job.id]

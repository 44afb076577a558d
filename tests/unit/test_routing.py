"""Routing, table-driven: priority, eligibility (snapshot, duration, characters, storyboard), the
concurrency cap, the circuit breaker, and the fallback order — with fake providers (no HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, build_core
from bot.config import ProviderConfig
from bot.errors import UserError
from bot.jobs.model import JobState
from bot.providers.base import FailureReason, GenerationRequest, ProviderError, RemoteState, RemoteStatus, Submitted
from bot.providers.breaker import BreakerState, CircuitBreaker, is_breaker_failure
from bot.providers.registry import ProviderHandle, ProviderRegistry
from tests.conftest import make_settings
from tests.support import RecordingPort, ctx, wait_for

OLD, NEW = "sora-2-2025-10-06", "sora-2-2025-12-08"


@dataclass
class FakeProvider:
    """A provider that answers from a script: ``fail_with`` makes every submit raise it."""

    name: str
    kind: str = "openai"
    supports_storyboard: bool = True
    fail_with: ProviderError | None = None
    submitted: list[GenerationRequest] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    async def submit(self, request: GenerationRequest) -> Submitted:
        self.calls.append("submit")
        if self.fail_with is not None:
            raise self.fail_with
        self.submitted.append(request)
        return Submitted(remote_id=f"{self.name}-{len(self.submitted)}", sent={"prompt": request.prompt})

    async def status(self, remote_id: str) -> RemoteStatus:
        return RemoteStatus(RemoteState.COMPLETED, progress=100)

    async def download(self, remote_id: str, dest: Path, *, variant: str = "video") -> Path:
        if variant != "video":
            raise ProviderError(FailureReason.INVALID_REQUEST, "no thumbnails here")
        from bot import media

        media.render_video(dest, text=remote_id, seconds=1, size="1280x720", width=64, fps=4)
        return dest

    async def create_character(self, name: str, video: Path, description: str = "") -> str:
        return f"{self.name}-char-{name}"

    async def aclose(self) -> None:
        return None


def pc(name: str, **kw: Any) -> ProviderConfig:
    kw.setdefault("snapshots", [OLD, NEW])
    kw.setdefault("durations", [10, 15, 20, 25])
    return ProviderConfig(name=name, kind="openai", base_url="https://example.invalid", **kw)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registry(*configs: ProviderConfig, clock: Callable[[], float] | None = None,
             shapes: dict[str, bool] | None = None) -> ProviderRegistry:
    handles = [ProviderHandle(c.name, c, FakeProvider(c.name, supports_storyboard=(shapes or {}).get(c.name, True)))
               for c in configs]
    return ProviderRegistry(handles, clock=clock or Clock())


# A cheap, flaky gateway; a stable per-second API; a mid one. 10 s on the snapshot's $0.10/s.
CHEAP = pc("cheap", price_per_request=0.2, stability=30, storyboard=True)
STABLE = pc("stable", stability=95)  # 10 s × $0.10 = $1.00
MID = pc("mid", price_per_second=0.05, stability=60)  # $0.50


@pytest.mark.parametrize(("priority", "expected"), [
    ("cost", ["cheap", "mid", "stable"]),
    ("stability", ["stable", "mid", "cheap"]),
])
def test_priority_orders_the_eligible_providers(priority: str, expected: list[str]) -> None:
    reg = registry(STABLE, CHEAP, MID)
    found = reg.eligible(snapshot=NEW, seconds=10, priority=priority, snapshot_price=0.10)
    assert [h.name for h in found] == expected


def test_cost_ties_are_broken_by_stability_and_per_second_prices_scale_with_duration() -> None:
    a = pc("a", price_per_request=1.0, stability=10)
    b = pc("b", price_per_request=1.0, stability=80)
    c = pc("c", price_per_second=0.03)  # 10 s: $0.30; 25 s: $0.75
    reg = registry(a, b, c)
    assert [h.name for h in reg.eligible(snapshot=NEW, seconds=10, priority="cost")] == ["c", "b", "a"]
    assert [h.name for h in reg.eligible(snapshot=NEW, seconds=25, priority="cost")] == ["c", "b", "a"]
    assert reg.get("c").estimated_usd(25, 0.1) == 0.75  # type: ignore[union-attr]
    assert reg.get("a").estimated_usd(25, 0.1) == 1.0  # type: ignore[union-attr]


ELIGIBILITY = [
    # (description, request, expected eligible names (stability order))
    ("snapshot served by one", dict(snapshot=OLD, seconds=10), ["stable", "old_only"]),
    ("duration only some have", dict(snapshot=NEW, seconds=25), ["stable", "gateway"]),
    ("storyboard: configured and the shape has it", dict(snapshot=NEW, seconds=10, storyboard=True), ["gateway"]),
    ("characters held by the gateway only",
     dict(snapshot=NEW, seconds=10, character_providers=[{"gateway"}]), ["gateway"]),
    ("two characters, held together only by stable",
     dict(snapshot=NEW, seconds=10, character_providers=[{"stable", "gateway"}, {"stable"}]), ["stable"]),
    ("a character on a provider without characters",
     dict(snapshot=NEW, seconds=10, character_providers=[{"nochar"}]), []),
    ("plain request", dict(snapshot=NEW, seconds=10), ["stable", "nochar", "gateway"]),
]


@pytest.mark.parametrize(("what", "request_", "expected"), ELIGIBILITY, ids=[e[0] for e in ELIGIBILITY])
def test_eligibility(what: str, request_: dict[str, Any], expected: list[str]) -> None:
    reg = registry(
        pc("stable", stability=90, durations=[10, 15, 20, 25], storyboard=True),  # OpenAI shape: no storyboards
        pc("old_only", snapshots=[OLD], stability=10),
        pc("nochar", snapshots=[NEW], durations=[10, 15], characters=False, stability=50),
        pc("gateway", snapshots=[NEW], durations=[10, 15, 25], storyboard=True, stability=40),
        shapes={"stable": False},
    )
    assert [h.name for h in reg.eligible(priority="stability", **request_)] == expected


@pytest.mark.parametrize(("request_", "key"), [
    (dict(snapshot="sora-3", seconds=10, storyboard=False, character_providers=[]), "provider.none_for_snapshot"),
    (dict(snapshot=OLD, seconds=25, storyboard=False, character_providers=[]), "provider.none_for_duration"),
    (dict(snapshot=OLD, seconds=10, storyboard=True, character_providers=[]), "provider.none_for_storyboard"),
    (dict(snapshot=OLD, seconds=10, storyboard=False, character_providers=[{"nobody"}]),
     "provider.none_for_characters"),
])
def test_a_request_nobody_can_serve_is_refused_saying_why(request_: dict[str, Any], key: str) -> None:
    reg = registry(pc("a", snapshots=[OLD], durations=[10, 15]), pc("b", snapshots=[NEW], storyboard=True))
    with pytest.raises(UserError) as err:
        reg.require_eligible(priority="cost", snapshot_price=0.1, **request_)
    assert err.value.key == key
    assert err.value.render() != key  # a real message


def opened(handle: ProviderHandle) -> None:
    for _ in range(handle.config.breaker_failures):
        handle.breaker.record_failure("unavailable")


PICKS = [
    # (description, setup per provider in order [first, second], expected pick, expected wait)
    ("first free", {}, "first", False),
    ("first at its cap → second", {"first": "full"}, "second", False),
    ("both at their cap → wait", {"first": "full", "second": "full"}, None, True),
    ("first's circuit open → second", {"first": "open"}, "second", False),
    ("both open → nobody, no waiting (fail clearly)", {"first": "open", "second": "open"}, None, False),
    ("first open, second full → wait for second", {"first": "open", "second": "full"}, None, True),
    ("first half-open with its probe out → second", {"first": "probing"}, "second", False),
    ("first half-open, no probe yet → first (the probe)", {"first": "half_open"}, "first", False),
]


@pytest.mark.parametrize(("what", "setup", "expected", "wait"), PICKS, ids=[p[0] for p in PICKS])
def test_pick_respects_caps_and_circuits(what: str, setup: dict[str, str], expected: str | None,
                                         wait: bool) -> None:
    clock = Clock()
    reg = registry(pc("first", max_in_flight=1, breaker_failures=2, breaker_cooldown_seconds=30),
                   pc("second", max_in_flight=1, breaker_failures=2, breaker_cooldown_seconds=30), clock=clock)
    for name, state in setup.items():
        h = reg.get(name)
        assert h is not None
        if state == "full":
            h.in_flight = 1
        elif state in ("open", "probing", "half_open"):
            opened(h)
    if any(s in ("probing", "half_open") for s in setup.values()):
        clock.now += 31
        for name, state in setup.items():
            if state == "probing":
                assert reg.get(name).breaker.acquire("j-probe")  # type: ignore[union-attr]
    pick = reg.pick(reg.handles)
    assert (pick.handle.name if pick.handle else None, pick.wait) == (expected, wait)


# --- the circuit breaker -----------------------------------------------------------------------

def test_breaker_opens_after_consecutive_failures_and_probes_after_the_cooldown() -> None:
    clock = Clock()
    b = CircuitBreaker(failures=3, cooldown=60, clock=clock)
    b.record_failure("unavailable")
    b.record_failure("unavailable")
    b.record_success()  # an answer in between resets the count
    b.record_failure("unavailable")
    b.record_failure("unavailable")
    assert b.state == BreakerState.CLOSED and b.available()
    b.record_failure("unavailable")
    assert b.state == BreakerState.OPEN and not b.available() and not b.in_rotation
    assert 59 <= b.open_remaining() <= 60
    b.record_success()  # a late answer during the cool-down does not close it
    assert b.state == BreakerState.OPEN
    clock.now += 60
    assert b.state == BreakerState.HALF_OPEN and b.available()
    assert b.acquire("j1") and not b.available() and b.probing  # one probe at a time
    assert not b.acquire("j2")
    b.record_failure("unavailable")  # the probe failed: another cool-down
    assert b.state == BreakerState.OPEN and b.times_opened == 2
    clock.now += 60
    assert b.acquire("j3")
    b.record_success()
    assert b.state == BreakerState.CLOSED and b.available() and b.consecutive == 0
    assert b.failures_since(3600) == 6 and b.last_failure() is not None


def test_a_cancelled_probe_frees_the_half_open_slot() -> None:
    clock = Clock()
    b = CircuitBreaker(failures=1, cooldown=5, clock=clock)
    b.record_failure()
    clock.now += 5
    assert b.acquire("j1")
    b.release("j1")
    assert b.available() and b.acquire("j2")


@pytest.mark.parametrize(("error", "counts"), [
    (ProviderError(FailureReason.UNAVAILABLE, "HTTP 500", retryable=True, status_code=500), True),
    (ProviderError(FailureReason.UNAVAILABLE, "HTTP 503", retryable=True, status_code=503), True),
    (ProviderError(FailureReason.UNAVAILABLE, "ReadTimeout", retryable=True), True),  # timeouts, connection errors
    (ProviderError(FailureReason.SUBMIT_INTERRUPTED, "reset after sending"), True),
    (ProviderError(FailureReason.UNAVAILABLE, "HTTP 401", status_code=401), True),  # refused credentials
    (ProviderError(FailureReason.RATE_LIMITED, "HTTP 429", retryable=True, status_code=429), False),
    (ProviderError(FailureReason.MODERATION, "blocked", status_code=400), False),
    (ProviderError(FailureReason.INVALID_REQUEST, "bad", status_code=400), False),
    (ProviderError(FailureReason.EXPIRED, "gone", status_code=404), False),
])
def test_what_counts_as_a_provider_failure(error: ProviderError, counts: bool) -> None:
    assert is_breaker_failure(error) is counts


# --- fallback through the real pipeline, with fake providers ----------------------------------

UNAVAILABLE = ProviderError(FailureReason.UNAVAILABLE, "HTTP 503", retryable=True, status_code=503)
RATE_LIMITED = ProviderError(FailureReason.RATE_LIMITED, "HTTP 429", retryable=True, status_code=429)
INTERRUPTED = ProviderError(FailureReason.SUBMIT_INTERRUPTED, "read timeout after the request went out")
MODERATION = ProviderError(FailureReason.MODERATION, "blocked", status_code=400)


@pytest.fixture
async def fake_core(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    built: list[Core] = []

    async def make(configs: list[ProviderConfig], failing: dict[str, ProviderError]) -> tuple[Core, dict[str, Any]]:
        fakes = {c.name: FakeProvider(c.name, fail_with=failing.get(c.name)) for c in configs}
        core = await build_core(make_settings(tmp_path, providers=configs), providers=fakes,  # type: ignore[arg-type]
                                breaker_clock=Clock())
        built.append(core)
        core.runner.register_port(RecordingPort(tmp_path / "out"))
        await core.start()
        return core, fakes

    yield make
    for core in built:
        await core.stop()


FALLBACKS = [
    # (description, priority, failing providers, expected submit order, final state, reason, provider)
    ("cost: cheapest fails → next cheapest", "cost", {"cheap": UNAVAILABLE},
     ["cheap", "mid"], JobState.DELIVERED, None, "mid"),
    ("stability: most stable fails → next", "stability", {"stable": UNAVAILABLE},
     ["stable", "mid"], JobState.DELIVERED, None, "mid"),
    ("rate limited also falls back", "cost", {"cheap": RATE_LIMITED, "mid": RATE_LIMITED},
     ["cheap", "mid", "stable"], JobState.DELIVERED, None, "stable"),
    ("all fail → unavailable, credits released", "cost",
     {"cheap": UNAVAILABLE, "mid": UNAVAILABLE, "stable": UNAVAILABLE},
     ["cheap", "mid", "stable"], JobState.FAILED, "unavailable", "stable"),
    ("an ambiguous create is never resubmitted", "cost", {"cheap": INTERRUPTED},
     ["cheap"], JobState.FAILED, "submit_interrupted", "cheap"),
    ("moderation is about the prompt: no fallback", "cost", {"cheap": MODERATION},
     ["cheap"], JobState.FAILED, "moderation", "cheap"),
]


@pytest.mark.parametrize(("what", "priority", "failing", "order", "state", "reason", "provider"), FALLBACKS,
                         ids=[f[0] for f in FALLBACKS])
async def test_fallback_order(fake_core: Callable[..., Any], what: str, priority: str,
                              failing: dict[str, ProviderError], order: list[str], state: JobState,
                              reason: str | None, provider: str) -> None:
    core, fakes = await fake_core([STABLE, CHEAP, MID], failing)
    await core.commands.provider_priority(ctx(admin=True), priority)
    reply = await core.commands.sora(ctx(), "a heron at dawn", 10)
    assert reply.job_id

    async def done() -> bool:
        job = await core.jobs.get(reply.job_id)  # type: ignore[arg-type]
        return job is not None and job.state.finished
    await wait_for(done)
    job = await core.jobs.get(reply.job_id)  # type: ignore[arg-type]
    assert job is not None
    attempts = await core.jobs.attempts(job.id)
    assert [a.provider for a in attempts] == order
    assert [a.outcome for a in attempts][:-1] == ["failed"] * (len(order) - 1)
    assert (job.state, job.reason, job.provider) == (state, reason, provider)
    totals = await core.ledger.totals()
    if state == JobState.DELIVERED:
        assert totals == {"hold": 10, "charge": 10}
        assert attempts[-1].outcome == "submitted" and attempts[-1].remote_id == job.remote_id
        assert job.request_json and [a["provider"] for a in job.request_json.get("fallback_from", [])] == order[:-1]
        # The recorded cost is that of the provider that made it.
        assert job.usd_estimate == core.registry.get(provider).estimated_usd(10, 0.10)  # type: ignore[union-attr]
    else:
        assert totals == {"hold": 10, "release": 10}
    for name, fake in fakes.items():
        assert fake.calls.count("submit") == (1 if name in order else 0)


async def test_an_open_circuit_is_skipped_without_a_call(fake_core: Callable[..., Any]) -> None:
    core, fakes = await fake_core([STABLE, CHEAP, MID], {})
    await core.commands.provider_priority(ctx(admin=True), "cost")
    opened(core.registry.get("cheap"))  # type: ignore[arg-type]
    reply = await core.commands.sora(ctx(), "a heron at dawn", 10)
    await core.runner.wait_idle()
    job = await core.jobs.get(reply.job_id)  # type: ignore[arg-type]
    assert job is not None and (job.state, job.provider) == (JobState.DELIVERED, "mid")
    assert fakes["cheap"].calls == []
    status = await core.commands.provider_status(ctx(admin=True))
    assert "out of rotation" in status.text and "cheapest first" in status.text
    with pytest.raises(UserError, match=r"auth\.admin_only"):
        await core.commands.provider_status(ctx())


async def test_a_busy_fallback_requeues_and_waits_for_a_slot(fake_core: Callable[..., Any]) -> None:
    """The only other provider is at its cap: the job goes back to the queue (credits still held)
    and is sent there when a slot frees, never back to the provider that failed it."""
    slow = pc("slow", stability=90, max_in_flight=1)
    flaky = pc("flaky", stability=10, price_per_request=0.01)
    core, fakes = await fake_core([slow, flaky], {"flaky": UNAVAILABLE})
    await core.commands.provider_priority(ctx(admin=True), "cost")
    core.registry.get("slow").in_flight = 1  # type: ignore[union-attr]  # someone else's job holds its slot
    reply = await core.commands.sora(ctx(), "a heron at dawn", 10)

    async def requeued() -> bool:
        job = await core.jobs.get(reply.job_id)  # type: ignore[arg-type]
        return job is not None and job.state == JobState.QUEUED and fakes["flaky"].calls == ["submit"]
    await wait_for(requeued)
    core.registry.get("slow").in_flight = 0  # type: ignore[union-attr]
    core.runner._wake.set()
    await core.runner.wait_idle()
    job = await core.jobs.get(reply.job_id)  # type: ignore[arg-type]
    assert job is not None and (job.state, job.provider) == (JobState.DELIVERED, "slow")
    assert fakes["flaky"].calls == ["submit"]
    assert [a.provider for a in await core.jobs.attempts(job.id)] == ["flaky", "slow"]


async def test_priority_is_admin_only_and_must_be_known(fake_core: Callable[..., Any]) -> None:
    core, _ = await fake_core([STABLE, CHEAP], {})
    with pytest.raises(UserError) as err:
        await core.commands.provider_priority(ctx(admin=True), "fastest")
    assert err.value.render() == "“fastest” is not a routing priority. Use one of: cost, stability."
    with pytest.raises(UserError, match=r"auth\.admin_only"):
        await core.commands.provider_priority(ctx(), "cost")
    reply = await core.commands.provider_priority(ctx(admin=True), " Cost ")
    assert "cheapest first" in reply.text
    row = await core.scopes.get(ctx().scope.id)
    assert row is not None and row.routing_priority == "cost"
    assert core.runner.priorities[ctx().scope.id] == "cost"


def test_a_request_only_providers_out_of_rotation_could_serve_is_refused_with_the_wait() -> None:
    clock = Clock()
    reg = registry(pc("a", breaker_cooldown_seconds=300), pc("b", breaker_cooldown_seconds=90), clock=clock)
    request_ = dict(snapshot=OLD, seconds=10, storyboard=False, character_providers=[], priority="cost",
                    snapshot_price=0.1)
    opened(reg.get("a"))  # type: ignore[arg-type]
    assert [h.name for h in reg.require_eligible(**request_)] == ["a", "b"]  # b still takes it
    opened(reg.get("b"))  # type: ignore[arg-type]
    with pytest.raises(UserError) as err:
        reg.require_eligible(**request_)
    assert err.value.key == "provider.all_out_of_rotation"
    assert "about 2 min" in err.value.render() and "Nothing was charged" in err.value.render()  # b's 90 s
    clock.now += 90  # b's cool-down is over: half-open, its probe may go
    assert "b" in [h.name for h in reg.require_eligible(**request_)]


async def test_while_every_able_provider_is_out_of_rotation_sora_holds_nothing(fake_core: Callable[..., Any]) -> None:
    core, fakes = await fake_core([STABLE, CHEAP, MID], {})
    for name in ("stable", "cheap", "mid"):
        opened(core.registry.get(name))  # type: ignore[arg-type]
    before = await core.ledger.totals()
    with pytest.raises(UserError) as err:
        await core.commands.sora(ctx(), "a heron at dawn", 10)
    assert err.value.key == "provider.all_out_of_rotation"
    assert await core.ledger.totals() == before
    assert await core.jobs.recent(ctx().scope.id, None) == []
    assert all(f.calls == [] for f in fakes.values())

"""The provider adapters against the bundled simulator over loopback (both API shapes)."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot import media
from bot.config import ProviderConfig
from bot.providers import (
    CharacterRef,
    FailureReason,
    GenerationRequest,
    OpenAIVideosProvider,
    ProviderError,
    RemoteState,
    RemoteStatus,
    Scene,
    TaskGatewayProvider,
    VideoProvider,
    make_provider,
)
from bot.providers.gateway import map_status_word
from bot.providers.http import RetryPolicy, build_client, error_from_response, parse_retry_after, wait_hint
from bot.simulator import SimulatorServer

SNAPSHOT = "sora-2-2025-12-08"
MAX_RETRIES = 3  # → 4 tries in all
FAST = {"backoff_base": 0.001, "max_wait": 0.05}


def config(base_url: str, *, kind: str = "openai", **kw: Any) -> ProviderConfig:
    kw.setdefault("max_retries", MAX_RETRIES)
    return ProviderConfig(name=f"sim-{kind}", kind=kind, base_url=base_url, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def openai(simulator: SimulatorServer) -> AsyncIterator[OpenAIVideosProvider]:
    provider = OpenAIVideosProvider(config(simulator.base_url), **FAST)
    yield provider
    await provider.aclose()


@pytest.fixture
async def gateway(simulator: SimulatorServer) -> AsyncIterator[TaskGatewayProvider]:
    provider = TaskGatewayProvider(config(simulator.base_url, kind="gateway"), **FAST)
    yield provider
    await provider.aclose()


@pytest.fixture
async def classic_simulator() -> AsyncIterator[SimulatorServer]:
    """A gateway that speaks the "classic" status words (pending/processing/success/fail)."""
    server = SimulatorServer(host="127.0.0.1", port=0, speed=20, gateway_status_words="classic")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def keyed_simulator() -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(host="127.0.0.1", port=0, speed=20, api_key="sk-test-0123456789abcdef")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="module")
def character_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("char") / "mochi.mp4"
    media.render_video(path, text="mochi", seconds=2, size="1280x720", width=160, fps=6)
    return path


def requests(sim: SimulatorServer, method: str, prefix: str) -> list[Any]:
    return [r for r in sim.requests if r.method == method and r.path.startswith(prefix)]


async def until_done(provider: VideoProvider, remote_id: str, *, limit: float = 20.0) -> list[RemoteStatus]:
    """Poll (honouring poll_after, capped small for the test) until the job is finished."""
    seen: list[RemoteStatus] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        status = await provider.status(remote_id)
        seen.append(status)
        if status.state in (RemoteState.COMPLETED, RemoteState.FAILED):
            return seen
        await asyncio.sleep(min(status.poll_after or 0.05, 0.1))
    raise AssertionError(f"{remote_id} did not finish: {seen[-1] if seen else None}")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# ---------------------------------------------------------------------------------------------
# OpenAI Videos shape


async def test_openai_end_to_end_with_a_character(simulator: SimulatorServer, openai: OpenAIVideosProvider,
                                                  character_video: Path, tmp_path: Path) -> None:
    assert isinstance(openai, VideoProvider)
    char_id = await openai.create_character("mochi", character_video, "an orange cat")
    upload = requests(simulator, "POST", "/v1/videos/characters")[-1]
    assert upload.form["name"] == "mochi"
    assert upload.form["video"]["size"] == character_video.stat().st_size

    request = GenerationRequest(prompt="@Mochi naps in the sun, mail me@example.com", snapshot=SNAPSHOT,
                                seconds=10, size="1280x720", characters=(CharacterRef("mochi", char_id),))
    submitted = await openai.submit(request)
    assert submitted.sent == {"prompt": "mochi naps in the sun, mail me@example.com", "model": SNAPSHOT,
                              "seconds": "10", "size": "1280x720", "characters": [{"id": char_id}]}
    create = requests(simulator, "POST", "/v1/videos")
    assert [r.json for r in create if r.path == "/v1/videos"] == [submitted.sent]
    assert simulator.videos[submitted.remote_id].characters == (char_id,)

    seen = await until_done(openai, submitted.remote_id)
    assert seen[-1].state is RemoteState.COMPLETED and seen[-1].progress == 100
    assert seen[-1].raw_status == "completed"
    running = [s for s in seen if s.state in (RemoteState.QUEUED, RemoteState.RUNNING)]
    assert running and all(s.poll_after is not None and s.poll_after > 0 for s in running)
    assert "expires_at" in seen[-1].extra

    dest = tmp_path / "video.mp4"
    assert await openai.download(submitted.remote_id, dest) == dest
    info = await asyncio.to_thread(media.probe, dest)
    assert info.has_video and info.duration == pytest.approx(10, abs=0.5)
    assert leftovers(tmp_path) == []
    content = requests(simulator, "GET", f"/v1/videos/{submitted.remote_id}/content")
    assert content[-1].query == {"variant": "video"}

    thumb = await openai.download(submitted.remote_id, tmp_path / "thumb.jpg", variant="thumbnail")
    assert thumb.read_bytes()[:2] == b"\xff\xd8"


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_base_url_with_or_without_v1(simulator: SimulatorServer, suffix: str) -> None:
    provider = make_provider(config(simulator.base_url + suffix), **FAST)
    try:
        submitted = await provider.submit(GenerationRequest(prompt="a kite", snapshot=SNAPSHOT, seconds=10))
        assert (await provider.status(submitted.remote_id)).state in (RemoteState.QUEUED, RemoteState.RUNNING)
    finally:
        await provider.aclose()
    assert {r.path for r in simulator.requests} == {"/v1/videos", f"/v1/videos/{submitted.remote_id}"}


async def test_make_provider_kinds(simulator: SimulatorServer) -> None:
    sim_cfg = ProviderConfig(name="demo", kind="simulator")  # no base_url: the started simulator's is given
    provider = make_provider(sim_cfg, base_url=simulator.base_url)
    gw = make_provider(config(simulator.base_url, kind="gateway"))
    try:
        assert isinstance(provider, OpenAIVideosProvider) and provider.name == "demo"
        assert provider.kind == "openai"
        assert isinstance(gw, TaskGatewayProvider) and gw.kind == "gateway"
        with pytest.raises(ValueError):
            make_provider(sim_cfg)
    finally:
        await provider.aclose()
        await gw.aclose()


async def test_rate_limited_then_accepted_honours_retry_after(simulator: SimulatorServer) -> None:
    provider = OpenAIVideosProvider(config(simulator.base_url), backoff_base=0.001, max_wait=0.3)
    try:
        started = time.monotonic()
        submitted = await provider.submit(GenerationRequest(prompt="a cat [sim:429]", snapshot=SNAPSHOT,
                                                            seconds=10))
        elapsed = time.monotonic() - started
    finally:
        await provider.aclose()
    assert submitted.remote_id in simulator.videos
    assert len(requests(simulator, "POST", "/v1/videos")) == 2
    assert elapsed >= 0.25  # Retry-After: 1 was honoured (capped at max_wait=0.3), not the 1 ms backoff


async def test_rate_limited_for_good(simulator: SimulatorServer, openai: OpenAIVideosProvider) -> None:
    simulator.faults.create_status, simulator.faults.create_count = 429, 0
    with pytest.raises(ProviderError) as info:
        await openai.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
    assert info.value.reason is FailureReason.RATE_LIMITED and info.value.retryable
    assert info.value.status_code == 429
    assert len(requests(simulator, "POST", "/v1/videos")) == MAX_RETRIES + 1


async def test_create_500_three_times_then_accepted(simulator: SimulatorServer) -> None:
    provider = OpenAIVideosProvider(config(simulator.base_url, max_retries=4), **FAST)
    try:
        submitted = await provider.submit(GenerationRequest(prompt="a cat [sim:500x3]", snapshot=SNAPSHOT,
                                                            seconds=10))
    finally:
        await provider.aclose()
    assert len(requests(simulator, "POST", "/v1/videos")) == 4
    assert list(simulator.videos) == [submitted.remote_id]  # one video made, one to pay for


async def test_repeated_500_is_unavailable_after_bounded_tries(simulator: SimulatorServer,
                                                               openai: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderError) as info:
        await openai.submit(GenerationRequest(prompt="a cat [sim:500x9]", snapshot=SNAPSHOT, seconds=10))
    err = info.value
    assert err.reason is FailureReason.UNAVAILABLE and err.retryable and err.status_code == 500
    assert "HTTP 500" in err.detail
    assert len(requests(simulator, "POST", "/v1/videos")) == MAX_RETRIES + 1
    assert simulator.videos == {}


async def test_status_500_exhausted(simulator: SimulatorServer, openai: OpenAIVideosProvider) -> None:
    submitted = await openai.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
    simulator.faults.status_status, simulator.faults.status_count = 503, 0
    with pytest.raises(ProviderError) as info:
        await openai.status(submitted.remote_id)
    assert info.value.reason is FailureReason.UNAVAILABLE and info.value.retryable
    assert len(requests(simulator, "GET", "/v1/videos/")) == MAX_RETRIES + 1


async def test_moderation_at_create_is_not_retried(simulator: SimulatorServer, openai: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderError) as info:
        await openai.submit(GenerationRequest(prompt="something [sim:moderation-create]", snapshot=SNAPSHOT,
                                              seconds=10))
    assert info.value.reason is FailureReason.MODERATION and not info.value.retryable
    assert "moderation_blocked" in info.value.detail
    assert len(requests(simulator, "POST", "/v1/videos")) == 1


async def test_invalid_request(simulator: SimulatorServer, openai: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderError) as info:
        await openai.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=7))
    assert info.value.reason is FailureReason.INVALID_REQUEST and info.value.status_code == 400
    assert len(requests(simulator, "POST", "/v1/videos")) == 1


@pytest.mark.parametrize(("marker", "reason"), [("[sim:moderation]", FailureReason.MODERATION),
                                                ("[sim:fail]", FailureReason.GENERATION_FAILED)])
async def test_failure_during_the_job(openai: OpenAIVideosProvider, marker: str, reason: FailureReason) -> None:
    submitted = await openai.submit(GenerationRequest(prompt=f"a cat {marker}", snapshot=SNAPSHOT, seconds=10))
    final = (await until_done(openai, submitted.remote_id))[-1]
    assert final.state is RemoteState.FAILED and final.raw_status == "failed"
    assert final.error is not None and final.error.reason is reason
    assert final.error.detail  # the provider's code/message, for the log


async def test_expired_content(simulator: SimulatorServer, openai: OpenAIVideosProvider, tmp_path: Path) -> None:
    submitted = await openai.submit(GenerationRequest(prompt="a cat [sim:expired]", snapshot=SNAPSHOT, seconds=10))
    assert (await until_done(openai, submitted.remote_id))[-1].state is RemoteState.COMPLETED
    with pytest.raises(ProviderError) as info:
        await openai.download(submitted.remote_id, tmp_path / "v.mp4")
    assert info.value.reason is FailureReason.EXPIRED and info.value.status_code == 404
    assert list(tmp_path.iterdir()) == []
    assert len(requests(simulator, "GET", f"/v1/videos/{submitted.remote_id}/content")) == 1  # 404: no retry


async def test_download_survives_a_transient_error(simulator: SimulatorServer, openai: OpenAIVideosProvider,
                                                   tmp_path: Path) -> None:
    submitted = await openai.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
    await until_done(openai, submitted.remote_id)
    simulator.faults.content_status, simulator.faults.content_count = 502, 2
    dest = await openai.download(submitted.remote_id, tmp_path / "v.mp4")
    assert (await asyncio.to_thread(media.probe, dest)).duration == pytest.approx(10, abs=0.5)
    assert len(requests(simulator, "GET", f"/v1/videos/{submitted.remote_id}/content")) == 3
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("markers", "calls"), [("[sim:malformed]", 2), ("[sim:reset]", 2),
                                                ("[sim:status500x2]", 3), ("[sim:reset] [sim:malformed]", 3)])
async def test_status_retries_malformed_json_and_resets(simulator: SimulatorServer, openai: OpenAIVideosProvider,
                                                        markers: str, calls: int) -> None:
    submitted = await openai.submit(GenerationRequest(prompt=f"a cat {markers}", snapshot=SNAPSHOT, seconds=10))
    status = await openai.status(submitted.remote_id)
    assert status.state in (RemoteState.QUEUED, RemoteState.RUNNING, RemoteState.COMPLETED)
    assert len(requests(simulator, "GET", f"/v1/videos/{submitted.remote_id}")) == calls


async def test_create_is_not_resent_after_a_read_timeout(simulator: SimulatorServer) -> None:
    """The request reached the provider and may be making a video: resending could pay twice."""
    provider = OpenAIVideosProvider(config(simulator.base_url, timeout_seconds=0.2), **FAST)
    simulator.faults.latency = 0.6
    try:
        with pytest.raises(ProviderError) as info:
            await provider.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
        assert info.value.reason is FailureReason.SUBMIT_INTERRUPTED and not info.value.retryable
        assert len(requests(simulator, "POST", "/v1/videos")) == 1
        # a read of the status, on the other hand, is safe to repeat
        with pytest.raises(ProviderError) as info:
            await provider.status("video_whatever")
        assert info.value.reason is FailureReason.UNAVAILABLE and info.value.retryable
        assert len(requests(simulator, "GET", "/v1/videos/video_whatever")) == MAX_RETRIES + 1
    finally:
        simulator.faults.latency = 0.0
        await provider.aclose()


async def test_connection_refused_is_retried_then_unavailable() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    attempts: list[str] = []

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            attempts.append(request.method)
            return await super().handle_async_request(request)

    cfg = config(f"http://127.0.0.1:{port}")
    client = httpx.AsyncClient(transport=Counting())
    provider = OpenAIVideosProvider(cfg, client=client, **FAST)
    try:
        with pytest.raises(ProviderError) as info:
            await provider.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
    finally:
        await provider.aclose()
        await client.aclose()
    # nothing was sent, so even a create may be retried
    assert info.value.reason is FailureReason.UNAVAILABLE and info.value.retryable
    assert attempts == ["POST"] * (MAX_RETRIES + 1)


async def test_storyboard_is_refused_by_the_openai_shape(simulator: SimulatorServer,
                                                         openai: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderError) as info:
        await openai.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10,
                                              storyboard=(Scene(0, 10, "a cat"),)))
    assert info.value.reason is FailureReason.INVALID_REQUEST
    assert simulator.requests == []


async def test_unknown_video_is_a_failed_generation(openai: OpenAIVideosProvider) -> None:
    with pytest.raises(ProviderError) as info:
        await openai.status("video_nope")
    assert info.value.reason is FailureReason.GENERATION_FAILED and info.value.status_code == 404


async def test_api_key_is_sent_and_a_bad_one_is_unavailable_without_leaking(
        keyed_simulator: SimulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    good = OpenAIVideosProvider(config(keyed_simulator.base_url, api_key=SecretStr("sk-test-0123456789abcdef")),
                                **FAST)
    wrong_key = "sk-wrong-key-that-must-not-leak"
    bad = OpenAIVideosProvider(config(keyed_simulator.base_url, api_key=SecretStr(wrong_key)), **FAST)
    caplog.set_level(logging.DEBUG, logger="sorabot")
    try:
        submitted = await good.submit(GenerationRequest(prompt="a cat", snapshot=SNAPSHOT, seconds=10))
        assert keyed_simulator.requests[-1].headers["Authorization"] == "Bearer sk-test-0123456789abcdef"
        with pytest.raises(ProviderError) as info:
            await bad.status(submitted.remote_id)
    finally:
        await good.aclose()
        await bad.aclose()
    err = info.value
    assert err.reason is FailureReason.UNAVAILABLE and not err.retryable and err.status_code == 401
    assert wrong_key not in str(err) and wrong_key not in err.detail
    assert wrong_key not in caplog.text and "sk-test-0123456789abcdef" not in caplog.text
    assert "api_key" in caplog.text  # the operator is told what to fix
    assert len(requests(keyed_simulator, "GET", "/v1/videos/")) == 1  # 401 is not retried


async def test_unknown_status_word_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "video_1", "status": "pondering", "progress": 12})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    provider = OpenAIVideosProvider(config("https://api.example"), client=client, **FAST)
    caplog.set_level(logging.WARNING, logger="sorabot.providers")
    try:
        first = await provider.status("video_1")
        second = await provider.status("video_1")
    finally:
        await provider.aclose()
        await client.aclose()
    assert first.state is second.state is RemoteState.UNKNOWN
    assert first.raw_status == "pondering" and first.progress == 12
    assert caplog.text.count("pondering") == 1


# ---------------------------------------------------------------------------------------------
# task gateway shape


async def test_gateway_end_to_end_with_characters(simulator: SimulatorServer, gateway: TaskGatewayProvider,
                                                  tmp_path: Path) -> None:
    first = await gateway.submit(GenerationRequest(prompt="a dog called rex", snapshot=SNAPSHOT, seconds=10))
    assert first.sent == {"prompt": "a dog called rex", "duration": 10, "model": SNAPSHOT}
    done = (await until_done(gateway, first.remote_id))[-1]
    assert done.state is RemoteState.COMPLETED and done.video_url
    assert done.video_url.startswith(simulator.base_url)

    rex = await gateway.extract_character(first.remote_id, "rex")
    mochi = await gateway.create_character_from_url("mochi", done.video_url, "an orange cat")
    assert requests(simulator, "POST", "/sora/characters/extract")[-1].json == {"task_id": first.remote_id,
                                                                                 "name": "rex"}
    listed = {c["character_id"]: c["name"] for c in await gateway.list_characters()}
    assert listed == {rex: "rex", mochi: "mochi"}

    request = GenerationRequest(prompt="@rex chases @MOCHI around @nobody", snapshot=SNAPSHOT, seconds=15,
                                characters=(CharacterRef("rex", rex), CharacterRef("mochi", mochi)))
    submitted = await gateway.submit(request)
    assert submitted.sent["prompt"] == f"@{rex} chases @{mochi} around @nobody"
    assert requests(simulator, "POST", "/sora/generate")[-1].json == submitted.sent
    assert set(simulator.tasks[submitted.remote_id].characters) == {rex, mochi}

    seen = await until_done(gateway, submitted.remote_id)
    assert {s.raw_status for s in seen} <= {"queued", "in_progress", "completed"}
    dest = await gateway.download(submitted.remote_id, tmp_path / "v.mp4")
    assert (await asyncio.to_thread(media.probe, dest)).duration == pytest.approx(15, abs=0.5)
    assert leftovers(tmp_path) == []


async def test_gateway_classic_status_words(classic_simulator: SimulatorServer, tmp_path: Path) -> None:
    provider = TaskGatewayProvider(config(classic_simulator.base_url, kind="gateway"), **FAST)
    try:
        ok = await provider.submit(GenerationRequest(prompt="a kite", snapshot=SNAPSHOT, seconds=10))
        bad = await provider.submit(GenerationRequest(prompt="a kite [sim:fail]", snapshot=SNAPSHOT, seconds=10))
        seen = await until_done(provider, ok.remote_id)
        failed = (await until_done(provider, bad.remote_id))[-1]
        words = {s.raw_status: s.state for s in seen}
        assert words["success"] is RemoteState.COMPLETED
        assert set(words) <= {"pending", "processing", "success"}
        assert all(state is not RemoteState.UNKNOWN for state in words.values())
        assert failed.raw_status == "fail" and failed.state is RemoteState.FAILED
        assert failed.error is not None and failed.error.reason is FailureReason.GENERATION_FAILED
        dest = await provider.download(ok.remote_id, tmp_path / "v.mp4")
        assert (await asyncio.to_thread(media.probe, dest)).duration == pytest.approx(10, abs=0.5)
    finally:
        await provider.aclose()


@pytest.mark.parametrize(("word", "state"), [
    ("queued", RemoteState.QUEUED), ("Pending", RemoteState.QUEUED), ("waiting", RemoteState.QUEUED),
    ("submitted", RemoteState.QUEUED), ("processing", RemoteState.RUNNING), ("generating", RemoteState.RUNNING),
    ("in_progress", RemoteState.RUNNING), ("in-progress", RemoteState.RUNNING), ("RUNNING", RemoteState.RUNNING),
    ("completed", RemoteState.COMPLETED), ("success", RemoteState.COMPLETED), ("succeeded", RemoteState.COMPLETED),
    ("done", RemoteState.COMPLETED), ("failed", RemoteState.FAILED), ("fail", RemoteState.FAILED),
    ("error", RemoteState.FAILED), ("cancelled", RemoteState.FAILED), ("canceled", RemoteState.FAILED),
    ("expired", RemoteState.FAILED), ("thinking", RemoteState.UNKNOWN), ("", RemoteState.UNKNOWN),
])
def test_gateway_status_words(word: str, state: RemoteState) -> None:
    assert map_status_word(word) is state


async def test_gateway_storyboard_is_passed_through(simulator: SimulatorServer, gateway: TaskGatewayProvider,
                                                    tmp_path: Path) -> None:
    first = await gateway.submit(GenerationRequest(prompt="rex", snapshot=SNAPSHOT, seconds=10))
    await until_done(gateway, first.remote_id)
    rex = await gateway.extract_character(first.remote_id, "rex")
    request = GenerationRequest(prompt="a day out", snapshot=SNAPSHOT, seconds=10,
                                characters=(CharacterRef("rex", rex),),
                                storyboard=(Scene(0, 4, "@rex wakes up"), Scene(4, 10, "@rex runs to the sea")))
    submitted = await gateway.submit(request)
    assert submitted.sent["storyboard"] == [{"start": 0, "end": 4, "text": f"@{rex} wakes up"},
                                            {"start": 4, "end": 10, "text": f"@{rex} runs to the sea"}]
    assert requests(simulator, "POST", "/sora/generate")[-1].json == submitted.sent
    job = simulator.tasks[submitted.remote_id]
    assert job.storyboard == ((0, 4, f"@{rex} wakes up"), (4, 10, f"@{rex} runs to the sea"))
    await until_done(gateway, submitted.remote_id)
    dest = await gateway.download(submitted.remote_id, tmp_path / "v.mp4")
    assert (await asyncio.to_thread(media.probe, dest)).duration == pytest.approx(10, abs=0.5)


async def test_gateway_download_without_a_remembered_url(simulator: SimulatorServer, gateway: TaskGatewayProvider,
                                                         tmp_path: Path) -> None:
    submitted = await gateway.submit(GenerationRequest(prompt="a kite", snapshot=SNAPSHOT, seconds=10))
    await until_done(gateway, submitted.remote_id)
    fresh = TaskGatewayProvider(config(simulator.base_url, kind="gateway"), **FAST)  # e.g. after a restart
    try:
        simulator.requests.clear()
        dest = await fresh.download(submitted.remote_id, tmp_path / "v.mp4")
    finally:
        await fresh.aclose()
    assert [(r.method, r.path) for r in simulator.requests] == [
        ("GET", f"/sora/tasks/{submitted.remote_id}"), ("GET", f"/sora/files/{submitted.remote_id}.mp4")]
    assert (await asyncio.to_thread(media.probe, dest)).duration == pytest.approx(10, abs=0.5)


async def test_gateway_download_of_an_unfinished_task(gateway: TaskGatewayProvider, tmp_path: Path) -> None:
    submitted = await gateway.submit(GenerationRequest(prompt="a kite [sim:never]", snapshot=SNAPSHOT, seconds=10))
    with pytest.raises(ProviderError) as info:
        await gateway.download(submitted.remote_id, tmp_path / "v.mp4")
    assert info.value.reason is FailureReason.INVALID_REQUEST


async def test_gateway_moderation_expired_and_errors(simulator: SimulatorServer, gateway: TaskGatewayProvider,
                                                     tmp_path: Path) -> None:
    moderated = await gateway.submit(GenerationRequest(prompt="x [sim:moderation]", snapshot=SNAPSHOT, seconds=10))
    expired = await gateway.submit(GenerationRequest(prompt="x [sim:expired]", snapshot=SNAPSHOT, seconds=10))
    final = (await until_done(gateway, moderated.remote_id))[-1]
    assert final.state is RemoteState.FAILED
    assert final.error is not None and final.error.reason is FailureReason.MODERATION
    assert (await until_done(gateway, expired.remote_id))[-1].state is RemoteState.COMPLETED
    with pytest.raises(ProviderError) as info:
        await gateway.download(expired.remote_id, tmp_path / "v.mp4")
    assert info.value.reason is FailureReason.EXPIRED
    assert list(tmp_path.iterdir()) == []

    with pytest.raises(ProviderError) as info:
        await gateway.submit(GenerationRequest(prompt="x [sim:moderation-create]", snapshot=SNAPSHOT, seconds=10))
    assert info.value.reason is FailureReason.MODERATION
    with pytest.raises(ProviderError) as info:
        await gateway.submit(GenerationRequest(prompt="x [sim:500x9]", snapshot=SNAPSHOT, seconds=10))
    assert info.value.reason is FailureReason.UNAVAILABLE and info.value.retryable
    assert len([r for r in requests(simulator, "POST", "/sora/generate") if "500x9" in r.json["prompt"]]) == \
        MAX_RETRIES + 1
    submitted = await gateway.submit(GenerationRequest(prompt="x [sim:429] [sim:reset]", snapshot=SNAPSHOT,
                                                       seconds=10))
    assert (await gateway.status(submitted.remote_id)).state is not RemoteState.UNKNOWN
    assert len(requests(simulator, "GET", f"/sora/tasks/{submitted.remote_id}")) == 2


async def test_gateway_cannot_create_a_character_from_a_file(simulator: SimulatorServer,
                                                             gateway: TaskGatewayProvider,
                                                             character_video: Path) -> None:
    with pytest.raises(ProviderError) as info:
        await gateway.create_character("mochi", character_video)
    assert info.value.reason is FailureReason.INVALID_REQUEST and "video URL" in str(info.value)
    assert simulator.requests == []


# ---------------------------------------------------------------------------------------------
# the HTTP layer's rules, without a server


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("soon") is None
    now = time.time()
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(20, abs=1.5)
    assert parse_retry_after(email.utils.formatdate(now - 100, usegmt=True), now=now) == 0.0


def test_wait_hints_in_order() -> None:
    assert wait_hint(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert wait_hint(httpx.Headers({"retry-after": "2", "openai-poll-after-ms": "700"})) == 2.0
    assert wait_hint(httpx.Headers({"retry-after": "2", "openai-poll-after-ms": "700"}), prefer_poll=True) == 0.7
    assert wait_hint(httpx.Headers({"openai-poll-after-ms": "1500"})) == 1.5
    assert wait_hint(httpx.Headers({})) is None


def test_backoff_is_capped_and_hints_are_capped() -> None:
    from tenacity import RetryCallState

    policy = RetryPolicy(max_tries=5, backoff_base=1.0, max_wait=30.0)

    class Hinted(Exception):
        retry_after = 500.0

    def state(attempt: int, exc: BaseException) -> RetryCallState:
        rs = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        rs.attempt_number = attempt
        rs.set_exception((type(exc), exc, None))
        return rs

    for attempt in range(1, 10):
        wait = policy.wait(state(attempt, RuntimeError()))
        ceiling = min(30.0, 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert policy.wait(state(1, Hinted())) == 30.0


@pytest.mark.parametrize(("status", "body", "reason", "retryable"), [
    (400, {"error": {"code": "invalid_value", "message": "bad seconds"}}, FailureReason.INVALID_REQUEST, False),
    (422, {"detail": "nope"}, FailureReason.INVALID_REQUEST, False),
    (400, {"error": {"code": "moderation_blocked", "message": "blocked"}}, FailureReason.MODERATION, False),
    (400, {"error": {"code": "content_policy_violation", "message": "x"}}, FailureReason.MODERATION, False),
    (400, {"error": {"code": None, "message": "Your request was rejected by the safety system"}},
     FailureReason.MODERATION, False),
    (400, {"error": "prompt violates our content policy"}, FailureReason.MODERATION, False),
    (401, {"error": {"code": "invalid_api_key"}}, FailureReason.UNAVAILABLE, False),
    (403, {}, FailureReason.UNAVAILABLE, False),
    (404, {}, FailureReason.INVALID_REQUEST, False),
    (429, {}, FailureReason.RATE_LIMITED, True),
    (500, {}, FailureReason.UNAVAILABLE, True),
    (504, {}, FailureReason.UNAVAILABLE, True),
])
def test_error_mapping(status: int, body: dict[str, Any], reason: FailureReason, retryable: bool) -> None:
    secret = "sk-live-abcdef123456"
    response = httpx.Response(status, content=json.dumps({**body, "echo": secret}).encode(),
                              request=httpx.Request("GET", "https://api.example/v1/videos/x"))
    err = error_from_response(response, secret=secret, provider="p")
    assert err.reason is reason and err.retryable is retryable and err.status_code == status
    assert secret not in err.detail and "[redacted]" in err.detail


def test_not_found_reason_is_per_call() -> None:
    response = httpx.Response(410, request=httpx.Request("GET", "https://api.example/v1/videos/x/content"))
    assert error_from_response(response, not_found=FailureReason.EXPIRED).reason is FailureReason.EXPIRED


async def test_the_key_never_goes_to_another_origin(tmp_path: Path) -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.host == "cdn.example":
            return httpx.Response(200, content=b"\0" * 1000, headers={"Content-Type": "video/mp4"})
        return httpx.Response(200, json={"status": "success", "video_url": "https://cdn.example/t1.mp4"})

    cfg = config("https://gw.example", kind="gateway", api_key=SecretStr("sk-gw-secret-1234"))
    client = build_client(cfg, transport=httpx.MockTransport(handler))
    provider = TaskGatewayProvider(cfg, client=client, **FAST)
    try:
        dest = await provider.download("t1", tmp_path / "v.mp4")
    finally:
        await provider.aclose()
        await client.aclose()
    assert dest.stat().st_size == 1000
    assert seen == [("https://gw.example/sora/tasks/t1", "Bearer sk-gw-secret-1234"),
                    ("https://cdn.example/t1.mp4", None)]

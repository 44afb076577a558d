"""The video API simulator over real HTTP: both API shapes, real MP4s, fault injection."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bot import media
from bot.simulator import Faults, SimulatorServer, parse_markers, serve, strip_markers

Json = dict[str, Any]


@pytest.fixture
async def http(simulator: SimulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=simulator.base_url, timeout=10) as client:
        yield client


async def create(http: httpx.AsyncClient, prompt: str = "an orange cat naps in the sun", *,
                 seconds: str = "4", size: str = "1280x720", **extra: Any) -> httpx.Response:
    return await http.post("/v1/videos", json={"prompt": prompt, "model": "sora-2", "seconds": seconds,
                                               "size": size, **extra})


async def poll_until(fetch: Callable[[], Awaitable[httpx.Response]], done: Callable[[Json], bool],
                     within: float = 4.0, interval: float = 0.03) -> list[Json]:
    """Poll until ``done``; returns every body seen (the last one satisfies ``done``)."""
    seen: list[Json] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        response = await fetch()
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if done(seen[-1]):
            return seen
        await asyncio.sleep(interval)
    raise AssertionError(f"not done after {within}s; last: {seen[-1] if seen else None}")


async def finished_video(http: httpx.AsyncClient, prompt: str = "a finished video", **kw: Any) -> Json:
    created = await create(http, prompt, **kw)
    assert created.status_code == 200, created.text
    vid = created.json()["id"]
    seen = await poll_until(lambda: http.get(f"/v1/videos/{vid}"), lambda b: b["status"] in ("completed", "failed"))
    return seen[-1]


def assert_openai_error(response: httpx.Response, status: int, *, param: str | None = None,
                        code: str | None = None) -> Json:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    if param is not None:
        assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    return dict(error)


# ---------------------------------------------------------------------------- OpenAI shape


async def test_lifecycle_rises_through_states_with_poll_hint(http: httpx.AsyncClient) -> None:
    created = await create(http, seconds="10")
    assert created.status_code == 200
    body = created.json()
    assert body["id"].startswith("video_") and body["object"] == "video"
    assert body["status"] == "queued" and body["progress"] == 0
    assert body["seconds"] == "10" and body["size"] == "1280x720" and body["model"] == "sora-2"
    assert body["completed_at"] is None and body["expires_at"] is None and body["error"] is None
    assert body["remixed_from_video_id"] is None and isinstance(body["created_at"], int)
    assert created.headers["openai-poll-after-ms"] == "100"  # 2000 ms / speed 20

    hints: list[str | None] = []

    async def fetch() -> httpx.Response:
        response = await http.get(f"/v1/videos/{body['id']}")
        hints.append(response.headers.get("openai-poll-after-ms"))
        return response

    seen = await poll_until(fetch, lambda b: b["status"] == "completed")
    statuses = [b["status"] for b in seen]
    assert statuses[0] in ("queued", "in_progress")
    assert "in_progress" in statuses
    order = {"queued": 0, "in_progress": 1, "completed": 2}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    progress = [b["progress"] for b in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    assert len({p for b, p in zip(seen, progress, strict=True) if b["status"] == "in_progress"}) >= 3
    assert all(h is not None for h, b in zip(hints, seen, strict=True) if b["status"] != "completed")
    assert hints[-1] is None
    final = seen[-1]
    assert final["completed_at"] >= final["created_at"]
    assert final["expires_at"] == final["completed_at"] + 3600


async def test_content_is_an_mp4_of_the_requested_length(http: httpx.AsyncClient, tmp_path: Path) -> None:
    video = await finished_video(http, "portrait clip", seconds="12", size="720x1280")
    response = await http.get(f"/v1/videos/{video['id']}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    path = tmp_path / "clip.mp4"
    path.write_bytes(response.content)
    info = media.probe(path)
    assert abs(info.duration - 12) < 0.1
    assert info.codec == "h264" and (info.width, info.height) == (320, 568)

    variant = await http.get(f"/v1/videos/{video['id']}/content", params={"variant": "video"})
    assert variant.content == response.content


@pytest.mark.parametrize("variant", ["thumbnail", "spritesheet"])
async def test_thumbnail_and_spritesheet_are_jpeg(http: httpx.AsyncClient, tmp_path: Path, variant: str) -> None:
    video = await finished_video(http, seconds="4")
    response = await http.get(f"/v1/videos/{video['id']}/content", params={"variant": variant})
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.content[:3] == b"\xff\xd8\xff"
    path = tmp_path / "x.jpg"
    path.write_bytes(response.content)
    with Image.open(path) as image:
        assert image.format == "JPEG"


async def test_content_before_completion_and_bad_variant(http: httpx.AsyncClient) -> None:
    vid = (await create(http, seconds="25")).json()["id"]
    assert_openai_error(await http.get(f"/v1/videos/{vid}/content"), 400, code="video_not_ready")
    assert_openai_error(await http.get(f"/v1/videos/{vid}/content", params={"variant": "gif"}), 400, param="variant")
    assert_openai_error(await http.get("/v1/videos/video_nope/content"), 404)
    assert_openai_error(await http.get("/v1/videos/video_nope"), 404, code="not_found")


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "sora-2", "seconds": "4", "size": "1280x720"}, "prompt"),
    ({"prompt": "   ", "seconds": "4"}, "prompt"),
    ({"prompt": "x", "seconds": "7"}, "seconds"),
    ({"prompt": "x", "seconds": 8}, "seconds"),
    ({"prompt": "x", "seconds": "4", "size": "640x480"}, "size"),
    ({"prompt": "x", "characters": [{"id": "char_missing"}]}, "characters"),
    ({"prompt": "x", "characters": "char_x"}, "characters"),
])
async def test_create_validation_errors(http: httpx.AsyncClient, body: Json, param: str) -> None:
    error = assert_openai_error(await http.post("/v1/videos", json=body), 400, param=param)
    assert error["type"] == "invalid_request_error"


async def test_create_accepts_every_listed_duration_and_size(http: httpx.AsyncClient) -> None:
    for seconds in ("4", "8", "12", "10", "15", "16", "20", "25"):
        assert (await create(http, seconds=seconds)).status_code == 200
    for size in media.SIZES:
        assert (await create(http, size=size)).status_code == 200
    garbled = await http.post("/v1/videos", content=b"{not json", headers={"content-type": "application/json"})
    assert_openai_error(garbled, 400)


async def test_create_multipart_with_input_reference(http: httpx.AsyncClient, simulator: SimulatorServer,
                                                     tmp_path: Path) -> None:
    ref = media.render_thumbnail(tmp_path / "ref.jpg", text="reference")
    response = await http.post("/v1/videos", data={"prompt": "from a still", "seconds": "8", "size": "720x1280"},
                               files={"input_reference": ("ref.jpg", ref.read_bytes(), "image/jpeg")})
    assert response.status_code == 200, response.text
    assert response.json()["seconds"] == "8"
    recorded = simulator.requests[-1]
    assert recorded.form is not None and recorded.json is None
    assert recorded.form["input_reference"] == {"filename": "ref.jpg", "content_type": "image/jpeg",
                                                "size": ref.stat().st_size}
    assert recorded.form["prompt"] == "from a still"


async def test_auth_required_when_api_key_set() -> None:
    async with SimulatorServer(speed=20, api_key="sk-test") as sim, \
            httpx.AsyncClient(base_url=sim.base_url) as client:
        missing = await client.post("/v1/videos", json={"prompt": "x"})
        assert_openai_error(missing, 401, code="invalid_api_key")
        wrong = await client.get("/v1/videos", headers={"Authorization": "Bearer nope"})
        assert_openai_error(wrong, 401)
        ok = await client.post("/v1/videos", json={"prompt": "x"}, headers={"Authorization": "Bearer sk-test"})
        assert ok.status_code == 200
        gateway = await client.post("/sora/generate", json={"prompt": "x", "duration": 10})
        assert gateway.status_code == 401 and isinstance(gateway.json()["error"], str)
        assert len(sim.requests) == 4  # rejected requests are recorded too


async def test_characters_create_get_and_use(http: httpx.AsyncClient, tmp_path: Path) -> None:
    clip = media.render_video(tmp_path / "me.mp4", text="me waving", seconds=4)
    response = await http.post("/v1/videos/characters", data={"name": "Mochi"},
                               files={"video": ("me.mp4", clip.read_bytes(), "video/mp4")})
    assert response.status_code == 200, response.text
    character = response.json()
    assert character["id"].startswith("char_") and character["name"] == "Mochi"
    assert character["object"] == "character" and isinstance(character["created_at"], int)
    fetched = await http.get(f"/v1/videos/characters/{character['id']}")
    assert fetched.status_code == 200 and fetched.json() == character
    assert_openai_error(await http.get("/v1/videos/characters/char_missing"), 404)

    used = await create(http, "Mochi dances", characters=[{"id": character["id"]}])
    assert used.status_code == 200

    not_video = await http.post("/v1/videos/characters", data={"name": "Bad"},
                                files={"video": ("x.mp4", b"definitely not a video" * 100, "video/mp4")})
    assert_openai_error(not_video, 400, param="video", code="invalid_video")
    no_name = await http.post("/v1/videos/characters", files={"video": ("me.mp4", clip.read_bytes(), "video/mp4")})
    assert_openai_error(no_name, 400, param="name")
    as_json = await http.post("/v1/videos/characters", json={"name": "x"})
    assert_openai_error(as_json, 400)


async def test_list_paginates_and_delete_removes(http: httpx.AsyncClient) -> None:
    ids = [(await create(http, f"video {i}")).json()["id"] for i in range(3)]
    page = (await http.get("/v1/videos", params={"limit": 2})).json()
    assert page["object"] == "list" and page["has_more"] is True
    assert [v["id"] for v in page["data"]] == [ids[2], ids[1]]  # newest first by default
    assert page["first_id"] == ids[2] and page["last_id"] == ids[1]
    rest = (await http.get("/v1/videos", params={"limit": 2, "after": page["last_id"]})).json()
    assert [v["id"] for v in rest["data"]] == [ids[0]] and rest["has_more"] is False
    ascending = (await http.get("/v1/videos", params={"order": "asc"})).json()
    assert [v["id"] for v in ascending["data"]] == ids
    assert_openai_error(await http.get("/v1/videos", params={"limit": 0}), 400, param="limit")

    deleted = await http.delete(f"/v1/videos/{ids[1]}")
    assert deleted.json() == {"id": ids[1], "object": "video.deleted", "deleted": True}
    assert_openai_error(await http.get(f"/v1/videos/{ids[1]}"), 404)
    assert_openai_error(await http.get(f"/v1/videos/{ids[1]}/content"), 404)
    assert_openai_error(await http.delete(f"/v1/videos/{ids[1]}"), 404)
    remaining = (await http.get("/v1/videos")).json()
    assert [v["id"] for v in remaining["data"]] == [ids[2], ids[0]]
    empty = (await http.get("/v1/videos", params={"after": ids[0]})).json()
    assert empty["data"] == [] and empty["first_id"] is None and empty["last_id"] is None


async def test_deleting_a_finished_video_removes_its_files(http: httpx.AsyncClient,
                                                           simulator: SimulatorServer) -> None:
    video = await finished_video(http)
    assert (await http.get(f"/v1/videos/{video['id']}/content")).status_code == 200
    assert (simulator.media_dir / f"{video['id']}.mp4").exists()
    await http.delete(f"/v1/videos/{video['id']}")
    assert not (simulator.media_dir / f"{video['id']}.mp4").exists()


async def test_remix(http: httpx.AsyncClient) -> None:
    source = await finished_video(http, "the original", seconds="8", size="720x1280")
    remix = await http.post(f"/v1/videos/{source['id']}/remix", json={"prompt": "now at night"})
    assert remix.status_code == 200
    body = remix.json()
    assert body["remixed_from_video_id"] == source["id"]
    assert (body["seconds"], body["size"], body["prompt"]) == ("8", "720x1280", "now at night")
    running = (await create(http, seconds="25")).json()["id"]
    assert_openai_error(await http.post(f"/v1/videos/{running}/remix", json={"prompt": "x"}), 400)


async def test_set_speed_keeps_progress_and_speeds_up(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    simulator.set_speed(2)
    vid = (await create(http, seconds="25")).json()["id"]
    await asyncio.sleep(0.2)
    before = (await http.get(f"/v1/videos/{vid}")).json()
    assert before["status"] == "queued"
    simulator.set_speed(200)
    after = await poll_until(lambda: http.get(f"/v1/videos/{vid}"), lambda b: b["status"] == "completed",
                             within=1.0)
    assert after[-1]["progress"] == 100


# ---------------------------------------------------------------------------- prompt markers


async def test_marker_429_with_retry_after_once(http: httpx.AsyncClient) -> None:
    first = await create(http, "busy [sim:429]")
    assert_openai_error(first, 429)
    assert first.headers["retry-after"] == "1"
    assert (await create(http, "busy [sim:429]")).status_code == 200
    assert (await create(http, "busy [sim:429]")).status_code == 200


async def test_marker_429_without_retry_after(http: httpx.AsyncClient) -> None:
    first = await create(http, "busy [sim:429-noretry]")
    assert_openai_error(first, 429)
    assert "retry-after" not in first.headers
    assert (await create(http, "busy [sim:429-noretry]")).status_code == 200


@pytest.mark.parametrize(("status", "count"), [(500, 3), (502, 1), (503, 2)])
async def test_marker_server_errors_on_first_creates(http: httpx.AsyncClient, status: int, count: int) -> None:
    prompt = f"flaky [sim:{status}x{count}]"
    for _ in range(count):
        assert_openai_error(await create(http, prompt), status)
    assert (await create(http, prompt)).status_code == 200
    other = await create(http, f"another prompt [sim:{status}x{count}]")  # counted per prompt
    assert other.status_code == status


async def test_marker_errors_also_apply_to_the_gateway(http: httpx.AsyncClient) -> None:
    prompt = "gateway flaky [sim:500x1] [sim:429]"
    first = await http.post("/sora/generate", json={"prompt": prompt, "duration": 10})
    assert first.status_code == 500 and isinstance(first.json()["error"], str)
    second = await http.post("/sora/generate", json={"prompt": prompt, "duration": 10})
    assert second.status_code == 429 and second.headers["retry-after"] == "1"
    third = await http.post("/sora/generate", json={"prompt": prompt, "duration": 10})
    assert third.status_code == 200 and third.json()["task_id"].startswith("task_")


@pytest.mark.parametrize(("marker", "code"), [("fail", "internal_error"), ("moderation", "moderation_blocked")])
async def test_marker_job_fails(http: httpx.AsyncClient, marker: str, code: str) -> None:
    final = await finished_video(http, f"doomed [sim:{marker}]")
    assert final["status"] == "failed"
    assert final["error"]["code"] == code and final["error"]["message"]
    assert final["completed_at"] is None and final["progress"] < 100
    assert_openai_error(await http.get(f"/v1/videos/{final['id']}/content"), 400)


async def test_marker_moderation_at_create(http: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert_openai_error(await create(http, "nope [sim:moderation-create]"), 400, code="moderation_blocked")


async def test_marker_expired_content(http: httpx.AsyncClient) -> None:
    final = await finished_video(http, "gone soon [sim:expired]")
    assert final["status"] == "completed"
    assert_openai_error(await http.get(f"/v1/videos/{final['id']}/content"), 404, code="video_expired")


async def test_expire_helper(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    final = await finished_video(http)
    assert (await http.get(f"/v1/videos/{final['id']}/content")).status_code == 200
    simulator.expire(final["id"])
    assert (await http.get(f"/v1/videos/{final['id']}/content")).status_code == 404


async def test_marker_never_finishes(http: httpx.AsyncClient) -> None:
    vid = (await create(http, "stuck [sim:never]", seconds="4")).json()["id"]
    await asyncio.sleep(4 / 20 + 0.2)
    body = (await http.get(f"/v1/videos/{vid}")).json()
    assert body["status"] == "in_progress" and body["progress"] <= 99


async def test_marker_status_errors(http: httpx.AsyncClient) -> None:
    vid = (await create(http, "[sim:status500x2] wobbly status")).json()["id"]
    assert_openai_error(await http.get(f"/v1/videos/{vid}"), 500)
    assert_openai_error(await http.get(f"/v1/videos/{vid}"), 500)
    assert (await http.get(f"/v1/videos/{vid}")).status_code == 200


async def test_marker_malformed_first_status(http: httpx.AsyncClient) -> None:
    vid = (await create(http, "garbled [sim:malformed]")).json()["id"]
    first = await http.get(f"/v1/videos/{vid}")
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(first.text)
    assert (await http.get(f"/v1/videos/{vid}")).json()["id"] == vid


async def test_marker_reset_drops_first_status(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    vid = (await create(http, "hang up [sim:reset]")).json()["id"]
    with pytest.raises(httpx.TransportError):
        await http.get(f"/v1/videos/{vid}")
    assert (await http.get(f"/v1/videos/{vid}")).status_code == 200
    assert [r.status for r in simulator.requests] == [200, None, 200]  # None: no answer was sent


async def test_marker_slow_delays_answers(http: httpx.AsyncClient) -> None:
    started = time.monotonic()
    vid = (await create(http, "[sim:slow] molasses")).json()["id"]
    await http.get(f"/v1/videos/{vid}")
    assert time.monotonic() - started >= 2 * 2 / 20 - 0.01  # two answers, 2 s / speed each
    fast_started = time.monotonic()
    await create(http, "quick")
    assert time.monotonic() - fast_started < 2 / 20


def test_parse_markers() -> None:
    markers = parse_markers("x [sim:500x2] [sim:503x1] [sim:429] [sim:status502x2] [sim:reset] "
                            "[sim:malformed] [SIM:slow]")
    assert markers.create_plan == (500, 500, 503, 429)
    assert markers.status_errors == ("reset", "malformed", 502, 502)
    assert markers.slow and not markers.fail and markers.rate_limit == "retry-after"
    assert parse_markers("plain").create_plan == ()
    assert strip_markers("a [sim:fail] cat  [sim:slow]") == "a cat"


# ---------------------------------------------------------------------------- fault switches


async def test_switch_create_status_for_n_creates(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    simulator.faults.create_status = 503
    simulator.faults.create_count = 2
    assert_openai_error(await create(http), 503)
    assert simulator.requests[-1].status == 503
    gateway = await http.post("/sora/generate", json={"prompt": "x", "duration": 10})
    assert gateway.status_code == 503 and gateway.headers["retry-after"] == "1"
    assert (await create(http)).status_code == 200
    assert simulator.faults.create_status is None and simulator.faults.create_count == 0


async def test_switch_status_and_content(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    final = await finished_video(http)
    simulator.faults.status_status = 500
    simulator.faults.status_count = 1
    assert_openai_error(await http.get(f"/v1/videos/{final['id']}"), 500)
    assert (await http.get(f"/v1/videos/{final['id']}")).status_code == 200
    simulator.faults.content_status = 404
    simulator.faults.content_count = 1
    assert_openai_error(await http.get(f"/v1/videos/{final['id']}/content"), 404)
    assert (await http.get(f"/v1/videos/{final['id']}/content")).status_code == 200


async def test_switch_without_count_stays_until_cleared(http: httpx.AsyncClient,
                                                        simulator: SimulatorServer) -> None:
    simulator.faults.create_status = 502
    for _ in range(3):
        assert (await create(http)).status_code == 502
    simulator.faults.create_status = None
    assert (await create(http)).status_code == 200


async def test_switch_down_and_latency(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    simulator.faults.down = True
    assert_openai_error(await create(http), 503)
    assert (await http.get("/sora/characters")).status_code == 503
    assert (await http.get("/_sim/faults")).json()["down"] is True  # control routes never fault
    simulator.faults.down = False
    simulator.faults.latency = 0.2
    started = time.monotonic()
    assert (await create(http)).status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_faults_over_http(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    response = await http.post("/_sim/faults", json={"create_status": 429, "create_count": 1, "latency": 0})
    assert response.status_code == 200 and response.json()["create_status"] == 429
    assert simulator.faults.create_status == 429
    assert (await create(http)).status_code == 429
    bad = await http.post("/_sim/faults", json={"explode": True})
    assert bad.status_code == 400 and "explode" in bad.json()["error"]
    assert (await http.post("/_sim/faults", json={"create_count": -1})).status_code == 400
    await http.post("/_sim/faults", json={"down": True})
    assert simulator.faults.down
    assert (await http.post("/_sim/faults", json={})).json() == Faults().as_dict()  # {} resets


async def test_recorded_requests_over_http(http: httpx.AsyncClient, simulator: SimulatorServer,
                                           tmp_path: Path) -> None:
    clip = media.render_video(tmp_path / "c.mp4", text="c", seconds=4)
    await create(http, "recorded", seconds="8")
    await http.post("/v1/videos/characters", data={"name": "Rec"},
                    files={"video": ("c.mp4", clip.read_bytes(), "video/mp4")})
    await http.get("/v1/videos", params={"limit": 5})
    recorded = (await http.get("/_sim/requests")).json()
    assert [(r["method"], r["path"]) for r in recorded] == [
        ("POST", "/v1/videos"), ("POST", "/v1/videos/characters"), ("GET", "/v1/videos")]
    assert recorded[0]["json"]["seconds"] == "8"
    assert recorded[1]["form"]["video"]["size"] == clip.stat().st_size
    assert recorded[2]["query"] == {"limit": "5"}
    assert [r["status"] for r in recorded] == [200, 200, 200]
    assert simulator.requests[0].headers["Content-Type"] == "application/json"
    assert simulator.requests[0].headers["content-type"] == "application/json"  # lookups ignore case
    assert "CONTENT-TYPE" in simulator.requests[0].headers
    assert (await http.delete("/_sim/requests")).status_code == 200
    assert simulator.requests == []


# ---------------------------------------------------------------------------- task-gateway shape


async def gateway_task(http: httpx.AsyncClient, task_id: str) -> list[Json]:
    return await poll_until(lambda: http.get(f"/sora/tasks/{task_id}"),
                            lambda b: b["status"] in ("completed", "failed", "success", "fail"))


async def test_gateway_end_to_end(http: httpx.AsyncClient, simulator: SimulatorServer, tmp_path: Path) -> None:
    response = await http.post("/sora/generate", json={"prompt": "a red kite over a beach", "duration": 10})
    assert response.status_code == 200
    task_id = response.json()["task_id"]
    seen = await gateway_task(http, task_id)
    assert {"queued", "in_progress"} & {b["status"] for b in seen}
    final = seen[-1]
    assert final["status"] == "completed" and final["progress"] == 100 and final["error"] is None
    assert set(final) >= {"task_id", "status", "progress", "video_url", "error"}
    assert final["video_url"] == f"{simulator.base_url}/sora/files/{task_id}.mp4"
    assert all(b["video_url"] is None for b in seen[:-1])
    async with httpx.AsyncClient() as plain:  # an absolute URL that works without the API client
        video = await plain.get(final["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    (tmp_path / "g.mp4").write_bytes(video.content)
    assert abs(media.probe(tmp_path / "g.mp4").duration - 10) < 0.1
    assert (await http.get("/sora/tasks/task_missing")).status_code == 404


async def test_gateway_classic_status_words() -> None:
    async with SimulatorServer(speed=20, gateway_status_words="classic") as sim, \
            httpx.AsyncClient(base_url=sim.base_url) as client:
        ok = (await client.post("/sora/generate", json={"prompt": "classic", "duration": 10})).json()["task_id"]
        bad = (await client.post("/sora/generate", json={"prompt": "x [sim:fail]", "duration": 10})).json()["task_id"]
        seen = await gateway_task(client, ok)
        words = {b["status"] for b in seen}
        assert words <= {"pending", "processing", "success"} and seen[-1]["status"] == "success"
        assert "processing" in words
        failed = (await gateway_task(client, bad))[-1]
        assert failed["status"] == "fail" and failed["video_url"] is None
        assert isinstance(failed["error"], str) and failed["error_code"] == "internal_error"


async def test_gateway_openai_status_words_on_failure(http: httpx.AsyncClient) -> None:
    task = (await http.post("/sora/generate", json={"prompt": "[sim:moderation]", "duration": 10})).json()["task_id"]
    final = (await gateway_task(http, task))[-1]
    assert final["status"] == "failed" and final["error_code"] == "moderation_blocked"


async def test_gateway_expired_file(http: httpx.AsyncClient) -> None:
    task = (await http.post("/sora/generate", json={"prompt": "[sim:expired] x", "duration": 10})).json()["task_id"]
    final = (await gateway_task(http, task))[-1]
    assert final["status"] == "completed" and final["video_url"]
    assert (await http.get(final["video_url"])).status_code == 404


async def test_gateway_file_before_completion_is_404(http: httpx.AsyncClient) -> None:
    task = (await http.post("/sora/generate", json={"prompt": "long", "duration": 25})).json()["task_id"]
    assert (await http.get(f"/sora/files/{task}.mp4")).status_code == 404


@pytest.mark.parametrize(("body", "fragment"), [
    ({"prompt": "x", "duration": 12}, "duration"),
    ({"prompt": "x"}, "duration"),
    ({"prompt": "", "duration": 10}, "prompt"),
    ({"prompt": "x", "duration": "ten"}, "duration"),
    ({"prompt": "x", "duration": 10, "size": "1x1"}, "size"),
    ({"prompt": "x", "storyboard": [{"start": 0, "end": 5, "text": "a"}, {"start": 6, "end": 15, "text": "b"}]},
     "contiguous"),
    ({"prompt": "x", "storyboard": [{"start": 2, "end": 10, "text": "a"}]}, "contiguous"),
    ({"prompt": "x", "duration": 10, "storyboard": [{"start": 0, "end": 15, "text": "a"}]}, "storyboard"),
    ({"prompt": "x", "storyboard": [{"start": 0, "end": 7, "text": "a"}]}, "duration"),
    ({"prompt": "meet @char_0000ffff", "duration": 10}, "char_0000ffff"),
])
async def test_gateway_validation(http: httpx.AsyncClient, body: Json, fragment: str) -> None:
    response = await http.post("/sora/generate", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert isinstance(error, str) and fragment in error


async def test_gateway_durations_and_sizes(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    for duration in (10, 15, 20, 25, "15"):
        assert (await http.post("/sora/generate", json={"prompt": "d", "duration": duration})).status_code == 200
    portrait = (await http.post("/sora/generate", json={"prompt": "p", "duration": 10,
                                                        "orientation": "portrait"})).json()["task_id"]
    assert simulator.tasks[portrait].size == "720x1280"


async def test_gateway_storyboard_total_duration(http: httpx.AsyncClient, tmp_path: Path) -> None:
    scenes = [{"start": 0, "end": 5, "text": "a kite rises"}, {"start": 5, "end": 15, "text": "it falls"}]
    response = await http.post("/sora/generate", json={"prompt": "story", "storyboard": scenes})
    assert response.status_code == 200
    final = (await gateway_task(http, response.json()["task_id"]))[-1]
    assert final["duration"] == 15
    (tmp_path / "s.mp4").write_bytes((await http.get(final["video_url"])).content)
    assert abs(media.probe(tmp_path / "s.mp4").duration - 15) < 0.1
    matching = await http.post("/sora/generate", json={"prompt": "story", "duration": 15, "storyboard": scenes})
    assert matching.status_code == 200


async def test_gateway_characters(http: httpx.AsyncClient, simulator: SimulatorServer) -> None:
    task = (await http.post("/sora/generate", json={"prompt": "a dog", "duration": 10})).json()["task_id"]
    early = await http.post("/sora/characters/extract", json={"task_id": task, "name": "Rex"})
    assert early.status_code == 400 and "not completed" in early.json()["error"]
    final = (await gateway_task(http, task))[-1]

    extracted = await http.post("/sora/characters/extract", json={"task_id": task, "name": "Rex"})
    assert extracted.status_code == 200
    rex = extracted.json()["character_id"]
    assert rex.startswith("char_")

    from_url = await http.post("/sora/characters", json={"video_url": final["video_url"], "name": "Rex2",
                                                         "description": "the same dog"})
    assert from_url.status_code == 200
    assert simulator.characters[from_url.json()["character_id"]].video_bytes  # fetched and probed
    external = await http.post("/sora/characters", json={"video_url": "https://cdn.example.com/v.mp4",
                                                         "name": "Far", "description": "elsewhere"})
    assert external.status_code == 200
    assert simulator.characters[external.json()["character_id"]].video_bytes is None  # only recorded

    listed = (await http.get("/sora/characters")).json()["characters"]
    assert {c["name"] for c in listed} >= {"Rex", "Rex2", "Far"}
    assert {"character_id", "name", "description"} == set(listed[0])
    assert next(c for c in listed if c["name"] == "Rex2")["description"] == "the same dog"

    used = await http.post("/sora/generate", json={"prompt": f"@{rex} runs on the beach", "duration": 10})
    assert used.status_code == 200
    assert simulator.tasks[used.json()["task_id"]].characters == (rex,)

    missing_task = await http.post("/sora/characters/extract", json={"task_id": "task_nope", "name": "x"})
    assert missing_task.status_code == 404
    bad_local = await http.post("/sora/characters", json={"video_url": f"{simulator.base_url}/sora/files/task_x.mp4",
                                                          "name": "x"})
    assert bad_local.status_code == 400
    no_name = await http.post("/sora/characters", json={"video_url": "https://cdn.example.com/v.mp4"})
    assert no_name.status_code == 400


# ---------------------------------------------------------------------------- sorabot simulate


async def test_serve_prints_its_url_and_runs_until_cancelled(capsys: pytest.CaptureFixture[str]) -> None:
    task = asyncio.create_task(serve("127.0.0.1", 0, speed=50, api_key="k"))
    out = ""
    for _ in range(200):
        await asyncio.sleep(0.01)
        out += capsys.readouterr().out
        if out:
            break
    url = out.splitlines()[0]
    assert url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer k"}) as client:
        response = await client.post("/sora/generate", json={"prompt": "demo", "duration": 10})
        assert response.status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url + "/sora/characters")

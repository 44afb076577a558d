"""The official ``openai`` SDK works against the simulator's OpenAI Videos shape.

The SDK marks its video methods deprecated (the Sora API shuts down on 2026-09-24) and warns
on every call; that is expected here, so those warnings are ignored in this module only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest

from bot import media
from bot.simulator import SimulatorServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def client(simulator: SimulatorServer) -> AsyncIterator[openai.AsyncOpenAI]:
    sdk = openai.AsyncOpenAI(base_url=simulator.base_url + "/v1", api_key="x", max_retries=0, timeout=10)
    try:
        yield sdk
    finally:
        await sdk.close()


async def test_create_retrieve_download(client: openai.AsyncOpenAI, simulator: SimulatorServer,
                                        tmp_path: Path) -> None:
    video = await client.videos.create(prompt="an orange cat naps in the sun", model="sora-2", seconds="8",
                                       size="1280x720")
    assert video.id.startswith("video_") and video.status == "queued" and video.seconds == "8"
    recorded = simulator.requests[-1]
    assert recorded.form == {"prompt": "an orange cat naps in the sun", "model": "sora-2", "seconds": "8",
                             "size": "1280x720"}  # the SDK always sends multipart
    assert recorded.headers["Authorization"] == "Bearer x"

    fetched = await client.videos.retrieve(video.id)
    assert fetched.id == video.id and fetched.status in ("queued", "in_progress")

    done = await client.videos.poll(video.id)
    assert done.status == "completed" and done.progress == 100
    assert done.completed_at is not None and done.expires_at == done.completed_at + 3600

    content = await client.videos.download_content(video.id)
    path = tmp_path / "cat.mp4"
    content.write_to_file(path)
    info = media.probe(path)
    assert abs(info.duration - 8) < 0.1 and info.codec == "h264"
    thumbnail = await client.videos.download_content(video.id, variant="thumbnail")
    assert thumbnail.content[:3] == b"\xff\xd8\xff"


async def test_create_and_poll_uses_the_poll_hint(client: openai.AsyncOpenAI, simulator: SimulatorServer) -> None:
    video = await client.videos.create_and_poll(prompt="a quick one", seconds="4", size="720x1280")
    assert video.status == "completed" and video.size == "720x1280"
    polls = [r for r in simulator.requests if r.method == "GET" and r.path == f"/v1/videos/{video.id}"]
    assert 2 <= len(polls) <= 6  # 4 s at speed 20 is 0.2 s, polled every 100 ms as the header asks
    assert all(r.headers.get("X-Stainless-Poll-Helper") == "true" for r in polls)


async def test_failed_job_through_poll(client: openai.AsyncOpenAI) -> None:
    video = await client.videos.create_and_poll(prompt="no luck [sim:moderation]", seconds="4")
    assert video.status == "failed"
    assert video.error is not None and video.error.code == "moderation_blocked"


async def test_list_and_delete(client: openai.AsyncOpenAI) -> None:
    ids = [(await client.videos.create(prompt=f"clip {i}", seconds="4")).id for i in range(3)]
    page = await client.videos.list(limit=2)
    assert [v.id for v in page.data] == [ids[2], ids[1]] and page.has_more
    everything = [v.id async for v in client.videos.list(limit=1, order="asc")]  # follows the cursor
    assert everything == ids
    deleted = await client.videos.delete(ids[0])
    assert deleted.deleted and deleted.id == ids[0] and deleted.object == "video.deleted"
    with pytest.raises(openai.NotFoundError):
        await client.videos.retrieve(ids[0])


async def test_characters_and_remix(client: openai.AsyncOpenAI, simulator: SimulatorServer, tmp_path: Path) -> None:
    clip = media.render_video(tmp_path / "me.mp4", text="me", seconds=4)
    character = await client.videos.create_character(name="Mochi", video=clip)
    assert character.id is not None and character.id.startswith("char_") and character.name == "Mochi"
    again = await client.videos.get_character(character.id)
    assert again.id == character.id and again.created_at == character.created_at

    video = await client.videos.create(prompt="Mochi dances", seconds="4",
                                       extra_body={"characters": [{"id": character.id}]})
    assert simulator.videos[video.id].characters == (character.id,)
    with pytest.raises(openai.BadRequestError) as excinfo:
        await client.videos.create(prompt="who?", extra_body={"characters": [{"id": "char_missing"}]})
    assert excinfo.value.code == "character_not_found" and excinfo.value.param == "characters"

    done = await client.videos.poll(video.id)
    remix = await client.videos.remix(done.id, prompt="Mochi dances at night")
    assert remix.remixed_from_video_id == done.id


async def test_errors_map_to_sdk_exceptions(client: openai.AsyncOpenAI, simulator: SimulatorServer) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        await client.videos.create(prompt="x", seconds="7")  # type: ignore[arg-type]
    assert bad.value.param == "seconds"
    with pytest.raises(openai.RateLimitError):
        await client.videos.create(prompt="busy [sim:429]")
    with pytest.raises(openai.InternalServerError):
        await client.videos.create(prompt="broken [sim:500x1]")
    with pytest.raises(openai.BadRequestError) as moderated:
        await client.videos.create(prompt="[sim:moderation-create]")
    assert moderated.value.code == "moderation_blocked"


async def test_sdk_retries_recover(simulator: SimulatorServer) -> None:
    async with openai.AsyncOpenAI(base_url=simulator.base_url + "/v1", api_key="x", max_retries=2) as sdk:
        video = await sdk.videos.create(prompt="flaky once [sim:500x1]", seconds="4")
    assert video.status == "queued"
    creates = [r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]
    assert len(creates) == 2


async def test_sdk_authentication() -> None:
    async with SimulatorServer(speed=20, api_key="sk-right") as sim:
        async with openai.AsyncOpenAI(base_url=sim.base_url + "/v1", api_key="sk-wrong", max_retries=0) as wrong:
            with pytest.raises(openai.AuthenticationError) as excinfo:
                await wrong.videos.create(prompt="x")
            assert excinfo.value.code == "invalid_api_key"
        async with openai.AsyncOpenAI(base_url=sim.base_url + "/v1", api_key="sk-right", max_retries=0) as right:
            assert (await right.videos.create(prompt="x")).status == "queued"

"""Discord commands around the job: sync, admin rights, autocomplete, quotas and characters."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.model import JobState
from bot.simulator import SimulatorServer
from tests.e2e.discord_support import (
    RunningDiscordBot,
    World,
    discord_config,
    populate,
    settings_for,
    wait_video,
)
from tests.e2e.telegram_support import make_mp4
from tests.fakes.discord_server import FLAG_EPHEMERAL, MANAGE_GUILD, FakeDiscord, FakeInteraction

PINNED = "sora-2-2025-10-06"  # the default (development) is the alias → sora-2-2025-12-08


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    return populate(fake)


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeDiscord, world: World,
              simulator: SimulatorServer) -> AsyncIterator[RunningDiscordBot]:
    settings = settings_for(tmp_path, fake, discord=discord_config(fake, admin_role_ids=[world.mod_role]))
    running = RunningDiscordBot(settings, simulator, fake)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def _answer(fake: FakeDiscord, inter: FakeInteraction) -> tuple[str, bool]:
    """(text, ephemeral) of the bot's first visible answer to an interaction."""
    cb = await fake.wait_for_callback(inter, timeout=10)
    assert cb.status in (200, 204), cb.response
    if cb.json["type"] == 4:
        return str(cb.json["data"]["content"]), bool(cb.json["data"].get("flags", 0) & FLAG_EPHEMERAL)
    answer = await fake.wait_for(lambda r: f"/{inter.token}" in r.path and r.status == 200 and r.method != "DELETE"
                                 and r.method in ("PATCH", "POST") and "/callback" not in r.path, timeout=10)
    msg = fake.messages[int(answer.response["id"])]
    return msg.content, msg.ephemeral


async def test_command_sync_layout(fake: FakeDiscord, world: World, bot: RunningDiscordBot) -> None:
    commands = {c["name"]: c for c in fake.global_commands}
    assert set(commands) == {"sora", "storyboard", "jobs", "credits", "help", "snapshot", "quota", "character",
                             "provider"}
    assert commands["snapshot"]["default_member_permissions"] == str(MANAGE_GUILD)
    assert commands["provider"]["default_member_permissions"] == str(MANAGE_GUILD)
    assert commands["quota"]["default_member_permissions"] == str(MANAGE_GUILD)
    assert commands["quota"]["contexts"] == [0]  # server only
    assert sorted(commands["sora"]["contexts"]) == [0, 1]  # servers and the bot's DM
    assert commands["sora"]["default_member_permissions"] is None
    assert commands["sora"]["description"].startswith("Make a short AI video")
    assert set(commands["sora"]["description_localizations"]) >= {"fr", "es-ES", "ru", "zh-TW", "zh-CN"}
    options = {o["name"]: o for o in commands["sora"]["options"]}
    assert options["prompt"]["required"] and options["prompt"]["type"] == 3
    assert [(c["name"], c["value"]) for c in options["duration"]["choices"]] == [
        ("10 s · 1 credit", 10), ("15 s · 1.5 credits", 15), ("20 s · 2 credits", 20), ("25 s · 2.5 credits", 25)]
    assert [c["value"] for c in options["size"]["choices"]] == ["landscape", "portrait"]
    subs = {o["name"]: o for o in commands["character"]["options"]}
    add = {o["name"]: o["type"] for o in subs["add"]["options"]}
    assert add["video"] == 11  # ATTACHMENT
    quota = {o["name"]: o for o in commands["quota"]["options"]}
    assert quota["set"]["options"][0]["type"] == 6  # USER (resolved as a member)
    pin = {o["name"]: o for o in commands["snapshot"]["options"]}["pin"]
    assert pin["options"][0]["name"] == "id" and pin["options"][0]["autocomplete"] is True


async def test_dev_guild_sync_is_instant(tmp_path: Path, fake: FakeDiscord, world: World,
                                         simulator: SimulatorServer) -> None:
    # no gateway_url: the gateway is found through the REST API (GET /gateway/bot) at api_base
    config = discord_config(fake, dev_guild_ids=[world.guild_id]).model_copy(update={"gateway_url": None})
    bot = RunningDiscordBot(settings_for(tmp_path, fake, discord=config), simulator, fake)
    await bot.start()
    try:
        assert fake.calls("GET", "/gateway/bot")
        assert {c["name"] for c in fake.guild_commands[world.guild_id]} >= {"sora", "snapshot"}
        assert fake.global_commands == []
    finally:
        await bot.stop()


async def test_pin_needs_admin_and_next_job_uses_it(fake: FakeDiscord, world: World, bot: RunningDiscordBot,
                                                    simulator: SimulatorServer,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    # hidden from members by default_member_permissions ...
    with pytest.raises(PermissionError):
        await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "snapshot", {"id": PINNED},
                                subcommand="pin")
    # ... and refused at run time when a server admin lets members see it
    denied = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "snapshot", {"id": PINNED},
                                     subcommand="pin", respect_default_permissions=False)
    text, ephemeral = await _answer(fake, denied)
    assert ephemeral and text.startswith("Only admins of this server can use /snapshot pin")

    pinned = await fake.invoke_slash(world.guild_id, world.channel_id, world.root, "snapshot", {"id": PINNED},
                                     subcommand="pin")
    text, ephemeral = await _answer(fake, pinned)
    assert not ephemeral and text.startswith(f"Pinned {PINNED}")
    # a configured admin role counts too (role ids are passed to the core)
    default = await fake.invoke_slash(world.guild_id, world.channel_id, world.mod, "quota", {"amount": "5"},
                                      subcommand="default", respect_default_permissions=False)
    text, ephemeral = await _answer(fake, default)
    assert text.startswith("Every member may now spend 5 credits") and not ephemeral
    history = await fake.invoke_slash(world.guild_id, world.channel_id, world.root, "snapshot", subcommand="history")
    text, ephemeral = await _answer(fake, history)
    assert ephemeral and "root" in text and PINNED in text

    mark = fake.mark()
    sora = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora", {"prompt": "a quiet lake"})
    await fake.wait_for_callback(sora)
    await wait_video(fake, world.channel_id, since=mark)
    creates = [r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"]
    assert creates[-1].json["model"] == PINNED
    job = (await bot.jobs())[-1]
    assert job.snapshot == PINNED and job.snapshot_why == "pin"
    status = fake.original_message(sora)
    assert status is not None and any("(pinned by admins)" in h["content"] for h in status.history)
    _no_errors(caplog)


async def test_autocomplete_snapshots_and_characters(fake: FakeDiscord, world: World,
                                                     bot: RunningDiscordBot) -> None:
    auto = await fake.invoke_autocomplete(world.guild_id, world.channel_id, world.root, "snapshot", {"id": "12"},
                                          focused="id", subcommand="pin")
    choices = await fake.wait_for_autocomplete(auto)
    assert choices == [{"name": "sora-2-2025-12-08 (latest)", "value": "sora-2-2025-12-08"}]
    assert auto.response_delay is not None and auto.response_delay < 3.0
    every = await fake.invoke_autocomplete(world.guild_id, world.channel_id, world.root, "snapshot", {"id": ""},
                                           focused="id", subcommand="canary")
    values = [c["value"] for c in await fake.wait_for_autocomplete(every)]
    assert values == ["sora-2-2025-10-06", "sora-2-2025-12-08", "sora-2"]

    for name in ("mochi", "momo", "rex"):
        clip = fake.send_attachment(f"{name}.mp4", make_mp4())
        added = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "character",
                                        {"name": name, "video": clip}, subcommand="add")
        text, _ = await _answer(fake, added)
        assert text.startswith(f"Saved @{name}")
    auto = await fake.invoke_autocomplete(world.guild_id, world.channel_id, world.alice, "character", {"name": "mo"},
                                          focused="name", subcommand="info")
    assert await fake.wait_for_autocomplete(auto) == [{"name": "@mochi", "value": "mochi"},
                                                      {"name": "@momo", "value": "momo"}]
    # the library is per server: the DM scope has none of them
    dm = await fake.invoke_autocomplete(None, None, world.alice, "character", {"name": ""}, focused="name",
                                        subcommand="remove")
    assert await fake.wait_for_autocomplete(dm) == []


async def test_character_from_attachment_reaches_the_provider(fake: FakeDiscord, world: World,
                                                              bot: RunningDiscordBot, simulator: SimulatorServer,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    clip = fake.send_attachment("mochi.mp4", make_mp4())
    added = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "character",
                                    {"name": "mochi", "video": clip, "description": "a fluffy grey cat"},
                                    subcommand="add")
    cb = await fake.wait_for_callback(added)
    assert cb.json["type"] == 5  # the upload to the provider may take a while: deferred
    text, ephemeral = await _answer(fake, added)
    assert text.startswith("Saved @mochi") and not ephemeral
    made = [r for r in simulator.requests if r.path == "/v1/videos/characters"]
    assert len(made) == 1 and made[0].status == 200
    [char] = [c for c in simulator.characters.values() if c.name == "mochi" and c.shape == "openai"]

    # not a video: a specific, ephemeral refusal (and the public "thinking…" placeholder is removed)
    bad = fake.send_attachment("notes.txt", b"hello")
    refused = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "character",
                                      {"name": "notes", "video": bad}, subcommand="add")
    text, ephemeral = await _answer(fake, refused)
    assert ephemeral and "not a video" in text

    mark = fake.mark()
    sora = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                   {"prompt": "@mochi chases a laser dot"})
    await fake.wait_for_callback(sora)
    await wait_video(fake, world.channel_id, since=mark)
    create = [r for r in simulator.requests if r.method == "POST" and r.path == "/v1/videos"][-1]
    assert create.json["characters"] == [{"id": char.id}]
    job = (await bot.jobs())[-1]
    assert [c["name"] for c in job.characters] == ["mochi"]
    await bot.wait_state(job.id, JobState.DELIVERED)

    # /character add from_job: the user's delivered jobs are offered
    auto = await fake.invoke_autocomplete(world.guild_id, world.channel_id, world.alice, "character",
                                          {"name": "laser", "from_job": ""}, focused="from_job", subcommand="add")
    choices = await fake.wait_for_autocomplete(auto)
    assert [c["value"] for c in choices] == [job.id] and "laser dot" in choices[0]["name"]
    made_from_job = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "character",
                                            {"name": "laser", "from_job": job.id}, subcommand="add")
    text, _ = await _answer(fake, made_from_job)
    assert text.startswith("Saved @laser")
    _no_errors(caplog)


async def test_quota_set_member_and_refusal(fake: FakeDiscord, world: World, bot: RunningDiscordBot) -> None:
    done = await fake.invoke_slash(world.guild_id, world.channel_id, world.root, "quota",
                                   {"member": world.alice, "amount": "1"}, subcommand="set")
    text, ephemeral = await _answer(fake, done)
    assert text == "alice may now spend 1 credit per period." and not ephemeral

    mine = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "credits")
    text, ephemeral = await _answer(fake, mine)
    assert ephemeral and "0 of 1 left" not in text and "1 of 1 left" in text

    # 15 s costs 1.5 credits: refused before anything is held, only to her
    refused = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "sora",
                                      {"prompt": "a long walk", "duration": 15})
    text, ephemeral = await _answer(fake, refused)
    assert ephemeral and text.startswith("Not enough credits")
    assert fake.calls("DELETE", f"/webhooks/*/{refused.token}/messages/@original")  # placeholder removed
    assert await bot.ledger() == {}

    with pytest.raises(LookupError):  # /quota is server-only: not offered in DMs
        await fake.invoke_slash(None, None, world.alice, "quota", subcommand="usage")

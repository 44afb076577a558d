"""Pieces of the Discord adapter on their own, and its one error handler through discord.py."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord import app_commands

from adapters.discord.bot import split_text
from adapters.discord.commands import CatalogueTranslator, _text
from adapters.discord.port import clip, requester_mentions
from adapters.discord.views import BUTTON_TEMPLATE, MODAL_RE, button_custom_id, modal_values
from bot.commands import Commands
from bot.i18n import t
from bot.simulator import SimulatorServer
from tests.e2e.discord_support import RunningDiscordBot, populate, settings_for
from tests.fakes.discord_server import FLAG_EPHEMERAL, FakeDiscord


def test_split_text_keeps_lines_and_limits() -> None:
    assert split_text("short") == ["short"]
    lines = [f"line {i} " + "x" * 90 for i in range(50)]
    chunks = split_text("\n".join(lines))
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) == 3
    assert "\n".join(chunks).splitlines() == lines
    huge = split_text("y" * 4500)
    assert [len(c) for c in huge] == [2000, 2000, 500]
    assert clip("z" * 2500).endswith("…") and len(clip("z" * 2500)) == 2000


def test_custom_ids_fit_and_parse() -> None:
    cid = button_custom_id("save", "j0123456789ab")
    assert len(cid) <= 100 and re.fullmatch(BUTTON_TEMPLATE, cid)
    match = MODAL_RE.fullmatch("sora:remix-modal:j0123456789ab")
    assert match is not None and match["action"] == "remix" and match["job_id"] == "j0123456789ab"
    assert modal_values([{"type": 1, "components": [{"type": 4, "custom_id": "prompt", "value": "a cat"}]},
                         {"type": 18, "component": {"type": 4, "custom_id": "name", "value": "mochi"}}]) == {
        "prompt": "a cat", "name": "mochi"}


def test_requester_only_mentions() -> None:
    am = requester_mentions(42).to_dict()
    assert am["parse"] == [] and am["users"] == [42] and not am.get("replied_user")


async def test_translator_localises_what_the_catalogue_has() -> None:
    translator = CatalogueTranslator()
    text = _text("discord.cmd.sora")
    ctx: app_commands.TranslationContextTypes = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.other, None)
    assert await translator.translate(text, discord.Locale.american_english, ctx) is None  # the base text
    french = await translator.translate(text, discord.Locale.french, ctx)
    assert french == t("fr", "discord.cmd.sora")[:100] and french != t("en", "discord.cmd.sora")
    assert await translator.translate(text, discord.Locale.taiwan_chinese, ctx) == t("zh-Hant", "discord.cmd.sora")
    assert await translator.translate(text, discord.Locale.german, ctx) is None  # no German catalogue
    assert await translator.translate(app_commands.locale_str("sora"), discord.Locale.french, ctx) is None
    choice = _text("discord.choice.duration", seconds=15, credits="1.5")
    assert "15" in (await translator.translate(choice, discord.Locale.spain_spanish, ctx) or "")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def test_unexpected_error_gets_a_reference_and_is_logged(tmp_path: Path, fake: FakeDiscord,
                                                               simulator: SimulatorServer,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    async def broken(self: Commands, ctx: object, limit: int = 10) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Commands, "list_jobs", broken)
    world = populate(fake)
    bot = RunningDiscordBot(settings_for(tmp_path, fake), simulator, fake)
    await bot.start()
    try:
        inter = await fake.invoke_slash(world.guild_id, world.channel_id, world.alice, "jobs")
        cb = await fake.wait_for_callback(inter)
    finally:
        await bot.stop()
    data = cb.json["data"]
    assert data["flags"] & FLAG_EPHEMERAL
    match = re.search(r"Sorry, something went wrong on our side\. Nothing was charged\. \(ref (\w+)\)", data["content"])
    assert match is not None
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "sorabot.discord"]
    assert len(logged) == 1 and match.group(1) in logged[0].getMessage() and "/jobs" in logged[0].getMessage()
    assert logged[0].exc_info is not None and "database on fire" in str(logged[0].exc_info[1])

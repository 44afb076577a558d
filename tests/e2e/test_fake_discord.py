"""The real discord.py client against the loopback fake Discord (tests/fakes/discord_server.py)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.discord_server import (
    ATTACH_FILES,
    MANAGE_GUILD,
    VIEW_CHANNEL,
    FakeDiscord,
    FakeGuild,
    point_discord_at,
)

# discord.py imports the stdlib ``audioop`` (voice support), which warns on Python 3.11+; pytest runs
# with warnings as errors, so the import has to be shielded until pyproject filters that warning.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.ext import commands

CLIP = bytes(range(256)) * 4096 + b"tail"  # ~1 MiB, every byte value, odd length


class CancelJobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"job:(?P<job_id>[0-9a-f]+):cancel"):
    """A persistent per-job button; it must work for messages sent before a restart."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            discord.ui.Button(label="Cancel", style=discord.ButtonStyle.danger, custom_id=f"job:{job_id}:cancel")
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelJobButton:
        return cls(match["job_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        interaction.client.events.append(("cancel", self.job_id, interaction.user.id))
        await interaction.response.edit_message(content=f"cancelled {self.job_id}", view=None)


class SoraBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,  # discord.py waits this long after the last GUILD_CREATE
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.events: list[tuple[Any, ...]] = []
        self.errors: list[BaseException] = []
        self.interactions: dict[str, discord.Interaction[Any]] = {}
        self.tree.on_error = self._tree_error  # type: ignore[method-assign]
        self._add_commands()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CancelJobButton)

    async def _tree_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        self.errors.append(error)

    def _add_commands(self) -> None:
        @self.tree.command(name="ping", description="Ping with a clip")
        async def ping(interaction: discord.Interaction[Any]) -> None:
            self.interactions["ping"] = interaction
            await interaction.response.defer(thinking=True)
            view = discord.ui.View(timeout=None)
            view.add_item(CancelJobButton("abc123"))
            await interaction.edit_original_response(content="pong", view=view)
            followup = await interaction.followup.send(
                file=discord.File(io.BytesIO(CLIP), filename="clip.mp4"), wait=True
            )
            original = await interaction.original_response()
            assert interaction.channel is not None
            sent = await interaction.channel.send(  # type: ignore[union-attr]
                f"<@{interaction.user.id}> here it is",
                file=discord.File(io.BytesIO(CLIP), filename="again.mp4"),
                reference=original,
                allowed_mentions=discord.AllowedMentions(users=[interaction.user], replied_user=False),
            )
            self.events.append(("ping", followup.id, sent.id, interaction.filesize_limit))

        @self.tree.command(name="big", description="Upload one byte over the limit")
        async def big(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer()
            oversized = b"\0" * (interaction.filesize_limit + 1)
            try:
                await interaction.channel.send(file=discord.File(io.BytesIO(oversized), filename="big.mp4"))  # type: ignore[union-attr]
            except discord.HTTPException as exc:
                self.events.append(("big", exc.status, exc.code))
                await interaction.edit_original_response(content=f"too big ({exc.code})")

        async def style_autocomplete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            styles = ["cinematic", "anime", "claymation", "documentary", "noir"]
            return [app_commands.Choice(name=s.title(), value=s) for s in styles if current.lower() in s][:25]

        @self.tree.command(name="render", description="Render a video")
        @app_commands.describe(prompt="What to render", style="Look", seconds="Length")
        @app_commands.autocomplete(style=style_autocomplete)
        async def render(
            interaction: discord.Interaction[Any], prompt: str, style: str, seconds: app_commands.Range[int, 4, 20]
        ) -> None:
            self.events.append(("render", prompt, style, seconds))
            await interaction.response.send_message(f"rendering {prompt!r}")

        @self.tree.command(name="config", description="Admin settings")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.checks.has_permissions(manage_guild=True)
        async def config(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("ok", ephemeral=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def _assert_no_logged_errors(caplog: pytest.LogCaptureFixture) -> None:
    """discord.py logs (rather than raises) exceptions in handlers, views and the gateway loop."""
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def _setup_guild(fake: FakeDiscord) -> tuple[FakeGuild, int, int, int]:
    guild = fake.add_guild(name="Sora Fans", premium_tier=0)
    channel = fake.add_text_channel(guild.id, "videos")
    alice = fake.add_member(guild.id, name="alice")
    admin = fake.add_member(guild.id, name="root", permissions=MANAGE_GUILD)
    return guild, channel.id, alice.id, admin.id


async def test_real_discord_py_against_fake(fake: FakeDiscord, caplog: pytest.LogCaptureFixture) -> None:
    guild, channel_id, alice, admin = _setup_guild(fake)
    with point_discord_at(fake):
        bot = SoraBot()

        async def run() -> None:
            async with bot:
                await bot.start(fake.token)

        runner = asyncio.create_task(run())
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 5)
            assert bot.user is not None and bot.user.id == fake.bot_user_id
            dguild = bot.get_guild(guild.id)
            assert dguild is not None and dguild.me is not None
            assert dguild.get_channel(channel_id) is not None

            synced = await bot.tree.sync()
            assert {c.name for c in synced} == {"ping", "big", "render", "config"}
            assert {c["name"] for c in fake.global_commands} == {"ping", "big", "render", "config"}
            config_cmd = next(c for c in fake.global_commands if c["name"] == "config")
            assert config_cmd["default_member_permissions"] == str(MANAGE_GUILD)

            # --- /ping: defer within 3 s, edit, follow-up upload, channel reply waited past a 429
            fault = fake.inject_429("POST /channels/*/messages", retry_after=0.3)
            mark = fake.mark()
            ping = await fake.invoke_slash(guild.id, channel_id, alice, "ping")
            callback = await fake.wait_for_callback(ping)
            assert callback.status == 200 and callback.json == {"type": 5}
            assert ping.response_delay is not None and ping.response_delay < 3.0

            edit = await fake.wait_for_call("PATCH", f"/webhooks/{fake.application_id}/*/messages/@original")
            assert edit.status == 200 and edit.json["content"] == "pong"
            assert edit.json["components"][0]["components"][0]["custom_id"] == "job:abc123:cancel"

            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.application_id}/{ping.token}")
            assert followup.status == 200
            assert [(f.field, f.filename, f.data == CLIP) for f in followup.files] == [("files[0]", "clip.mp4", True)]

            sent = await fake.wait_for_call("POST", f"/channels/{channel_id}/messages", status=200, timeout=5)
            tries = fake.calls("POST", "/channels/*/messages", since=mark)
            assert [r.status for r in tries] == [429, 200]
            assert tries[1].time - tries[0].time >= 0.25 and fault.hits == 1
            assert sent.files[0].data == CLIP and sent.json["message_reference"]["message_id"]

            await asyncio.sleep(0)  # let the command coroutine record its event
            for _ in range(100):
                if any(e[0] == "ping" for e in bot.events):
                    break
                await asyncio.sleep(0.02)
            ping_event = next(e for e in bot.events if e[0] == "ping")
            assert ping_event[3] == 10 * 1024 * 1024  # Interaction.filesize_limit from attachment_size_limit
            original = fake.original_message(ping)
            assert original is not None and original.content == "pong" and not original.loading
            reply = fake.messages[ping_event[2]]
            assert reply.type == 19 and reply.attachment("again.mp4").data == CLIP
            assert reply.pinged_user_ids == {alice}  # the requester only; replied_user=False
            # the bot can download what it uploaded through the fake CDN
            assert await bot.http.get_from_cdn(reply.attachments[0].url) == CLIP

            # --- persistent DynamicItem: a button from a message sent "before the restart"
            old = fake.add_message(channel_id, "job running", components=[
                {"type": 1, "components": [{"type": 2, "style": 4, "label": "Cancel", "custom_id": "job:beef:cancel"}]}
            ])
            click = await fake.click_button(old.id, "job:beef:cancel", alice)
            click_cb = await fake.wait_for_callback(click)
            assert click_cb.status == 200 and click_cb.json["type"] == 7
            assert ("cancel", "beef", alice) in bot.events
            assert fake.messages[old.id].content == "cancelled beef" and fake.messages[old.id].components == []

            # --- autocomplete (in the bot DM: `user`, no guild) and the command itself
            auto = await fake.invoke_autocomplete(None, None, alice, "render", {"prompt": "cat", "style": "an"},
                                                  focused="style")
            choices = await fake.wait_for_autocomplete(auto)
            assert choices == [{"name": "Anime", "value": "anime"}]
            render = await fake.invoke_slash(guild.id, channel_id, alice, "render",
                                             {"prompt": "a cat", "style": "noir", "seconds": 8})
            assert (await fake.wait_for_callback(render)).json["type"] == 4
            assert ("render", "a cat", "noir", 8) in bot.events

            # --- upload over the limit: 413/40005 surfaces as discord.HTTPException(code=40005)
            big = await fake.invoke_slash(guild.id, channel_id, alice, "big")
            await fake.wait_for_callback(big)
            await fake.wait_for_call("POST", f"/channels/{channel_id}/messages", status=413, timeout=5)
            await fake.wait_for_call("PATCH", f"/webhooks/*/{big.token}/messages/@original")
            assert ("big", 413, 40005) in bot.events

            # --- admin command: hidden from non-admins, runtime check holds after an admin override
            with pytest.raises(PermissionError):
                await fake.invoke_slash(guild.id, channel_id, alice, "config")
            denied = await fake.invoke_slash(guild.id, channel_id, alice, "config", respect_default_permissions=False)
            for _ in range(100):
                if bot.errors:
                    break
                await asyncio.sleep(0.02)
            assert isinstance(bot.errors[-1], app_commands.MissingPermissions) and denied.response_type is None
            allowed = await fake.invoke_slash(guild.id, channel_id, admin, "config")
            assert (await fake.wait_for_callback(allowed)).json["data"]["flags"] == 64

            # --- missing permission in a channel and an expired interaction token
            fake.deny_bot(channel_id, ATTACH_FILES)
            with pytest.raises(discord.Forbidden) as forbidden:
                await bot.get_channel(channel_id).send(file=discord.File(io.BytesIO(b"x"), "x.bin"))  # type: ignore[union-attr]
            assert forbidden.value.code == 50013
            fake.age_interaction(ping, 16 * 60)
            with pytest.raises(discord.HTTPException) as expired:
                await bot.interactions["ping"].followup.send("too late")
            assert expired.value.status == 401 and expired.value.code == 50027

            assert fake.unknown_routes == [] and fake.server_errors == []
            assert fake.heartbeats >= 1
        finally:
            await bot.close()
            await asyncio.wait_for(runner, 5)
    _assert_no_logged_errors(caplog)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text")

    def __init__(self, sink: list[tuple[Any, ...]]) -> None:
        super().__init__(custom_id="feedback:modal", timeout=None)
        self.sink = sink

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        self.sink.append(("modal", self.text.value))
        await interaction.response.send_message("thanks")


class ExtraBot(SoraBot):
    def _add_commands(self) -> None:
        @self.tree.command(name="feedback", description="Send feedback")
        async def feedback(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_modal(FeedbackModal(self.events))

        @self.tree.command(name="upload", description="Use a reference image")
        async def upload(interaction: discord.Interaction[Any], image: discord.Attachment) -> None:
            data = await image.read()
            self.events.append(("upload", image.filename, data))
            await interaction.response.send_message(f"got {len(data)} bytes")

        @self.tree.command(name="whoami", description="Who am I")
        async def whoami(interaction: discord.Interaction[Any]) -> None:
            self.events.append(("whoami", interaction.guild_id, interaction.user.id, type(interaction.user).__name__))
            await interaction.response.send_message("you")

    async def on_message(self, message: discord.Message) -> None:
        self.events.append(("message", message.author.id, message.content))


async def test_modal_attachment_dm_resume_and_nonce(fake: FakeDiscord, caplog: pytest.LogCaptureFixture) -> None:
    guild, channel_id, alice, _ = _setup_guild(fake)
    with point_discord_at(fake):
        bot = ExtraBot()

        async def run() -> None:
            async with bot:
                await bot.start(fake.token)

        runner = asyncio.create_task(run())

        async def until(pred: Any) -> None:
            for _ in range(200):
                if pred():
                    return
                await asyncio.sleep(0.01)
            raise AssertionError(f"condition not met; events={bot.events}")

        try:
            await asyncio.wait_for(bot.wait_until_ready(), 5)
            await bot.tree.sync()

            # modal round trip
            fb = await fake.invoke_slash(guild.id, channel_id, alice, "feedback")
            assert (await fake.wait_for_callback(fb)).json["type"] == 9
            sub = await fake.submit_modal("feedback:modal", {"feedback:text": "more cats"}, alice)
            assert (await fake.wait_for_callback(sub)).json["type"] == 4
            assert ("modal", "more cats") in bot.events

            # attachment option: the bot downloads it from the fake CDN
            png = b"\x89PNG\r\n\x1a\n" + bytes(1000)
            att = fake.send_attachment("ref.png", png)
            up = await fake.invoke_slash(guild.id, channel_id, alice, "upload", {"image": att})
            await fake.wait_for_callback(up)
            assert ("upload", "ref.png", png) in bot.events

            # DM interaction: `user` instead of `member`, no guild
            dm = await fake.invoke_slash(None, None, alice, "whoami")
            await fake.wait_for_callback(dm)
            assert ("whoami", None, alice, "User") in bot.events

            # message events: no MESSAGE_CONTENT intent blanks content unless the bot is mentioned
            await fake.user_message(channel_id, alice, "hello there")
            await fake.user_message(channel_id, alice, f"<@{fake.bot_user_id}> hi")
            await until(lambda: ("message", alice, f"<@{fake.bot_user_id}> hi") in bot.events)
            assert ("message", alice, "") in bot.events

            # nonce + enforce_nonce: a retried send does not duplicate the message
            channel = bot.get_channel(channel_id)
            first = await channel.send("status", nonce=424242)  # type: ignore[union-attr]
            second = await channel.send("status", nonce=424242)  # type: ignore[union-attr]
            assert first.id == second.id
            assert [m.content for m in fake.channel_messages(channel_id)].count("status") == 1
            fetched = await channel.fetch_message(first.id)  # type: ignore[union-attr]
            assert fetched.content == "status"

            # gateway RECONNECT -> discord.py RESUMEs and keeps receiving interactions
            await fake.request_reconnect()
            await until(lambda: fake.resumes == 1 and fake.connected_sessions)
            again = await fake.invoke_slash(guild.id, channel_id, alice, "whoami")
            await fake.wait_for_callback(again)
            assert fake.identifies == 1

            assert fake.unknown_routes == [] and fake.server_errors == []
        finally:
            await bot.close()
            await asyncio.wait_for(runner, 5)
    _assert_no_logged_errors(caplog)


async def test_error_shapes_without_a_client(fake: FakeDiscord) -> None:
    """Discord's error answers, checked with a bare aiohttp client (no gateway needed)."""
    import aiohttp

    guild, channel_id, _, _ = _setup_guild(fake)
    auth = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 0
        async with http.get(f"{fake.api_base}/nope/1", headers=auth) as resp:
            assert resp.status == 404 and resp.headers["Content-Type"] == "application/json"
        assert [r.path for r in fake.unknown_routes] == ["/nope/1"]

        fake.inject_status("POST /channels/*/messages", 500, 0, count=1)
        fake.inject_429("/channels/*/messages", retry_after=1.5, global_=True)
        url = f"{fake.api_base}/channels/{channel_id}/messages"
        async with http.post(url, json={"content": "hi"}, headers=auth) as resp:
            assert resp.status == 500
        async with http.post(url, json={"content": "hi"}, headers=auth) as resp:
            body = await resp.json()
            assert resp.status == 429 and body["global"] is True and body["retry_after"] == 1.5
            assert resp.headers["Retry-After"] == "2" and resp.headers["X-RateLimit-Global"] == "true"
            assert resp.headers["Via"]
        async with http.post(url, json={}, headers=auth) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50006
        async with http.post(url, json={"content": "x" * 2001}, headers=auth) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        fake.set_upload_limit(guild.id, 100)
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", '{"attachments": [{"id": 0, "filename": "a.bin"}]}')
        form.add_field("files[0]", b"y" * 101, filename="a.bin", content_type="application/octet-stream")
        async with http.post(url, data=form, headers=auth) as resp:
            assert resp.status == 413 and (await resp.json()) == {"message": "Request entity too large", "code": 40005}
        fake.deny_bot(channel_id, VIEW_CHANNEL)
        async with http.post(url, json={"content": "hi"}, headers=auth) as resp:
            assert resp.status == 403 and (await resp.json())["code"] == 50001

    # interactions need a gateway to be delivered, but the REST side can be exercised directly
    inter = fake._base_interaction(2, guild.id, channel_id, fake.owner_user_id, {"id": "1", "name": "x", "type": 1})
    cb = f"{fake.api_base}/interactions/{inter.id}/{inter.token}/callback"
    hook = f"{fake.api_base}/webhooks/{fake.application_id}/{inter.token}"
    async with aiohttp.ClientSession() as http:
        async with http.patch(f"{hook}/messages/@original", json={"content": "early"}) as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10008
        async with http.post(cb, json={"type": 4, "data": {"content": "hi"}}) as resp:
            assert resp.status == 204
        async with http.post(cb, json={"type": 5}) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 40060
        fake.interaction_token_lifetime = 2.0
        fake.age_interaction(inter, 2.5)
        async with http.post(hook, json={"content": "late"}) as resp:
            assert resp.status == 401
            assert await resp.json() == {"message": "Invalid Webhook Token", "code": 50027}
        late = fake._base_interaction(2, guild.id, channel_id, fake.owner_user_id, {"id": "1", "name": "x", "type": 1})
        fake.age_interaction(late, 3.5)
        async with http.post(f"{fake.api_base}/interactions/{late.id}/{late.token}/callback", json={"type": 5}) as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10062
    assert fake.server_errors == []

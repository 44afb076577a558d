"""The Discord adapter: a discord.py client whose slash commands, buttons and modals call the core.

``sorabot run`` constructs :class:`DiscordAdapter` with the core and awaits :meth:`~DiscordAdapter.start`
(point discord.py at the configured REST and gateway URLs, log in, sync the command tree, connect,
register the outbound port) and, on SIGTERM, :meth:`~DiscordAdapter.stop`. The client runs in the
shared event loop (``async with client: await client.start(token)`` in a task).

The adapter holds no rule: it turns an interaction into a :class:`~bot.context.Context` (who, where,
the Manage Server permission and role ids as facts) and shows the core's :class:`~bot.commands.Reply`.
The only Discord-side check is whether the bot itself can post in the channel (a platform fact).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.commands import Reply
from bot.context import Actor, Context, Scope
from bot.errors import UserError
from bot.i18n import normalise_locale

from .errors import DEFERRED, handle_error, require_channel_permissions
from .port import NONE, DiscordPort, clip
from .views import (
    DESCRIPTION_FIELD,
    MODAL_RE,
    NAME_FIELD,
    NO_SIZE,
    PROMPT_FIELD,
    SCENES_FIELD,
    JobButton,
    buttons_view,
    modal_values,
    remix_modal,
    save_modal,
    view_kwargs,
)

if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger("sorabot.discord")


def split_text(text: str, limit: int = 2000) -> list[str]:
    """Cut a long reply into messages Discord accepts, on line boundaries where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines() or [""]:
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    chunks.append(current)
    return [c for c in chunks if c.strip()] or ["…"]


class SoraClient(discord.AutoShardedClient):
    """discord.py client: shards automatically, keeps no message cache, never pings by default."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice: nothing to warn about
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles in the cache (permissions, role names, boost tier)
        super().__init__(intents=intents, allowed_mentions=NONE, max_messages=None, chunk_guilds_at_startup=False,
                         guild_ready_timeout=adapter.guild_ready_timeout)
        self.adapter = adapter
        self.tree: app_commands.CommandTree[SoraClient] = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.ready = asyncio.Event()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(JobButton)  # persistent buttons: work for messages sent before a restart
        gateway = self.adapter.settings.discord.gateway_url
        if gateway and self.shard_count is None:
            # a configured gateway: take only the shard count from the REST API, connect to ours
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        from .commands import CatalogueTranslator

        await self.tree.set_translator(CatalogueTranslator())
        await self.adapter.sync_commands()

    async def on_ready(self) -> None:
        self.ready.set()
        log.info("Discord: logged in as %s (%s) in %d server(s)", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            data: dict[str, Any] = dict(interaction.data or {})
            match = MODAL_RE.fullmatch(str(data.get("custom_id", "")))
            if match is not None:
                values = modal_values(data.get("components") or [])
                await self.adapter.on_modal(interaction, match["action"], match["job_id"], values)

    async def _on_tree_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        await handle_error(interaction, error)


class DiscordAdapter:
    ready_timeout = 60.0  # seconds start() waits for the gateway before going on without it
    guild_ready_timeout = 0.5  # discord.py waits this long after the last GUILD_CREATE before READY
    drain_timeout = 10.0  # seconds stop() lets interactions in progress finish

    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings
        self.commands = core.commands
        self.client: SoraClient | None = None
        self.port: DiscordPort | None = None
        self._task: asyncio.Task[None] | None = None
        self._saved_urls: tuple[str, yarl.URL] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.settings.discord
        if cfg.token is None:
            raise RuntimeError("Discord adapter needs SORABOT_DISCORD__TOKEN")
        self._point_at(cfg.api_base, cfg.gateway_url)
        from .commands import build_tree

        self.client = client = SoraClient(self)
        build_tree(self, client.tree)
        self.port = DiscordPort(client, self.core.clock)
        self.core.runner.register_port(self.port)
        self._task = asyncio.create_task(self._run(cfg.token.get_secret_value()), name="sorabot-discord")
        ready = asyncio.create_task(client.ready.wait())
        try:
            done, _ = await asyncio.wait({self._task, ready}, timeout=self.ready_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task in done:
            exc = self._task.exception()
            self._restore_urls()
            if isinstance(exc, discord.LoginFailure):
                raise RuntimeError("Discord refused the bot token (check SORABOT_DISCORD__TOKEN)") from exc
            raise RuntimeError(f"Discord client stopped during start-up: {exc!r}") from exc
        if ready not in done:
            log.warning("Discord gateway not ready after %.0f s; continuing (it keeps reconnecting)",
                        self.ready_timeout)
        self._task.add_done_callback(self._client_ended)

    def _client_ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping or task.cancelled():
            return
        log.critical("the Discord client stopped unexpectedly (%r): no Discord events reach sorabot until it is "
                     "restarted", task.exception())

    async def _run(self, token: str) -> None:
        assert self.client is not None
        async with self.client:
            await self.client.start(token, reconnect=True)

    async def stop(self) -> None:
        # Stop the pipeline before the client closes, so that no job is half-way through an upload
        # on a closed connection (that would end it as failed); every job resumes at the next start.
        self._stopping = True
        await self.core.runner.stop()
        await self._drain()
        try:
            if self.client is not None:
                await self.client.close()
            if self._task is not None:
                try:
                    await asyncio.wait_for(self._task, 10)
                except Exception:
                    log.exception("Discord client ended with an error")
        finally:
            self._task = None
            self._restore_urls()

    async def _drain(self) -> None:
        """Let interactions being answered finish (briefly) before the client and the core close."""
        pending = {task for task in self._inflight if not task.done()}
        if not pending:
            return
        _done, late = await asyncio.wait(pending, timeout=self.drain_timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def _point_at(self, api_base: str, gateway_url: str | None) -> None:
        """discord.py has no per-client base URLs: set the class attributes every REST route
        (bot routes, interaction callbacks, webhook edits and follow-ups) and the gateway use."""
        self._saved_urls = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = api_base.rstrip("/")
        if gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def _restore_urls(self) -> None:
        if self._saved_urls is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved_urls
            self._saved_urls = None

    async def sync_commands(self) -> None:
        assert self.client is not None
        tree = self.client.tree
        guild_ids = self.settings.discord.dev_guild_ids
        if not guild_ids:
            synced = await tree.sync()
            log.info("Discord: synced %d global command(s)", len(synced))
            return
        for gid in guild_ids:  # development servers get the commands at once (global sync can take an hour)
            guild = discord.Object(gid)
            tree.copy_global_to(guild=guild)
            try:
                synced = await tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.warning("Discord: could not sync commands to development server %s: %s %s", gid, exc.status,
                            exc.text)
                continue
            log.info("Discord: synced %d command(s) to development server %s", len(synced), gid)

    # --- who and where ------------------------------------------------------------------------
    def locale(self, interaction: discord.Interaction[Any]) -> str:
        return normalise_locale(str(interaction.locale))

    def context(self, interaction: discord.Interaction[Any]) -> Context:
        user = interaction.user
        if interaction.guild_id is not None:
            guild = interaction.guild
            scope = Scope(id=f"discord:guild:{interaction.guild_id}", platform="discord", kind="server",
                          title=getattr(guild, "name", "") or "")
            perms = interaction.permissions
            # the member's role ids as Discord sent them (``Member.roles`` drops roles missing from the cache)
            role_ids = {int(r) for r in getattr(user, "_roles", ())} | {r.id for r in getattr(user, "roles", [])}
            role_ids.discard(interaction.guild_id)  # @everyone
            roles = tuple(str(r) for r in sorted(role_ids))
            actor = Actor(id=f"discord:{user.id}", name=user.display_name,
                          platform_admin=perms.manage_guild or perms.administrator, role_ids=roles)
        else:
            scope = Scope(id=f"discord:dm:{user.id}", platform="discord", kind="dm", title=user.name)
            actor = Actor(id=f"discord:{user.id}", name=user.display_name)
        destination = {
            "channel_id": str(interaction.channel_id) if interaction.channel_id else None,
            "guild_id": str(interaction.guild_id) if interaction.guild_id else None,
            "user_id": str(user.id),
            "application_id": str(interaction.application_id),
            "interaction_id": str(interaction.id),
            "token": interaction.token,
            "token_issued_at": self.core.clock().isoformat(),
            "upload_limit": interaction.filesize_limit,
        }
        return Context(scope=scope, actor=actor, locale=self.locale(interaction), destination=destination)

    # --- answering ----------------------------------------------------------------------------
    async def run(self, interaction: discord.Interaction[Any],
                  handler: Callable[[], Awaitable[None]]) -> None:
        """Run one interaction handler; any failure goes to the single error handler."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await handler()
        except Exception as exc:
            await handle_error(interaction, exc)
        finally:
            self._inflight.discard(task)  # type: ignore[arg-type]

    async def defer(self, interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
        if interaction.response.is_done():
            return
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        interaction.extras[DEFERRED] = "ephemeral" if ephemeral else "public"

    async def answer(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Show a core reply (ephemeral when the core says so), split if it is long."""
        chunks = split_text(reply.text)
        eph = reply.ephemeral
        first, rest = chunks[0], chunks[1:]
        deferred = interaction.extras.get(DEFERRED)
        if not interaction.response.is_done():
            await interaction.response.send_message(first, ephemeral=eph, allowed_mentions=NONE)
        elif deferred == "public" and eph:
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                pass
            await interaction.followup.send(first, ephemeral=True, allowed_mentions=NONE)
        else:
            await interaction.edit_original_response(content=first, allowed_mentions=NONE)
            eph = eph or deferred == "ephemeral"
        for chunk in rest:
            await interaction.followup.send(chunk, ephemeral=eph, allowed_mentions=NONE)

    async def quick(self, interaction: discord.Interaction[Any],
                    call: Callable[[Context], Awaitable[Reply] | Reply]) -> None:
        """A command answered straight from the core (a quick database read or write)."""
        async def handler() -> None:
            result = call(self.context(interaction))
            reply = await result if isinstance(result, Awaitable) else result
            await self.answer(interaction, reply)
        await self.run(interaction, handler)

    async def slow(self, interaction: discord.Interaction[Any], call: Callable[[Context], Awaitable[Reply]]) -> None:
        """A command that may take longer than Discord's 3 s: defer publicly, then answer."""
        async def handler() -> None:
            ctx = self.context(interaction)
            await self.defer(interaction, ephemeral=False)
            await self.answer(interaction, await call(ctx))
        await self.run(interaction, handler)

    async def start_job(self, interaction: discord.Interaction[Any],
                        call: Callable[[Context], Awaitable[Reply]]) -> None:
        """/sora, Again, Remix: defer at once (publicly), let the core accept the job, post its
        status as the interaction's response and tell the pipeline where that message is."""
        async def handler() -> None:
            require_channel_permissions(interaction, self.locale(interaction))
            await self.defer(interaction, ephemeral=False)
            ctx = self.context(interaction)
            assert self.port is not None
            async with self.port.posting(ctx.destination["interaction_id"]):
                reply = await call(ctx)
                if reply.job_id is None:
                    await self.answer(interaction, reply)
                    return
                await self._post_status(interaction, reply)
        await self.run(interaction, handler)

    async def _post_status(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        assert reply.job_id is not None
        text = clip(reply.text)
        msg: discord.Message
        try:
            msg = await interaction.edit_original_response(content=text, view=buttons_view(reply.buttons),
                                                           allowed_mentions=NONE)
        except discord.HTTPException as exc:
            # The job is accepted (credits held): never show "nothing was charged". Post the status
            # through the channel instead; failing that the pipeline posts it at its next update.
            log.warning("job %s: could not post the status as the interaction response (%s %s); using the channel",
                        reply.job_id, exc.status, exc.code)
            channel = interaction.channel
            if not isinstance(channel, discord.abc.Messageable):
                return
            try:
                msg = await channel.send(text, allowed_mentions=NONE, **view_kwargs(reply.buttons))
            except discord.HTTPException:
                log.warning("job %s: could not post the status in channel %s either", reply.job_id,
                            interaction.channel_id)
                return
        interaction.extras[DEFERRED] = "posted"  # the response is the job's status now: never delete it
        ref = {"message_id": str(msg.id), "channel_id": str(msg.channel.id)}
        assert self.port is not None
        self.port.status_posted(reply.job_id, ref)
        await self.core.runner.attach_status(reply.job_id, ref)

    # --- buttons and modals -------------------------------------------------------------------
    async def on_button(self, interaction: discord.Interaction[Any], action: str, job_id: str) -> None:
        if action == "cancel":
            async def cancel() -> None:
                ctx = self.context(interaction)
                await self.defer(interaction, ephemeral=True)
                await self.answer(interaction, await self.commands.cancel(ctx, job_id))
            await self.run(interaction, cancel)
        elif action == "again":
            await self.start_job(interaction, lambda ctx: self.commands.again(ctx, job_id))
        elif action == "remix":
            async def remix() -> None:
                ctx = self.context(interaction)
                job = await self.commands.job_for(ctx, job_id)  # one quick query: the modal must open within 3 s
                await interaction.response.send_modal(remix_modal(ctx.locale, job.id, job.prompt,
                                                                  self.settings.limits.prompt_max_chars))
            await self.run(interaction, remix)
        elif action == "save":
            async def save() -> None:
                ctx = self.context(interaction)
                job = await self.commands.job_for(ctx, job_id)
                await interaction.response.send_modal(save_modal(ctx.locale, job.id))
            await self.run(interaction, save)
        else:  # an old or foreign button
            await self.run(interaction, self._unknown_action)

    async def _unknown_action(self) -> None:
        raise UserError("discord.unknown_button")

    async def on_modal(self, interaction: discord.Interaction[Any], action: str, job_id: str,
                       values: dict[str, str]) -> None:
        if action == "remix":
            prompt = values.get(PROMPT_FIELD, "")
            await self.start_job(interaction, lambda ctx: self.commands.remix(ctx, job_id, prompt))
        elif action == "storyboard":
            scenes = values.get(SCENES_FIELD, "")
            size = None if job_id == NO_SIZE else job_id
            await self.start_job(interaction, lambda ctx: self.commands.sora_storyboard(ctx, scenes, size))
        elif action == "save":
            name = values.get(NAME_FIELD, "").strip().lstrip("@")
            description = values.get(DESCRIPTION_FIELD, "")
            await self.slow(interaction,
                            lambda ctx: self.commands.character_add_from_job(ctx, name, job_id, description))

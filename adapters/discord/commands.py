"""The slash-command tree: typed options, autocomplete and permissions, each calling the core.

Layout (Discord allows permissions and contexts on top-level commands only, so a group is either
all-admin or not):

- ``/sora prompt [duration] [size]`` · ``/jobs`` · ``/credits`` · ``/help`` — everyone, servers and DMs.
- ``/character add|list|info|remove`` — everyone (the core decides who may remove what).
- ``/snapshot list|show|pin|unpin|canary|rollback|history`` — admins: ``default_permissions(manage_guild)``
  hides it from members (a hint server admins can change), and the core refuses members at run time.
  In a DM it acts on the user's personal scope.
- ``/quota set|role|default|period|usage`` — admins, and server only (members and roles of a server).

Texts (descriptions, choice labels) come from the message catalogue; autocomplete answers from the
core within Discord's 3 s with at most 25 choices.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.views import storyboard_modal
from bot.commands import Choice, Reply
from bot.context import Context
from bot.credits import cost_tenths, format_credits
from bot.errors import UserError
from bot.i18n import normalise_locale, t
from bot.jobs.model import JobState
from bot.jobs.status import cut

if TYPE_CHECKING:
    from adapters.discord.bot import DiscordAdapter, SoraClient

log = logging.getLogger("sorabot.discord")

AUTOCOMPLETE_BUDGET = 2.5  # seconds: Discord drops an autocomplete answer after 3 s
ADMIN = discord.Permissions(manage_guild=True)


def _everywhere(func: Any) -> Any:
    """Usable in servers and in the bot's DMs (personal scope); installed to servers only."""
    func = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)(func)
    return app_commands.allowed_installs(guilds=True, users=False)(func)


def _contexts(*, dms: bool) -> app_commands.AppCommandContext:
    return app_commands.AppCommandContext(guild=True, dm_channel=dms, private_channel=False)


def _installs() -> app_commands.AppInstallationType:
    return app_commands.AppInstallationType(guild=True, user=False)


def _d(key: str) -> app_commands.locale_str:
    """A description (Discord allows 1–100 characters), localised by :class:`CatalogueTranslator`."""
    return _text(f"discord.{key}")


def _text(key: str, **params: Any) -> app_commands.locale_str:
    return app_commands.locale_str(t("en", key, **params)[:100], key=key, params=params)


class CatalogueTranslator(app_commands.Translator):
    """Command, option and choice texts in every locale the message catalogue has them for.

    Discord shows these localisations to users whose client uses that locale; English is the
    base text. A locale without its own text for a key gets no localisation (English shows)."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        ours = normalise_locale(locale.value)
        if not key or ours == "en":
            return None
        params = string.extras.get("params") or {}
        text = t(ours, key, **params)
        return text[:100] if text != t("en", key, **params) else None


def duration_choices(adapter: DiscordAdapter) -> list[app_commands.Choice[int]]:
    seconds = sorted({d for s in adapter.core.catalogue.snapshots for d in s.durations})
    out = []
    for sec in seconds[:25]:
        credits = format_credits(cost_tenths(sec))
        key = "discord.choice.duration_one" if credits == "1" else "discord.choice.duration"
        out.append(app_commands.Choice(name=_text(key, seconds=sec, credits=credits), value=sec))
    return out


def _choices(items: list[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name[:100], value=c.value[:100]) for c in items[:25]]


def build_tree(adapter: DiscordAdapter, tree: app_commands.CommandTree[SoraClient]) -> None:
    core = adapter.commands

    # --- autocomplete -------------------------------------------------------------------------
    async def snapshot_autocomplete(interaction: discord.Interaction[Any], current: str
                                    ) -> list[app_commands.Choice[str]]:
        return _choices(core.snapshot_choices(current))

    async def character_autocomplete(interaction: discord.Interaction[Any], current: str
                                     ) -> list[app_commands.Choice[str]]:
        try:
            found = await asyncio.wait_for(core.character_choices(adapter.context(interaction), current),
                                           AUTOCOMPLETE_BUDGET)
        except Exception:
            log.warning("character autocomplete failed or was too slow", exc_info=True)
            return []
        return _choices(found)

    async def job_autocomplete(interaction: discord.Interaction[Any], current: str
                               ) -> list[app_commands.Choice[str]]:
        """The user's own recent delivered jobs here (a character can be made from their video)."""
        ctx = adapter.context(interaction)
        try:
            recent = await asyncio.wait_for(adapter.core.jobs.recent(ctx.scope.id, ctx.actor.id, 25),
                                            AUTOCOMPLETE_BUDGET)
        except Exception:
            log.warning("job autocomplete failed or was too slow", exc_info=True)
            return []
        needle = current.strip().lower()
        return [app_commands.Choice(name=f"{j.id} — {cut(j.prompt, 70)}"[:100], value=j.id) for j in recent
                if j.state == JobState.DELIVERED and (needle in j.id or needle in j.prompt.lower())][:25]

    # --- /sora, /jobs, /credits, /help --------------------------------------------------------
    @tree.command(name="sora", description=_d("cmd.sora"))
    @_everywhere
    @app_commands.describe(prompt=_d("opt.prompt"), duration=_d("opt.duration"), size=_d("opt.size"))
    @app_commands.choices(duration=duration_choices(adapter))
    @app_commands.choices(size=[app_commands.Choice(name=_text("discord.choice.landscape"), value="landscape"),
                                app_commands.Choice(name=_text("discord.choice.portrait"), value="portrait")])
    async def sora(interaction: discord.Interaction[Any], prompt: str, duration: int | None = None,
                   size: str | None = None) -> None:
        await adapter.start_job(interaction, lambda ctx: core.sora(ctx, prompt, duration, size))

    @tree.command(name="storyboard", description=_d("cmd.storyboard"))
    @_everywhere
    @app_commands.describe(size=_d("opt.size"))
    @app_commands.choices(size=[
        app_commands.Choice(name=_text("discord.choice.landscape"), value="landscape"),
        app_commands.Choice(name=_text("discord.choice.portrait"), value="portrait"),
    ])
    async def storyboard(interaction: discord.Interaction[Any], size: str | None = None) -> None:
        """A modal with one scene per line; its submission is routed like the other modals."""
        async def open_modal() -> None:
            await interaction.response.send_modal(storyboard_modal(adapter.locale(interaction), size,
                                                                   adapter.settings.limits.prompt_max_chars))
        await adapter.run(interaction, open_modal)

    @tree.command(name="jobs", description=_d("cmd.jobs"))
    @_everywhere
    async def jobs(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.list_jobs)

    @tree.command(name="credits", description=_d("cmd.credits"))
    @_everywhere
    async def credits(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.quota_me)

    @tree.command(name="help", description=_d("cmd.help"))
    @_everywhere
    async def help_(interaction: discord.Interaction[Any]) -> None:
        def discord_help(ctx: Context) -> Reply:
            text = t(ctx.locale, "discord.help.member")
            if adapter.core.auth.is_admin(ctx):  # the core's decision, asked, not re-made
                text += "\n\n" + t(ctx.locale, "discord.help.admin")
            return Reply(text, ephemeral=True)
        await adapter.quick(interaction, discord_help)

    # --- /snapshot (admin) --------------------------------------------------------------------
    snapshot = app_commands.Group(name="snapshot", description=_d("grp.snapshot"), default_permissions=ADMIN,
                                  allowed_contexts=_contexts(dms=True), allowed_installs=_installs())

    @snapshot.command(name="list", description=_d("cmd.snapshot_list"))
    async def snapshot_list(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.snapshot_list)

    @snapshot.command(name="show", description=_d("cmd.snapshot_show"))
    async def snapshot_show(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.snapshot_show)

    @snapshot.command(name="pin", description=_d("cmd.snapshot_pin"))
    @app_commands.rename(snapshot_id="id")
    @app_commands.describe(snapshot_id=_d("opt.snapshot_id"))
    @app_commands.autocomplete(snapshot_id=snapshot_autocomplete)
    async def snapshot_pin(interaction: discord.Interaction[Any], snapshot_id: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.snapshot_pin(ctx, snapshot_id))

    @snapshot.command(name="unpin", description=_d("cmd.snapshot_unpin"))
    async def snapshot_unpin(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.snapshot_unpin)

    @snapshot.command(name="canary", description=_d("cmd.snapshot_canary"))
    @app_commands.rename(snapshot_id="id")
    @app_commands.describe(snapshot_id=_d("opt.snapshot_id"), percent=_d("opt.percent"))
    @app_commands.autocomplete(snapshot_id=snapshot_autocomplete)
    async def snapshot_canary(interaction: discord.Interaction[Any], snapshot_id: str,
                              percent: app_commands.Range[int, 0, 100]) -> None:
        await adapter.quick(interaction, lambda ctx: core.snapshot_canary(ctx, snapshot_id, str(percent)))

    @snapshot.command(name="rollback", description=_d("cmd.snapshot_rollback"))
    async def snapshot_rollback(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.snapshot_rollback)

    @snapshot.command(name="history", description=_d("cmd.snapshot_history"))
    async def snapshot_history(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.snapshot_history)

    tree.add_command(snapshot)

    # --- /quota (admin, server only) ----------------------------------------------------------
    quota = app_commands.Group(name="quota", description=_d("grp.quota"), default_permissions=ADMIN,
                               guild_only=True, allowed_contexts=_contexts(dms=False), allowed_installs=_installs())

    @quota.command(name="set", description=_d("cmd.quota_set"))
    @app_commands.describe(member=_d("opt.member"), amount=_d("opt.amount_member"))
    async def quota_set(interaction: discord.Interaction[Any], member: discord.Member, amount: str) -> None:
        await adapter.quick(interaction,
                            lambda ctx: core.quota_set(ctx, f"discord:{member.id}", member.display_name, amount))

    @quota.command(name="role", description=_d("cmd.quota_role"))
    @app_commands.describe(role=_d("opt.role"), amount=_d("opt.amount"))
    async def quota_role(interaction: discord.Interaction[Any], role: discord.Role, amount: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.quota_role(ctx, str(role.id), role.name, amount))

    @quota.command(name="default", description=_d("cmd.quota_default"))
    @app_commands.describe(amount=_d("opt.amount"))
    async def quota_default(interaction: discord.Interaction[Any], amount: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.quota_default(ctx, amount))

    @quota.command(name="period", description=_d("cmd.quota_period"))
    @app_commands.describe(period=_d("opt.period"))
    @app_commands.choices(period=[app_commands.Choice(name=_text(f"period.{p}"), value=p)
                                  for p in ("day", "week", "month")])
    async def quota_period(interaction: discord.Interaction[Any], period: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.quota_period(ctx, period))

    @quota.command(name="usage", description=_d("cmd.quota_usage"))
    async def quota_usage(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.quota_usage)

    tree.add_command(quota)

    # --- /provider (admin): video providers' health and this server's routing priority ----------
    provider = app_commands.Group(name="provider", description=_d("grp.provider"), default_permissions=ADMIN,
                                  allowed_contexts=_contexts(dms=True), allowed_installs=_installs())

    @provider.command(name="status", description=_d("cmd.provider_status"))
    async def provider_status(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.provider_status)

    @provider.command(name="priority", description=_d("cmd.provider_priority"))
    @app_commands.describe(priority=_d("opt.priority"))
    @app_commands.choices(priority=[app_commands.Choice(name=_text(f"provider.priority_{p}"), value=p)
                                    for p in ("cost", "stability")])
    async def provider_priority(interaction: discord.Interaction[Any], priority: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.provider_priority(ctx, priority))

    tree.add_command(provider)

    # --- /character ---------------------------------------------------------------------------
    character = app_commands.Group(name="character", description=_d("grp.character"),
                                   allowed_contexts=_contexts(dms=True), allowed_installs=_installs())

    @character.command(name="add", description=_d("cmd.character_add"))
    @app_commands.describe(name=_d("opt.character_name"), video=_d("opt.video"), url=_d("opt.url"),
                           from_job=_d("opt.from_job"), description=_d("opt.description"))
    @app_commands.autocomplete(from_job=job_autocomplete)
    async def character_add(interaction: discord.Interaction[Any], name: str,
                            video: discord.Attachment | None = None, url: str | None = None,
                            from_job: str | None = None, description: str | None = None) -> None:
        async def add(ctx: Context) -> Reply:
            desc = description or ""
            if video is not None:
                return await _add_from_attachment(adapter, ctx, name, video, desc)
            if url:
                return await core.character_add_url(ctx, name, url, desc)
            assert from_job is not None
            return await core.character_add_from_job(ctx, name, from_job, desc)

        sources = sum(1 for s in (video, url, from_job) if s)
        if sources != 1:
            key = "character.need_source" if sources == 0 else "discord.character_one_source"
            await adapter.quick(interaction, lambda ctx: _refuse(key))
            return
        await adapter.slow(interaction, add)

    @character.command(name="list", description=_d("cmd.character_list"))
    async def character_list(interaction: discord.Interaction[Any]) -> None:
        await adapter.quick(interaction, core.character_list)

    @character.command(name="info", description=_d("cmd.character_info"))
    @app_commands.describe(name=_d("opt.character_pick"))
    @app_commands.autocomplete(name=character_autocomplete)
    async def character_info(interaction: discord.Interaction[Any], name: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.character_info(ctx, name))

    @character.command(name="remove", description=_d("cmd.character_remove"))
    @app_commands.describe(name=_d("opt.character_pick"))
    @app_commands.autocomplete(name=character_autocomplete)
    async def character_remove(interaction: discord.Interaction[Any], name: str) -> None:
        await adapter.quick(interaction, lambda ctx: core.character_remove(ctx, name))

    tree.add_command(character)


def _refuse(key: str) -> Reply:
    raise UserError(key)


async def _add_from_attachment(adapter: DiscordAdapter, ctx: Context, name: str, video: discord.Attachment,
                               description: str) -> Reply:
    limit = adapter.settings.limits.character_max_bytes
    if video.size > limit:
        raise UserError("discord.attachment_too_large", size_mb=f"{video.size / 1_048_576:.1f}",
                        limit_mb=f"{limit / 1_048_576:.0f}")
    if video.content_type and not video.content_type.startswith("video/"):
        raise UserError("character.not_a_video")
    media_dir = Path(adapter.settings.storage.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="discord-upload-", dir=media_dir) as tmp:
        path = Path(tmp) / "video"
        await video.save(path)
        # The attachment's CDN link carries no bot secret: a task gateway may fetch the video from it.
        return await adapter.commands.character_add_file(ctx, name, path, description, share_url=video.url)

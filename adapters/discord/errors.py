"""The Discord adapter's one error handler, and the channel-permission check before a job.

A refusal (:class:`bot.errors.UserError`) is shown to the user, ephemeral, in their locale. Anything
else is logged with its traceback under a short reference and the user gets the catalogue's
generic apology with that reference. Whatever state the interaction is in (not answered yet,
deferred publicly, deferred ephemerally) the message ends up ephemeral, and a public "thinking…"
placeholder is removed.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import normalise_locale, t

log = logging.getLogger("sorabot.discord")

DEFERRED = "sorabot_deferred"  # interaction.extras key: "public" | "ephemeral" | "posted" (a job's status)


class MissingChannelPermissions(UserError):
    """The bot cannot post a job's messages in this channel (checked before any credit is held)."""


def missing_permissions(interaction: discord.Interaction[Any]) -> list[str]:
    """The permissions the bot lacks to post a status and a video reply here (catalogue keys)."""
    perms = interaction.app_permissions
    channel = interaction.channel
    in_thread = isinstance(channel, discord.Thread) or getattr(channel, "type", None) in (
        discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
    needed = [("view_channel", perms.view_channel),
              ("send_messages_in_threads" if in_thread else "send_messages",
               perms.send_messages_in_threads if in_thread else perms.send_messages),
              ("attach_files", perms.attach_files),
              ("read_message_history", perms.read_message_history)]
    return [name for name, ok in needed if not ok]


def require_channel_permissions(interaction: discord.Interaction[Any], locale: str) -> None:
    if interaction.guild_id is None:
        return  # the bot's own DM: it can always post there (a user who blocks it gets a delivery error)
    missing = missing_permissions(interaction)
    if not missing:
        return
    log.warning("missing permissions %s in channel %s (guild %s); refused %s from user %s", ",".join(missing),
                interaction.channel_id, interaction.guild_id or "DM", _what(interaction), interaction.user.id)
    raise MissingChannelPermissions("discord.missing_permissions",
                                    perms=", ".join(t(locale, f"discord.perm.{p}") for p in missing))


def _what(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command
    if command is not None:
        return "/" + command.qualified_name
    data: dict[str, Any] = dict(interaction.data or {})
    return str(data.get("custom_id") or interaction.type.name)


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) \
            and error.__cause__ is not None:
        error = error.__cause__
    return error


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Show ``text`` to the user only, whatever has been answered so far."""
    text = text if len(text) <= 2000 else text[:1999] + "…"
    none = discord.AllowedMentions.none()
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
        return
    if interaction.extras.get(DEFERRED) == "ephemeral":
        await interaction.edit_original_response(content=text, allowed_mentions=none, view=None)
        return
    if interaction.extras.get(DEFERRED) == "public":
        try:
            await interaction.delete_original_response()  # the public "thinking…" placeholder
        except discord.HTTPException:
            pass
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)


async def handle_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """THE error handler: every command, button, modal and autocomplete failure ends here."""
    error = _unwrap(error)
    locale = normalise_locale(str(interaction.locale))
    if isinstance(error, UserError):
        log.info("refused %s for user %s in %s: %s", _what(interaction), interaction.user.id,
                 interaction.guild_id or "DM", error.key)
        text = error.render(locale)
    elif isinstance(error, app_commands.NoPrivateMessage):
        text = t(locale, "error.not_in_dm", command=_what(interaction).lstrip("/"))
    elif isinstance(error, app_commands.MissingPermissions):
        text = t(locale, "auth.admin_only", command=_what(interaction))
    elif isinstance(error, app_commands.CommandOnCooldown):
        text = t(locale, "discord.cooldown", seconds=f"{error.retry_after:.0f}")
    else:
        ref = secrets.token_hex(4)
        log.error("%s failed (ref %s) for user %s in channel %s (guild %s)", _what(interaction), ref,
                  interaction.user.id, interaction.channel_id, interaction.guild_id or "DM", exc_info=error)
        text = t(locale, "error.generic", ref=ref)
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException as exc:
        # e.g. the interaction expired (10062) while we worked: nothing more can be shown
        log.warning("could not show an error for %s to user %s: %s %s", _what(interaction), interaction.user.id,
                    exc.status, exc.code)

"""Persistent job buttons and the modals (remix, save as character, storyboard).

Every button carries its action and job id in its ``custom_id`` (``sora:<action>:<job id>``) and
is a :class:`discord.ui.DynamicItem` registered at start-up, so a button on a message posted before
a restart still works. Views are built already *stopped*: discord.py then never keeps them in its
per-message store (which would grow forever and dispatch a click twice, once to the stored item and
once to the dynamic item); clicks reach :class:`JobButton` through the dynamic-item registry alone.

Modals are answered the same stateless way: their ``custom_id`` (``sora:remix-modal:<job id>``)
is parsed by :meth:`adapters.discord.bot.SoraClient.on_interaction`, so a modal opened before a
restart can still be submitted after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.ports import AGAIN, CANCEL, REMIX, SAVE_CHARACTER, Button

if TYPE_CHECKING:
    from adapters.discord.bot import SoraClient

ACTIONS = (CANCEL, AGAIN, REMIX, SAVE_CHARACTER)
BUTTON_TEMPLATE = r"sora:(?P<action>cancel|again|remix|save):(?P<job_id>[A-Za-z0-9_-]{1,64})"
# For the storyboard modal the last part is the chosen size ("default" when none), not a job id.
MODAL_RE = re.compile(r"sora:(?P<action>remix|save|storyboard)-modal:(?P<job_id>[A-Za-z0-9_-]{1,64})")
PROMPT_FIELD, NAME_FIELD, DESCRIPTION_FIELD, SCENES_FIELD = "prompt", "name", "description", "scenes"
NO_SIZE = "default"
TEXT_INPUT_MAX = 4000  # Discord's limit for a text input value

_STYLES = {
    CANCEL: discord.ButtonStyle.danger,
    AGAIN: discord.ButtonStyle.secondary,
    REMIX: discord.ButtonStyle.primary,
    SAVE_CHARACTER: discord.ButtonStyle.secondary,
}
_EMOJI = {CANCEL: "✖️", AGAIN: "🔁", REMIX: "🎨", SAVE_CHARACTER: "💾"}


def button_custom_id(action: str, job_id: str) -> str:
    return f"sora:{action}:{job_id}"


class JobButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=BUTTON_TEMPLATE):
    """One job button; the click is handed to the adapter with its action and job id."""

    def __init__(self, action: str, job_id: str, label: str = "") -> None:
        super().__init__(discord.ui.Button(label=(label or action)[:80], style=_STYLES.get(action,
                                           discord.ButtonStyle.secondary), emoji=_EMOJI.get(action),
                                           custom_id=button_custom_id(action, job_id)))
        self.action = action
        self.job_id = job_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> JobButton:
        return cls(match["action"], match["job_id"], getattr(item, "label", None) or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: SoraClient = interaction.client
        await client.adapter.on_button(interaction, self.action, self.job_id)


def view_kwargs(buttons: Sequence[Button]) -> dict[str, Any]:
    """``{"view": …}`` for ``send`` when there are buttons, else nothing."""
    view = buttons_view(buttons)
    return {"view": view} if view is not None else {}


def buttons_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """The components for a message, or None (which removes any buttons when editing)."""
    shown = [b for b in buttons if b.action in ACTIONS]
    if not shown:
        return None
    view = discord.ui.View(timeout=None)
    for b in shown:
        view.add_item(JobButton(b.action, b.job_id, b.label))
    view.stop()  # serialise only: clicks are routed by the dynamic item registry (see module doc)
    return view


class RoutedModal(discord.ui.Modal):
    """A modal that discord.py never keeps in memory: its submission is routed by custom id."""

    def is_finished(self) -> bool:
        return True


def remix_modal(locale: str, job_id: str, prompt: str, max_chars: int) -> RoutedModal:
    modal = RoutedModal(title=t(locale, "discord.modal.remix_title")[:45], timeout=None,
                        custom_id=f"sora:remix-modal:{job_id}")
    limit = max(1, min(TEXT_INPUT_MAX, max_chars))
    modal.add_item(discord.ui.TextInput(label=t(locale, "discord.modal.prompt_label")[:45], custom_id=PROMPT_FIELD,
                                        style=discord.TextStyle.paragraph, default=prompt[:limit],
                                        min_length=1, max_length=limit, required=True))
    return modal


def save_modal(locale: str, job_id: str) -> RoutedModal:
    modal = RoutedModal(title=t(locale, "discord.modal.save_title")[:45], timeout=None,
                        custom_id=f"sora:save-modal:{job_id}")
    modal.add_item(discord.ui.TextInput(label=t(locale, "discord.modal.name_label")[:45], custom_id=NAME_FIELD,
                                        placeholder=t(locale, "discord.modal.name_placeholder")[:100],
                                        min_length=2, max_length=32, required=True))
    modal.add_item(discord.ui.TextInput(label=t(locale, "discord.modal.description_label")[:45],
                                        custom_id=DESCRIPTION_FIELD, style=discord.TextStyle.paragraph,
                                        max_length=200, required=False))
    return modal


def storyboard_modal(locale: str, size: str | None, max_chars: int) -> RoutedModal:
    """``/storyboard``: one scene per line, ``0-5: sunrise over the city``."""
    modal = RoutedModal(title=t(locale, "discord.modal.storyboard_title")[:45], timeout=None,
                        custom_id=f"sora:storyboard-modal:{size or NO_SIZE}")
    modal.add_item(discord.ui.TextInput(label=t(locale, "discord.modal.scenes_label")[:45], custom_id=SCENES_FIELD,
                                        style=discord.TextStyle.paragraph,
                                        placeholder=t(locale, "discord.modal.scenes_placeholder")[:100],
                                        min_length=1, max_length=max(1, min(TEXT_INPUT_MAX, max_chars)),
                                        required=True))
    return modal


def modal_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``{custom_id: value}`` of the text inputs of a submitted modal (action rows or labels)."""
    out: dict[str, str] = {}
    for comp in components:
        if not isinstance(comp, Mapping):
            continue
        if "custom_id" in comp and "value" in comp:
            out[str(comp["custom_id"])] = str(comp["value"] or "")
        out.update(modal_values(comp.get("components") or []))
        inner = comp.get("component")
        if isinstance(inner, Mapping):
            out.update(modal_values([inner]))
    return out

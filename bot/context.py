"""Who is acting, where: the platform-neutral inputs every command takes.

Adapters fill these from platform events. The admin decision itself is made here, once:
platform admin right (Manage Server, chat administrator; the owner of a DM scope), a configured
admin role, or a configured bot owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.errors import UserError


@dataclass(frozen=True, slots=True)
class Scope:
    id: str  # stable across restarts: "discord:guild:1", "telegram:chat:-100", "discord:dm:42", "console:local"
    platform: str
    kind: Literal["server", "dm"]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    id: str  # platform-qualified: "discord:42", "telegram:7", "console:you"
    name: str
    platform_admin: bool = False  # Manage Server / chat creator or administrator / anonymous admin
    role_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    scope: Scope
    actor: Actor
    locale: str = "en"
    # Where the platform wants job status and results to go (channel, reply-to, interaction token…);
    # opaque to the core, stored on the job and handed back to the adapter's port.
    destination: dict[str, Any] = field(default_factory=dict)


class Authorizer:
    def __init__(self, *, owners: list[str], admin_role_ids: dict[str, list[str]]) -> None:
        self.owners = set(owners)
        self.admin_role_ids = {p: set(ids) for p, ids in admin_role_ids.items()}

    def is_admin(self, ctx: Context) -> bool:
        if ctx.actor.id in self.owners:
            return True
        if ctx.scope.kind == "dm":
            return True  # a user is the admin of their personal scope
        if ctx.actor.platform_admin:
            return True
        roles = self.admin_role_ids.get(ctx.scope.platform, set())
        return any(r in roles for r in ctx.actor.role_ids)

    def require_admin(self, ctx: Context, command: str, *, grants_credits: bool = False) -> None:
        """``grants_credits``: the command changes how much may be spent. Credits are the operator's
        money, so in a personal (DM) scope only a bot owner may do that, not the user themself."""
        if grants_credits and ctx.scope.kind == "dm" and ctx.actor.id not in self.owners:
            raise UserError("auth.owner_only_in_dm", command=command)
        if not self.is_admin(ctx):
            raise UserError("auth.admin_only", command=command)

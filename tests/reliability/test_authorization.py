"""Who may do what, and where: every admin command × {admin, admin role, owner, member, private
chat, another server}. Only the right ones succeed, and one server's pins, quotas, characters and
jobs can be neither seen nor touched from another.

Run through the core's commands (what every adapter calls); the Discord and Telegram adapters
pass the platform's admin fact in (tests/e2e/test_discord_admin.py, test_telegram_commands.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import media
from bot.app import Core
from bot.config import DiscordConfig
from bot.context import Actor, Context, Scope
from bot.errors import UserError
from bot.simulator import SimulatorServer
from tests.conftest import make_settings

SERVER_A = Scope(id="discord:guild:1", platform="discord", kind="server", title="A")
SERVER_B = Scope(id="discord:guild:2", platform="discord", kind="server", title="B")
ADMIN_ROLE = 777


def as_(scope: Scope, user: str, *, admin: bool = False, roles: tuple[str, ...] = ()) -> Context:
    return Context(scope=scope, actor=Actor(id=f"discord:{user}", name=user, platform_admin=admin, role_ids=roles))


ACTORS: dict[str, Context] = {
    "admin": as_(SERVER_A, "boss", admin=True),
    "admin_role": as_(SERVER_A, "mod", roles=(str(ADMIN_ROLE),)),
    "owner": as_(SERVER_A, "owner"),
    "member": as_(SERVER_A, "bo"),
    "member_other_role": as_(SERVER_A, "cy", roles=("123",)),
    "private_chat": as_(Scope(id="discord:dm:55", platform="discord", kind="dm"), "dee"),
    "owner_private_chat": as_(Scope(id="discord:dm:66", platform="discord", kind="dm"), "owner"),
}

Call = Callable[[Core, Context, dict[str, str]], Awaitable[Any]]
# In order: each succeeds when the one before it did (pin → canary → rollback → unpin → rollback).
COMMANDS: list[tuple[str, Call]] = [
    ("snapshot pin", lambda c, x, s: c.commands.snapshot_pin(x, "sora-2-2025-10-06")),
    ("snapshot canary", lambda c, x, s: c.commands.snapshot_canary(x, "sora-2-2025-12-08", "10")),
    ("snapshot rollback", lambda c, x, s: c.commands.snapshot_rollback(x)),
    ("snapshot unpin", lambda c, x, s: c.commands.snapshot_unpin(x)),
    ("quota set", lambda c, x, s: c.commands.quota_set(x, "discord:ana", "ana", "5")),
    ("quota role", lambda c, x, s: c.commands.quota_role(x, "42", "artists", "7")),
    ("quota default", lambda c, x, s: c.commands.quota_default(x, "3")),
    ("quota period", lambda c, x, s: c.commands.quota_period(x, "week")),
    ("quota usage", lambda c, x, s: c.commands.quota_usage(x)),
    ("provider status", lambda c, x, s: c.commands.provider_status(x)),
    ("provider priority", lambda c, x, s: c.commands.provider_priority(x, "cost")),
    ("cancel another's job", lambda c, x, s: c.commands.cancel(x, s["job"])),
    ("remove another's character", lambda c, x, s: c.commands.character_remove(x, "mochi")),
]
SERVER_ONLY = {"cancel another's job", "remove another's character"}  # nothing of another member in a DM scope
GRANTS = {"quota set", "quota role", "quota default", "quota period"}

EXPECTED: dict[str, Callable[[str], str]] = {
    "admin": lambda _cmd: "ok",
    "admin_role": lambda _cmd: "ok",
    "owner": lambda _cmd: "ok",
    "member": lambda cmd: {"cancel another's job": "job.not_yours",
                           "remove another's character": "character.not_owner"}.get(cmd, "auth.admin_only"),
    "member_other_role": lambda cmd: EXPECTED["member"](cmd),
    # A private chat is the member's own scope: they govern it, but may not grant themselves credits.
    "private_chat": lambda cmd: "auth.owner_only_in_dm" if cmd in GRANTS else "ok",
    "owner_private_chat": lambda _cmd: "ok",
}


async def setup_server_a(core: Core, tmp_path: Path) -> dict[str, str]:
    """Server A has a member's queued job and a member's character."""
    ana = as_(SERVER_A, "ana")
    job = await core.commands.sora(ana, "ana's cat", 10)
    clip = media.render_video(tmp_path / "mochi.mp4", text="mochi", seconds=2, width=64, fps=4)
    await core.commands.character_add_file(ana, "mochi", clip, "ana's cat")
    assert job.job_id
    return {"job": job.job_id}


def settings(tmp_path: Path) -> Any:
    return make_settings(tmp_path, owners=["discord:owner"], discord=DiscordConfig(admin_role_ids=[ADMIN_ROLE]))


@pytest.mark.parametrize("actor", list(ACTORS))
async def test_admin_commands_by_who_and_where(core_factory: Callable[..., Any], tmp_path: Path,
                                               simulator: SimulatorServer, actor: str) -> None:
    core = await core_factory(settings(tmp_path))  # not started: jobs stay queued (cancellable)
    state = await setup_server_a(core, tmp_path)
    ctx = ACTORS[actor]
    outcomes: dict[str, str] = {}
    for name, call in COMMANDS:
        if ctx.scope.kind == "dm" and name in SERVER_ONLY:
            continue
        try:
            await call(core, ctx, state)
            outcomes[name] = "ok"
        except UserError as exc:
            outcomes[name] = exc.key
            assert "{" not in exc.render() and exc.render().strip()  # a clear, filled-in message
    expected = {name: EXPECTED[actor](name) for name in outcomes}
    assert outcomes == expected
    ledger = await core.ledger.totals()
    cancelled = outcomes.get("cancel another's job") == "ok"
    assert ledger == ({"hold": 10, "release": 10} if cancelled else {"hold": 10})


async def test_one_server_cannot_see_or_touch_another(core_factory: Callable[..., Any], tmp_path: Path,
                                                      simulator: SimulatorServer) -> None:
    core = await core_factory(settings(tmp_path))
    c = core.commands
    state = await setup_server_a(core, tmp_path)
    a_admin = as_(SERVER_A, "boss", admin=True)
    await c.snapshot_pin(a_admin, "sora-2-2025-10-06")
    await c.quota_default(a_admin, "4")
    await c.quota_set(a_admin, "discord:ana", "ana", "6")
    b_admin = as_(SERVER_B, "beth", admin=True)  # an admin — of server B

    # Touch: each refusal is "not found here", never "not yours" (that would confirm it exists).
    for attempt in (c.cancel(b_admin, state["job"]), c.again(b_admin, state["job"]),
                    c.remix(b_admin, state["job"], "a dog"),
                    c.character_add_from_job(b_admin, "stolen", f"from_job:{state['job']}")):
        with pytest.raises(UserError) as err:
            await attempt
        assert err.value.key == "job.not_found"
    for attempt in (c.character_remove(b_admin, "mochi"), c.character_info(b_admin, "mochi"),
                    c.sora(b_admin, "@mochi on the moon", 10)):
        with pytest.raises(UserError) as err:
            await attempt
        assert err.value.key in ("character.unknown", "character.unknown_no_close")

    # B's own governance changes B only.
    await c.snapshot_pin(b_admin, "sora-2-2025-12-08")
    await c.quota_default(b_admin, "9")
    await c.quota_period(b_admin, "month")
    await c.provider_priority(b_admin, "cost")

    # See: nothing of A shows in B.
    seen_in_b = " ".join([
        (await c.list_jobs(b_admin)).text, (await c.character_list(b_admin)).text,
        (await c.quota_usage(b_admin)).text, (await c.snapshot_history(b_admin)).text,
        (await c.snapshot_show(b_admin)).text,
        " ".join(ch.name for ch in await c.character_choices(b_admin, "")),
    ])
    for secret_of_a in (state["job"], "mochi", "ana", "boss", "sora-2-2025-10-06"):
        assert secret_of_a not in seen_in_b, secret_of_a

    # And A is as A's admin left it.
    shown = (await c.snapshot_show(a_admin)).text
    assert "sora-2-2025-10-06" in shown
    assert await core.scopes.member_overrides(SERVER_A.id) == {"discord:ana": 60}
    policy = await core.quotas.policy(SERVER_A.id)
    assert (policy.period, policy.default_tenths) == ("day", 40)
    assert (await core.jobs.get(state["job"])).state.value == "queued"  # type: ignore[union-attr]
    assert await core.character_repo.get(SERVER_A.id, "mochi") is not None
    assert core.runner.priorities.get(SERVER_A.id, "stability") == "stability"

"""Hostile input, property-based: whatever a member types, the command layer never crashes, every
refusal is a ``UserError`` with a complete message, and a refusal holds nothing.

Inputs go through ``TextCommandRouter.dispatch`` (the Telegram and console path) into a real core on
a real database: command-shaped text built from every command, sub-command and option with
hostile values (unicode digits, huge and negative numbers, unbalanced quotes, newlines, ``@everyone``
and unknown mentions, markup, storyboard-shaped text, bot-addressed ``/cmd@bot`` forms), and free
text. The pure parsers (``split_command``, ``parse_sora``) are checked on their own as well.
Storyboard parsing has its own properties (tests/unit/test_storyboard.py); URLs their own tests
(tests/reliability/test_character_urls.py) — here the fetch is stubbed so nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import commands as commands_module
from bot import media
from bot.app import Core, build_core
from bot.commands import Reply
from bot.context import Actor, Context, Scope
from bot.errors import UserError
from bot.i18n import en
from bot.simulator import SimulatorServer
from bot.textcommands import COMMANDS, TextCommandRouter, parse_sora, split_command
from bot.urlfetch import UrlFetchError
from tests.conftest import make_settings

WORDS = st.sampled_from([
    "a", "cat", "🐈", "猫", "кот", "@everyone", "@here", "@mochi", "@MOCHI", "@nobody", "@", "@@x", "<@&123>",
    "<@456>", "**bold**", "__u__", "`code`", "```", "<b>x</b>", "<a href='x'>y</a>", "[link](http://x)", "||spoiler||",
    "\\", "\"", "'", "\"unbalanced", "--", "--duration", "--size", "--url", "--file", "--job", "--from-job",
    "--bogus", "--duration=15", "duration:10", "size:portrait", "seconds:25", "from_job:", "from_job:jdeadbeef",
    "10", "15", "20", "25", "7", "0", "-5", "99999999999999999999", "1e9", "15s", "١٥", "１５", "½", "NaN",
    "landscape", "portrait", "wide", "1280x720", "9999x9999", "set", "default", "period", "usage", "pin", "unpin",
    "canary", "rollback", "history", "list", "show", "info", "add", "remove", "priority", "status", "cost",
    "stability", "day", "week", "month", "year", "100%", "-1%", "sora-2", "sora-2-2025-10-06", "sora-2-2025-12-08",
    "sora-3", "storyboard", "0-5:", "5-10:", "0-5: dawn;", "5-10: dusk", "0-100: long", "10-5: back",
    "https://example.com/v.mp4", "http://10.0.0.1/v.mp4", "file:///etc/passwd", "\n", "\t", "\u200b", "\u202e",
    "\x00", "jdeadbeef0001", "%s", "{}", "{0}", "{id}", "%(x)s", "'; DROP TABLE jobs; --",
])
ARGS = st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=12).map(" ".join)
HEADS = st.sampled_from([*COMMANDS, "SORA", "Sora", "sora@sorabot", "sora@otherbot", "quota@SoraBot", "unknown",
                         "", "/", "s0ra", "character@sorabot"])
VALUE = st.one_of(WORDS, st.text(max_size=16), st.integers(-10**12, 10**12).map(str),
                  st.floats(allow_nan=True).map(str))
SUBCOMMANDS = st.one_of(
    st.tuples(st.just("snapshot"), st.sampled_from(["list", "show", "pin", "unpin", "canary", "rollback", "history",
                                                    "PIN", "bogus"]), VALUE, VALUE),
    st.tuples(st.just("quota"), st.sampled_from(["me", "set", "default", "period", "usage", "role", "Set"]),
              st.one_of(VALUE, st.sampled_from(["@ana", "@everyone", "@", "@1", "@ana_b"])), VALUE),
    st.tuples(st.just("character"), st.sampled_from(["add", "list", "info", "remove", "Add"]),
              st.one_of(VALUE, st.sampled_from(["mochi", "@mochi", "MOCHI", "everyone", "a", "x" * 40])),
              st.one_of(VALUE, st.sampled_from(["from_job:jdeadbeef0001", "--url", "--file /etc/passwd",
                                                "--job", "https://example.com/v.mp4"]))),
    st.tuples(st.just("provider"), st.sampled_from(["status", "priority", "bogus"]), VALUE, VALUE),
    st.tuples(st.sampled_from(["cancel", "again", "remix"]), VALUE, VALUE, VALUE),
    st.tuples(st.sampled_from(["sora", "storyboard"]), VALUE, ARGS, VALUE),
)
STRUCTURED = SUBCOMMANDS.map(lambda parts: "/" + " ".join(parts))
COMMAND_TEXT = st.one_of(
    STRUCTURED,
    st.builds(lambda head, args, slash: f"{slash}{head} {args}", HEADS, ARGS,
              st.sampled_from(["/", "/", "/", " /", "//", ""])),
)


@dataclass
class Harness:
    loop: asyncio.AbstractEventLoop
    core: Core
    router: TextCommandRouter
    errors: list[logging.LogRecord]

    def run(self, text: str, *, admin: bool, scope: str, bot_username: str | None = "sorabot") -> None:
        self.loop.run_until_complete(self.check(text, admin=admin, scope=scope, bot_username=bot_username))

    async def check(self, text: str, *, admin: bool, scope: str, bot_username: str | None) -> None:
        kind = "dm" if scope.startswith("tg:dm") else "server"
        ctx = Context(scope=Scope(id=scope, platform="telegram", kind=kind),  # type: ignore[arg-type]
                      actor=Actor(id="telegram:7", name="seven", platform_admin=admin))
        before = await self.core.ledger.totals()
        jobs_before = len(await self.core.jobs.all())
        try:
            reply = await self.router.dispatch(ctx, text, bot_username=bot_username)
        except UserError as exc:
            assert exc.key in en.MESSAGES, exc.key
            message = exc.render(ctx.locale)
            assert message.strip() and message != exc.key and len(message) < 4096
            assert await self.core.ledger.totals() == before, f"a refusal changed the ledger: {text!r}"
            assert len(await self.core.jobs.all()) == jobs_before, f"a refusal made a job: {text!r}"
            return
        assert reply is None or isinstance(reply, Reply)
        after = await self.core.ledger.totals()
        if reply is not None and reply.job_id:
            job = await self.core.jobs.get(reply.job_id)
            assert job is not None
            assert after.get("hold", 0) - before.get("hold", 0) == job.cost_tenths
            await self.core.commands.cancel(ctx, job.id)  # keep the caps free for the next example
        else:
            assert after == before, f"a non-job reply changed the ledger: {text!r}"
        assert not self.errors, [r.getMessage() for r in self.errors]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("hostile")
    loop = asyncio.new_event_loop()
    sim = SimulatorServer(host="127.0.0.1", port=0, speed=20)
    errors: list[logging.LogRecord] = []
    handler = _Collect(errors)
    logging.getLogger("sorabot").addHandler(handler)
    original_fetch = commands_module.fetch_to_file

    async def no_network_fetch(url: str, dest: Path, **_kw: Any) -> Any:
        from bot.urlfetch import STRICT_POLICY, _check_url

        _check_url(url, STRICT_POLICY)  # the real scheme and syntax checks
        raise UrlFetchError("resolve_failed", url=url[:300], host="(not resolved in this test)")

    commands_module.fetch_to_file = no_network_fetch  # type: ignore[assignment]

    async def build() -> Core:
        await sim.start()
        core = await build_core(make_settings(tmp, quota={"allowance": 100000},
                                              limits={"active_jobs_per_member": 100, "active_jobs_per_scope": 1000}),
                                simulator=sim, backoff_base=0.01)
        clip = media.render_video(Path(tempfile.mkdtemp(dir=tmp)) / "m.mp4", text="m", seconds=2, width=64, fps=4)
        for scope in ("tg:chat:1", "tg:chat:2", "tg:dm:7"):
            ctx = Context(scope=Scope(id=scope, platform="telegram", kind="dm" if "dm" in scope else "server"),
                          actor=Actor(id="telegram:1", name="one", platform_admin=True))
            await core.commands.character_add_file(ctx, "mochi", clip, "a cat")
        return core

    core = loop.run_until_complete(build())

    async def resolve(ref: str) -> tuple[str, str] | None:
        name = ref.lstrip("@")
        return (f"telegram:{name}", name) if name.isalnum() and name.isascii() and len(name) < 20 else None

    try:
        yield Harness(loop, core, TextCommandRouter(core.commands, resolve_member=resolve), errors)
    finally:
        commands_module.fetch_to_file = original_fetch  # type: ignore[assignment]
        logging.getLogger("sorabot").removeHandler(handler)
        loop.run_until_complete(core.stop())
        loop.run_until_complete(sim.stop())
        loop.close()


SCOPES = st.sampled_from(["tg:chat:1", "tg:chat:2", "tg:dm:7"])
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


@FAST
@given(text=COMMAND_TEXT, admin=st.booleans(), scope=SCOPES)
def test_command_shaped_input_is_handled_or_refused_clearly(harness: Harness, text: str, admin: bool,
                                                            scope: str) -> None:
    harness.run(text, admin=admin, scope=scope)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), admin=st.booleans(), scope=SCOPES,
       bot=st.sampled_from(["sorabot", None, "SoraBot"]))
def test_arbitrary_text_is_handled_or_refused_clearly(harness: Harness, text: str, admin: bool, scope: str,
                                                      bot: str | None) -> None:
    harness.run(text, admin=admin, scope=scope, bot_username=bot)
    harness.run("/" + text, admin=admin, scope=scope, bot_username=bot)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["sorabot", None]))
def test_split_command_never_crashes(text: str, bot: str | None) -> None:
    parsed = split_command(text, bot)
    if parsed is not None:
        assert text.strip().startswith("/")
        assert parsed.name == parsed.name.lower()


@settings(max_examples=400, deadline=None)
@given(st.one_of(ARGS, st.text(max_size=200)))
def test_parse_sora_returns_or_refuses_clearly(rest: str) -> None:
    try:
        args = parse_sora(rest)
    except UserError as exc:
        assert exc.key in en.MESSAGES and exc.render().strip()
        return
    assert isinstance(args.prompt, str)
    assert args.seconds is None or 0 <= args.seconds <= 9999

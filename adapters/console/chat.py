"""The console chat loop.

Interactive on a terminal; when standard input is not a terminal it reads one command a line,
prints every reply, waits at the end of input until every job has finished or failed, and
exits 0 — which is how scripts and tests drive it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from adapters.console.port import ConsolePort
from bot.app import Core
from bot.commands import Reply
from bot.context import Actor, Context, Scope
from bot.errors import UserError
from bot.i18n import t
from bot.textcommands import TextCommandRouter

log = logging.getLogger("sorabot.console")
SCOPE = Scope(id="console:local", platform="console", kind="server", title="console")


@dataclass
class ConsoleSession:
    core: Core
    console: Console
    user: str = "you"
    admin: bool = True
    locale: str = "en"
    known_users: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.known_users[self.user.lower()] = self.user
        self.router = TextCommandRouter(self.core.commands, resolve_member=self._resolve, allow_local_files=True)

    async def _resolve(self, ref: str) -> tuple[str, str] | None:
        name = ref.lstrip("@").strip()
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            return None
        return f"console:{name.lower()}", name

    def context(self) -> Context:
        return Context(scope=SCOPE, actor=Actor(id=f"console:{self.user.lower()}", name=self.user,
                                                platform_admin=self.admin), locale=self.locale)

    async def _local(self, text: str) -> bool:
        """Console-only commands: /as, /admin, /wait. True when handled."""
        words = text.split()
        if not words:
            return True
        if words[0] == "/wait":  # scripts: let every job finish before the next line
            await self.core.runner.wait_idle()
            return True
        if words[0] == "/as":
            if len(words) != 2 or not words[1].replace("_", "").isalnum():
                self.console.print("[red]Usage: /as <name> (letters, digits, _)[/red]")
            else:
                self.user = words[1]
                self.known_users[self.user.lower()] = self.user
                self.console.print(f"[dim]Now acting as {escape(self.user)} (admin: {'on' if self.admin else 'off'})"
                                   "[/dim]")
            return True
        if words[0] == "/admin":
            if len(words) != 2 or words[1] not in ("on", "off"):
                self.console.print("[red]Usage: /admin on|off[/red]")
            else:
                self.admin = words[1] == "on"
                self.console.print(f"[dim]{escape(self.user)} admin: {words[1]}[/dim]")
            return True
        return False

    async def handle(self, text: str) -> None:
        text = text.strip()
        if not text or text.startswith("#"):
            return
        if await self._local(text):
            return
        ctx = self.context()
        try:
            reply = await self.router.dispatch(ctx, text)
        except UserError as exc:
            reply = Reply(exc.render(ctx.locale))
            self.console.print(f"[yellow]{escape(reply.text)}[/yellow]")
            return
        except Exception:
            ref = f"console-{id(text) % 100000}"
            log.exception("command failed (%s): %r", ref, text[:200])
            self.console.print(f"[red]{escape(t(ctx.locale, 'error.generic', ref=ref))}[/red]")
            return
        if reply is None:
            self.console.print("[dim]Commands start with / — type /help.[/dim]")
            return
        self.console.print(escape(reply.text))


async def run_console(core: Core, *, stdin: TextIO | None = None, console: Console | None = None) -> int:
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
    console = console or Console(highlight=False, soft_wrap=True)
    port = ConsolePort(console, core.settings.console.out_dir, min_edit_interval=0.0 if not interactive else 1.0)
    core.runner.register_port(port)
    report = await core.start()
    if report.resumed or report.requeued or report.interrupted:
        console.print(f"[dim]Resumed {report.resumed + report.requeued} unfinished job(s).[/dim]")
    session = ConsoleSession(core, console, user=core.settings.console.user)
    if interactive:
        console.print("[bold]sorabot console[/bold] — type /help; /as <name> to switch user, /admin on|off, "
                      "/wait for your jobs, /quit to leave. Example: /sora an orange cat naps in the sun --duration 15")
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(console.input, "[bold magenta]> [/bold magenta]")
            except EOFError:
                break
        else:
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
        if line.strip() in ("/quit", "/exit"):
            break
        if not interactive and line.strip():
            console.print(f"[bold magenta]> [/bold magenta]{escape(line.strip())}")
        await session.handle(line)
    if not interactive:
        await core.runner.wait_idle()
    return 0

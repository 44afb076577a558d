"""Text commands, as typed in the console or a Telegram message, parsed and dispatched.

Both surfaces accept the same forms, e.g. ``/sora 15 an orange cat``, ``/sora an orange cat
--duration 15 --size portrait``, ``/snapshot pin sora-2-2025-10-06``, ``/quota set @ana 5``,
``/character add mochi --url https://…``, ``/provider priority cost``. Every malformed input gets a
specific message.

Storyboards: ``/sora storyboard`` (or ``/storyboard``) followed by scenes ``0-5: sunrise over the
city``, one per line (a Telegram message) or separated by ``;`` (the console, one line).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.commands import Commands, Reply
from bot.context import Context
from bot.errors import UserError

MemberResolver = Callable[[str], Awaitable[tuple[str, str] | None]]  # "@ana" → (actor id, display name)

COMMANDS = ("sora", "storyboard", "snapshot", "quota", "character", "provider", "jobs", "cancel", "again", "remix",
            "help", "start")
SORA_OPTIONS = ("duration", "seconds", "size")
_OPTION_RE = re.compile(r"(?:^|\s)(?:--([A-Za-z_-]+)(?:=|\s+)(\S+)|(duration|seconds|size):(\S+))")
_STRAY_OPTION_RE = re.compile(r"(?:^|\s)--([A-Za-z_-]*)")
_HEAD_RE = re.compile(r"^(\S*)\s*(.*)$", re.DOTALL)
_DURATION_RE = re.compile(r"^(\d{1,4})\s*(?:s|sec|secs|seconds?)?$", re.IGNORECASE)
USAGE = {
    "sora": "/sora <prompt> [--duration 10|15|20|25] [--size landscape|portrait] | "
            "/sora storyboard 0-5: <scene>; 5-10: <scene> [--size …]",
    "provider": "/provider status | priority cost|stability",
    "snapshot": "/snapshot list | show | pin <id> | unpin | canary <id> <percent> | rollback | history",
    "quota": "/quota | /quota set <member> <credits> | default <credits> | period day|week|month | usage",
    "character": "/character add <name> (--file PATH | --url URL | from_job:<id>) [description] | list | "
                 "info <name> | remove <name>",
    "cancel": "/cancel <job id>",
    "again": "/again <job id>",
    "remix": "/remix <job id> <new prompt>",
}


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str  # lower-case, without "/" and "@botname"
    rest: str  # the raw text after the command


def split_command(text: str, bot_username: str | None = None) -> ParsedCommand | None:
    """``/sora@mybot 15 a cat`` → ("sora", "15 a cat"); None when the text is not a command
    (or is addressed to another bot)."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    # Split at the first whitespace of any kind: "/sora storyboard\n0-5: …" keeps every line.
    m = _HEAD_RE.match(stripped[1:])
    head, rest = (m.group(1), m.group(2)) if m else ("", stripped[1:])
    head, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    return ParsedCommand(head.lower(), rest.strip())


def parse_duration(value: str) -> int:
    m = _DURATION_RE.fullmatch(value.strip())
    if not m:
        raise UserError("error.bad_duration", value=value[:20], allowed="10, 15, 20, 25")
    return int(m.group(1))


@dataclass(frozen=True, slots=True)
class SoraArgs:
    prompt: str
    seconds: int | None
    size: str | None


def parse_sora(rest: str) -> SoraArgs:
    """Options anywhere (``--duration 15``, ``duration:15``, ``--size portrait``) and a leading
    duration (``/sora 15 a cat``); everything else is the prompt, kept as written."""
    seconds: int | None = None
    size: str | None = None
    for m in list(_OPTION_RE.finditer(rest)):
        key = (m.group(1) or m.group(3) or "").lower()
        value = m.group(2) or m.group(4) or ""
        if key in ("duration", "seconds", "d"):
            seconds = parse_duration(value)
        elif key == "size":
            size = value
        else:
            raise UserError("error.unknown_option", option=f"--{key}", command="sora",
                            allowed="--duration, --size")
    text = _OPTION_RE.sub(" ", rest)
    stray = _STRAY_OPTION_RE.search(text)
    if stray:
        raise UserError("error.unknown_option", option=f"--{stray.group(1)}", command="sora",
                        allowed="--duration, --size")
    words = text.split(None, 1)
    if words and _DURATION_RE.fullmatch(words[0]) and seconds is None:
        seconds = parse_duration(words[0])
        text = words[1] if len(words) > 1 else ""
    return SoraArgs(" ".join(text.split()) if "\n" not in text else text.strip(), seconds, size)


_STORYBOARD_HEAD = re.compile(r"^\s*storyboard(?=[\s:]|$):?", re.IGNORECASE)


def split_storyboard(rest: str) -> str | None:
    """The text after ``storyboard`` when ``/sora storyboard …`` was written, else None."""
    m = _STORYBOARD_HEAD.match(rest)
    return rest[m.end():] if m else None


@dataclass(frozen=True, slots=True)
class StoryboardArgs:
    scenes: str
    size: str | None


def parse_storyboard_args(text: str) -> StoryboardArgs:
    """``--size`` (or ``size:``) may come anywhere; a duration may not (the scenes give it)."""
    size: str | None = None
    for m in list(_OPTION_RE.finditer(text)):
        key = (m.group(1) or m.group(3) or "").lower()
        if key == "size":
            size = m.group(2) or m.group(4) or ""
        elif key in ("duration", "seconds", "d"):
            raise UserError("storyboard.no_duration")
        else:
            raise UserError("error.unknown_option", option=f"--{key}", command="sora storyboard", allowed="--size")
    scenes = _OPTION_RE.sub(" ", text)
    stray = _STRAY_OPTION_RE.search(scenes)
    if stray:
        raise UserError("error.unknown_option", option=f"--{stray.group(1)}", command="sora storyboard",
                        allowed="--size")
    return StoryboardArgs(scenes, size)


def tokens(rest: str) -> list[str]:
    try:
        return shlex.split(rest)
    except ValueError:  # an unbalanced quote: fall back to plain words rather than refuse
        return rest.split()


@dataclass
class TextCommandRouter:
    commands: Commands
    resolve_member: MemberResolver | None = None
    allow_local_files: bool = False  # only the console may name a local file

    async def dispatch(self, ctx: Context, text: str, *, attachment: Path | None = None,
                       bot_username: str | None = None) -> Reply | None:
        parsed = split_command(text, bot_username)
        if parsed is None:
            return None
        name, rest = parsed.name, parsed.rest
        c = self.commands
        if name in ("sora", "storyboard"):
            board = rest if name == "storyboard" else split_storyboard(rest)
            if board is not None:
                sb = parse_storyboard_args(board)
                return await c.sora_storyboard(ctx, sb.scenes, sb.size)
            args = parse_sora(rest)
            return await c.sora(ctx, args.prompt, args.seconds, args.size)
        if name == "provider":
            return await self._provider(ctx, tokens(rest))
        if name in ("help", "start"):
            return c.help(ctx)
        if name == "jobs":
            return await c.list_jobs(ctx)
        if name in ("cancel", "again"):
            job_id = self._need(tokens(rest), 0, name, "a job id")
            return await (c.cancel(ctx, job_id) if name == "cancel" else c.again(ctx, job_id))
        if name == "remix":
            job_id, _, prompt = rest.partition(" ")
            if not job_id:
                self._need([], 0, name, "a job id and a new prompt")
            return await c.remix(ctx, job_id, prompt)
        if name == "snapshot":
            return await self._snapshot(ctx, tokens(rest))
        if name == "quota":
            return await self._quota(ctx, tokens(rest))
        if name == "character":
            return await self._character(ctx, rest, attachment)
        raise UserError("error.unknown_command", name=name[:30], known=", ".join("/" + k for k in COMMANDS))

    @staticmethod
    def _need(args: list[str], index: int, command: str, what: str) -> str:
        if len(args) <= index or not args[index].strip():
            raise UserError("error.missing_argument", command=command, what=what,
                            usage=USAGE.get(command.split()[0], "/help"))
        return args[index]

    @staticmethod
    def _sub(command: str, args: list[str], allowed: tuple[str, ...], default: str) -> str:
        sub = args[0].lower() if args else default
        if sub not in allowed:
            raise UserError("error.unknown_subcommand", command=command, name=sub[:30], allowed=", ".join(allowed))
        return sub

    async def _snapshot(self, ctx: Context, args: list[str]) -> Reply:
        c = self.commands
        sub = self._sub("snapshot", args, ("list", "show", "pin", "unpin", "canary", "rollback", "history"), "show")
        if sub == "list":
            return await c.snapshot_list(ctx)
        if sub == "show":
            return await c.snapshot_show(ctx)
        if sub == "pin":
            return await c.snapshot_pin(ctx, self._need(args, 1, "snapshot", "a snapshot id"))
        if sub == "unpin":
            return await c.snapshot_unpin(ctx)
        if sub == "canary":
            snapshot = self._need(args, 1, "snapshot", "a snapshot id and a percentage")
            if snapshot.rstrip("%").isdigit() and len(args) == 2:  # "/snapshot canary 0" ends it
                return await c.snapshot_canary(ctx, "", snapshot)
            return await c.snapshot_canary(ctx, snapshot, self._need(args, 2, "snapshot", "a percentage (0-100)"))
        if sub == "rollback":
            return await c.snapshot_rollback(ctx)
        return await c.snapshot_history(ctx)

    async def _provider(self, ctx: Context, args: list[str]) -> Reply:
        c = self.commands
        sub = self._sub("provider", args, ("status", "priority"), "status")
        if sub == "status":
            return await c.provider_status(ctx)
        c.auth.require_admin(ctx, "/provider priority")
        return await c.provider_priority(ctx, self._need(args, 1, "provider", "cost or stability"))

    async def _member(self, ref: str) -> tuple[str, str]:
        found = await self.resolve_member(ref) if self.resolve_member else None
        if found is None:
            raise UserError("error.bad_syntax", detail=f"unknown member {ref[:40]}", usage=USAGE["quota"])
        return found

    async def _quota(self, ctx: Context, args: list[str]) -> Reply:
        c = self.commands
        sub = self._sub("quota", args, ("me", "set", "default", "period", "usage"), "me")
        if sub == "me":
            return await c.quota_me(ctx)
        if sub == "usage":
            return await c.quota_usage(ctx)
        if sub == "default":
            return await c.quota_default(ctx, self._need(args, 1, "quota", "a credit amount"))
        if sub == "period":
            return await c.quota_period(ctx, self._need(args, 1, "quota", "day, week or month"))
        # Before resolving anyone: no member lookups for non-admins.
        c.auth.require_admin(ctx, "/quota set", grants_credits=True)
        member = self._need(args, 1, "quota", "a member and a credit amount")
        amount = self._need(args, 2, "quota", "a credit amount")
        user_id, user_name = await self._member(member)
        return await c.quota_set(ctx, user_id, user_name, amount)

    async def _character(self, ctx: Context, rest: str, attachment: Path | None) -> Reply:
        c = self.commands
        args = tokens(rest)
        sub = self._sub("character", args, ("add", "list", "info", "remove"), "list")
        if sub == "list":
            return await c.character_list(ctx)
        name = self._need(args, 1, "character", "a character name")
        if sub == "info":
            return await c.character_info(ctx, name)
        if sub == "remove":
            return await c.character_remove(ctx, name)
        file = url = job = None
        words: list[str] = []
        it = iter(args[2:])
        for word in it:
            low = word.lower()
            if low in ("--file", "--url", "--job", "--from-job", "--from_job"):
                value = next(it, "")
                if not value:
                    raise UserError("error.missing_argument", command="character add", what=f"a value after {word}",
                                    usage=USAGE["character"])
                if low == "--file":
                    file = value
                elif low == "--url":
                    url = value
                else:
                    job = value
            elif low.startswith("from_job:") or low.startswith("from-job:"):
                job = word.split(":", 1)[1]
            elif low.startswith("https://") or low.startswith("http://"):
                url = word
            elif low.startswith("--"):
                raise UserError("error.unknown_option", option=word[:30], command="character add",
                                allowed="--file, --url, --job")
            else:
                words.append(word)
        description = " ".join(words)
        if file is not None:
            if not self.allow_local_files:
                raise UserError("error.unknown_option", option="--file", command="character add",
                                allowed="--url, from_job:<id>, or attach a video")
            path = Path(file).expanduser()
            if not path.is_file():
                raise UserError("error.bad_syntax", detail=f"no such file: {file[:200]}", usage=USAGE["character"])
            return await c.character_add_file(ctx, name, path, description)
        if url is not None:
            return await c.character_add_url(ctx, name, url, description)
        if job is not None:
            return await c.character_add_from_job(ctx, name, job, description)
        if attachment is not None:
            return await c.character_add_file(ctx, name, attachment, description)
        raise UserError("character.need_source")

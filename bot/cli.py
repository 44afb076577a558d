"""``sorabot`` command line: demo, run, simulate, check-config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sorabot", description="AI video bot for Discord and Telegram.")
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $SORABOT_CONFIG, else built-in "
                                                    "defaults)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="console chat on the embedded defaults (bundled simulator, SQLite under ./data)")
    sub.add_parser("run", help="start the adapters the config enables (Discord, Telegram)")
    sim = sub.add_parser("simulate", help="run the local video API simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--speed", type=float, default=None, help="virtual time factor (default: config)")
    sim.add_argument("--api-key", default=None, help="require this bearer key")
    sub.add_parser("check-config", help="validate the configuration and print a summary (secrets masked)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"sorabot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "demo":
        # The chat owns the terminal: the demo's log goes to a file beside its database.
        settings.storage.media_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(settings.storage.media_dir.parent / "sorabot.log", "a", encoding="utf-8")
        setup_logging(settings, stream=log_file)
    else:
        setup_logging(settings)
    if args.command == "check-config":
        return check_config(settings)
    if args.command == "simulate":
        from bot.simulator.server import serve

        speed = args.speed if args.speed is not None else settings.simulator.speed
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.host, args.port, speed=speed, api_key=args.api_key))
        return 0
    if args.command == "demo":
        return asyncio.run(_demo(settings))
    return asyncio.run(_run(settings))


def check_config(settings: Settings) -> int:
    print(f"environment: {settings.environment}")
    print(f"storage: {settings.storage.url}")
    print("snapshots: " + ", ".join(s.id for s in settings.snapshots))
    for p in settings.providers:
        key = "set" if p.api_key.get_secret_value() else "none"
        print(f"provider {p.name}: kind={p.kind} base_url={p.base_url or '(in-process)'} api_key={key} "
              f"snapshots={','.join(p.snapshots)} durations={','.join(map(str, p.durations))}")
    print(f"quota: {settings.quota.allowance} credits per {settings.quota.period}")
    print(f"discord: {'enabled' if settings.discord.token else 'disabled'}; "
          f"telegram: {'enabled' if settings.telegram.token else 'disabled'}")
    print("config OK")
    return 0


async def _demo(settings: Settings) -> int:
    from adapters.console.chat import run_console
    from bot.app import build_core

    core = await build_core(settings)
    try:
        return await run_console(core)
    finally:
        await core.stop()


async def _run(settings: Settings) -> int:
    from adapters.runner import enabled_adapters, run_adapters

    if not enabled_adapters(settings):
        print("sorabot: no adapter enabled: set SORABOT_DISCORD__TOKEN and/or SORABOT_TELEGRAM__TOKEN "
              "(or try `sorabot demo`)", file=sys.stderr)
        return EXIT_CONFIG
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await run_adapters(settings, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Logging set-up. Every configured secret is masked in every record, whatever logs it."""

from __future__ import annotations

import logging
import sys

from pydantic import SecretStr

from bot.config import Settings


def secret_values(settings: Settings) -> list[str]:
    values = [p.api_key for p in settings.providers] + list(settings.provider_keys.values())
    values += [settings.discord.token, settings.telegram.token, settings.telegram.webhook_secret]
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr) and len(v.get_secret_value()) >= 4]


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for s in self.secrets:
            text = text.replace(s, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(s, "***")
        record.msg, record.args = text, None
        return True


def setup_logging(settings: Settings, *, stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Quiet libraries that log every request at INFO.
    for name in ("httpx", "aiohttp.access", "alembic", "discord.gateway", "discord.client", "telegram.ext"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))

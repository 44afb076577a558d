from __future__ import annotations

import io
import logging

from pydantic import SecretStr

from bot.config import ProviderConfig, Settings
from bot.logs import setup_logging


def test_configured_secrets_never_reach_the_log() -> None:
    settings = Settings(provider_keys={"simulator": SecretStr("sk-provider-123")},
                        discord={"token": SecretStr("discord-token-456")},
                        providers=[ProviderConfig(name="simulator", kind="simulator")])
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    setup_logging(settings, stream=stream)
    try:
        log = logging.getLogger("sorabot.test")
        log.warning("calling with key %s", "sk-provider-123")
        try:
            raise RuntimeError("token discord-token-456 rejected")
        except RuntimeError:
            log.exception("failed")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in before[0]:
            root.addHandler(h)
        root.setLevel(before[1])
    text = stream.getvalue()
    assert "calling with key ***" in text and "token *** rejected" in text
    assert "sk-provider-123" not in text and "discord-token-456" not in text

"""The message catalogue: every user-facing text, one module per locale.

``t(locale, key, **params)`` looks the key up in the locale's table, falls back to English,
and formats it with ``str.format``. English is complete; other locales may be partial.

A count that takes a noun is written ``{credits:~credit|credits}``: "1 credit", "1.5 credits",
"0 credits" (the value, a space, then the singular only for exactly 1).
"""

from __future__ import annotations

import importlib
import logging
import string
from functools import cache
from typing import Any

from bot.i18n import en

log = logging.getLogger("sorabot.i18n")

SUPPORTED_LOCALES = ("en", "zh-Hant", "zh-Hans", "es", "ru", "fr")
_MODULES = {"en": "en", "zh-Hant": "zh_hant", "zh-Hans": "zh_hans", "es": "es", "ru": "ru", "fr": "fr"}
# Platform locale codes → ours (Discord sends zh-TW / zh-CN / es-ES; Telegram sends language_code).
_ALIASES = {"zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-hant": "zh-Hant", "zh-cn": "zh-Hans", "zh-hans": "zh-Hans",
            "zh": "zh-Hans", "es-es": "es", "es-419": "es", "en-us": "en", "en-gb": "en"}


def normalise_locale(code: str | None) -> str:
    if not code:
        return "en"
    low = code.lower()
    if low in _ALIASES:
        return _ALIASES[low]
    for loc in SUPPORTED_LOCALES:
        if low == loc.lower() or low.split("-")[0] == loc.lower():
            return loc
    return "en"


@cache
def _table(locale: str) -> dict[str, str]:
    if locale == "en":
        return en.MESSAGES
    name = _MODULES.get(locale)
    if name is None:
        return {}
    try:
        module = importlib.import_module(f"bot.i18n.{name}")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(module, "MESSAGES", {}))


class _CatalogueFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("~"):
            singular, _, plural = format_spec[1:].partition("|")
            return f"{value} {singular if str(value) == '1' else plural or singular}"
        return str(super().format_field(value, format_spec))


_FORMATTER = _CatalogueFormatter()


def t(locale: str | None, key: str, **params: Any) -> str:
    loc = normalise_locale(locale)
    template = _table(loc).get(key) or en.MESSAGES.get(key)
    if template is None:
        log.error("missing message key %r", key)
        return key
    try:
        if ":~" in template:
            return _FORMATTER.format(template, **params)
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.exception("message %r could not be formatted with %r", key, sorted(params))
        return en.MESSAGES.get(key, key)


def has_key(key: str) -> bool:
    return key in en.MESSAGES

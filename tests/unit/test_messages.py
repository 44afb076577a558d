"""Every user-facing text comes from the catalogue, and every key the code uses is there."""

from __future__ import annotations

import importlib
import re
import string
from pathlib import Path

import pytest

from bot.i18n import _MODULES, SUPPORTED_LOCALES, en, normalise_locale, t
from bot.jobs.model import JobState
from bot.providers.base import FailureReason
from bot.urlfetch import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
KEY_LITERAL = re.compile(r"""(?:UserError\(|\bt\([^,()]+,\s*)["']([a-z_]+\.[a-z_.]+|yes|no|caption)["']""")


def code_keys() -> set[str]:
    keys: set[str] = set()
    for folder in ("bot", "adapters"):
        for path in (ROOT / folder).rglob("*.py"):
            keys |= set(KEY_LITERAL.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_literal_key_in_the_code_exists_in_english() -> None:
    keys = code_keys()
    assert len(keys) > 60
    missing = sorted(k for k in keys if k not in en.MESSAGES)
    assert not missing


def test_every_computed_key_exists_in_english() -> None:
    computed = ([f"reason.{r.value}" for r in FailureReason] + [f"state.{s.value}" for s in JobState]
                + [f"why.{w}" for w in ("pin", "canary", "default")]
                + [f"period.{p}" for p in ("day", "week", "month")]
                + [f"character_url.{c}" for c in ERROR_CODES])
    assert not [k for k in computed if k not in en.MESSAGES]


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc != "en"])
def test_translations_use_the_same_placeholders(locale: str) -> None:
    try:
        module = importlib.import_module(f"bot.i18n.{_MODULES[locale]}")
    except ModuleNotFoundError:
        pytest.skip(f"no {locale} catalogue yet: English is shown")
    for key, text in module.MESSAGES.items():
        assert key in en.MESSAGES, key
        assert fields(text) <= fields(en.MESSAGES[key]), key


def test_platform_locale_codes_map_to_ours_and_unknown_ones_fall_back_to_english() -> None:
    assert normalise_locale("zh-TW") == "zh-Hant"
    assert normalise_locale("zh-CN") == "zh-Hans"
    assert normalise_locale("es-ES") == "es"
    assert normalise_locale("pt-BR") == "en"
    assert t("pt-BR", "button.cancel") == "Cancel"


def test_english_counts_credits_in_the_singular_only_for_exactly_one() -> None:
    from bot.i18n import t

    assert t("en", "quota.member_set", user="ana", credits="1") == "ana may now spend 1 credit per period."
    assert t("en", "quota.member_set", user="ana", credits="1.5") == "ana may now spend 1.5 credits per period."
    assert t("en", "quota.member_set", user="ana", credits="0") == "ana may now spend 0 credits per period."
    assert t("en", "quota.member_set", user="ana", credits="10") == "ana may now spend 10 credits per period."
    caption = t("en", "caption", prompt="p", snapshot="sora-2", seconds=10, credits="1", id="j1")
    assert caption.endswith("sora-2 · 10 s · 1 credit · job j1")
    # A translation keeps its own wording; a key it lacks falls back to English, plural included.
    assert "~" not in t("fr", "quota.member_set", user="ana", credits="1")
    assert "{" not in t("zh-Hant", "caption", prompt="p", snapshot="s", seconds=10, credits="1", id="j1")

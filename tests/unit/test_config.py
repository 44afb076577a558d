from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_config_documents_the_defaults_exactly() -> None:
    assert load_settings(ROOT / "config.example.toml") == Settings()


def test_environment_overrides_with_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORABOT_QUOTA__ALLOWANCE", "25")
    monkeypatch.setenv("SORABOT_DISCORD__TOKEN", "very-secret-token")
    s = load_settings()
    assert s.quota.allowance == 25
    assert "very-secret-token" not in repr(s) and "very-secret-token" not in str(s.model_dump())


@pytest.mark.parametrize(("env", "needle"), [
    ({"SORABOT_QUOTA__PERIOD": "year"}, "config key quota.period: Input should be 'day', 'week' or 'month'"),
    ({"SORABOT_LIMITS__ACTIVE_JOBS_PER_MEMBER": "0"}, "config key limits.active_jobs_per_member"),
    ({"SORABOT_ENVIRONMENT": "prod"}, "config key environment"),
])
def test_a_bad_value_is_one_readable_line_naming_the_key(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                         needle: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_unknown_keys_and_inconsistent_catalogues_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('[quota]\nallowence = 3\n')
    with pytest.raises(ConfigError, match=r"quota\.allowence: unknown key"):
        load_settings(bad)
    bad.write_text('[[providers]]\nname = "x"\nkind = "openai"\nsnapshots = ["sora-9"]\nbase_url = "https://a"\n')
    with pytest.raises(ConfigError, match="unknown snapshot"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_cli_exits_2_with_one_line_on_bad_config(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SORABOT_QUOTA__PERIOD": "fortnight"}
    result = subprocess.run([sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sorabot: config key quota.period: Input should be 'day', 'week' or 'month'"]
    ok = subprocess.run([sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True,
                        env={"PATH": "/usr/bin:/bin", "SORABOT_PROVIDER_KEYS__SIMULATOR": "sk-hidden"}, cwd=tmp_path,
                        timeout=60, check=False)
    assert ok.returncode == 0 and "config OK" in ok.stdout
    assert "api_key=set" in ok.stdout and "sk-hidden" not in ok.stdout + ok.stderr

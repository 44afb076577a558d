"""The README's quick start is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quick_start() -> list[str]:
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README has a Quick start shell block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_second_verbatim() -> None:
    demo, tests = quick_start()
    assert demo.endswith("sorabot demo")
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text()

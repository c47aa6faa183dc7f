"""Shipped completion scripts match what the app generates; completion answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devintel_cli.cli.app import SHELLS, completion_script

COMPLETIONS = Path(__file__).parents[1] / "completions"


@pytest.mark.parametrize("shell", SHELLS)
def test_shipped_script_is_current(shell: str, cli) -> None:
    shipped = (COMPLETIONS / f"devintel.{shell}").read_text(encoding="utf-8")
    generated = cli("completions", shell).stdout
    assert shipped == generated == completion_script(shell) + "\n", (
        f"completions/devintel.{shell} is stale: regenerate with "
        f"`devintel completions {shell} > completions/devintel.{shell}`"
    )


def test_bash_completion_answers_with_commands() -> None:
    env = {
        **os.environ,
        "COMP_WORDS": "devintel re",
        "COMP_CWORD": "1",
        "_DEVINTEL_COMPLETE": "complete_bash",
    }
    out = subprocess.run(
        [sys.executable, "-m", "devintel_cli"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["repo"]


def test_unknown_shell_is_usage_error(cli) -> None:
    assert "unknown shell" in cli("completions", "tcsh", code=2).stderr

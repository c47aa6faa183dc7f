"""`devintel demo` (README's first command): offline, in its own state directory, and it
ends with a scorecard over repositories whose figures are the fixtures' hand-computed facts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from devintel_cli.fixtures.builder import SPEC_NAMES, build_repo


def test_demo_reports_the_fixture_facts_and_a_scorecard(cli, tmp_path, isolated_state) -> None:
    data = json.loads(cli("demo", "--dir", tmp_path / "demo", "--json").stdout)["data"]
    facts = {spec: build_repo(tmp_path / "check" / spec, spec) for spec in SPEC_NAMES}
    by_name = {r["repository"]: r for r in data["repositories"]}
    for built in facts.values():
        row = by_name[built.name]
        assert (
            row["commits"],
            row["merges"],
            row["additions"],
            row["deletions"],
            row["tags"],
            row["deployments"],
        ) == (
            built.facts.commits,
            built.facts.merges,
            built.facts.additions,
            built.facts.deletions,
            built.facts.tags,
            built.facts.release_tags,
        )
    card = data["scorecard"]
    assert isinstance(card["overall_score"], int)
    # coverage and incidents are imported by the demo too: every metric has a signal
    assert len(card["signals"]) == 10
    # the user's own state directory was never touched
    assert not (isolated_state / "devintel.db").exists()


def test_demo_runs_as_a_command_without_devintel_home(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEVINTEL_HOME"}
    env["HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-m", "devintel_cli", "demo", "--dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert "payments-api" in result.stdout and "Scorecard" in result.stdout
    assert not (tmp_path / "home" / ".local").exists()

"""init, integrations and lines through the real CLI (§1, §2, §12)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from dbdump import dump_database


def test_version_and_help(cli) -> None:
    assert re.fullmatch(r"devintel \d+\.\d+\.\d+\n", cli("--version").stdout)
    assert "repo" in cli("--help").stdout


def test_init_creates_default_workspace(cli, isolated_state) -> None:
    data = cli.json("init")
    assert [w["name"] for w in data] == ["default"]
    assert re.fullmatch(r"WS-\d{2}-000001", data[0]["id"])
    assert (isolated_state / "devintel.db").exists()
    data = cli.json("init", "--workspace", "platform")
    assert [w["name"] for w in data] == ["default", "platform"]


def test_integrations_store_where_the_token_is_never_the_token(cli, isolated_state) -> None:
    added = cli.json("integrations", "add", "git.example.org", "--token-env", "EXAMPLE_TOKEN")
    assert added[0]["token_env"] == "EXAMPLE_TOKEN"
    assert added[0]["kind"] == "generic"
    assert re.fullmatch(r"INT-\d{2}-000001", added[0]["id"])
    assert [i["host"] for i in cli.json("integrations", "list")] == ["git.example.org"]
    # a value that looks like a token rather than a variable name is refused
    result = cli("integrations", "add", "gh.example", "--token-env", "ghp_abc-123/x", code=2)
    assert "NAME of an environment variable" in result.stderr
    # there is no flag that takes a token
    cli("integrations", "add", "h.example", "--token", "abc", code=2)
    # a duplicate host is a conflict
    cli("integrations", "add", "git.example.org", code=2)


def test_lines_lifecycle(cli) -> None:
    created = cli.json(
        "lines", "create", "payments", "--sprint-days", "7", "--sprint-anchor", "2026-01-05"
    )[0]
    assert re.fullmatch(r"LIN-\d{2}-000001", created["id"])
    assert created["sprint_days"] == 7
    assert created["sprint_anchor"] == "2026-01-05"
    assert created["execution_model"] == "observability"
    assert cli.json("lines", "show", "payments")[0]["id"] == created["id"]
    assert cli.json("lines", "show", created["id"])[0]["name"] == "payments"
    cli("lines", "create", "payments", code=2)
    for anchor in ("2026-02-30", "20260105", "2026-W02-1", "next monday"):
        result = cli("lines", "create", "ops", "--sprint-anchor", anchor, code=2)
        assert result.stderr == (
            f"devintel: error: --sprint-anchor: not a date: {anchor!r} (use YYYY-MM-DD)\n"
        )
    cli("lines", "delete", created["id"])
    assert cli.json("lines", "list") == []
    # IDs are never reused
    again = cli.json("lines", "create", "payments")[0]
    assert again["id"].endswith("000002")


@pytest.mark.parametrize(
    "args",
    [
        ("lines", "show", "LIN-26-999999"),
        ("lines", "delete", "nope"),
        ("repo", "sync", "nope/nothing"),
        ("repo", "remove", "nope"),
        ("repo", "list", "--workspace", "WS-26-999999"),
        ("repo", "list", "--format", "yaml"),
        ("lines", "create", "x", "--sprint-days", "0"),
        ("repo", "add", "ftp://example.org/a/b"),
        ("repo", "add", "not a repo spec"),
        ("repo", "add", "/tmp/x", "--deploy-tags", "(unclosed"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(cli, isolated_state, args) -> None:
    cli("init")
    before = dump_database(isolated_state / "devintel.db", volatile={})
    result = cli(*args, code=2)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith(("devintel: error:", "Usage:", "Error"))
    assert "Traceback" not in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before


def test_empty_workspace_lists_nothing_as_json(cli) -> None:
    assert cli.json("repo", "list") == []
    assert cli("repo", "list", "--format", "csv").stdout.startswith("repository,commits")


def test_cli_as_a_subprocess_writes_errors_to_stderr(isolated_state) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "devintel_cli", "lines", "show", "missing"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines()[0] == "devintel: error: unknown service line 'missing'"
    ok = subprocess.run(
        [sys.executable, "-m", "devintel_cli", "lines", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(ok.stdout) == {"data": []}


def test_list_tables_show_brackets_in_names_as_they_are(cli, isolated_state) -> None:
    """A table cell is data, not rich markup: a line called ``[core]/[/]`` is listed as
    it is (markup would drop "[core]" and stop at the stray closing tag "[/]")."""
    cli("lines", "create", "[core]/[/]")
    table = cli("lines", "list").stdout
    assert "[core]/[/]" in table

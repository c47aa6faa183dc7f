"""What a command imports before its work starts (§13: `devintel --help` under 0.3 s, any read
command under 1 s at 1M commits; benchmarks/README.md "Start-up").

Not timed: each test runs a fresh interpreter and checks which modules got imported. pydantic
(~0.1 s of Python) and rich's table are for the output, so parsing the command line must not
need them — Typer 0.29 imports pydantic to parse every parameter, which is why pyproject caps
it — and `risk` imports pydantic only once its per-file read is running.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("pydantic", "rich.table", "pygit2")


def _loaded_after(code: str, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    """Run ``code`` in a fresh interpreter (state in ``tmp_path``); it prints a JSON dict."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"DEVINTEL_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_and_argument_errors_import_neither_pydantic_nor_rich_tables(tmp_path) -> None:
    seen = _loaded_after(
        f"""
        import json, sys
        from typer.testing import CliRunner
        from devintel_cli.cli.app import app
        heavy = {HEAVY!r}
        out = {{"import": [m for m in heavy if m in sys.modules]}}
        out["help"] = CliRunner().invoke(app, ["--help"]).exit_code
        out["after help"] = [m for m in heavy if m in sys.modules]
        # parsed, then refused by the command itself before any work (exit 2)
        out["risk"] = CliRunner().invoke(app, ["risk", "--fail-above", "200"]).exit_code
        out["after risk"] = [m for m in heavy if m in sys.modules]
        print(json.dumps(out))
        """,
        tmp_path,
    )
    assert seen == {"import": [], "help": 0, "after help": [], "risk": 2, "after risk": []}


def test_risk_imports_pydantic_once_its_per_file_read_is_running(tmp_path) -> None:
    """``risk_report`` hands the models' import to ``scope_activity(while_reading=)``: when
    the per-file read is handed to its thread, pydantic is not imported yet; it is by the
    time the report is built."""
    seen = _loaded_after(
        """
        import json, sys
        import devintel_cli.risk as risk
        from devintel_cli.reporting import resolve_scope
        from devintel_cli.timeutil import parse_iso
        from devintel_cli.workspace import Context, open_context

        before = "pydantic" in sys.modules
        at_submit = []
        submit = Context.read_in_background
        def spy(self, read):
            at_submit.append("pydantic" in sys.modules)
            return submit(self, read)
        Context.read_in_background = spy
        ctx = open_context()
        report = risk.risk_report(
            ctx, resolve_scope(ctx), as_of=parse_iso("2026-06-01T00:00:00Z"), window_days=90
        )
        print(json.dumps({"before": before, "at submit": at_submit,
                          "after": "pydantic" in sys.modules, "level": report.risk_level}))
        """,
        tmp_path,
    )
    assert seen == {"before": False, "at submit": [False], "after": True, "level": "low"}

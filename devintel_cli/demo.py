"""``devintel demo``: realistic repositories built offline, in a state directory of their own.

The demo never reads or writes the user's state: it opens its own directory (a new
temporary one unless ``--dir`` is given) explicitly, whatever ``DEVINTEL_HOME`` says.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .importing import import_coverage, import_incidents
from .models import RepositorySummary, ScorecardOut
from .reporting import resolve_scope
from .repositories import add_repository, list_summaries
from .scorecards import DEFAULT_WINDOW_DAYS, scorecard_report
from .timeutil import utc_now
from .workspace import create_line, open_context

#: which demo repository goes into which service line
DEMO_LINES = {"commerce": ("payments-api", "web-shop"), "apps": ("mobile-app",)}

#: weekly line coverage of each demo repository over the last 12 weeks, oldest first:
#: payments slides from green towards amber, web holds steady, mobile stays low
DEMO_COVERAGE = {
    "payments-api": (84, 84, 83, 83, 82, 82, 81, 80, 80, 79, 78, 78),
    "web-shop": (91, 91, 92, 91, 92, 92, 91, 92, 92, 93, 92, 92),
    "mobile-app": (55, 56, 56, 57, 57, 58, 58, 58, 59, 59, 60, 60),
}


@dataclass(frozen=True)
class DemoReport:
    state_dir: Path
    repositories: list[RepositorySummary]
    scorecard: ScorecardOut


def run_demo(directory: Path | None = None) -> DemoReport:
    from .fixtures.builder import build_demo_set

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="devintel-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    now = utc_now()
    built = build_demo_set(root / "sources", end=now)
    ctx = open_context(state_dir=root / "state")
    try:
        line_of = {}
        for line_name, repo_names in DEMO_LINES.items():
            line = create_line(ctx, line_name)
            line_of.update({name: line.id for name in repo_names})
        for repo in built:
            add_repository(ctx, str(repo.path), line=line_of.get(repo.name))
        _import_demo_data(ctx, root / "sources", now)
        card = scorecard_report(
            ctx, resolve_scope(ctx), as_of=now, window_days=DEFAULT_WINDOW_DAYS * 3
        )
        return DemoReport(root / "state", list_summaries(ctx), card)
    finally:
        ctx.close()


def _import_demo_data(ctx, folder: Path, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Coverage reports and incidents a team would import from CI and its tracker, written
    as coverage.py JSON and an incident CSV and imported like a user would."""
    for name, weekly in DEMO_COVERAGE.items():
        for weeks_ago, percent in zip(range(len(weekly) - 1, -1, -1), weekly, strict=True):
            measured = now - timedelta(weeks=weeks_ago, hours=1)
            report = folder / f"{name}-coverage-{weeks_ago:02d}.json"
            report.write_text(
                json.dumps(
                    {
                        "meta": {"timestamp": measured.replace(tzinfo=None).isoformat()},
                        "totals": {
                            "covered_lines": percent * 20,
                            "num_statements": 2000,
                            "covered_branches": percent * 4,
                            "num_branches": 500,
                        },
                    }
                )
            )
            import_coverage(ctx, report, repo=name)
    incidents = folder / "incidents.csv"
    rows = [
        ("INC-1", "Checkout times out", 40, 3, "sev2", "payments-api"),
        ("INC-2", "Refund webhook retries pile up", 12, 5, "sev3", "payments-api"),
        ("INC-3", "App crashes on login (Android 15)", 20, 30, "sev1", "mobile-app"),
        ("INC-4", "Dark mode unreadable on Safari", 6, None, "sev4", "web-shop"),
    ]
    lines = ["id,title,opened_at,resolved_at,severity,repository"]
    for key, title, days_ago, hours_open, severity, repo in rows:
        opened = now - timedelta(days=days_ago)
        resolved = "" if hours_open is None else (opened + timedelta(hours=hours_open)).isoformat()
        lines.append(f"{key},{title},{opened.isoformat()},{resolved},{severity},{repo}")
    incidents.write_text("\n".join(lines) + "\n")
    import_incidents(ctx, incidents)

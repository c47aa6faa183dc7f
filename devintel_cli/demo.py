"""``devintel demo``: realistic repositories built offline, in a state directory of their own.

The demo never reads or writes the user's state: it opens its own directory (a new
temporary one unless ``--dir`` is given) explicitly, whatever ``DEVINTEL_HOME`` says.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .models import RepositorySummary, ScorecardOut
from .reporting import resolve_scope
from .repositories import add_repository, list_summaries
from .scorecards import DEFAULT_WINDOW_DAYS, scorecard_report
from .timeutil import utc_now
from .workspace import create_line, open_context

#: which demo repository goes into which service line
DEMO_LINES = {"commerce": ("payments-api", "web-shop"), "apps": ("mobile-app",)}


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
        card = scorecard_report(
            ctx, resolve_scope(ctx), as_of=now, window_days=DEFAULT_WINDOW_DAYS * 3
        )
        return DemoReport(root / "state", list_summaries(ctx), card)
    finally:
        ctx.close()

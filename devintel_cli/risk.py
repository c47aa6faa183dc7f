"""Risk (§10) for a scope, as of a moment: load each repository's rows for the window from the
store, run the pure detectors of ``scoring.risk``, and build the report model.

Every figure is per repository (a factor names the repository it is about) except open
incidents, which belong to a repository, a service line or the workspace. The store is read
once per kind of row for the whole scope (a row leads with its repository id), not once per
repository: the same few statements however many repositories (the change failure rate and
coverage windows are still computed per repository, as the scorecard computes them).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from . import paths
from .config import read_config
from .metrics.catalog import Metric
from .reporting import Scope
from .scorecards import MetricWindow, load_bands, metric_windows_by_repository
from .scoring import risk as rules
from .store import activity
from .timeutil import from_epoch, parse_iso
from .workspace import Context

DEFAULT_WINDOW_DAYS = 90
_NO_COMMITS = activity.WindowCommits(authors=[], local_hours=[], most_lines=0)


def load_thresholds(ctx: Context) -> rules.RiskThresholds:
    """``[risk]`` of ``devintel.toml`` over the defaults."""
    data = read_config(paths.config_path(ctx.state_dir))
    if "risk" in data:
        return rules.RiskThresholds.from_mapping(data["risk"])
    return rules.DEFAULT_THRESHOLDS


def _window_input(window: MetricWindow) -> rules.MetricWindowInput:
    return rules.MetricWindowInput(
        value=window.current.value,
        previous_value=window.previous.value,
        weekly_values=window.weekly,
        numerator=window.current.numerator,
        denominator=window.current.denominator,
    )


def _by_repository(rows: Iterable[Sequence[Any]]) -> defaultdict[int, list[tuple[Any, ...]]]:
    """Rows that lead with a repository id, grouped by it (the id dropped)."""
    grouped: defaultdict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for repo_id, *rest in rows:
        grouped[repo_id].append(tuple(rest))
    return grouped


def file_changes(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    start: datetime,
    end: datetime,
    thresholds: rules.RiskThresholds = rules.DEFAULT_THRESHOLDS,
) -> defaultdict[int, list[rules.FileChanges]]:
    """Each repository's ``FileChanges`` for the window, as ``scoring.risk.file_changes``
    defines them: per-file totals, then the main author of the files that have one author
    or ``may_be_concentrated`` (only those are folded per author)."""
    totals = activity.file_totals(conn, repo_ids, start, end)
    wanted = [
        (repo_id, path)
        for repo_id, files in totals.items()
        for path, changes, authors, _, _ in files
        if authors > 1 and rules.may_be_concentrated(changes, authors, thresholds)
    ]
    owners = {
        (repo_id, path): (author, own)
        for repo_id, path, author, own in activity.file_main_authors(conn, wanted, start, end)
    }
    return defaultdict(
        list,
        {
            repo_id: [
                rules.FileChanges(path, changes, authors, lines, sole, changes)
                if sole is not None
                else rules.FileChanges(
                    path, changes, authors, lines, *owners.get((repo_id, path), (None, None))
                )
                for path, changes, authors, lines, sole in files
            ]
            for repo_id, files in totals.items()
        },
    )


def scope_activity(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    thresholds: rules.RiskThresholds = rules.DEFAULT_THRESHOLDS,
    while_reading: Callable[[], object] = lambda: None,
) -> list[rules.RepositoryActivity]:
    """Each repository's rows for [as_of − window, as_of), in scope order.

    The per-file changes are the largest read (every changed file of the window, grouped
    per file); they are read in a thread on a connection of their own while the other
    reads run here, after ``while_reading``: work of the caller's that needs no rows (see
    ``risk_report``). Commit sizes need a join to every changed file; only commits whose
    lines over all files exceed ``max_commit_lines`` can exceed it outside excluded and
    binary files, so only those are sized (and none where no commit of a repository is
    that large: ``WindowCommits.most_lines``)."""
    conn, ids = ctx.conn, [repo.id for repo in scope.repositories]
    start = as_of - timedelta(days=window_days)
    files_read = ctx.read_in_background(
        lambda own: file_changes(own, ids, start, as_of, thresholds)
    )
    while_reading()
    commits = activity.window_commits(conn, ids, start, as_of)
    roots = activity.root_commit_counts(conn, ids, start, as_of)
    limit = thresholds.max_commit_lines
    sized = [i for i, window in commits.items() if window.most_lines > limit]
    sizes = _by_repository(activity.commit_change_sizes(conn, sized, start, as_of, over=limit))
    merged = activity.merged_pull_request_spans(conn, ids, start, as_of)
    pr_sizes = _by_repository(activity.pull_request_sizes(conn, ids, start, as_of))
    waiting = _by_repository(activity.open_pull_requests(conn, ids, as_of))
    # change failure rate and coverage as each repository's scorecard has them
    windows = metric_windows_by_repository(
        ctx,
        scope,
        as_of=as_of,
        window_days=window_days,
        metrics=(Metric.CHANGE_FAILURE_RATE, Metric.TEST_COVERAGE),
    )
    files = files_read.result()
    result = []
    for repo in scope.repositories:
        window = commits.get(repo.id, _NO_COMMITS)
        result.append(
            rules.RepositoryActivity(
                repository=repo.name,
                last_synced_at=parse_iso(repo.last_synced_at) if repo.last_synced_at else None,
                file_changes=files[repo.id],
                author_commits=window.authors,
                commit_sizes=[rules.CommitSize(*row) for row in sizes[repo.id]],
                non_root_commits=sum(n for *_, n in window.local_hours) - roots.get(repo.id, 0),
                pull_request_sizes=[rules.PullRequestSize(*row) for row in pr_sizes[repo.id]],
                merged_pull_requests=[
                    rules.MergedPullRequest(*row) for row in merged.get(repo.id, ())
                ],
                open_pull_requests=[
                    rules.OpenPullRequest(number, title, from_epoch(opened))
                    for number, title, opened in waiting[repo.id]
                ],
                commit_local_hours=window.local_hours,
                change_failure_rate=_window_input(windows[repo.id][Metric.CHANGE_FAILURE_RATE]),
                test_coverage=_window_input(windows[repo.id][Metric.TEST_COVERAGE]),
            )
        )
    return result


def scope_incidents(ctx: Context, scope: Scope, *, as_of: datetime) -> list[rules.OpenIncident]:
    """Incidents open at ``as_of`` that belong to the scope: all of the workspace's for the
    workspace; a line's own and its repositories' for a line; a repository's own for it."""
    names = {r.id: r.name for r in scope.repositories}
    line_ids = {scope.line.id} if scope.line else set()
    whole_workspace = scope.line is None and scope.repository is None
    incidents = []
    for key, title, severity, opened, repo_id, line_id in activity.unresolved_incidents(
        ctx.conn, scope.workspace_id, as_of
    ):
        if not (whole_workspace or repo_id in names or (line_id and line_id in line_ids)):
            continue
        repository = names.get(repo_id) if repo_id is not None else None
        if repo_id is not None and repository is None:  # a repository outside this workspace
            continue
        incidents.append(
            rules.OpenIncident(
                key=key,
                title=title,
                severity=severity,
                opened_at=from_epoch(opened),
                repository=repository,
                service_line_id=line_id,
            )
        )
    return incidents


def risk_factors(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
    thresholds: rules.RiskThresholds | None = None,
    while_reading: Callable[[], object] = lambda: None,
) -> list[rules.RiskFactor]:
    """Every factor of the scope, sorted (most severe first). ``while_reading``: see
    ``scope_activity``."""
    t = thresholds or load_thresholds(ctx)
    bands = load_bands(ctx)
    factors: list[rules.RiskFactor] = []
    for repository in scope_activity(
        ctx, scope, as_of=as_of, window_days=window_days, thresholds=t, while_reading=while_reading
    ):
        factors += rules.repository_risks(
            repository, as_of=as_of, window_days=window_days, thresholds=t, bands=bands
        )
    factors += rules.unresolved_incidents(scope_incidents(ctx, scope, as_of=as_of), as_of, t)
    return rules.sort_factors(factors)


def risk_report(  # type: ignore[no-untyped-def]
    ctx: Context, scope: Scope, *, as_of: datetime, window_days: int = DEFAULT_WINDOW_DAYS
):
    """The §10 report model: score, level, factors, and the per-category points.

    The output models are imported while the per-file read runs in its thread: importing
    pydantic and the models is ~0.1 s of Python, and SQLite reads outside the GIL, so the
    two overlap instead of adding up. A/B on the 1M-commit database: 0.93-0.95x
    (benchmarks/README.md)."""
    factors = risk_factors(
        ctx,
        scope,
        as_of=as_of,
        window_days=window_days,
        while_reading=lambda: import_module("devintel_cli.models.risk"),
    )

    from .models import RiskCategoryOut, RiskFactorOut, RiskOut
    from .timeutil import iso_z

    score = rules.risk_score(factors)
    return RiskOut(
        workspace_id=scope.workspace_id,
        service_line_id=scope.line.id if scope.line else None,
        repository=scope.repository.name if scope.repository else None,
        computed_at=iso_z(as_of),
        window_days=window_days,
        risk_score=score,
        risk_level=str(rules.risk_level(score)),
        factors=[
            RiskFactorOut(
                id=f.id,
                category=str(f.category),
                severity=str(f.severity),
                title=f.title,
                detail=f.detail,
                evidence=f.evidence,
                repository=f.repository,
                service_line_id=f.service_line_id,
                recommended_action=f.recommended_action,
                points=f.points,
            )
            for f in factors
        ],
        categories=[
            RiskCategoryOut(category=str(category), factors=count, points=points)
            for category, (count, points) in rules.category_points(factors).items()
        ],
    )

"""Read side: resolve a scope (workspace, line or repository), load the rows a metric needs
from the store for a window, and compute series and window values with the metrics core."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from .errors import UsageError
from .metrics import rows as mrows
from .metrics.buckets import (
    DEFAULT_SPRINT_ANCHOR,
    DEFAULT_SPRINT_DAYS,
    Bucket,
    Granularity,
    make_buckets,
)
from .metrics.catalog import Metric
from .metrics.series import INPUTS_BY_METRIC, Series, compute_series
from .store import delivery as store
from .store import repositories as repo_store
from .store import workspaces as ws_store
from .store.records import RepositoryRow, ServiceLineRow
from .workspace import Context, get_line

#: the default window of `devintel metrics` when --from is not given
DEFAULT_SERIES_DAYS = 84

Moment = datetime | date


class Scope(NamedTuple):
    workspace_id: str
    line: ServiceLineRow | None
    repository: RepositoryRow | None
    repositories: tuple[RepositoryRow, ...]
    lines: tuple[ServiceLineRow, ...]

    @property
    def repo_ids(self) -> list[int]:
        return [r.id for r in self.repositories]

    def sprint_calendar(self) -> tuple[int, date]:
        """Sprint length and anchor: the scope's line's, or the defaults when the scope
        spans several lines (or none)."""
        lines = [self.line] if self.line else list(self.lines)
        if len(lines) == 1:
            return lines[0].sprint_days, date.fromisoformat(lines[0].sprint_anchor)
        return DEFAULT_SPRINT_DAYS, DEFAULT_SPRINT_ANCHOR


def resolve_scope(ctx: Context, *, line: str | None = None, repo: str | None = None) -> Scope:
    if line and repo:
        raise UsageError("give --line or --repo, not both")
    workspace_id = ctx.workspace.id
    if repo:
        from .repositories import resolve

        repository = resolve(ctx, repo)
        lines = tuple(
            row
            for row in ws_store.list_lines(ctx.conn, workspace_id)
            if row.id == repository.service_line_id
        )
        return Scope(workspace_id, None, repository, (repository,), lines)
    if line:
        line_row = get_line(ctx, line)
        repos = tuple(repo_store.list_repositories(ctx.conn, workspace_id, line_id=line_row.id))
        return Scope(workspace_id, line_row, None, repos, (line_row,))
    return Scope(
        workspace_id,
        None,
        None,
        tuple(repo_store.list_repositories(ctx.conn, workspace_id)),
        tuple(ws_store.list_lines(ctx.conn, workspace_id)),
    )


def _aware(moment: Moment, *, end: bool) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    start = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def bucket_cuts(buckets: Iterable[Bucket], as_of: datetime) -> list[int]:
    """Every bound of every bucket (and the as-of moment), as sorted epoch seconds.

    The store may group rows between two consecutive cuts without changing any bucket's
    value. Stored times are whole seconds, so a row at ``t`` is in ``[a, b)`` exactly when
    ``ceil(a) <= t < ceil(b)``: bounds with fractions of a second round up.
    """
    bounds = {_ceil_epoch(as_of)}
    for bucket in buckets:
        bounds.add(_ceil_epoch(bucket.window_start))
        bounds.add(_ceil_epoch(bucket.window_end))
    return sorted(bounds)


def _ceil_epoch(moment: datetime) -> int:
    return math.ceil(moment.timestamp())


def load_inputs(
    ctx: Context,
    scope: Scope,
    metrics: Iterable[Metric],
    buckets: Sequence[Bucket],
    *,
    as_of: datetime,
) -> mrows.MetricInputs:
    """Load only what the metrics read (``INPUTS_BY_METRIC``) for computing them over
    ``buckets`` (one or several bucket sets, in any order): bulky rows limited to the
    buckets' span and to ``as_of``, grouped between the buckets' bounds where the metric
    allows (``bucket_cuts``); event lists up to ``as_of``."""
    needed: set[str] = set().union(*(INPUTS_BY_METRIC[Metric(m)] for m in metrics))
    ids = scope.repo_ids
    cuts = [cut for cut in bucket_cuts(buckets, as_of) if cut <= _ceil_epoch(as_of)]
    lo = datetime.fromtimestamp(cuts[0], UTC)
    hi = datetime.fromtimestamp(cuts[-1], UTC)
    conn = ctx.conn
    deployments = (
        store.load_deployments(conn, ids, until=as_of, since=lo)
        if {"deployments", "derived"} & needed
        else []
    )
    deployment_ids = [d.id for d in deployments]
    derived = (
        store.load_outcomes(conn, ids, deployment_ids=deployment_ids) if "derived" in needed else {}
    )
    stale = {d.repo_id for d in deployments if d.id not in derived} if "derived" in needed else ()
    if stale:
        derived = _rederive(ctx, scope, sorted(stale), deployment_ids)
    return mrows.MetricInputs(
        repositories=tuple(
            mrows.RepositoryRow(r.id, r.service_line_id) for r in scope.repositories
        ),
        lines=tuple(mrows.ServiceLineRow(line.id, line.sprint_days) for line in scope.lines),
        deployments=deployments,
        derived=derived,
        lead_times=store.load_lead_times(conn, ids, lo, hi) if "lead_times" in needed else (),
        merged_pull_requests=store.load_merged_pull_requests(conn, ids, cuts)
        if "merged_pull_requests" in needed
        else (),
        coverage=store.load_coverage(conn, ids, lo, hi) if "coverage" in needed else (),
        churn=store.load_churn(conn, ids, cuts) if "churn" in needed else (),
        incidents=_scoped_incidents(conn, scope, as_of) if "incidents" in needed else (),
        tasks=store.load_tasks(conn, scope.workspace_id, ids, lo, hi) if "tasks" in needed else (),
    )


def _rederive(
    ctx: Context, scope: Scope, repo_ids: list[int], deployment_ids: list[int]
) -> dict[int, mrows.DerivedDeployment]:
    """Deployments without outcomes (a database from before derivation existed, or one a
    crashed older version left): derive them now, once, instead of failing the read."""
    from .delivery import rederive
    from .store.db import write_transaction

    with write_transaction(ctx.conn):
        for repo_id in repo_ids:
            rederive(ctx.conn, repo_id, scope.workspace_id)
    return store.load_outcomes(ctx.conn, scope.repo_ids, deployment_ids=deployment_ids)


def _scoped_incidents(conn, scope: Scope, as_of: datetime) -> list[mrows.IncidentRow]:  # type: ignore[no-untyped-def]
    incidents = store.load_incidents(conn, scope.workspace_id, until=as_of)
    if scope.repository is None and scope.line is None:
        return incidents
    ids = set(scope.repo_ids)
    line_ids = {line.id for line in scope.lines} if scope.line else set()
    return [i for i in incidents if i.repo_id in ids or (i.service_line_id in line_ids)]


def series(
    ctx: Context,
    metric: Metric,
    scope: Scope,
    *,
    start: Moment,
    end: Moment,
    granularity: Granularity,
    tz: str,
    as_of: datetime,
) -> Series:
    sprint_days, anchor = scope.sprint_calendar()
    buckets = make_buckets(start, end, granularity, tz, sprint_days, anchor)
    inputs = load_inputs(ctx, scope, [metric], buckets, as_of=as_of)
    return compute_series(metric, buckets, inputs)


def default_range(
    start: Moment | None, end: Moment | None, as_of: datetime
) -> tuple[Moment, Moment]:
    """``--to`` defaults to the as-of moment, ``--from`` to 12 weeks before ``--to``."""
    end = end or as_of
    start = start or (_aware(end, end=True) - timedelta(days=DEFAULT_SERIES_DAYS))
    if _aware(start, end=False) >= _aware(end, end=True):
        raise UsageError("--from must be before --to")
    if _aware(start, end=False) > as_of:
        raise UsageError("--from is after the as-of moment: nothing has happened yet")
    return start, end

"""Scorecard (§6) and health (§7) for a scope, as of a moment (benchmarks: benchmarking.py).

Window values are the metric over the whole window (not a mean of weekly points); the
trend compares the window with the one before it; the projection rule reads the weekly
points of the last two windows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from . import paths
from .config import read_config
from .metrics.buckets import Bucket, Granularity, make_buckets, window_bucket
from .metrics.catalog import CATALOG, Metric
from .metrics.rows import CoverageRow, DeploymentRow, MetricInputs
from .metrics.series import INPUTS_BY_METRIC, compute_values
from .metrics.values import MetricValue, round1
from .reporting import Scope, load_inputs
from .scoring.bands import DEFAULT_BANDS, Bands
from .scoring.people import bus_factor
from .scoring.scorecard import Signal, SignalInput, score_signals
from .store import activity
from .workspace import Context

DEFAULT_WINDOW_DAYS = 28

#: how to get data a metric lacks (health's context, the scorecard's missing list)
HOW_TO_ADD = {
    Metric.DEPLOYMENT_FREQUENCY: "tag releases, set --deploy-tags/--deploy-branch, or run "
    "`devintel deployments record` from CI",
    Metric.CYCLE_TIME: "needs deployments after the first one (see deployment_frequency)",
    Metric.PR_REVIEW_TIME: "`devintel import prs FILE` (gh pr list --json …) or merge PRs "
    "with merge commits",
    Metric.CHANGE_FAILURE_RATE: "needs deployments (see deployment_frequency)",
    Metric.TEST_COVERAGE: "`devintel import coverage FILE --repo R` (Cobertura, LCOV, coverage.py)",
    Metric.CODE_CHURN: "needs commits authored in the window",
    Metric.OPEN_INCIDENT_RATE: "`devintel import incidents FILE`",
    Metric.TASK_THROUGHPUT: "`devintel import tasks FILE`, or close tasks in commit messages "
    "(fixes PAY-12)",
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: "needs failed deployments that recovered",
    Metric.REWORK_RATE: "needs deployments (see deployment_frequency)",
}


class MetricWindow(NamedTuple):
    metric: Metric
    current: MetricValue
    previous: MetricValue
    weekly: tuple[float | None, ...]


class ScorecardResult(NamedTuple):
    window_days: int
    signals: list[Signal]
    missing: list[tuple[Metric, str]]
    windows: dict[Metric, MetricWindow]
    overall_score: int | None


def load_bands(ctx: Context) -> Bands:
    data = read_config(paths.config_path(ctx.state_dir))
    return Bands.from_mapping(data["bands"]) if "bands" in data else DEFAULT_BANDS


class _WindowBuckets(NamedTuple):
    """The buckets a scorecard computes: the window before and the window (contiguous, so
    one pass computes both), and the weeks of the last two windows."""

    windows: list[Bucket]
    weeks: list[Bucket]
    lookback_weeks: int

    @classmethod
    def ending(cls, as_of: datetime, window_days: int) -> _WindowBuckets:
        window = timedelta(days=window_days)
        lookback_weeks = 2 * math.ceil(window_days / 7)
        return cls(
            windows=[
                window_bucket(as_of - 2 * window, as_of - window),
                window_bucket(as_of - window, as_of),
            ],
            weeks=make_buckets(as_of - timedelta(weeks=lookback_weeks), as_of, Granularity.WEEKLY),
            lookback_weeks=lookback_weeks,
        )

    @property
    def all(self) -> list[Bucket]:
        return [*self.windows, *self.weeks]

    def compute(
        self, metrics: Iterable[Metric], inputs: MetricInputs
    ) -> dict[Metric, MetricWindow]:
        result = {}
        for metric in metrics:
            previous, current = compute_values(metric, self.windows, inputs)
            weekly = tuple(v.value for v in compute_values(metric, self.weeks, inputs))
            result[metric] = MetricWindow(metric, current, previous, weekly[-self.lookback_weeks :])
        return result


def metric_windows(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    metrics: tuple[Metric, ...] = tuple(CATALOG),
) -> dict[Metric, MetricWindow]:
    """Each metric over [as_of − window, as_of), over the window before, and weekly over the
    last two windows (oldest → newest) — loaded from the store once."""
    buckets = _WindowBuckets.ending(as_of, window_days)
    return buckets.compute(metrics, load_inputs(ctx, scope, metrics, buckets.all, as_of=as_of))


#: inputs whose rows name their repository (a deployment's derived row through its
#: deployment), so one scope read divides exactly into per-repository reads
_SPLITS_BY_REPOSITORY = frozenset({"deployments", "derived", "coverage"})


def metric_windows_by_repository(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    metrics: tuple[Metric, ...],
) -> dict[int, dict[Metric, MetricWindow]]:
    """``metric_windows`` of each repository of the scope, from one read of the scope split
    by repository: what risk needs for 50 repositories without 50 reads. Only for metrics
    that read nothing but deployments, their derived rows and coverage (change failure rate,
    rework, recovery, coverage), where the split is exact."""
    needed = set().union(*(INPUTS_BY_METRIC[m] for m in metrics))
    if not needed <= _SPLITS_BY_REPOSITORY:
        raise ValueError(f"cannot split {sorted(needed - _SPLITS_BY_REPOSITORY)} by repository")
    buckets = _WindowBuckets.ending(as_of, window_days)
    inputs = load_inputs(ctx, scope, metrics, buckets.all, as_of=as_of)
    deployments: dict[int, list[DeploymentRow]] = defaultdict(list)
    for deployment in inputs.deployments:
        deployments[deployment.repo_id].append(deployment)
    coverage: dict[int, list[CoverageRow]] = defaultdict(list)
    for report in inputs.coverage:
        coverage[report.repo_id].append(report)
    return {
        repo.id: buckets.compute(
            metrics,
            MetricInputs(
                deployments=deployments[repo.id],
                derived=inputs.derived,
                coverage=coverage[repo.id],
            ),
        )
        for repo in scope.repositories
    }


def task_target(scope: Scope) -> float | None:
    lines = [scope.line] if scope.line else list(scope.lines)
    return float(lines[0].task_target) if len(lines) == 1 else None


def scorecard(
    ctx: Context, scope: Scope, *, as_of: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> ScorecardResult:
    windows = metric_windows(ctx, scope, as_of=as_of, window_days=window_days)
    inputs = [
        SignalInput(
            metric=w.metric,
            value=w.current.value,
            previous_value=w.previous.value,
            weekly_values=w.weekly,
            target=task_target(scope) if w.metric is Metric.TASK_THROUGHPUT else None,
        )
        for w in windows.values()
    ]
    signals = score_signals(inputs, bands=load_bands(ctx), window_days=window_days)
    missing = [
        (w.metric, w.current.reason or "no data")
        for w in windows.values()
        if w.current.value is None
    ]
    from .scoring.scorecard import overall_score

    return ScorecardResult(window_days, signals, missing, windows, overall_score(signals))


def team_activity(
    ctx: Context, scope: Scope, *, as_of: datetime, window_days: int
) -> tuple[int, int | None]:
    """(active contributors, bus factor) over the window."""
    counts = activity.author_commit_counts(
        ctx.conn, scope.repo_ids, as_of - timedelta(days=window_days), as_of
    )
    return len(counts), bus_factor([c for _, c in counts])


def _scope_fields(scope: Scope) -> dict[str, str | None]:
    return {
        "workspace_id": scope.workspace_id,
        "service_line_id": scope.line.id if scope.line else None,
        "repository": scope.repository.name if scope.repository else None,
    }


def _missing(result: ScorecardResult):  # type: ignore[no-untyped-def]
    from .models import MissingMetricOut

    return [
        MissingMetricOut(metric=str(m), reason=reason, how_to_add=HOW_TO_ADD[m])
        for m, reason in result.missing
    ]


def scorecard_report(ctx: Context, scope: Scope, *, as_of: datetime, window_days: int):  # type: ignore[no-untyped-def]
    """The scorecard as its output model (§6 shape)."""
    from .models import ProjectionOut, ScorecardOut, SignalOut
    from .timeutil import iso_z

    result = scorecard(ctx, scope, as_of=as_of, window_days=window_days)
    signals = []
    for s in result.signals:
        window = result.windows[s.metric]
        p = s.projection
        signals.append(
            SignalOut(
                metric=str(s.metric),
                value=round1(s.value),
                unit=str(s.unit),
                status=str(s.status),
                trend=str(s.trend),
                band_status=str(s.band_status),
                previous_value=round1(window.previous.value),
                weekly_values=[round1(v) for v in window.weekly],
                projection=ProjectionOut(
                    slope_per_week=round1(p.slope_per_week),
                    projected_value=round1(p.projected_value),
                    horizon_days=p.horizon_days,
                    points=p.points,
                    leaves_green=p.leaves_green,
                )
                if p
                else None,
            )
        )
    return ScorecardOut(
        **_scope_fields(scope),
        computed_at=iso_z(as_of),
        window_days=window_days,
        overall_score=result.overall_score,
        signals=signals,
        missing=_missing(result),
    )


def health_report(ctx: Context, scope: Scope, *, as_of: datetime, window_days: int):  # type: ignore[no-untyped-def]
    """Health (§7): dimensions and the context that explains them."""
    from .models import DimensionOut, HealthContextOut, HealthOut, IndicatorOut
    from .scoring.health import dimensions, health_score, score_status
    from .store.delivery import count_deployments
    from .timeutil import iso_z, parse_iso

    result = scorecard(ctx, scope, as_of=as_of, window_days=window_days)
    contributors, bus = team_activity(ctx, scope, as_of=as_of, window_days=window_days)
    dims = dimensions(result.signals, active_contributors=contributors, bus_factor=bus)
    score = health_score(dims)
    synced = [parse_iso(r.last_synced_at) for r in scope.repositories if r.last_synced_at]
    start = as_of - timedelta(days=window_days)
    deployments_in_window = count_deployments(ctx.conn, scope.repo_ids, start, as_of)
    return HealthOut(
        **_scope_fields(scope),
        computed_at=iso_z(as_of),
        window_days=window_days,
        score=score,
        status=str(score_status(score)) if score is not None else None,
        dimensions=[
            DimensionOut(
                name=d.name,
                score=d.score,
                status=str(d.status) if d.status else None,
                indicators=[
                    IndicatorOut(
                        name=i.name,
                        value=round1(i.value),
                        status=str(i.status) if i.status else None,
                    )
                    for i in d.indicators
                ],
            )
            for d in dims
        ],
        context=HealthContextOut(
            repositories=len(scope.repositories),
            # a sync after the as-of moment means the data is as fresh as it can be: age 0
            last_sync_age_hours=round1(max(0.0, (as_of - max(synced)).total_seconds() / 3600))
            if synced
            else None,
            active_contributors=contributors,
            bus_factor=bus,
            deployments_in_window=deployments_in_window,
            missing=_missing(result),
        ),
    )

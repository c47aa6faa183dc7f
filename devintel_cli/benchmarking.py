"""Benchmarks (§8) for a scope, as of a moment: the scope's window values against the
shipped reference distributions (or the user's file laid over them), with the DORA tier of
the chosen profile."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from .metrics.buckets import window_bucket
from .metrics.catalog import CATALOG, Metric
from .metrics.series import compute_values
from .metrics.values import MetricValue, round1
from .reporting import Scope, load_inputs
from .scorecards import HOW_TO_ADD, team_activity
from .workspace import Context


def window_values(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    metrics: tuple[Metric, ...] = tuple(CATALOG),
) -> dict[Metric, MetricValue]:
    """Each metric over [as_of − window, as_of) alone — no previous window, no weekly
    points: what benchmarks compare, read for one window only."""
    window = window_bucket(as_of - timedelta(days=window_days), as_of)
    inputs = load_inputs(ctx, scope, metrics, [window], as_of=as_of)
    return {metric: compute_values(metric, [window], inputs)[0] for metric in metrics}


def benchmarks_report(  # type: ignore[no-untyped-def]
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    reference_file: Path | None = None,
    profile_name: str | None = None,
):
    """Benchmarks (§8): the scope's window values against the shipped reference (or the
    user's file laid over it), with the DORA tier of the chosen profile."""
    from .models import BenchmarkOut, BenchmarksOut, MissingMetricOut
    from .scoring.benchmarks import benchmark_row, builtin_reference, load_reference_file
    from .scoring.profiles import DEFAULT_PROFILE, get_profile
    from .timeutil import iso_z

    reference = builtin_reference()
    if reference_file is not None:
        reference = reference.overlay(load_reference_file(reference_file))
    profile = get_profile(profile_name or DEFAULT_PROFILE)
    measured = window_values(ctx, scope, as_of=as_of, window_days=window_days)
    contributors, _ = team_activity(ctx, scope, as_of=as_of, window_days=window_days)
    rows, unavailable = [], []
    for metric, current in measured.items():
        value = round1(current.value)
        row = benchmark_row(
            metric, value, reference, active_contributors=contributors, profile=profile
        )
        if row is None:
            reason = current.reason if value is None else "no reference distribution"
            unavailable.append(
                MissingMetricOut(
                    metric=str(metric), reason=reason or "no data", how_to_add=HOW_TO_ADD[metric]
                )
            )
            continue
        rows.append(
            BenchmarkOut(
                metric=str(row.metric),
                workspace_value=value,
                platform_median=round1(row.platform_median),
                percentile=row.percentile,
                assessment=str(row.assessment),
                cohort=row.cohort,
                source=row.source,
                dora_tier=row.dora_tier,
            )
        )
    return BenchmarksOut(
        workspace_id=scope.workspace_id,
        computed_at=iso_z(as_of),
        window_days=window_days,
        profile=profile.name,
        profile_caveat=profile.caveat,
        benchmarks=rows,
        unavailable=unavailable,
    )

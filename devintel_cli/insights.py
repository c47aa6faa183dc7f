"""Insights (§9) for a scope, as of a moment: every metric's weekly series over the last
``HISTORY_WEEKS`` complete weeks, the detectors of ``scoring.insights`` over them, the
benchmark percentiles of the last two 4-week windows, and an ID per finding that stays
the same when the finding is computed again (docs/insights.md).

Complete weeks only (ISO weeks, UTC, ending before the as-of moment's week): a week still
running would read as a drop in every count, and a finding computed on any day of a week
is then the same finding, with the same key and ID.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .benchmarking import cohort_in_background
from .metrics.buckets import Bucket, Granularity, make_buckets, window_bucket
from .metrics.catalog import CATALOG, Metric
from .metrics.rows import MetricInputs
from .metrics.series import compute_series, compute_values
from .metrics.values import round1
from .reporting import Scope, load_inputs
from .scorecards import load_bands, task_target
from .scoring import insights as rules
from .scoring.bands import Bands, Status
from .store.insights import insight_ids
from .workspace import Context

#: the weeks a series covers: the last complete week and the 12 before it, the weeks
#: `devintel metrics` shows by default — a quarter as the history anomalies are judged
#: against (at least 8 weeks with a value), the last ``scoring.insights.TREND_BUCKETS`` for
#: trends. 26 weeks were tried first: reading them took 0.1 s more on the 1M-commit
#: database (13 weeks: 0.88x, A/B), which put the command over 1 s in slow minutes.
HISTORY_WEEKS = 13
#: the benchmark windows: the last four complete weeks against the four before
BENCHMARK_WINDOW_DAYS = 28
DEFAULT_LIMIT = 20


def last_complete_week_end(as_of: datetime) -> datetime:
    """Monday 00:00 UTC of the as-of moment's week: where the complete weeks end."""
    moment = as_of.astimezone(UTC)
    monday = moment.date() - timedelta(days=moment.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def _scope_key(scope: Scope) -> str:
    if scope.repository is not None:
        return f"repo:{scope.repository.id}"
    if scope.line is not None:
        return f"line:{scope.line.id}"
    return "workspace"


def _line_id(scope: Scope) -> str | None:
    if scope.line is not None:
        return scope.line.id
    return scope.repository.service_line_id if scope.repository is not None else None


def _is_red(bands: Bands, metric: Metric, value: float | None, target: float | None) -> bool:
    """The metric's status is red: ``value`` in the configured bands, as the scorecard
    judges it (§6; ``target``, the scope's task target, counts for task throughput only)."""
    return value is not None and bands.status(metric, value, target=target) is Status.RED


def series_findings(
    weeks: list[Bucket], inputs: MetricInputs, *, bands: Bands, target: float | None
) -> list[rules.Finding]:
    """Anomalies, trends and recommendations over each metric's weekly series; a metric
    is red by its newest weekly value."""
    findings: list[rules.Finding] = []
    directions = {}
    for metric in CATALOG:
        points = [
            rules.Point(p.label, p.start, p.value)
            for p in compute_series(metric, weeks, inputs).points
        ]
        newest = next((p.value for p in reversed(points) if p.value is not None), None)
        red = _is_red(bands, metric, newest, target)
        test = rules.trend_test(points)
        for finding in (
            rules.anomaly(metric, points, red=red),
            rules.trend_finding(metric, test, red=red),
        ):
            if finding is not None:
                findings.append(finding)
        if test is not None:
            directions[metric] = test.direction
    last = weeks[-1]
    return findings + rules.recommendations(directions, about=last.start, about_label=last.label)


def benchmark_findings(
    end: datetime,
    inputs: MetricInputs,
    cohort: tuple[int, str | None],
    *,
    bands: Bands,
    target: float | None,
) -> list[rules.Finding]:
    """Metrics whose percentile among the reference peers (§8: the shipped reference, in
    the scope's cohort over the last window) crossed a quartile between the 4 weeks before
    ``end`` and the 4 weeks before those. Computed from the weekly series' inputs: the
    windows' bounds are week bounds, so the same rows measure them exactly (the values are
    those of `devintel benchmarks --window 28d` as of ``end``, and 28 days earlier)."""
    from .scoring.benchmarks import benchmark_row, builtin_reference

    days = BENCHMARK_WINDOW_DAYS
    windows = [
        window_bucket(end - timedelta(days=2 * days), end - timedelta(days=days)),
        window_bucket(end - timedelta(days=days), end),
    ]
    contributors, language = cohort
    reference = builtin_reference(days)
    label = (end - timedelta(days=1)).date().isoformat()
    findings = []
    for metric in CATALOG:
        rows = [
            benchmark_row(
                metric,
                round1(value.value),
                reference,
                active_contributors=contributors,
                language=language,
                profile=None,
            )
            for value in compute_values(metric, windows, inputs)
        ]
        if rows[0] is None or rows[1] is None:
            continue
        finding = rules.benchmark_crossing(
            metric,
            rows[0].percentile,
            rows[1].percentile,
            cohort=rows[1].cohort,
            window_days=days,
            about=end - timedelta(weeks=1),  # as recent as the series' last week
            about_label=label,
            red=_is_red(bands, metric, rows[1].workspace_value, target),
        )
        if finding is not None:
            findings.append(finding)
    return findings


def insights_report(  # type: ignore[no-untyped-def]
    ctx: Context, scope: Scope, *, as_of: datetime, limit: int = DEFAULT_LIMIT
):
    """The §9 list, most severe and newest first, at most ``limit``. Every finding found
    gets its ID (kept per key in the store) before the list is cut, so an insight's ID
    does not depend on ``--limit``."""
    from .models import InsightOut
    from .timeutil import iso_z

    end = last_complete_week_end(as_of)
    bands = load_bands(ctx)
    reading_cohort = cohort_in_background(
        ctx, scope, as_of=end, window_days=BENCHMARK_WINDOW_DAYS
    )
    weeks = make_buckets(end - timedelta(weeks=HISTORY_WEEKS), end, Granularity.WEEKLY, "UTC")
    inputs = load_inputs(ctx, scope, list(Metric), weeks, as_of=end)
    target = task_target(scope)
    findings = rules.sort_findings(
        series_findings(weeks, inputs, bands=bands, target=target)
        + benchmark_findings(end, inputs, reading_cohort.result(), bands=bands, target=target)
    )
    keys = [f"{_scope_key(scope)}:{f.key}" for f in findings]
    ids = insight_ids(ctx.conn, scope.workspace_id, keys, as_of)
    line_id = _line_id(scope)
    return [
        InsightOut(
            id=ids[key],
            type=str(f.type),
            severity=str(f.severity),
            title=f.title,
            body=f.body,
            metrics_referenced=[str(m) for m in f.metrics],
            service_line_id=line_id,
            generated_at=iso_z(as_of),
        )
        for key, f in list(zip(keys, findings, strict=True))[:limit]
    ]

"""Series of a metric over buckets, with point trends and the period average (§5), and the
metric over one whole window (§6's scorecard value).

Points are rounded to one decimal (§12); trends compare rounded values, so a reader can
check them from the output. Median and ratio metrics omit buckets without data; count
metrics emit 0 for them, and when the scope has no data for a count metric at all (no
deployments detected, no incidents imported) every bucket is emitted with value ``None``:
no data is never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from devintel_cli.metrics import code, delivery, operations, quality
from devintel_cli.metrics.buckets import Bucket, window_bucket
from devintel_cli.metrics.catalog import CATALOG, Metric, MetricInfo, Trend, Unit, point_trend
from devintel_cli.metrics.deployments import DEFAULT_PRODUCTION_PATTERN
from devintel_cli.metrics.rows import MetricInputs
from devintel_cli.metrics.values import MetricValue, round1

#: the ``MetricInputs`` fields each metric reads: the store need load only these
INPUTS_BY_METRIC: dict[Metric, frozenset[str]] = {
    Metric.DEPLOYMENT_FREQUENCY: frozenset({"deployments", "repositories"}),
    Metric.CYCLE_TIME: frozenset({"deployments", "derived", "lead_times"}),
    Metric.PR_REVIEW_TIME: frozenset({"merged_pull_requests"}),
    Metric.CHANGE_FAILURE_RATE: frozenset({"deployments", "derived"}),
    Metric.TEST_COVERAGE: frozenset({"coverage"}),
    Metric.CODE_CHURN: frozenset({"churn"}),
    Metric.OPEN_INCIDENT_RATE: frozenset({"incidents", "repositories", "lines"}),
    Metric.TASK_THROUGHPUT: frozenset({"tasks", "repositories", "lines"}),
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: frozenset({"deployments", "derived"}),
    Metric.REWORK_RATE: frozenset({"deployments", "derived"}),
}

_Compute = Callable[[Sequence[Bucket], MetricInputs, str], list[MetricValue]]

_COMPUTE: dict[Metric, _Compute] = {
    Metric.DEPLOYMENT_FREQUENCY: lambda b, i, p: delivery.deployment_frequency(
        b, i.deployments, production_pattern=p
    ),
    Metric.CYCLE_TIME: lambda b, i, p: delivery.cycle_time(
        b, i.deployments, i.derived, i.lead_times, production_pattern=p
    ),
    Metric.PR_REVIEW_TIME: lambda b, i, p: delivery.pr_review_time(b, i.merged_pull_requests),
    Metric.CHANGE_FAILURE_RATE: lambda b, i, p: quality.change_failure_rate(
        b, i.deployments, i.derived, production_pattern=p
    ),
    Metric.TEST_COVERAGE: lambda b, i, p: quality.test_coverage(b, i.coverage),
    Metric.CODE_CHURN: lambda b, i, p: code.code_churn(b, i.churn),
    Metric.OPEN_INCIDENT_RATE: lambda b, i, p: operations.open_incident_rate(
        b, i.incidents, i.repositories, i.lines
    ),
    Metric.TASK_THROUGHPUT: lambda b, i, p: operations.task_throughput(
        b, i.tasks, i.repositories, i.lines
    ),
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: lambda b, i, p: quality.failed_deployment_recovery_time(
        b, i.deployments, i.derived, production_pattern=p
    ),
    Metric.REWORK_RATE: lambda b, i, p: quality.rework_rate(
        b, i.deployments, i.derived, production_pattern=p
    ),
}


def compute_values(
    metric: Metric | str,
    buckets: Sequence[Bucket],
    inputs: MetricInputs,
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """The metric's unrounded value in each bucket, in bucket order (None where absent)."""
    return _COMPUTE[Metric(metric)](buckets, inputs, production_pattern)


class SeriesPoint(NamedTuple):
    label_key: str
    label: str
    #: rounded to one decimal (§12); None only for a count metric without any data
    value: float | None
    trend: Trend
    numerator: float | None
    denominator: float | None
    samples: int
    #: the bucket's whole calendar bounds (a sprint's start/end), aware, in the series' zone
    start: datetime
    end: datetime
    estimated: bool = False
    branch_coverage: float | None = None

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        """The §5 point: ``{"week": "2026-W01", "value": 18.4, "trend": "stable"}``.

        Sprints add ``start``/``end`` (dates, end inclusive); ``explain`` adds numerator,
        denominator and samples. Optional facts appear only when set.
        """
        point: dict[str, Any] = {
            self.label_key: self.label,
            "value": self.value,
            "trend": str(self.trend),
        }
        if self.label_key == "sprint":
            point["start"] = self.start.date().isoformat()
            point["end"] = (self.end.date() - timedelta(days=1)).isoformat()
        if self.estimated:
            point["estimated"] = True
        if self.branch_coverage is not None:
            point["branch_coverage"] = self.branch_coverage
        if explain:
            point["numerator"] = _round_count(self.numerator)
            point["denominator"] = _round_count(self.denominator)
            point["samples"] = self.samples
        return point


def _round_count(number: float | None) -> float | int | None:
    if number is None or isinstance(number, int):
        return number
    return round1(number)


class Series(NamedTuple):
    metric: Metric
    unit: Unit
    points: tuple[SeriesPoint, ...]
    #: mean of the points' (rounded) values, one decimal; None when no point has a value
    period_average: float | None
    #: why values are absent: per bucket ("2026-W03: no deployments in this period"), or
    #: once for the whole series when nothing at all could be measured
    reasons: tuple[str, ...]


def compute_series(
    metric: Metric | str,
    buckets: Sequence[Bucket],
    inputs: MetricInputs,
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> Series:
    """The §5 series of ``metric`` over ``buckets`` (from ``make_buckets``)."""
    info = CATALOG[Metric(metric)]
    values = compute_values(info.metric, buckets, inputs, production_pattern=production_pattern)
    return build_series(info, buckets, values)


def build_series(
    info: MetricInfo, buckets: Sequence[Bucket], values: Sequence[MetricValue]
) -> Series:
    """Series from per-bucket values: rounding, omission, trends, average, reasons."""
    points: list[SeriesPoint] = []
    absences: list[tuple[str, str]] = []
    previous: float | None = None
    for bucket, value in zip(buckets, values, strict=True):
        rounded = round1(value.value)
        if rounded is None:
            absences.append((bucket.label, value.reason or "no data"))
            if not info.is_count:
                continue
        trend = point_trend(previous, rounded, info.better)
        if rounded is not None:
            previous = rounded
        points.append(
            SeriesPoint(
                label_key=bucket.label_key,
                label=bucket.label,
                value=rounded,
                trend=trend,
                numerator=value.numerator,
                denominator=value.denominator,
                samples=value.samples,
                start=bucket.start,
                end=bucket.end,
                estimated=value.estimated,
                branch_coverage=round1(value.branch_coverage),
            )
        )
    present = [p.value for p in points if p.value is not None]
    average = round1(sum(present) / len(present)) if present else None
    if absences and len(absences) == len(buckets):
        reasons = tuple(dict.fromkeys(reason for _, reason in absences))
    else:
        reasons = tuple(f"{label}: {reason}" for label, reason in absences)
    return Series(info.metric, info.unit, tuple(points), average, reasons)


def compute_window(
    metric: Metric | str,
    start: datetime | date,
    end: datetime | date,
    inputs: MetricInputs,
    *,
    tz: str = "UTC",
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> MetricValue:
    """The metric over the whole window ``[start, end)`` as one bucket (unrounded).

    Not a mean of bucket values: a median is taken over all the window's samples and a
    ratio over its totals, as the scorecard needs (§6). Dates follow ``window_bucket``.
    """
    bucket = window_bucket(start, end, tz)
    return compute_values(metric, [bucket], inputs, production_pattern=production_pattern)[0]

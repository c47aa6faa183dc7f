"""The metric catalogue: every metric's name, unit and better direction (§4), and the
point-trend rule (§5) that series, scorecards, insights and alerts all share.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Metric(StrEnum):
    DEPLOYMENT_FREQUENCY = "deployment_frequency"
    CYCLE_TIME = "cycle_time"
    PR_REVIEW_TIME = "pr_review_time"
    CHANGE_FAILURE_RATE = "change_failure_rate"
    TEST_COVERAGE = "test_coverage"
    CODE_CHURN = "code_churn"
    OPEN_INCIDENT_RATE = "open_incident_rate"
    TASK_THROUGHPUT = "task_throughput"
    FAILED_DEPLOYMENT_RECOVERY_TIME = "failed_deployment_recovery_time"
    REWORK_RATE = "rework_rate"


class Unit(StrEnum):
    HOURS = "hours"
    PER_WEEK = "per_week"
    PERCENT = "percent"
    PER_SPRINT = "per_sprint"


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    STABLE = "stable"


class MetricInfo(NamedTuple):
    metric: Metric
    unit: Unit
    better: Better
    #: count metrics emit 0 for empty buckets; median/ratio metrics omit them (§5)
    is_count: bool


CATALOG: dict[Metric, MetricInfo] = {
    info.metric: info
    for info in (
        MetricInfo(Metric.DEPLOYMENT_FREQUENCY, Unit.PER_WEEK, Better.HIGHER, is_count=True),
        MetricInfo(Metric.CYCLE_TIME, Unit.HOURS, Better.LOWER, is_count=False),
        MetricInfo(Metric.PR_REVIEW_TIME, Unit.HOURS, Better.LOWER, is_count=False),
        MetricInfo(Metric.CHANGE_FAILURE_RATE, Unit.PERCENT, Better.LOWER, is_count=False),
        MetricInfo(Metric.TEST_COVERAGE, Unit.PERCENT, Better.HIGHER, is_count=False),
        MetricInfo(Metric.CODE_CHURN, Unit.PERCENT, Better.LOWER, is_count=False),
        MetricInfo(Metric.OPEN_INCIDENT_RATE, Unit.PER_WEEK, Better.LOWER, is_count=True),
        MetricInfo(Metric.TASK_THROUGHPUT, Unit.PER_SPRINT, Better.HIGHER, is_count=True),
        MetricInfo(
            Metric.FAILED_DEPLOYMENT_RECOVERY_TIME, Unit.HOURS, Better.LOWER, is_count=False
        ),
        MetricInfo(Metric.REWORK_RATE, Unit.PERCENT, Better.LOWER, is_count=False),
    )
}

#: relative change below which a point counts as stable (§5)
STABLE_RELATIVE_CHANGE = 0.05


def point_trend(previous: float | None, current: float | None, better: Better) -> Trend:
    """§5: compare a value with the previous one; |relative change| < 5 % is stable.

    The first point (no previous value) is stable. A previous value of 0 makes any
    change infinitely large relative to it, so a move away from 0 is never stable.
    """
    if previous is None or current is None:
        return Trend.STABLE
    if previous == 0:
        if current == 0:
            return Trend.STABLE
        relative = float("inf") if current > 0 else float("-inf")
    else:
        relative = (current - previous) / abs(previous)
    if abs(relative) < STABLE_RELATIVE_CHANGE:
        return Trend.STABLE
    went_up = relative > 0
    if (better is Better.HIGHER) == went_up:
        return Trend.IMPROVING
    return Trend.WORSENING

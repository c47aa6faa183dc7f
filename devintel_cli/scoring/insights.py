"""Insights (§9): findings over metric series, each with a templated narrative.

Pure functions over plain numbers, with the statistics of ``scoring.stats``, so the same
history gives the same insights on every run and machine. Four kinds:

- **anomaly**: the last complete bucket against the buckets before it, by robust z-score
  (median and MAD): |z| ≥ ``ANOMALY_Z``, 3.5, the modified z-score cut-off of Iglewicz and
  Hoaglin. At least ``MIN_HISTORY`` earlier values are needed.
- **trend**: a Mann–Kendall test (α = 0.05) over the last ``TREND_BUCKETS`` buckets, at
  least ``MIN_TREND_VALUES`` of them with a value; the narrative gives the Theil–Sen line's
  value at the first and at the last of them ("increased from 1.2 % to 3.8 % over the last
  8 weeks").
- **recommendation**: rules over metrics that move together (``RULES``), from the same
  trend tests: deploys up, change failure rate up and coverage flat or down → the pace
  outruns the tests; and so on.
- **benchmark**: a metric whose percentile among the reference peers (§8) crossed a quartile
  between the previous window and this one.

Severity (§9: "by magnitude and signal status"): a finding that says a metric got better is
``low``; worse is ``medium``, ``high`` when large (|z| ≥ ``ANOMALY_HIGH_Z``; a trend whose
line moved by ``TREND_HIGH_CHANGE`` or more of its start; two quartiles down) or when the
metric's scorecard status is red. Every finding has a ``key``: what makes it *the same
finding* when recomputed, so that its ID can stay (docs/insights.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from ..metrics.catalog import CATALOG, Better, Metric, Unit
from .stats import MKTrend, mann_kendall, median, robust_z, sen_line

#: |robust z| from which the last bucket is an anomaly (Iglewicz & Hoaglin's 3.5)
ANOMALY_Z = 3.5
#: |robust z| from which a worsening anomaly is high rather than medium
ANOMALY_HIGH_Z = 5.0
#: earlier values an anomaly needs to be judged against
MIN_HISTORY = 8
#: recent buckets a trend is tested over, and how many of them need a value
TREND_BUCKETS = 8
MIN_TREND_VALUES = 6
TREND_ALPHA = 0.05
#: relative move of the trend line (|end − start| ÷ |start|) from which a worsening trend
#: is high rather than medium
TREND_HIGH_CHANGE = 0.5


class InsightType(StrEnum):
    ANOMALY = "anomaly"
    TREND = "trend"
    RECOMMENDATION = "recommendation"
    BENCHMARK = "benchmark"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}

LABELS: dict[Metric, str] = {
    Metric.DEPLOYMENT_FREQUENCY: "Deployment frequency",
    Metric.CYCLE_TIME: "Cycle time",
    Metric.PR_REVIEW_TIME: "PR review time",
    Metric.CHANGE_FAILURE_RATE: "Change failure rate",
    Metric.TEST_COVERAGE: "Test coverage",
    Metric.CODE_CHURN: "Code churn",
    Metric.OPEN_INCIDENT_RATE: "Open incident rate",
    Metric.TASK_THROUGHPUT: "Task throughput",
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: "Failed deployment recovery time",
    Metric.REWORK_RATE: "Rework rate",
}

_UNITS = {
    Unit.HOURS: " h",
    Unit.PER_WEEK: " a week",
    Unit.PERCENT: "%",
    Unit.PER_SPRINT: " a sprint",
}


def _in_sentence(metric: Metric) -> str:
    """The label inside a sentence: "cycle time", but "PR review time"."""
    label = LABELS[metric]
    return label if label[1:2].isupper() else label[0].lower() + label[1:]


def fmt(metric: Metric, value: float) -> str:
    """A value as the narrative prints it: one decimal and the metric's unit."""
    return f"{value:.1f}{_UNITS[CATALOG[metric].unit]}"


class Point(NamedTuple):
    """One complete bucket of a metric's series: its label (``2026-W14``), its start (for
    recency) and its value (None: nothing to measure in it)."""

    label: str
    start: datetime
    value: float | None


class Finding(NamedTuple):
    type: InsightType
    severity: Severity
    title: str
    body: str
    metrics: tuple[Metric, ...]
    #: when the finding is about (the bucket's or the window's start): newer sorts first
    about: datetime
    #: what makes two computations the same finding (the ID is kept per key)
    key: str


def _worse(metric: Metric, increased: bool) -> bool:
    return increased is (CATALOG[metric].better is Better.LOWER)


def _severity(worse: bool, large: bool, red: bool) -> Severity:
    if not worse:
        return Severity.LOW
    return Severity.HIGH if large or red else Severity.MEDIUM


def anomaly(
    metric: Metric, points: Sequence[Point], *, unit_name: str = "weeks", red: bool = False
) -> Finding | None:
    """The last point against every earlier point with a value; None when the last point
    has no value, there are fewer than ``MIN_HISTORY`` earlier values, or |z| < 3.5.
    ``unit_name``: what a bucket is called in the narrative (plural). ``red``: the
    metric's scorecard status is red (a worsening anomaly is then high)."""
    if not points or points[-1].value is None:
        return None
    last = points[-1]
    history = [p.value for p in points[:-1] if p.value is not None]
    if len(history) < MIN_HISTORY:
        return None
    z = robust_z(history, last.value)
    if z is None or abs(z) < ANOMALY_Z:
        return None
    rose = z > 0
    worse = _worse(metric, rose)
    centre = median(history)
    spread = "all at that value" if math.isinf(z) else f"robust z-score {z:+.1f}"
    return Finding(
        type=InsightType.ANOMALY,
        severity=_severity(worse, abs(z) >= ANOMALY_HIGH_Z, red),
        title=f"{LABELS[metric]} {'rose' if rose else 'fell'} to {fmt(metric, last.value)}"
        f" in {last.label}",
        body=f"{LABELS[metric]} was {fmt(metric, last.value)} in {last.label} against a"
        f" median of {fmt(metric, centre)} over the {len(history)} earlier {unit_name}"
        f" with a value ({spread}):"
        f" {'worse' if worse else 'better'} than usual.",
        metrics=(metric,),
        about=last.start,
        key=f"anomaly:{metric}:{last.label}",
    )


class TrendTest(NamedTuple):
    """A Mann–Kendall test over the recent buckets, with its Theil–Sen line."""

    direction: MKTrend
    s: int
    p_value: float
    #: the line's value at the first and at the last tested bucket
    start_value: float
    end_value: float
    #: buckets from the first to the last tested one, both included
    span: int
    first: Point
    last: Point


def trend_test(points: Sequence[Point]) -> TrendTest | None:
    """The last ``TREND_BUCKETS`` points' values tested for a monotonic trend (x = the
    bucket's position, so an empty bucket leaves a gap rather than closing it); None with
    fewer than ``MIN_TREND_VALUES`` values."""
    recent = [(i, p) for i, p in enumerate(points[-TREND_BUCKETS:]) if p.value is not None]
    if len(recent) < MIN_TREND_VALUES:
        return None
    values = [p.value for _, p in recent]
    result = mann_kendall(values, alpha=TREND_ALPHA)  # type: ignore[arg-type]
    line = sen_line([(i, p.value) for i, p in recent])  # type: ignore[misc]
    assert line is not None  # at least two distinct positions
    slope, intercept = line
    (x_first, first), (x_last, last) = recent[0], recent[-1]
    return TrendTest(
        direction=result.trend,
        s=result.s,
        p_value=result.p_value,
        start_value=intercept + slope * x_first,
        end_value=intercept + slope * x_last,
        span=x_last - x_first + 1,
        first=first,
        last=last,
    )


def trend(
    metric: Metric, points: Sequence[Point], *, unit_name: str = "weeks", red: bool = False
) -> Finding | None:
    """A significant monotonic trend over the recent buckets; None without one."""
    return trend_finding(metric, trend_test(points), unit_name=unit_name, red=red)


def trend_finding(
    metric: Metric, test: TrendTest | None, *, unit_name: str = "weeks", red: bool = False
) -> Finding | None:
    """``trend`` from a test already run (``trend_test``): the caller that also reads the
    test's direction for ``recommendations`` runs it once."""
    if test is None or test.direction is MKTrend.NO_TREND:
        return None
    rose = test.direction is MKTrend.INCREASING
    worse = _worse(metric, rose)
    start, end = test.start_value, test.end_value
    change = abs(end - start) / abs(start) if start else math.inf
    return Finding(
        type=InsightType.TREND,
        severity=_severity(worse, change >= TREND_HIGH_CHANGE, red),
        title=f"{LABELS[metric]} {'increased' if rose else 'decreased'} from"
        f" {fmt(metric, start)} to {fmt(metric, end)} over the last {test.span} {unit_name}",
        body=f"A {'rising' if rose else 'falling'} trend from {test.first.label} to"
        f" {test.last.label} (Mann–Kendall S = {test.s}, p = {test.p_value:.3f}; the"
        f" Theil–Sen line goes from {fmt(metric, start)} to {fmt(metric, end)}):"
        f" {'worse' if worse else 'better'} over time.",
        metrics=(metric,),
        about=test.last.start,
        key=f"trend:{metric}:{test.direction}:{test.last.label}",
    )


class Rule(NamedTuple):
    """Metrics that move together, and what to do about it. ``moves`` says which way each
    metric must be trending: INCREASING/DECREASING, or NO_TREND for "flat" — a metric
    with too few values to test matches nothing (no data is not flat)."""

    name: str
    moves: Mapping[Metric, tuple[MKTrend, ...]]
    severity: Severity
    title: str
    body: str


UP, DOWN, FLAT = MKTrend.INCREASING, MKTrend.DECREASING, MKTrend.NO_TREND

RULES: tuple[Rule, ...] = (
    Rule(
        "pace-outruns-tests",
        {
            Metric.DEPLOYMENT_FREQUENCY: (UP,),
            Metric.CHANGE_FAILURE_RATE: (UP,),
            Metric.TEST_COVERAGE: (FLAT, DOWN),
        },
        Severity.HIGH,
        "Delivery pace is outrunning the tests",
        "Deployments and the change failure rate are both rising while test coverage is"
        " not: more changes reach production, more of them fail, and the tests are not"
        " catching up. Add tests where the failed deployments changed code, or gate"
        " deployments on coverage of the changed lines.",
    ),
    Rule(
        "review-bottleneck",
        {Metric.PR_REVIEW_TIME: (UP,), Metric.CYCLE_TIME: (UP,)},
        Severity.MEDIUM,
        "Review is slowing delivery down",
        "PR review time and cycle time are rising together: changes wait longer for review,"
        " and it shows in how long they take to reach production. Look at review load per"
        " reviewer and at PR size.",
    ),
    Rule(
        "failures-last-longer",
        {Metric.CHANGE_FAILURE_RATE: (UP,), Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: (UP,)},
        Severity.HIGH,
        "Failures are more frequent and take longer to recover from",
        "The change failure rate and the time to recover from a failed deployment are both"
        " rising. Check rollback paths and the on-call response before adding pace.",
    ),
    Rule(
        "rework-grows-with-churn",
        {Metric.CODE_CHURN: (UP,), Metric.REWORK_RATE: (UP,)},
        Severity.MEDIUM,
        "More code is being rewritten soon after it ships",
        "Code churn and the rework rate are rising together: recent changes get reworked"
        " by unplanned fixes. Look at the hotfixes' causes and at how work is specified"
        " before it starts.",
    ),
)


def recommendations(
    directions: Mapping[Metric, MKTrend], *, about: datetime, about_label: str
) -> list[Finding]:
    """Every rule all of whose metrics move its way. ``directions``: each metric's trend
    test (``trend_test``) over the same recent buckets; a metric left out had too few
    values. ``about``/``about_label``: the last bucket tested."""
    found = []
    for rule in RULES:
        if all(directions.get(metric) in wanted for metric, wanted in rule.moves.items()):
            found.append(
                Finding(
                    type=InsightType.RECOMMENDATION,
                    severity=rule.severity,
                    title=rule.title,
                    body=rule.body,
                    metrics=tuple(rule.moves),
                    about=about,
                    key=f"recommendation:{rule.name}:{about_label}",
                )
            )
    return found


QUARTILES = ("bottom quartile", "second quartile", "third quartile", "top quartile")


def quartile(percentile: int) -> int:
    """0 below p25, 1 below p50, 2 below p75, 3 from p75 (direction-aware percentiles:
    the top quartile is the best)."""
    return min(3, max(0, percentile // 25))


def benchmark_crossing(
    metric: Metric,
    previous: int,
    current: int,
    *,
    cohort: str,
    window_days: int,
    about: datetime,
    about_label: str,
    red: bool = False,
) -> Finding | None:
    """The metric's percentile among the reference peers moved to another quartile between
    the previous window and this one; None when it stayed in its quartile."""
    before, after = quartile(previous), quartile(current)
    if before == after:
        return None
    worse = after < before
    return Finding(
        type=InsightType.BENCHMARK,
        severity=_severity(worse, before - after >= 2, red),
        title=f"{LABELS[metric]} moved from the {QUARTILES[before]} to the"
        f" {QUARTILES[after]} of its peers",
        body=f"Over the {window_days} days to {about_label}, {_in_sentence(metric)} ranks"
        f" at percentile {current} of the reference cohort {cohort}, against {previous} over"
        f" the {window_days} days before (higher is better):"
        f" {'worse' if worse else 'better'} than before, relative to the peers.",
        metrics=(metric,),
        about=about,
        key=f"benchmark:{metric}:{about_label}:{before}->{after}",
    )


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """§9: by severity (high first), then recency (newest first); then by kind and key, so
    the order is the same on every run."""
    kinds = list(InsightType)
    by_key = sorted(findings, key=lambda f: (kinds.index(f.type), f.key))
    by_recency = sorted(by_key, key=lambda f: f.about, reverse=True)
    return sorted(by_recency, key=lambda f: SEVERITY_RANK[f.severity])

"""A metric's value over one bucket, the absence reasons, and the §12 rounding rule.

"No data is never 0" (§4): a value is ``None`` with a ``reason`` when there is nothing to
measure. Ratios carry their numerator and denominator (``--explain``); medians carry their
sample count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import NamedTuple

from devintel_cli.metrics.buckets import Bucket, BucketIndex

SECONDS_PER_HOUR = 3600.0

# Absence reasons. The CLI may add a hint (e.g. "set --deploy-tags") from its configuration.
NO_DEPLOYMENTS_DETECTED = "no deployments detected"
NO_DEPLOYMENTS_IN_PERIOD = "no deployments in this period"
ONLY_BASELINE_DEPLOYMENTS = (
    "only first deployments in this period (a repository's first deployment has no baseline)"
)
NO_SHIPPED_COMMITS = "no commits first shipped in this period"
NO_PULL_REQUESTS = "no pull requests imported or estimated from Git"
NO_MERGED_PULL_REQUESTS = "no pull requests merged in this period"
NO_FAILED_DEPLOYMENTS = "no failed deployments in this period"
NO_RECOVERED_FAILURES = "no failed deployment of this period has recovered yet"
NO_COVERAGE_IMPORTED = "no coverage imported"
NO_COVERAGE_IN_PERIOD = "no coverage report in this period"
NO_CHANGES = "no lines added in this period"
NO_INCIDENTS_IMPORTED = "no incidents imported"
NO_TASKS_IMPORTED = "no tasks imported"


class MetricValue(NamedTuple):
    """A metric over one bucket or window, unrounded.

    - ratios (percent): ``value = 100 × numerator ÷ denominator``
    - rates (per_week, per_sprint): ``value = numerator ÷ denominator`` where the numerator
      counts events and the denominator is services × periods (periods = bucket days ÷ 7, or
      ÷ sprint days); ``samples`` = services averaged. When lines with different sprint
      lengths are averaged there is no single denominator: it is ``None``.
    - medians (hours): ``samples`` = values the median was taken over.
    """

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    samples: int = 0
    reason: str | None = None
    #: pr_review_time: at least one counted pull request was estimated from Git
    estimated: bool = False
    #: test_coverage: branch coverage over the same reports (percent), when any has branches
    branch_coverage: float | None = None

    @classmethod
    def absent(cls, reason: str) -> MetricValue:
        return cls(value=None, reason=reason)


def median_value(
    values: Sequence[float], reason_if_empty: str, *, per_unit: float = 1.0
) -> MetricValue:
    """The median of ``values`` divided by ``per_unit``: spans kept in whole seconds are
    taken the median of exactly, then turned into hours with one division (no rounding of
    each span first, which could tip a value sitting on a §12 half either way)."""
    if not values:
        return MetricValue.absent(reason_if_empty)
    return MetricValue(value=median(values) / per_unit, samples=len(values))


def percent_value(
    numerator: float, denominator: float, reason: str, *, samples: int
) -> MetricValue:
    """100 × numerator ÷ denominator, absent with ``reason`` when the denominator is 0."""
    if not denominator:
        return MetricValue.absent(reason)
    return MetricValue(
        value=100.0 * numerator / denominator,
        numerator=numerator,
        denominator=denominator,
        samples=samples,
    )


def round1(value: float | None) -> float | None:
    """§12: one decimal, halves away from zero as people round (0.25 → 0.3, 2.675 → 2.7).

    Python's ``round`` rounds halves to even on the binary value (``round(0.25, 1) == 0.2``),
    which would make a reader's hand check disagree with the output.
    """
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def per_week_rates(
    buckets: Sequence[Bucket], events: Iterable[datetime], services: int
) -> list[MetricValue]:
    """Events per bucket ÷ (services × the bucket's weeks): a per-service, per-week rate
    (§5: the workspace value of a per-service metric is the mean over its services, which
    for a count is the total over services × weeks). Count metrics: 0 in empty buckets."""
    index = BucketIndex(buckets)
    counts = [0] * len(buckets)
    for moment in events:
        position = index.index_of(moment)
        if position is not None:
            counts[position] += 1
    values = []
    for bucket, count in zip(buckets, counts, strict=True):
        denominator = services * bucket.weeks
        values.append(
            MetricValue(
                value=count / denominator,
                numerator=count,
                denominator=denominator,
                samples=services,
            )
        )
    return values

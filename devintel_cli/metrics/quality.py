"""Change quality and stability (§4): change_failure_rate, failed_deployment_recovery_time,
rework_rate, test_coverage.

The deployment ratios count every production deployment in the bucket, including those
recorded ``failed`` (the job failed): such a deployment is a failed change (§4 rule 1), so
it belongs to the denominator too, and the rate stays within 0–100 %.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from devintel_cli.metrics.buckets import Bucket, BucketIndex
from devintel_cli.metrics.deployments import (
    DEFAULT_PRODUCTION_PATTERN,
    derived_of,
    production_deployments,
)
from devintel_cli.metrics.rows import CoverageRow, DeploymentRow, DerivedDeployment
from devintel_cli.metrics.values import (
    NO_COVERAGE_IMPORTED,
    NO_COVERAGE_IN_PERIOD,
    NO_DEPLOYMENTS_DETECTED,
    NO_DEPLOYMENTS_IN_PERIOD,
    NO_FAILED_DEPLOYMENTS,
    NO_RECOVERED_FAILURES,
    SECONDS_PER_HOUR,
    MetricValue,
    median_value,
    percent_value,
)


def _deployments_by_bucket(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    production_pattern: str,
) -> list[list[tuple[DeploymentRow, DerivedDeployment]]] | None:
    """Production deployments with their derived rows, per bucket; None when none ever."""
    production = production_deployments(deployments, production_pattern)
    if not production:
        return None
    index = BucketIndex(buckets)
    grouped: list[list[tuple[DeploymentRow, DerivedDeployment]]] = [[] for _ in buckets]
    for deployment in production:
        position = index.index_of(deployment.deployed_at)
        if position is not None:
            grouped[position].append((deployment, derived_of(derived, deployment)))
    return grouped


def change_failure_rate(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """Failed deployments ÷ deployments in bucket × 100 (§4, percent).

    "Failed" is the derived status (any §4 failure rule); absent when the bucket has no
    production deployment.
    """
    return _share_of_deployments(
        buckets, deployments, derived, production_pattern, lambda result: result.failed
    )


def rework_rate(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """Deployments that are unplanned fixes (hotfix/revert follow-ups) ÷ deployments in
    bucket × 100 (§4, DORA 2024's fifth metric, percent)."""
    return _share_of_deployments(
        buckets, deployments, derived, production_pattern, lambda result: result.is_rework
    )


def _share_of_deployments(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    production_pattern: str,
    counts: Callable[[DerivedDeployment], bool],
) -> list[MetricValue]:
    """100 × deployments for which ``counts`` holds ÷ production deployments, per bucket:
    absent when there is no deployment at all, or none in the bucket."""
    grouped = _deployments_by_bucket(buckets, deployments, derived, production_pattern)
    if grouped is None:
        return [MetricValue.absent(NO_DEPLOYMENTS_DETECTED) for _ in buckets]
    return [
        percent_value(
            sum(1 for _, result in group if counts(result)),
            len(group),
            NO_DEPLOYMENTS_IN_PERIOD,
            samples=len(group),
        )
        for group in grouped
    ]


def failed_deployment_recovery_time(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """Median over failed deployments in bucket of (failure resolved − deployment time), in
    hours (§4): the incident's resolution, or the next successful deployment.

    Failures not recovered yet are left out (their recovery time is unknown, not 0);
    spans ≤ 0 are ignored.
    """
    grouped = _deployments_by_bucket(buckets, deployments, derived, production_pattern)
    if grouped is None:
        return [MetricValue.absent(NO_DEPLOYMENTS_DETECTED) for _ in buckets]
    values = []
    for group in grouped:
        failed = [(d, result) for d, result in group if result.failed]
        spans = []
        for deployment, result in failed:
            if result.recovered_at is None:
                continue
            span = (result.recovered_at - deployment.deployed_at).total_seconds()
            if span > 0:
                spans.append(span / SECONDS_PER_HOUR)
        values.append(
            median_value(spans, NO_RECOVERED_FAILURES if failed else NO_FAILED_DEPLOYMENTS)
        )
    return values


def test_coverage(buckets: Sequence[Bucket], coverage: Iterable[CoverageRow]) -> list[MetricValue]:
    """Line coverage of the latest report per repository in bucket, weighted by lines:
    100 × Σ covered ÷ Σ total over those reports (§4, percent). Branch coverage alongside,
    over the same reports that carry branch counts.

    A repository without a report in the bucket is not carried forward from an earlier one.
    """
    index = BucketIndex(buckets)
    latest: list[dict[int, CoverageRow]] = [{} for _ in buckets]
    any_report = False
    for report in coverage:
        any_report = True
        position = index.index_of(report.measured_at)
        if position is None:
            continue
        current = latest[position].get(report.repo_id)
        if current is None or report.measured_at >= current.measured_at:
            latest[position][report.repo_id] = report
    if not any_report:
        return [MetricValue.absent(NO_COVERAGE_IMPORTED) for _ in buckets]
    values = []
    for reports in latest:
        covered = sum(r.lines_covered for r in reports.values())
        total = sum(r.lines_total for r in reports.values())
        if not total:
            values.append(MetricValue.absent(NO_COVERAGE_IN_PERIOD))
            continue
        with_branches = [
            r for r in reports.values() if r.branches_total and r.branches_covered is not None
        ]
        branch_total = sum(r.branches_total or 0 for r in with_branches)
        branch_covered = sum(r.branches_covered or 0 for r in with_branches)
        values.append(
            MetricValue(
                value=100.0 * covered / total,
                numerator=covered,
                denominator=total,
                samples=len(reports),
                branch_coverage=100.0 * branch_covered / branch_total if branch_total else None,
            )
        )
    return values


# pytest collects module-level callables named test_*: this is a metric, not a test
test_coverage.__test__ = False  # type: ignore[attr-defined]

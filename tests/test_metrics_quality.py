"""Stability and quality (§4): change_failure_rate, rework_rate,
failed_deployment_recovery_time, test_coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from devintel_cli.metrics import quality
from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.rows import CoverageRow, DeploymentRow, DerivedDeployment
from devintel_cli.metrics.values import (
    NO_COVERAGE_IMPORTED,
    NO_COVERAGE_IN_PERIOD,
    NO_DEPLOYMENTS_DETECTED,
    NO_DEPLOYMENTS_IN_PERIOD,
    NO_FAILED_DEPLOYMENTS,
    NO_RECOVERED_FAILURES,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# weeks 2, 3, 4 and 5 of 2026: 5 January to 1 February
WEEKS = make_buckets(date(2026, 1, 5), date(2026, 2, 1), "weekly")


def stability_rows() -> tuple[list[DeploymentRow], dict[int, DerivedDeployment]]:
    rows = [
        # (id, deployed, recorded status, environment, derived status, rework, recovered after)
        (1, "2026-01-05T10:00:00Z", "success", "production", "success", False, None),
        (2, "2026-01-06T10:00:00Z", "success", "production", "failed", False, 5),
        (3, "2026-01-07T10:00:00Z", "failed", "production", "failed", False, 2),
        (4, "2026-01-07T11:00:00Z", "success", "staging", "failed", False, 1),
        (5, "2026-01-08T10:00:00Z", "success", "production", "success", True, None),
        (6, "2026-01-13T10:00:00Z", "success", "production", "failed", False, None),
        (7, "2026-01-20T10:00:00Z", "success", "production", "success", False, None),
    ]
    deployments, derived = [], {}
    for ident, when, recorded, environment, status, rework, hours in rows:
        deployed = at(when)
        deployments.append(
            DeploymentRow(ident, 1, f"s{ident}", deployed, environment, "recorded", None, recorded)
        )
        recovered = None if hours is None else deployed + timedelta(hours=hours)
        derived[ident] = DerivedDeployment(ident, status, (), rework, False, recovered)
    return deployments, derived


def test_change_failure_rate_counts_every_production_deployment_in_the_denominator():
    week_2, week_3, week_4, week_5 = quality.change_failure_rate(WEEKS, *stability_rows())
    # week 2: production deployments 1, 2, 3, 5 (4 is staging); failed 2 and 3 (3's job
    # failed: a failed change, so it counts on both sides) → 2 ÷ 4 × 100 = 50 %
    assert (week_2.value, week_2.numerator, week_2.denominator) == (50.0, 2, 4)
    assert week_3.value == 100.0  # 6 failed, alone
    assert week_4.value == 0.0  # 7 succeeded
    assert week_5.value is None
    assert week_5.reason == NO_DEPLOYMENTS_IN_PERIOD


def test_rework_rate_is_the_share_of_unplanned_fix_deployments():
    week_2, week_3, _, week_5 = quality.rework_rate(WEEKS, *stability_rows())
    assert (week_2.value, week_2.numerator, week_2.denominator) == (25.0, 1, 4)  # 5 of 1,2,3,5
    assert week_3.value == 0.0
    assert week_5.value is None


def test_recovery_time_is_the_median_over_recovered_failures():
    week_2, week_3, week_4, week_5 = quality.failed_deployment_recovery_time(
        WEEKS, *stability_rows()
    )
    # week 2: 2 recovered after 5 h, 3 after 2 h (4 is staging) → median 3.5 h
    assert (week_2.value, week_2.samples) == (3.5, 2)
    # week 3: 6 failed and has not recovered yet: unknown, not 0
    assert week_3.value is None
    assert week_3.reason == NO_RECOVERED_FAILURES
    assert week_4.reason == NO_FAILED_DEPLOYMENTS
    assert week_5.reason == NO_FAILED_DEPLOYMENTS


def test_deployment_ratios_without_deployments_are_absent():
    for compute in (
        quality.change_failure_rate,
        quality.rework_rate,
        quality.failed_deployment_recovery_time,
    ):
        values = compute(WEEKS, [], {})
        assert [v.reason for v in values] == [NO_DEPLOYMENTS_DETECTED] * 4


def coverage(repo_id, when, covered, total, branches=None) -> CoverageRow:
    branch_covered, branch_total = branches or (None, None)
    return CoverageRow(repo_id, at(when), covered, total, branch_covered, branch_total)


def test_coverage_takes_the_latest_report_per_repository_weighted_by_lines():
    reports = [
        coverage(1, "2026-01-05T10:00:00Z", 50, 100),  # superseded by the report of the 8th
        coverage(1, "2026-01-08T10:00:00Z", 90, 100, (30, 40)),
        coverage(2, "2026-01-06T10:00:00Z", 100, 300),  # no branch data
        coverage(2, "2026-01-20T10:00:00Z", 0, 0),  # an empty report
    ]
    week_2, week_3, week_4, _ = quality.test_coverage(WEEKS, reports)
    # (90 + 100) ÷ (100 + 300) × 100 = 47.5 %, not the mean of 90 % and 33.3 %
    assert (week_2.value, week_2.numerator, week_2.denominator, week_2.samples) == (
        47.5,
        190,
        400,
        2,
    )
    assert week_2.branch_coverage == 75.0  # 30 ÷ 40, from the one report with branches
    # week 3 has no report: the earlier one is not carried forward
    assert week_3.value is None
    assert week_3.reason == NO_COVERAGE_IN_PERIOD
    assert week_4.value is None  # 0 lines measured


def test_coverage_never_imported_is_said_so():
    assert [v.reason for v in quality.test_coverage(WEEKS, [])] == [NO_COVERAGE_IMPORTED] * 4

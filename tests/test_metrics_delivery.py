"""Delivery pace (§4): deployment_frequency, cycle_time, pr_review_time."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.delivery import (
    cycle_time,
    deployment_frequency,
    pr_review_time,
    prefer_imported,
    repositories_without_deployments,
)
from devintel_cli.metrics.rows import (
    DeploymentRow,
    DerivedDeployment,
    PullRequestRow,
    RepositoryRow,
    ShippedCommitRow,
    lead_times,
    merged_pull_requests,
)
from devintel_cli.metrics.values import (
    NO_DEPLOYMENTS_DETECTED,
    NO_DEPLOYMENTS_IN_PERIOD,
    NO_MERGED_PULL_REQUESTS,
    NO_PULL_REQUESTS,
    ONLY_BASELINE_DEPLOYMENTS,
    round1,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def deploy(
    deployment_id: int,
    when: str,
    *,
    repo_id: int = 1,
    status: str = "success",
    environment: str = "production",
) -> DeploymentRow:
    return DeploymentRow(
        deployment_id, repo_id, f"sha{deployment_id}", at(when), environment, "tag", None, status
    )


def derived(deployment_id: int, *, baseline: bool = False) -> DerivedDeployment:
    return DerivedDeployment(deployment_id, "success", (), False, baseline, None)


WEEKS_2_AND_3 = make_buckets(date(2026, 1, 5), date(2026, 1, 18), "weekly")


# --- deployment_frequency ---------------------------------------------------------------


def frequency_deployments() -> list[DeploymentRow]:
    return [
        deploy(1, "2025-12-01T10:00:00Z", repo_id=2),  # before the window: still "ever"
        deploy(2, "2026-01-05T10:00:00Z"),
        deploy(3, "2026-01-06T10:00:00Z"),
        deploy(4, "2026-01-07T10:00:00Z", status="rolled_back"),  # reached production
        deploy(5, "2026-01-08T10:00:00Z", repo_id=2),
        deploy(6, "2026-01-09T10:00:00Z", repo_id=2, status="failed"),  # job failed
        deploy(7, "2026-01-08T11:00:00Z", repo_id=2, environment="staging"),
    ]


def test_deployment_frequency_is_the_mean_per_week_over_repositories_that_deploy():
    week_2, week_3 = deployment_frequency(WEEKS_2_AND_3, frequency_deployments())
    # week 2: repo 1 deployed 3 times (2, 3, 4), repo 2 once (5; 6 failed, 7 is staging);
    # mean over the 2 deploying repositories of count ÷ 1 week = (3 + 1) ÷ (2 × 1) = 2.0
    assert (week_2.value, week_2.numerator, week_2.denominator, week_2.samples) == (
        2.0,
        4,
        2.0,
        2,
    )
    # week 3: no deployments, but both repositories do deploy: a count metric scores 0
    assert week_3.value == 0.0
    assert week_3.reason is None
    # repository 3 has never deployed: it is left out of the mean, and named
    scope = [RepositoryRow(1), RepositoryRow(2), RepositoryRow(3)]
    assert repositories_without_deployments(scope, frequency_deployments()) == [3]


def test_deployment_frequency_normalises_short_buckets_to_per_week():
    (day,) = make_buckets(date(2026, 1, 5), date(2026, 1, 5), "daily")
    # Monday 5 January: deployment 2 (repo 1); repos 1 and 2 both deploy, so
    # (1 + 0) ÷ (2 repositories × 1/7 week) = 3.5 per week
    (value,) = deployment_frequency([day], frequency_deployments())
    assert value.value == pytest.approx(3.5)
    # a range starting on Wednesday 7 January clips week 2 to 5 days:
    # deployments 4 (repo 1) and 5 (repo 2) → 2 ÷ (2 × 5/7) = 1.4 per week
    (clipped,) = deployment_frequency(
        make_buckets(date(2026, 1, 7), date(2026, 1, 11), "weekly"), frequency_deployments()
    )
    assert clipped.value == pytest.approx(1.4)


def test_deployment_frequency_without_any_deployment_is_absent_not_zero():
    staging_only = [deploy(1, "2026-01-05T10:00:00Z", environment="staging")]
    for value in deployment_frequency(WEEKS_2_AND_3, staging_only):
        assert value.value is None
        assert value.reason == NO_DEPLOYMENTS_DETECTED


# --- cycle_time -------------------------------------------------------------------------


def shipped(deployment_id: int, sha: str, authored: str, *, merge=False, bot=False):
    return ShippedCommitRow(deployment_id, sha, at(authored), merge, bot)


def cycle_rows():
    deployments = [
        deploy(1, "2026-01-05T10:00:00Z"),  # the repository's first deployment: baseline
        deploy(2, "2026-01-06T12:00:00Z"),
        deploy(3, "2026-01-07T12:00:00Z"),
        deploy(4, "2026-01-06T12:00:00Z", repo_id=2),  # repo 2's own baseline
    ]
    results = {1: derived(1, baseline=True), 2: derived(2), 3: derived(3)}
    results[4] = derived(4, baseline=True)
    commits = [
        shipped(1, "old", "2025-01-01T00:00:00Z"),  # a year old: baseline, not counted
        shipped(2, "c1", "2026-01-06T02:00:00Z"),  # 12:00 − 02:00 = 10 h
        shipped(2, "c2", "2026-01-05T12:00:00Z"),  # 24 h
        shipped(2, "m", "2026-01-01T12:00:00Z", merge=True),  # merges are excluded
        shipped(2, "bot", "2026-01-01T12:00:00Z", bot=True),  # bots are excluded
        shipped(2, "skew", "2026-01-06T13:00:00Z"),  # authored after deploy: −1 h, ignored
        shipped(3, "c4", "2026-01-07T06:00:00Z"),  # 6 h
        shipped(4, "r2", "2025-06-01T00:00:00Z"),  # repo 2's baseline
    ]
    return deployments, results, commits


def test_cycle_time_is_the_median_hours_from_authoring_to_first_shipping():
    deployments, results, commits = cycle_rows()
    week_2, week_3 = cycle_time(
        WEEKS_2_AND_3, deployments, results, lead_times(deployments, commits)
    )
    # counted spans in week 2: 10, 24, 6 → median 10
    assert (week_2.value, week_2.samples) == (10.0, 3)
    assert week_3.value is None
    assert week_3.reason == NO_DEPLOYMENTS_IN_PERIOD


def test_cycle_time_by_day_explains_a_day_with_only_the_baseline():
    deployments, results, commits = cycle_rows()
    days = make_buckets(date(2026, 1, 5), date(2026, 1, 7), "daily")
    jan_5, jan_6, jan_7 = cycle_time(days, deployments, results, lead_times(deployments, commits))
    assert jan_5.value is None
    assert jan_5.reason == ONLY_BASELINE_DEPLOYMENTS
    assert jan_6.value == 17.0  # median of 10 and 24
    assert jan_7.value == 6.0


def test_cycle_time_needs_a_derived_row_for_every_deployment():
    deployments, results, commits = cycle_rows()
    del results[3]
    with pytest.raises(ValueError, match="deployment 3 has no derived row"):
        cycle_time(WEEKS_2_AND_3, deployments, results, lead_times(deployments, commits))


# --- pr_review_time ---------------------------------------------------------------------


def pr(number: int, opened: str, merged: str | None, *, estimated=False) -> PullRequestRow:
    return PullRequestRow(1, number, at(opened), None if merged is None else at(merged), estimated)


def test_pr_review_time_is_the_median_over_merged_prs_and_says_when_estimated():
    pull_requests = [
        pr(1, "2026-01-05T09:00:00Z", "2026-01-05T21:00:00Z"),  # 12 h
        pr(2, "2026-01-04T09:00:00Z", "2026-01-06T09:00:00Z", estimated=True),  # 48 h
        pr(3, "2026-01-06T09:00:00Z", None),  # still open: not counted
        pr(4, "2026-01-12T09:00:00Z", "2026-01-13T09:00:00Z"),  # 24 h, week 3
    ]
    week_2, week_3 = pr_review_time(WEEKS_2_AND_3, merged_pull_requests(pull_requests))
    assert (week_2.value, week_2.samples, week_2.estimated) == (30.0, 2, True)  # (12 + 48) / 2
    assert (week_3.value, week_3.estimated) == (24.0, False)


def test_pr_review_time_absences():
    assert pr_review_time(WEEKS_2_AND_3, [])[0].reason == NO_PULL_REQUESTS
    only_week_3 = [pr(4, "2026-01-12T09:00:00Z", "2026-01-13T09:00:00Z")]
    assert (
        pr_review_time(WEEKS_2_AND_3, merged_pull_requests(only_week_3))[0].reason
        == NO_MERGED_PULL_REQUESTS
    )


def test_an_imported_pr_wins_over_its_git_estimate_whatever_the_order():
    estimate = pr(7, "2026-01-05T08:00:00Z", "2026-01-05T20:00:00Z", estimated=True)
    imported = pr(7, "2026-01-05T09:00:00Z", "2026-01-05T19:00:00Z")
    reimported = pr(7, "2026-01-05T10:00:00Z", "2026-01-05T19:00:00Z")
    other = pr(8, "2026-01-05T08:00:00Z", "2026-01-05T20:00:00Z", estimated=True)
    assert prefer_imported([estimate, other, imported]) == [imported, other]
    assert prefer_imported([imported, estimate]) == [imported]  # a later estimate loses
    assert prefer_imported([imported, reimported]) == [reimported]  # the latest import wins
    # review time then uses the imported 10 h, not the estimated 12 h
    (week_2, _) = pr_review_time(
        WEEKS_2_AND_3, merged_pull_requests(prefer_imported([estimate, imported]))
    )
    assert (week_2.value, week_2.estimated) == (10.0, False)


def test_review_time_medians_whole_seconds_then_converts_once_so_halves_round_up():
    # 98 s and 7,462 s: median (98 + 7,462) ÷ 2 = 3,780 s = 1.05 h exactly, which §12 rounds
    # half up to 1.1. Turning each span into hours first gives 1.0499999999999998 h → 1.0.
    pull_requests = [
        pr(1, "2026-01-05T09:00:00Z", "2026-01-05T09:01:38Z"),
        pr(2, "2026-01-05T09:00:00Z", "2026-01-05T11:04:22Z"),
    ]
    week_2, _ = pr_review_time(WEEKS_2_AND_3, merged_pull_requests(pull_requests))
    assert week_2.value == 1.05
    assert round1(week_2.value) == 1.1

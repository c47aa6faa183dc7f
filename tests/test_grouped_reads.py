"""Grouped and thinned reads are exact: the store sums churn and lists review spans per
interval between bucket bounds ("cuts"), lead times per deployment, and keeps only one
deployment per (repository, environment) before the buckets; every bucket set must get the
values the whole history gives, one row per commit / PR / deployment. Checked on the
payments fixture with bounds that cut through its history: local midnights of a half-hour
zone, ISO weeks, sprints, windows with fractions of a second (as ``--as-of now`` makes
them), and days after the last deployment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from devintel_cli.fixtures.builder import build_repo
from devintel_cli.metrics.buckets import make_buckets, window_bucket
from devintel_cli.metrics.catalog import Metric
from devintel_cli.metrics.rows import (
    CommitChurnRow,
    MetricInputs,
    RepositoryRow,
    ShippedCommitRow,
    lead_times,
    merged_pull_requests,
)
from devintel_cli.metrics.series import compute_values
from devintel_cli.reporting import load_inputs, resolve_scope
from devintel_cli.store import delivery as store
from devintel_cli.workspace import open_context

AS_OF = datetime(2026, 5, 1, 9, 30, 15, 500_000, tzinfo=UTC)
GROUPED = (
    Metric.CODE_CHURN,
    Metric.PR_REVIEW_TIME,
    Metric.CYCLE_TIME,
    Metric.DEPLOYMENT_FREQUENCY,
    Metric.CHANGE_FAILURE_RATE,
    Metric.REWORK_RATE,
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME,
)


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


def per_event_inputs(ctx, scope) -> MetricInputs:
    """The same facts, one row per commit / PR / shipped commit, read without grouping."""
    conn = ctx.conn
    ids = scope.repo_ids
    churn = [
        CommitChurnRow(r[0], r[1], r[2], r[3], r[4], datetime.fromtimestamp(r[5], UTC))
        for r in conn.execute(
            "SELECT repo_id, sha, churn_modified, churn_added, churn_files, author_time"
            " FROM commits WHERE is_merge = 0 AND is_bot = 0 AND churn_files > 0"
        )
    ]
    deployments = store.load_deployments(conn, ids, until=AS_OF)
    shipped = [
        ShippedCommitRow(r[0], r[1], datetime.fromtimestamp(r[2], UTC), bool(r[3]), bool(r[4]))
        for r in conn.execute(
            "SELECT deployment_id, sha, author_time, is_merge, is_bot FROM deployment_commits"
        )
    ]
    far = datetime(2000, 1, 1, tzinfo=UTC)
    return MetricInputs(
        repositories=[RepositoryRow(i) for i in ids],
        deployments=deployments,
        derived=store.load_outcomes(conn, ids),
        lead_times=lead_times(deployments, shipped),
        merged_pull_requests=merged_pull_requests(store.load_pull_requests(conn, ids, far, AS_OF)),
        churn=churn,
    )


BUCKET_SETS = {
    "days in a half-hour zone": [
        make_buckets(date(2026, 1, 1), date(2026, 4, 30), "daily", "America/St_Johns")
    ],
    "ISO weeks, Asia/Kolkata": [
        make_buckets(date(2026, 1, 1), date(2026, 4, 30), "weekly", "Asia/Kolkata")
    ],
    "sprints": [make_buckets(date(2026, 1, 1), date(2026, 4, 30), "sprint")],
    "scorecard: two 28-day windows and eight weeks": [
        [
            window_bucket(AS_OF - timedelta(days=56), AS_OF - timedelta(days=28)),
            window_bucket(AS_OF - timedelta(days=28), AS_OF),
        ],
        make_buckets(AS_OF - timedelta(weeks=8), AS_OF, "weekly"),
    ],
    # after the last deployment (v1.3.0, 2026-04-28T08:00Z): only a witness of the history
    # is loaded, and the repository still counts as deploying (0 a week, not absent)
    "days after the last deployment": [make_buckets(date(2026, 4, 29), date(2026, 4, 30), "daily")],
}


@pytest.mark.parametrize("name", BUCKET_SETS)
def test_grouped_reads_give_the_per_event_values(cli, payments, name) -> None:
    cli("repo", "add", str(payments.path))
    ctx = open_context()
    scope = resolve_scope(ctx)
    sets = BUCKET_SETS[name]
    grouped = load_inputs(ctx, scope, GROUPED, [b for s in sets for b in s], as_of=AS_OF)
    reference = per_event_inputs(ctx, scope)
    measured = 0
    for metric in GROUPED:
        for buckets in sets:
            expected = compute_values(metric, buckets, reference)
            assert compute_values(metric, buckets, grouped) == expected, (metric, name)
            measured += sum(v.value is not None for v in expected)
    assert measured >= 3  # the bucket sets really cut through data
    # fewer rows than events: the reads did group
    assert len(grouped.churn) < len(reference.churn) or name.startswith("days")


def test_after_the_last_deployment_only_a_witness_is_read_and_the_repository_still_deploys(
    cli, payments
) -> None:
    cli("repo", "add", str(payments.path))
    ctx = open_context()
    scope = resolve_scope(ctx)
    (days,) = BUCKET_SETS["days after the last deployment"]
    inputs = load_inputs(ctx, scope, GROUPED, days, as_of=AS_OF)
    # six tag deployments in history; one witness for (payments-api, production)
    assert [d.name for d in inputs.deployments] == ["v1.0.0"]
    for day in compute_values(Metric.DEPLOYMENT_FREQUENCY, days, inputs):
        assert (day.value, day.numerator) == (0.0, 0)  # 0 ÷ (1 repository × 1/7 week)
    for day in compute_values(Metric.CYCLE_TIME, days, inputs):
        assert day.reason == "no deployments in this period"


def test_windows_split_by_repository_equal_each_repositorys_own_read(cli, tmp_path_factory) -> None:
    """Risk reads change failure rate and coverage of every repository from one scope read
    split by repository; each must equal that repository's own scorecard read."""
    from devintel_cli.scorecards import metric_windows, metric_windows_by_repository

    src = tmp_path_factory.mktemp("several")
    for spec in ("payments", "web", "mobile"):
        cli("repo", "add", str(build_repo(src / spec, spec).path))
    ctx = open_context()
    scope = resolve_scope(ctx)
    metrics = (
        Metric.CHANGE_FAILURE_RATE,
        Metric.TEST_COVERAGE,
        Metric.REWORK_RATE,
        Metric.FAILED_DEPLOYMENT_RECOVERY_TIME,
    )
    split = metric_windows_by_repository(ctx, scope, as_of=AS_OF, window_days=90, metrics=metrics)
    assert sorted(split) == sorted(scope.repo_ids)
    measured = 0
    for repo in scope.repositories:
        own = metric_windows(
            ctx, resolve_scope(ctx, repo=repo.name), as_of=AS_OF, window_days=90, metrics=metrics
        )
        assert split[repo.id] == own, repo.name
        measured += sum(w.current.value is not None for w in own.values())
    assert measured >= 2  # the fixtures have failures in the window
    with pytest.raises(ValueError, match="cannot split"):
        metric_windows_by_repository(
            ctx, scope, as_of=AS_OF, window_days=90, metrics=(Metric.PR_REVIEW_TIME,)
        )

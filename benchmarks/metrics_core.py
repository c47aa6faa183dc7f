"""Speed of the pure metrics core on synthetic rows (§13: read commands under 1 s at 1M commits).

    python benchmarks/metrics_core.py [--commits 1000000] [--deployments 10000] [--repos 50]

Times, in one run, without a database (the store's query time comes on top):
1. ``compute_series`` for every metric over the weekly buckets of one year, fed 1M shipped
   commit rows, 1M file churn rows and 10k deployments (with derived rows), plus PRs,
   coverage, incidents and tasks;
2. ``compute_window`` for the same metrics over the year (the scorecard's whole-window value);
3. ``derive_deployments`` on one repository of 100k commits (merges every 5th commit) with
   1,000 deployments: the sync-time derivation, walk included.
Prints the figures; asserts nothing (timings belong to benchmarks, not tests).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.catalog import Metric
from devintel_cli.metrics.deployments import derive_deployments
from devintel_cli.metrics.rows import (
    CommitRow,
    CoverageRow,
    DeploymentRow,
    DerivedDeployment,
    FileChurnRow,
    IncidentRow,
    MetricInputs,
    PullRequestRow,
    RepositoryRow,
    ServiceLineRow,
    ShippedCommitRow,
    TaskRow,
    commit_churn,
    lead_times,
    merged_pull_requests,
)
from devintel_cli.metrics.series import compute_series, compute_window

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 86400


def synthetic_inputs(commits: int, deployments: int, repos: int, seed: int = 7) -> MetricInputs:
    rng = random.Random(seed)
    deployment_rows: list[DeploymentRow] = []
    derived: dict[int, DerivedDeployment] = {}
    per_repo = deployments // repos
    for repo in range(repos):
        times = sorted(rng.uniform(0, YEAR_SECONDS) for _ in range(per_repo))
        for n, offset in enumerate(times):
            ident = len(deployment_rows) + 1
            deployed = YEAR_START + timedelta(seconds=offset)
            failed = rng.random() < 0.1
            deployment_rows.append(
                DeploymentRow(ident, repo, f"{ident:040x}", deployed, "production", "tag", None)
            )
            derived[ident] = DerivedDeployment(
                ident,
                "failed" if failed else "success",
                (),
                rng.random() < 0.05,
                n == 0,
                deployed + timedelta(hours=rng.uniform(0.5, 48)) if failed else None,
            )
    shipped: list[ShippedCommitRow] = []
    churn: list[FileChurnRow] = []
    per_deployment = commits // len(deployment_rows)
    for deployment in deployment_rows:
        for k in range(per_deployment):
            authored = deployment.deployed_at - timedelta(seconds=rng.uniform(60, 14 * 86400))
            sha = f"{deployment.id:020x}{k:020x}"
            shipped.append(ShippedCommitRow(deployment.id, sha, authored, k % 4 == 0, k % 50 == 0))
            churn.append(
                FileChurnRow(
                    deployment.repo_id, sha, rng.randint(0, 80), rng.randint(0, 60), authored
                )
            )
    lines = [ServiceLineRow(f"LIN-26-{n:06d}", 14) for n in range(1, 6)]
    repositories = [
        RepositoryRow(repo, lines[repo % 5].line_id if repo % 7 else None) for repo in range(repos)
    ]

    def moment() -> datetime:
        return YEAR_START + timedelta(seconds=rng.uniform(0, YEAR_SECONDS))

    pull_requests = []
    for n in range(50_000):
        merged = moment()
        opened = merged - timedelta(hours=rng.uniform(0.1, 200))
        pull_requests.append(PullRequestRow(n % repos, n, opened, merged, n % 3 == 0))
    coverage = [
        CoverageRow(n % repos, moment(), rng.randint(500, 900), 1000, 300, 400)
        for n in range(5_000)
    ]
    incidents = [IncidentRow(f"INC-{n}", n % repos, None, moment()) for n in range(2_000)]
    tasks = [TaskRow(f"T-{n}", None, n % repos, moment()) for n in range(20_000)]
    return MetricInputs(
        repositories=repositories,
        lines=lines,
        deployments=deployment_rows,
        derived=derived,
        lead_times=lead_times(deployment_rows, shipped),
        merged_pull_requests=merged_pull_requests(pull_requests),
        coverage=coverage,
        churn=commit_churn(churn),
        incidents=incidents,
        tasks=tasks,
    )


def synthetic_repository(commits: int, deployments: int) -> tuple[list[DeploymentRow], dict]:
    """A first-parent chain with a two-commit side branch merged every 5th commit."""
    rows: dict[str, CommitRow] = {}
    previous: str | None = None
    for n in range(commits):
        sha = f"{n:040x}"
        authored = YEAR_START + timedelta(seconds=n * (YEAR_SECONDS / commits))
        if previous is None:
            parents: tuple[str, ...] = ()
        elif n % 5 == 0 and n >= 3:
            parents = (previous, f"{n - 3:040x}")
        else:
            parents = (previous,)
        subject = 'Revert "x"' if n % 997 == 0 else "work"
        reverted = f"{n - 40:040x}" if n % 997 == 0 and n > 40 else None
        rows[sha] = CommitRow(
            1, sha, parents, authored, authored, 0, len(parents) > 1, False, subject, None, reverted
        )
        previous = sha
    step = commits // deployments
    deployment_rows = [
        DeploymentRow(
            d + 1,
            1,
            f"{min((d + 1) * step, commits - 1):040x}",
            YEAR_START + timedelta(seconds=(d + 1) * step * (YEAR_SECONDS / commits) + 60),
            "production",
            "tag",
            f"v1.{d}.0",  # minor releases: patch releases within 24 h would be failures
        )
        for d in range(deployments)
    ]
    return deployment_rows, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--deployments", type=int, default=10_000)
    parser.add_argument("--repos", type=int, default=50)
    args = parser.parse_args()

    started = time.perf_counter()
    inputs = synthetic_inputs(args.commits, args.deployments, args.repos)
    print(
        f"built {sum(len(r.lead_seconds) for r in inputs.lead_times):,} shipped commit spans, "
        f"{len(inputs.churn):,} churn rows, {len(inputs.deployments):,} deployments"
        f" in {time.perf_counter() - started:.1f} s"
    )
    weeks = make_buckets(date(2026, 1, 1), date(2026, 12, 31), "weekly")
    print(f"weekly buckets: {len(weeks)} ({weeks[0].label} .. {weeks[-1].label})")
    total = 0.0
    for metric in Metric:
        started = time.perf_counter()
        series = compute_series(metric, weeks, inputs)
        series_seconds = time.perf_counter() - started
        started = time.perf_counter()
        window = compute_window(metric, date(2026, 1, 1), date(2026, 12, 31), inputs)
        window_seconds = time.perf_counter() - started
        total += series_seconds
        print(
            f"  {metric.value:34} series {series_seconds * 1000:7.0f} ms  window "
            f"{window_seconds * 1000:7.0f} ms  points {len(series.points):3}  "
            f"avg {series.period_average}  year {window.value and round(window.value, 1)}"
        )
    print(f"all ten series: {total:.2f} s")

    deployments, commits = synthetic_repository(100_000, 1_000)
    started = time.perf_counter()
    derived = derive_deployments(deployments, commits)
    seconds = time.perf_counter() - started
    shipped = sum(len(d.shipped) for d in derived)
    failed = sum(1 for d in derived if d.failed)
    print(
        f"derive_deployments: 100,000 commits, 1,000 deployments in {seconds:.2f} s "
        f"({shipped:,} commits shipped, {failed} failed)"
    )


if __name__ == "__main__":
    main()

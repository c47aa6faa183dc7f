"""Delivery pace (§4): deployment_frequency, cycle_time, pr_review_time.

Each function takes the buckets of a series (or one window bucket) and the rows it needs,
and returns one ``MetricValue`` per bucket, in bucket order. Deployment metrics count only
production deployments (environment matching ``production_pattern``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from devintel_cli.metrics.buckets import Bucket, BucketIndex
from devintel_cli.metrics.deployments import (
    DEFAULT_PRODUCTION_PATTERN,
    derived_of,
    production_deployments,
)
from devintel_cli.metrics.rows import (
    DeploymentLeadTimes,
    DeploymentRow,
    DerivedDeployment,
    MergedPullRequests,
    PullRequestRow,
    RepositoryRow,
)
from devintel_cli.metrics.values import (
    NO_DEPLOYMENTS_DETECTED,
    NO_DEPLOYMENTS_IN_PERIOD,
    NO_MERGED_PULL_REQUESTS,
    NO_PULL_REQUESTS,
    NO_SHIPPED_COMMITS,
    ONLY_BASELINE_DEPLOYMENTS,
    SECONDS_PER_HOUR,
    MetricValue,
    median_value,
    per_week_rates,
)


def deploying_repositories(
    deployments: Iterable[DeploymentRow], production_pattern: str = DEFAULT_PRODUCTION_PATTERN
) -> set[int]:
    """Repositories with at least one production deployment among ``deployments`` ("ever")."""
    return {d.repo_id for d in production_deployments(deployments, production_pattern)}


def repositories_without_deployments(
    repositories: Iterable[RepositoryRow],
    deployments: Iterable[DeploymentRow],
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[int]:
    """Repositories in scope left out of deployment_frequency: none detected (sorted ids)."""
    deploying = deploying_repositories(deployments, production_pattern)
    return sorted({r.repo_id for r in repositories} - deploying)


def deployment_frequency(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """Successful production deployments in bucket ÷ weeks in bucket, per repository;
    aggregate = mean over repositories with ≥ 1 production deployment ever (§4, per_week).

    A deployment is counted when it reached production: recorded ``success`` or
    ``rolled_back`` (it was deployed, then undone), not ``failed`` (the job failed). Pass the
    scope's deployments of all time: repositories with none are absent from the mean
    (``repositories_without_deployments``), and with none anywhere every bucket is absent.
    A repository that deploys scores 0 in a bucket without deployments (a count metric).
    value = numerator ÷ denominator: deployments ÷ (repositories × weeks).
    """
    production = production_deployments(deployments, production_pattern)
    repositories = {d.repo_id for d in production}
    if not repositories:
        return [MetricValue.absent(NO_DEPLOYMENTS_DETECTED) for _ in buckets]
    return per_week_rates(
        buckets, (d.deployed_at for d in production if d.reached_environment), len(repositories)
    )


def cycle_time(
    buckets: Sequence[Bucket],
    deployments: Sequence[DeploymentRow],
    derived: Mapping[int, DerivedDeployment],
    lead_times: Iterable[DeploymentLeadTimes],
    *,
    production_pattern: str = DEFAULT_PRODUCTION_PATTERN,
) -> list[MetricValue]:
    """Median over non-merge, non-bot commits first shipped by a production deployment in
    the bucket of (deploy time − author time), in hours (§4).

    ``lead_times`` holds those commits' spans per deployment (``rows.lead_times`` builds it
    from per-commit rows). The first deployment of a repository+environment (its baseline)
    contributes nothing: it would report the age of the whole history. Spans ≤ 0 (clock
    skew) are ignored. With several production environments a commit counts once per
    environment.
    """
    production = production_deployments(deployments, production_pattern)
    if not production:
        return [MetricValue.absent(NO_DEPLOYMENTS_DETECTED) for _ in buckets]
    index = BucketIndex(buckets)
    bucket_of_deployment: dict[int, int] = {}
    in_bucket = [0] * len(buckets)
    baselines = [0] * len(buckets)
    for deployment in production:
        if not deployment.reached_environment:
            continue
        position = index.index_of(deployment.deployed_at)
        if position is None:
            continue
        in_bucket[position] += 1
        if derived_of(derived, deployment).is_baseline:
            baselines[position] += 1
            continue
        bucket_of_deployment[deployment.id] = position

    spans: list[list[int]] = [[] for _ in buckets]  # seconds
    for shipped in lead_times:
        position = bucket_of_deployment.get(shipped.deployment_id)
        if position is not None:
            spans[position] += [s for s in shipped.lead_seconds if s > 0]

    values = []
    for position, bucket_spans in enumerate(spans):
        if not in_bucket[position]:
            reason = NO_DEPLOYMENTS_IN_PERIOD
        elif in_bucket[position] == baselines[position]:
            reason = ONLY_BASELINE_DEPLOYMENTS
        else:
            reason = NO_SHIPPED_COMMITS
        values.append(median_value(bucket_spans, reason, per_unit=SECONDS_PER_HOUR))
    return values


def pr_review_time(
    buckets: Sequence[Bucket], merged: Iterable[MergedPullRequests]
) -> list[MetricValue]:
    """Median over PRs merged in the bucket of (merged_at − opened_at), in hours (§4).

    Pass one span per PR (``prefer_imported`` picks the row, ``rows.merged_pull_requests``
    turns rows into spans); the value is marked ``estimated`` when any PR it counts was
    estimated from Git. Spans ≤ 0 are ignored.
    """
    index = BucketIndex(buckets)
    spans: list[list[int]] = [[] for _ in buckets]  # seconds
    estimated = [False] * len(buckets)
    any_pull_request = False
    for group in merged:
        any_pull_request = True
        position = index.index_of(group.merged_from)
        if position is None:
            continue
        counted = [s for s in group.review_seconds if s > 0]
        if counted:
            spans[position] += counted
            estimated[position] = estimated[position] or group.estimated
    if not any_pull_request:
        return [MetricValue.absent(NO_PULL_REQUESTS) for _ in buckets]
    values = []
    for bucket_spans, is_estimated in zip(spans, estimated, strict=True):
        value = median_value(bucket_spans, NO_MERGED_PULL_REQUESTS, per_unit=SECONDS_PER_HOUR)
        if is_estimated:
            value = MetricValue(value.value, samples=value.samples, estimated=True)
        values.append(value)
    return values


def prefer_imported(pull_requests: Iterable[PullRequestRow]) -> list[PullRequestRow]:
    """One row per (repository, PR number): imported data wins over a Git estimate (§4).

    Among rows of the same kind the last one wins (a later import replaces an earlier one),
    so a PR imported after its Git estimate, or estimated again after an import, keeps the
    imported times. Order of first appearance is kept.
    """
    chosen: dict[tuple[int, int], PullRequestRow] = {}
    for row in pull_requests:
        key = (row.repo_id, row.number)
        current = chosen.get(key)
        if current is None or current.estimated or not row.estimated:
            chosen[key] = row
    return list(chosen.values())

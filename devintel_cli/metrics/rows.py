"""The rows the metrics core reads and the derived deployment rows it produces.

Named tuples, no SQL: the store builds them from its tables, the metric functions read
them. Not frozen dataclasses: a command imports this module every run, and a dataclass
costs ~1.2 ms to define (its methods are generated and compiled) against ~0.2 ms for a
named tuple, whose instances are also cheaper to build (``MetricInputs``, with its
``default_factory``, stays one). Every ``datetime`` is timezone-aware (the store keeps
UTC); a naive one would be read as local time by ``datetime.timestamp()`` and silently
shift buckets.

Who filters what (the caller's part of the contract):
- ``FileChurnRow``: only rows of non-merge, non-bot commits, non-binary files and paths
  outside the exclusion globs (§3) are passed; the churn function trusts that.
- ``DeploymentLeadTimes``: one row per deployment with the lead times of the non-merge,
  non-bot commits it first shipped (``lead_times`` builds them from ``ShippedCommitRow``s).
- Rows that stand for a group (``CommitChurnRow``, ``MergedPullRequests``) may sum or list
  many events, provided every event of a group falls in the same bucket of every bucket
  set the caller computes: the store groups by the intervals between consecutive bucket
  bounds ("cuts"), so a grouped read gives exactly the per-event result.
- Event lists that "ever" questions read (deployments and their derived rows, incidents,
  tasks) are passed whole for the scope, up to ``--as-of``: "repositories with at least one
  deployment ever" or "no incidents imported" are judged from them. Deployments before the
  buckets may be thinned to one per (repository, environment): "ever" only asks whether a
  pair deployed, and rows outside every bucket are otherwise unread. Bulky lists (shipped
  commits, churn rows, pull requests, coverage) may be limited to the requested window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class DeploymentSource(StrEnum):
    TAG = "tag"
    BRANCH = "branch"
    RECORDED = "recorded"
    IMPORT = "import"


class RecordedStatus(StrEnum):
    """The status a deployment was recorded or imported with (tags and branches: success)."""

    SUCCESS = "success"
    #: the deployment job failed: the change never reached the environment
    FAILED = "failed"
    #: the change reached the environment and was rolled back
    ROLLED_BACK = "rolled_back"


class DeploymentStatus(StrEnum):
    """The derived status: failed when any §4 failure rule matched."""

    SUCCESS = "success"
    FAILED = "failed"


class FailureKind(StrEnum):
    """Why a deployment counts as failed (§4), one value per rule."""

    #: recorded or imported as failed / rolled back
    RECORDED = "recorded"
    #: a later deployment within the revert window shipped a revert of a commit it shipped
    REVERT = "revert"
    #: the next deployment, within the follow-up window, is a patch release or a hotfix
    HOTFIX = "hotfix"
    #: an incident is linked to it, or was opened for its repository within the window
    INCIDENT = "incident"
    #: a later deployment went back to a commit deployed before it
    ROLLBACK = "rollback"


class CommitRow(NamedTuple):
    """One commit reachable from a branch or tag (§3)."""

    repo_id: int
    sha: str
    parents: tuple[str, ...]
    author_time: datetime
    committer_time: datetime
    author_offset_minutes: int
    is_merge: bool
    is_bot: bool
    subject: str
    pr_number: int | None = None
    #: the sha (full, or a prefix of at least 7 characters) named by "This reverts commit"
    reverted_sha: str | None = None


class FileChurnRow(NamedTuple):
    """Lines added and deleted in one file by one commit (caller passes eligible rows only).

    ``author_time`` is the commit's author time: churn is bucketed by when work was authored.
    """

    repo_id: int
    sha: str
    additions: int
    deletions: int
    author_time: datetime


class CommitChurnRow(NamedTuple):
    """Churn inputs of one commit, or of a repository's commits authored between two cuts,
    summed over eligible files: ``modified`` is Σ min(added, deleted) per file, ``added``
    Σ added, ``files`` how many file rows; ``author_time`` is the (earliest) author time.

    Code churn only ever needs these sums, so the store adds them up in SQL: a 1M-commit
    database is read as a few hundred rows, not a row per commit (§13 read budget).
    ``sha`` is empty for a grouped row.
    """

    repo_id: int
    sha: str
    modified: int
    added: int
    files: int
    author_time: datetime


def commit_churn(rows: Iterable[FileChurnRow]) -> list[CommitChurnRow]:
    """Aggregate per-file rows into per-commit churn rows (what the store does in SQL)."""
    totals: dict[tuple[int, str], list] = {}
    for row in rows:
        entry = totals.setdefault((row.repo_id, row.sha), [0, 0, 0, row.author_time])
        entry[0] += min(row.additions, row.deletions)
        entry[1] += row.additions
        entry[2] += 1
    return [CommitChurnRow(r, sha, m, a, f, t) for (r, sha), (m, a, f, t) in totals.items()]


class DeploymentRow(NamedTuple):
    """A deployment as detected (tag, branch) or recorded/imported (§4 "Deployments").

    Tag and branch deployments carry environment ``"production"`` and status ``success``.
    """

    id: int
    repo_id: int
    sha: str
    deployed_at: datetime
    environment: str
    source: DeploymentSource | str
    #: the tag name for tag deployments; a free name for recorded/imported ones
    name: str | None
    recorded_status: RecordedStatus | str = RecordedStatus.SUCCESS

    @property
    def reached_environment(self) -> bool:
        """False only when the deployment job itself failed (nothing was deployed)."""
        return self.recorded_status != RecordedStatus.FAILED


class FailureReason(NamedTuple):
    """One reason a deployment failed; ``detail`` is the human sentence shown by ``--explain``."""

    kind: FailureKind
    detail: str
    #: the deployment that revealed the failure (the revert, hotfix or rollback deployment)
    related_deployment_id: int | None = None
    incident_key: str | None = None


class DerivedDeployment(NamedTuple):
    """What sync-time derivation concluded about one deployment; the caller stores it.

    ``shipped`` is for storage (a deployment→commit table); the metric functions read
    shipped commits as ``ShippedCommitRow`` instead, so a ``DerivedDeployment`` rebuilt from
    the store may carry ``shipped=()``.
    """

    deployment_id: int
    status: DeploymentStatus | str
    failure_reasons: tuple[FailureReason, ...]
    #: an unplanned fix follow-up (hotfix/patch or revert follow-up): DORA 2024's rework
    is_rework: bool
    #: the first deployment of its repository+environment that shipped commits: no earlier
    #: baseline, so its commits do not count in cycle time (§4 edge rules)
    is_baseline: bool
    #: when the failure was resolved (incident resolution, else next successful deployment)
    recovered_at: datetime | None
    #: commits this deployment shipped first in its repository+environment
    shipped: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == DeploymentStatus.FAILED


class ShippedCommitRow(NamedTuple):
    """A commit first shipped by a deployment, with the commit facts cycle time needs."""

    deployment_id: int
    sha: str
    author_time: datetime
    is_merge: bool
    is_bot: bool


class DeploymentLeadTimes(NamedTuple):
    """What cycle time reads of the commits one deployment first shipped: each non-merge,
    non-bot commit's lead time in whole seconds (deploy time − author time; ≤ 0 under
    clock skew, which the metric ignores). One row per deployment keeps a million shipped
    commits out of Python objects."""

    deployment_id: int
    lead_seconds: tuple[int, ...]


def lead_times(
    deployments: Iterable[DeploymentRow], shipped: Iterable[ShippedCommitRow]
) -> list[DeploymentLeadTimes]:
    """Per-deployment lead times from per-commit rows (what the store does in SQL); merges
    and bots are dropped here. Deployments without counted commits get no row."""
    deployed_at = {d.id: d.deployed_at for d in deployments}
    spans: dict[int, list[int]] = {}
    for row in shipped:
        if row.is_merge or row.is_bot:
            continue
        lead = deployed_at[row.deployment_id] - row.author_time
        spans.setdefault(row.deployment_id, []).append(int(lead.total_seconds()))
    return [DeploymentLeadTimes(ident, tuple(values)) for ident, values in spans.items()]


class IncidentRow(NamedTuple):
    key: str
    repo_id: int | None
    service_line_id: str | None
    opened_at: datetime
    resolved_at: datetime | None = None
    #: the deployment the incident names as its cause, when the import says so
    deployment_id: int | None = None


class CoverageRow(NamedTuple):
    repo_id: int
    measured_at: datetime
    lines_covered: int
    lines_total: int
    branches_covered: int | None = None
    branches_total: int | None = None


class PullRequestRow(NamedTuple):
    repo_id: int
    number: int
    opened_at: datetime
    merged_at: datetime | None
    #: True when opened/merged were estimated from Git rather than imported (§4)
    estimated: bool = False


class MergedPullRequests(NamedTuple):
    """Pull requests merged between two cuts (or one pull request): what review time reads
    of them. ``merged_from`` is the earliest merge time, ``review_seconds`` each one's
    merged − opened in whole seconds; ``estimated`` when they were estimated from Git
    (the store keeps estimated and imported ones in separate rows)."""

    merged_from: datetime
    review_seconds: tuple[int, ...]
    estimated: bool = False


def merged_pull_requests(rows: Iterable[PullRequestRow]) -> list[MergedPullRequests]:
    """One ``MergedPullRequests`` per merged pull request (unmerged ones are dropped)."""
    return [
        MergedPullRequests(
            row.merged_at, (int((row.merged_at - row.opened_at).total_seconds()),), row.estimated
        )
        for row in rows
        if row.merged_at is not None
    ]


class TaskRow(NamedTuple):
    key: str
    service_line_id: str | None
    repo_id: int | None
    completed_at: datetime


class RepositoryRow(NamedTuple):
    """A repository in scope and the service line it belongs to (None: no line)."""

    repo_id: int
    service_line_id: str | None = None


class ServiceLineRow(NamedTuple):
    """A service line in scope; its sprint length normalises task throughput (§5)."""

    line_id: str
    sprint_days: int = 14


@dataclass(frozen=True, slots=True)
class MetricInputs:
    """Everything the metric functions read, for one scope (workspace, line or repository).

    A metric reads only some fields (``INPUTS_BY_METRIC`` in ``series``): load only those.
    """

    repositories: Sequence[RepositoryRow] = ()
    lines: Sequence[ServiceLineRow] = ()
    deployments: Sequence[DeploymentRow] = ()
    #: derivation results by deployment id; every deployment passed needs one
    derived: Mapping[int, DerivedDeployment] = field(default_factory=dict)
    lead_times: Sequence[DeploymentLeadTimes] = ()
    merged_pull_requests: Sequence[MergedPullRequests] = ()
    coverage: Sequence[CoverageRow] = ()
    churn: Sequence[CommitChurnRow] = ()
    incidents: Sequence[IncidentRow] = ()
    tasks: Sequence[TaskRow] = ()

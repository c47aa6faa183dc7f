"""The validated records the file importers return (§4 data sources).

Plain frozen values: every datetime is aware and in UTC, every count a non-negative int,
and every record already passed its parser's checks, so the store can write them as they
are. Nothing here reads files or knows the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

CoverageFormat = Literal["cobertura", "lcov", "coveragepy"]
DeploymentStatus = Literal["success", "failed", "rolled_back"]


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """One coverage run as counts, never as a percentage: formats round rates differently,
    so the one percentage devintel shows is computed from these counts (STYLE lessons)."""

    format: CoverageFormat
    lines_covered: int
    lines_total: int  # > 0: a report that measured no line is refused
    branches_covered: int | None  # None (both) when the run measured no branch
    branches_total: int | None
    measured_at: datetime | None  # from the file when it says; None for LCOV
    commit_sha: str | None  # none of the three formats carries one: the caller supplies it


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    key: str  # unique in its file
    title: str
    opened_at: datetime
    resolved_at: datetime | None  # None: still open; otherwise >= opened_at
    severity: str | None  # as the file spells it ("SEV1", "high"): no scale is imposed
    repository: str | None  # owner/name, URL or path, as the file names it (not resolved)
    service_line: str | None  # a line ID or name, as the file names it (not resolved)


@dataclass(frozen=True, slots=True)
class PullRequestRecord:
    number: int  # unique in its file
    title: str
    opened_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    author: str | None  # login; None for a deleted ("ghost") account
    additions: int | None
    deletions: int | None
    first_review_at: datetime | None  # earliest submitted review by someone else than the author
    is_bot_author: bool


@dataclass(frozen=True, slots=True)
class TaskRecord:
    key: str  # "ABC-123" (Jira) or "#123" (GitHub issue), unique in its file
    status: str | None  # as the source says ("Done", "closed")
    created_at: datetime | None
    completed_at: datetime | None  # None: not completed (only these count as throughput)


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    repository: str | None  # as the file names it (not resolved); None: the caller's --repo
    sha: str  # 7-40 lowercase hex
    deployed_at: datetime
    status: DeploymentStatus
    environment: str  # "production" when the file leaves it empty
    key: str | None  # the source's own ID, unique in its file when given

"""Deployments (§4): recording them, detecting them from branches, and re-deriving what
they shipped and whether they failed whenever their inputs change (a sync that brought new
commits or refs, a recorded or imported deployment, imported incidents)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

import pygit2

from .errors import UsageError
from .metrics.deployments import derive_deployments
from .metrics.rows import RecordedStatus
from .store import delivery as store
from .store.db import write_transaction
from .store.records import RepositoryRow
from .timeutil import iso_z

SHA_PATTERN = re.compile(r"^[0-9a-fA-F]{7,40}$")
STATUSES = tuple(s.value for s in RecordedStatus)


def rederive(conn: sqlite3.Connection, repo_id: int, workspace_id: str) -> None:
    """Recompute shipped commits, failures, rework and recovery for one repository.

    Call inside the write transaction that changed the inputs, so a crash never leaves
    outcomes that disagree with the deployments they describe.
    """
    deployments = store.load_deployments(conn, [repo_id])
    if not deployments:
        store.replace_outcomes(conn, repo_id, [])
        return
    derived = derive_deployments(
        deployments,
        store.StoredCommitGraph(conn, repo_id),
        store.load_incidents(conn, workspace_id),
    )
    store.replace_outcomes(conn, repo_id, derived)


def branch_deployments(
    repo: pygit2.Repository, branch: str, environment: str
) -> list[tuple[str, str, str, int, str | None]]:
    """Continuous deployment: every first-parent commit of the deploy branch is a deployment
    at its committer time. A missing branch yields none (the sync warns)."""
    ref = repo.references.get(f"refs/heads/{branch}")
    if ref is None:
        return []
    walker = repo.walk(ref.resolve().target, pygit2.enums.SortMode.TOPOLOGICAL)
    walker.simplify_first_parent()
    return [(str(c.id), str(c.id), environment, c.committer.time, None) for c in walker]


@dataclass(frozen=True)
class RecordedDeployment:
    id: int
    created: bool
    sha: str
    resolved: bool


def record_deployment(
    conn: sqlite3.Connection,
    repo: RepositoryRow,
    *,
    sha: str,
    status: str = "success",
    at: datetime,
    environment: str = "production",
    name: str | None = None,
    source: str = "recorded",
    key: str | None = None,
) -> RecordedDeployment:
    """Store a deployment a CI step reported (or an import row) and re-derive the repository.

    The sha may be abbreviated or not yet synced: it is resolved against stored commits when
    possible, otherwise kept as given (it ships nothing until the commit is ingested).
    """
    if not SHA_PATTERN.match(sha):
        raise UsageError(f"not a commit sha: {sha!r} (7 to 40 hex digits)")
    if status not in STATUSES:
        raise UsageError(f"unknown status {status!r}: use {', '.join(STATUSES)}")
    with write_transaction(conn):
        full = store.resolve_sha(conn, repo.id, sha.lower())
        deployment_id, created = store.insert_deployment(
            conn,
            repo_id=repo.id,
            source=source,
            source_key=key or f"{iso_z(at)}/{environment}/{full or sha.lower()}",
            sha=full or sha.lower(),
            environment=environment,
            deployed_at=at,
            name=name,
            recorded_status=status,
        )
        if created:
            rederive(conn, repo.id, repo.workspace_id)
    return RecordedDeployment(deployment_id, created, full or sha.lower(), full is not None)

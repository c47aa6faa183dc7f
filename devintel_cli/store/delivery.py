"""SQL for delivery data: deployments and what derivation concluded about them, shipped
commits, pull requests, coverage, incidents and tasks — and the loaders that turn these
tables into the metrics core's row types (times as aware UTC datetimes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import pairwise

from ..metrics.rows import (
    CommitChurnRow,
    CoverageRow,
    DeploymentLeadTimes,
    DeploymentRow,
    DerivedDeployment,
    FailureKind,
    FailureReason,
    IncidentRow,
    MergedPullRequests,
    PullRequestRow,
    TaskRow,
)
from ..timeutil import from_epoch, to_epoch
from .db import id_list

# --- deployments --------------------------------------------------------------------------


def insert_deployment(
    conn: sqlite3.Connection,
    *,
    repo_id: int,
    source: str,
    source_key: str,
    sha: str,
    environment: str,
    deployed_at: datetime,
    name: str | None,
    recorded_status: str,
) -> tuple[int, bool]:
    """Insert unless the natural key exists; returns (id, created)."""
    row = conn.execute(
        "SELECT id FROM deployments WHERE repo_id = ? AND source = ? AND source_key = ?",
        (repo_id, source, source_key),
    ).fetchone()
    if row:
        return row[0], False
    cursor = conn.execute(
        "INSERT INTO deployments (repo_id, source, source_key, sha, environment, deployed_at,"
        " name, recorded_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            repo_id,
            source,
            source_key,
            sha,
            environment,
            to_epoch(deployed_at),
            name,
            recorded_status,
        ),
    )
    return int(cursor.lastrowid or 0), True


def load_deployments(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    *,
    until: datetime | None = None,
    since: datetime | None = None,
) -> list[DeploymentRow]:
    """Deployments before ``until``, oldest first.

    With ``since``: those deployed in ``[since, until)`` plus, for each (repository,
    environment), its first deployment before ``since`` — the witness that the pair ever
    deployed, which is all the metrics' "ever" questions ask of older rows (rows.py). A
    window read then carries the window, not a repository's whole deployment history.
    """
    if not repo_ids:
        return []
    ids = id_list(repo_ids)
    sql = (
        "SELECT id, repo_id, sha, deployed_at, environment, source, name, recorded_status"
        f" FROM deployments WHERE repo_id IN {ids} AND deployed_at < ?"
    )
    params: tuple[object, ...] = (to_epoch(until) if until is not None else 2**62,)
    if since is not None:
        # SQLite fills the bare ``id`` from the row holding min(deployed_at)
        sql += (
            " AND (deployed_at >= ? OR id IN (SELECT id FROM (SELECT id, min(deployed_at)"
            f" FROM deployments WHERE repo_id IN {ids} AND deployed_at < ?"
            " GROUP BY repo_id, environment)))"
        )
        params += (to_epoch(since), to_epoch(since))
    return [
        DeploymentRow(r[0], r[1], r[2], from_epoch(r[3]), r[4], r[5], r[6], r[7])  # type: ignore[arg-type]
        for r in conn.execute(sql + " ORDER BY deployed_at, id", params)
    ]


def resolve_sha(conn: sqlite3.Connection, repo_id: int, sha: str) -> str | None:
    """A full sha for a (possibly abbreviated) one, if exactly one stored commit matches."""
    rows = conn.execute(
        "SELECT sha FROM commits WHERE repo_id = ? AND sha >= ? AND sha < ? LIMIT 2",
        (repo_id, sha, sha + "g"),
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


class StoredCommitGraph:
    """A repository's commits as deployment derivation reads them (``CommitGraph``), held
    lean: one string of parents per commit instead of a row object with times and subject,
    plus the few commits that revert another; subjects are streamed and only the ones a rule
    looks for are kept.

    The graph still grows with the history (a walk has to know every commit's parents), at
    half the rate: 30 MiB for 100k commits instead of 60 MiB (benchmarks/derive_memory.py).
    """

    def __init__(self, conn: sqlite3.Connection, repo_id: int) -> None:
        self._conn = conn
        self._repo_id = repo_id
        self._parents: dict[str, str] = dict(
            conn.execute("SELECT sha, parents FROM commits WHERE repo_id = ?", (repo_id,))
        )

    def parents(self, sha: str) -> Sequence[str] | None:
        parents = self._parents.get(sha)
        return None if parents is None else parents.split()

    def reverts(self) -> dict[str, str]:
        return dict(
            self._conn.execute(
                "SELECT sha, reverted_sha FROM commits WHERE repo_id = ?"
                " AND reverted_sha IS NOT NULL AND reverted_sha != ''",
                (self._repo_id,),
            )
        )

    def subjects_where(self, keep: Callable[[str], bool]) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT sha, subject FROM commits WHERE repo_id = ?", (self._repo_id,)
        )
        return {sha: subject for sha, subject in rows if keep(subject)}


def replace_outcomes(
    conn: sqlite3.Connection, repo_id: int, derived: Iterable[DerivedDeployment]
) -> None:
    """Store a repository's derivation results in place of the previous ones."""
    conn.execute("DELETE FROM deployment_outcomes WHERE repo_id = ?", (repo_id,))
    conn.execute("DELETE FROM deployment_commits WHERE repo_id = ?", (repo_id,))
    for d in derived:
        reasons = [
            {
                "kind": str(r.kind),
                "detail": r.detail,
                "related_deployment_id": r.related_deployment_id,
                "incident_key": r.incident_key,
            }
            for r in d.failure_reasons
        ]
        conn.execute(
            "INSERT INTO deployment_outcomes (deployment_id, repo_id, status, is_rework,"
            " is_baseline, recovered_at, failure_reasons) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                d.deployment_id,
                repo_id,
                str(d.status),
                int(d.is_rework),
                int(d.is_baseline),
                to_epoch(d.recovered_at),
                json.dumps(reasons),
            ),
        )
        conn.executemany(
            "INSERT INTO deployment_commits (deployment_id, repo_id, sha, author_time, is_merge,"
            " is_bot) SELECT ?, repo_id, sha, author_time, is_merge, is_bot FROM commits"
            " WHERE repo_id = ? AND sha = ?",
            [(d.deployment_id, repo_id, sha) for sha in d.shipped],
        )
    refresh_lead_times(conn, repo_id)


def refresh_lead_times(conn: sqlite3.Connection, repo_id: int) -> None:
    """Store on each outcome of the repository what cycle time reads of its deployment:
    the lead times of the non-merge, non-bot commits it shipped (from deployment_commits)."""
    conn.execute(
        "UPDATE deployment_outcomes SET lead_seconds = ("
        " SELECT json_group_array(d.deployed_at - dc.author_time)"
        " FROM deployment_commits dc JOIN deployments d ON d.id = dc.deployment_id"
        " WHERE dc.deployment_id = deployment_outcomes.deployment_id"
        " AND dc.is_merge = 0 AND dc.is_bot = 0) WHERE repo_id = ?",
        (repo_id,),
    )


def load_outcomes(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    *,
    deployment_ids: Sequence[int] | None = None,
) -> dict[int, DerivedDeployment]:
    """Derivation results of the repositories' deployments (only ``deployment_ids``' when
    given), by deployment id."""
    if not repo_ids or deployment_ids == []:
        return {}
    sql = (
        "SELECT deployment_id, status, failure_reasons, is_rework, is_baseline, recovered_at"
        f" FROM deployment_outcomes WHERE repo_id IN {id_list(repo_ids)}"
    )
    if deployment_ids is not None:
        sql += f" AND deployment_id IN {id_list(deployment_ids)}"
    result = {}
    for r in conn.execute(sql):
        reasons = (
            tuple(
                FailureReason(
                    FailureKind(x["kind"]),
                    x["detail"],
                    x["related_deployment_id"],
                    x["incident_key"],
                )
                for x in json.loads(r[2])
            )
            if r[2] != "[]"  # most deployments succeed: skip the JSON parser for them
            else ()
        )
        recovered = from_epoch(r[5])
        result[r[0]] = DerivedDeployment(r[0], r[1], reasons, bool(r[3]), bool(r[4]), recovered)
    return result


def load_lead_times(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[DeploymentLeadTimes]:
    """Lead times (deploy − author, seconds) of the non-merge, non-bot commits first
    shipped by deployments deployed in ``[start, end)``, one row per deployment; baseline
    deployments are left out (cycle time never counts them). Derivation stores each
    deployment's list on its outcome, so a year of cycle time reads a row per deployment,
    not one per shipped commit (§13 read budget)."""
    if not repo_ids:
        return []
    rows = conn.execute(
        "SELECT o.deployment_id, o.lead_seconds"
        " FROM deployments d JOIN deployment_outcomes o ON o.deployment_id = d.id"
        f" WHERE d.repo_id IN {id_list(repo_ids)} AND d.deployed_at >= ? AND d.deployed_at < ?"
        " AND o.is_baseline = 0 AND o.lead_seconds != '[]'",
        (to_epoch(start), to_epoch(end)),
    )
    return [DeploymentLeadTimes(ident, tuple(json.loads(spans))) for ident, spans in rows]


def _intervals(cuts: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive ``[cut, next cut)`` pairs of sorted epoch seconds."""
    return list(pairwise(cuts))


# --- code ---------------------------------------------------------------------------------


def load_churn(
    conn: sqlite3.Connection, repo_ids: Sequence[int], cuts: Sequence[int]
) -> list[CommitChurnRow]:
    """Churn sums of non-merge, non-bot commits per repository and per interval between
    consecutive ``cuts`` (sorted epoch seconds: every bound of every bucket the caller will
    compute), binary and excluded files left out at ingestion (§3/§4). Summing inside an
    interval cannot move a line across a bucket bound, so the metric is exact; each
    interval is one covering-index range scan."""
    if not repo_ids:
        return []
    sql = (
        "SELECT repo_id, min(author_time), sum(churn_modified), sum(churn_added),"
        " sum(churn_files) FROM commits INDEXED BY commits_by_author_time"
        f" WHERE repo_id IN {id_list(repo_ids)} AND author_time >= ? AND author_time < ?"
        " AND is_merge = 0 AND is_bot = 0 AND churn_files > 0 GROUP BY repo_id"
    )
    return [
        CommitChurnRow(r[0], "", r[2], r[3], r[4], from_epoch(r[1]))  # type: ignore[arg-type]
        for interval in _intervals(cuts)
        for r in conn.execute(sql, interval)
    ]


# --- pull requests ------------------------------------------------------------------------


def upsert_pull_request(
    conn: sqlite3.Connection, repo_id: int, source: str, **fields: object
) -> None:
    columns = ["repo_id", "source", *fields]
    values = [repo_id, source, *fields.values()]
    updates = ", ".join(f"{c} = excluded.{c}" for c in fields if c != "number")
    conn.execute(
        f"INSERT INTO pull_requests ({', '.join(columns)}) VALUES"
        f" ({', '.join('?' for _ in columns)})"
        f" ON CONFLICT (repo_id, number, source) DO UPDATE SET {updates}",
        values,
    )


#: pull requests review time counts: merged, not bot-authored (bots are excluded everywhere
#: by default, §4), and an imported PR replaces the Git estimate of the same PR
COUNTED_PULL_REQUESTS = (
    " FROM pull_requests p WHERE repo_id IN {ids} AND merged_at >= ? AND merged_at < ?"
    " AND opened_at IS NOT NULL AND is_bot_author = 0"
    " AND (source = 'import' OR NOT EXISTS (SELECT 1 FROM pull_requests i"
    "   WHERE i.repo_id = p.repo_id AND i.number = p.number AND i.source = 'import'))"
)


def load_pull_requests(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[PullRequestRow]:
    """PRs merged in the window, one row each (``COUNTED_PULL_REQUESTS``)."""
    if not repo_ids:
        return []
    rows = conn.execute(
        "SELECT repo_id, number, opened_at, merged_at, source"
        + COUNTED_PULL_REQUESTS.format(ids=id_list(repo_ids)),
        (to_epoch(start), to_epoch(end)),
    )
    return [
        PullRequestRow(r[0], r[1], from_epoch(r[2]), from_epoch(r[3]), estimated=r[4] == "git")  # type: ignore[arg-type]
        for r in rows
    ]


def load_merged_pull_requests(
    conn: sqlite3.Connection, repo_ids: Sequence[int], cuts: Sequence[int]
) -> list[MergedPullRequests]:
    """Review spans of the counted PRs (``COUNTED_PULL_REQUESTS``) merged in each interval
    between consecutive ``cuts``, estimated and imported ones apart: what review time
    needs, exact for any bucket bounded by cuts, without a row object per PR."""
    if not repo_ids:
        return []
    sql = (
        "SELECT min(merged_at), json_group_array(merged_at - opened_at), source = 'git'"
        + COUNTED_PULL_REQUESTS.format(ids=id_list(repo_ids))
        + " GROUP BY source = 'git'"
    )
    return [
        MergedPullRequests(from_epoch(first), tuple(json.loads(spans)), bool(estimated))  # type: ignore[arg-type]
        for interval in _intervals(cuts)
        for first, spans, estimated in conn.execute(sql, interval)
    ]


# --- coverage, incidents, tasks -----------------------------------------------------------


def load_coverage(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[CoverageRow]:
    if not repo_ids:
        return []
    rows = conn.execute(
        "SELECT repo_id, measured_at, lines_covered, lines_total, branches_covered,"
        f" branches_total FROM coverage_reports WHERE repo_id IN {id_list(repo_ids)}"
        " AND measured_at >= ? AND measured_at < ?",
        (to_epoch(start), to_epoch(end)),
    )
    return [CoverageRow(r[0], from_epoch(r[1]), r[2], r[3], r[4], r[5]) for r in rows]  # type: ignore[arg-type]


def load_incidents(
    conn: sqlite3.Connection, workspace_id: str, *, until: datetime | None = None
) -> list[IncidentRow]:
    rows = conn.execute(
        "SELECT key, repo_id, service_line_id, opened_at, resolved_at, deployment_id"
        " FROM incidents WHERE workspace_id = ? AND opened_at < ?",
        (workspace_id, to_epoch(until) if until else 2**62),
    )
    return [IncidentRow(r[0], r[1], r[2], from_epoch(r[3]), from_epoch(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]


def load_tasks(
    conn: sqlite3.Connection,
    workspace_id: str,
    repo_ids: Sequence[int],
    start: datetime,
    end: datetime,
) -> list[TaskRow]:
    """Tasks completed in the window: imported ones, plus keys closed by commit messages
    ("fixes PAY-12") at the commit's committer time; an imported task wins over a commit."""
    imported = [
        TaskRow(r[0], r[2], r[1], from_epoch(r[3]))  # type: ignore[arg-type]
        for r in conn.execute(
            "SELECT key, repo_id, service_line_id, completed_at FROM tasks"
            " WHERE workspace_id = ? AND completed_at >= ? AND completed_at < ?",
            (workspace_id, to_epoch(start), to_epoch(end)),
        )
    ]
    if not repo_ids:
        return imported
    # a key's completion is its first non-bot closing commit in any repository of the scope
    # (commit facts copied onto commit_tasks: one scan of that table, no commit lookups)
    closed = [
        TaskRow(key, None, repo_id, from_epoch(at))  # type: ignore[arg-type]
        for key, repo_id, at in conn.execute(
            "SELECT t.task_key, t.repo_id, min(t.committer_time) AS first FROM commit_tasks t"
            f" WHERE t.closes = 1 AND t.is_bot = 0 AND t.repo_id IN {id_list(repo_ids)}"
            " GROUP BY t.task_key HAVING first >= ? AND first < ?"
            " AND NOT EXISTS (SELECT 1 FROM tasks k WHERE k.workspace_id = ?"
            "   AND k.key = t.task_key)",
            (to_epoch(start), to_epoch(end), workspace_id),
        )
    ]
    return [*imported, *closed]


def count_deployments(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> int:
    """How many deployments (any environment, any status) were made in ``[start, end)``."""
    if not repo_ids:
        return 0
    return int(
        conn.execute(
            f"SELECT count(*) FROM deployments WHERE repo_id IN {id_list(repo_ids)}"
            " AND deployed_at >= ? AND deployed_at < ?",
            (to_epoch(start), to_epoch(end)),
        ).fetchone()[0]
    )


def deployment_listing(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    *,
    limit: int,
    until: datetime | None = None,
) -> list[tuple[DeploymentRow, DerivedDeployment | None, list[str]]]:
    """The most recent deployments of the repositories (before ``until`` when given), newest
    first, with their outcome and shipped commits (oldest first)."""
    if not repo_ids:
        return []
    rows = conn.execute(
        "SELECT id, repo_id, sha, deployed_at, environment, source, name, recorded_status"
        f" FROM deployments WHERE repo_id IN {id_list(repo_ids)} AND deployed_at < ?"
        " ORDER BY deployed_at DESC, id DESC LIMIT ?",
        (to_epoch(until) if until is not None else 2**62, limit),
    ).fetchall()
    outcomes = load_outcomes(conn, repo_ids, deployment_ids=[r[0] for r in rows])
    listing = []
    for r in rows:
        deployment = DeploymentRow(r[0], r[1], r[2], from_epoch(r[3]), r[4], r[5], r[6], r[7])  # type: ignore[arg-type]
        shipped = [
            s[0]
            for s in conn.execute(
                "SELECT dc.sha FROM deployment_commits dc JOIN commits c"
                " ON c.repo_id = dc.repo_id AND c.sha = dc.sha"
                " WHERE dc.deployment_id = ? ORDER BY c.committer_time, dc.sha",
                (r[0],),
            )
        ]
        listing.append((deployment, outcomes.get(r[0]), shipped))
    return listing

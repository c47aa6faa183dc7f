"""SQL for imported data — coverage reports, incidents, pull requests, tasks — written by
natural key so re-importing a file changes nothing. Each upsert says what it did."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

#: what an upsert did with one record
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _upsert(
    conn: sqlite3.Connection, table: str, key: Mapping[str, object], values: Mapping[str, object]
) -> str:
    where = " AND ".join(f"{k} = ?" for k in key)
    columns = list(values)
    row = conn.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", tuple(key.values())
    ).fetchone()
    if row is None:
        names = [*key, *columns]
        conn.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            (*key.values(), *values.values()),
        )
        return CREATED
    if tuple(row) == tuple(values.values()):
        return UNCHANGED
    conn.execute(
        f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {where}",
        (*values.values(), *key.values()),
    )
    return UPDATED


def upsert_coverage(
    conn: sqlite3.Connection,
    repo_id: int,
    measured_at: int,
    commit_sha: str,
    values: Mapping[str, object],
) -> str:
    key = {"repo_id": repo_id, "measured_at": measured_at, "commit_sha": commit_sha}
    return _upsert(conn, "coverage_reports", key, values)


def upsert_incident(
    conn: sqlite3.Connection, workspace_id: str, key: str, values: Mapping[str, object]
) -> str:
    return _upsert(conn, "incidents", {"workspace_id": workspace_id, "key": key}, values)


def upsert_task(
    conn: sqlite3.Connection, workspace_id: str, key: str, values: Mapping[str, object]
) -> str:
    return _upsert(conn, "tasks", {"workspace_id": workspace_id, "key": key}, values)


def upsert_imported_pull_request(
    conn: sqlite3.Connection, repo_id: int, number: int, values: Mapping[str, object]
) -> str:
    key = {"repo_id": repo_id, "number": number, "source": "import"}
    return _upsert(conn, "pull_requests", key, values)


def commit_time(conn: sqlite3.Connection, repo_id: int, sha: str) -> int | None:
    row = conn.execute(
        "SELECT committer_time FROM commits WHERE repo_id = ? AND sha = ?", (repo_id, sha)
    ).fetchone()
    return row[0] if row else None

"""SQL for repositories: registration, lookup, and the raw per-repository figures of
``repo list`` (§3: counted commits, merges, Σ additions/deletions, tags, deployments)."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from .records import RepositoryRow, from_row


class RepositoryFigures(NamedTuple):
    commits: int
    merges: int
    additions: int
    deletions: int
    tags: int
    deployments: int
    first_commit_time: int | None
    last_commit_time: int | None


def insert_repository(conn: sqlite3.Connection, **values: object) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"INSERT INTO repositories ({columns}) VALUES ({marks})", tuple(values.values())
    )
    return int(cursor.lastrowid or 0)


def get_repository(conn: sqlite3.Connection, repo_id: int) -> RepositoryRow:
    return from_row(
        RepositoryRow,
        conn.execute("SELECT * FROM repositories WHERE id = ?", (repo_id,)).fetchone(),
    )


def find_repositories(
    conn: sqlite3.Connection, workspace_id: str, name_or_url: str
) -> list[RepositoryRow]:
    rows = conn.execute(
        "SELECT * FROM repositories WHERE workspace_id = ? AND (name = ? OR url = ?) ORDER BY id",
        (workspace_id, name_or_url, name_or_url),
    )
    return [from_row(RepositoryRow, r) for r in rows]


def find_by_url(conn: sqlite3.Connection, workspace_id: str, url: str) -> RepositoryRow | None:
    row = conn.execute(
        "SELECT * FROM repositories WHERE workspace_id = ? AND url = ?", (workspace_id, url)
    ).fetchone()
    return from_row(RepositoryRow, row) if row else None


def list_repositories(
    conn: sqlite3.Connection, workspace_id: str, *, line_id: str | None = None
) -> list[RepositoryRow]:
    sql = "SELECT * FROM repositories WHERE workspace_id = ?"
    params: tuple[object, ...] = (workspace_id,)
    if line_id is not None:
        sql += " AND service_line_id = ?"
        params += (line_id,)
    return [from_row(RepositoryRow, r) for r in conn.execute(sql + " ORDER BY name, id", params)]


def mirror_users(conn: sqlite3.Connection, mirror_path: str) -> int:
    """How many repository rows (over all workspaces) share one mirror directory."""
    return conn.execute(
        "SELECT count(*) FROM repositories WHERE mirror_path = ?", (mirror_path,)
    ).fetchone()[0]


def delete_repository(conn: sqlite3.Connection, repo_id: int) -> None:
    # children first: WITHOUT ROWID history tables are large, and explicit deletes keep
    # the cost visible instead of hiding it in cascades
    for table in (
        "commit_tasks", "commit_files", "file_paths", "commits", "refs", "tags",
        "deployment_commits",
        "deployment_outcomes", "deployments", "repository_figures",
    ):
        conn.execute(f"DELETE FROM {table} WHERE repo_id = ?", (repo_id,))
    conn.execute("DELETE FROM repositories WHERE id = ?", (repo_id,))


def update_repository(conn: sqlite3.Connection, repo_id: int, **values: object) -> None:
    """Set configuration columns (service line, deployment settings) of one repository."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(
        f"UPDATE repositories SET {assignments} WHERE id = ?", (*values.values(), repo_id)
    )


def figures(conn: sqlite3.Connection, repo_id: int) -> RepositoryFigures:
    commit_row = conn.execute(
        "SELECT commits, merges, additions, deletions, first_commit_time, last_commit_time"
        " FROM repository_figures WHERE repo_id = ?",
        (repo_id,),
    ).fetchone() or (0, 0, 0, 0, None, None)  # never synced yet
    tags = conn.execute("SELECT count(*) FROM tags WHERE repo_id = ?", (repo_id,)).fetchone()[0]
    deployments = conn.execute(
        "SELECT count(*) FROM deployments WHERE repo_id = ?", (repo_id,)
    ).fetchone()[0]
    return RepositoryFigures(
        commits=commit_row[0],
        merges=commit_row[1],
        additions=commit_row[2],
        deletions=commit_row[3],
        tags=tags,
        deployments=deployments,
        first_commit_time=commit_row[4],
        last_commit_time=commit_row[5],
    )

"""SQL for who did what and when: author activity, per-file change counts, sync ages —
the inputs of health's team patterns and of the risk factors."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime


def _in(ids: Sequence[int]) -> str:
    return "(" + ",".join(str(int(i)) for i in ids) + ")"


def author_commit_counts(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """Non-merge, non-bot commits per author (email after mailmap) authored in the window."""
    if not repo_ids:
        return []
    return conn.execute(
        "SELECT lower(author_email), count(*) FROM commits"
        f" WHERE repo_id IN {_in(repo_ids)} AND is_merge = 0 AND is_bot = 0"
        " AND author_time >= ? AND author_time < ? GROUP BY lower(author_email)"
        " ORDER BY count(*) DESC, lower(author_email)",
        (int(start.timestamp()), int(end.timestamp())),
    ).fetchall()


def file_author_counts(
    conn: sqlite3.Connection, repo_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, int, int]]:
    """(path, author email, changes, lines touched) for non-excluded, non-binary files of
    non-merge, non-bot commits in the window."""
    return conn.execute(
        "SELECT f.path, lower(c.author_email), count(*), sum(f.additions + f.deletions)"
        " FROM commits c JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha"
        " WHERE c.repo_id = ? AND c.is_merge = 0 AND c.is_bot = 0 AND f.is_excluded = 0"
        " AND f.is_binary = 0 AND c.author_time >= ? AND c.author_time < ?"
        " GROUP BY f.path, lower(c.author_email)",
        (repo_id, int(start.timestamp()), int(end.timestamp())),
    ).fetchall()


def commit_sizes(
    conn: sqlite3.Connection, repo_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, int]]:
    """(sha, subject, lines changed outside excluded files) of non-merge, non-bot commits."""
    return conn.execute(
        "SELECT c.sha, c.subject, coalesce(sum(f.additions + f.deletions), 0)"
        " FROM commits c LEFT JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha"
        " AND f.is_excluded = 0 AND f.is_binary = 0"
        " WHERE c.repo_id = ? AND c.is_merge = 0 AND c.is_bot = 0"
        " AND c.author_time >= ? AND c.author_time < ? GROUP BY c.sha",
        (repo_id, int(start.timestamp()), int(end.timestamp())),
    ).fetchall()


def commit_local_times(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """(author epoch time, author UTC offset in minutes) of non-merge, non-bot commits."""
    if not repo_ids:
        return []
    return conn.execute(
        f"SELECT author_time, author_offset FROM commits WHERE repo_id IN {_in(repo_ids)}"
        " AND is_merge = 0 AND is_bot = 0 AND author_time >= ? AND author_time < ?",
        (int(start.timestamp()), int(end.timestamp())),
    ).fetchall()


def commit_change_sizes(
    conn: sqlite3.Connection, repo_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, int, bool]]:
    """(sha, subject, lines changed outside excluded and binary files, is a root commit) of
    non-merge, non-bot commits authored in the window — risk's oversized changes."""
    rows = conn.execute(
        "SELECT c.sha, c.subject, coalesce(sum(f.additions + f.deletions), 0), c.parents = ''"
        " FROM commits c LEFT JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha"
        " AND f.is_excluded = 0 AND f.is_binary = 0"
        " WHERE c.repo_id = ? AND c.is_merge = 0 AND c.is_bot = 0"
        " AND c.author_time >= ? AND c.author_time < ? GROUP BY c.sha ORDER BY c.sha",
        (repo_id, int(start.timestamp()), int(end.timestamp())),
    ).fetchall()
    return [(sha, subject, int(lines), bool(root)) for sha, subject, lines, root in rows]


def pull_request_sizes(
    conn: sqlite3.Connection, repo_id: int, start: datetime, end: datetime
) -> list[tuple[int, str | None, int]]:
    """(number, title, additions + deletions) of imported, non-bot pull requests opened in the
    window that carry a size (Git estimates have none)."""
    return conn.execute(
        "SELECT number, title, coalesce(additions, 0) + coalesce(deletions, 0)"
        " FROM pull_requests WHERE repo_id = ? AND source = 'import' AND is_bot_author = 0"
        " AND (additions IS NOT NULL OR deletions IS NOT NULL)"
        " AND opened_at >= ? AND opened_at < ? ORDER BY number",
        (repo_id, int(start.timestamp()), int(end.timestamp())),
    ).fetchall()


def open_pull_requests(
    conn: sqlite3.Connection, repo_id: int, as_of: datetime
) -> list[tuple[int, str | None, int]]:
    """(number, title, opened epoch) of imported, non-bot pull requests still open at
    ``as_of``: opened before it, neither merged nor closed by then. Only imports know a
    pull request is open (Git estimates see merged ones)."""
    moment = int(as_of.timestamp())
    return conn.execute(
        "SELECT number, title, opened_at FROM pull_requests"
        " WHERE repo_id = ? AND source = 'import' AND is_bot_author = 0"
        " AND opened_at IS NOT NULL AND opened_at < ?"
        " AND (merged_at IS NULL OR merged_at >= ?) AND (closed_at IS NULL OR closed_at >= ?)"
        " ORDER BY number",
        (repo_id, moment, moment, moment),
    ).fetchall()


def unresolved_incidents(
    conn: sqlite3.Connection, workspace_id: str, as_of: datetime
) -> list[tuple[str, str | None, str | None, int, int | None, str | None]]:
    """(key, title, severity, opened epoch, repo id, service line id) of the workspace's
    incidents opened before ``as_of`` and not resolved by then."""
    moment = int(as_of.timestamp())
    return conn.execute(
        "SELECT key, title, severity, opened_at, repo_id, service_line_id FROM incidents"
        " WHERE workspace_id = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at > ?)"
        " ORDER BY opened_at, key",
        (workspace_id, moment, moment),
    ).fetchall()

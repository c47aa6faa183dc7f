"""SQL for who did what and when: author activity, per-file change counts, sync ages —
the inputs of health's team patterns and of the risk factors.

Risk's reads take the scope's repositories at once and lead with the repository id; each
folds its rows in SQL (GROUP BY) so that a window of a million-commit database comes back
as a few thousand rows rather than one Python object per commit or per changed file. Where
a grouping would make SQLite sort the window's rows (per author, per local hour), the read
groups by repository only, in index order, and returns JSON arrays counted here; the larger
results come as one JSON array per repository rather than a row per file or pull request
(a reader thread needs the GIL for every row it returns).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from .db import id_list
from .delivery import COUNTED_PULL_REQUESTS
from .history import COUNTED_CHANGE


def window_params(start: datetime, end: datetime) -> tuple[int, int]:
    """The parameters of ``WINDOW_COMMITS``: [start, end) in whole epoch seconds."""
    return int(start.timestamp()), int(end.timestamp())


#: the window's counted commits: non-merge, non-bot, authored in [start, end) — a range of
#: ``commits_by_author_time``; ``{ids}`` takes an ``id_list``, the ``?`` ``window_params``
WINDOW_COMMITS = (
    " c.repo_id IN {ids} AND c.is_merge = 0 AND c.is_bot = 0"
    " AND c.author_time >= ? AND c.author_time < ?"
)


def author_commit_counts(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """Non-merge, non-bot commits per author (email after mailmap) authored in the window."""
    if not repo_ids:
        return []
    return conn.execute(
        "SELECT lower(c.author_email) AS author, count(*) AS commits FROM commits c WHERE"
        + WINDOW_COMMITS.format(ids=id_list(repo_ids))
        + " GROUP BY author ORDER BY commits DESC, author",
        window_params(start, end),
    ).fetchall()


#: the window's eligible file changes: files neither excluded nor binary, of the window's
#: counted commits — one range of the ``counted_file_changes`` index per path of
#: ``{paths}`` (``file_paths``, migration 6, or a table of some of them), so rows come
#: grouped by (repository, path) without a sort (CROSS JOIN keeps the paths the outer loop,
#: whatever statistics the planner has); ``{ids}`` takes an ``id_list``, the ``?``
#: ``window_params``
WINDOW_FILE_CHANGES = (
    " FROM {paths} p CROSS JOIN commit_files f ON f.repo_id = p.repo_id AND f.path = p.path"
    f" AND {COUNTED_CHANGE} AND f.author_time >= ? AND f.author_time < ?"
    " WHERE p.repo_id IN {ids}"
)


def file_totals(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple[str, int, int, int, str | None]]]:
    """Repo id → (path, changes, distinct authors, lines touched, the author when there is
    only one) per non-excluded, non-binary file of non-merge, non-bot commits in the window
    — ``scoring.risk.FileChanges`` but for the main author of files with several
    (``file_main_authors``; ``scoring.risk.file_changes`` is the definition); repositories
    without such changes are left out.

    One grouping per file: folding per (file, author) first costs a second sort of up to
    one row per change, needed only for the few files one author can dominate. Each
    repository's files come back as one JSON array (a row per repository, not per file:
    on a 1M-commit database 18k files, a quarter less time than as rows); their order is
    not part of the result."""
    if not repo_ids:
        return {}
    rows = conn.execute(
        "SELECT repo_id, json_group_array(json_array(path, changes, authors, lines, sole))"
        " FROM (SELECT p.repo_id, p.path, count(*) AS changes,"
        " count(DISTINCT f.author) AS authors, sum(f.additions + f.deletions) AS lines,"
        " CASE WHEN count(DISTINCT f.author) = 1 THEN min(f.author) END AS sole"
        + WINDOW_FILE_CHANGES.format(paths="file_paths", ids=id_list(repo_ids))
        + " GROUP BY p.repo_id, p.path) GROUP BY repo_id",
        window_params(start, end),
    )
    return {repo_id: [tuple(file) for file in json.loads(files)] for repo_id, files in rows}


def file_main_authors(
    conn: sqlite3.Connection, files: Sequence[tuple[int, str]], start: datetime, end: datetime
) -> list[tuple[int, str, str, int]]:
    """(repo id, path, main author, main author's changes) of the given (repo id, path)
    files over the window's changes as ``file_totals`` counts them.

    The main author has the most changes, ties to the alphabetically first: the least
    ``<999999999999 − changes><author>`` — 12 digits for any count below 9 × 10¹¹, so the
    text orders by count, then by author (SQLite compares text as UTF-8 bytes, which orders
    like Python's ``str``). The files go through a temporary table (the connection's own,
    emptied afterwards) that takes the place of ``file_paths``."""
    if not files:
        return []
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS wanted_files (repo_id INTEGER NOT NULL,"
        " path TEXT NOT NULL, PRIMARY KEY (repo_id, path)) WITHOUT ROWID"
    )
    try:
        conn.executemany("INSERT OR IGNORE INTO temp.wanted_files VALUES (?, ?)", files)
        ids = id_list(sorted({repo for repo, _ in files}))
        return conn.execute(
            "SELECT repo_id, path, substr(min((999999999999 - changes) || author), 13),"
            " max(changes)"
            " FROM (SELECT p.repo_id, p.path, f.author, count(*) AS changes"
            + WINDOW_FILE_CHANGES.format(paths="temp.wanted_files", ids=ids)
            + " GROUP BY 1, 2, 3)"
            " GROUP BY repo_id, path",
            window_params(start, end),
        ).fetchall()
    finally:
        conn.execute("DELETE FROM temp.wanted_files")


#: a commit's hour of the week (0 = Monday 00:00–01:00) in its author's local time, by
#: integer arithmetic as ``scoring.risk.local_weekday_hour``: epoch + offset (an offset
#: beyond ±24 h read as UTC) in whole hours, + 72 (1970-01-01 was a Thursday), modulo 168.
#: Adding a whole number of weeks (10⁶) first keeps the dividend positive, so SQLite's
#: truncating division floors it for any time a ``datetime`` can hold.
_LOCAL_HOUR_OF_WEEK = (
    "((c.author_time + 60 * (CASE WHEN c.author_offset > -1440 AND c.author_offset < 1440"
    " THEN c.author_offset ELSE 0 END) + 604800000000) / 3600 + 72) % 168"
)


class WindowCommits(NamedTuple):
    """One repository's counted commits of a window, folded three ways."""

    #: (author email lower-cased, commits), by author
    authors: list[tuple[str, int]]
    #: (local weekday 0 = Monday, local hour, commits), in order
    local_hours: list[tuple[int, int, int]]
    #: most lines one commit changed over all its files
    most_lines: int


def window_commits(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, WindowCommits]:
    """Repo id → its non-merge, non-bot commits authored in the window, per author (email
    after mailmap, lower-cased as SQLite's ``lower`` does: ASCII only), per hour of the week
    in the author's own UTC offset, and the most lines one of them changed over all files;
    repositories without such commits are left out.

    One pass over the author-time index (which carries the email, the offset and the line
    counts, migrations 4 and 5) grouped by repository only, so SQLite follows the index
    order and sorts nothing; each repository's authors and hours come back as JSON arrays
    and are counted here — half the time of two grouped reads. The lines serve the
    oversized-commit factor: lines over all files (``commits.additions + deletions``) bound
    the lines outside excluded and binary files from above, so a repository none of whose
    commits is that large needs no sizing."""
    if not repo_ids:
        return {}
    rows = conn.execute(
        "SELECT c.repo_id, json_group_array(lower(c.author_email)),"
        f" json_group_array({_LOCAL_HOUR_OF_WEEK}), max(c.additions + c.deletions)"
        " FROM commits c WHERE" + WINDOW_COMMITS.format(ids=id_list(repo_ids))
        + " GROUP BY c.repo_id",
        window_params(start, end),
    )
    return {
        repo_id: WindowCommits(
            authors=sorted(Counter(json.loads(authors)).items()),
            local_hours=[
                (how // 24, how % 24, n) for how, n in sorted(Counter(json.loads(hours)).items())
            ],
            most_lines=most_lines,
        )
        for repo_id, authors, hours, most_lines in rows
    }


def root_commit_counts(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """Repo id → root commits (no parent) among the window's counted commits: the commits
    an oversized-commit share leaves out of its denominator (a partial index holds them)."""
    if not repo_ids:
        return {}
    rows = conn.execute(
        "SELECT c.repo_id, count(*) FROM commits c WHERE"
        + WINDOW_COMMITS.format(ids=id_list(repo_ids))
        + " AND c.parents = '' GROUP BY c.repo_id",
        window_params(start, end),
    ).fetchall()
    return {repo_id: n for repo_id, n in rows}


def commit_change_sizes(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    over: int,
) -> list[tuple[int, str, str, int, bool]]:
    """(repo id, sha, subject, lines changed outside excluded and binary files, is a root
    commit) of non-merge, non-bot commits authored in the window that changed more than
    ``over`` lines over all files — risk's oversized changes. Lines over all files bound the
    eligible ones from above, so no other commit can have more than ``over`` eligible lines;
    the join to ``commit_files`` runs for these few commits only."""
    if not repo_ids:
        return []
    rows = conn.execute(
        "SELECT c.repo_id, c.sha, c.subject, coalesce(sum(f.additions + f.deletions), 0),"
        " c.parents = ''"
        " FROM commits c LEFT JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha"
        " AND f.is_excluded = 0 AND f.is_binary = 0"
        " WHERE"
        + WINDOW_COMMITS.format(ids=id_list(repo_ids))
        + " AND c.additions + c.deletions > ?"
        " GROUP BY c.repo_id, c.sha ORDER BY c.repo_id, c.sha",
        (*window_params(start, end), over),
    ).fetchall()
    return [
        (repo_id, sha, subject, int(lines), bool(root))
        for repo_id, sha, subject, lines, root in rows
    ]


def merged_pull_request_spans(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple[int, int, bool]]]:
    """Repo id → (number, merged − opened in seconds, estimated from Git) of the pull
    requests review time counts (``delivery.COUNTED_PULL_REQUESTS``: merged in the window,
    not bot-authored, an import replacing the Git estimate of the same PR) — plain integers,
    not a row object with two datetimes per PR, and one JSON array per repository rather
    than a row per PR (as ``file_totals``); their order is not part of the result."""
    if not repo_ids:
        return {}
    rows = conn.execute(
        "SELECT repo_id, json_group_array(json_array(number, merged_at - opened_at,"
        " source = 'git'))"
        + COUNTED_PULL_REQUESTS.format(ids=id_list(repo_ids))
        + " GROUP BY repo_id",
        window_params(start, end),
    )
    return {
        repo_id: [(number, seconds, bool(git)) for number, seconds, git in json.loads(spans)]
        for repo_id, spans in rows
    }


def pull_request_sizes(
    conn: sqlite3.Connection, repo_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, int, str | None, int]]:
    """(repo id, number, title, additions + deletions) of imported, non-bot pull requests
    opened in the window that carry a size (Git estimates have none)."""
    if not repo_ids:
        return []
    return conn.execute(
        "SELECT repo_id, number, title, coalesce(additions, 0) + coalesce(deletions, 0)"
        f" FROM pull_requests WHERE repo_id IN {id_list(repo_ids)} AND source = 'import'"
        " AND is_bot_author = 0 AND (additions IS NOT NULL OR deletions IS NOT NULL)"
        " AND opened_at >= ? AND opened_at < ? ORDER BY repo_id, number",
        window_params(start, end),
    ).fetchall()


def open_pull_requests(
    conn: sqlite3.Connection, repo_ids: Sequence[int], as_of: datetime
) -> list[tuple[int, int, str | None, int]]:
    """(repo id, number, title, opened epoch) of imported, non-bot pull requests still open
    at ``as_of``: opened before it, neither merged nor closed by then. Only imports know a
    pull request is open (Git estimates see merged ones)."""
    if not repo_ids:
        return []
    moment = int(as_of.timestamp())
    return conn.execute(
        "SELECT repo_id, number, title, opened_at FROM pull_requests"
        f" WHERE repo_id IN {id_list(repo_ids)} AND source = 'import' AND is_bot_author = 0"
        " AND opened_at IS NOT NULL AND opened_at < ?"
        " AND (merged_at IS NULL OR merged_at >= ?) AND (closed_at IS NULL OR closed_at >= ?)"
        " ORDER BY repo_id, number",
        (moment, moment, moment),
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

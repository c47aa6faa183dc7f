"""SQL for a repository's history: commits, per-file changes, task references, refs, tags
and tag-derived deployments. Writes are idempotent (natural keys, ``DO NOTHING`` on
conflict), so a killed ingestion followed by a rerun yields the same rows as a clean run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

CommitTuple = tuple[object, ...]

COMMIT_COLUMNS = (
    "repo_id",
    "sha",
    "parents",
    "author_name",
    "author_email",
    "author_time",
    "author_offset",
    "committer_name",
    "committer_email",
    "committer_time",
    "committer_offset",
    "subject",
    "is_merge",
    "is_bot",
    "additions",
    "deletions",
    "files_changed",
    "pr_number",
    "reverted_sha",
    "churn_modified",
    "churn_added",
    "churn_files",
)
FILE_COLUMNS = (
    "repo_id",
    "sha",
    "seq",
    "path",
    "old_path",
    "additions",
    "deletions",
    "is_binary",
    "is_excluded",
)
TASK_COLUMNS = ("repo_id", "sha", "task_key", "closes", "committer_time", "is_bot")


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        " ON CONFLICT DO NOTHING"
    )


_INSERT_COMMIT = _insert_sql("commits", COMMIT_COLUMNS)
# a file change takes its commit's author time, author and whether the commit counts from the
# commit row (inserted first): the same copy migration 6 made of the rows before it
_INSERT_FILE = (
    f"INSERT INTO commit_files ({', '.join(FILE_COLUMNS)}, author_time, author, is_counted)"
    f" SELECT {', '.join(f'?{n}' for n in range(1, len(FILE_COLUMNS) + 1))},"
    " c.author_time, lower(c.author_email), c.is_merge = 0 AND c.is_bot = 0"
    " FROM (SELECT 1) LEFT JOIN commits c ON c.repo_id = ?1 AND c.sha = ?2"
    " WHERE true ON CONFLICT DO NOTHING"
)
_INSERT_PATH = "INSERT INTO file_paths (repo_id, path) VALUES (?, ?) ON CONFLICT DO NOTHING"
_INSERT_TASK = _insert_sql("commit_tasks", TASK_COLUMNS)
#: the changes ``counted_file_changes`` indexes (and ``file_paths`` lists the paths of)
COUNTED_CHANGE = "is_counted = 1 AND is_excluded = 0 AND is_binary = 0"


def _counted_paths(
    commits: Sequence[CommitTuple], files: Sequence[CommitTuple]
) -> set[tuple[object, object]]:
    """(repo id, path) of the file changes ``COUNTED_CHANGE`` holds: neither binary nor
    excluded, of a commit that is neither a merge nor a bot's."""
    repo, sha, merge, bot = map(COMMIT_COLUMNS.index, ("repo_id", "sha", "is_merge", "is_bot"))
    counted = {(c[repo], c[sha]) for c in commits if not c[merge] and not c[bot]}
    f_repo, f_sha, f_path, binary, excluded = map(
        FILE_COLUMNS.index, ("repo_id", "sha", "path", "is_binary", "is_excluded")
    )
    return {
        (f[f_repo], f[f_path])
        for f in files
        if (f[f_repo], f[f_sha]) in counted and not f[binary] and not f[excluded]
    }


def insert_history(
    conn: sqlite3.Connection,
    commits: Iterable[CommitTuple],
    files: Iterable[CommitTuple],
    tasks: Iterable[CommitTuple],
) -> None:
    """Insert a batch (``FILE_COLUMNS`` per file change); call inside a write transaction.
    Commits first: a file change copies facts from its commit's row (one without its commit
    fails on NOT NULL, as the foreign key would)."""
    commits, files = list(commits), list(files)
    conn.executemany(_INSERT_COMMIT, commits)
    conn.executemany(_INSERT_FILE, files)
    conn.executemany(_INSERT_PATH, _counted_paths(commits, files))
    conn.executemany(_INSERT_TASK, tasks)


def delete_commits(conn: sqlite3.Connection, repo_id: int, shas: Iterable[str]) -> int:
    """Forget commits no longer reachable from any branch or tag (force-push, deleted ref),
    and the ``file_paths`` no counted change of which remains (as a clean run would have
    none of them)."""
    keys = [(repo_id, sha) for sha in shas]
    touched = {
        path
        for key in keys
        for (path,) in conn.execute(
            f"SELECT path FROM commit_files WHERE repo_id = ? AND sha = ? AND {COUNTED_CHANGE}",
            key,
        )
    }
    for table in ("commit_tasks", "commit_files", "commits"):
        conn.executemany(f"DELETE FROM {table} WHERE repo_id = ? AND sha = ?", keys)
    conn.executemany(
        "DELETE FROM file_paths WHERE repo_id = ?1 AND path = ?2 AND NOT EXISTS (SELECT 1"
        f" FROM commit_files WHERE repo_id = ?1 AND path = ?2 AND {COUNTED_CHANGE})",
        [(repo_id, path) for path in sorted(touched)],
    )
    return len(keys)


def commit_shas(conn: sqlite3.Connection, repo_id: int) -> set[str]:
    return {row[0] for row in conn.execute("SELECT sha FROM commits WHERE repo_id = ?", (repo_id,))}


def stored_refs(conn: sqlite3.Connection, repo_id: int) -> dict[str, str]:
    rows = conn.execute("SELECT name, target FROM refs WHERE repo_id = ?", (repo_id,))
    return {name: target for name, target in rows}


def replace_refs(
    conn: sqlite3.Connection, repo_id: int, refs: Iterable[tuple[str, str, str]]
) -> None:
    """Store the ref snapshot ``(name, target, kind)`` the history now corresponds to."""
    conn.execute("DELETE FROM refs WHERE repo_id = ?", (repo_id,))
    conn.executemany(
        "INSERT INTO refs (repo_id, name, target, kind) VALUES (?, ?, ?, ?)",
        [(repo_id, *ref) for ref in refs],
    )


def replace_tags(
    conn: sqlite3.Connection, repo_id: int, tags: Iterable[tuple[object, ...]]
) -> None:
    """Tags as ``(name, object_sha, commit_sha, is_annotated, tagger_time, tagger_offset)``."""
    conn.execute("DELETE FROM tags WHERE repo_id = ?", (repo_id,))
    conn.executemany(
        "INSERT INTO tags (repo_id, name, object_sha, commit_sha, is_annotated, tagger_time,"
        " tagger_offset) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(repo_id, *tag) for tag in tags],
    )


def commit_times(conn: sqlite3.Connection, repo_id: int, shas: Iterable[str]) -> dict[str, int]:
    """Committer times of the given commits (those present)."""
    result: dict[str, int] = {}
    for sha in shas:
        row = conn.execute(
            "SELECT committer_time FROM commits WHERE repo_id = ? AND sha = ?", (repo_id, sha)
        ).fetchone()
        if row:
            result[sha] = row[0]
    return result


def sync_source_deployments(
    conn: sqlite3.Connection,
    repo_id: int,
    source: str,
    deployments: Iterable[tuple[str, str, str, int, str | None]],
) -> None:
    """Make the deployments of one derived source (``tag``, ``branch``) match the given
    ``(source_key, sha, environment, deployed_at, name)`` rows: new ones inserted, gone ones
    deleted, unchanged ones kept with their IDs."""
    wanted = {row[0]: row for row in deployments}
    existing = {
        key: (key, sha, env, at, name)
        for key, sha, env, at, name in conn.execute(
            "SELECT source_key, sha, environment, deployed_at, name FROM deployments"
            " WHERE repo_id = ? AND source = ?",
            (repo_id, source),
        )
    }
    for key, row in existing.items():
        if wanted.get(key) != row:
            conn.execute(
                "DELETE FROM deployments WHERE repo_id = ? AND source = ? AND source_key = ?",
                (repo_id, source, key),
            )
    for key in sorted(wanted, key=lambda k: (wanted[k][3], k)):
        if existing.get(key) != wanted[key]:
            _, sha, env, at, name = wanted[key]
            conn.execute(
                "INSERT INTO deployments (repo_id, source, source_key, sha, environment,"
                " deployed_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (repo_id, source, key, sha, env, at, name),
            )


def set_sync_state(
    conn: sqlite3.Connection,
    repo_id: int,
    state: str,
    *,
    synced_at: str | None = None,
    default_branch: str | None = None,
) -> None:
    conn.execute(
        "UPDATE repositories SET sync_state = ?,"
        " last_synced_at = coalesce(?, last_synced_at),"
        " default_branch = coalesce(?, default_branch) WHERE id = ?",
        (state, synced_at, default_branch, repo_id),
    )


def derivation_inputs(conn: sqlite3.Connection, repo_id: int) -> list[tuple[object, ...]]:
    """What deployment derivation reads of a repository besides the commit graph and the
    incidents: every deployment as stored, whether its sha is an ingested commit, and
    whether it has an outcome. A sync that leaves this unchanged and deletes no commit
    cannot change any derivation result — commits are immutable, and new ones are never
    ancestors of commits already stored — so it may skip re-deriving (an O(history) walk).
    """
    return conn.execute(
        "SELECT d.id, d.sha, d.deployed_at, d.environment, d.recorded_status, d.name,"
        " EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = d.repo_id AND c.sha = d.sha),"
        " EXISTS (SELECT 1 FROM deployment_outcomes o WHERE o.deployment_id = d.id)"
        " FROM deployments d WHERE d.repo_id = ? ORDER BY d.id",
        (repo_id,),
    ).fetchall()


def counted_tips(conn: sqlite3.Connection, repo_id: int) -> set[str]:
    """The commits the stored history was built from: branch tips and peeled tag targets."""
    rows = conn.execute(
        "SELECT target FROM refs WHERE repo_id = ? AND kind = 'branch'"
        " UNION SELECT commit_sha FROM tags WHERE repo_id = ? AND commit_sha IS NOT NULL",
        (repo_id, repo_id),
    )
    return {row[0] for row in rows}


def refresh_figures(conn: sqlite3.Connection, repo_id: int) -> None:
    """Recompute the raw per-repository figures ``repo list`` shows; called in the sync's
    final transaction, so reading them costs nothing even at a million commits."""
    conn.execute(
        "INSERT OR REPLACE INTO repository_figures (repo_id, commits, merges, additions,"
        " deletions, first_commit_time, last_commit_time)"
        " SELECT ?, count(*), coalesce(sum(is_merge), 0), coalesce(sum(additions), 0),"
        " coalesce(sum(deletions), 0), min(author_time), max(author_time)"
        " FROM commits WHERE repo_id = ?",
        (repo_id, repo_id),
    )

"""The state directory and database (§1, §12): WAL, migrations, IDs, default workspace."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import SchemaVersionError
from devintel_cli.store.db import connect, latest_version, write_transaction
from devintel_cli.store.ids import next_id
from devintel_cli.store.schema import MIGRATIONS
from devintel_cli.workspace import ensure_default_workspace


def test_database_is_wal_owner_only_and_migrated(tmp_path: Path) -> None:
    conn = connect(tmp_path / "devintel.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version() == len(MIGRATIONS)
    assert stat.S_IMODE((tmp_path / "devintel.db").stat().st_mode) == 0o600
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path, cli) -> None:
    path = tmp_path / "devintel.db"
    connect(path).execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(SchemaVersionError, match="newer than this devintel"):
        connect(path)


def test_newer_schema_through_the_cli_exits_2_without_traceback(cli, isolated_state) -> None:
    connect(isolated_state / "devintel.db").execute(f"PRAGMA user_version = {latest_version() + 5}")
    result = cli("repo", "list", code=2)
    assert "newer than this devintel" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_upgrading_an_existing_database_says_so_once_and_a_new_one_silently(
    cli, isolated_state
) -> None:
    """The first command of a newer devintel on an older database announces the upgrade on
    stderr (migration 6 takes seconds on a large history); later commands and a database
    created from nothing say nothing."""
    old = database_at_version(isolated_state / "devintel.db", 5)
    old.execute("COMMIT")
    old.close()
    first = cli("lines", "list")
    assert first.stderr == (
        f"devintel: upgrading the database from schema 5 to {latest_version()} (once; on a"
        " large history this can take a minute)\n"
    )
    assert cli("lines", "list").stderr == ""
    (isolated_state / "devintel.db").unlink()
    assert cli("lines", "list").stderr == ""  # created anew: nothing to upgrade


def test_ids_are_prefix_year_counter_and_never_reused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    at_2026 = datetime(2026, 3, 1, tzinfo=UTC)
    with write_transaction(conn):
        first = next_id(conn, "LIN", at_2026)
        second = next_id(conn, "LIN", at_2026)
        other_prefix = next_id(conn, "WHK", at_2026)
        next_year = next_id(conn, "LIN", datetime(2027, 1, 1, tzinfo=UTC))
    assert (first, second, other_prefix) == ("LIN-26-000001", "LIN-26-000002", "WHK-26-000001")
    # the counter is per prefix, not per year: a new year continues the sequence
    assert next_year == "LIN-27-000003"
    conn.execute("DELETE FROM counters WHERE 0")  # deleting rows elsewhere never rewinds it
    with write_transaction(conn):
        assert next_id(conn, "LIN", at_2026) == "LIN-26-000004"


def test_default_workspace_created_once(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    first = ensure_default_workspace(conn)
    again = ensure_default_workspace(conn)
    assert first == again
    assert re.fullmatch(r"WS-\d{2}-000001", first.id)
    assert conn.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    with pytest.raises(RuntimeError), write_transaction(conn):
        conn.execute(
            "INSERT INTO workspaces (id, name, is_default, created_at)"
            " VALUES ('WS-26-000009', 'x', 0, 'now')"
        )
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 0


def test_schema_doc_describes_every_table(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    doc = (Path(__file__).parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    missing = [t for t in tables if f"## `{t}`" not in doc]
    assert not missing, f"docs/schema.md does not describe: {missing}"
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        section = doc.split(f"## `{table}`", 1)[1].split("\n## ", 1)[0]
        undocumented = [c for c in columns if f"`{c}`" not in section]
        assert not undocumented, f"docs/schema.md: {table} lacks {undocumented}"


def test_two_connections_write_without_lock_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    a, b = connect(path), connect(path)
    with write_transaction(a):
        a.execute("INSERT INTO counters VALUES ('X', 1)")
    with write_transaction(b):
        b.execute("UPDATE counters SET value = value + 1 WHERE prefix = 'X'")
    assert a.execute("SELECT value FROM counters WHERE prefix = 'X'").fetchone()[0] == 2


def database_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A database as devintel wrote it at schema ``version``: the first migrations only,
    applied inside an open write transaction (the caller adds rows, then commits)."""
    conn = connect(path, migrate=False)
    conn.execute("BEGIN IMMEDIATE")
    for script in MIGRATIONS[:version]:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_migration_4_copies_read_facts_and_widens_the_author_time_index(
    tmp_path: Path,
) -> None:
    """A database from before migration 4 keeps its task mentions, now carrying the
    commit's committer time and bot flag (what task throughput reads)."""
    path = tmp_path / "v3.db"
    conn = database_at_version(path, 3)
    conn.execute(
        "INSERT INTO workspaces VALUES ('WS-26-000001', 'default', 1, '2026-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO integrations VALUES ('INT-26-000001', 'WS-26-000001', 'local', 'local',"
        " NULL, NULL, '2026-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO repositories (id, workspace_id, integration_id, name, url, mirror_path,"
        " default_branch, sync_state, created_at) VALUES (1, 'WS-26-000001',"
        " 'INT-26-000001', 'r', '/r', '/m', 'main', 'ok', '2026-01-01T00:00:00Z')"
    )
    for sha, committed, bot in (("a" * 40, 1_700_000_000, 0), ("b" * 40, 1_700_000_500, 1)):
        conn.execute(
            "INSERT INTO commits VALUES (1, ?, '', 'n', 'e', 1, 0, 'n', 'e', ?, 0, 's',"
            " 0, ?, 1, 0, 1, NULL, NULL, 0, 1, 1)",
            (sha, committed, bot),
        )
        conn.execute("INSERT INTO commit_tasks VALUES (1, ?, 'PAY-1', 1)", (sha,))
    # a deployment at 1_700_003_600 shipping both (a merge, "c", is not counted)
    conn.execute(
        "INSERT INTO commits VALUES (1, ?, '', 'n', 'e', 1700000100, 0, 'n', 'e',"
        " 1700000900, 0, 's', 1, 0, 0, 0, 0, NULL, NULL, 0, 0, 0)",
        ("c" * 40,),
    )
    conn.execute(
        "INSERT INTO deployments (id, repo_id, source, source_key, sha, environment,"
        " deployed_at, name, recorded_status) VALUES (7, 1, 'tag', 'v1', ?, 'production',"
        " 1700003600, 'v1', 'success')",
        ("b" * 40,),
    )
    conn.execute("INSERT INTO deployment_outcomes VALUES (7, 1, 'success', 0, 0, NULL, '[]')")
    conn.executemany(
        "INSERT INTO deployment_commits VALUES (7, 1, ?, ?, ?, 0)",
        [("a" * 40, 1_699_996_400, 0), ("b" * 40, 1_700_000_000, 0), ("c" * 40, 1, 1)],
    )
    conn.execute("COMMIT")
    conn.close()
    migrated = connect(path)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    rows = migrated.execute(
        "SELECT sha, committer_time, is_bot FROM commit_tasks ORDER BY sha"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("a" * 40, 1_700_000_000, 0), ("b" * 40, 1_700_000_500, 1)]
    (leads,) = migrated.execute("SELECT lead_seconds FROM deployment_outcomes").fetchone()
    # deploy − author: 1_700_003_600 − 1_699_996_400 = 7_200 and − 1_700_000_000 = 3_600
    assert sorted(json.loads(leads)) == [3_600, 7_200]
    indexed = [r[2] for r in migrated.execute("PRAGMA index_info(commits_by_author_time)")]
    assert "author_email" in indexed  # contributors are counted from the index alone


def test_migration_6_gives_file_changes_the_facts_an_insert_now_copies(tmp_path: Path) -> None:
    """A schema-5 database migrated to 6 holds the same file-change columns and
    ``file_paths`` as the same history inserted by today's code: a counted change, one of
    a merge, of a bot, a binary and an excluded file: only the first is counted, and only its
    path is listed (a bot also changed it; the merge's and the bot's own paths are not)."""
    from devintel_cli.store.history import COMMIT_COLUMNS, insert_history

    def commit(sha: str, email: str, merge: int, bot: int) -> tuple[object, ...]:
        values = {"repo_id": 1, "sha": sha, "parents": "", "author_name": "n",
                  "author_email": email, "author_time": 1_700_000_000 + ord(sha[0]),
                  "author_offset": 0, "committer_name": "n", "committer_email": "e",
                  "committer_time": 1_700_000_000, "committer_offset": 0, "subject": "s",
                  "is_merge": merge, "is_bot": bot, "additions": 1, "deletions": 0,
                  "files_changed": 1, "pr_number": None, "reverted_sha": None,
                  "churn_modified": 0, "churn_added": 0, "churn_files": 0}  # fmt: skip
        return tuple(values[c] for c in COMMIT_COLUMNS)

    commits = [
        commit("a" * 40, "Ann@X.org", 0, 0),
        commit("b" * 40, "ann@x.org", 1, 0),  # a merge
        commit("c" * 40, "bot@x.org", 0, 1),  # a bot's
    ]
    files = [
        (1, "a" * 40, 0, "src/app.py", None, 3, 1, 0, 0),
        (1, "a" * 40, 1, "logo.png", None, 0, 0, 1, 0),
        (1, "a" * 40, 2, "package-lock.json", None, 90, 0, 0, 1),
        (1, "b" * 40, 0, "src/merged.py", None, 2, 0, 0, 0),
        (1, "c" * 40, 0, "src/app.py", None, 5, 0, 0, 0),
        (1, "c" * 40, 1, "src/bot.py", None, 5, 0, 0, 0),
    ]
    repository = (
        "INSERT INTO workspaces VALUES ('WS-26-000001', 'default', 1, '2026-01-01T00:00:00Z');"
        "INSERT INTO integrations VALUES ('INT-26-000001', 'WS-26-000001', 'local', 'local',"
        " NULL, NULL, '2026-01-01T00:00:00Z');"
        "INSERT INTO repositories (id, workspace_id, integration_id, name, url, mirror_path,"
        " default_branch, sync_state, created_at) VALUES (1, 'WS-26-000001',"
        " 'INT-26-000001', 'r', '/r', '/m', 'main', 'ok', '2026-01-01T00:00:00Z')"
    )
    old = database_at_version(tmp_path / "v5.db", 5)
    for statement in repository.split(";"):
        old.execute(statement)
    old.executemany(f"INSERT INTO commits VALUES ({', '.join('?' * 22)})", commits)
    old.executemany(f"INSERT INTO commit_files VALUES ({', '.join('?' * 9)})", files)
    old.execute("COMMIT")
    old.close()
    new = connect(tmp_path / "v6.db")
    with write_transaction(new):
        for statement in repository.split(";"):
            new.execute(statement)
        insert_history(new, commits, files, [])
    migrated = connect(tmp_path / "v5.db")

    def rows(conn: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in conn.execute(sql)]

    for sql in (
        "SELECT * FROM commit_files ORDER BY sha, seq",
        "SELECT * FROM file_paths ORDER BY path",
    ):
        assert rows(migrated, sql) == rows(new, sql)
    migrated.close()
    # a file change without its commit (the foreign key forbids it; a database written with
    # it off could hold one) does not stop the migration: it stays uncounted
    orphaned = database_at_version(tmp_path / "orphan.db", 5)
    orphaned.execute("COMMIT")
    orphaned.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or it is ignored
    orphaned.execute(f"INSERT INTO commit_files VALUES ({', '.join('?' * 9)})", files[0])
    orphaned.close()
    assert rows(connect(tmp_path / "orphan.db"), "SELECT author_time, author, is_counted FROM"
                " commit_files") == [(0, "", 0)]  # fmt: skip
    assert rows(new, "SELECT path FROM file_paths") == [("src/app.py",)]
    assert rows(new, "SELECT author, is_counted FROM commit_files WHERE seq = 0 ORDER BY sha") == [
        ("ann@x.org", 1),
        ("ann@x.org", 0),
        ("bot@x.org", 0),
    ]


class Explaining:
    """A connection that records the query plan of every statement, then runs it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.plans: list[str] = []

    def execute(self, sql: str, params: tuple = ()):  # type: ignore[no-untyped-def,type-arg]
        self.plans.extend(r[3] for r in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows):  # type: ignore[no-untyped-def]
        return self.conn.executemany(sql, rows)


def test_risk_reads_of_the_window_use_indexes_alone(tmp_path: Path) -> None:
    """Migration 5: off-hours work and commit sizes read the author-time index without
    visiting each commit's row, and root commits have a partial index of their own."""
    from devintel_cli.store import activity

    conn = Explaining(connect(tmp_path / "d.db"))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    activity.window_commits(conn, [1, 2], start, end)  # type: ignore[arg-type]
    assert any("COVERING INDEX commits_by_author_time" in p for p in conn.plans), conn.plans
    conn.plans.clear()
    activity.root_commit_counts(conn, [1, 2], start, end)  # type: ignore[arg-type]
    assert any("INDEX root_commits_by_author_time" in p for p in conn.plans), conn.plans


def test_per_file_reads_take_one_index_range_per_path(tmp_path: Path) -> None:
    """Migration 6: risk's per-file totals and the language read walk ``file_paths`` and
    read each path's window from the covering ``counted_file_changes`` index; with rows in
    path order, grouping per path needs no temporary sort (only the per-path sums are
    grouped further)."""
    from devintel_cli.store import activity, languages

    conn = Explaining(connect(tmp_path / "d.db"))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    # (read, how many temporary GROUP BY sorts: none of the window's changes — per
    # repository, of the per-path sums; per tail, of the per-path sums; per (file, author)
    # and then per file, of the few files asked for)
    for read, sorts in (
        (lambda c: activity.file_totals(c, [1, 2], start, end), 1),
        (lambda c: languages.lines_added_by_tail(c, [1, 2], start, end, tail_chars=12), 1),
        (lambda c: activity.file_main_authors(c, [(1, "a.py")], start, end), 2),
    ):
        conn.plans.clear()
        read(conn)
        plans = conn.plans
        assert any("COVERING INDEX counted_file_changes" in p for p in plans), plans
        assert sum("B-TREE FOR GROUP BY" in p for p in plans) == sorts, plans


def test_pull_request_reads_use_their_partial_indexes(tmp_path: Path) -> None:
    """Migration 6: review time's spans come from the covering merged-PR index alone, and
    the reads only imported PRs can answer take the imported-PR index, not a scan of the
    repository's Git estimates."""
    from devintel_cli.store import activity

    conn = Explaining(connect(tmp_path / "d.db"))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    activity.merged_pull_request_spans(conn, [1, 2], start, end)  # type: ignore[arg-type]
    assert any("COVERING INDEX merged_pull_requests" in p for p in conn.plans), conn.plans
    for read in (
        lambda: activity.pull_request_sizes(conn, [1, 2], start, end),  # type: ignore[arg-type]
        lambda: activity.open_pull_requests(conn, [1, 2], end),  # type: ignore[arg-type]
    ):
        conn.plans.clear()
        read()
        assert any("INDEX imported_pull_requests" in p for p in conn.plans), conn.plans


def test_a_background_read_runs_on_its_own_connection_and_raises_what_it_raised(
    isolated_state: Path,
) -> None:
    import sqlite3
    import threading

    from devintel_cli.workspace import open_context

    ctx = open_context()
    try:
        seen: list[tuple[sqlite3.Connection, str]] = []

        def read(conn: sqlite3.Connection) -> int:
            seen.append((conn, threading.current_thread().name))
            return conn.execute("SELECT count(*) FROM workspaces").fetchone()[0]

        assert ctx.read_in_background(read).result() == 1  # the default workspace
        ((conn, thread),) = seen
        assert conn is not ctx.conn and thread.startswith("devintel-read")
        failing = ctx.read_in_background(lambda c: c.execute("SELECT * FROM nowhere").fetchall())
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            failing.result()
    finally:
        ctx.close()


def test_switching_a_new_database_to_wal_waits_for_another_writer(
    tmp_path: Path, monkeypatch
) -> None:
    """Two processes creating a database at once: while one holds a write lock on the file
    (not yet in WAL), SQLite refuses the other's switch to WAL at once instead of waiting.
    ``connect`` retries within the busy timeout (it failed 1 run in ~25 of the concurrent
    `repo add` test before); past the timeout it is exit 3's DatabaseBusyError."""
    import threading

    from devintel_cli.errors import DatabaseBusyError
    from devintel_cli.store import db

    path = tmp_path / "d.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")  # a rollback-journal database
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    conn = connect(path, migrate=False)
    release.join()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()

    again = tmp_path / "e.db"
    holder = sqlite3.connect(again, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(DatabaseBusyError):
        connect(again, migrate=False)
    holder.execute("ROLLBACK")

"""The state directory and database (§1, §12): WAL, migrations, IDs, default workspace."""

from __future__ import annotations

import re
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

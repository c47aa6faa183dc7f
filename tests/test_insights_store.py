"""The IDs insights keep (§9: "an insight's ID stays the same when the same finding is
recomputed"): ``store.insights.insight_ids`` on a real SQLite file, from two processes'
worth of connections at once, and migration 7 on a schema-6 database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from test_store import database_at_version

from devintel_cli.store.db import connect
from devintel_cli.store.insights import insight_ids
from devintel_cli.workspace import ensure_default_workspace

NOW = datetime(2026, 6, 3, 12, tzinfo=UTC)


def test_a_key_keeps_its_id_and_a_new_key_gets_the_next(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    workspace = ensure_default_workspace(conn).id
    first = insight_ids(conn, workspace, ["b", "a"], NOW)
    # allocated in the order given (the caller's sorted order), counting from 1
    assert first == {"b": "INS-26-000001", "a": "INS-26-000002"}
    again = insight_ids(conn, workspace, ["a", "c", "b"], NOW)
    assert again == {"a": "INS-26-000002", "c": "INS-26-000003", "b": "INS-26-000001"}
    # the year is the one of the moment the finding is computed for (its generated_at)
    assert insight_ids(conn, workspace, ["d"], datetime(2027, 1, 4, tzinfo=UTC)) == {
        "d": "INS-27-000004"
    }
    assert insight_ids(conn, workspace, [], NOW) == {}


def test_two_connections_computing_the_same_findings_agree(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    workspace = ensure_default_workspace(connect(path)).id
    keys = [f"k{n}" for n in range(50)]
    results: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def compute() -> None:
        try:
            results.append(insight_ids(connect(path), workspace, keys, NOW))
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=compute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results[0] == results[1]
    # one ID per key, none allocated twice: the second writer found the first one's rows
    assert sorted(results[0].values()) == [f"INS-26-{n:06d}" for n in range(1, 51)]


def test_migration_7_adds_the_insights_table_to_a_schema_6_database(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    old = database_at_version(path, 6)
    old.execute("COMMIT")
    old.close()
    conn = connect(path)
    workspace = ensure_default_workspace(conn).id
    assert insight_ids(conn, workspace, ["x"], NOW) == {"x": "INS-26-000001"}

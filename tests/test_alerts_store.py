"""SQL for alerts and webhooks: the DDL, rules round-trip, conditional state writes and the
outbox's claim/deliver/attempt life cycle."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devintel_cli.store import alerts as store
from devintel_cli.store.db import write_transaction
from devintel_cli.store.schema import MIGRATIONS


def open_db(path: Path) -> sqlite3.Connection:
    """A connection set up as ``store.db.connect`` sets one up, with only the alerts DDL."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create_schema(conn: sqlite3.Connection, script: str = store.ALERTS_DDL) -> None:
    # split like the migration runner does: the DDL must survive that
    with write_transaction(conn):
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                conn.execute(statement)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = open_db(tmp_path / "t.db")
    create_schema(db)
    yield db
    db.close()


def webhook(wid: str = "WHK-26-000001", fmt: str = "standard") -> store.WebhookRow:
    return store.WebhookRow(
        wid,
        "WS-26-000001",
        "http://u:pw@127.0.0.1:9/h",
        "whsec_c2VjcmV0",
        fmt,
        "2026-03-01T00:00:00Z",
    )


def rule(rid: str = "ALR-26-000001", name: str | None = "cfr", **overrides) -> store.AlertRuleRow:
    fields = dict(
        id=rid,
        workspace_id="WS-26-000001",
        name=name,
        metric="change_failure_rate",
        operator="gt",
        threshold=15.0,
        window="4w",
        severity="high",
        scope_kind="workspace",
        scope_ref=None,
        for_checks=0,
        repeat_interval_s=86400,
        actions=({"type": "notify_webhook", "webhook_id": "WHK-26-000001"},),
        created_at="2026-03-01T00:00:00Z",
        updated_at="2026-03-01T00:00:00Z",
    )
    fields.update(overrides)
    return store.AlertRuleRow(**fields)


def test_ddl_is_a_migration_beside_the_foundation(tmp_path: Path) -> None:
    assert store.ALERTS_DDL in MIGRATIONS
    db = open_db(tmp_path / "both.db")
    for script in MIGRATIONS:
        create_schema(db, script)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"webhooks", "alert_rules", "alert_states", "alert_events", "outbox"} <= tables


def test_rows_with_sqlite_row_factory_and_plain_tuples(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        store.insert_webhook(conn, webhook())
        store.insert_rule(conn, rule())
    conn.row_factory = sqlite3.Row  # as store.db.connect sets it
    assert store.get_rule(conn, "ALR-26-000001") == rule()
    conn.row_factory = None
    assert store.find_rule(conn, "WS-26-000001", "cfr") == rule()
    assert store.get_webhook(conn, "WHK-26-000001") == webhook()
    assert store.get_webhook(conn, "WHK-26-000001", workspace_id="WS-26-000002") is None


def test_secrets_and_urls_are_not_in_reprs() -> None:
    text = repr(webhook())
    assert "whsec_" not in text and "pw@" not in text and "WHK-26-000001" in text


def test_rule_names_are_unique_per_workspace_and_window_column_works(
    conn: sqlite3.Connection,
) -> None:
    with write_transaction(conn):
        store.insert_rule(conn, rule())
        store.insert_rule(conn, rule("ALR-26-000002", name=None))
        store.insert_rule(conn, rule("ALR-26-000003", name=None))  # many unnamed rules are fine
        store.insert_rule(conn, rule("ALR-26-000004", workspace_id="WS-26-000002"))
    with pytest.raises(sqlite3.IntegrityError), write_transaction(conn):
        store.insert_rule(conn, rule("ALR-26-000005"))
    changed = rule(window="7d", threshold=20.0, updated_at="2026-03-02T00:00:00Z")
    with write_transaction(conn):
        assert store.update_rule(conn, changed)
    assert store.get_rule(conn, "ALR-26-000001") == changed
    assert [r.id for r in store.list_rules(conn, "WS-26-000001")] == [
        "ALR-26-000001",
        "ALR-26-000002",
        "ALR-26-000003",
    ]


def test_check_constraints_reject_bad_rows(conn: sqlite3.Connection) -> None:
    for bad in (
        rule(operator="ge"),
        rule(scope_kind="line", scope_ref=None),  # a line scope needs its reference
        rule(scope_kind="workspace", scope_ref="LIN-26-000001"),
        rule(rid="ALR-1"),
    ):
        with pytest.raises(sqlite3.IntegrityError), write_transaction(conn):
            store.insert_rule(conn, bad)


def state(fp: str = "fp1", st: str = "firing", **overrides) -> store.AlertStateRow:
    fields = dict(
        fingerprint=fp,
        rule_id="ALR-26-000001",
        state=st,
        pending_count=0,
        since="2026-03-01T09:00:00Z",
        last_value=18.0,
        last_notified_at="2026-03-01T09:00:00Z",
        updated_at="2026-03-01T09:00:00Z",
    )
    fields.update(overrides)
    return store.AlertStateRow(**fields)


def test_state_writes_are_conditional_on_the_version_read(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        store.insert_rule(conn, rule())
        first = store.write_state(conn, state(), None)
    assert first.version == 1
    # a writer that read version 1 may write once; a second writer with the same stale read
    # (what two checks outside BEGIN IMMEDIATE would do) is refused instead of notifying twice
    with write_transaction(conn):
        second = store.write_state(conn, state(st="resolved"), first)
    assert second.version == 2
    with pytest.raises(store.StaleStateError), write_transaction(conn):
        store.write_state(conn, state(st="resolved"), first)
    with pytest.raises(store.StaleStateError), write_transaction(conn):
        store.write_state(conn, state(), None)  # "absent" is stale too
    assert store.get_state(conn, "fp1") == second


def test_record_check_writes_state_event_and_messages_atomically(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        store.insert_webhook(conn, webhook())
        store.insert_rule(conn, rule())
    seen = []

    def decide(previous: store.AlertStateRow | None) -> store.CheckWrite:
        seen.append(previous)
        return store.CheckWrite(
            state(),
            store.NewEvent(
                "WS-26-000001",
                "fp1",
                "ALR-26-000001",
                None,
                "firing",
                18.0,
                "2026-03-01T09:00:00Z",
                "msg_a",
            ),
            (store.NewMessage("msg_a", "WHK-26-000001", b"{}", "2026-03-01T09:00:00Z"),),
        )

    with pytest.raises(RuntimeError):
        store.record_check(conn, "fp1", decide)  # outside a transaction: refused
    with write_transaction(conn):
        recorded = store.record_check(conn, "fp1", decide)
    assert seen == [None] and recorded.event_id == 1
    [event] = store.list_events(conn, "WS-26-000001")
    assert (event.to_state, event.message_id) == ("firing", "msg_a")
    [message] = store.list_outbox(conn)
    assert (message.message_id, message.event_id, message.status) == ("msg_a", 1, "pending")

    # a decide() that fails rolls everything back: no state change, no event, no message
    def broken(previous: store.AlertStateRow | None) -> store.CheckWrite:
        raise ValueError("boom")

    with pytest.raises(ValueError), write_transaction(conn):
        store.record_check(conn, "fp1", broken)
    assert len(store.list_events(conn, "WS-26-000001")) == 1


def test_delete_rule_keeps_history(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        store.insert_rule(conn, rule())
        store.write_state(conn, state(), None)
        store.insert_event(
            conn,
            store.NewEvent(
                "WS-26-000001",
                "fp1",
                "ALR-26-000001",
                None,
                "firing",
                18.0,
                "2026-03-01T09:00:00Z",
                None,
            ),
        )
        assert store.delete_rule(conn, "ALR-26-000001", "WS-26-000001")
    assert store.get_state(conn, "fp1") is None
    assert len(store.list_events(conn, "WS-26-000001")) == 1


def message(mid: str, at: str = "2026-03-01T09:00:00Z", wid: str = "WHK-26-000001"):
    return store.NewMessage(mid, wid, f'{{"id":"{mid}"}}'.encode(), at)


def test_outbox_life_cycle(conn: sqlite3.Connection) -> None:
    t0, t1 = "2026-03-01T09:00:00Z", "2026-03-01T09:00:10Z"
    with write_transaction(conn):
        store.enqueue(conn, [message("msg_b", t1), message("msg_a", t0)])
    # oldest first
    assert [m.message_id for m in store.due(conn, "2026-03-01T10:00:00Z")] == ["msg_a", "msg_b"]
    # not due before its creation time
    assert [m.message_id for m in store.due(conn, "2026-03-01T09:00:05Z")] == ["msg_a"]

    lease_end = "2026-03-01T10:01:00Z"
    with write_transaction(conn):
        assert store.claim(
            conn, "msg_a", "WHK-26-000001", token="A", now="2026-03-01T10:00:00Z", until=lease_end
        )
        # a second run cannot claim it while the lease lasts, and does not see it as due
        assert not store.claim(
            conn, "msg_a", "WHK-26-000001", token="B", now="2026-03-01T10:00:30Z", until=lease_end
        )
    assert [m.message_id for m in store.due(conn, "2026-03-01T10:00:30Z")] == ["msg_b"]

    # only the lease holder records an attempt
    with write_transaction(conn):
        assert not store.mark_attempt(
            conn,
            "msg_a",
            "WHK-26-000001",
            token="B",
            at=t1,
            attempts=3,
            status_code=500,
            error="HTTP 500",
            next_attempt_at="2026-03-01T10:00:40Z",
        )
        assert store.mark_attempt(
            conn,
            "msg_a",
            "WHK-26-000001",
            token="A",
            at=t1,
            attempts=3,
            status_code=500,
            error="HTTP 500",
            next_attempt_at="2026-03-01T10:00:40Z",
        )
    row = store.get_message(conn, "msg_a", "WHK-26-000001")
    assert (row.attempts, row.last_status, row.last_error, row.claimed_until, row.status) == (
        3,
        500,
        "HTTP 500",
        None,
        "pending",
    )

    with write_transaction(conn):
        assert store.claim(
            conn,
            "msg_a",
            "WHK-26-000001",
            token="C",
            now="2026-03-01T11:00:00Z",
            until="2026-03-01T11:01:00Z",
        )
        assert store.mark_delivered(
            conn, "msg_a", "WHK-26-000001", at="2026-03-01T11:00:01Z", attempts=1, status_code=204
        )
        # delivered: never due, never claimable, never re-enqueued, never marked again
        store.enqueue(conn, [message("msg_a")])
        assert not store.claim(
            conn,
            "msg_a",
            "WHK-26-000001",
            token="D",
            now="2026-03-02T00:00:00Z",
            until="2026-03-02T00:01:00Z",
        )
        assert not store.mark_delivered(
            conn, "msg_a", "WHK-26-000001", at="2026-03-02T00:00:00Z", attempts=1, status_code=200
        )
    row = store.get_message(conn, "msg_a", "WHK-26-000001")
    assert (row.attempts, row.status, row.last_status, row.last_error) == (
        4,
        "delivered",
        204,
        None,
    )
    assert [m.message_id for m in store.due(conn, "2026-03-09T00:00:00Z")] == ["msg_b"]


def test_given_up_messages_are_kept_and_can_be_requeued(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        store.enqueue(conn, [message("msg_a"), message("msg_b")])
        for mid in ("msg_a", "msg_b"):
            store.claim(
                conn,
                mid,
                "WHK-26-000001",
                token="A",
                now="2026-03-05T00:00:00Z",
                until="2026-03-05T00:01:00Z",
            )
            store.mark_attempt(
                conn,
                mid,
                "WHK-26-000001",
                token="A",
                at="2026-03-05T00:00:00Z",
                attempts=3,
                status_code=None,
                error="connection failed",
                next_attempt_at="2026-03-05T00:00:00Z",
                give_up=True,
            )
    assert store.due(conn, "2026-03-06T00:00:00Z") == []
    assert [m.status for m in store.list_outbox(conn, status="failed")] == ["failed", "failed"]
    with write_transaction(conn):
        assert store.requeue_failed(conn, "2026-03-06T00:00:00Z", message_ids=["msg_b"]) == 1
    [again] = store.due(conn, "2026-03-06T00:00:00Z")
    assert (again.message_id, again.attempts, again.last_error) == (
        "msg_b",
        3,
        "connection failed",
    )
    assert [m.message_id for m in store.list_outbox(conn, status="pending")] == ["msg_b"]
    assert [m.message_id for m in store.list_outbox(conn, webhook_ids=["WHK-26-000009"])] == []

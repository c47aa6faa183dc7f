"""The §11 state machine: ok → pending (for N) → firing → resolved, no_data, repeat
interval; and recording checks (events, outbox) in the store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devintel_cli.alerts.evaluation import (
    AlertState,
    State,
    breaches,
    check_rule,
    fingerprint,
    repeat_due,
    step,
)
from devintel_cli.store import alerts as store
from devintel_cli.store.db import write_transaction

WS = "WS-26-000001"
DAY = timedelta(days=1)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_rule(**overrides) -> store.AlertRuleRow:
    fields = dict(
        id="ALR-26-000001",
        workspace_id=WS,
        name="cfr-high",
        metric="change_failure_rate",
        operator="gt",
        threshold=15.0,
        window="4w",
        severity="high",
        scope_kind="workspace",
        scope_ref=None,
        for_checks=0,
        repeat_interval_s=86400,
        actions=(
            {"type": "notify_webhook", "webhook_id": "WHK-26-000001"},
            {"type": "notify_webhook", "webhook_id": "WHK-26-000002"},
        ),
        created_at="2026-03-01T00:00:00Z",
        updated_at="2026-03-01T00:00:00Z",
    )
    fields.update(overrides)
    return store.AlertRuleRow(**fields)


# ------------------------------------------------------------------------------- pure parts


def test_fingerprint_is_sha256_of_rule_and_scope_stable_and_distinct() -> None:
    expected = hashlib.sha256(b'["ALR-26-000001","line","LIN-26-000001"]').hexdigest()[:16]
    assert fingerprint("ALR-26-000001", "line", "LIN-26-000001") == expected
    assert (
        len(
            {
                fingerprint("ALR-26-000001", "workspace", None),
                fingerprint("ALR-26-000001", "line", "LIN-26-000001"),
                fingerprint("ALR-26-000001", "repo", "LIN-26-000001"),
                fingerprint("ALR-26-000002", "workspace", None),
            }
        )
        == 4
    )


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("gt", 15.0, False),
        ("gt", 15.1, True),
        ("gte", 15.0, True),
        ("gte", 14.9, False),
        ("lt", 15.0, False),
        ("lt", 14.9, True),
        ("lte", 15.0, True),
        ("lte", 15.1, False),
    ],
)
def test_operators_at_the_threshold(operator: str, value: float, expected: bool) -> None:
    assert breaches(value, operator, 15.0) is expected


def test_values_are_compared_as_reported_to_one_decimal() -> None:
    # 15.04 is reported as 15.0, and "15.0 > 15" is false; 15.06 is reported as 15.1
    assert step(None, 15.04, make_rule(), START).new_state is State.OK
    transition = step(None, 15.06, make_rule(), START)
    assert (transition.new_state, transition.state.last_value) == (State.FIRING, 15.1)


def test_repeat_due_allows_five_minutes_of_cron_jitter() -> None:
    last = START
    # 24 h interval: slack = min(5 min, 2.4 h) = 5 min, so due from 23:55 on
    assert repeat_due(last, last + timedelta(hours=23, minutes=59, seconds=59), 86400)
    assert repeat_due(last, last + timedelta(hours=23, minutes=55), 86400)
    assert not repeat_due(last, last + timedelta(hours=23, minutes=54, seconds=59), 86400)
    # 30 min interval: slack = min(5 min, 3 min) = 3 min, so due from 27 min on
    assert repeat_due(last, last + timedelta(minutes=27), 1800)
    assert not repeat_due(last, last + timedelta(minutes=26, seconds=59), 1800)
    assert repeat_due(None, last, 86400)


# A month of daily checks of "change_failure_rate > 15" with for: 2 and repeat_interval 3d.
# Each row: day of March, value (None = no data), expected state, notification, event.
MONTH = [
    (1, 10.0, "ok", None, False),  # first check, nothing breached: no event for "ok"
    (2, 16.0, "pending", None, True),  # breach #1 of the for: 2 → pending(1)
    (3, 17.0, "pending", None, False),  # breach #2 → pending(2), still pending: no event
    (4, 12.0, "ok", None, True),  # cleared while pending: back to ok silently
    (5, 16.0, "pending", None, True),  # breach #1 again
    (6, 18.0, "pending", None, False),  # breach #2
    (7, 19.0, "firing", "firing", True),  # breach #3 = for + 1 → fires
    (8, 20.0, "firing", None, False),  # 1 day since notified < 3 d
    (9, 20.0, "firing", None, False),  # 2 days < 3 d
    (10, 21.0, "firing", "firing", True),  # 3 days since the 7th → re-notify
    (11, 22.0, "firing", None, False),
    (12, None, "no_data", "no_data", True),  # data gone: alerting, notified like firing
    (13, None, "no_data", None, False),  # 1 day since the 12th
    (14, None, "no_data", None, False),
    (15, None, "no_data", "no_data", True),  # 3 days since the 12th → re-notify
    (16, 14.0, "resolved", "resolved", True),  # data back and fine: resolved, notified
    (17, 14.0, "ok", None, True),  # resolved → ok on the next good check, silently
    (18, 15.0, "ok", None, False),  # 15 > 15 is false: the boundary does not breach
    (19, 15.1, "pending", None, True),
    (20, None, "no_data", "no_data", True),  # pending → no_data still notifies
    (21, 16.0, "pending", "resolved", True),  # no_data over; breach #1 of a new pending
    (22, 16.0, "pending", None, False),  # breach #2
    (23, 16.0, "firing", "firing", True),  # breach #3 → fires
    (24, 16.0, "firing", None, False),
    (25, 14.0, "resolved", "resolved", True),
    (26, 16.0, "pending", None, True),  # resolved behaves as ok: a breach starts pending
    (27, 10.0, "ok", None, True),
    *[(day, 10.0, "ok", None, False) for day in range(28, 32)],
]


def test_a_simulated_month_of_daily_checks() -> None:
    rule = make_rule(for_checks=2, repeat_interval_s=3 * 86400)
    previous: AlertState | None = None
    got = []
    for day, value, *_ in MONTH:
        now = datetime(2026, 3, day, 9, 0, tzinfo=UTC)
        transition = step(previous, value, rule, now)
        got.append((day, value, str(transition.new_state), transition.notify, transition.event))
        previous = transition.state
    assert got == MONTH
    # nine notifications in all: firing 7th, 10th, 23rd; no_data 12th, 15th, 20th;
    # resolved 16th, 21st, 25th
    assert sum(1 for row in MONTH if row[3]) == 9


def test_state_details_since_and_last_notified() -> None:
    rule = make_rule(for_checks=1)
    t1 = step(None, 20.0, rule, START)
    assert t1.state == AlertState(State.PENDING, 1, START, 20.0, None, checked_at=START)
    t2 = step(t1.state, 21.0, rule, START + DAY)
    assert t2.state == AlertState(
        State.FIRING, 0, START + DAY, 21.0, START + DAY, checked_at=START + DAY
    )
    # firing stays firing with its original since; the re-notification moves last_notified_at
    t3 = step(t2.state, 22.0, rule, START + 2 * DAY)
    assert (t3.notify, t3.state.since, t3.state.last_notified_at) == (
        "firing",
        START + DAY,
        START + 2 * DAY,
    )
    t4 = step(t3.state, 1.0, rule, START + 3 * DAY)
    assert t4.state == AlertState(
        State.RESOLVED, 0, START + 3 * DAY, 1.0, START + 3 * DAY, checked_at=START + 3 * DAY
    )


def test_the_same_check_twice_does_not_advance_for_or_resolved() -> None:
    # Two overlapping `alerts check` runs evaluate one alert seconds apart. With for: 1 the
    # second must not count as the second breaching check (that would fire at once), and
    # after a resolve it must not move resolved on to ok.
    rule = make_rule(for_checks=1)
    first = step(None, 20.0, rule, START)
    again = step(first.state, 20.0, rule, START + timedelta(seconds=29))
    assert (again.new_state, again.state.pending_count, again.notify, again.event) == (
        State.PENDING,
        1,
        None,
        False,
    )
    # 30 s later it is a check of its own: the second breaching check fires
    assert step(again.state, 20.0, rule, START + timedelta(seconds=59)).notify == "firing"

    firing = AlertState(State.FIRING, 0, START, 20.0, START, checked_at=START)
    resolved = step(firing, 1.0, rule, START + DAY)
    same = step(resolved.state, 1.0, rule, START + DAY + timedelta(seconds=5))
    assert (same.new_state, same.event) == (State.RESOLVED, False)
    assert step(same.state, 1.0, rule, START + 2 * DAY).new_state is State.OK


def test_first_check_without_data_notifies_no_data() -> None:
    transition = step(None, None, make_rule(), START)
    assert (transition.previous_state, transition.new_state, transition.notify) == (
        None,
        State.NO_DATA,
        "no_data",
    )


def test_nan_is_no_data_not_a_silent_resolve() -> None:
    firing = step(None, 20.0, make_rule(), START).state
    transition = step(firing, float("nan"), make_rule(), START + DAY)
    assert (transition.new_state, transition.notify) == (State.NO_DATA, "no_data")


def test_firing_to_no_data_and_back_to_firing_notify_each_change() -> None:
    rule = make_rule(for_checks=3)
    firing = AlertState(State.FIRING, 0, START, 20.0, START)
    no_data = step(firing, None, rule, START + timedelta(hours=1))
    assert (no_data.new_state, no_data.notify) == (State.NO_DATA, "no_data")
    # with for: 3 a breach after no_data starts a new pending (and resolves the no_data)
    back = step(no_data.state, 20.0, rule, START + timedelta(hours=2))
    assert (back.new_state, back.notify) == (State.PENDING, "resolved")
    # with for: 0 it fires straight away
    back0 = step(no_data.state, 20.0, make_rule(), START + timedelta(hours=2))
    assert (back0.new_state, back0.notify) == (State.FIRING, "firing")


def test_twice_daily_checks_re_notify_once_a_day() -> None:
    # repeat 24 h, checks at 09:00 and 21:00 from a firing start: notifications at 09:00 each
    # day (24 h after the last), never at 21:00 (12 h after)
    rule = make_rule()
    state = step(None, 20.0, rule, START).state
    notified = []
    for half_days in range(1, 7):
        now = START + timedelta(hours=12 * half_days)
        transition = step(state, 20.0, rule, now)
        state = transition.state
        if transition.notify:
            notified.append(now.strftime("%d %H:%M"))
    assert notified == ["02 09:00", "03 09:00", "04 09:00"]


def test_naive_now_is_taken_as_utc() -> None:
    transition = step(None, 20.0, make_rule(), datetime(2026, 3, 1, 9, 0))
    assert transition.state.since == START


# ------------------------------------------------------------------------ recording checks


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    with write_transaction(db):
        for statement in store.ALERTS_DDL.split(";"):
            if statement.strip():
                db.execute(statement)
        for wid, fmt in (("WHK-26-000001", "standard"), ("WHK-26-000002", "slack")):
            store.insert_webhook(
                db,
                store.WebhookRow(
                    wid,
                    WS,
                    "http://127.0.0.1:9/hook",
                    "whsec_c2VjcmV0c2VjcmV0c2VjcmV0",
                    fmt,
                    "2026-03-01T00:00:00Z",
                ),
            )
    yield db
    db.close()


def counter(prefix: str = "msg_t"):
    n = iter(range(1, 1000))
    return lambda: f"{prefix}{next(n):03d}"


def test_check_rule_records_the_month_with_one_message_per_webhook(
    conn: sqlite3.Connection,
) -> None:
    rule = make_rule(for_checks=2, repeat_interval_s=3 * 86400)
    with write_transaction(conn):
        store.insert_rule(conn, rule)
    ids = counter()
    for day, value, expected_state, expected_notify, _ in MONTH:
        outcome = check_rule(
            conn,
            rule,
            value,
            datetime(2026, 3, day, 9, 0, tzinfo=UTC),
            no_data_reason="no deployments detected",
            new_message_id=ids,
        )
        assert (str(outcome.state), outcome.transition.notify) == (expected_state, expected_notify)
        assert (outcome.message_id is not None) == (expected_notify is not None)
    events = list(reversed(store.list_events(conn, WS)))
    # one event per row of MONTH marked True: the 2nd, 4th, 5th, 7th, 10th, 12th, 15th,
    # 16th, 17th, 19th, 20th, 21st, 23rd, 25th, 26th and 27th = 16
    assert len(events) == sum(1 for row in MONTH if row[4]) == 16
    assert [(e.from_state, e.to_state) for e in events[:3]] == [
        ("ok", "pending"),
        ("pending", "ok"),
        ("ok", "pending"),
    ]
    messages = store.list_outbox(conn)
    # 9 notifications × 2 webhooks, the two copies of one notification share its ID
    assert len(messages) == 18
    assert [m.message_id for m in messages[:4]] == ["msg_t001", "msg_t001", "msg_t002", "msg_t002"]
    standard = [json.loads(m.body) for m in messages if m.webhook_id == "WHK-26-000001"]
    assert [p["type"] for p in standard] == [
        "alert.firing",
        "alert.firing",
        "alert.no_data",
        "alert.no_data",
        "alert.resolved",
        "alert.no_data",
        "alert.resolved",
        "alert.firing",
        "alert.resolved",
    ]
    assert standard[2]["data"]["reason"] == "no deployments detected"
    # resolved on the 16th: started when the no_data began (12th), ended on the 16th
    assert (standard[4]["data"]["started_at"], standard[4]["data"]["ended_at"]) == (
        "2026-03-12T09:00:00Z",
        "2026-03-16T09:00:00Z",
    )
    slack = [json.loads(m.body) for m in messages if m.webhook_id == "WHK-26-000002"]
    assert all(set(p) == {"text", "blocks"} for p in slack)
    [stored] = store.list_states(conn, workspace_id=WS)
    assert (stored.state, stored.last_value, stored.last_notified_at) == (
        "ok",
        10.0,
        "2026-03-25T09:00:00Z",
    )


def test_a_repeated_check_at_the_same_moment_does_not_notify_again(
    conn: sqlite3.Connection,
) -> None:
    # what the second of two concurrent `alerts check` runs sees once the first committed
    rule = make_rule()
    with write_transaction(conn):
        store.insert_rule(conn, rule)
    first = check_rule(conn, rule, 20.0, START)
    second = check_rule(conn, rule, 20.0, START + timedelta(seconds=3))
    assert (first.transition.notify, second.transition.notify) == ("firing", None)
    assert len(store.list_outbox(conn)) == 2  # one notification, two webhooks


def test_missing_webhook_is_reported_and_skipped(conn: sqlite3.Connection) -> None:
    rule = make_rule(actions=({"type": "notify_webhook", "webhook_id": "WHK-26-000009"},))
    with write_transaction(conn):
        store.insert_rule(conn, rule)
    outcome = check_rule(conn, rule, 20.0, START)
    assert outcome.missing_webhooks == ("WHK-26-000009",)
    assert outcome.transition.notify == "firing" and store.list_outbox(conn) == []


def test_scope_change_resolves_the_old_alert(conn: sqlite3.Connection) -> None:
    rule = make_rule()
    with write_transaction(conn):
        store.insert_rule(conn, rule)
    check_rule(conn, rule, 20.0, START, new_message_id=counter("msg_a"))
    rescoped = replace(rule, scope_kind="line", scope_ref="LIN-26-000001")
    with write_transaction(conn):
        store.update_rule(conn, rescoped)
    outcome = check_rule(conn, rescoped, 20.0, START + DAY, new_message_id=counter("msg_b"))
    # the workspace-scoped alert is retired with a resolved message; the line one fires
    old_fp = fingerprint(rule.id, "workspace", None)
    assert store.get_state(conn, old_fp) is None
    types = [
        (m.message_id, json.loads(m.body).get("type"))
        for m in store.list_outbox(conn)
        if m.webhook_id == "WHK-26-000001"
    ]
    assert types == [
        ("msg_a001", "alert.firing"),
        ("msg_b001", "alert.resolved"),
        ("msg_b002", "alert.firing"),
    ]
    assert outcome.fingerprint == fingerprint(rule.id, "line", "LIN-26-000001")

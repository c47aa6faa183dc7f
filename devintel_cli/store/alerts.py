"""SQL for alerts and webhooks (§11): webhooks, alert rules, per-fingerprint alert states,
the event history and the delivery outbox.

Like the rest of the store, these functions run inside the caller's transaction (``with
write_transaction(conn):`` from :mod:`devintel_cli.store.db`) and generate no IDs. Two
guarantees live here rather than in the callers:

* :func:`record_check` reads a state, lets the caller decide the transition, and writes the
  new state, its event and its outbox messages; the state write is conditional on the
  version that was read, so a transition (and its notification) is recorded at most once
  even if a caller forgot the ``BEGIN IMMEDIATE`` that normally serialises checks.
* :func:`claim` leases one outbox message to one delivery run (``UPDATE … WHERE`` the
  message is undelivered and unclaimed, then ``rowcount``), so two concurrent runs never
  send the same message; a run that dies mid-send leaves a lease that expires, and the next
  run sends the same message ID again (at-least-once, receivers drop duplicates by ID).

Timestamps are ISO-8601 UTC strings with ``Z`` (whole seconds), as everywhere in the store;
they compare correctly as text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import ExternalError
from ..timeutil import iso_z
from .schema import V3_ALERTS

#: the alert tables' DDL: migration 3 (it lives with the other migrations in schema.py,
#: so opening a database never imports this module)
ALERTS_DDL = V3_ALERTS


class StaleStateError(ExternalError):
    """An alert state changed between being read and being written (exit 3, safe to retry).

    Only reachable when a check runs outside ``BEGIN IMMEDIATE``; the conditional write turns
    what would have been a double notification into this error.
    """


# --------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: str
    workspace_id: str
    #: may hold ``user:password@``: show it only through ``delivery.redact_url``
    url: str = field(repr=False)
    secret: str = field(repr=False)
    format: str
    created_at: str


@dataclass(frozen=True, slots=True)
class AlertRuleRow:
    id: str
    workspace_id: str
    name: str | None
    metric: str
    operator: str
    threshold: float
    window: str
    severity: str
    scope_kind: str
    scope_ref: str | None
    for_checks: int
    repeat_interval_s: int
    #: ``({"type": "notify_webhook", "webhook_id": "WHK-…"}, …)``
    actions: tuple[dict[str, str], ...]
    created_at: str
    updated_at: str

    @property
    def webhook_ids(self) -> tuple[str, ...]:
        return tuple(a["webhook_id"] for a in self.actions if a.get("type") == "notify_webhook")


@dataclass(frozen=True, slots=True)
class AlertStateRow:
    fingerprint: str
    rule_id: str
    state: str
    pending_count: int
    since: str
    last_value: float | None
    last_notified_at: str | None
    updated_at: str
    #: bumped by every write; the conditional update compares it
    version: int = 1


@dataclass(frozen=True, slots=True)
class AlertEventRow:
    id: int
    workspace_id: str
    fingerprint: str
    rule_id: str
    from_state: str | None
    to_state: str
    value: float | None
    at: str
    message_id: str | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    workspace_id: str
    fingerprint: str
    rule_id: str
    from_state: str | None
    to_state: str
    value: float | None
    at: str
    message_id: str | None


@dataclass(frozen=True, slots=True)
class NewMessage:
    message_id: str
    webhook_id: str
    body: bytes = field(repr=False)
    created_at: str


@dataclass(frozen=True, slots=True)
class OutboxRow:
    message_id: str
    webhook_id: str
    event_id: int | None
    body: bytes = field(repr=False)
    created_at: str
    attempts: int
    next_attempt_at: str
    claimed_until: str | None
    claim_token: str | None
    delivered_at: str | None
    failed_at: str | None
    last_status: int | None
    last_error: str | None

    @property
    def status(self) -> str:
        """``delivered`` (acknowledged with 2xx, never sent again), ``failed`` (given up,
        kept for inspection and :func:`requeue_failed`), else ``pending``."""
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "pending"


@dataclass(frozen=True, slots=True)
class CheckWrite:
    """What one check decided: the state to store, the event and the messages it causes."""

    state: AlertStateRow
    event: NewEvent | None = None
    messages: tuple[NewMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordedCheck:
    previous: AlertStateRow | None
    write: CheckWrite
    event_id: int | None


def _now(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else iso_z(moment)


# ---------------------------------------------------------------------------------- webhooks

_WEBHOOK_COLUMNS = "id, workspace_id, url, secret, format, created_at"


def insert_webhook(conn: sqlite3.Connection, row: WebhookRow) -> None:
    conn.execute(
        f"INSERT INTO webhooks ({_WEBHOOK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (row.id, row.workspace_id, row.url, row.secret, row.format, row.created_at),
    )


def get_webhook(
    conn: sqlite3.Connection, webhook_id: str, *, workspace_id: str | None = None
) -> WebhookRow | None:
    row = conn.execute(
        f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = ? AND (? IS NULL OR workspace_id = ?)",
        (webhook_id, workspace_id, workspace_id),
    ).fetchone()
    return WebhookRow(*row) if row else None


def list_webhooks(conn: sqlite3.Connection, workspace_id: str) -> list[WebhookRow]:
    rows = conn.execute(
        f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE workspace_id = ? ORDER BY id",
        (workspace_id,),
    )
    return [WebhookRow(*r) for r in rows]


def delete_webhook(conn: sqlite3.Connection, webhook_id: str, workspace_id: str) -> bool:
    """Delete a webhook. Its undelivered outbox messages stay; the next delivery run marks
    them failed ("webhook deleted") so that nothing disappears without a trace."""
    cursor = conn.execute(
        "DELETE FROM webhooks WHERE id = ? AND workspace_id = ?", (webhook_id, workspace_id)
    )
    return cursor.rowcount == 1


# ------------------------------------------------------------------------------------- rules

_RULE_COLUMNS = (
    'id, workspace_id, name, metric, operator, threshold, "window", severity, scope_kind,'
    " scope_ref, for_checks, repeat_interval_s, actions, created_at, updated_at"
)


def _rule_from(row: Sequence[object]) -> AlertRuleRow:
    values = list(row)
    values[12] = tuple(json.loads(str(values[12])))
    return AlertRuleRow(*values)  # type: ignore[arg-type]


def _rule_params(row: AlertRuleRow) -> tuple[object, ...]:
    return (
        row.id,
        row.workspace_id,
        row.name,
        row.metric,
        row.operator,
        float(row.threshold),
        row.window,
        row.severity,
        row.scope_kind,
        row.scope_ref,
        row.for_checks,
        row.repeat_interval_s,
        json.dumps(list(row.actions), separators=(",", ":")),
        row.created_at,
        row.updated_at,
    )


def insert_rule(conn: sqlite3.Connection, row: AlertRuleRow) -> None:
    conn.execute(
        f"INSERT INTO alert_rules ({_RULE_COLUMNS}) VALUES ({', '.join('?' * 15)})",
        _rule_params(row),
    )


def update_rule(conn: sqlite3.Connection, row: AlertRuleRow) -> bool:
    """Replace a rule's definition (``id``, ``workspace_id`` and ``created_at`` are kept)."""
    params = _rule_params(row)
    cursor = conn.execute(
        'UPDATE alert_rules SET name = ?, metric = ?, operator = ?, threshold = ?, "window" = ?,'
        " severity = ?, scope_kind = ?, scope_ref = ?, for_checks = ?, repeat_interval_s = ?,"
        " actions = ?, updated_at = ? WHERE id = ? AND workspace_id = ?",
        (*params[2:13], row.updated_at, row.id, row.workspace_id),
    )
    return cursor.rowcount == 1


def delete_rule(conn: sqlite3.Connection, rule_id: str, workspace_id: str) -> bool:
    """Delete a rule and its states. Its events stay: history outlives the rule."""
    conn.execute("DELETE FROM alert_states WHERE rule_id = ?", (rule_id,))
    cursor = conn.execute(
        "DELETE FROM alert_rules WHERE id = ? AND workspace_id = ?", (rule_id, workspace_id)
    )
    return cursor.rowcount == 1


def get_rule(
    conn: sqlite3.Connection, rule_id: str, *, workspace_id: str | None = None
) -> AlertRuleRow | None:
    row = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE id = ? AND (? IS NULL OR workspace_id = ?)",
        (rule_id, workspace_id, workspace_id),
    ).fetchone()
    return _rule_from(row) if row else None


def find_rule(conn: sqlite3.Connection, workspace_id: str, id_or_name: str) -> AlertRuleRow | None:
    """A rule by ID or by name (names are unique per workspace)."""
    row = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE workspace_id = ? AND (id = ? OR name = ?)"
        " ORDER BY id = ? DESC LIMIT 1",
        (workspace_id, id_or_name, id_or_name, id_or_name),
    ).fetchone()
    return _rule_from(row) if row else None


def list_rules(conn: sqlite3.Connection, workspace_id: str) -> list[AlertRuleRow]:
    rows = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE workspace_id = ? ORDER BY id",
        (workspace_id,),
    )
    return [_rule_from(r) for r in rows]


# ------------------------------------------------------------------------------------ states

_STATE_COLUMNS = (
    "fingerprint, rule_id, state, pending_count, since, last_value, last_notified_at,"
    " updated_at, version"
)


def get_state(conn: sqlite3.Connection, fingerprint: str) -> AlertStateRow | None:
    row = conn.execute(
        f"SELECT {_STATE_COLUMNS} FROM alert_states WHERE fingerprint = ?", (fingerprint,)
    ).fetchone()
    return AlertStateRow(*row) if row else None


def list_states(
    conn: sqlite3.Connection, *, workspace_id: str | None = None, rule_id: str | None = None
) -> list[AlertStateRow]:
    columns = ", ".join(f"s.{c.strip()}" for c in _STATE_COLUMNS.split(","))
    rows = conn.execute(
        f"SELECT {columns} FROM alert_states s JOIN alert_rules r ON r.id = s.rule_id"
        " WHERE (? IS NULL OR r.workspace_id = ?) AND (? IS NULL OR s.rule_id = ?)"
        " ORDER BY s.rule_id, s.fingerprint",
        (workspace_id, workspace_id, rule_id, rule_id),
    )
    return [AlertStateRow(*r) for r in rows]


def write_state(
    conn: sqlite3.Connection, new: AlertStateRow, previous: AlertStateRow | None
) -> AlertStateRow:
    """Store ``new`` only if the row is still ``previous`` (same version, or still absent).

    Returns the stored row (its version bumped); raises :class:`StaleStateError` otherwise.
    """
    if previous is None:
        stored = _replace_version(new, 1)
        cursor = conn.execute(
            f"INSERT INTO alert_states ({_STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (fingerprint) DO NOTHING",
            _state_params(stored),
        )
    else:
        stored = _replace_version(new, previous.version + 1)
        cursor = conn.execute(
            "UPDATE alert_states SET rule_id = ?, state = ?, pending_count = ?, since = ?,"
            " last_value = ?, last_notified_at = ?, updated_at = ?, version = ?"
            " WHERE fingerprint = ? AND version = ?",
            (*_state_params(stored)[1:], stored.fingerprint, previous.version),
        )
    if cursor.rowcount != 1:
        raise StaleStateError(
            f"alert state {new.fingerprint} changed while it was being checked",
            hint="another `alerts check` ran at the same time; run it again",
        )
    return stored


def delete_state(conn: sqlite3.Connection, previous: AlertStateRow) -> None:
    """Delete a state row, conditional on it being unchanged since it was read."""
    cursor = conn.execute(
        "DELETE FROM alert_states WHERE fingerprint = ? AND version = ?",
        (previous.fingerprint, previous.version),
    )
    if cursor.rowcount != 1:
        raise StaleStateError(f"alert state {previous.fingerprint} changed while being retired")


def _replace_version(row: AlertStateRow, version: int) -> AlertStateRow:
    return AlertStateRow(
        row.fingerprint,
        row.rule_id,
        row.state,
        row.pending_count,
        row.since,
        row.last_value,
        row.last_notified_at,
        row.updated_at,
        version,
    )


def _state_params(row: AlertStateRow) -> tuple[object, ...]:
    return (
        row.fingerprint,
        row.rule_id,
        row.state,
        row.pending_count,
        row.since,
        row.last_value,
        row.last_notified_at,
        row.updated_at,
        row.version,
    )


def record_check(
    conn: sqlite3.Connection,
    fingerprint: str,
    decide: Callable[[AlertStateRow | None], CheckWrite],
) -> RecordedCheck:
    """Read the state of ``fingerprint``, ``decide`` the transition, and store the new state,
    its event and its outbox messages — all in the caller's ``BEGIN IMMEDIATE`` transaction.

    ``decide`` is pure (it gets the row as read and returns what to write); because the
    read, the decision and the writes share one write transaction, a second concurrent check
    waits for the first and then sees its state, so it cannot notify the same transition.
    """
    if not conn.in_transaction:
        raise RuntimeError("record_check must run inside write_transaction (BEGIN IMMEDIATE)")
    previous = get_state(conn, fingerprint)
    write = decide(previous)
    if write.state.fingerprint != fingerprint:
        raise ValueError("decide() returned a state for another fingerprint")
    write_state(conn, write.state, previous)
    event_id = insert_event(conn, write.event) if write.event is not None else None
    enqueue(conn, write.messages, event_id=event_id)
    return RecordedCheck(previous, write, event_id)


# ------------------------------------------------------------------------------------ events

_EVENT_COLUMNS = (
    "id, workspace_id, fingerprint, rule_id, from_state, to_state, value, at, message_id"
)


def insert_event(conn: sqlite3.Connection, event: NewEvent) -> int:
    cursor = conn.execute(
        "INSERT INTO alert_events (workspace_id, fingerprint, rule_id, from_state, to_state,"
        " value, at, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.workspace_id,
            event.fingerprint,
            event.rule_id,
            event.from_state,
            event.to_state,
            event.value,
            event.at,
            event.message_id,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def list_events(
    conn: sqlite3.Connection,
    workspace_id: str,
    *,
    rule_id: str | None = None,
    since: datetime | str | None = None,
    limit: int | None = None,
) -> list[AlertEventRow]:
    """Events newest first (``alerts history``)."""
    since_text = _now(since) if since is not None else None
    rows = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM alert_events WHERE workspace_id = ?"
        " AND (? IS NULL OR rule_id = ?) AND (? IS NULL OR at >= ?)"
        " ORDER BY at DESC, id DESC LIMIT ?",
        (workspace_id, rule_id, rule_id, since_text, since_text, -1 if limit is None else limit),
    )
    return [AlertEventRow(*r) for r in rows]


# ------------------------------------------------------------------------------------ outbox

_OUTBOX_COLUMNS = (
    "message_id, webhook_id, event_id, body, created_at, attempts, next_attempt_at,"
    " claimed_until, claim_token, delivered_at, failed_at, last_status, last_error"
)


def _outbox_from(row: Sequence[object]) -> OutboxRow:
    values = list(row)
    values[3] = bytes(values[3])  # type: ignore[arg-type]
    return OutboxRow(*values)  # type: ignore[arg-type]


def enqueue(
    conn: sqlite3.Connection, messages: Iterable[NewMessage], *, event_id: int | None = None
) -> None:
    """Add messages, due at once. An ID already queued for the same webhook is left as it
    is: re-enqueueing can never make a delivered message be sent again."""
    conn.executemany(
        "INSERT INTO outbox (message_id, webhook_id, event_id, body, created_at,"
        " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (m.message_id, m.webhook_id, event_id, m.body, m.created_at, m.created_at)
            for m in messages
        ],
    )


def due(
    conn: sqlite3.Connection,
    now: datetime | str,
    *,
    webhook_id: str | None = None,
    limit: int | None = None,
) -> list[OutboxRow]:
    """Undelivered, not given up, due by ``now`` and not leased to a live run; oldest first
    (so a receiver normally sees an alert's firing before its resolve)."""
    at = _now(now)
    rows = conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
        " WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
        " AND (claimed_until IS NULL OR claimed_until < ?) AND (? IS NULL OR webhook_id = ?)"
        " ORDER BY created_at, rowid LIMIT ?",
        (at, at, webhook_id, webhook_id, -1 if limit is None else limit),
    )
    return [_outbox_from(r) for r in rows]


def claim(
    conn: sqlite3.Connection,
    message_id: str,
    webhook_id: str,
    *,
    token: str,
    now: datetime | str,
    until: datetime | str,
) -> bool:
    """Lease a message to the run holding ``token`` until ``until``. False when it was
    delivered, given up, or leased by another live run meanwhile: then do not send it."""
    at = _now(now)
    cursor = conn.execute(
        "UPDATE outbox SET claimed_until = ?, claim_token = ?"
        " WHERE message_id = ? AND webhook_id = ? AND delivered_at IS NULL AND failed_at IS NULL"
        " AND (claimed_until IS NULL OR claimed_until < ?)",
        (_now(until), token, message_id, webhook_id, at),
    )
    return cursor.rowcount == 1


def mark_delivered(
    conn: sqlite3.Connection,
    message_id: str,
    webhook_id: str,
    *,
    at: datetime | str,
    attempts: int,
    status_code: int | None,
) -> bool:
    """Record the 2xx acknowledgement. Unconditional on the lease: whoever delivered it,
    it is delivered, and :func:`due`/:func:`claim` will never hand it out again."""
    cursor = conn.execute(
        "UPDATE outbox SET delivered_at = ?, attempts = attempts + ?, last_status = ?,"
        " last_error = NULL, claimed_until = NULL, claim_token = NULL"
        " WHERE message_id = ? AND webhook_id = ? AND delivered_at IS NULL",
        (_now(at), attempts, status_code, message_id, webhook_id),
    )
    return cursor.rowcount == 1


def mark_attempt(
    conn: sqlite3.Connection,
    message_id: str,
    webhook_id: str,
    *,
    token: str,
    at: datetime | str,
    attempts: int,
    status_code: int | None,
    error: str,
    next_attempt_at: datetime | str,
    give_up: bool = False,
) -> bool:
    """Record a run's failed attempts and release the lease. With ``give_up`` the message
    becomes ``failed`` (kept, with its error; :func:`requeue_failed` brings it back).

    Only the lease holder records: a run whose lease expired and was taken over returns
    False and leaves the row to the new holder.
    """
    at_text = _now(at)
    cursor = conn.execute(
        "UPDATE outbox SET attempts = attempts + ?, last_status = ?, last_error = ?,"
        " next_attempt_at = ?, failed_at = CASE WHEN ? THEN ? ELSE NULL END,"
        " claimed_until = NULL, claim_token = NULL"
        " WHERE message_id = ? AND webhook_id = ? AND delivered_at IS NULL AND claim_token = ?",
        (
            attempts,
            status_code,
            error,
            _now(next_attempt_at),
            int(give_up),
            at_text,
            message_id,
            webhook_id,
            token,
        ),
    )
    return cursor.rowcount == 1


def release(conn: sqlite3.Connection, message_id: str, webhook_id: str, *, token: str) -> None:
    """Give a lease back without recording an attempt (e.g. the run was interrupted)."""
    conn.execute(
        "UPDATE outbox SET claimed_until = NULL, claim_token = NULL"
        " WHERE message_id = ? AND webhook_id = ? AND claim_token = ?",
        (message_id, webhook_id, token),
    )


def requeue_failed(
    conn: sqlite3.Connection,
    now: datetime | str,
    *,
    webhook_id: str | None = None,
    message_ids: Sequence[str] | None = None,
) -> int:
    """Make given-up messages due again (same IDs, same bodies). Returns how many."""
    at = _now(now)
    ids_json = json.dumps(list(message_ids)) if message_ids is not None else None
    cursor = conn.execute(
        "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?"
        " WHERE failed_at IS NOT NULL AND delivered_at IS NULL"
        " AND (? IS NULL OR webhook_id = ?)"
        " AND (? IS NULL OR message_id IN (SELECT value FROM json_each(?)))",
        (at, webhook_id, webhook_id, ids_json, ids_json),
    )
    return cursor.rowcount


def get_message(conn: sqlite3.Connection, message_id: str, webhook_id: str) -> OutboxRow | None:
    row = conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE message_id = ? AND webhook_id = ?",
        (message_id, webhook_id),
    ).fetchone()
    return _outbox_from(row) if row else None


def list_outbox(
    conn: sqlite3.Connection,
    *,
    webhook_ids: Sequence[str] | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[OutboxRow]:
    """Messages oldest first, optionally of some webhooks and of one ``status``."""
    conditions = {
        None: "1",
        "pending": "delivered_at IS NULL AND failed_at IS NULL",
        "delivered": "delivered_at IS NOT NULL",
        "failed": "delivered_at IS NULL AND failed_at IS NOT NULL",
    }
    if status not in conditions:
        raise ValueError(f"unknown outbox status {status!r}")
    ids_json = json.dumps(list(webhook_ids)) if webhook_ids is not None else None
    rows = conn.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE {conditions[status]}"
        " AND (? IS NULL OR webhook_id IN (SELECT value FROM json_each(?)))"
        " ORDER BY created_at, rowid LIMIT ?",
        (ids_json, ids_json, -1 if limit is None else limit),
    )
    return [_outbox_from(r) for r in rows]

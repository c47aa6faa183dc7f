"""The §11 alert state machine, and recording one check of one rule.

:func:`step` is pure: previous state + this check's value + rule + now → the next state and
whether to notify. Its rules (docs/alerts.md has the table):

* ``ok``/``resolved`` → ``pending`` when the condition holds and the rule has ``for: N``
  (N > 0); ``pending`` counts consecutive breaching checks and becomes ``firing`` on the
  (N+1)-th, so an alert fires after being pending for N checks (Prometheus' ``for``, in
  checks). With ``for: 0`` the first breaching check fires. A check within 30 s of the
  previous one is the same check run twice (overlapping cron runs): it does not count
  toward ``for`` and does not move ``resolved`` on to ``ok``.
* ``firing``/``no_data`` are *alerting*: entering one notifies; staying in one re-notifies
  only once ``repeat_interval`` has passed since the last notification.
* Leaving an alerting state for a non-alerting one notifies ``resolved``; the state becomes
  ``resolved``, which behaves as ``ok`` and turns into ``ok`` on the next good check. A
  ``pending`` that clears goes back to ``ok`` silently (nothing was ever notified).
* No value (the metric has no data in the window) is ``no_data`` from any state: notified
  like firing, never silently resolved. Data coming back resolves it (or fires, when the
  value breaches and ``for`` is 0).

:func:`check_rule` runs :func:`step` inside the store's ``BEGIN IMMEDIATE`` transaction and
enqueues the notification there, so concurrent checks never notify one transition twice.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from ..metrics.values import round1
from ..store import alerts as store
from ..timeutil import iso_z, parse_iso
from .payload import Status, build_payload, render_body
from .signing import new_message_id as _new_message_id


class State(StrEnum):
    OK = "ok"
    PENDING = "pending"
    FIRING = "firing"
    NO_DATA = "no_data"
    RESOLVED = "resolved"


#: states a receiver has been told about and must eventually hear ``resolved`` for
ALERTING = frozenset({State.FIRING, State.NO_DATA})

Notify = Literal["firing", "resolved", "no_data"]

#: a check this close before the repeat interval ends counts as due (at most a tenth of the
#: interval), so a daily cron whose start jitters by seconds still re-notifies daily with the
#: default 24 h interval instead of every other day
REPEAT_SLACK = timedelta(minutes=5)

#: a breaching check this soon after the previous check of the same alert is the same check
#: run twice (two overlapping ``alerts check`` processes), so it does not advance ``for``
SAME_CHECK_WINDOW = timedelta(seconds=30)


class Criteria(Protocol):
    """What :func:`step` reads from a rule (an ``AlertRuleRow`` satisfies it)."""

    @property
    def operator(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def for_checks(self) -> int: ...
    @property
    def repeat_interval_s(self) -> int: ...


@dataclass(frozen=True)
class AlertState:
    state: State
    #: consecutive breaching checks while ``pending``; 0 otherwise
    pending_count: int
    #: when the current state was entered
    since: datetime
    last_value: float | None
    last_notified_at: datetime | None
    #: when the alert was last checked (the stored row's ``updated_at``)
    checked_at: datetime | None = None


@dataclass(frozen=True)
class Transition:
    previous_state: State | None
    new_state: State
    #: the notification this check sends, if any
    notify: Notify | None
    #: record an alert_events row: a state change, or a (re-)notification
    event: bool
    #: the full state to store
    state: AlertState


def fingerprint(rule_id: str, scope_kind: str, scope_ref: str | None) -> str:
    """Stable identity of the alert a rule raises for a scope: 16 hex digits of SHA-256
    (Alertmanager's length). Changing a rule's threshold keeps it; changing its scope
    makes a new alert."""
    key = json.dumps([rule_id, scope_kind, scope_ref], separators=(",", ":"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def breaches(value: float, operator: str, threshold: float) -> bool:
    if operator == "gt":
        return value > threshold
    if operator == "gte":
        return value >= threshold
    if operator == "lt":
        return value < threshold
    if operator == "lte":
        return value <= threshold
    raise ValueError(f"unknown operator {operator!r}")


def repeat_due(last_notified_at: datetime | None, now: datetime, repeat_interval_s: int) -> bool:
    if last_notified_at is None:
        return True
    interval = timedelta(seconds=repeat_interval_s)
    return now - last_notified_at >= interval - min(REPEAT_SLACK, interval / 10)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _same_check(previous: AlertState | None, now: datetime) -> bool:
    if previous is None or previous.checked_at is None:
        return False
    return now - previous.checked_at < SAME_CHECK_WINDOW


def step(
    previous: AlertState | None, value: float | None, rule: Criteria, now: datetime
) -> Transition:
    """One check: the next state, and whether (and what) to notify. Pure."""
    now = _aware(now)
    if value is not None and math.isnan(value):
        value = None  # a NaN compares false with everything: it would silently resolve
    if value is not None:
        # compared as reported (§12: 1 decimal, halves away from zero as `metrics` shows
        # them), so a notification never says "15 > 15"
        value = round1(value) if math.isfinite(value) else value
    prev = previous.state if previous else None
    current = prev or State.OK
    kept_since = previous.since if previous else now
    last_notified = previous.last_notified_at if previous else None
    pending_count = 0
    notify: Notify | None = None

    if value is None:
        new = State.NO_DATA
        if current is State.NO_DATA:
            since = kept_since
            if repeat_due(last_notified, now, rule.repeat_interval_s):
                notify = "no_data"
        else:
            since, notify = now, "no_data"
    elif breaches(value, rule.operator, rule.threshold):
        if current is State.FIRING:
            new, since = State.FIRING, kept_since
            if repeat_due(last_notified, now, rule.repeat_interval_s):
                notify = "firing"
        else:
            count = previous.pending_count if previous and current is State.PENDING else 0
            if not (count and _same_check(previous, now)):
                count += 1
            if count > rule.for_checks:
                new, since, notify = State.FIRING, now, "firing"
            else:
                new, pending_count = State.PENDING, count
                since = kept_since if current is State.PENDING else now
                if current is State.NO_DATA:
                    notify = "resolved"  # the no-data alert is over; this one is not yet on
    elif current in ALERTING:
        new, since, notify = State.RESOLVED, now, "resolved"
    elif current is State.RESOLVED and _same_check(previous, now):
        new, since = State.RESOLVED, kept_since  # the same check again: nothing moves on
    else:
        new = State.OK
        since = kept_since if current is State.OK else now

    changed = new is not current if prev is not None else new is not State.OK
    state = AlertState(
        state=new,
        pending_count=pending_count,
        since=since,
        last_value=value,
        last_notified_at=now if notify else last_notified,
        checked_at=now,
    )
    return Transition(prev, new, notify, changed or notify is not None, state)


# ------------------------------------------------------------------------------ persistence


def state_from_row(row: store.AlertStateRow | None) -> AlertState | None:
    if row is None:
        return None
    return AlertState(
        state=State(row.state),
        pending_count=row.pending_count,
        since=parse_iso(row.since),
        last_value=row.last_value,
        last_notified_at=parse_iso(row.last_notified_at) if row.last_notified_at else None,
        checked_at=parse_iso(row.updated_at),
    )


def state_to_row(
    state: AlertState, *, fingerprint: str, rule_id: str, updated_at: datetime
) -> store.AlertStateRow:
    return store.AlertStateRow(
        fingerprint=fingerprint,
        rule_id=rule_id,
        state=str(state.state),
        pending_count=state.pending_count,
        since=iso_z(state.since),
        last_value=state.last_value,
        last_notified_at=iso_z(state.last_notified_at) if state.last_notified_at else None,
        updated_at=iso_z(updated_at),
    )


@dataclass(frozen=True)
class CheckOutcome:
    rule_id: str
    fingerprint: str
    value: float | None
    transition: Transition
    #: the notification's message ID (shared by every webhook of the rule), if it notified
    message_id: str | None
    event_id: int | None
    #: webhooks named by the rule's actions that no longer exist (nothing was queued for them)
    missing_webhooks: tuple[str, ...] = field(default=())

    @property
    def state(self) -> State:
        return self.transition.new_state


def _messages(
    rule: store.AlertRuleRow,
    webhooks: dict[str, store.WebhookRow],
    payload: dict[str, object],
    message_id: str,
    at: str,
) -> tuple[store.NewMessage, ...]:
    return tuple(
        store.NewMessage(message_id, wid, render_body(webhooks[wid].format, payload), at)
        for wid in rule.webhook_ids
        if wid in webhooks
    )


def _webhooks(conn: sqlite3.Connection, rule: store.AlertRuleRow) -> dict[str, store.WebhookRow]:
    found = {}
    for wid in rule.webhook_ids:
        row = store.get_webhook(conn, wid, workspace_id=rule.workspace_id)
        if row is not None:
            found[wid] = row
    return found


def check_rule(
    conn: sqlite3.Connection,
    rule: store.AlertRuleRow,
    value: float | None,
    now: datetime,
    *,
    no_data_reason: str | None = None,
    new_message_id: Callable[[], str] = _new_message_id,
) -> CheckOutcome:
    """Evaluate one rule for one value and record the outcome, in its own write transaction.

    ``value`` is the rule's metric over ``rule.window`` ending at ``now`` (compared as
    reported, to 1 decimal), or None when the metric has no data (``no_data_reason`` says
    why and goes into the notification). One transaction per rule keeps write locks short.
    Messages land in the outbox; :func:`devintel_cli.alerts.delivery.deliver_outbox` sends
    them.
    """
    from ..store.db import write_transaction

    now = _aware(now)
    fp = fingerprint(rule.id, rule.scope_kind, rule.scope_ref)
    at = iso_z(now)
    decided: dict[str, object] = {}

    def decide(row: store.AlertStateRow | None) -> store.CheckWrite:
        previous = state_from_row(row)
        transition = step(previous, value, rule, now)
        message_id = new_message_id() if transition.notify else None
        messages: tuple[store.NewMessage, ...] = ()
        if transition.notify and message_id:
            if transition.notify == "resolved":
                started, ended = (previous.since if previous else None), now
            else:
                started, ended = transition.state.since, None
            payload = build_payload(
                rule,
                fingerprint=fp,
                status=transition.notify,
                value=transition.state.last_value,
                at=now,
                started_at=started,
                ended_at=ended,
                reason=no_data_reason if transition.notify == "no_data" else None,
            )
            messages = _messages(rule, webhooks, payload, message_id, at)
        event = None
        if transition.event:
            event = store.NewEvent(
                rule.workspace_id,
                fp,
                rule.id,
                row.state if row else None,
                str(transition.new_state),
                transition.state.last_value,
                at,
                message_id,
            )
        decided.update(transition=transition, message_id=message_id)
        new_row = state_to_row(transition.state, fingerprint=fp, rule_id=rule.id, updated_at=now)
        return store.CheckWrite(new_row, event, messages)

    with write_transaction(conn):
        # states of this rule under another fingerprint are left over from an old scope
        retire_states(
            conn,
            rule,
            now,
            reason="rule scope changed",
            keep_fingerprint=fp,
            new_message_id=new_message_id,
        )
        webhooks = _webhooks(conn, rule)
        recorded = store.record_check(conn, fp, decide)
    transition = decided["transition"]
    assert isinstance(transition, Transition)
    message_id = decided["message_id"]
    return CheckOutcome(
        rule_id=rule.id,
        fingerprint=fp,
        value=value,
        transition=transition,
        message_id=message_id if isinstance(message_id, str) else None,
        event_id=recorded.event_id,
        missing_webhooks=tuple(w for w in rule.webhook_ids if w not in webhooks),
    )


def retire_states(
    conn: sqlite3.Connection,
    rule: store.AlertRuleRow,
    now: datetime,
    *,
    reason: str,
    keep_fingerprint: str | None = None,
    new_message_id: Callable[[], str] = _new_message_id,
) -> list[str]:
    """Drop the states of ``rule`` (all, or all but ``keep_fingerprint``), inside the
    caller's write transaction. One that is alerting first gets a ``resolved`` event and
    notification with ``reason``. Returns the retired fingerprints."""
    if not conn.in_transaction:
        raise RuntimeError("retire_states must run inside write_transaction")
    now = _aware(now)
    at = iso_z(now)
    retired = []
    webhooks: dict[str, store.WebhookRow] | None = None
    for row in store.list_states(conn, rule_id=rule.id):
        if row.fingerprint == keep_fingerprint:
            continue
        if State(row.state) in ALERTING:
            if webhooks is None:
                webhooks = _webhooks(conn, rule)
            message_id = new_message_id()
            status: Status = "resolved"
            payload = build_payload(
                rule,
                fingerprint=row.fingerprint,
                status=status,
                value=None,
                at=now,
                started_at=parse_iso(row.since),
                ended_at=now,
                reason=reason,
            )
            event_id = store.insert_event(
                conn,
                store.NewEvent(
                    rule.workspace_id,
                    row.fingerprint,
                    rule.id,
                    row.state,
                    str(State.RESOLVED),
                    None,
                    at,
                    message_id,
                ),
            )
            store.enqueue(
                conn, _messages(rule, webhooks, payload, message_id, at), event_id=event_id
            )
        store.delete_state(conn, row)
        retired.append(row.fingerprint)
    return retired

"""Alert rules (§11): the validated shape of a rule (``contract/alert-create-request``), rule
files for ``alerts apply FILE`` (TOML or JSON), and the idempotent apply plan.

A rule file is a list of rules, each with a ``name`` unique in the file; the name is the key
that makes ``apply`` idempotent: the same file applied twice changes nothing the second time.
``plan_apply`` is pure; :func:`apply_rules` carries a plan out in one write transaction.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import ConflictError, InputFileError, NotFoundError, UsageError
from ..metrics.catalog import Metric
from ..store import alerts as store
from ..timeutil import iso_z
from .signing import new_message_id as _new_message_id


class Operator(StrEnum):
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"

    @property
    def symbol(self) -> str:
        return {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[self.value]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ScopeKind(StrEnum):
    WORKSPACE = "workspace"
    LINE = "line"
    REPO = "repo"


_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
WINDOW_RE = re.compile(r"^\d+[dwh]$")
#: a repeat interval may also be given in minutes (cron every 15 min, re-notify hourly…)
REPEAT_RE = re.compile(r"^\d+[mhdw]$")
DEFAULT_REPEAT_INTERVAL = "24h"
WEBHOOK_ID_PATTERN = r"^WHK-\d{2}-\d{6}$"
WORKSPACE_ID_PATTERN = r"^WS-\d{2}-\d{6}$"


def parse_duration(text: str) -> timedelta:
    """``7d``, ``4w``, ``12h``, ``30m`` → timedelta (callers validate which units they take)."""
    return timedelta(seconds=int(text[:-1]) * _UNIT_SECONDS[text[-1]])


def format_duration(seconds: int) -> str:
    """The largest whole unit: 86400 → ``1d``, 5400 → ``90m``, 1209600 → ``2w``."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ScopeRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Strict):
    operator: Operator
    threshold: Annotated[float, Field(strict=True, allow_inf_nan=False)]


class NotifyWebhook(_Strict):
    type: Literal["notify_webhook"]
    webhook_id: Annotated[str, StringConstraints(pattern=WEBHOOK_ID_PATTERN)]


class Scope(_Strict):
    """``{line = "LIN-…"}`` or ``{repo = "owner/name"}``; no scope means the workspace.

    References are kept as written (ID or name); the CLI resolves them when checking.
    """

    line: ScopeRef | None = None
    repo: ScopeRef | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Scope:
        if (self.line is None) == (self.repo is None):
            raise ValueError(
                "give exactly one of line or repo (leave scope out for the whole workspace)"
            )
        return self

    @property
    def kind(self) -> ScopeKind:
        return ScopeKind.LINE if self.line is not None else ScopeKind.REPO

    @property
    def ref(self) -> str:
        return self.line if self.line is not None else self.repo  # type: ignore[return-value]


class RuleSpec(_Strict):
    """One alert rule as a user writes it (rule file, ``alerts create``, the HTTP API)."""

    name: Name | None = None
    metric: Metric
    condition: Condition
    window: str
    severity: Severity
    scope: Scope | None = None
    for_checks: Annotated[int, Field(strict=True, ge=0, le=1000, alias="for")] = 0
    repeat_interval: Annotated[str, Field(validate_default=True)] = DEFAULT_REPEAT_INTERVAL
    actions: list[NotifyWebhook]

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        if not WINDOW_RE.match(value) or int(value[:-1]) == 0:
            raise ValueError(f"{value!r} is not a window like 7d, 4w or 12h")
        return f"{int(value[:-1])}{value[-1]}"  # "07d" and "7d" are the same rule

    @field_validator("repeat_interval")
    @classmethod
    def _repeat(cls, value: str) -> str:
        if not REPEAT_RE.match(value) or int(value[:-1]) == 0:
            raise ValueError(f"{value!r} is not an interval like 30m, 4h, 1d or 1w")
        # stored in seconds: keep the form a stored rule reads back as ("24h" → "1d")
        return format_duration(int(parse_duration(value).total_seconds()))

    @property
    def window_delta(self) -> timedelta:
        return parse_duration(self.window)

    @property
    def repeat_interval_s(self) -> int:
        return int(parse_duration(self.repeat_interval).total_seconds())

    @property
    def scope_kind(self) -> ScopeKind:
        return self.scope.kind if self.scope else ScopeKind.WORKSPACE

    @property
    def scope_ref(self) -> str | None:
        return self.scope.ref if self.scope else None

    def definition(self) -> dict[str, Any]:
        """Everything that makes the rule behave as it does (not its name): the comparison
        key of :func:`plan_apply`."""
        return {
            "metric": str(self.metric),
            "operator": str(self.condition.operator),
            "threshold": float(self.condition.threshold),
            "window": self.window,
            "severity": str(self.severity),
            "scope_kind": str(self.scope_kind),
            "scope_ref": self.scope_ref,
            "for_checks": self.for_checks,
            "repeat_interval_s": self.repeat_interval_s,
            "actions": tuple((a.type, a.webhook_id) for a in self.actions),
        }

    def to_row(
        self, *, rule_id: str, workspace_id: str, created_at: str, updated_at: str
    ) -> store.AlertRuleRow:
        return store.AlertRuleRow(
            id=rule_id,
            workspace_id=workspace_id,
            name=self.name,
            metric=str(self.metric),
            operator=str(self.condition.operator),
            threshold=float(self.condition.threshold),
            window=self.window,
            severity=str(self.severity),
            scope_kind=str(self.scope_kind),
            scope_ref=self.scope_ref,
            for_checks=self.for_checks,
            repeat_interval_s=self.repeat_interval_s,
            actions=tuple({"type": a.type, "webhook_id": a.webhook_id} for a in self.actions),
            created_at=created_at,
            updated_at=updated_at,
        )

    @classmethod
    def from_row(cls, row: store.AlertRuleRow) -> RuleSpec:
        """The rule as a rule file would state it (``alerts list`` → a file to ``apply``)."""
        return cls.model_validate(rule_document(row))


class AlertCreateRequest(RuleSpec):
    """The HTTP API's ``POST /alerts`` body (``contract/alert-create-request.schema.json``)."""

    workspace_id: Annotated[str, StringConstraints(pattern=WORKSPACE_ID_PATTERN)]


def row_definition(row: store.AlertRuleRow) -> dict[str, Any]:
    """:meth:`RuleSpec.definition` of a stored rule."""
    return {
        "metric": row.metric,
        "operator": row.operator,
        "threshold": float(row.threshold),
        "window": row.window,
        "severity": row.severity,
        "scope_kind": row.scope_kind,
        "scope_ref": row.scope_ref,
        "for_checks": row.for_checks,
        "repeat_interval_s": row.repeat_interval_s,
        "actions": tuple((a["type"], a["webhook_id"]) for a in row.actions),
    }


def rule_document(row: store.AlertRuleRow) -> dict[str, Any]:
    """A stored rule in rule-file form (keys as a user writes them)."""
    doc: dict[str, Any] = {}
    if row.name is not None:
        doc["name"] = row.name
    doc.update(
        metric=row.metric,
        condition={"operator": row.operator, "threshold": float(row.threshold)},
        window=row.window,
        severity=row.severity,
    )
    if row.scope_kind != ScopeKind.WORKSPACE:
        doc["scope"] = {row.scope_kind: row.scope_ref}
    doc["for"] = row.for_checks
    doc["repeat_interval"] = format_duration(row.repeat_interval_s)
    doc["actions"] = [dict(a) for a in row.actions]
    return doc


# -------------------------------------------------------------------------------- rule files

_ALLOWED_FIELDS = (
    "name",
    "metric",
    "condition",
    "window",
    "severity",
    "scope",
    "for",
    "repeat_interval",
    "actions",
)
_MAX_REPORTED_ERRORS = 5


def load_rule_file(path: Path) -> list[RuleSpec]:
    """Read ``alerts apply`` input: TOML (``[[rules]]`` tables) or JSON (``{"rules": [...]}``
    or a bare list). Every problem is an :class:`InputFileError` naming the file, the rule
    and the field."""
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InputFileError(
            f"{path}: unknown rule file type {suffix or '(none)'!r}",
            hint="name the file *.toml or *.json",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    try:
        document: Any = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    return parse_rules(document, source=str(path))


def parse_rules(document: Any, *, source: str) -> list[RuleSpec]:
    """Validate a parsed rule document (see :func:`load_rule_file`)."""
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"rules"})
        if unknown:
            raise InputFileError(
                f"{source}: unknown top-level key {unknown[0]!r}",
                hint='rules go in [[rules]] tables (TOML) or a "rules" list (JSON)',
            )
        if "rules" not in document:
            raise InputFileError(
                f'{source}: no rules: expected [[rules]] tables (TOML) or a "rules" list (JSON)',
                hint="an empty list (rules = []) states explicitly that there are none",
            )
        items = document["rules"]
    else:
        items = document
    if not isinstance(items, list):
        raise InputFileError(f"{source}: rules must be a list")

    specs: list[RuleSpec] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items, start=1):
        label = _rule_label(item, index)
        if not isinstance(item, dict):
            problems.append(f"rule #{index}: expected a table of fields")
            continue
        try:
            spec = RuleSpec.model_validate(item)
        except ValidationError as exc:
            problems.extend(f"{label}: {_describe(err)}" for err in exc.errors())
            continue
        if spec.name is None:
            problems.append(f"{label}: name: required in a rule file (it identifies the rule)")
            continue
        if spec.name in seen:
            problems.append(f"{label}: name: duplicate of rule #{seen[spec.name]}")
            continue
        seen[spec.name] = index
        specs.append(spec)
    if problems:
        shown = problems[:_MAX_REPORTED_ERRORS]
        more = len(problems) - len(shown)
        suffix = f" (and {more} more)" if more else ""
        raise InputFileError(f"{source}: " + "; ".join(shown) + suffix)
    return specs


def _rule_label(item: object, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return f"rule {name.strip()!r} (#{index})"
    return f"rule #{index}"


def _describe(err: Any) -> str:
    """One pydantic error as ``field: problem``, in the words a rule author needs."""
    loc = ".".join(str(part) for part in err["loc"])
    kind = err["type"]
    given = err.get("input")
    if kind == "missing":
        return f"{loc}: required"
    if kind == "extra_forbidden":
        field = str(err["loc"][-1])
        known = _ALLOWED_FIELDS if len(err["loc"]) == 1 else ()
        close = difflib.get_close_matches(field, known, n=1)
        tip = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{loc}: unknown field{tip}"
    if loc == "metric" and kind == "enum":
        return f"metric: unknown metric {given!r}; expected one of {', '.join(Metric)}"
    if loc == "condition.operator" and kind == "enum":
        return f"condition.operator: unknown operator {given!r}; expected gt, gte, lt or lte"
    if loc == "severity" and kind == "enum":
        return f"severity: unknown severity {given!r}; expected low, medium, high or critical"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


# ------------------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class RuleUpdate:
    existing: store.AlertRuleRow
    desired: RuleSpec
    #: names of the definition fields that differ, e.g. ("threshold", "window")
    changes: tuple[str, ...]

    @property
    def scope_changed(self) -> bool:
        return "scope_kind" in self.changes or "scope_ref" in self.changes


@dataclass(frozen=True)
class ApplyPlan:
    create: tuple[RuleSpec, ...]
    update: tuple[RuleUpdate, ...]
    delete: tuple[store.AlertRuleRow, ...]
    unchanged: tuple[store.AlertRuleRow, ...]

    @property
    def changed(self) -> bool:
        return bool(self.create or self.update or self.delete)


def plan_apply(
    existing: Sequence[store.AlertRuleRow], desired: Sequence[RuleSpec], *, prune: bool = True
) -> ApplyPlan:
    """What applying ``desired`` to a workspace holding ``existing`` changes, by name.

    Rules without a name (made by ``alerts create`` without ``--name``) are never touched.
    With ``prune``, named rules missing from ``desired`` are deleted: the file is the whole
    truth about the named rules. Pure: applying the result and planning again yields an
    empty plan.
    """
    by_name: dict[str, store.AlertRuleRow] = {}
    for row in existing:
        if row.name is None:
            continue
        if row.name in by_name:
            raise ConflictError(
                f"two rules are named {row.name!r}: {by_name[row.name].id} and {row.id}",
                hint="delete or rename one of them before applying a rule file",
            )
        by_name[row.name] = row
    create: list[RuleSpec] = []
    update: list[RuleUpdate] = []
    unchanged: list[store.AlertRuleRow] = []
    wanted: set[str] = set()
    for spec in desired:
        if spec.name is None:
            raise UsageError("every rule applied from a file needs a name")
        if spec.name in wanted:
            raise UsageError(f"rule name {spec.name!r} appears twice")
        wanted.add(spec.name)
        current = by_name.get(spec.name)
        if current is None:
            create.append(spec)
            continue
        old, new = row_definition(current), spec.definition()
        changes = tuple(key for key in new if new[key] != old[key])
        if changes:
            update.append(RuleUpdate(current, spec, changes))
        else:
            unchanged.append(current)
    delete = [row for name, row in by_name.items() if prune and name not in wanted]
    return ApplyPlan(tuple(create), tuple(update), tuple(delete), tuple(unchanged))


@dataclass(frozen=True)
class AppliedRules:
    plan: ApplyPlan
    created: tuple[store.AlertRuleRow, ...]
    updated: tuple[store.AlertRuleRow, ...]


def check_webhooks(conn: sqlite3.Connection, workspace_id: str, specs: Sequence[RuleSpec]) -> None:
    """Every action must name a webhook of this workspace (else exit 2, nothing written)."""
    for spec in specs:
        for action in spec.actions:
            if store.get_webhook(conn, action.webhook_id, workspace_id=workspace_id) is None:
                label = f"rule {spec.name!r}" if spec.name else "rule"
                raise NotFoundError(
                    f"{label}: unknown webhook {action.webhook_id} in workspace {workspace_id}",
                    hint="`devintel webhooks list` shows them; `webhooks add URL` adds one",
                )


def apply_rules(
    conn: sqlite3.Connection,
    workspace_id: str,
    desired: Sequence[RuleSpec],
    *,
    new_rule_id: Callable[[], str],
    now: datetime,
    prune: bool = True,
    dry_run: bool = False,
    new_message_id: Callable[[], str] = _new_message_id,
) -> AppliedRules:
    """Plan and carry out ``alerts apply`` in one write transaction (all or nothing).

    ``new_rule_id`` is called inside that transaction, once per created rule (e.g.
    ``lambda: next_id(conn, "ALR", now)``). A rule that is deleted, or whose scope changes,
    takes its alert states with it; any of them that were firing or no_data get a
    ``resolved`` notification first, so no receiver is left with an alert that never ends.
    """
    from ..store.db import write_transaction
    from .evaluation import retire_states

    at = iso_z(now)
    with write_transaction(conn):
        check_webhooks(conn, workspace_id, desired)
        plan = plan_apply(store.list_rules(conn, workspace_id), desired, prune=prune)
        if dry_run:
            return AppliedRules(plan, (), ())
        created = []
        for spec in plan.create:
            row = spec.to_row(
                rule_id=new_rule_id(), workspace_id=workspace_id, created_at=at, updated_at=at
            )
            store.insert_rule(conn, row)
            created.append(row)
        updated = []
        for change in plan.update:
            row = change.desired.to_row(
                rule_id=change.existing.id,
                workspace_id=workspace_id,
                created_at=change.existing.created_at,
                updated_at=at,
            )
            if change.scope_changed:
                retire_states(
                    conn,
                    change.existing,
                    now,
                    reason="rule scope changed",
                    new_message_id=new_message_id,
                )
            store.update_rule(conn, row)
            updated.append(row)
        for row in plan.delete:
            retire_states(conn, row, now, reason="rule deleted", new_message_id=new_message_id)
            store.delete_rule(conn, row.id, workspace_id)
    return AppliedRules(plan, tuple(created), tuple(updated))


def create_rule(
    conn: sqlite3.Connection,
    workspace_id: str,
    spec: RuleSpec,
    *,
    new_rule_id: Callable[[], str],
    now: datetime,
) -> store.AlertRuleRow:
    """``alerts create``: one rule; a name already used in the workspace is a conflict."""
    from ..store.db import write_transaction

    at = iso_z(now)
    with write_transaction(conn):
        check_webhooks(conn, workspace_id, [spec])
        if spec.name is not None and store.find_rule(conn, workspace_id, spec.name):
            raise ConflictError(f"a rule named {spec.name!r} already exists")
        row = spec.to_row(
            rule_id=new_rule_id(), workspace_id=workspace_id, created_at=at, updated_at=at
        )
        store.insert_rule(conn, row)
    return row


def delete_rule(
    conn: sqlite3.Connection,
    workspace_id: str,
    id_or_name: str,
    *,
    now: datetime,
    new_message_id: Callable[[], str] = _new_message_id,
) -> store.AlertRuleRow:
    """``alerts delete``: remove a rule; a firing/no_data alert of it is resolved first."""
    from ..store.db import write_transaction
    from .evaluation import retire_states

    with write_transaction(conn):
        row = store.find_rule(conn, workspace_id, id_or_name)
        if row is None:
            raise NotFoundError(f"unknown alert rule {id_or_name!r}")
        retire_states(conn, row, now, reason="rule deleted", new_message_id=new_message_id)
        store.delete_rule(conn, row.id, workspace_id)
    return row

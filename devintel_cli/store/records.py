"""Rows the store hands back: named tuples (see metrics.rows on why not dataclasses), one per
table the core reads."""

from __future__ import annotations

from typing import NamedTuple


class WorkspaceRow(NamedTuple):
    id: str
    name: str
    is_default: bool
    created_at: str


class IntegrationRow(NamedTuple):
    id: str
    workspace_id: str
    host: str
    kind: str
    token_env: str | None
    token_file: str | None
    created_at: str


class ServiceLineRow(NamedTuple):
    id: str
    workspace_id: str
    name: str
    execution_model: str
    sprint_days: int
    sprint_anchor: str
    task_target: int
    created_at: str


class RepositoryRow(NamedTuple):
    id: int
    workspace_id: str
    integration_id: str
    name: str
    url: str
    mirror_path: str
    service_line_id: str | None
    default_branch: str | None
    deploy_tag_pattern: str | None
    deploy_branch: str | None
    environment: str
    sync_state: str
    created_at: str
    last_synced_at: str | None


def from_row(cls, row):  # type: ignore[no-untyped-def]
    """Build a record from a ``sqlite3.Row`` whose columns are exactly the record's fields."""
    return cls(**{key: row[key] for key in row.keys()})  # noqa: SIM118 (Row has no __iter__ of keys)

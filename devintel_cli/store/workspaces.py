"""SQL for workspaces, integrations and service lines."""

from __future__ import annotations

import sqlite3

from .records import IntegrationRow, ServiceLineRow, WorkspaceRow, from_row


def default_workspace(conn: sqlite3.Connection) -> WorkspaceRow | None:
    row = conn.execute("SELECT * FROM workspaces WHERE is_default = 1").fetchone()
    return from_row(WorkspaceRow, row) if row else None


def find_workspace(conn: sqlite3.Connection, id_or_name: str) -> WorkspaceRow | None:
    row = conn.execute(
        "SELECT * FROM workspaces WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
        (id_or_name, id_or_name, id_or_name),
    ).fetchone()
    return from_row(WorkspaceRow, row) if row else None


def list_workspaces(conn: sqlite3.Connection) -> list[WorkspaceRow]:
    return [from_row(WorkspaceRow, r) for r in conn.execute("SELECT * FROM workspaces ORDER BY id")]


def insert_workspace(conn: sqlite3.Connection, row: WorkspaceRow) -> None:
    conn.execute(
        "INSERT INTO workspaces (id, name, is_default, created_at) VALUES (?, ?, ?, ?)",
        (row.id, row.name, int(row.is_default), row.created_at),
    )


def find_integration(
    conn: sqlite3.Connection, workspace_id: str, *, id: str | None = None, host: str | None = None
) -> IntegrationRow | None:
    row = conn.execute(
        "SELECT * FROM integrations WHERE workspace_id = ? AND (id = ? OR host = ?)",
        (workspace_id, id, host),
    ).fetchone()
    return from_row(IntegrationRow, row) if row else None


def list_integrations(conn: sqlite3.Connection, workspace_id: str) -> list[IntegrationRow]:
    rows = conn.execute(
        "SELECT * FROM integrations WHERE workspace_id = ? ORDER BY id", (workspace_id,)
    )
    return [from_row(IntegrationRow, r) for r in rows]


def insert_integration(conn: sqlite3.Connection, row: IntegrationRow) -> None:
    conn.execute(
        "INSERT INTO integrations (id, workspace_id, host, kind, token_env, token_file,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            row.id,
            row.workspace_id,
            row.host,
            row.kind,
            row.token_env,
            row.token_file,
            row.created_at,
        ),
    )


def find_line(
    conn: sqlite3.Connection, workspace_id: str, id_or_name: str
) -> ServiceLineRow | None:
    row = conn.execute(
        "SELECT * FROM service_lines WHERE workspace_id = ? AND (id = ? OR name = ?)",
        (workspace_id, id_or_name, id_or_name),
    ).fetchone()
    return from_row(ServiceLineRow, row) if row else None


def list_lines(conn: sqlite3.Connection, workspace_id: str) -> list[ServiceLineRow]:
    rows = conn.execute(
        "SELECT * FROM service_lines WHERE workspace_id = ? ORDER BY id", (workspace_id,)
    )
    return [from_row(ServiceLineRow, r) for r in rows]


def insert_line(conn: sqlite3.Connection, row: ServiceLineRow) -> None:
    conn.execute(
        "INSERT INTO service_lines (id, workspace_id, name, execution_model, sprint_days,"
        " sprint_anchor, task_target, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row.id,
            row.workspace_id,
            row.name,
            row.execution_model,
            row.sprint_days,
            row.sprint_anchor,
            row.task_target,
            row.created_at,
        ),
    )


def delete_line(conn: sqlite3.Connection, line_id: str) -> None:
    # repositories keep existing and fall back to the implicit line (ON DELETE SET NULL)
    conn.execute("DELETE FROM service_lines WHERE id = ?", (line_id,))

"""The open state: database connection, selected workspace and settings, and the
operations on workspaces, integrations and service lines (§1). No printing, no exiting."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from . import paths
from .config import IngestSettings, load_settings
from .errors import ConflictError, NotFoundError, UsageError
from .store import workspaces as ws_store
from .store.db import UpgradeNotice, connect, write_transaction
from .store.ids import next_id
from .store.records import IntegrationRow, ServiceLineRow, WorkspaceRow
from .timeutil import iso_z, utc_now
from .urls import LOCAL_HOST

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")

DEFAULT_WORKSPACE_NAME = "default"
INTEGRATION_KINDS = ("github", "gitlab", "generic", "local")


@dataclass
class Context:
    conn: sqlite3.Connection
    workspace: WorkspaceRow
    state_dir: Path
    settings: IngestSettings

    def close(self) -> None:
        self.conn.close()

    def read_in_background(self, read: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``read`` on a connection of its own in a thread, so that one large read
        overlaps the reads made meanwhile on ``conn``: SQLite runs a statement outside the
        GIL, so the two proceed together as far as the GIL (needed for each returned row)
        and the cores allow — on a 2-vCPU VM, risk and benchmarks took 1.28x and 1.15x as
        long with the read inline (benchmarks/README.md; §13 read budget). ``result()``
        waits for it and raises what it raised. For reads only: the thread's connection
        does not migrate and commits nothing."""
        from concurrent.futures import ThreadPoolExecutor

        path = paths.database_path(self.state_dir)

        def run() -> T:
            conn = connect(path, migrate=False)
            try:
                return read(conn)
            finally:
                conn.close()

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devintel-read")
        try:
            return pool.submit(run)
        finally:
            pool.shutdown(wait=False)  # the thread ends with its one task


def open_context(
    workspace: str | None = None,
    state_dir: Path | None = None,
    *,
    on_upgrade: UpgradeNotice | None = None,
) -> Context:
    """Open the state directory and select a workspace: ``--workspace`` >
    ``DEVINTEL_WORKSPACE`` > the default one, created on first use. ``on_upgrade``: see
    ``store.db.connect``."""
    root = state_dir or paths.state_dir()
    conn = connect(paths.database_path(root), on_upgrade=on_upgrade)
    try:
        selector = workspace or os.environ.get("DEVINTEL_WORKSPACE") or None
        row = ensure_default_workspace(conn) if selector is None else None
        if selector is not None:
            row = ws_store.find_workspace(conn, selector)
            if row is None:
                raise NotFoundError(
                    f"unknown workspace {selector!r}",
                    hint="`devintel init --workspace NAME` creates one",
                )
        settings = load_settings(paths.config_path(root))
    except BaseException:
        conn.close()
        raise
    assert row is not None
    return Context(conn, row, root, settings)


def ensure_default_workspace(conn: sqlite3.Connection) -> WorkspaceRow:
    existing = ws_store.default_workspace(conn)
    if existing:
        return existing
    with write_transaction(conn):
        existing = ws_store.default_workspace(conn)  # another process may have won the race
        if existing:
            return existing
        now = utc_now()
        row = WorkspaceRow(next_id(conn, "WS", now), DEFAULT_WORKSPACE_NAME, True, iso_z(now))
        ws_store.insert_workspace(conn, row)
    return row


def create_workspace(conn: sqlite3.Connection, name: str) -> WorkspaceRow:
    with write_transaction(conn):
        if ws_store.find_workspace(conn, name):
            raise ConflictError(f"workspace {name!r} already exists")
        now = utc_now()
        row = WorkspaceRow(next_id(conn, "WS", now), name, False, iso_z(now))
        ws_store.insert_workspace(conn, row)
    return row


# --- integrations -----------------------------------------------------------------------


def kind_for_host(host: str) -> str:
    if host == LOCAL_HOST:
        return "local"
    if host == "github.com" or host.startswith("github."):
        return "github"
    if "gitlab" in host:
        return "gitlab"
    return "generic"


def add_integration(
    ctx: Context,
    host: str,
    *,
    kind: str | None = None,
    token_env: str | None = None,
    token_file: Path | None = None,
    exist_ok: bool = False,
) -> IntegrationRow:
    """Register a host and *where* its token is (an env var name or a file), never the token.

    With ``exist_ok`` an existing integration for the host is returned instead (checked
    inside the write transaction, so two processes adding repositories of one host at once
    end up with one integration).
    """
    host = host.strip().lower()
    if not host or "/" in host or " " in host:
        raise UsageError(f"not a host name: {host!r}", hint="e.g. github.com or git.example.org")
    kind = kind or kind_for_host(host)
    if kind not in INTEGRATION_KINDS:
        raise UsageError(f"unknown integration kind {kind!r}: use {', '.join(INTEGRATION_KINDS)}")
    if token_env and token_file:
        raise UsageError("give either --token-env or --token-file, not both")
    if token_env is not None and not token_env.replace("_", "").isalnum():
        raise UsageError(
            f"--token-env takes the NAME of an environment variable, not {token_env!r}"
        )
    with write_transaction(ctx.conn):
        existing = ws_store.find_integration(ctx.conn, ctx.workspace.id, host=host)
        if existing and exist_ok:
            return existing
        if existing:
            raise ConflictError(f"an integration for {host} already exists in this workspace")
        now = utc_now()
        row = IntegrationRow(
            next_id(ctx.conn, "INT", now),
            ctx.workspace.id,
            host,
            kind,
            token_env,
            str(token_file.expanduser().resolve()) if token_file else None,
            iso_z(now),
        )
        ws_store.insert_integration(ctx.conn, row)
    return row


def integration_for_host(ctx: Context, host: str) -> IntegrationRow:
    """The host's integration, created on demand without credentials (public or local)."""
    existing = ws_store.find_integration(ctx.conn, ctx.workspace.id, host=host)
    return existing or add_integration(ctx, host, exist_ok=True)


def read_token(integration: IntegrationRow) -> str | None:
    """Read the token at use, from the environment variable or file the integration names."""
    if integration.token_env:
        value = os.environ.get(integration.token_env)
        if not value:
            raise UsageError(
                f"integration {integration.id} reads its token from ${integration.token_env},"
                " which is not set"
            )
        return value.strip()
    if integration.token_file:
        try:
            return Path(integration.token_file).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise UsageError(
                f"integration {integration.id}: cannot read token file"
                f" {integration.token_file}: {exc.strerror}"
            ) from exc
    return None


# --- service lines ----------------------------------------------------------------------


def create_line(
    ctx: Context,
    name: str,
    *,
    sprint_days: int = 14,
    sprint_anchor: date | None = None,
    task_target: int = 10,
) -> ServiceLineRow:
    name = name.strip()
    if not name:
        raise UsageError("a service line needs a name")
    if sprint_days < 1:
        raise UsageError("--sprint-days must be at least 1")
    if task_target < 1:
        raise UsageError("--task-target must be at least 1")
    with write_transaction(ctx.conn):
        if ws_store.find_line(ctx.conn, ctx.workspace.id, name):
            raise ConflictError(f"service line {name!r} already exists")
        now = utc_now()
        anchor = sprint_anchor or now.date()
        row = ServiceLineRow(
            next_id(ctx.conn, "LIN", now),
            ctx.workspace.id,
            name,
            "observability",
            sprint_days,
            anchor.isoformat(),
            task_target,
            iso_z(now),
        )
        ws_store.insert_line(ctx.conn, row)
    return row


def get_line(ctx: Context, id_or_name: str) -> ServiceLineRow:
    row = ws_store.find_line(ctx.conn, ctx.workspace.id, id_or_name)
    if row is None:
        raise NotFoundError(
            f"unknown service line {id_or_name!r}", hint="see `devintel lines list`"
        )
    return row


def delete_line(ctx: Context, id_or_name: str) -> ServiceLineRow:
    with write_transaction(ctx.conn):
        row = get_line(ctx, id_or_name)
        ws_store.delete_line(ctx.conn, row.id)
    return row

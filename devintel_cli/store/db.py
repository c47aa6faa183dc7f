"""The SQLite connection: WAL, busy timeout, versioned migrations and write transactions.

Every write goes through :func:`write_transaction` (``BEGIN IMMEDIATE``), so two processes
working one database queue up behind the busy timeout instead of failing with "database is
locked" half-way through a transaction, and a killed process leaves no partial write.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseBusyError, SchemaVersionError
from .schema import MIGRATIONS

#: how long a writer waits for another writer before giving up with exit 3 (§12)
BUSY_TIMEOUT_MS = 60_000


def id_list(ids: Iterable[int]) -> str:
    """``(1,2,3)`` for ``IN``: integer ids written into the SQL (each one forced to ``int``,
    so nothing else can get in), as a scope's repository list varies in length."""
    return "(" + ",".join(str(int(i)) for i in ids) + ")"


def latest_version() -> int:
    return len(MIGRATIONS)


#: told (from version, to version) before an existing database is upgraded
UpgradeNotice = Callable[[int, int], None]


def connect(
    path: Path, *, migrate: bool = True, on_upgrade: UpgradeNotice | None = None
) -> sqlite3.Connection:
    """Open (creating if needed) the database and bring its schema up to date.

    A database written by a newer devintel (``user_version`` beyond what this one knows)
    is refused: an older tool must not write rows a newer schema would misread.
    ``on_upgrade`` hears of an upgrade of an existing database before it starts (one that
    rewrites a large table takes seconds: migration 6, 12–14 s at 1M commits); creating a new
    one is not an upgrade.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    if created:
        # the database holds webhook secrets: owner-only from the start
        path.chmod(0o600)
    if migrate:
        _migrate(conn, path, on_upgrade)
    return conn


#: pause between attempts to switch a database to WAL while another connection writes
WAL_RETRY_SECONDS = 0.01


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the database to WAL (a setting of the file: it stays once made).

    Changing the journal mode needs the file to itself, and SQLite does not wait for that
    with the busy handler. It fails at once with "database is locked" while another
    connection holds a write lock on a database not yet in WAL, as two processes creating
    a new database at once do (1 run in ~25 of tests/test_reliability.py's two concurrent
    `repo add`s, once start-up got faster). So retry, within the busy timeout, as a
    write would wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise _translate(exc) from exc
        time.sleep(WAL_RETRY_SECONDS)


def _migrate(conn: sqlite3.Connection, path: Path, on_upgrade: UpgradeNotice | None) -> None:
    target = latest_version()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > target:
        raise SchemaVersionError(
            f"{path} has schema version {version}, newer than this devintel knows ({target})",
            hint="upgrade devintel (pip install -U devintel) to open this database",
        )
    if version == target:
        return
    if version > 0 and on_upgrade is not None:
        on_upgrade(version, target)
    with write_transaction(conn):
        # re-read inside the lock: another process may have migrated meanwhile
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would COMMIT on its own)."""
    return [part.strip() for part in script.split(";") if part.strip()]


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception, never half-written."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise _translate(exc) from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        conn.execute("ROLLBACK")
        raise _translate(exc) from exc


def _translate(exc: sqlite3.OperationalError) -> Exception:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return DatabaseBusyError(
            f"database is busy: {message}",
            hint="another devintel process is writing; retry when it has finished",
        )
    return exc

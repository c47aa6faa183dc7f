"""The IDs of insights (§9): a finding's key → its ``INS-…`` ID, kept across runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from ..timeutil import iso_z
from .db import write_transaction
from .ids import next_id


def insight_ids(
    conn: sqlite3.Connection, workspace_id: str, keys: Sequence[str], now: datetime
) -> dict[str, str]:
    """Each key's ID: the one it was given before, else a new one, allocated (in the order
    of ``keys``, YY from ``now``: the as-of moment) and stored in one write transaction —
    two processes computing the same finding at once: the second waits for the first's
    transaction and then finds its ID."""
    if not keys:
        return {}
    with write_transaction(conn):
        known = dict(
            conn.execute(
                "SELECT finding_key, id FROM insights WHERE workspace_id = ?"
                f" AND finding_key IN ({', '.join('?' * len(keys))})",
                (workspace_id, *keys),
            ).fetchall()
        )
        for key in keys:
            if key not in known:
                known[key] = next_id(conn, "INS", now)
                conn.execute(
                    "INSERT INTO insights (id, workspace_id, finding_key, first_seen_at)"
                    " VALUES (?, ?, ?, ?)",
                    (known[key], workspace_id, key, iso_z(now)),
                )
    return {key: known[key] for key in keys}

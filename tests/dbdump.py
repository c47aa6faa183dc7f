"""Compare databases by content: every table's rows, sorted, minus columns that
legitimately differ between two runs (wall-clock times, paths of different state dirs)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

VOLATILE = {
    "workspaces": {"created_at"},
    "integrations": {"created_at"},
    "service_lines": {"created_at"},
    "repositories": {"created_at", "last_synced_at", "mirror_path"},
}


def dump_database(path: Path, *, volatile: dict[str, set[str]] | None = None) -> dict:
    skip = VOLATILE if volatile is None else volatile
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        dump = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in columns if c not in skip.get(table, set())]
            rows = conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
            dump[table] = sorted(rows, key=repr)
        return dump
    finally:
        conn.close()

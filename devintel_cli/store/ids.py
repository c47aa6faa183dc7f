"""IDs ``PREFIX-YY-NNNNNN`` (§1): YY the year of creation, NNNNNN a counter per prefix per
state directory. The counter only grows, so an ID is never reused, even after a delete.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

PREFIXES = ("WS", "INT", "LIN", "WHK", "ALR", "INS")
ID_PATTERN = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<yy>\d{2})-(?P<n>\d{6})$")


def next_id(conn: sqlite3.Connection, prefix: str, now: datetime) -> str:
    """Allocate the next ID; call inside the write transaction that stores the new row."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown ID prefix {prefix!r}")
    value = conn.execute(
        "INSERT INTO counters (prefix, value) VALUES (?, 1) "
        "ON CONFLICT (prefix) DO UPDATE SET value = value + 1 RETURNING value",
        (prefix,),
    ).fetchone()[0]
    return f"{prefix}-{now.year % 100:02d}-{value:06d}"


def looks_like_id(text: str, prefix: str) -> bool:
    match = ID_PATTERN.match(text)
    return bool(match and match["prefix"] == prefix)

"""SQL for the primary language of a scope (§8 cohorts): lines added over a window, summed
per path tail, over the file changes risk reads too (``store.activity.WINDOW_FILE_CHANGES``). The
definition of the language is ``scoring/languages.py``'s."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from .activity import WINDOW_FILE_CHANGES, window_params
from .db import id_list


def lines_added_by_tail(
    conn: sqlite3.Connection,
    repo_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    tail_chars: int,
) -> list[tuple[str, int]]:
    """(last ``tail_chars`` characters of a path, lines added) for the non-binary,
    non-excluded files of non-merge, non-bot commits authored in ``[start, end)`` — what
    benchmarks/reference/build_reference.py counts, summed in SQL.

    Summing per path first follows the index order (no sort of the window's changes);
    summing those per tail keeps a 1M-commit window to a few hundred rows (§13 read
    budget). The caller picks ``tail_chars`` so that a tail has the same extension as its
    path (``scoring.languages.TAIL_CHARS``).
    """
    if not repo_ids:
        return []
    return conn.execute(
        "SELECT tail, sum(added) FROM (SELECT substr(p.path, -?) AS tail,"
        " sum(f.additions) AS added"
        + WINDOW_FILE_CHANGES.format(paths="file_paths", ids=id_list(repo_ids))
        + " GROUP BY p.repo_id, p.path) GROUP BY tail",
        (int(tail_chars), *window_params(start, end)),
    ).fetchall()

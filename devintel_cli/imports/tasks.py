"""Tasks (§4 task_throughput) from a Jira CSV export or ``gh issue list --state closed
--json number,title,createdAt,closedAt``.

A task counts as completed when it has a completion time: Jira's ``Resolved``, GitHub's
``closedAt``. Others are kept with ``completed_at`` None (they may complete later).
Jira writes times in the exporting user's zone without saying which: taken as UTC.
"""

from __future__ import annotations

from typing import cast

from devintel_cli.imports.common import (
    Column,
    Entry,
    PathLike,
    build_all,
    check_field_count,
    gh_issue_times,
    gh_number,
    json_entries,
    load_json,
    looks_like_json,
    not_before,
    read_csv,
    read_text,
    show,
    text_value,
    timestamp_value,
)
from devintel_cli.imports.records import TaskRecord

#: Jira's export headers, plus plain names for a hand-made CSV
COLUMNS = (
    Column("key", ("issue key", "task"), required=True, label="Issue key"),
    Column("status", label="Status"),
    Column("created", ("created_at",), label="Created"),
    Column(
        "resolved",
        ("resolved_at", "completed_at", "resolution date", "resolutiondate"),
        required=True,
        label="Resolved",
    ),
)


def parse_tasks(path: PathLike) -> list[TaskRecord]:
    """Every task of the file, or one InputFileError."""
    text = read_text(path)
    if looks_like_json(text):
        document = load_json(path, text)
        entries = json_entries(
            path, document, None, "gh issue list --json number,createdAt,closedAt output (a list)"
        )
        make, field = _from_gh, "number"
    else:
        entries, make, field = read_csv(path, text, COLUMNS), _from_csv, "Issue key"
    batch = build_all(path, entries, make)
    batch.unique(field, lambda task: task.key, lambda task: f"key {show(task.key)}")
    return batch.result()


def _from_csv(entry: Entry) -> TaskRecord:
    check_field_count(entry)
    values = entry.values
    created = timestamp_value(values, "created", label="Created")
    resolved = timestamp_value(values, "resolved", label="Resolved")
    not_before(resolved, created, "Resolved", "Created")
    return TaskRecord(
        key=cast(str, text_value(values, "key", required=True, label="Issue key")),
        status=text_value(values, "status", label="Status"),
        created_at=created,
        completed_at=resolved,
    )


def _from_gh(entry: Entry) -> TaskRecord:
    values = entry.values
    number = gh_number(values)
    created, closed = gh_issue_times(values)
    state = text_value(values, "state")
    return TaskRecord(
        key=f"#{number}",
        status=state.lower() if state else None,  # "closed", "open"
        created_at=created,
        completed_at=closed,
    )

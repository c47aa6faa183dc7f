"""Tasks from a Jira CSV export and `gh issue list --state closed --json ...` output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.imports.records import TaskRecord
from devintel_cli.imports.tasks import parse_tasks

DATA = Path(__file__).parent / "data" / "imports"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        parse_tasks(path)
    assert "\n" not in caught.value.message
    return caught.value


def test_jira_export():
    # jira.csv: Jira's own header (Sprint and Labels twice, which we do not read), a
    # Description spanning three lines, Jira's `dd/MMM/yy h:mm a` dates taken as UTC
    assert parse_tasks(DATA / "jira.csv") == [
        TaskRecord("PAY-101", "Done", at(2026, 1, 2, 9, 5), at(2026, 1, 6, 16, 40)),  # 4:40 PM
        TaskRecord("PAY-102", "Done", at(2026, 1, 5, 10, 15), at(2026, 1, 7, 0, 0)),  # 12:00 AM
        TaskRecord("PAY-103", "In Progress", at(2026, 1, 6, 13, 30), None),  # not resolved
    ]


def test_jira_line_numbers_count_multiline_fields(tmp_path):
    lines = (DATA / "jira.csv").read_text().splitlines(keepends=True)
    # PAY-101 spans lines 2-4, so PAY-102 is line 5: break its Created date
    assert lines[4].startswith("Fix rounding in invoices,PAY-102")
    lines[4] = lines[4].replace("05/Jan/26 10:15 AM", "05/Jan/26 10:15 XM")
    path = write(tmp_path, "jira.csv", "".join(lines))
    assert error_of(path).message.startswith(
        f"{path}:5: Created: not a timestamp: '05/Jan/26 10:15 XM'"
    )


def test_gh_closed_issues():
    assert parse_tasks(DATA / "gh_closed_issues.json") == [
        TaskRecord("#77", None, at(2026, 1, 5, 9), at(2026, 1, 9, 17)),
        TaskRecord("#80", None, at(2026, 1, 6, 12), at(2026, 1, 12, 7, 30)),  # 08:30+01:00
    ]


def test_gh_open_issue_is_not_completed(tmp_path):
    rows = [
        {
            "number": 3,
            "createdAt": "2026-01-05T00:00:00Z",
            "closedAt": "2026-01-06T00:00:00Z",
            "state": "OPEN",
        }
    ]
    path = write(tmp_path, "gh.json", json.dumps(rows))
    assert parse_tasks(path) == [TaskRecord("#3", "open", at(2026, 1, 5), None)]


def test_plain_csv_with_iso_dates(tmp_path):
    path = write(
        tmp_path,
        "t.csv",
        "key,status,created_at,completed_at\nT-1,done,2026-01-05T10:00:00Z,2026-01-07\nT-2,,,\n",
    )
    assert parse_tasks(path) == [
        TaskRecord("T-1", "done", at(2026, 1, 5, 10), at(2026, 1, 7)),
        TaskRecord("T-2", None, None, None),
    ]


def test_jira_export_without_resolved_column(tmp_path):
    path = write(
        tmp_path, "jira.csv", "Summary,Issue key,Status,Created\nx,PAY-1,Done,05/Jan/26 9:00 AM\n"
    )
    assert error_of(path).message == f"{path}:1: header: missing required column 'Resolved'"


def test_resolved_before_created(tmp_path):
    path = write(
        tmp_path,
        "jira.csv",
        "Issue key,Created,Resolved\nPAY-1,06/Jan/26 9:00 AM,05/Jan/26 9:00 AM\n",
    )
    assert error_of(path).message == (
        f"{path}:2: Resolved: 2026-01-05T09:00:00Z is before Created 2026-01-06T09:00:00Z"
    )


def test_duplicate_task_keys(tmp_path):
    path = write(tmp_path, "jira.csv", "Issue key,Resolved\nPAY-1,\nPAY-2,\nPAY-1,\n")
    assert error_of(path).message == f"{path}:4: Issue key: duplicate key 'PAY-1', first at 2"


def test_gh_issue_without_number(tmp_path):
    path = write(tmp_path, "gh.json", json.dumps([{"createdAt": "2026-01-05T00:00:00Z"}]))
    assert error_of(path).message == f"{path}:record 1: number: missing (required)"

"""Incidents from CSV, JSON and `gh issue list --json ...` output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError, UsageError
from devintel_cli.imports.incidents import parse_incidents
from devintel_cli.imports.records import IncidentRecord

DATA = Path(__file__).parent / "data" / "imports"
HEADER = "id,title,opened_at,resolved_at,severity,repository,line\n"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path, **kwargs) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        parse_incidents(path, **kwargs)
    assert "\n" not in caught.value.message
    return caught.value


def test_csv_sample():
    # incidents.csv: UTF-8 BOM, CRLF line ends, mixed-case headers, `Service_Line` as the
    # alias of `line`, and a title spanning two lines inside quotes
    raw = (DATA / "incidents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 6, "sample must be byte-exact"
    assert parse_incidents(DATA / "incidents.csv") == [
        IncidentRecord(
            "INC-101",
            "Checkout returns 502",
            at(2026, 1, 5, 10, 15),
            at(2026, 1, 5, 12, 45),
            "SEV2",
            "acme/shop",
            "LIN-26-000001",
        ),
        IncidentRecord(
            "INC-102",
            "Payments delayed, retries piling up\r\n(second line of the title)",
            at(2026, 1, 6, 7, 0),  # 09:00+02:00 is 07:00 UTC
            at(2026, 1, 6, 8, 30),  # 10:30+02:00 is 08:30 UTC
            "sev1",
            "acme/payments",
            None,
        ),
        IncidentRecord(
            "INC-103",
            "Search index stale",
            at(2026, 1, 7, 8, 0),  # naive: taken as UTC
            None,
            "low",
            None,
            "Platform",
        ),
        IncidentRecord(
            "INC-104",
            "Nightly export failed",
            at(2026, 1, 8),
            at(2026, 1, 9),  # dates: midnight
            None,
            "acme/shop",
            None,
        ),
    ]


def test_json_sample_with_wrapper_and_aliases():
    assert parse_incidents(DATA / "incidents.json") == [
        IncidentRecord(
            "7",
            "Login page down",
            at(2026, 2, 2, 3, 10),  # 2026-02-01 22:10-05:00 is 03:10 UTC the next day
            at(2026, 2, 2, 6, 40),  # 01:40-05:00 is 06:40 UTC
            "critical",
            "acme/web",
            None,
        ),
        IncidentRecord("OPS-8", "Queue backlog", at(2026, 2, 3, 9), None, None, None, "Payments"),
    ]


def test_json_plain_list(tmp_path):
    path = write(
        tmp_path, "i.json", json.dumps([{"id": "A", "title": "t", "opened_at": "2026-01-05"}])
    )
    assert [i.key for i in parse_incidents(path)] == ["A"]


def test_gh_issue_list_output():
    records = parse_incidents(DATA / "gh_issues.json")
    assert [(r.key, r.repository, r.severity, r.resolved_at) for r in records] == [
        ("acme/shop#412", "acme/shop", "high", at(2026, 1, 12, 16, 30)),  # label "severity: high"
        ("acme/shop#415", "acme/shop", "sev1", None),  # label "SEV-1"; still open
        ("acme/shop#409", "acme/shop", None, None),  # reopened: OPEN wins over its old closedAt
        ("acme/shop#413", "acme/shop", None, at(2026, 1, 15, 10)),
    ]
    assert records[0].opened_at == at(2026, 1, 12, 14)
    assert records[0].title == "API latency above SLO after deploy"
    assert {r.service_line for r in records} == {None}


def test_gh_label_filter_ignores_case():
    # #412 and #409 carry "incident", #415 "Incident"; #413 only "bug"
    records = parse_incidents(DATA / "gh_issues.json", label="incident")
    assert [r.key for r in records] == ["acme/shop#412", "acme/shop#415", "acme/shop#409"]


def test_gh_label_that_no_issue_carries(tmp_path):
    path = DATA / "gh_issues.json"
    error = error_of(path, label="outage")
    assert error.message == f"{path}: no records: none of the 4 issues has the label 'outage'"


def test_gh_without_url_keys_by_number(tmp_path):
    path = write(
        tmp_path,
        "gh.json",
        json.dumps(
            [{"number": 5, "title": "t", "createdAt": "2026-01-05T00:00:00Z", "closedAt": None}]
        ),
    )
    (record,) = parse_incidents(path)
    assert (record.key, record.repository) == ("#5", None)


def test_label_on_a_csv_is_a_usage_error():
    with pytest.raises(UsageError, match="--label filters"):
        parse_incidents(DATA / "incidents.csv", label="incident")


# --------------------------------------------------------------------------- validation


def test_header_missing_required_columns(tmp_path):
    path = write(tmp_path, "i.csv", "id,severity\nINC-1,high\n")
    assert (
        error_of(path).message == f"{path}:1: header: missing required columns 'title', 'opened_at'"
    )


def test_resolved_before_opened(tmp_path):
    path = write(
        tmp_path, "i.csv", HEADER + "INC-1,t,2026-01-05T10:00:00Z,2026-01-05T09:00:00Z,,,\n"
    )
    assert error_of(path).message == (
        f"{path}:2: resolved_at: 2026-01-05T09:00:00Z is before opened_at 2026-01-05T10:00:00Z"
    )


def test_resolved_equal_to_opened_is_fine(tmp_path):
    path = write(
        tmp_path, "i.csv", HEADER + "INC-1,t,2026-01-05T10:00:00Z,2026-01-05T12:00:00+02:00,,,\n"
    )
    (record,) = parse_incidents(path)
    assert record.resolved_at == record.opened_at  # 12:00+02:00 is 10:00 UTC


def test_duplicate_keys_name_both_lines(tmp_path):
    text = HEADER + (
        "INC-1,first,2026-01-05,,,,\n"
        'INC-2,"two\nlines",2026-01-05,,,,\n'
        "INC-1,again,2026-01-06,,,,\n"
    )
    path = write(tmp_path, "i.csv", text)
    # INC-2 spans lines 3-4, so the second INC-1 is on line 5
    assert error_of(path).message == f"{path}:5: id: duplicate key 'INC-1', first at 2"


def test_duplicate_keys_in_json_name_both_records(tmp_path):
    rows = [{"id": "X", "title": "t", "opened_at": "2026-01-05"}] * 2
    path = write(tmp_path, "i.json", json.dumps(rows))
    assert error_of(path).message == f"{path}:record 2: id: duplicate key 'X', first at record 1"


def test_missing_required_value(tmp_path):
    path = write(tmp_path, "i.csv", HEADER + "INC-1,,2026-01-05,,,,\n")
    assert error_of(path).message == f"{path}:2: title: missing (required)"


def test_json_record_missing_a_field_and_wrong_types(tmp_path):
    rows = [
        {"id": "A", "title": "t"},
        {"id": "B", "title": ["not", "text"], "opened_at": "2026-01-05"},
        {"id": True, "title": "t", "opened_at": "2026-01-05"},
    ]
    path = write(tmp_path, "i.json", json.dumps(rows))
    error = error_of(path)
    assert error.message == f"{path}:record 1: opened_at: missing (required)"
    assert error.hint == "2 more problems in this file: record 2 (title), record 3 (id)"


def test_json_record_naming_a_field_twice(tmp_path):
    rows = [{"id": "A", "key": "B", "title": "t", "opened_at": "2026-01-05"}]
    path = write(tmp_path, "i.json", json.dumps(rows))
    assert error_of(path).message == f"{path}:record 1: id: given twice (as 'id' and 'key')"


def test_json_of_the_wrong_shape(tmp_path):
    path = write(tmp_path, "i.json", '{"items": []}')
    assert error_of(path).message == (
        f'{path}: expected a JSON list of incidents, {{"incidents": [...]}}, or gh issue list'
        " --json output, got an object with 'items'"
    )
    empty = write(tmp_path, "e.json", '{"incidents": []}')
    assert error_of(empty).message == f"{empty}: no records (the list is empty)"


def test_gh_bad_labels_and_times(tmp_path):
    rows = [
        {"number": 1, "title": "t", "createdAt": "2026-01-05T00:00:00Z", "labels": ["x", 3]},
        {
            "number": 2,
            "title": "t",
            "createdAt": "2026-01-05T00:00:00Z",
            "closedAt": "2026-01-04T00:00:00Z",
            "state": "CLOSED",
        },
        {"number": 0, "title": "t", "createdAt": "2026-01-05T00:00:00Z"},
    ]
    path = write(tmp_path, "gh.json", json.dumps(rows))
    error = error_of(path)
    assert error.message == (
        f"{path}:record 1: labels: label 2: expected an object with a name, got a number"
    )
    assert error.hint == "2 more problems in this file: record 2 (closedAt), record 3 (number)"


@pytest.mark.parametrize(
    ("labels", "severity"),
    [
        (["incident", "severity:critical"], "critical"),
        (["Severity/High"], "High"),
        (["severity low"], "low"),
        (["SEV-2", "severity:high"], "sev2"),  # the first severity-like label wins
        (["sev 3"], "sev3"),
        (["several", "sevastopol", "incident"], None),
    ],
)
def test_gh_severity_from_labels(tmp_path, labels, severity):
    issue = {
        "number": 1,
        "title": "t",
        "createdAt": "2026-01-05T00:00:00Z",
        "labels": [{"name": name} for name in labels],
    }
    path = write(tmp_path, "gh.json", json.dumps([issue]))
    assert parse_incidents(path)[0].severity == severity

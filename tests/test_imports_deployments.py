"""Deployments from CSV or JSON files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.imports.deployments import STATUS_ALIASES, parse_deployments
from devintel_cli.imports.records import DeploymentRecord

DATA = Path(__file__).parent / "data" / "imports"
HEADER = "repository,sha,deployed_at,status,environment,key\n"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        parse_deployments(path)
    assert "\n" not in caught.value.message
    return caught.value


def test_csv_sample():
    long_sha = "3f2a9c1d4e5b6a7980112233445566778899aabb"  # upper case in the file
    assert parse_deployments(DATA / "deployments.csv") == [
        DeploymentRecord(
            "acme/shop", "3f2a9c1", at(2026, 1, 5, 14), "success", "production", "gha-9001"
        ),
        DeploymentRecord(
            "acme/shop",
            long_sha,
            at(2026, 1, 6, 8, 30),  # 09:30+01:00 is 08:30 UTC
            "failed",
            "production",
            "gha-9002",  # "Failure"
        ),
        DeploymentRecord(
            "acme/shop",
            "9b8c7d6",
            at(2026, 1, 6, 10),
            "rolled_back",  # "rolled back"
            "production",
            "gha-9003",  # empty environment: production
        ),
        DeploymentRecord("acme/payments", "0123abcd", at(2026, 1, 7), "success", "staging", None),
    ]


def test_json_sample_with_aliases():
    assert parse_deployments(DATA / "deployments.json") == [
        DeploymentRecord(
            "acme/shop", "a1b2c3d4e5f6", at(2026, 1, 5, 14), "success", "production", "5501"
        ),
        DeploymentRecord(
            "acme/shop", "b2c3d4e5f6a1", at(2026, 1, 6, 14), "rolled_back", "production", "5502"
        ),
        DeploymentRecord(
            "acme/shop", "c3d4e5f6a1b2", at(2026, 1, 7, 14), "failed", "production", None
        ),
    ]


@pytest.mark.parametrize(
    ("spelling", "status"),
    [
        ("success", "success"),
        ("Succeeded", "success"),
        ("OK", "success"),
        ("", "success"),
        ("failed", "failed"),
        ("FAILURE", "failed"),
        ("error", "failed"),
        ("rolled_back", "rolled_back"),
        ("Rollback", "rolled_back"),
        ("rolledback", "rolled_back"),
        ("rolled-back", "rolled_back"),
    ],
)
def test_status_aliases(tmp_path, spelling, status):
    path = write(tmp_path, "d.csv", HEADER + f"r,abcdef1,2026-01-05,{spelling},,\n")
    assert parse_deployments(path)[0].status == status


def test_every_alias_maps_to_a_record_status():
    assert set(STATUS_ALIASES.values()) == {"success", "failed", "rolled_back"}


def test_unknown_status_names_the_line(tmp_path):
    path = write(
        tmp_path, "d.csv", HEADER + "r,abcdef1,2026-01-05,ok,,\nr,abcdef2,2026-01-05,pending,,\n"
    )
    assert error_of(path).message == (
        f"{path}:3: status: unknown status 'pending': use success, failed or rolled_back"
    )


@pytest.mark.parametrize("sha", ["abc123", "a" * 41, "zzzzzzz", "abcdef1-"])
def test_bad_shas(tmp_path, sha):
    path = write(tmp_path, "d.csv", HEADER + f"r,{sha},2026-01-05,,,\n")
    assert error_of(path).message == (
        f"{path}:2: sha: expected 7 to 40 hexadecimal digits, got {sha!r}"
    )


def test_duplicate_keys_and_duplicate_rows(tmp_path):
    text = HEADER + (
        "r,abcdef1,2026-01-05,,,k1\n"
        "r,abcdef2,2026-01-06,,,k1\n"  # same key as line 2
        "r,abcdef3,2026-01-07,,,\n"
        "r,abcdef3,2026-01-07T00:00:00Z,,production,\n"  # line 4 again: same time, env, sha
    )
    path = write(tmp_path, "d.csv", text)
    error = error_of(path)
    assert error.message == f"{path}:3: key: duplicate key 'k1', first at 2"
    assert error.hint == "1 more problem in this file: 5 (sha)"


def test_missing_columns_and_values(tmp_path):
    path = write(tmp_path, "d.csv", "repository,status\nr,ok\n")
    assert (
        error_of(path).message == f"{path}:1: header: missing required columns 'sha', 'deployed_at'"
    )
    path = write(tmp_path, "d2.csv", HEADER + "r,,2026-01-05,,,\n")
    assert error_of(path).message == f"{path}:2: sha: missing (required)"


def test_json_wrong_value_types(tmp_path):
    rows = [
        {"sha": 1234567, "deployed_at": "2026-01-05"},
        {"sha": "abcdef1", "deployed_at": 1767600000},
    ]
    path = write(tmp_path, "d.json", json.dumps(rows))
    error = error_of(path)
    assert error.message == f"{path}:record 1: sha: expected a string, got 1234567"
    assert error.hint == "1 more problem in this file: record 2 (deployed_at)"

"""Deployments (§4: a deployment source beside tags, deploy branches and ``deployments
record``) from a CSV or JSON file: one deployment per row/object with ``sha``,
``deployed_at`` and optionally ``status``, ``environment``, ``repository``, ``key``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from devintel_cli.imports.common import (
    Column,
    Entry,
    FieldProblem,
    PathLike,
    build_all,
    canonical_object,
    check_field_count,
    json_entries,
    load_json,
    looks_like_json,
    normalize_name,
    read_csv,
    read_text,
    show,
    text_value,
    timestamp_value,
)
from devintel_cli.imports.records import DeploymentRecord, DeploymentStatus

COLUMNS = (
    Column("repository", ("repo",)),
    Column("sha", ("commit", "commit_sha"), required=True),
    Column("deployed_at", required=True),
    Column("status"),
    Column("environment", ("env",)),
    Column("key", ("id",)),
)

DEFAULT_ENVIRONMENT = "production"

#: status spellings (compared case-insensitively, ``-`` and spaces as ``_``); an empty
#: status is a success, any other spelling an error
STATUS_ALIASES: dict[str, DeploymentStatus] = {
    "success": "success",
    "succeeded": "success",
    "ok": "success",
    "failed": "failed",
    "failure": "failed",
    "error": "failed",
    "rolled_back": "rolled_back",
    "rollback": "rolled_back",
    "rolledback": "rolled_back",
}

_SHA = re.compile(r"[0-9a-fA-F]{7,40}")


def parse_deployments(path: PathLike) -> list[DeploymentRecord]:
    """Every deployment of the file, or one InputFileError.

    A ``key`` may appear once per file; without keys, the same repository, sha,
    environment and time twice is a duplicate too.
    """
    text = read_text(path)
    if looks_like_json(text):
        document = load_json(path, text)
        entries = json_entries(
            path, document, "deployments", 'a JSON list of deployments or {"deployments": [...]}'
        )
        make = _from_json
    else:
        entries, make = read_csv(path, text, COLUMNS), _from_csv
    batch = build_all(path, entries, make)
    batch.unique("key", lambda d: d.key, lambda d: f"key {show(d.key)}")
    batch.unique(
        "sha",
        lambda d: (d.repository, d.sha, d.environment, d.deployed_at) if d.key is None else None,
        lambda d: f"deployment of {d.sha} to {d.environment} at the same time",
    )
    return batch.result()


def _from_csv(entry: Entry) -> DeploymentRecord:
    check_field_count(entry)
    return _deployment(entry.values)


def _from_json(entry: Entry) -> DeploymentRecord:
    return _deployment(canonical_object(entry.values, COLUMNS))


def _deployment(values: Any) -> DeploymentRecord:
    sha = cast(str, text_value(values, "sha", required=True))
    if not _SHA.fullmatch(sha):
        raise FieldProblem("sha", f"expected 7 to 40 hexadecimal digits, got {show(sha)}")
    return DeploymentRecord(
        repository=text_value(values, "repository"),
        sha=sha.lower(),
        deployed_at=cast(datetime, timestamp_value(values, "deployed_at", required=True)),
        status=_status(text_value(values, "status")),
        environment=text_value(values, "environment") or DEFAULT_ENVIRONMENT,
        key=text_value(values, "key", numbers=True),
    )


def _status(text: str | None) -> DeploymentStatus:
    if text is None:
        return "success"
    status = STATUS_ALIASES.get(normalize_name(text))
    if status is None:
        raise FieldProblem(
            "status", f"unknown status {show(text)}: use success, failed or rolled_back"
        )
    return status

"""Incidents (§4 open_incident_rate, failed deployments, recovery time) from a CSV file, a
JSON file, or ``gh issue list --json number,title,createdAt,closedAt,labels,state,url``.

A CSV or JSON file names its own keys; GitHub issues are keyed ``owner/name#N`` (from the
issue URL: issue numbers repeat across repositories) or ``#N`` without a URL, and carry
their repository. ``label`` keeps only issues with that label (``--label incident``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from devintel_cli.errors import UsageError
from devintel_cli.imports.common import (
    Column,
    Entry,
    FieldProblem,
    PathLike,
    build_all,
    canonical_object,
    check_field_count,
    gh_issue_times,
    gh_number,
    input_error,
    is_gh_object,
    json_entries,
    kind_of,
    list_value,
    load_json,
    looks_like_json,
    not_before,
    read_csv,
    read_text,
    show,
    text_value,
    timestamp_value,
)
from devintel_cli.imports.records import IncidentRecord

COLUMNS = (
    Column("id", ("key",), required=True),
    Column("title", required=True),
    Column("opened_at", required=True),
    Column("resolved_at"),
    Column("severity"),
    Column("repository", ("repo",)),
    Column("line", ("service_line",)),
)

#: ``https://github.com/owner/name/issues/12`` (any host: GitHub Enterprise too)
_ISSUE_URL = re.compile(
    r"https?://[^/\s]+/(?P<owner>[^/\s]+)/(?P<name>[^/\s]+)/(?:issues|pull)/\d+/?"
)
#: severity labels: ``severity:high``, ``severity/critical``, ``severity low`` → the part
#: after the prefix;
#: ``sev1``, ``SEV-2``, ``sev 3`` → ``sev1``…
_SEVERITY_LABEL = re.compile(r"severity(?:\s*[:/=_-]\s*|\s+)(?P<value>\S.*)", re.IGNORECASE)
_SEV_LABEL = re.compile(r"sev\s*[-_ ]?\s*(?P<level>\d)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Issue:
    record: IncidentRecord
    labels: tuple[str, ...]  # casefolded label names (gh only)


def parse_incidents(path: PathLike, *, label: str | None = None) -> list[IncidentRecord]:
    """Every incident of the file, or one InputFileError; see the module docstring.

    ``label`` applies to ``gh issue list`` output only (a UsageError otherwise); the label
    match ignores case, as GitHub does.
    """
    text = read_text(path)
    if looks_like_json(text):
        document = load_json(path, text)
        entries = json_entries(
            path,
            document,
            "incidents",
            'a JSON list of incidents, {"incidents": [...]}, or gh issue list --json output',
        )
        from_gh = is_gh_object(entries[0].values)
        make = _from_gh if from_gh else _from_json
    else:
        entries, from_gh, make = read_csv(path, text, COLUMNS), False, _from_csv
    if label is not None and not from_gh:
        raise UsageError(
            "--label filters `gh issue list --json ...` output only", hint=f"{path} is not one"
        )
    batch = build_all(path, entries, make)
    batch.unique(
        "id" if not from_gh else "number",
        lambda issue: issue.record.key,
        lambda i: f"key {show(i.record.key)}",
    )
    issues = batch.result()
    if label is None:
        return [issue.record for issue in issues]
    wanted = label.strip().casefold()
    kept = [issue.record for issue in issues if wanted in issue.labels]
    if not kept:
        raise input_error(
            path,
            None,
            None,
            f"no records: none of the {len(issues)} issues has the label {show(label)}",
        )
    return kept


def _from_csv(entry: Entry) -> _Issue:
    check_field_count(entry)
    return _incident(entry.values)


def _from_json(entry: Entry) -> _Issue:
    return _incident(canonical_object(entry.values, COLUMNS))


def _incident(values: Any) -> _Issue:
    opened = timestamp_value(values, "opened_at", required=True)
    resolved = timestamp_value(values, "resolved_at")
    not_before(resolved, opened, "resolved_at", "opened_at")
    record = IncidentRecord(
        key=cast(str, text_value(values, "id", required=True, numbers=True)),
        title=cast(str, text_value(values, "title", required=True)),
        opened_at=cast(datetime, opened),
        resolved_at=resolved,
        severity=text_value(values, "severity", numbers=True),
        repository=text_value(values, "repository"),
        service_line=text_value(values, "line"),
    )
    return _Issue(record, ())


def _from_gh(entry: Entry) -> _Issue:
    values = entry.values
    number = gh_number(values)
    opened, closed = gh_issue_times(values)
    url = text_value(values, "url")
    found = _ISSUE_URL.fullmatch(url) if url else None
    repository = f"{found['owner']}/{found['name']}" if found else None
    labels = _label_names(list_value(values, "labels"))
    record = IncidentRecord(
        key=f"{repository}#{number}" if repository else f"#{number}",
        title=cast(str, text_value(values, "title", required=True)),
        opened_at=opened,
        resolved_at=closed,
        severity=_severity(labels),
        repository=repository,
        service_line=None,
    )
    return _Issue(record, tuple(name.casefold() for name in labels))


def _label_names(labels: Sequence[Any]) -> list[str]:
    """``[{"name": "bug", ...}]`` as gh prints them; plain strings are accepted too."""
    names = []
    for position, label in enumerate(labels, 1):
        name = label.get("name") if isinstance(label, dict) else label
        if not isinstance(name, str):
            got = kind_of(label) if not isinstance(label, dict) else f"name {show(name)}"
            raise FieldProblem(
                "labels", f"label {position}: expected an object with a name, got {got}"
            )
        names.append(name.strip())
    return names


def _severity(labels: Sequence[str]) -> str | None:
    """The first severity-like label: ``severity:high`` → ``high``; ``SEV-1`` → ``sev1``."""
    for name in labels:
        found = _SEVERITY_LABEL.fullmatch(name)
        if found:
            return found["value"].strip()
        level = _SEV_LABEL.fullmatch(name)
        if level:
            return f"sev{level['level']}"
    return None

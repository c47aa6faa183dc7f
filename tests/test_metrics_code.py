"""Code churn (§4): 100 × Σ min(added, deleted) ÷ Σ added, bucketed by author time."""

from __future__ import annotations

from datetime import date, datetime

from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.code import code_churn
from devintel_cli.metrics.rows import FileChurnRow, commit_churn
from devintel_cli.metrics.values import NO_CHANGES


def row(additions: int, deletions: int, authored: str) -> FileChurnRow:
    # one commit per row (sha = its time), so aggregation per commit changes nothing
    return FileChurnRow(1, authored, additions, deletions, datetime.fromisoformat(authored))


def test_code_churn_is_lines_modified_over_lines_added():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 1, 25), "weekly")
    rows = [
        row(10, 4, "2026-01-05T10:00:00Z"),  # min 4
        row(5, 20, "2026-01-06T10:00:00Z"),  # min 5
        row(0, 7, "2026-01-07T10:00:00Z"),  # min 0, adds nothing
        # Sunday 23:30 in New York is Monday 04:30 UTC: week 3, not week 2
        row(10, 10, "2026-01-11T23:30:00-05:00"),
        row(0, 3, "2026-01-20T10:00:00Z"),  # week 4: deletions only
    ]
    week_2, week_3, week_4 = code_churn(weeks, commit_churn(rows))
    # week 2: (4 + 5 + 0) ÷ (10 + 5 + 0) × 100 = 60 %
    assert (week_2.value, week_2.numerator, week_2.denominator, week_2.samples) == (60.0, 9, 15, 3)
    assert week_3.value == 100.0  # 10 ÷ 10
    # nothing added: the ratio has no denominator, so it is absent, not 0
    assert week_4.value is None
    assert week_4.reason == NO_CHANGES


def test_commit_churn_sums_min_per_file_not_min_of_sums():
    # one commit, two files: (10 added, 2 deleted) and (1 added, 9 deleted)
    # per file: min 2 + min 1 = 3 modified of 11 added; min of the sums would be 11
    files = [
        FileChurnRow(1, "c1", 10, 2, datetime.fromisoformat("2026-01-05T10:00:00Z")),
        FileChurnRow(1, "c1", 1, 9, datetime.fromisoformat("2026-01-05T10:00:00Z")),
    ]
    (commit,) = commit_churn(files)
    assert (commit.modified, commit.added, commit.files) == (3, 11, 2)
    (week,) = code_churn(make_buckets(date(2026, 1, 5), date(2026, 1, 11), "weekly"), [commit])
    assert (round(week.value, 2), week.samples) == (27.27, 2)  # 3 ÷ 11 (unrounded here)

"""Pull requests from `gh pr list --json ...` and GitHub REST `pulls` output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.imports.prs import parse_pull_requests
from devintel_cli.imports.records import PullRequestRecord

DATA = Path(__file__).parent / "data" / "imports"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def write(tmp_path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(
        document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
    )
    return path


def error_of(path) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        parse_pull_requests(path)
    assert "\n" not in caught.value.message
    return caught.value


def gh_pr(number: int = 1, **fields: object) -> dict[str, object]:
    pr: dict[str, object] = {
        "number": number,
        "title": "t",
        "createdAt": "2026-01-05T09:00:00Z",
        "mergedAt": None,
        "closedAt": None,
        "author": {"login": "alice", "is_bot": False},
        "additions": 1,
        "deletions": 1,
        "reviews": [],
    }
    pr.update(fields)
    return pr


def test_gh_sample():
    assert parse_pull_requests(DATA / "gh_prs.json") == [
        PullRequestRecord(
            101,
            "Add retry to payment client",
            at(2026, 1, 5, 9),
            at(2026, 1, 6, 15),
            at(2026, 1, 6, 15),
            "alice",
            120,
            30,
            # reviews: alice herself 09:30 (the author: skipped), bob 13:00, carol 11:00,
            # dave pending (no submittedAt: skipped) -> the earliest other review is 11:00
            at(2026, 1, 5, 11),
            False,
        ),
        PullRequestRecord(
            102,
            "Bump requests from 2.32.2 to 2.32.3",
            at(2026, 1, 7, 6),
            at(2026, 1, 7, 8, 10),
            at(2026, 1, 7, 8, 10),
            "app/dependabot",
            4,
            4,
            None,
            True,  # is_bot: true
        ),
        PullRequestRecord(
            103,
            "WIP: new onboarding flow",
            at(2026, 1, 8, 9),  # 10:00+01:00 is 09:00 UTC
            None,
            None,
            "bob",
            15,
            0,
            None,
            False,  # "reviews": null is no review
        ),
        PullRequestRecord(
            104,
            "Fix typo (account since deleted)",
            at(2026, 1, 9, 10),
            None,
            at(2026, 1, 9, 12),
            None,
            2,
            1,  # author null: a deleted account
            at(2026, 1, 9, 11),  # a review by a deleted account still counts
            False,
        ),
    ]


def test_rest_pages_from_gh_api_paginate():
    # rest_pulls.json is two arrays one after the other, as `gh api --paginate` prints them
    records = parse_pull_requests(DATA / "rest_pulls.json")
    assert [(r.number, r.author, r.is_bot_author, r.merged_at) for r in records] == [
        (201, "alice", False, at(2026, 1, 11, 10)),
        (202, "renovate[bot]", True, None),  # user.type == "Bot"
        (199, "carol", False, None),  # closed without merge
    ]
    assert {(r.additions, r.deletions, r.first_review_at) for r in records} == {(None, None, None)}


@pytest.mark.parametrize(
    ("author", "is_bot"),
    [
        ({"login": "app/github-actions", "is_bot": None}, True),  # gh's name for an App
        ({"login": "mergify[bot]"}, True),
        ({"login": "botanist", "is_bot": False}, False),
    ],
)
def test_bot_authors(tmp_path, author, is_bot):
    path = write(tmp_path, "p.json", [gh_pr(author=author)])
    assert parse_pull_requests(path)[0].is_bot_author is is_bot


def test_review_login_comparison_ignores_case(tmp_path):
    reviews = [
        {"author": {"login": "ALICE"}, "submittedAt": "2026-01-05T09:10:00Z"},
        {"author": {"login": "bob"}, "submittedAt": "2026-01-05T09:20:00Z"},
    ]
    path = write(tmp_path, "p.json", [gh_pr(reviews=reviews)])
    assert parse_pull_requests(path)[0].first_review_at == at(2026, 1, 5, 9, 20)


def test_go_zero_time_means_none(tmp_path):
    path = write(tmp_path, "p.json", [gh_pr(mergedAt="0001-01-01T00:00:00Z")])
    assert parse_pull_requests(path)[0].merged_at is None


def test_merged_before_opened(tmp_path):
    path = write(tmp_path, "p.json", [gh_pr(mergedAt="2026-01-04T09:00:00Z")])
    assert error_of(path).message == (
        f"{path}:record 1: mergedAt: 2026-01-04T09:00:00Z is before createdAt 2026-01-05T09:00:00Z"
    )


def test_duplicate_numbers_name_both_records(tmp_path):
    path = write(tmp_path, "p.json", [gh_pr(7), gh_pr(8), gh_pr(7)])
    assert (
        error_of(path).message
        == f"{path}:record 3: number: duplicate pull request #7, first at record 1"
    )


def test_bad_review_is_named(tmp_path):
    reviews = [
        {"author": {"login": "bob"}, "submittedAt": "2026-01-05T10:00:00Z"},
        {"author": {"login": "carol"}, "submittedAt": "soon"},
    ]
    path = write(tmp_path, "p.json", [gh_pr(reviews=reviews)])
    assert error_of(path).message.startswith(
        f"{path}:record 1: reviews[2].submittedAt: not a timestamp: 'soon'"
    )


def test_bad_counts_and_author(tmp_path):
    path = write(tmp_path, "p.json", [gh_pr(additions=-5), gh_pr(2, author="alice")])
    error = error_of(path)
    assert error.message == f"{path}:record 1: additions: negative: -5"
    assert error.hint == "1 more problem in this file: record 2 (author)"


def test_neither_format(tmp_path):
    path = write(tmp_path, "p.json", [{"id": 1, "title": "t"}])
    assert error_of(path).message.startswith(
        f"{path}:record 1: createdAt: missing: neither gh (createdAt) nor REST (created_at) output"
    )


def test_csv_is_not_accepted(tmp_path):
    path = write(tmp_path, "p.csv", "number,title\n1,t\n")
    assert error_of(path).message.startswith(f"{path}: not JSON: expected gh pr list")


def test_rest_record_with_missing_created_at(tmp_path):
    rows = [
        {"number": 1, "title": "t", "created_at": "2026-01-05T00:00:00Z", "user": None},
        {"number": 2, "title": "t", "user": {"login": "x", "type": "User"}},
    ]
    path = write(tmp_path, "p.json", rows)
    assert error_of(path).message == f"{path}:record 2: created_at: missing (required)"

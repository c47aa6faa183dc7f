"""Pull requests (§4 pr_review_time) from ``gh pr list --state all --json
number,title,createdAt,mergedAt,closedAt,author,additions,deletions,reviews`` or from
GitHub's REST ``pulls`` list (``gh api --paginate repos/OWNER/NAME/pulls?state=all``,
whose concatenated pages are accepted as one list).

The format is told by the first record: ``createdAt`` → gh, ``created_at`` → REST.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from devintel_cli.imports.common import (
    Entry,
    FieldProblem,
    PathLike,
    bool_value,
    build_all,
    count_value,
    gh_number,
    gh_timestamp,
    input_error,
    json_entries,
    kind_of,
    list_value,
    load_json,
    not_before,
    object_value,
    read_text,
    text_value,
    timestamp_value,
)
from devintel_cli.imports.records import PullRequestRecord

_EXPECTED = "gh pr list --json ... or GitHub REST pulls output (a list of pull requests)"


def parse_pull_requests(path: PathLike) -> list[PullRequestRecord]:
    """Every pull request of the file, or one InputFileError. Numbers are unique per file."""
    text = read_text(path)
    if text.lstrip()[:1] not in {"[", "{"}:
        raise input_error(path, None, None, f"not JSON: expected {_EXPECTED}")
    entries = json_entries(path, load_json(path, text, pages=True), None, _EXPECTED)
    first = entries[0].values
    if "createdAt" in first:
        make = _from_gh
    elif "created_at" in first:
        make = _from_rest
    else:
        raise input_error(
            path,
            entries[0].where,
            "createdAt",
            f"missing: neither gh (createdAt) nor REST (created_at) output; expected {_EXPECTED}",
        )
    batch = build_all(path, entries, make)
    batch.unique("number", lambda pr: pr.number, lambda pr: f"pull request #{pr.number}")
    return batch.result()


def _times(
    opened: datetime | None,
    merged: datetime | None,
    closed: datetime | None,
    names: tuple[str, str, str],
) -> None:
    not_before(merged, opened, names[1], names[0])
    not_before(closed, opened, names[2], names[0])


def _from_gh(entry: Entry) -> PullRequestRecord:
    values = entry.values
    opened = gh_timestamp(values, "createdAt", required=True)
    merged = gh_timestamp(values, "mergedAt")
    closed = gh_timestamp(values, "closedAt")
    _times(opened, merged, closed, ("createdAt", "mergedAt", "closedAt"))
    author = object_value(values, "author")
    login = text_value(author, "login", label="author.login") if author else None
    is_bot = bool_value(author, "is_bot") if author else None
    return PullRequestRecord(
        number=gh_number(values),
        title=cast(str, text_value(values, "title", required=True)),
        opened_at=cast(datetime, opened),
        merged_at=merged,
        closed_at=closed,
        author=login,
        additions=count_value(values, "additions"),
        deletions=count_value(values, "deletions"),
        first_review_at=_first_review(list_value(values, "reviews"), login),
        is_bot_author=bool(is_bot) or _bot_login(login),
    )


def _first_review(reviews: list[Any], author: str | None) -> datetime | None:
    """The earliest submitted review by someone else than the author. Pending reviews have
    no ``submittedAt`` and do not count; a review by a deleted account (no author) does."""
    earliest: datetime | None = None
    for position, review in enumerate(reviews, 1):
        if not isinstance(review, dict):
            raise FieldProblem(
                "reviews", f"review {position}: expected an object, got {kind_of(review)}"
            )
        label = f"reviews[{position}]"
        try:
            reviewer = object_value(review, "author")
            login = text_value(reviewer, "login") if reviewer else None
            submitted = gh_timestamp(review, "submittedAt")
        except FieldProblem as problem:
            raise FieldProblem(f"{label}.{problem.field}", problem.message) from None
        if submitted is None:
            continue
        if author is not None and login is not None and login.casefold() == author.casefold():
            continue  # the author answering in a review is not a review
        if earliest is None or submitted < earliest:
            earliest = submitted
    return earliest


def _bot_login(login: str | None) -> bool:
    """gh names GitHub App authors ``app/<name>``; their REST logins end in ``[bot]``."""
    return login is not None and (login.startswith("app/") or login.casefold().endswith("[bot]"))


def _from_rest(entry: Entry) -> PullRequestRecord:
    values = entry.values
    opened = timestamp_value(values, "created_at", required=True)
    merged = timestamp_value(values, "merged_at")
    closed = timestamp_value(values, "closed_at")
    _times(opened, merged, closed, ("created_at", "merged_at", "closed_at"))
    user: Mapping[str, Any] | None = object_value(values, "user")
    login = text_value(user, "login", label="user.login") if user else None
    kind = text_value(user, "type", label="user.type") if user else None
    return PullRequestRecord(
        number=gh_number(values),
        title=cast(str, text_value(values, "title", required=True)),
        opened_at=cast(datetime, opened),
        merged_at=merged,
        closed_at=closed,
        author=login,
        additions=count_value(values, "additions"),  # only the single-PR endpoint has them
        deletions=count_value(values, "deletions"),
        first_review_at=None,  # the pulls list carries no reviews
        is_bot_author=kind == "Bot" or _bot_login(login),
    )

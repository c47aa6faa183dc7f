"""Pull requests estimated from Git when none were imported (§4 pr_review_time).

merged ≈ committer time of the merge commit ("Merge pull request #N") or of the squash
commit ("… (#N)") on a branch; opened ≈ the earliest author time among the PR's own commits:
for a merge, the commits its second parent brings in; for a squash, the commits under the
mirror's ``refs/pull/N/head`` not reachable from the squash's first parent. A squash without
a PR head gives no estimate (its own author time says nothing about when review started).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pygit2

#: a PR bringing in more commits than this is a long-lived branch merge, not a review
MAX_PR_COMMITS = 5_000


@dataclass(frozen=True, slots=True)
class PullCandidate:
    number: int
    sha: str
    parents: tuple[str, ...]
    committer_time: int
    author_name: str


@dataclass(frozen=True, slots=True)
class PullEstimate:
    number: int
    opened_at: int
    merged_at: int
    author: str
    author_email: str


def estimate_pull_requests(
    repo: pygit2.Repository, candidates: Iterable[PullCandidate], pull_heads: Mapping[int, str]
) -> list[PullEstimate]:
    estimates: dict[int, PullEstimate] = {}
    mailmap = pygit2.Mailmap.from_repository(repo)
    for c in candidates:
        if len(c.parents) > 1:
            tip, base = c.parents[1], c.parents[0]
        elif c.number in pull_heads and c.parents:
            tip, base = pull_heads[c.number], c.parents[0]
        else:
            continue
        first = _earliest_author(repo, mailmap, tip, base)
        if first is None:
            continue
        opened_at, author, email = first
        estimate = PullEstimate(c.number, opened_at, c.committer_time, author, email)
        # the first merge of a PR number wins (later "(#N)" mentions are cherry-picks)
        if c.number not in estimates or estimates[c.number].merged_at > c.committer_time:
            estimates[c.number] = estimate
    return sorted(estimates.values(), key=lambda e: e.number)


def _earliest_author(
    repo: pygit2.Repository, mailmap: pygit2.Mailmap, tip: str, base: str
) -> tuple[int, str, str] | None:
    """Earliest author time among the commits ``tip`` brings over ``base``, with that
    commit's author (name and email after the mirror's .mailmap)."""
    if tip not in repo:
        return None
    walker = repo.walk(tip)
    if base in repo:
        walker.hide(base)
    earliest: tuple[int, str, str] | None = None
    for count, commit in enumerate(walker):
        if count >= MAX_PR_COMMITS:
            return None
        if earliest is None or commit.author.time < earliest[0]:
            # resolve(name, email), not resolve_signature(): real histories carry authors
            # with an empty email, and libgit2 refuses to build a signature from those
            name, email = mailmap.resolve(commit.author.name, commit.author.email)
            earliest = (commit.author.time, name, email)
    return earliest

"""One repository's sync: fetch the mirror, then bring the stored history in line with the
refs it now has (§3).

Incremental and crash-safe by construction:
- the stored ref snapshot is the history's "high-water mark": only commits reachable from the
  new tips and not from the stored ones are streamed (``git log --stdin`` with ``^old``);
- new commits are written in short batches (other processes can write in between), with
  idempotent inserts; the ref snapshot, tags, deployments and deletions of commits that are
  no longer reachable are written last, in one transaction;
- a run killed part-way leaves ``sync_state = 'partial'`` and the old snapshot: the rerun
  streams the same commits again (inserts are no-ops) and reconciles reachability in full,
  so it ends with exactly the database a clean run gives.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pygit2

from ..config import IngestSettings
from ..store import history
from ..store.db import write_transaction
from ..store.records import RepositoryRow
from ..timeutil import iso_z, utc_now
from . import mirror
from .refs import RefSnapshot, read_refs, ref_targets

if TYPE_CHECKING:
    from . import parse
    from .pulls import PullCandidate
    from .records import CommitRecord

# What only a sync with something to do needs (the git stream, parsing, PR estimates,
# deployment derivation and the metrics core under it) is imported inside the functions
# below: a no-op sync must stay cheap (§13: < 0.5 s for the whole command).

#: commits per write transaction: bounds memory and how long other writers wait
#: (``DEVINTEL_INGEST_BATCH`` overrides it: a tuning knob, also used by the crash tests)
BATCH_COMMITS = 2_000


def batch_size() -> int:
    value = os.environ.get("DEVINTEL_INGEST_BATCH", "")
    return int(value) if value.isdigit() and int(value) > 0 else BATCH_COMMITS


Progress = Callable[[str, int, int | None], None]


@dataclass
class SyncResult:
    repository: str
    new_commits: int = 0
    removed_commits: int = 0
    noop: bool = False
    warnings: list[str] = field(default_factory=list)


def sync_repository(
    conn: sqlite3.Connection,
    repo: RepositoryRow,
    settings: IngestSettings,
    *,
    token: str | None = None,
    progress: Progress | None = None,
    fetched: mirror.FetchOutcome | None = None,
) -> SyncResult:
    """Fetch (unless the caller just did: ``fetched``) and ingest what is new."""
    result = SyncResult(repo.name)
    mirror_path = Path(repo.mirror_path)
    if fetched is None:
        if not mirror_path.exists() and repo.sync_state != "new":
            result.warnings.append(f"mirror of {repo.name} was missing: mirroring it again")
        fetched = fetch_mirror(mirror_path, repo.url, token, progress)
    outcome = fetched
    if outcome.pull_warning:
        result.warnings.append(outcome.pull_warning)
    git_repo = mirror.open_mirror(mirror_path)
    now = iso_z(utc_now())

    if repo.sync_state == "ok" and ref_targets(git_repo) == history.stored_refs(conn, repo.id):
        result.noop = True
        with write_transaction(conn):
            history.set_sync_state(
                conn, repo.id, "ok", synced_at=now, default_branch=outcome.default_branch
            )
        return result

    from ..delivery import rederive
    from ..store.delivery import upsert_pull_request
    from . import parse
    from .pulls import estimate_pull_requests

    snapshot = read_refs(git_repo)
    new_tips = snapshot.counted_tips()
    old_tips = history.counted_tips(conn, repo.id)
    full_reconcile = repo.sync_state == "partial" or any(t not in git_repo for t in old_tips)
    exclude = sorted(t for t in old_tips if t in git_repo)

    derived_from = history.derivation_inputs(conn, repo.id)
    with write_transaction(conn):
        history.set_sync_state(conn, repo.id, "partial")
    candidates: list[PullCandidate] = []
    result.new_commits = _ingest_new_commits(
        conn, repo.id, mirror_path, sorted(new_tips), exclude, settings, progress, candidates
    )
    estimates = estimate_pull_requests(git_repo, candidates, snapshot.pull_heads())
    branch_rows = _branch_rows(git_repo, repo, result.warnings)

    if full_reconcile:
        reachable = _reachable(git_repo, new_tips)
        gone = history.commit_shas(conn, repo.id) - reachable
    elif old_tips - new_tips:
        gone = _reachable(git_repo, old_tips, hide=new_tips)
    else:
        gone = set()

    with write_transaction(conn):
        result.removed_commits = history.delete_commits(conn, repo.id, sorted(gone))
        history.replace_refs(conn, repo.id, snapshot.refs)
        history.replace_tags(
            conn,
            repo.id,
            [
                (
                    t.name,
                    t.object_sha,
                    t.commit_sha,
                    int(t.is_annotated),
                    t.tagger_time,
                    t.tagger_offset,
                )
                for t in snapshot.tags
            ],
        )
        _store_detected_deployments(conn, repo, snapshot, settings, branch_rows)
        bots = parse.BotMatcher(settings.bot_patterns)
        for e in estimates:
            upsert_pull_request(
                conn,
                repo.id,
                "git",
                number=e.number,
                author=e.author,
                is_bot_author=int(bots.is_bot(e.author, e.author_email)),
                opened_at=e.opened_at,
                merged_at=e.merged_at,
            )
        if full_reconcile or gone or history.derivation_inputs(conn, repo.id) != derived_from:
            rederive(conn, repo.id, repo.workspace_id)
        history.refresh_figures(conn, repo.id)
        history.set_sync_state(
            conn, repo.id, "ok", synced_at=now, default_branch=outcome.default_branch
        )
    return result


def fetch_mirror(
    mirror_path: Path, url: str, token: str | None, progress: Progress | None
) -> mirror.FetchOutcome:
    return mirror.fetch(
        mirror_path,
        url,
        token=token,
        progress=(lambda done, total: progress("fetch", done, total)) if progress else None,
    )


def _ingest_new_commits(
    conn: sqlite3.Connection,
    repo_id: int,
    mirror_path: Path,
    include: list[str],
    exclude: list[str],
    settings: IngestSettings,
    progress: Progress | None,
    candidates: list[PullCandidate],
) -> int:
    """Stream and store new commits; collect those naming a PR for the estimates."""
    from . import parse
    from .gitlog import stream_commits

    bots = parse.BotMatcher(settings.bot_patterns)
    batch: list[CommitRecord] = []
    count = 0
    limit = batch_size()
    for record in stream_commits(mirror_path, include, exclude):
        batch.append(record)
        if len(batch) >= limit:
            _write_batch(conn, repo_id, batch, bots, settings, candidates)
            count += len(batch)
            batch.clear()
            if progress:
                progress("ingest", count, None)
    if batch:
        _write_batch(conn, repo_id, batch, bots, settings, candidates)
        count += len(batch)
        if progress:
            progress("ingest", count, None)
    return count


def _write_batch(
    conn: sqlite3.Connection,
    repo_id: int,
    batch: Iterable[CommitRecord],
    bots: parse.BotMatcher,
    settings: IngestSettings,
    candidates: list[PullCandidate],
) -> None:
    from . import parse
    from .pulls import PullCandidate

    commits, files, tasks = [], [], []
    for c in batch:
        message = f"{c.subject}\n\n{c.body}" if c.body else c.subject
        pr_number = parse.pr_number(c.subject)
        if pr_number is not None:
            candidates.append(
                PullCandidate(pr_number, c.sha, c.parents, c.committer_time, c.author_name)
            )
        file_rows = [
            (
                repo_id,
                c.sha,
                seq,
                f.path,
                f.old_path,
                f.additions,
                f.deletions,
                int(f.is_binary),
                int(settings.is_excluded(f.path)),
            )
            for seq, f in enumerate(c.files)
        ]
        is_bot = int(bots.is_bot(c.author_name, c.author_email))
        # code churn's per-commit sums over eligible files (not binary, not excluded), kept
        # on the commit so a churn read never touches commit_files (§13 read budget)
        eligible = [(row[5], row[6]) for row in file_rows if not row[7] and not row[8]]
        commits.append(
            (
                repo_id,
                c.sha,
                " ".join(c.parents),
                c.author_name,
                c.author_email,
                c.author_time,
                c.author_offset_minutes,
                c.committer_name,
                c.committer_email,
                c.committer_time,
                c.committer_offset_minutes,
                c.subject,
                int(c.is_merge),
                is_bot,
                c.additions,
                c.deletions,
                len(c.files),
                pr_number,
                parse.reverted_sha(message),
                sum(min(added, deleted) for added, deleted in eligible),
                sum(added for added, _ in eligible),
                len(eligible),
            )
        )
        files.extend(file_rows)
        for ref in parse.task_refs(message):
            tasks.append((repo_id, c.sha, ref.key, int(ref.closes), c.committer_time, is_bot))
    with write_transaction(conn):
        history.insert_history(conn, commits, files, tasks)


def _reachable(repo: pygit2.Repository, tips: Iterable[str], hide: Iterable[str] = ()) -> set[str]:
    """Commits reachable from ``tips`` and not from ``hide`` (pygit2 revwalk, no diffs)."""
    tips = [t for t in tips if t in repo]
    if not tips:
        return set()
    walker = repo.walk(tips[0])
    for tip in tips[1:]:
        walker.push(tip)
    for hidden in hide:
        if hidden in repo:
            walker.hide(hidden)
    return {str(commit.id) for commit in walker}


def redetect_deployments(
    conn: sqlite3.Connection, repo: RepositoryRow, settings: IngestSettings
) -> list[str]:
    """After a repository's deployment settings changed (``repo config``): detect its tag and
    branch deployments again from the mirror as it is (no fetch) and re-derive their
    outcomes, in one transaction. Returns warnings."""
    from ..delivery import rederive

    git_repo = mirror.open_mirror(Path(repo.mirror_path))
    snapshot = read_refs(git_repo)
    warnings: list[str] = []
    branch_rows = _branch_rows(git_repo, repo, warnings)
    with write_transaction(conn):
        _store_detected_deployments(conn, repo, snapshot, settings, branch_rows)
        rederive(conn, repo.id, repo.workspace_id)
    return warnings


def _branch_rows(
    git_repo: pygit2.Repository, repo: RepositoryRow, warnings: list[str]
) -> list[tuple[str, str, str, int, str | None]]:
    from ..delivery import branch_deployments

    if not repo.deploy_branch:
        return []
    rows = branch_deployments(git_repo, repo.deploy_branch, repo.environment)
    if not rows:
        warnings.append(f"deploy branch {repo.deploy_branch!r} not found")
    return rows


def _store_detected_deployments(
    conn: sqlite3.Connection,
    repo: RepositoryRow,
    snapshot: RefSnapshot,
    settings: IngestSettings,
    branch_rows: list[tuple[str, str, str, int, str | None]],
) -> None:
    """Release tags (tagger time, else the commit's committer time) and deploy-branch commits
    are deployments (§4); make the stored ones match."""
    pattern = re.compile(repo.deploy_tag_pattern or settings.deploy_tag_pattern)
    releases = [t for t in snapshot.tags if t.commit_sha and pattern.search(t.name)]
    times = history.commit_times(conn, repo.id, {t.commit_sha for t in releases if t.commit_sha})
    rows = []
    for tag in releases:
        assert tag.commit_sha is not None
        at = tag.tagger_time if tag.tagger_time is not None else times.get(tag.commit_sha)
        if at is None:
            continue
        rows.append((tag.name, tag.commit_sha, repo.environment, at, tag.name))
    history.sync_source_deployments(conn, repo.id, "tag", rows)
    history.sync_source_deployments(conn, repo.id, "branch", branch_rows)

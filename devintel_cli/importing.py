"""``devintel import …``: parse a file completely (the parsers are all-or-nothing), resolve
every repository and line it names, then write everything in ONE transaction by natural
key — a bad file changes nothing, and importing the same file twice changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .delivery import SHA_PATTERN, rederive
from .errors import InputFileError, NotFoundError, UsageError
from .ingest.parse import BotMatcher
from .store import delivery as delivery_store
from .store import imported as store
from .store.db import write_transaction
from .store.records import RepositoryRow, ServiceLineRow
from .store.repositories import list_repositories
from .timeutil import iso_z, to_epoch
from .workspace import Context, get_line


@dataclass
class ImportResult:
    kind: str
    file: str
    records: int = 0
    outcomes: Counter = field(default_factory=Counter)

    @property
    def summary(self) -> str:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))
        return f"{self.kind}: {self.records} records from {self.file} ({parts or 'nothing'})"


def _repo(ctx: Context, name: str, *, where: str) -> RepositoryRow:
    from .repositories import resolve

    try:
        return resolve(ctx, name)
    except NotFoundError:
        raise InputFileError(
            f"{where}: unknown repository {name!r}", hint="add it first: devintel repo add …"
        ) from None


def _line(ctx: Context, name: str, *, where: str) -> ServiceLineRow:
    try:
        return get_line(ctx, name)
    except NotFoundError:
        raise InputFileError(f"{where}: unknown service line {name!r}") from None


def _attribution(
    repository: RepositoryRow | None, line: ServiceLineRow | None
) -> dict[str, object]:
    """What an incident or task is about: its repository, and its line — the one named,
    else the repository's own."""
    return {
        "repo_id": repository.id if repository else None,
        "service_line_id": line.id
        if line
        else (repository.service_line_id if repository else None),
    }


def import_coverage(
    ctx: Context,
    path: Path,
    *,
    repo: str,
    commit: str | None = None,
    at: datetime | None = None,
    fmt: str | None = None,
) -> ImportResult:
    """One coverage report for a repository. Its time: the file's own timestamp, else
    ``--at``, else the ``--commit``'s committer time; one of them is required (LCOV has no
    time) so that re-importing the same file lands on the same row."""
    from .imports.coverage import parse_coverage

    target = _repo(ctx, repo, where="--repo")
    report = parse_coverage(path, fmt)  # type: ignore[arg-type]
    sha = None
    if commit is not None:
        if not SHA_PATTERN.match(commit):
            raise UsageError(f"--commit: not a commit sha: {commit!r}")
        sha = delivery_store.resolve_sha(ctx.conn, target.id, commit.lower()) or commit.lower()
    measured = to_epoch(at) or to_epoch(report.measured_at)
    if measured is None and sha is not None:
        measured = store.commit_time(ctx.conn, target.id, sha)
    if measured is None:
        raise UsageError(
            f"{path}: the report carries no time: pass --at TIME or --commit SHA (an ingested one)"
        )
    result = ImportResult("coverage", str(path), records=1)
    with write_transaction(ctx.conn):
        result.outcomes[
            store.upsert_coverage(
                ctx.conn,
                target.id,
                measured,
                sha or "",
                {
                    "format": report.format,
                    "lines_covered": report.lines_covered,
                    "lines_total": report.lines_total,
                    "branches_covered": report.branches_covered,
                    "branches_total": report.branches_total,
                },
            )
        ] += 1
    return result


def import_incidents(
    ctx: Context,
    path: Path,
    *,
    label: str | None = None,
    repo: str | None = None,
    line: str | None = None,
) -> ImportResult:
    """Incidents keyed by their ID; attributed to the repository or line the file names,
    else to ``--repo``/``--line``. Failure detection is re-derived for the repositories."""
    from .imports.incidents import parse_incidents

    records = parse_incidents(path, label=label)
    default_repo = _repo(ctx, repo, where="--repo") if repo else None
    default_line = _line(ctx, line, where="--line") if line else None
    resolved = []
    for record in records:
        where = f"{path}: incident {record.key}"
        repository = (
            _repo(ctx, record.repository, where=where) if record.repository else default_repo
        )
        service_line = (
            _line(ctx, record.service_line, where=where) if record.service_line else default_line
        )
        resolved.append((record, repository, service_line))
    result = ImportResult("incidents", str(path), records=len(records))
    with write_transaction(ctx.conn):
        for record, repository, service_line in resolved:
            result.outcomes[
                store.upsert_incident(
                    ctx.conn,
                    ctx.workspace.id,
                    record.key,
                    {
                        "title": record.title,
                        "severity": record.severity,
                        "opened_at": to_epoch(record.opened_at),
                        "resolved_at": to_epoch(record.resolved_at),
                        **_attribution(repository, service_line),
                    },
                )
            ] += 1
        if result.outcomes[store.CREATED] or result.outcomes[store.UPDATED]:
            # an incident can fail any repository's deployment (within 24 h, §4)
            for repository in list_repositories(ctx.conn, ctx.workspace.id):
                rederive(ctx.conn, repository.id, ctx.workspace.id)
    return result


def import_pull_requests(ctx: Context, path: Path, *, repo: str) -> ImportResult:
    """Pull requests of one repository; they replace the Git estimates of the same PRs."""
    from .imports.prs import parse_pull_requests

    target = _repo(ctx, repo, where="--repo")
    records = parse_pull_requests(path)
    bots = BotMatcher(ctx.settings.bot_patterns)
    result = ImportResult("prs", str(path), records=len(records))
    with write_transaction(ctx.conn):
        for r in records:
            result.outcomes[
                store.upsert_imported_pull_request(
                    ctx.conn,
                    target.id,
                    r.number,
                    {
                        "title": r.title,
                        "author": r.author,
                        "is_bot_author": int(r.is_bot_author or bots.is_bot(r.author or "", "")),
                        "opened_at": to_epoch(r.opened_at),
                        "merged_at": to_epoch(r.merged_at),
                        "closed_at": to_epoch(r.closed_at),
                        "first_review_at": to_epoch(r.first_review_at),
                        "additions": r.additions,
                        "deletions": r.deletions,
                    },
                )
            ] += 1
    return result


def import_tasks(
    ctx: Context, path: Path, *, repo: str | None = None, line: str | None = None
) -> ImportResult:
    """Tasks keyed by their key; completed ones count in task throughput."""
    from .imports.tasks import parse_tasks

    records = parse_tasks(path)
    target = _repo(ctx, repo, where="--repo") if repo else None
    line_row = _line(ctx, line, where="--line") if line else None
    result = ImportResult("tasks", str(path), records=len(records))
    with write_transaction(ctx.conn):
        for r in records:
            result.outcomes[
                store.upsert_task(
                    ctx.conn,
                    ctx.workspace.id,
                    r.key,
                    {
                        "status": r.status,
                        "created_at": to_epoch(r.created_at),
                        "completed_at": to_epoch(r.completed_at),
                        **_attribution(target, line_row),
                    },
                )
            ] += 1
    return result


def import_deployments(ctx: Context, path: Path, *, repo: str | None = None) -> ImportResult:
    """Deployments from a CI export; keyed by the file's own ID, else by repository, sha,
    environment and time. Outcomes are re-derived for every repository touched."""
    from .imports.deployments import parse_deployments

    records = parse_deployments(path)
    default = _repo(ctx, repo, where="--repo") if repo else None
    resolved = []
    for n, record in enumerate(records, start=1):
        where = f"{path}: record {n}"
        target = _repo(ctx, record.repository, where=where) if record.repository else default
        if target is None:
            raise InputFileError(f"{where}: repository: not given (pass --repo)")
        resolved.append((record, target))
    result = ImportResult("deployments", str(path), records=len(records))
    touched: dict[int, RepositoryRow] = {}
    with write_transaction(ctx.conn):
        for record, target in resolved:
            sha = delivery_store.resolve_sha(ctx.conn, target.id, record.sha) or record.sha
            _, created = delivery_store.insert_deployment(
                ctx.conn,
                repo_id=target.id,
                source="import",
                source_key=record.key or f"{iso_z(record.deployed_at)}/{record.environment}/{sha}",
                sha=sha,
                environment=record.environment,
                deployed_at=record.deployed_at.astimezone(UTC),
                name=record.key,
                recorded_status=record.status,
            )
            result.outcomes[store.CREATED if created else store.UNCHANGED] += 1
            if created:
                touched[target.id] = target
        for target in touched.values():
            rederive(ctx.conn, target.id, target.workspace_id)
    return result

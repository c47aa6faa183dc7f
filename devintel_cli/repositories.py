"""Repositories in a workspace: add (mirror + register + backfill), sync, list, remove."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from . import paths
from .errors import ConflictError, NotFoundError, UsageError
from .store import repositories as repo_store
from .store import workspaces as ws_store
from .store.db import write_transaction
from .store.records import RepositoryRow
from .timeutil import epoch_to_iso_z, iso_z, utc_now
from .urls import parse_spec
from .workspace import Context, get_line, integration_for_host, read_token

if TYPE_CHECKING:
    from .ingest.sync import Progress, SyncResult
    from .models import RepositorySummary

# Ingestion (pygit2, git, the metrics core for derivation) is imported where it is used:
# `repo list` and every read command resolve repositories here and should not pay for it.


def add_repository(
    ctx: Context,
    spec_text: str,
    *,
    line: str | None = None,
    deploy_tags: str | None = None,
    deploy_branch: str | None = None,
    environment: str = "production",
    sync_now: bool = True,
    progress: Progress | None = None,
) -> tuple[RepositoryRow, SyncResult | None]:
    """Mirror and register a repository, then backfill its history unless ``sync_now`` is off.

    Nothing is written to the database until the first fetch has succeeded, so an
    unreachable or mistyped remote leaves the database as it was. A repository registered
    but never completely synced (an interrupted ``repo add``) is resumed, not refused.
    """
    from .ingest import mirror
    from .ingest.sync import fetch_mirror, sync_repository

    spec = parse_spec(spec_text)
    if deploy_tags is not None:
        _check_regex(deploy_tags, "--deploy-tags")
    line_row = get_line(ctx, line) if line else None
    existing = repo_store.find_by_url(ctx.conn, ctx.workspace.id, spec.url)
    if existing is not None and existing.sync_state == "ok":
        raise ConflictError(
            f"{existing.name} is already in this workspace",
            hint=f"`devintel repo sync {existing.name}` fetches what is new",
        )
    if existing is not None:
        return existing, (sync(ctx, existing, progress=progress) if sync_now else None)

    mirror_path = paths.mirrors_dir(ctx.state_dir) / spec.mirror_relpath()
    known = ws_store.find_integration(ctx.conn, ctx.workspace.id, host=spec.host)
    fetched = None
    if sync_now:
        created_mirror = not mirror_path.exists()
        try:
            fetched = fetch_mirror(
                mirror_path,
                spec.url,
                read_token(known) if known else None,
                progress,
            )
        except BaseException:
            if created_mirror:
                mirror.remove_mirror(mirror_path)
            raise
    integration = known or integration_for_host(ctx, spec.host)
    with write_transaction(ctx.conn):
        repo_id = repo_store.insert_repository(
            ctx.conn,
            workspace_id=ctx.workspace.id,
            integration_id=integration.id,
            name=spec.display_name,
            url=spec.url,
            mirror_path=str(mirror_path),
            service_line_id=line_row.id if line_row else None,
            deploy_tag_pattern=deploy_tags,
            deploy_branch=deploy_branch,
            environment=environment,
            created_at=iso_z(utc_now()),
        )
    repo = repo_store.get_repository(ctx.conn, repo_id)
    if not sync_now:
        return repo, None
    result = sync_repository(ctx.conn, repo, ctx.settings, progress=progress, fetched=fetched)
    return repo_store.get_repository(ctx.conn, repo_id), result


def _check_regex(pattern: str, flag: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"{flag}: not a valid regular expression: {exc}") from exc


def resolve(ctx: Context, name_or_url: str) -> RepositoryRow:
    """A repository by display name, URL or path; ambiguity is an error, not a guess."""
    matches = repo_store.find_repositories(ctx.conn, ctx.workspace.id, name_or_url)
    if not matches:
        try:
            url = parse_spec(name_or_url).url
        except UsageError:
            url = None
        found = repo_store.find_by_url(ctx.conn, ctx.workspace.id, url) if url else None
        if found:
            return found
        raise NotFoundError(f"unknown repository {name_or_url!r}", hint="see `devintel repo list`")
    if len(matches) > 1:
        raise UsageError(
            f"{name_or_url!r} names {len(matches)} repositories: use the URL instead",
            hint=", ".join(m.url for m in matches),
        )
    return matches[0]


def sync(ctx: Context, repo: RepositoryRow, *, progress: Progress | None = None) -> SyncResult:
    from .ingest.sync import sync_repository

    integration = ws_store.find_integration(ctx.conn, ctx.workspace.id, id=repo.integration_id)
    if integration is None:  # pragma: no cover - guarded by a foreign key
        raise NotFoundError(f"integration {repo.integration_id} of {repo.name} is missing")
    return sync_repository(
        ctx.conn,
        repo,
        ctx.settings,
        token=read_token(integration),
        progress=progress,
    )


#: ``repo config`` leaves a setting alone when its flag is not given
UNCHANGED = object()


def configure(
    ctx: Context,
    repo: RepositoryRow,
    *,
    line: object = UNCHANGED,
    deploy_tags: object = UNCHANGED,
    deploy_branch: object = UNCHANGED,
    environment: object = UNCHANGED,
) -> tuple[RepositoryRow, list[str]]:
    """Change a repository's service line or deployment settings. Deployment settings take
    effect at once: deployments are detected again from the mirror and re-derived."""
    from .ingest.sync import redetect_deployments

    values: dict[str, object] = {}
    if line is not UNCHANGED:
        values["service_line_id"] = get_line(ctx, str(line)).id if line else None
    if deploy_tags is not UNCHANGED:
        if deploy_tags:
            _check_regex(str(deploy_tags), "--deploy-tags")
        values["deploy_tag_pattern"] = deploy_tags or None
    if deploy_branch is not UNCHANGED:
        values["deploy_branch"] = deploy_branch or None
    if environment is not UNCHANGED:
        if not environment:
            raise UsageError("--environment needs a name")
        values["environment"] = environment
    if not values:
        raise UsageError(
            "nothing to change: give --line, --deploy-tags, --deploy-branch or --environment"
        )
    with write_transaction(ctx.conn):
        repo_store.update_repository(ctx.conn, repo.id, **values)
    updated = repo_store.get_repository(ctx.conn, repo.id)
    warnings: list[str] = []
    if set(values) - {"service_line_id"} and updated.sync_state == "ok":
        warnings = redetect_deployments(ctx.conn, updated, ctx.settings)
    return updated, warnings


def list_summaries(ctx: Context, *, line: str | None = None) -> list[RepositorySummary]:
    from .models import RepositorySummary  # lazy: pydantic models cost ~0.1 s to build

    line_id = get_line(ctx, line).id if line else None
    summaries = []
    for repo in repo_store.list_repositories(ctx.conn, ctx.workspace.id, line_id=line_id):
        figures = repo_store.figures(ctx.conn, repo.id)
        summaries.append(
            RepositorySummary(
                repository=repo.name,
                url=repo.url,
                service_line_id=repo.service_line_id,
                default_branch=repo.default_branch,
                commits=figures.commits,
                merges=figures.merges,
                additions=figures.additions,
                deletions=figures.deletions,
                tags=figures.tags,
                deployments=figures.deployments,
                first_commit_at=epoch_to_iso_z(figures.first_commit_time),
                last_commit_at=epoch_to_iso_z(figures.last_commit_time),
                last_synced_at=repo.last_synced_at,
                sync_state=repo.sync_state,
            )
        )
    return summaries


def remove(ctx: Context, repo: RepositoryRow, *, keep_mirror: bool = False) -> None:
    """Forget a repository's rows; delete its mirror unless another workspace shares it."""
    with write_transaction(ctx.conn):
        repo_store.delete_repository(ctx.conn, repo.id)
        shared = repo_store.mirror_users(ctx.conn, repo.mirror_path) > 0
    if not keep_mirror and not shared:
        from .ingest.mirror import remove_mirror

        remove_mirror(Path(repo.mirror_path))

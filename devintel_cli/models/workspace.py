"""Workspaces, integrations, service lines, repositories, syncs and imports (§2, §3)."""

from __future__ import annotations

from .base import Model


class WorkspaceOut(Model):
    id: str
    name: str
    is_default: bool
    created_at: str


class IntegrationOut(Model):
    id: str
    workspace_id: str
    host: str
    kind: str
    #: where the token comes from (an env var name or a file path), never the token
    token_env: str | None
    token_file: str | None
    created_at: str


class ServiceLineOut(Model):
    id: str
    workspace_id: str
    name: str
    execution_model: str
    sprint_days: int
    sprint_anchor: str
    task_target: int
    created_at: str
    repositories: list[str] | None = None


class RepositorySummary(Model):
    """``repo list`` (§3): raw figures over all counted commits, to check against git."""

    repository: str
    url: str
    service_line_id: str | None
    default_branch: str | None
    commits: int
    merges: int
    additions: int
    deletions: int
    tags: int
    deployments: int
    first_commit_at: str | None
    last_commit_at: str | None
    last_synced_at: str | None
    sync_state: str


class SyncOut(Model):
    repository: str
    new_commits: int
    removed_commits: int
    noop: bool
    warnings: list[str]


class ImportOut(Model):
    """What ``devintel import …`` did: records read, and how many were new or changed."""

    kind: str
    file: str
    records: int
    created: int
    updated: int
    unchanged: int

"""Pydantic models: every JSON shape devintel prints or serves, defined once."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, model_serializer

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """The seed API's envelope: every JSON output is ``{"data": ...}``."""

    data: T


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class SeriesPointOut(BaseModel):
    """One §5 point: the bucket label under its own key (day/week/sprint/month), value and
    trend; sprint dates, estimated/branch coverage and --explain figures when they apply."""

    model_config = ConfigDict(frozen=True)

    day: str | None = None
    week: str | None = None
    sprint: str | None = None
    month: str | None = None
    start: str | None = None
    end: str | None = None
    value: float | None
    trend: str
    estimated: bool | None = None
    branch_coverage: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    samples: int | None = None

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler):  # type: ignore[no-untyped-def]
        # "value" is always there (null = no data for a count metric); the rest only when set
        data = handler(self)
        return {k: v for k, v in data.items() if v is not None or k == "value"}


class ScopedOut(BaseModel):
    """A report about a workspace, a line or a repository: ``service_line_id`` and
    ``repository`` appear only when the report is scoped to one (§5 "when scoped")."""

    model_config = ConfigDict(frozen=True)

    @model_serializer(mode="wrap")
    def _scope_only_when_scoped(self, handler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for key in ("service_line_id", "repository"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class MetricSeriesOut(ScopedOut):
    """``devintel metrics`` (§5 seed shape), plus why values are absent (``reasons``)."""

    model_config = ConfigDict(frozen=True)

    metric: str
    workspace_id: str
    service_line_id: str | None = None
    repository: str | None = None
    unit: str
    granularity: str
    series: list[SeriesPointOut]
    period_average: float | None
    benchmark_median: float | None
    reasons: list[str]


class FailureReasonOut(Model):
    kind: str
    detail: str
    related_deployment_id: int | None = None
    incident_key: str | None = None


class DeploymentOut(Model):
    """``deployments list``: a deployment, its derived status with reasons, what it shipped."""

    id: int
    repository: str
    source: str
    name: str | None
    sha: str
    environment: str
    deployed_at: str
    recorded_status: str
    status: str | None
    is_rework: bool
    recovered_at: str | None
    failure_reasons: list[FailureReasonOut]
    shipped_commits: list[str]


class ProjectionOut(Model):
    slope_per_week: float
    projected_value: float
    horizon_days: int
    points: int
    leaves_green: bool


class SignalOut(BaseModel):
    """One scorecard signal (§6 seed fields first), plus what explains it."""

    model_config = ConfigDict(frozen=True)

    metric: str
    value: float
    unit: str
    status: str
    trend: str
    band_status: str
    previous_value: float | None
    weekly_values: list[float | None]
    projection: ProjectionOut | None = None


class MissingMetricOut(Model):
    metric: str
    reason: str
    how_to_add: str


class ScorecardOut(ScopedOut):
    """``devintel scorecard`` (§6 seed shape plus the window and what lacks data)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    service_line_id: str | None = None
    repository: str | None = None
    computed_at: str
    window_days: int
    overall_score: int | None
    signals: list[SignalOut]
    missing: list[MissingMetricOut]


class IndicatorOut(Model):
    name: str
    value: float | None
    status: str | None


class DimensionOut(Model):
    name: str
    score: int | None
    status: str | None
    indicators: list[IndicatorOut]


class HealthContextOut(Model):
    repositories: int
    last_sync_age_hours: float | None
    active_contributors: int
    bus_factor: int | None
    deployments_in_window: int
    missing: list[MissingMetricOut]


class HealthOut(ScopedOut):
    """``devintel health`` (§7)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    service_line_id: str | None = None
    repository: str | None = None
    computed_at: str
    window_days: int
    score: int | None
    status: str | None
    dimensions: list[DimensionOut]
    context: HealthContextOut


class BenchmarkOut(Model):
    metric: str
    workspace_value: float
    platform_median: float
    percentile: int
    assessment: str
    cohort: str
    source: str
    dora_tier: str | None


class BenchmarksOut(BaseModel):
    """``devintel benchmarks`` (§8 seed shape)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    computed_at: str
    window_days: int
    profile: str
    profile_caveat: str | None
    benchmarks: list[BenchmarkOut]
    unavailable: list[MissingMetricOut]

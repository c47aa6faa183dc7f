"""Metric series and deployments (§4, §5), the scorecard (§6) and health (§7)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_serializer

from .base import MissingMetricOut, Model, ScopedOut


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


class MetricSeriesOut(ScopedOut):
    """``devintel metrics`` (§5 seed shape), plus why values are absent (``reasons``)."""

    metric: str
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


class ScorecardOut(ScopedOut):
    """``devintel scorecard`` (§6 seed shape plus the window and what lacks data)."""

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

    computed_at: str
    window_days: int
    score: int | None
    status: str | None
    dimensions: list[DimensionOut]
    context: HealthContextOut

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


class OmitsUnscoped(BaseModel):
    """``service_line_id`` and ``repository`` appear in the JSON only when set: a report
    or a factor names a line or a repository only when it is about one (§5 "when scoped")."""

    model_config = ConfigDict(frozen=True)

    @model_serializer(mode="wrap")
    def _scope_only_when_scoped(self, handler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for key in ("service_line_id", "repository"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class ScopedOut(OmitsUnscoped):
    """A report about a workspace, a line or a repository."""

    workspace_id: str
    service_line_id: str | None = None
    repository: str | None = None


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


class MissingMetricOut(Model):
    metric: str
    reason: str
    how_to_add: str


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


class BenchmarkPeersOut(Model):
    """The scope's value among its peers in the state directory (§8's second source):
    ``scope`` is ``repositories`` or ``lines``, ``count`` the peers with a value."""

    scope: str
    count: int
    median: float
    percentile: int


class BenchmarkOut(Model):
    """One §8 row (the seed's five fields first); ``peers`` only when the scope is a
    repository or a line with enough peers that have a value."""

    metric: str
    workspace_value: float
    platform_median: float
    percentile: int
    assessment: str
    cohort: str
    source: str
    dora_tier: str | None
    peers: BenchmarkPeersOut | None = None

    @model_serializer(mode="wrap")
    def _peers_only_when_compared(self, handler):  # type: ignore[no-untyped-def]
        data = handler(self)
        if data.get("peers") is None:
            data.pop("peers", None)
        return data


class BenchmarksOut(BaseModel):
    """``devintel benchmarks`` (§8 seed shape), plus the scope's primary language (null
    when no counted file changed in the window) and the window the shipped open-source
    peers were measured over (the shipped one closest to ``window_days``)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    computed_at: str
    window_days: int
    profile: str
    profile_caveat: str | None
    language: str | None
    reference_window_days: int | None
    benchmarks: list[BenchmarkOut]
    unavailable: list[MissingMetricOut]


class BenchmarkView(Model):
    """One benchmark row as a table, CSV or Markdown row (JSON carries ``BenchmarkOut``)."""

    metric: str
    workspace_value: float
    platform_median: float
    percentile: int
    assessment: str
    dora_tier: str | None
    cohort: str
    peers: int | None = None
    peer_median: float | None = None
    peer_percentile: int | None = None


# --- alerts and webhooks (§11) -------------------------------------------------------------


class WebhookOut(Model):
    """``webhooks list``: the URL redacted (credentials and secret-looking parts masked) and
    the webhook's outbox backlog; never its signing secret."""

    id: str
    workspace_id: str
    url: str
    format: str
    created_at: str
    pending: int
    failed: int
    last_error: str | None


class WebhookCreatedOut(WebhookOut):
    """``webhooks add``: the only output that ever carries the signing secret."""

    secret: str


class WebhookTestOut(Model):
    """``webhooks test``: one signed ping and how the receiver answered."""

    webhook_id: str
    message_id: str
    ok: bool
    status_code: int | None
    attempts: int
    error: str | None


class DeliveryOutcomeOut(Model):
    """One message of a delivery run (``webhooks deliver``, the end of ``alerts check``)."""

    message_id: str
    webhook_id: str
    outcome: str
    status_code: int | None
    attempts: int
    error: str | None


class AlertConditionOut(Model):
    operator: str
    #: as written (5 stays 5, 0.25 stays 0.25)
    threshold: int | float


class AlertScopeOut(Model):
    kind: str
    ref: str | None


class AlertActionOut(Model):
    type: str
    webhook_id: str


def _alert_alias(name: str) -> str:
    # rule files and webhook payloads call it "for"; Python cannot
    return "for" if name == "for_checks" else name


class AlertRuleOut(Model):
    """An alert rule (``alerts create/list``): the create request's fields
    (``contract/alert-create-request``), the rest of the rule, and in ``alerts list`` the
    alert's current state (null before its first check)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=_alert_alias,
        validate_by_name=True,
        serialize_by_alias=True,
    )

    id: str
    workspace_id: str
    name: str | None
    metric: str
    condition: AlertConditionOut
    window: str
    severity: str
    scope: AlertScopeOut
    for_checks: int
    repeat_interval: str
    actions: list[AlertActionOut]
    created_at: str
    updated_at: str
    state: str | None = None
    state_since: str | None = None
    last_value: float | None = None
    last_checked_at: str | None = None
    last_notified_at: str | None = None


class AlertRuleView(Model):
    """An alert rule as one table, CSV or Markdown row (JSON carries ``AlertRuleOut``)."""

    id: str
    name: str | None
    metric: str
    condition: str
    window: str
    severity: str
    scope: str
    webhooks: list[str]
    state: str | None
    value: float | None


class AlertCheckOut(Model):
    """One rule in ``alerts check``: its value over the window, the state it is in now, and
    the notification the check queued (``notified``: firing, resolved, no_data or null)."""

    rule_id: str
    name: str | None
    metric: str
    scope: AlertScopeOut
    window: str
    window_start: str
    window_end: str
    value: float | None
    unit: str
    condition: AlertConditionOut
    severity: str
    previous_state: str | None
    state: str
    notified: str | None
    message_id: str | None
    reason: str | None
    missing_webhooks: list[str]


class AlertCheckRunOut(Model):
    """``alerts check``: every rule's outcome, then the delivery run that followed."""

    workspace_id: str
    checked_at: str
    firing: int
    rules: list[AlertCheckOut]
    deliveries: list[DeliveryOutcomeOut]


class AlertCheckView(Model):
    """One rule of ``alerts check`` as a table, CSV or Markdown row."""

    rule: str
    name: str | None
    metric: str
    scope: str
    value: float | None
    condition: str
    state: str
    notified: str | None
    reason: str | None


class AlertEventOut(Model):
    """``alerts history``: a state change or a (re-)notification, newest first, with how its
    notification was delivered (delivered, pending, failed; null when none was sent)."""

    id: int
    at: str
    rule_id: str
    rule_name: str | None
    fingerprint: str
    from_state: str | None
    to_state: str
    value: float | None
    message_id: str | None
    delivery: str | None


class ApplyActionOut(Model):
    """One line of the ``alerts apply`` plan: create, update, delete or unchanged."""

    action: str
    name: str
    id: str | None
    changes: list[str]


# --- risk (§10) ----------------------------------------------------------------------------


class RiskFactorOut(OmitsUnscoped):
    """One risk factor (§10 fields), plus the points it adds before the category cap.
    ``repository`` or ``service_line_id`` says what it is about (neither: the workspace)."""

    id: str
    category: str
    severity: str
    title: str
    detail: str
    #: the figures behind the factor; keys depend on the category (docs/risk.md)
    evidence: dict
    repository: str | None = None
    service_line_id: str | None = None
    recommended_action: str
    points: int


class RiskCategoryOut(Model):
    """A category's share of the score: its factors and its points after the cap."""

    category: str
    factors: int
    points: int


class RiskOut(ScopedOut):
    """``devintel risk`` (§10 shape), plus the window and the per-category breakdown."""

    computed_at: str
    window_days: int
    risk_score: int
    risk_level: str
    factors: list[RiskFactorOut]
    categories: list[RiskCategoryOut]


class ImportOut(Model):
    """What ``devintel import …`` did: records read, and how many were new or changed."""

    kind: str
    file: str
    records: int
    created: int
    updated: int
    unchanged: int

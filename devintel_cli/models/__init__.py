"""Pydantic models: every JSON shape devintel prints or serves, defined once — one module
per part of the product, so that a command builds only its own models: pydantic takes
about a millisecond a class, and importing the 43 of the former single module took 61–84
ms where the risk command's own (with the shared base) take 37–46 ms.
``from devintel_cli.models import RiskOut`` still works: the name is looked up here and
imports only the module that defines it."""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: each model's module, for the lazy lookup below
_MODULE_OF = {
    "Model": "base",
    "OmitsUnscoped": "base",
    "ScopedOut": "base",
    "MissingMetricOut": "base",
    "WorkspaceOut": "workspace",
    "IntegrationOut": "workspace",
    "ServiceLineOut": "workspace",
    "RepositorySummary": "workspace",
    "SyncOut": "workspace",
    "ImportOut": "workspace",
    "SeriesPointOut": "reports",
    "MetricSeriesOut": "reports",
    "FailureReasonOut": "reports",
    "DeploymentOut": "reports",
    "ProjectionOut": "reports",
    "SignalOut": "reports",
    "ScorecardOut": "reports",
    "IndicatorOut": "reports",
    "DimensionOut": "reports",
    "HealthContextOut": "reports",
    "HealthOut": "reports",
    "BenchmarkPeersOut": "benchmarks",
    "BenchmarkOut": "benchmarks",
    "BenchmarksOut": "benchmarks",
    "BenchmarkView": "benchmarks",
    "WebhookOut": "alerts",
    "WebhookCreatedOut": "alerts",
    "WebhookTestOut": "alerts",
    "DeliveryOutcomeOut": "alerts",
    "AlertConditionOut": "alerts",
    "AlertScopeOut": "alerts",
    "AlertActionOut": "alerts",
    "AlertRuleOut": "alerts",
    "AlertRuleView": "alerts",
    "AlertCheckOut": "alerts",
    "AlertCheckRunOut": "alerts",
    "AlertCheckView": "alerts",
    "AlertEventOut": "alerts",
    "ApplyActionOut": "alerts",
    "RiskFactorOut": "risk",
    "RiskCategoryOut": "risk",
    "RiskOut": "risk",
    "InsightOut": "insights",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)

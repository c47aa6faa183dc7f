"""Benchmarks (§8)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_serializer

from .base import MissingMetricOut, Model


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

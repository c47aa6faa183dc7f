"""Insights (§9)."""

from __future__ import annotations

from .base import Model


class InsightOut(Model):
    """One insight, the seed's fields: ``service_line_id`` is always present (null for a
    workspace or a repository without a line), ``metrics_referenced`` the metrics it is
    about, ``generated_at`` the moment it was computed for (``--as-of``)."""

    id: str
    type: str
    severity: str
    title: str
    body: str
    metrics_referenced: list[str]
    service_line_id: str | None
    generated_at: str

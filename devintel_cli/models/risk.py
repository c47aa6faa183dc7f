"""Risk (§10)."""

from __future__ import annotations

from .base import Model, OmitsUnscoped, ScopedOut


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

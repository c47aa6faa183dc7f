"""Health (§7): four dimensions scored like the scorecard, from its signals plus team
patterns (active contributors, knowledge concentration). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..metrics.catalog import Metric
from .bands import Status
from .people import bus_factor_status, contributors_status
from .scorecard import STATUS_POINTS, Signal, mean_points, signal_points

DIMENSIONS: dict[str, tuple[Metric, ...]] = {
    "delivery_pace": (Metric.DEPLOYMENT_FREQUENCY, Metric.CYCLE_TIME, Metric.PR_REVIEW_TIME),
    "code_quality": (Metric.TEST_COVERAGE, Metric.CODE_CHURN),
    "stability": (Metric.CHANGE_FAILURE_RATE, Metric.OPEN_INCIDENT_RATE),
    "team_patterns": (Metric.TASK_THROUGHPUT,),
}


@dataclass(frozen=True)
class Indicator:
    name: str
    value: float | None
    status: Status | None
    points: int | None


@dataclass(frozen=True)
class Dimension:
    name: str
    score: int | None
    status: Status | None
    indicators: tuple[Indicator, ...]


def score_status(score: int) -> Status:
    """A dimension's status from its score: ≥ 80 green, < 40 red (between: amber)."""
    if score >= 80:
        return Status.GREEN
    return Status.RED if score < 40 else Status.AMBER


def dimensions(
    signals: Sequence[Signal], *, active_contributors: int, bus_factor: int | None
) -> list[Dimension]:
    by_metric = {s.metric: s for s in signals}
    result = []
    for name, metrics in DIMENSIONS.items():
        indicators = [
            Indicator(str(m), by_metric[m].value, by_metric[m].status, signal_points(by_metric[m]))
            if m in by_metric
            else Indicator(str(m), None, None, None)
            for m in metrics
        ]
        if name == "team_patterns":
            people = contributors_status(active_contributors)
            indicators.append(
                Indicator("active_contributors", active_contributors, people, STATUS_POINTS[people])
            )
            if bus_factor is not None:
                concentration = bus_factor_status(bus_factor)
                indicators.append(
                    Indicator("bus_factor", bus_factor, concentration, STATUS_POINTS[concentration])
                )
        score = mean_points([i.points for i in indicators if i.points is not None])
        result.append(
            Dimension(
                name, score, score_status(score) if score is not None else None, tuple(indicators)
            )
        )
    return result


def health_score(dims: Sequence[Dimension]) -> int | None:
    """Mean of the dimension scores that have data (half up); None when none has."""
    return mean_points([d.score for d in dims if d.score is not None])

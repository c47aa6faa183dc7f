"""The scorecard (§6): one signal per metric with data in the window, its status and
trend, and the overall score.

Pure: the caller computes the metric values (over the window, over the preceding window
of equal length, and the weekly series) and passes them in; nothing here reads the store.

The projection rule, precisely (docs/scoring.md, "Projection rule"):
a signal that is green by its band and whose trend is ``worsening`` turns amber when the
Theil–Sen line through its recent weekly points, extended ``window_days`` past the
newest week, is outside the green band.
- Recent weekly points: the metric's weekly series (§5 ``weekly`` buckets), oldest →
  newest, one entry per ISO week, ``None`` for a week with no data; the newest entry is
  the week the window ends in. Only the last ``2 × ⌈window_days ÷ 7⌉`` entries are used
  (the span the trend compares: this window and the one before), x = the entry's
  position in weeks, so weeks without data keep their place. At least 4 of them must
  hold a value, else there is no projection.
- What is projected: the Sen line (median pairwise slope, intercept median(y − slope·x))
  evaluated at x_newest + window_days ÷ 7 — the fitted level "one window from now",
  rather than the noisy last point or the window value plus a slope.
- The slope must point the worse way (up for lower-is-better metrics, down for
  higher-is-better); "leaves green" means the band gives the projected value another
  status than green (a projection landing exactly on the green threshold stays green).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from devintel_cli.metrics.catalog import CATALOG, Better, Metric, Trend, Unit, point_trend
from devintel_cli.scoring.bands import DEFAULT_BANDS, Bands, Status, parse_metric
from devintel_cli.scoring.stats import sen_line

#: the scorecard window when the caller does not say (§6)
DEFAULT_WINDOW_DAYS = 28
#: fewest weekly points with a value the projection rule needs (§6)
MIN_PROJECTION_POINTS = 4

STATUS_POINTS: dict[Status, int] = {Status.GREEN: 100, Status.AMBER: 55, Status.RED: 15}
TREND_POINTS: dict[Trend, int] = {Trend.IMPROVING: 5, Trend.STABLE: 0, Trend.WORSENING: -5}


class SignalInput(NamedTuple):
    """What the caller knows about one metric for one scorecard."""

    metric: Metric
    #: the metric over the whole window; None = no data, so no signal
    value: float | None
    #: the metric over the preceding window of equal length; None = no data (trend stable)
    previous_value: float | None = None
    #: weekly series, oldest → newest, ending with the window's last week; None = no data
    weekly_values: Sequence[float | None] = ()
    #: task_throughput only: the line's target (tasks per sprint); None = the bands' default
    target: float | None = None


class Projection(NamedTuple):
    """The Sen-slope projection behind the §6 "trending toward red" rule."""

    #: Theil–Sen slope of the weekly points, in the metric's unit per week
    slope_per_week: float
    #: the Sen line's value ``horizon_days`` after the newest week
    projected_value: float
    horizon_days: int
    #: weekly points with a value that the slope was fitted to
    points: int
    #: True when the projected value is outside the green band
    leaves_green: bool


class Signal(NamedTuple):
    metric: Metric
    value: float
    unit: Unit
    status: Status
    trend: Trend
    #: the status by the bands alone, before the projection rule
    band_status: Status
    #: the projection, when the rule applied (green by band, worsening, ≥ 4 weekly points)
    projection: Projection | None = None


def _lookback_weeks(window_days: int) -> int:
    return 2 * math.ceil(window_days / 7)


def project_weekly(
    weekly_values: Sequence[float | None], *, horizon_days: int = DEFAULT_WINDOW_DAYS
) -> tuple[float, float, int] | None:
    """(slope per week, projected value, points used) of the Sen line through the weekly
    points, evaluated ``horizon_days`` after the newest entry; None with fewer than
    MIN_PROJECTION_POINTS values among the last 2 × ⌈horizon_days ÷ 7⌉ entries."""
    if horizon_days <= 0:
        raise ValueError("horizon_days must be positive")
    recent = list(weekly_values)[-_lookback_weeks(horizon_days) :]
    points = [(float(x), float(y)) for x, y in enumerate(recent) if y is not None]
    if len(points) < MIN_PROJECTION_POINTS:
        return None
    line = sen_line(points)
    if line is None:  # unreachable with distinct x, kept for the type checker
        return None
    slope, intercept = line
    newest_x = len(recent) - 1
    projected = intercept + slope * (newest_x + horizon_days / 7)
    return slope, projected, len(points)


def _worsening_slope(slope: float, better: Better) -> bool:
    return slope > 0 if better is Better.LOWER else slope < 0


def score_signal(
    signal_input: SignalInput,
    *,
    bands: Bands = DEFAULT_BANDS,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Signal | None:
    """One metric's signal, or None when it has no value in the window."""
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    if signal_input.value is None:
        return None
    metric = parse_metric(signal_input.metric, "metric")
    info = CATALOG[metric]
    value = float(signal_input.value)
    band_status = bands.status(metric, value, target=signal_input.target)
    trend = point_trend(signal_input.previous_value, value, info.better)
    status = band_status
    projection = None
    if band_status is Status.GREEN and trend is Trend.WORSENING:
        fitted = project_weekly(signal_input.weekly_values, horizon_days=window_days)
        if fitted is not None:
            slope, projected, points = fitted
            leaves_green = _worsening_slope(slope, info.better) and (
                bands.status(metric, projected, target=signal_input.target) is not Status.GREEN
            )
            projection = Projection(slope, projected, window_days, points, leaves_green)
            if leaves_green:
                status = Status.AMBER
    return Signal(
        metric=metric,
        value=value,
        unit=info.unit,
        status=status,
        trend=trend,
        band_status=band_status,
        projection=projection,
    )


def score_signals(
    inputs: Iterable[SignalInput],
    *,
    bands: Bands = DEFAULT_BANDS,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[Signal]:
    """Signals for the metrics with data, in the order given. A metric given twice is a
    caller bug (ValueError)."""
    seen: set[Metric] = set()
    signals = []
    for signal_input in inputs:
        metric = parse_metric(signal_input.metric, "metric")
        if metric in seen:
            raise ValueError(f"{metric} given twice")
        seen.add(metric)
        signal = score_signal(signal_input, bands=bands, window_days=window_days)
        if signal is not None:
            signals.append(signal)
    return signals


def signal_points(signal: Signal) -> int:
    """Green 100, amber 55, red 15; improving +5, worsening −5; clamped to 0–100 per signal."""
    points = STATUS_POINTS[signal.status] + TREND_POINTS[signal.trend]
    return max(0, min(100, points))


def overall_score(signals: Sequence[Signal]) -> int | None:
    """Mean of the per-signal points, rounded half up to an integer (80.5 → 81, in exact
    integer arithmetic, not Python's round-half-even). No signals → None, never 0."""
    return mean_points([signal_points(signal) for signal in signals])


def mean_points(points: Sequence[int]) -> int | None:
    """Mean of integer points rounded half up (exact integer arithmetic); None if empty."""
    if not points:
        return None
    total, count = sum(points), len(points)
    # floor(total / count + 1/2) without floating point
    return (2 * total + count) // (2 * count)

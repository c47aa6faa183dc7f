"""Robust statistics the scorecard and the insights share: median, MAD, robust z-score,
Theil–Sen slope and the Mann–Kendall trend test.

Pure functions over plain numbers, standard library only (no numpy/scipy), so the
results are the same on every machine and every run (§9: reproducible insights).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

#: MAD × 1.4826 estimates the standard deviation of normally distributed data
#: (1 / Φ⁻¹(3/4)), so a robust z-score reads like an ordinary one.
MAD_CONSISTENCY = 1.4826

#: Mean absolute deviation × √(π/2) estimates the standard deviation of normal data;
#: the fallback scale when more than half the history is one value (MAD = 0).
MEAN_AD_CONSISTENCY = math.sqrt(math.pi / 2)


def _finite(values: Sequence[float], what: str) -> list[float]:
    numbers = [float(v) for v in values]
    if any(not math.isfinite(v) for v in numbers):
        raise ValueError(f"{what}: values must be finite numbers")
    return numbers


def median(values: Sequence[float]) -> float:
    """The middle value; the mean of the two middle values for an even count.

    Raises ValueError on an empty sequence: a median of nothing is absent, not 0.
    """
    numbers = sorted(_finite(values, "median"))
    if not numbers:
        raise ValueError("median of no values")
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median, unscaled (multiply by MAD_CONSISTENCY
    to estimate a standard deviation)."""
    numbers = _finite(values, "mad")
    if not numbers:
        raise ValueError("MAD of no values")
    centre = median(numbers)
    return median([abs(v - centre) for v in numbers])


def robust_z(history: Sequence[float], value: float) -> float | None:
    """How unusual ``value`` is against ``history``: (value − median) ÷ (1.4826 × MAD).

    - Empty history: None (nothing to compare with).
    - MAD = 0 (more than half the history is one value, e.g. weeks with 0 incidents):
      the scale falls back to the mean absolute deviation from the median × √(π/2)
      (the modified z-score convention of Iglewicz & Hoaglin as IBM SPSS applies it),
      so one earlier blip keeps the score finite and comparable.
    - Both are 0 (a constant history): 0.0 when the value equals it, else ±inf — a
      departure from a perfectly constant history is infinitely unusual, and callers
      rank it as the most severe anomaly rather than dropping it.
    """
    numbers = _finite(history, "robust_z")
    if not numbers:
        return None
    if not math.isfinite(value):
        raise ValueError("robust_z: value must be a finite number")
    centre = median(numbers)
    deviation = value - centre
    spread = mad(numbers)
    if spread > 0:
        return deviation / (MAD_CONSISTENCY * spread)
    mean_abs_dev = sum(abs(v - centre) for v in numbers) / len(numbers)
    if mean_abs_dev > 0:
        return deviation / (MEAN_AD_CONSISTENCY * mean_abs_dev)
    if deviation == 0:
        return 0.0
    return math.copysign(math.inf, deviation)


def _clean_points(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    cleaned = [(float(x), float(y)) for x, y in points]
    if any(not (math.isfinite(x) and math.isfinite(y)) for x, y in cleaned):
        raise ValueError("sen_slope: points must be finite numbers")
    return cleaned


def sen_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Theil–Sen slope: the median of (y_j − y_i) ÷ (x_j − x_i) over all pairs with x_i ≠ x_j.

    None when no pair has distinct x (fewer than two distinct x values). Robust: up to
    ~29 % of the points can be outliers without moving it far.
    """
    cleaned = _clean_points(points)
    slopes = [
        (yj - yi) / (xj - xi)
        for i, (xi, yi) in enumerate(cleaned)
        for xj, yj in cleaned[i + 1 :]
        if xj != xi
    ]
    if not slopes:
        return None
    return median(slopes)


def sen_line(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Theil–Sen line (slope, intercept): the intercept is median(y_i − slope × x_i), so
    the line passes through the "middle" of the points the way the slope is a middle slope.

    None when ``sen_slope`` is None.
    """
    slope = sen_slope(points)
    if slope is None:
        return None
    intercept = median([y - slope * x for x, y in _clean_points(points)])
    return slope, intercept


class MKTrend(StrEnum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_TREND = "no trend"


class MannKendall(NamedTuple):
    """Result of the Mann–Kendall test; unpacks as ``(s, z, p_value, trend)``."""

    s: int
    z: float
    p_value: float
    trend: MKTrend


def mann_kendall_variance(values: Sequence[float]) -> float:
    """Var(S) of the Mann–Kendall statistic with the tie correction:
    [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] ÷ 18, the sum over groups of t equal values."""
    numbers = _finite(values, "mann_kendall_variance")
    n = len(numbers)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(numbers).values() if t > 1)
    return (n * (n - 1) * (2 * n + 5) - ties) / 18


def mann_kendall(values: Sequence[float], *, alpha: float = 0.05) -> MannKendall:
    """Mann–Kendall test for a monotonic trend in ``values`` (oldest → newest).

    S = Σ_{i<j} sign(x_j − x_i);
    Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] ÷ 18, the sum over groups of t tied values;
    z = (S − 1)/√Var(S) if S > 0, (S + 1)/√Var(S) if S < 0, else 0 (continuity correction);
    p = erfc(|z| ÷ √2), two-sided, from the normal approximation.
    The trend is increasing/decreasing when p < alpha, by the sign of z; else "no trend".
    Fewer than two values, or all values tied, give S = 0, z = 0, p = 1.
    """
    numbers = _finite(values, "mann_kendall")
    if not 0 < alpha < 1:
        raise ValueError("mann_kendall: alpha must be between 0 and 1")
    s = 0
    for i in range(len(numbers) - 1):
        xi = numbers[i]
        for xj in numbers[i + 1 :]:
            s += (xj > xi) - (xj < xi)
    var_s = mann_kendall_variance(numbers)
    if var_s <= 0 or s == 0:
        z = 0.0
    elif s > 0:
        z = (s - 1) / math.sqrt(var_s)
    else:
        z = (s + 1) / math.sqrt(var_s)
    p_value = math.erfc(abs(z) / math.sqrt(2))
    if p_value < alpha and z > 0:
        trend = MKTrend.INCREASING
    elif p_value < alpha and z < 0:
        trend = MKTrend.DECREASING
    else:
        trend = MKTrend.NO_TREND
    return MannKendall(s=s, z=z, p_value=p_value, trend=trend)

"""Status bands (§6): which values of a metric are green, amber or red.

The defaults are the §6 table as data, plus bands for the two DORA metrics beyond the
seed's eight (see docs/scoring.md for where each number comes from). A workspace's
``devintel.toml`` may override any of them through ``Bands.from_mapping``.

Convention for every metric except task_throughput, by its better direction:
- lower is better:  green when value ≤ green, red when value > red, amber between;
- higher is better: green when value ≥ green, red when value < red, amber between.
task_throughput is judged against a line's target instead: green when value ≥ target,
red when value < red_fraction × target (default 50 %), amber between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from devintel_cli.errors import UsageError
from devintel_cli.metrics.catalog import CATALOG, Better, Metric


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Band:
    """Fixed thresholds for one metric (see the module docstring for the comparisons)."""

    green: float
    red: float
    better: Better

    def status(self, value: float) -> Status:
        if self.better is Better.LOWER:
            if value <= self.green:
                return Status.GREEN
            if value > self.red:
                return Status.RED
            return Status.AMBER
        if value >= self.green:
            return Status.GREEN
        if value < self.red:
            return Status.RED
        return Status.AMBER


@dataclass(frozen=True)
class TargetBand:
    """task_throughput: thresholds relative to a line's target (tasks per sprint)."""

    target: float = 10.0
    red_fraction: float = 0.5

    def status(self, value: float, target: float | None = None) -> Status:
        goal = self.target if target is None else target
        if not (math.isfinite(goal) and goal > 0):
            raise ValueError(f"task_throughput target must be a positive number, got {goal!r}")
        if value >= goal:
            return Status.GREEN
        if value < self.red_fraction * goal:
            return Status.RED
        return Status.AMBER


#: (green, red) thresholds in the metric's unit; the better direction comes from CATALOG
DEFAULT_THRESHOLDS: dict[Metric, tuple[float, float]] = {
    # §6 table
    Metric.CYCLE_TIME: (24, 168),
    Metric.PR_REVIEW_TIME: (24, 72),
    Metric.DEPLOYMENT_FREQUENCY: (1, 0.25),
    Metric.CHANGE_FAILURE_RATE: (5, 15),
    Metric.TEST_COVERAGE: (80, 60),
    Metric.CODE_CHURN: (30, 50),
    Metric.OPEN_INCIDENT_RATE: (0.5, 2),
    # Beyond the table (docs/scoring.md): recovery green within a day (DORA 2023 high,
    # Four Keys' "restore green < 1 day"), red past a week (DORA 2023 low); rework rate
    # on the change-failure-rate scale (DORA 2023 elite 5 %, medium 15 %).
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME: (24, 168),
    Metric.REWORK_RATE: (5, 15),
}


def _default_bands() -> dict[Metric, Band]:
    return {
        metric: Band(green=green, red=red, better=CATALOG[metric].better)
        for metric, (green, red) in DEFAULT_THRESHOLDS.items()
    }


_FIXED_KEYS = ("green", "red")
_TARGET_KEYS = ("target", "red_fraction")


def _number(value: Any, key: str) -> float:
    # bool is an int in Python, but `green = true` in TOML is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(
            f"{key}: expected a number, got {type(value).__name__} {value!r}",
            hint="band thresholds are plain numbers in the metric's unit, e.g. green = 24",
        )
    number = float(value)
    if not math.isfinite(number):
        raise UsageError(f"{key}: expected a finite number, got {value!r}")
    return number


def parse_metric(name: Any, key: str) -> Metric:
    """A metric name from user input, or UsageError naming where it came from."""
    try:
        return Metric(name)
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise UsageError(
            f"{key}: unknown metric {name!r}", hint=f"known metrics: {known}"
        ) from None


@dataclass(frozen=True)
class Bands:
    """The status bands of every metric: the defaults, or a workspace's overrides of them."""

    fixed: Mapping[Metric, Band] = field(default_factory=_default_bands)
    throughput: TargetBand = field(default_factory=TargetBand)

    def status(self, metric: Metric | str, value: float, *, target: float | None = None) -> Status:
        """The band ``value`` falls in. ``target`` overrides the task_throughput target
        (a line's own target); other metrics ignore it."""
        metric = parse_metric(metric, "metric")
        if not math.isfinite(value):
            raise ValueError(f"{metric}: value must be a finite number, got {value!r}")
        if metric is Metric.TASK_THROUGHPUT:
            return self.throughput.status(value, target)
        return self.fixed[metric].status(value)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, prefix: str = "bands") -> Bands:
        """Defaults overridden by a TOML table such as::

            [bands.cycle_time]
            green = 12          # hours
            [bands.task_throughput]
            target = 8          # tasks per sprint
            red_fraction = 0.5

        Partial tables keep the other default. Unknown metrics or keys, non-numbers and
        thresholds in the wrong order raise UsageError naming the key (``prefix.metric.key``).
        """
        if not isinstance(mapping, Mapping):
            raise UsageError(f"{prefix}: expected a table of metrics, got {type(mapping).__name__}")
        fixed = dict(_default_bands())
        throughput = TargetBand()
        for name, table in mapping.items():
            metric = parse_metric(name, f"{prefix}.{name}")
            where = f"{prefix}.{name}"
            if not isinstance(table, Mapping):
                raise UsageError(
                    f"{where}: expected a table, got {type(table).__name__} {table!r}",
                    hint=f"write e.g. [{where}] with keys "
                    + ", ".join(_TARGET_KEYS if metric is Metric.TASK_THROUGHPUT else _FIXED_KEYS),
                )
            allowed = _TARGET_KEYS if metric is Metric.TASK_THROUGHPUT else _FIXED_KEYS
            for key in table:
                if key not in allowed:
                    raise UsageError(
                        f"{where}.{key}: unknown key", hint=f"{where} takes {', '.join(allowed)}"
                    )
            values = {key: _number(value, f"{where}.{key}") for key, value in table.items()}
            if metric is Metric.TASK_THROUGHPUT:
                throughput = replace(throughput, **values)
                if throughput.target <= 0:
                    raise UsageError(f"{where}.target: must be greater than 0")
                if not 0 < throughput.red_fraction <= 1:
                    raise UsageError(f"{where}.red_fraction: must be in (0, 1]")
                continue
            band = replace(fixed[metric], **values)
            lower_better = band.better is Better.LOWER
            if (band.green > band.red) if lower_better else (band.green < band.red):
                relation, direction = ("≤", "lower") if lower_better else ("≥", "higher")
                raise UsageError(
                    f"{where}: green ({band.green:g}) must be {relation} red ({band.red:g}): "
                    f"{direction} is better for {metric}",
                )
            fixed[metric] = band
        return cls(fixed=fixed, throughput=throughput)


DEFAULT_BANDS = Bands()


def status(
    metric: Metric | str,
    value: float,
    *,
    bands: Bands = DEFAULT_BANDS,
    target: float | None = None,
) -> Status:
    """Module-level shortcut for ``bands.status(metric, value, target=target)``."""
    return bands.status(metric, value, target=target)

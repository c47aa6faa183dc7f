"""Named DORA profiles (§8): per-metric cut-offs that name the tier (elite, high, medium,
low) a value falls in, each profile with its citation, plus user overrides from TOML.

One rule reads every profile: a metric's tiers are listed best first, each with its
*worse-side* bound (the upper end of a lower-is-better range, the lower end of a
higher-is-better one); a value gets the first tier whose bound it meets, and ``low`` when
it meets none. So a value in a gap between two published ranges gets the worse
neighbour (it misses the better tier's bound), and a value in a range several tiers
share gets the best of them. Bounds on times are strict ("< 1 day": exactly 24 h is
not elite), bounds on percentages and deployment rates inclusive ("5 %" means ≤ 5 %;
"weekly" means ≥ 1 a week).

The numbers, their sources and the conversion of DORA's deployment-frequency answers
into deployments per week are in docs/scoring.md ("DORA profiles").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

from devintel_cli.errors import UsageError
from devintel_cli.metrics.catalog import CATALOG, Better, Metric, Unit
from devintel_cli.scoring.bands import parse_metric


class Tier(StrEnum):
    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: tiers a profile may give bounds for, best first; low is what meets none of them
BOUNDED_TIERS = (Tier.ELITE, Tier.HIGH, Tier.MEDIUM)

# Durations in hours: a month is taken as 30 days (the "< 30 d" the tools use).
HOUR = 1.0
DAY = 24.0
WEEK = 7 * DAY
MONTH = 30 * DAY
SIX_MONTHS = 6 * MONTH

# DORA asks how often a team deploys; its answers, as deployments per week at the worse
# end of each range (docs/scoring.md, "Deployment frequency mapping"):
#: "on demand (multiple deploys per day)": at least one a day on average
ON_DEMAND_PER_WEEK = 7.0
#: "between once per day and once per week": at least weekly
WEEKLY_PER_WEEK = 1.0
#: "between once per week and once per month": at least monthly (7 ÷ 30 a week)
MONTHLY_PER_WEEK = 7 / 30
#: "between once per month and once every six months": at least every 180 days
SIX_MONTHLY_PER_WEEK = 7 / 180


@dataclass(frozen=True)
class TierBound:
    tier: Tier
    #: the worse-side bound of the tier's published range, in the metric's unit
    bound: float
    #: True: the bound itself belongs to the tier (≤ or ≥); False: strict (< or >)
    inclusive: bool


@dataclass(frozen=True)
class MetricTiers:
    metric: Metric
    #: best tier first; ``low`` is implied for values meeting none
    bounds: tuple[TierBound, ...]
    #: what the reader should know about these cut-offs (overlaps, unreachable tiers)
    note: str | None = None

    def tier(self, value: float) -> Tier:
        lower_better = CATALOG[self.metric].better is Better.LOWER
        for bound in self.bounds:
            if lower_better:
                meets = value <= bound.bound if bound.inclusive else value < bound.bound
            else:
                meets = value >= bound.bound if bound.inclusive else value > bound.bound
            if meets:
                return bound.tier
        return Tier.LOW


@dataclass(frozen=True)
class Profile:
    name: str
    #: where the numbers come from
    source: str
    metrics: Mapping[Metric, MetricTiers] = field(default_factory=dict)
    #: True when the published tiers are clusters over all metrics together, so a
    #: per-metric tier is an approximation (dora-2024)
    clusters: bool = False
    caveat: str | None = None

    def tier(self, metric: Metric | str, value: float) -> Tier | None:
        """The tier ``value`` of ``metric`` falls in; None when the profile has no
        cut-offs for the metric (e.g. test_coverage)."""
        tiers = self.metrics.get(parse_metric(metric, "metric"))
        return None if tiers is None else tiers.tier(value)


def _inclusive_for(metric: Metric) -> bool:
    # "< 1 day" is strict; "5 %" and "weekly" include their bound.
    return CATALOG[metric].unit is not Unit.HOURS


def _tiers(
    metric: Metric, elite: float, high: float, medium: float, note: str | None = None
) -> MetricTiers:
    inclusive = _inclusive_for(metric)
    return MetricTiers(
        metric,
        (
            TierBound(Tier.ELITE, elite, inclusive),
            TierBound(Tier.HIGH, high, inclusive),
            TierBound(Tier.MEDIUM, medium, inclusive),
        ),
        note,
    )


_LEAD = Metric.CYCLE_TIME
_DF = Metric.DEPLOYMENT_FREQUENCY
_CFR = Metric.CHANGE_FAILURE_RATE
_RECOVERY = Metric.FAILED_DEPLOYMENT_RECOVERY_TIME

DORA_2021 = Profile(
    name="dora-2021",
    source=(
        "DORA Accelerate State of DevOps Report 2021, performance levels as tabulated by "
        "Apache DevLake"
    ),
    metrics={
        _LEAD: _tiers(
            _LEAD,
            HOUR,
            WEEK,
            SIX_MONTHS,
            note="elite < 1 h; high 1 day – 1 week; medium 1 – 6 months; low > 6 months "
            "(values in the published gaps take the worse tier)",
        ),
        _DF: _tiers(
            _DF,
            ON_DEMAND_PER_WEEK,
            MONTHLY_PER_WEEK,
            SIX_MONTHLY_PER_WEEK,
            note="elite on demand; high weekly – monthly; medium monthly – every 6 months; "
            "low less often",
        ),
        _CFR: _tiers(
            _CFR,
            15,
            30,
            30,
            note="elite 0–15 %; high, medium and low all 16–30 %: a value in 16–30 % is "
            "named high, the best tier it fits; above 30 % low",
        ),
        _RECOVERY: _tiers(
            _RECOVERY,
            HOUR,
            DAY,
            WEEK,
            note="2021 measured time to restore service (any incident), not only "
            "failures caused by a change",
        ),
    },
)

DORA_2023 = Profile(
    name="dora-2023",
    source=(
        "DORA Accelerate State of DevOps Report 2023 (clusters as summarised by Octopus "
        "Deploy); per-metric cut-offs as Apache DevLake dashboards and Middleware derive "
        "them: lead time < 24 h / < 7 d / < 30 d, CFR ≤ 5 / 10 / 15 %, recovery "
        "< 1 h / < 24 h / < 7 d"
    ),
    metrics={
        _LEAD: _tiers(
            _LEAD,
            DAY,
            WEEK,
            MONTH,
            note="the report's low cluster (1 week – 1 month) overlaps medium; beyond "
            "30 days is low",
        ),
        _DF: _tiers(
            _DF,
            ON_DEMAND_PER_WEEK,
            WEEKLY_PER_WEEK,
            MONTHLY_PER_WEEK,
            note="elite on demand; high daily – weekly; medium weekly – monthly (the low "
            "cluster's weekly – monthly overlaps it); less often is low",
        ),
        _CFR: _tiers(_CFR, 5, 10, 15, note="low cluster: 64 %"),
        _RECOVERY: _tiers(_RECOVERY, HOUR, DAY, WEEK, note="low cluster: 1 – 6 months"),
    },
)

DORA_2024 = Profile(
    name="dora-2024",
    source=(
        "DORA Accelerate State of DevOps Report 2024, p. 13 (dora.dev/research/2024/dora-report)"
    ),
    clusters=True,
    caveat=(
        "DORA 2024's tiers are clusters of teams over all four metrics together, not "
        "per-metric cut-offs; a tier named for one metric is only the cluster whose "
        "published range that value fits. The change failure rate is not monotonic "
        "across the clusters (elite 5 %, high 20 %, medium 10 %, low 40 %)."
    ),
    metrics={
        _LEAD: _tiers(_LEAD, DAY, WEEK, MONTH, note="low cluster: 1 – 6 months"),
        _DF: _tiers(
            _DF,
            ON_DEMAND_PER_WEEK,
            WEEKLY_PER_WEEK,
            MONTHLY_PER_WEEK,
            note="low cluster: monthly – every 6 months",
        ),
        _CFR: _tiers(
            _CFR,
            5,
            20,
            10,
            note="published cluster values elite 5 %, high 20 %, medium 10 %, low 40 %: "
            "≤ 5 % is elite, ≤ 20 % high (medium's 10 % is never reached on its own), "
            "above 20 % low",
        ),
        _RECOVERY: _tiers(
            _RECOVERY,
            HOUR,
            DAY,
            DAY,
            note="high and medium share < 1 day (named high); low cluster: 1 week – 1 "
            "month, so 1 day or more is low",
        ),
    },
)

#: the shipped profiles by name
PROFILES: Mapping[str, Profile] = {p.name: p for p in (DORA_2021, DORA_2023, DORA_2024)}

#: the profile benchmark rows name a tier from unless the user picks another: the latest
#: report whose per-metric cut-offs the tools agree on (2024's are clusters)
DEFAULT_PROFILE = "dora-2023"


def get_profile(name: str, profiles: Mapping[str, Profile] = PROFILES) -> Profile:
    """The profile called ``name``, or UsageError listing the known ones."""
    try:
        return profiles[name]
    except KeyError:
        raise UsageError(
            f"unknown benchmark profile {name!r}",
            hint=f"known profiles: {', '.join(sorted(profiles))}",
        ) from None


def tier(profile: Profile | str, metric: Metric | str, value: float) -> str | None:
    """The tier name (elite/high/medium/low) ``value`` of ``metric`` falls in under
    ``profile`` (a Profile or a shipped profile's name); None when the profile has no
    cut-offs for the metric."""
    chosen = get_profile(profile) if isinstance(profile, str) else profile
    found = chosen.tier(metric, value)
    return None if found is None else found.value


_PROFILE_KEYS = ("base", "source", "caveat")


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{key}: expected a non-empty string, got {value!r}")
    return value


def _metric_tiers(metric: Metric, table: Any, where: str) -> MetricTiers:
    if not isinstance(table, Mapping):
        raise UsageError(
            f"{where}: expected a table of tier bounds, got {type(table).__name__} {table!r}",
            hint=f"write e.g. [{where}] elite = …, high = …, medium = …",
        )
    if not table:
        raise UsageError(f"{where}: give at least one of elite, high, medium")
    allowed = [t.value for t in BOUNDED_TIERS]
    values: dict[Tier, float] = {}
    for key, value in table.items():
        if key not in allowed:
            raise UsageError(
                f"{where}.{key}: unknown tier",
                hint="give elite, high and/or medium; low is whatever meets none of them",
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise UsageError(f"{where}.{key}: expected a number, got {value!r}")
        values[Tier(key)] = float(value)
    ordered = [(t, values[t]) for t in BOUNDED_TIERS if t in values]
    lower_better = CATALOG[metric].better is Better.LOWER
    for (better_tier, better_bound), (worse_tier, worse_bound) in pairwise(ordered):
        if (better_bound > worse_bound) if lower_better else (better_bound < worse_bound):
            relation = "≤" if lower_better else "≥"
            raise UsageError(
                f"{where}: {better_tier} ({better_bound:g}) must be {relation} "
                f"{worse_tier} ({worse_bound:g})"
            )
    inclusive = _inclusive_for(metric)
    return MetricTiers(metric, tuple(TierBound(t, b, inclusive) for t, b in ordered))


def profiles_from_mapping(
    mapping: Mapping[str, Any], *, prefix: str = "profiles"
) -> dict[str, Profile]:
    """The shipped profiles plus a TOML table of overrides and new profiles::

        [profiles.dora-2023.cycle_time]     # change a shipped profile's cut-offs
        elite = 12
        high = 96
        medium = 500

        [profiles.acme]                     # a new profile
        base = "dora-2023"                  # optional: start from a shipped one
        source = "Acme delivery handbook 2025"
        [profiles.acme.change_failure_rate]
        elite = 3
        high = 8

    A metric table replaces that metric's cut-offs entirely (tiers left out are not
    reached: a value missing every given bound is low). Errors name the key.
    """
    if not isinstance(mapping, Mapping):
        raise UsageError(f"{prefix}: expected a table of profiles, got {type(mapping).__name__}")
    profiles = dict(PROFILES)
    for name, table in mapping.items():
        where = f"{prefix}.{name}"
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{where}: a profile needs a non-empty name")
        if not isinstance(table, Mapping):
            raise UsageError(f"{where}: expected a table, got {type(table).__name__} {table!r}")
        base_name = table.get("base", name if name in PROFILES else None)
        if "base" in table:
            _text(base_name, f"{where}.base")
            if base_name not in PROFILES:
                raise UsageError(
                    f"{where}.base: unknown profile {base_name!r}",
                    hint=f"base names a shipped profile: {', '.join(sorted(PROFILES))}",
                )
        base = PROFILES[base_name] if base_name is not None else None
        metrics = dict(base.metrics) if base is not None else {}
        for key, value in table.items():
            if key in _PROFILE_KEYS:
                continue
            metric = parse_metric(key, f"{where}.{key}")
            metrics[metric] = _metric_tiers(metric, value, f"{where}.{key}")
        if "source" in table:
            source = _text(table["source"], f"{where}.source")
        elif base is not None:
            source = f"{base.source}; with overrides from {where}"
        else:
            source = f"user-defined ({where})"
        caveat = _text(table["caveat"], f"{where}.caveat") if "caveat" in table else None
        if caveat is None and base is not None:
            caveat = base.caveat
        profiles[name] = Profile(
            name=name,
            source=source,
            metrics=metrics,
            clusters=base.clusters if base is not None else False,
            caveat=caveat,
        )
    return profiles

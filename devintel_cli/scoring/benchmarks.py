"""Benchmarks (§8): where a workspace's value sits among its peers.

A reference distribution is a set of known quantiles of a metric among peers (any
ranks, e.g. p10/p25/p50/p75/p90), with the source of the numbers and the cohort they
describe (team size by active contributors, primary language). ``percentile`` places a
value in it by linear interpolation, direction-aware, and ``benchmark_row`` picks the
most specific cohort that has data and names the DORA tier of the value.

Reference sets come from shipped data or from a user's JSON file
(``load_reference_file``; format in docs/scoring.md, "Benchmark files"). Peers inside the
state directory (the workspace's other repositories or lines) are a second comparison:
``compare_with_peers`` places a value among their values the same way.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

from devintel_cli.errors import InputFileError
from devintel_cli.metrics.catalog import CATALOG, Better, Metric
from devintel_cli.scoring import stats
from devintel_cli.scoring.profiles import DEFAULT_PROFILE, PROFILES, Profile

#: team-size cohorts by active contributors: (label, fewest, most or None)
TEAM_SIZE_COHORTS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2-5", 2, 5),
    ("6-20", 6, 20),
    ("21+", 21, None),
)
TEAM_SIZE_LABELS = tuple(label for label, _, _ in TEAM_SIZE_COHORTS)

#: the ranks ``distribution_from_values`` computes when not told otherwise
DEFAULT_RANKS = (10.0, 25.0, 50.0, 75.0, 90.0)


class Assessment(StrEnum):
    ABOVE_MEDIAN = "above_median"
    BELOW_MEDIAN = "below_median"
    AT_MEDIAN = "at_median"


def team_size_cohort(active_contributors: int | None) -> str | None:
    """The team-size cohort label for a number of active contributors; None for none."""
    if active_contributors is None or active_contributors < 1:
        return None
    for label, fewest, most in TEAM_SIZE_COHORTS:
        if active_contributors >= fewest and (most is None or active_contributors <= most):
            return label
    raise AssertionError("unreachable: the last cohort is open-ended")


def normalise_language(language: str | None) -> str | None:
    """Languages compare case-insensitively ("Python" and "python" are one cohort)."""
    if language is None or not language.strip():
        return None
    return language.strip().lower()


@dataclass(frozen=True)
class Cohort:
    team_size: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.team_size is not None and self.team_size not in TEAM_SIZE_LABELS:
            raise ValueError(f"unknown team size cohort {self.team_size!r}")
        object.__setattr__(self, "language", normalise_language(self.language))

    @property
    def key(self) -> str:
        """A stable label: ``all``, ``team_size=2-5``, ``language=python`` or both."""
        parts = []
        if self.language is not None:
            parts.append(f"language={self.language}")
        if self.team_size is not None:
            parts.append(f"team_size={self.team_size}")
        return ",".join(parts) or "all"


ALL_PEERS = Cohort()

Quantiles = Mapping[float, float] | Sequence[tuple[float, float]]


def _sorted_quantiles(quantiles: Quantiles) -> list[tuple[float, float]]:
    """(rank, value) pairs sorted by rank, checked: ranks unique in [0, 100], values finite
    and non-decreasing with rank."""
    pairs = list(quantiles.items()) if isinstance(quantiles, Mapping) else list(quantiles)
    cleaned = sorted((float(rank), float(value)) for rank, value in pairs)
    if not cleaned:
        raise ValueError("no quantiles")
    for rank, value in cleaned:
        if not 0 <= rank <= 100:
            raise ValueError(f"quantile rank {rank:g} outside 0–100")
        if not math.isfinite(value):
            raise ValueError(f"quantile p{rank:g} is not a finite number")
    for (rank_a, value_a), (rank_b, value_b) in pairwise(cleaned):
        if rank_a == rank_b:
            raise ValueError(f"quantile rank p{rank_a:g} given twice")
        if value_b < value_a:
            raise ValueError(
                f"quantiles must not decrease: p{rank_b:g} ({value_b:g}) "
                f"< p{rank_a:g} ({value_a:g})"
            )
    return cleaned


def _round_half_up(number: float) -> int:
    return math.floor(number + 0.5)


def raw_rank(value: float, quantiles: Quantiles) -> float:
    """The share of peers (0–100) whose value is below ``value``, by linear interpolation
    between the known quantiles.

    - Beyond the outermost known quantiles the rank is that quantile's: with p10 and p90
      known, a value under p10 ranks 10 — we know it is below at least 90 % of peers and
      claim no more.
    - A value equal to several quantiles at once (tied, e.g. p10 = p25 = 0) takes the
      middle of their ranks (17.5), as mid-ranks do for ties.
    """
    known = _sorted_quantiles(quantiles)
    if not math.isfinite(value):
        raise ValueError("value must be a finite number")
    tied = [rank for rank, quantile in known if quantile == value]
    if tied:
        return (min(tied) + max(tied)) / 2
    if value < known[0][1]:
        return known[0][0]
    if value > known[-1][1]:
        return known[-1][0]
    for (rank_a, value_a), (rank_b, value_b) in pairwise(known):
        if value_a < value < value_b:
            return rank_a + (value - value_a) / (value_b - value_a) * (rank_b - rank_a)
    raise AssertionError("unreachable: value lies between two known quantiles")


def percentile(value: float, quantiles: Quantiles, better: Better | str) -> int:
    """Direction-aware percentile, an integer in 0–100: the share of peers ``value`` is
    better than. Higher-is-better: the raw rank; lower-is-better: 100 − raw rank (a cycle
    time below the median scores above 50). Rounded half up."""
    rank = raw_rank(value, quantiles)
    if Better(better) is Better.LOWER:
        rank = 100 - rank
    return max(0, min(100, _round_half_up(rank)))


def quantile_value(quantiles: Quantiles, rank: float) -> float:
    """The value at ``rank`` by linear interpolation between the known quantiles;
    ValueError when ``rank`` is outside the known ones."""
    known = _sorted_quantiles(quantiles)
    for known_rank, value in known:
        if known_rank == rank:
            return value
    for (rank_a, value_a), (rank_b, value_b) in pairwise(known):
        if rank_a < rank < rank_b:
            return value_a + (rank - rank_a) / (rank_b - rank_a) * (value_b - value_a)
    raise ValueError(f"p{rank:g} is outside the known quantiles")


def assessment(percentile_value: int) -> Assessment:
    """§8: above_median when > 50, below_median when < 50, else at_median."""
    if percentile_value > 50:
        return Assessment.ABOVE_MEDIAN
    if percentile_value < 50:
        return Assessment.BELOW_MEDIAN
    return Assessment.AT_MEDIAN


@dataclass(frozen=True)
class Distribution:
    """Known quantiles of one metric among one cohort of peers, with their source."""

    metric: Metric
    #: (rank 0–100, value) pairs, sorted by rank; must include ranks below and above 50
    quantiles: tuple[tuple[float, float], ...]
    #: the citation for this set of numbers
    source: str
    cohort: Cohort = ALL_PEERS
    #: peers the quantiles were computed from, when known
    sample_size: int | None = None

    def __post_init__(self) -> None:
        known = _sorted_quantiles(self.quantiles)
        ranks = [rank for rank, _ in known]
        if not (min(ranks) < 50 < max(ranks)):
            raise ValueError(
                "quantiles must include a rank below 50 and one above 50, "
                f"got {', '.join(f'p{r:g}' for r in ranks)}"
            )
        if not self.source.strip():
            raise ValueError("a distribution needs a source")
        object.__setattr__(self, "quantiles", tuple(known))

    @property
    def median(self) -> float:
        return quantile_value(self.quantiles, 50)

    def percentile(self, value: float) -> int:
        return percentile(value, self.quantiles, CATALOG[self.metric].better)


@dataclass(frozen=True)
class ReferenceSet:
    """Reference distributions, at most one per (metric, cohort)."""

    distributions: tuple[Distribution, ...] = ()
    #: the length of the window each peer was measured over, when the document says it
    window_days: int | None = None

    def __post_init__(self) -> None:
        seen: set[tuple[Metric, Cohort]] = set()
        for distribution in self.distributions:
            identity = (distribution.metric, distribution.cohort)
            if identity in seen:
                raise ValueError(
                    f"two distributions for {distribution.metric} in cohort "
                    f"{distribution.cohort.key}"
                )
            seen.add(identity)

    def select(
        self,
        metric: Metric,
        *,
        team_size: str | None = None,
        language: str | None = None,
    ) -> Distribution | None:
        """The most specific cohort with data: language + team size → team size →
        language → all peers; None when the metric has no distribution at all."""
        by_cohort = {d.cohort: d for d in self.distributions if d.metric is metric}
        language = normalise_language(language)
        candidates = [
            Cohort(team_size, language),
            Cohort(team_size, None),
            Cohort(None, language),
            ALL_PEERS,
        ]
        for cohort in candidates:
            if cohort in by_cohort:
                return by_cohort[cohort]
        return None

    def overlay(self, other: ReferenceSet) -> ReferenceSet:
        """This set with ``other`` taking precedence: for every metric ``other`` covers,
        only ``other``'s distributions are used (a user's file wins per metric)."""
        covered = {d.metric for d in other.distributions}
        kept = tuple(d for d in self.distributions if d.metric not in covered)
        return ReferenceSet(kept + other.distributions, window_days=self.window_days)


#: the shipped reference data: distributions computed from real public repositories by
#: benchmarks/reference/build_reference.py (its tables: benchmarks/reference/), one file per
#: window length each repository was measured over
BUILTIN_REFERENCE_FILE = "reference.json"
BUILTIN_REFERENCE_FILES = {365: BUILTIN_REFERENCE_FILE, 90: "reference-90d.json"}


def builtin_window_days(window_days: int | None) -> int:
    """The shipped window closest to ``window_days`` by ratio (28 days → 90, 180 → 90, 200 →
    365); 365, the shipped default, when no window is given. A value over a window of
    another length is compared with peers measured over the closest one: rates and medians
    keep their unit whatever the window, but a shorter window spreads the values wider."""
    if window_days is None:
        return 365
    return min(BUILTIN_REFERENCE_FILES, key=lambda days: abs(math.log(window_days / days)))


def builtin_reference(window_days: int | None = None) -> ReferenceSet:
    """The reference data shipped with the package (``devintel_cli/scoring/data/``) for the
    shipped window closest to ``window_days`` (``builtin_window_days``), read and validated
    on first use of its file. A broken file is a packaging bug: it raises."""
    return _shipped_reference(BUILTIN_REFERENCE_FILES[builtin_window_days(window_days)])


@functools.cache
def _shipped_reference(name: str) -> ReferenceSet:
    """One shipped file, read once (whichever window lengths map to it)."""
    resource = files("devintel_cli.scoring") / "data" / name
    document = json.loads(resource.read_text(encoding="utf-8"))
    return parse_reference(document, origin=f"devintel_cli/scoring/data/{name}")


def __getattr__(name: str) -> Any:
    # ``BUILTIN_REFERENCE`` stays importable, loaded lazily (PEP 562) so importing this
    # module reads no file
    if name == "BUILTIN_REFERENCE":
        return builtin_reference()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class BenchmarkRow:
    metric: Metric
    workspace_value: float
    platform_median: float
    percentile: int
    assessment: Assessment
    #: the cohort the distribution describes (Cohort.key)
    cohort: str
    source: str
    dora_tier: str | None = None


def benchmark_row(
    metric: Metric,
    workspace_value: float | None,
    reference: ReferenceSet,
    *,
    active_contributors: int | None = None,
    language: str | None = None,
    profile: Profile | None = PROFILES[DEFAULT_PROFILE],
) -> BenchmarkRow | None:
    """The benchmark row of one metric; None when the workspace has no value or the
    reference has no distribution for the metric. ``profile=None`` leaves dora_tier out."""
    if workspace_value is None:
        return None
    distribution = reference.select(
        metric, team_size=team_size_cohort(active_contributors), language=language
    )
    if distribution is None:
        return None
    rank = distribution.percentile(workspace_value)
    found_tier = profile.tier(metric, workspace_value) if profile is not None else None
    return BenchmarkRow(
        metric=metric,
        workspace_value=workspace_value,
        platform_median=distribution.median,
        percentile=rank,
        assessment=assessment(rank),
        cohort=distribution.cohort.key,
        source=distribution.source,
        dora_tier=None if found_tier is None else found_tier.value,
    )


#: fewest peers with a value a peer comparison needs: with fewer, a median and a percentile
#: among them say more about the peers picked than about the scope
MIN_PEERS = 3


class PeerScope(StrEnum):
    """What a scope's peers are: the workspace's other repositories (for a repository) or
    its other service lines (for a line)."""

    REPOSITORIES = "repositories"
    LINES = "lines"


@dataclass(frozen=True)
class PeerComparison:
    """Where a value sits among its peers inside the state directory (§8's second source)."""

    metric: Metric
    scope: PeerScope
    #: peers with a value (the scope itself excluded)
    count: int
    median: float
    percentile: int


def peer_distribution(metric: Metric, values: Sequence[float], *, source: str) -> Distribution:
    """The peers' values as a distribution that keeps every one of them: the k-th smallest
    of n values is the quantile of rank 100·k/(n − 1) (Hyndman & Fan type 7, as
    ``sample_quantiles`` places them), so ``percentile`` interpolates between the two peers
    around a value, reaches 0 and 100 beyond the lowest and highest, and a value equal to
    some peers takes the middle of their ranks. Needs at least two values."""
    ordered = sorted(float(v) for v in values)
    if len(ordered) < 2:
        raise ValueError("a peer distribution needs at least two values")
    last = len(ordered) - 1
    return Distribution(
        metric=metric,
        quantiles=tuple((100 * k / last, value) for k, value in enumerate(ordered)),
        source=source,
        sample_size=len(ordered),
    )


def compare_with_peers(
    metric: Metric,
    value: float,
    peer_values: Iterable[float | None],
    *,
    scope: PeerScope | str,
    minimum: int = MIN_PEERS,
) -> PeerComparison | None:
    """``value`` among the peers' values of the same metric over the same window (peers
    without a value are left out): their median and the direction-aware percentile of
    ``value`` among them, computed as against a reference distribution; None with fewer
    than ``minimum`` (at least 2) peers with a value."""
    present = [float(v) for v in peer_values if v is not None]
    if len(present) < max(minimum, 2):
        return None
    scope = PeerScope(scope)
    distribution = peer_distribution(metric, present, source=f"other {scope} of the workspace")
    return PeerComparison(
        metric=metric,
        scope=scope,
        count=len(present),
        # the mean of the two middle values for an even count, exactly (no interpolation)
        median=stats.median(present),
        percentile=distribution.percentile(value),
    )


def sample_quantiles(
    values: Sequence[float], ranks: Iterable[float] = DEFAULT_RANKS
) -> dict[float, float]:
    """Quantiles of a sample by linear interpolation between order statistics
    (Hyndman & Fan type 7, numpy's default): position (n − 1) × rank ÷ 100."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("quantiles of no values")
    result: dict[float, float] = {}
    for rank in ranks:
        if not 0 <= rank <= 100:
            raise ValueError(f"quantile rank {rank:g} outside 0–100")
        position = (len(ordered) - 1) * rank / 100
        below = math.floor(position)
        above = min(below + 1, len(ordered) - 1)
        result[float(rank)] = ordered[below] + (position - below) * (
            ordered[above] - ordered[below]
        )
    return result


def distribution_from_values(
    metric: Metric,
    values: Sequence[float],
    *,
    source: str,
    cohort: Cohort = ALL_PEERS,
    ranks: Iterable[float] = DEFAULT_RANKS,
) -> Distribution:
    """A distribution computed from peers' values (other repositories or lines in the
    state directory, or the project's open-source reference script)."""
    quantiles = sample_quantiles(values, ranks)
    return Distribution(
        metric=metric,
        quantiles=tuple(quantiles.items()),
        source=source,
        cohort=cohort,
        sample_size=len(values),
    )


# --- user benchmark files -------------------------------------------------------------

_QUANTILE_KEY = re.compile(r"^p?(\d+(?:\.\d+)?)$")
_DOCUMENT_KEYS = {"version", "source", "window_days", "distributions"}
_DISTRIBUTION_KEYS = {"metric", "quantiles", "source", "cohort", "sample_size"}
_COHORT_KEYS = {"team_size", "language"}


def _fail(origin: str, field: str, problem: str) -> InputFileError:
    return InputFileError(
        f"{origin}: {field}: {problem}",
        hint="see docs/scoring.md, 'Benchmark files', for the format",
    )


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _parse_distribution(
    item: Any, where: str, origin: str, default_source: str | None
) -> Distribution:
    if not isinstance(item, Mapping):
        raise _fail(origin, where, f"expected an object, got {type(item).__name__}")
    for key in item:
        if key not in _DISTRIBUTION_KEYS:
            raise _fail(origin, f"{where}.{key}", "unknown field")
    if "metric" not in item:
        raise _fail(origin, f"{where}.metric", "missing")
    try:
        metric = Metric(item["metric"])
    except (ValueError, TypeError):
        raise _fail(origin, f"{where}.metric", f"unknown metric {item['metric']!r}") from None
    source = item.get("source", default_source)
    if not isinstance(source, str) or not source.strip():
        raise _fail(
            origin,
            f"{where}.source",
            "missing: every set of numbers needs its source (here or at the top level)",
        )
    raw = item.get("quantiles")
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(origin, f"{where}.quantiles", 'expected an object like {"p50": 19.8, …}')
    quantiles: list[tuple[float, float]] = []
    for key, value in raw.items():
        match = _QUANTILE_KEY.match(str(key))
        if match is None or not 0 <= float(match.group(1)) <= 100:
            raise _fail(origin, f"{where}.quantiles.{key}", "expected a key p0 … p100")
        if not _is_number(value):
            raise _fail(origin, f"{where}.quantiles.{key}", f"expected a number, got {value!r}")
        quantiles.append((float(match.group(1)), float(value)))
    cohort_raw = item.get("cohort", {})
    if not isinstance(cohort_raw, Mapping):
        raise _fail(origin, f"{where}.cohort", "expected an object")
    for key in cohort_raw:
        if key not in _COHORT_KEYS:
            raise _fail(origin, f"{where}.cohort.{key}", "unknown field (team_size, language)")
    team_size = cohort_raw.get("team_size")
    if team_size is not None and team_size not in TEAM_SIZE_LABELS:
        raise _fail(
            origin,
            f"{where}.cohort.team_size",
            f"expected one of {', '.join(TEAM_SIZE_LABELS)}, got {team_size!r}",
        )
    language = cohort_raw.get("language")
    if language is not None and (not isinstance(language, str) or not language.strip()):
        raise _fail(origin, f"{where}.cohort.language", "expected a non-empty string")
    sample_size = item.get("sample_size")
    if sample_size is not None and (
        isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1
    ):
        raise _fail(origin, f"{where}.sample_size", "expected a positive integer")
    try:
        return Distribution(
            metric=metric,
            quantiles=tuple(quantiles),
            source=source,
            cohort=Cohort(team_size, language),
            sample_size=sample_size,
        )
    except ValueError as error:
        raise _fail(origin, f"{where}.quantiles", str(error)) from None


def parse_reference(document: Any, *, origin: str = "benchmark file") -> ReferenceSet:
    """A ReferenceSet from a parsed benchmark document; InputFileError naming the field
    (e.g. ``distributions[2].quantiles.p50``) when it is malformed."""
    if not isinstance(document, Mapping):
        raise _fail(origin, "(top level)", "expected an object with a 'distributions' list")
    for key in document:
        if key not in _DOCUMENT_KEYS:
            raise _fail(origin, str(key), "unknown field")
    if document.get("version", 1) != 1:
        raise _fail(origin, "version", f"unsupported version {document['version']!r} (1 known)")
    default_source = document.get("source")
    if default_source is not None and (
        not isinstance(default_source, str) or not default_source.strip()
    ):
        raise _fail(origin, "source", "expected a non-empty string")
    items = document.get("distributions")
    if not isinstance(items, list):
        raise _fail(origin, "distributions", "expected a list")
    distributions = []
    seen: dict[tuple[Metric, Cohort], int] = {}
    for index, item in enumerate(items):
        where = f"distributions[{index}]"
        distribution = _parse_distribution(item, where, origin, default_source)
        identity = (distribution.metric, distribution.cohort)
        if identity in seen:
            raise _fail(
                origin,
                where,
                f"a second distribution for {distribution.metric} in cohort "
                f"{distribution.cohort.key} (first at distributions[{seen[identity]}])",
            )
        seen[identity] = index
        distributions.append(distribution)
    window_days = document.get("window_days")
    if window_days is not None and (
        not isinstance(window_days, int) or isinstance(window_days, bool) or window_days < 1
    ):
        raise _fail(origin, "window_days", "expected a whole number of days, at least 1")
    return ReferenceSet(tuple(distributions), window_days=window_days)


def load_reference_file(path: Path | str) -> ReferenceSet:
    """Read and validate a user's benchmark file (JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputFileError(
            f"{path}: cannot read benchmark file: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: benchmark file is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    return parse_reference(document, origin=str(path))

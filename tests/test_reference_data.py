"""The shipped open-source references (devintel_cli/scoring/data/reference.json over 365
days, reference-90d.json over 90, §8): each parses, is computed from enough real
repositories, and agrees with the per-repository table it was built from
(benchmarks/reference/repositories.csv, repositories-90d.csv), so the two cannot drift."""

from __future__ import annotations

import csv
import json
import re
from importlib.resources import files
from itertools import pairwise
from pathlib import Path

import pytest

from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring import benchmarks
from devintel_cli.scoring.benchmarks import (
    ALL_PEERS,
    Cohort,
    ReferenceSet,
    builtin_reference,
    parse_reference,
    sample_quantiles,
    team_size_cohort,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "benchmarks" / "reference"
REPOSITORY_LIST = REFERENCE_DIR / "repositories.txt"
#: (window days, shipped file, the table it was built from)
SHIPPED = [
    (365, "reference.json", "repositories.csv"),
    (90, "reference-90d.json", "repositories-90d.csv"),
]


@pytest.fixture(params=SHIPPED, ids=[f"{days}d" for days, _, _ in SHIPPED])
def shipped(request) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return request.param


def _document(name: str) -> dict:  # type: ignore[type-arg]
    resource = files("devintel_cli.scoring") / "data" / name
    return json.loads(resource.read_text(encoding="utf-8"))


def _rows(table: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / table).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _members(rows: list[dict[str, str]], cohort: Cohort) -> list[dict[str, str]]:
    return [
        r
        for r in rows
        if (cohort.team_size is None or r["team_size"] == cohort.team_size)
        and (cohort.language is None or r["language"] == cohort.language)
    ]


def _values(rows: list[dict[str, str]], metric: Metric) -> list[float]:
    return [float(r[str(metric)]) for r in rows if r[str(metric)].strip()]


def test_shipped_file_parses_and_is_the_builtin_reference(shipped) -> None:
    days, name, _ = shipped
    reference = parse_reference(_document(name))
    assert isinstance(reference, ReferenceSet)
    assert reference.distributions
    assert reference.window_days == days
    assert builtin_reference(days) == reference
    assert f"each repository's {days} days up to its last commit" in _document(name)["source"]


def test_the_default_reference_is_the_365_day_one() -> None:
    assert builtin_reference() == builtin_reference(365)
    assert builtin_reference().window_days == 365
    assert builtin_reference() == benchmarks.BUILTIN_REFERENCE  # the old name still works


@pytest.mark.parametrize(
    ("asked", "shipped_days"),
    # the closest by ratio: the boundary is √(90 × 365) ≈ 181.2 days
    [(1, 90), (28, 90), (90, 90), (181, 90), (182, 365), (365, 365), (3650, 365)],
)
def test_a_window_picks_the_shipped_window_closest_by_ratio(asked: int, shipped_days: int) -> None:
    assert benchmarks.builtin_window_days(asked) == shipped_days
    assert builtin_reference(asked).window_days == shipped_days


def test_computed_from_at_least_30_real_repositories(shipped) -> None:
    days, name, table = shipped
    document = _document(name)
    match = re.search(r"(\d+) public repositories", document["source"])
    assert match is not None, document["source"]
    count = int(match.group(1))
    assert count >= 30
    rows = _rows(table)
    assert len(rows) == count
    assert len({r["repository"] for r in rows}) == count
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{40}", row["commit"]), row["repository"]
    listed = {
        line.split()[0]
        for line in REPOSITORY_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    assert {r["repository"] for r in rows} <= listed
    # the all-peers distributions count the repositories that have a value
    for distribution in builtin_reference(days).distributions:
        if distribution.cohort == ALL_PEERS:
            assert distribution.sample_size is not None
            assert 5 <= distribution.sample_size <= count


def test_every_distribution_is_monotone_with_a_source(shipped) -> None:
    days, _, table = shipped
    for distribution in builtin_reference(days).distributions:
        values = [value for _, value in distribution.quantiles]
        assert all(a <= b for a, b in pairwise(values)), distribution
        assert [rank for rank, _ in distribution.quantiles] == [10, 25, 50, 75, 90]
        assert f"benchmarks/reference/{table}" in distribution.source


def test_table_cohorts_agree_with_the_cohort_rules(shipped) -> None:
    for row in _rows(shipped[2]):
        assert row["team_size"] == (team_size_cohort(int(row["active_contributors"])) or "")
        assert row["language"] == row["language"].strip().lower()


@pytest.mark.parametrize("metric", [m for m in Metric])
def test_quantiles_match_the_table(shipped, metric: Metric) -> None:
    """Every shipped distribution, medians included, is recomputed from the CSV's values."""
    days, _, table = shipped
    rows = _rows(table)
    for distribution in builtin_reference(days).distributions:
        if distribution.metric is not metric:
            continue
        values = _values(_members(rows, distribution.cohort), metric)
        assert distribution.sample_size == len(values), distribution.cohort.key
        expected = sample_quantiles(values)
        assert distribution.median == pytest.approx(expected[50.0], abs=1e-4)
        for rank, value in distribution.quantiles:
            assert value == pytest.approx(expected[rank], abs=1e-4), (
                distribution.cohort.key,
                rank,
            )


def test_the_all_peers_set_covers_every_metric_the_table_has_enough_values_for(shipped) -> None:
    days, _, table = shipped
    rows = _rows(table)
    covered = {d.metric for d in builtin_reference(days).distributions if d.cohort == ALL_PEERS}
    for metric in Metric:
        if str(metric) not in rows[0]:
            continue
        assert (metric in covered) == (len(_values(rows, metric)) >= 5), metric

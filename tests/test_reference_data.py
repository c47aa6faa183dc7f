"""The shipped open-source reference (devintel_cli/scoring/data/reference.json, §8): it
parses, it is computed from enough real repositories, and it agrees with the per-repository
table it was built from (benchmarks/reference/repositories.csv), so the two cannot drift."""

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
TABLE = ROOT / "benchmarks" / "reference" / "repositories.csv"
REPOSITORY_LIST = ROOT / "benchmarks" / "reference" / "repositories.txt"


def _document() -> dict:  # type: ignore[type-arg]
    resource = files("devintel_cli.scoring") / "data" / "reference.json"
    return json.loads(resource.read_text(encoding="utf-8"))


def _rows() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as handle:
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


def test_shipped_file_parses_and_is_the_builtin_reference() -> None:
    reference = parse_reference(_document())
    assert isinstance(reference, ReferenceSet)
    assert reference.distributions
    assert builtin_reference() == reference
    assert reference == benchmarks.BUILTIN_REFERENCE  # the old name still works, lazily


def test_computed_from_at_least_30_real_repositories() -> None:
    document = _document()
    match = re.search(r"(\d+) public repositories", document["source"])
    assert match is not None, document["source"]
    count = int(match.group(1))
    assert count >= 30
    rows = _rows()
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
    for distribution in builtin_reference().distributions:
        if distribution.cohort == ALL_PEERS:
            assert distribution.sample_size is not None
            assert 5 <= distribution.sample_size <= count


def test_every_distribution_is_monotone_with_a_source() -> None:
    for distribution in builtin_reference().distributions:
        values = [value for _, value in distribution.quantiles]
        assert all(a <= b for a, b in pairwise(values)), distribution
        assert [rank for rank, _ in distribution.quantiles] == [10, 25, 50, 75, 90]
        assert "benchmarks/reference/repositories.csv" in distribution.source


def test_table_cohorts_agree_with_the_cohort_rules() -> None:
    for row in _rows():
        assert row["team_size"] == (team_size_cohort(int(row["active_contributors"])) or "")
        assert row["language"] == row["language"].strip().lower()


@pytest.mark.parametrize("metric", [m for m in Metric])
def test_quantiles_match_the_table(metric: Metric) -> None:
    """Every shipped distribution, medians included, is recomputed from the CSV's values."""
    rows = _rows()
    for distribution in builtin_reference().distributions:
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


def test_the_all_peers_set_covers_every_metric_the_table_has_enough_values_for() -> None:
    rows = _rows()
    covered = {d.metric for d in builtin_reference().distributions if d.cohort == ALL_PEERS}
    for metric in Metric:
        if str(metric) not in rows[0]:
            continue
        assert (metric in covered) == (len(_values(rows, metric)) >= 5), metric

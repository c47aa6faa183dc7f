"""scoring/benchmarks.py: direction-aware percentiles, cohorts, rows and benchmark files."""

from __future__ import annotations

import json

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.metrics.catalog import Better, Metric
from devintel_cli.scoring.benchmarks import (
    ALL_PEERS,
    Assessment,
    BenchmarkRow,
    Cohort,
    Distribution,
    ReferenceSet,
    assessment,
    benchmark_row,
    distribution_from_values,
    load_reference_file,
    parse_reference,
    percentile,
    quantile_value,
    raw_rank,
    sample_quantiles,
    team_size_cohort,
)
from devintel_cli.scoring.profiles import PROFILES

#: a cycle-time distribution with the seed's platform median of 19.8 h
CYCLE_Q = {10: 6.0, 25: 11.0, 50: 19.8, 75: 40.0, 90: 90.0}
#: a change-failure-rate distribution with the seed's median of 2.1 %
CFR_Q = {10: 0.0, 25: 0.8, 50: 2.1, 75: 6.0, 90: 12.0}


# --- percentile --------------------------------------------------------------------------


def test_seed_cycle_time_is_above_median():
    # 14.2 lies between p25 = 11.0 and p50 = 19.8: raw rank 25 + (14.2 − 11) / 8.8 × 25
    # = 34.09; lower is better → 100 − 34.09 = 65.91 → 66 → above_median
    assert raw_rank(14.2, CYCLE_Q) == pytest.approx(34.0909, abs=1e-4)
    assert percentile(14.2, CYCLE_Q, Better.LOWER) == 66
    assert assessment(66) is Assessment.ABOVE_MEDIAN


def test_seed_change_failure_rate_is_below_median():
    # 3.8 between p50 = 2.1 and p75 = 6.0: raw 50 + 1.7 / 3.9 × 25 = 60.90;
    # lower is better → 39.10 → 39 → below_median
    assert percentile(3.8, CFR_Q, "lower") == 39
    assert assessment(39) is Assessment.BELOW_MEDIAN


def test_higher_is_better_percentile_is_the_raw_rank():
    coverage = {10: 40.0, 25: 55.0, 50: 70.0, 75: 82.0, 90: 90.0}
    # 76.2 between p50 = 70 and p75 = 82: 50 + 6.2 / 12 × 25 = 62.92 → 63
    assert percentile(76.2, coverage, Better.HIGHER) == 63


def test_value_at_the_median_is_at_median():
    assert percentile(19.8, CYCLE_Q, Better.LOWER) == 50
    assert assessment(50) is Assessment.AT_MEDIAN


def test_value_on_a_known_quantile():
    # exactly p25 = 11.0 → raw 25 → lower is better → 75
    assert percentile(11.0, CYCLE_Q, Better.LOWER) == 75


def test_beyond_the_outer_quantiles_the_rank_is_the_outer_rank():
    # below p10 = 6.0: raw 10 (we only know it beats at least 90 % of peers) → 90
    assert percentile(1.0, CYCLE_Q, Better.LOWER) == 90
    # above p90 = 90: raw 90 → 10
    assert percentile(500.0, CYCLE_Q, Better.LOWER) == 10
    # with p0 and p100 known the full range is reachable: clamped to 0 and 100
    full = {0: 1.0, 50: 10.0, 100: 100.0}
    assert percentile(0.5, full, Better.LOWER) == 100
    assert percentile(1000.0, full, Better.LOWER) == 0
    assert percentile(1000.0, full, Better.HIGHER) == 100


def test_tied_quantiles_take_the_middle_rank():
    # p10 = p25 = 0 (a quarter of peers had no failure): a CFR of 0 ranks
    # (10 + 25) / 2 = 17.5 → lower is better 82.5 → 83
    tied = {10: 0.0, 25: 0.0, 50: 2.1, 75: 6.0, 90: 12.0}
    assert raw_rank(0.0, tied) == 17.5
    assert percentile(0.0, tied, Better.LOWER) == 83


def test_percentile_rounds_half_up():
    # {0: 0, 100: 8}: 3.0 → raw 37.5 → higher 38 (round-half-even would give 38 too);
    # 1.0 → raw 12.5 → higher 13 (half-even: 12)
    q = {0: 0.0, 100: 8.0}
    assert percentile(3.0, q, Better.HIGHER) == 38
    assert percentile(1.0, q, Better.HIGHER) == 13


@pytest.mark.parametrize(
    ("value", "expected"), [(51, "above_median"), (50, "at_median"), (49, "below_median")]
)
def test_assessment_edges(value, expected):
    assert assessment(value) == expected


def test_quantile_value_interpolates():
    assert quantile_value({25: 10.0, 75: 30.0}, 50) == 20.0  # halfway between
    assert quantile_value(CYCLE_Q, 50) == 19.8
    with pytest.raises(ValueError):
        quantile_value(CYCLE_Q, 95)


@pytest.mark.parametrize(
    "quantiles",
    [
        {},  # nothing
        {10: 5.0, 50: 4.0, 90: 9.0},  # decreasing
        {-5: 1.0, 50: 2.0},  # rank outside 0–100
        {10: float("nan"), 90: 1.0},
    ],
)
def test_bad_quantiles_are_rejected(quantiles):
    with pytest.raises(ValueError):
        percentile(1.0, quantiles, Better.LOWER)


# --- distributions and cohorts ------------------------------------------------------------


def dist(metric=Metric.CYCLE_TIME, quantiles=None, cohort=ALL_PEERS, source="test set"):
    return Distribution(metric, tuple((quantiles or CYCLE_Q).items()), source, cohort)


def test_distribution_needs_ranks_on_both_sides_of_the_median():
    with pytest.raises(ValueError, match="below 50"):
        dist(quantiles={50: 1.0, 90: 2.0})
    with pytest.raises(ValueError):
        dist(quantiles={10: 1.0, 50: 2.0})


def test_distribution_median_without_p50():
    assert dist(quantiles={25: 10.0, 75: 30.0}).median == 20.0


@pytest.mark.parametrize(
    ("contributors", "label"),
    [
        (None, None),
        (0, None),
        (1, "1"),
        (2, "2-5"),
        (5, "2-5"),
        (6, "6-20"),
        (20, "6-20"),
        (21, "21+"),
        (400, "21+"),
    ],
)
def test_team_size_cohorts(contributors, label):
    assert team_size_cohort(contributors) == label


def test_cohort_keys():
    assert ALL_PEERS.key == "all"
    assert Cohort("2-5").key == "team_size=2-5"
    assert Cohort(language="Python").key == "language=python"
    assert Cohort("2-5", "Python").key == "language=python,team_size=2-5"
    with pytest.raises(ValueError):
        Cohort("3-4")


def test_most_specific_cohort_wins():
    everyone = dist(source="all")
    small = dist(cohort=Cohort("2-5"), source="size")
    python = dist(cohort=Cohort(language="python"), source="lang")
    small_python = dist(cohort=Cohort("2-5", "python"), source="both")
    reference = ReferenceSet((everyone, small, python, small_python))
    cycle = Metric.CYCLE_TIME
    # language + size → size → language → all
    assert reference.select(cycle, team_size="2-5", language="Python").source == "both"
    assert reference.select(cycle, team_size="2-5", language="go").source == "size"
    assert reference.select(cycle, team_size="6-20", language="python").source == "lang"
    assert reference.select(cycle, team_size="6-20", language="go").source == "all"
    assert reference.select(cycle).source == "all"
    assert ReferenceSet((small,)).select(cycle, team_size="6-20") is None
    assert reference.select(Metric.CODE_CHURN) is None


def test_duplicate_cohorts_are_rejected():
    with pytest.raises(ValueError, match="two distributions"):
        ReferenceSet((dist(), dist()))


def test_overlay_lets_a_user_file_win_per_metric():
    shipped = ReferenceSet(
        (dist(source="shipped", cohort=Cohort("2-5")), dist(Metric.CHANGE_FAILURE_RATE, CFR_Q))
    )
    user = ReferenceSet((dist(source="mine"),))
    merged = shipped.overlay(user)
    # the user's cycle_time set replaces every shipped cycle_time cohort, CFR stays
    assert merged.select(Metric.CYCLE_TIME, team_size="2-5").source == "mine"
    assert merged.select(Metric.CHANGE_FAILURE_RATE) is not None


# --- rows --------------------------------------------------------------------------------


def seed_reference() -> ReferenceSet:
    return ReferenceSet(
        (
            dist(source="Published survey X (2025)"),
            dist(Metric.CHANGE_FAILURE_RATE, CFR_Q, cohort=Cohort("2-5"), source="peers"),
        )
    )


def test_benchmark_rows_for_the_seed():
    reference = seed_reference()
    cycle = benchmark_row(Metric.CYCLE_TIME, 14.2, reference, active_contributors=4)
    assert cycle == BenchmarkRow(
        metric=Metric.CYCLE_TIME,
        workspace_value=14.2,
        platform_median=19.8,
        percentile=66,
        assessment=Assessment.ABOVE_MEDIAN,
        cohort="all",  # no 2-5 cohort for cycle_time: falls back to all peers
        source="Published survey X (2025)",
        dora_tier="elite",  # dora-2023: 14.2 h < 24 h
    )
    cfr = benchmark_row(Metric.CHANGE_FAILURE_RATE, 3.8, reference, active_contributors=4)
    assert (cfr.platform_median, cfr.percentile, cfr.assessment, cfr.cohort, cfr.dora_tier) == (
        2.1,
        39,
        Assessment.BELOW_MEDIAN,
        "team_size=2-5",
        "elite",  # dora-2023: 3.8 % ≤ 5 %
    )


def test_benchmark_row_profile_choice():
    reference = seed_reference()
    # dora-2024 for 3.8 % CFR: elite (≤ 5); no profile → no tier
    row = benchmark_row(
        Metric.CHANGE_FAILURE_RATE,
        3.8,
        reference,
        active_contributors=3,
        profile=PROFILES["dora-2024"],
    )
    assert row.dora_tier == "elite"
    row = benchmark_row(Metric.CYCLE_TIME, 14.2, reference, profile=None)
    assert row.dora_tier is None
    # a metric without DORA cut-offs has no tier
    coverage = ReferenceSet((dist(Metric.TEST_COVERAGE, {10: 40.0, 50: 70.0, 90: 90.0}),))
    assert benchmark_row(Metric.TEST_COVERAGE, 76.2, coverage).dora_tier is None


def test_no_row_without_value_or_distribution():
    reference = seed_reference()
    assert benchmark_row(Metric.CYCLE_TIME, None, reference) is None
    assert benchmark_row(Metric.CODE_CHURN, 20.0, reference) is None
    # the CFR set covers only teams of 2-5: a solo workspace finds none
    assert benchmark_row(Metric.CHANGE_FAILURE_RATE, 3.8, reference, active_contributors=1) is None


# --- peers ---------------------------------------------------------------------------------


def test_sample_quantiles_type_7():
    # values 1…10, position (n − 1) × p / 100 = 9p/100:
    # p10 → 0.9 → 1 + 0.9 = 1.9; p25 → 2.25 → 3.25; p50 → 4.5 → 5.5;
    # p75 → 6.75 → 7.75; p90 → 8.1 → 9.1
    q = sample_quantiles(list(range(10, 0, -1)))
    assert q == pytest.approx({10.0: 1.9, 25.0: 3.25, 50.0: 5.5, 75.0: 7.75, 90.0: 9.1})
    assert sample_quantiles([4.0], ranks=(0, 50, 100)) == {0.0: 4.0, 50.0: 4.0, 100.0: 4.0}
    with pytest.raises(ValueError):
        sample_quantiles([])


def test_distribution_from_peer_values():
    peers = distribution_from_values(
        Metric.CYCLE_TIME, [10.0, 20.0, 30.0, 40.0, 50.0], source="3 repositories in this state dir"
    )
    # p50 → position 2 → 30; p25 → position 1 → 20
    assert peers.median == 30.0
    assert peers.sample_size == 5
    # 20 h = p25 → lower is better → 75
    assert peers.percentile(20.0) == 75


# --- benchmark files ---------------------------------------------------------------------

GOOD_DOCUMENT = {
    "version": 1,
    "source": "Acme platform survey 2025",
    "distributions": [
        {
            "metric": "cycle_time",
            "quantiles": {"p10": 6.0, "p25": 11.0, "p50": 19.8, "p75": 40, "p90": 90},
            "sample_size": 120,
        },
        {
            "metric": "change_failure_rate",
            "quantiles": {"10": 0, "50": 2.1, "90": 12},
            "cohort": {"team_size": "2-5", "language": "Python"},
            "source": "Acme peers, Python teams of 2-5",
        },
    ],
}


def test_parse_a_good_document():
    reference = parse_reference(GOOD_DOCUMENT)
    cycle = reference.select(Metric.CYCLE_TIME)
    assert cycle.source == "Acme platform survey 2025"  # the top-level default
    assert cycle.median == 19.8
    assert cycle.sample_size == 120
    cfr = reference.select(Metric.CHANGE_FAILURE_RATE, team_size="2-5", language="python")
    assert cfr.source == "Acme peers, Python teams of 2-5"
    assert cfr.cohort == Cohort("2-5", "python")


def with_distribution(**changes):
    item = dict(GOOD_DOCUMENT["distributions"][0], **changes)
    return {"source": "s", "distributions": [item]}


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ([], "(top level)"),
        ({"distributions": {}}, "distributions"),
        ({"distributions": [], "extra": 1}, "extra"),
        ({"version": 2, "distributions": []}, "version"),
        ({"source": 5, "distributions": []}, "source"),
        ({"distributions": ["x"]}, "distributions[0]"),
        (with_distribution(metric="cycle_tme"), "distributions[0].metric"),
        ({"source": "s", "distributions": [{"quantiles": {"p50": 1}}]}, "distributions[0].metric"),
        (
            with_distribution(quantiles={"p10": 1, "p50": "fast", "p90": 3}),
            "distributions[0].quantiles.p50",
        ),
        (with_distribution(quantiles={"median": 1}), "distributions[0].quantiles.median"),
        (with_distribution(quantiles={"p150": 1}), "distributions[0].quantiles.p150"),
        (with_distribution(quantiles={"p10": True, "p90": 3}), "distributions[0].quantiles.p10"),
        (with_distribution(quantiles={"p10": 5, "p50": 4, "p90": 9}), "distributions[0].quantiles"),
        (with_distribution(quantiles={"p50": 4, "p90": 9}), "distributions[0].quantiles"),
        (with_distribution(quantiles=[1, 2]), "distributions[0].quantiles"),
        (with_distribution(cohort={"team_size": "3-4"}), "distributions[0].cohort.team_size"),
        (with_distribution(cohort={"size": "2-5"}), "distributions[0].cohort.size"),
        (with_distribution(cohort={"language": ""}), "distributions[0].cohort.language"),
        (with_distribution(cohort="python"), "distributions[0].cohort"),
        (with_distribution(sample_size=0), "distributions[0].sample_size"),
        (with_distribution(sample_size=True), "distributions[0].sample_size"),
        (with_distribution(colour="red"), "distributions[0].colour"),
        ({"window_days": "90", "distributions": []}, "window_days"),
        ({"window_days": 0, "distributions": []}, "window_days"),
        ({"window_days": True, "distributions": []}, "window_days"),
        ({"window_days": 90.5, "distributions": []}, "window_days"),
        (
            {"distributions": [{"metric": "cycle_time", "quantiles": {"p10": 1, "p90": 2}}]},
            "distributions[0].source",
        ),
        (
            {"source": "s", "distributions": [GOOD_DOCUMENT["distributions"][0]] * 2},
            "distributions[1]",
        ),
    ],
)
def test_malformed_documents_name_the_field(document, named):
    with pytest.raises(InputFileError) as raised:
        parse_reference(document, origin="mine.json")
    assert raised.value.message.startswith("mine.json: ")
    assert f": {named}:" in raised.value.message


def test_a_document_may_say_its_window():
    assert parse_reference(GOOD_DOCUMENT).window_days is None
    reference = parse_reference(dict(GOOD_DOCUMENT, window_days=90))
    assert reference.window_days == 90
    # a user's file laid over the shipped reference keeps the shipped window
    assert parse_reference(GOOD_DOCUMENT).overlay(reference).window_days is None
    assert reference.overlay(parse_reference(GOOD_DOCUMENT)).window_days == 90


def test_load_a_file(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(GOOD_DOCUMENT), encoding="utf-8")
    reference = load_reference_file(path)
    assert reference.select(Metric.CYCLE_TIME).median == 19.8


def test_load_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text('{\n  "distributions": [,]\n}', encoding="utf-8")
    with pytest.raises(InputFileError, match="line 2"):
        load_reference_file(path)


def test_load_a_missing_or_binary_file(tmp_path):
    with pytest.raises(InputFileError, match="cannot read"):
        load_reference_file(tmp_path / "absent.json")
    binary = tmp_path / "bench.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputFileError, match="UTF-8"):
        load_reference_file(binary)

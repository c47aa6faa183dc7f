"""scoring/bands.py: every §6 band edge, the two extra DORA metrics, task_throughput
against a target, and TOML overrides."""

from __future__ import annotations

import pytest

from devintel_cli.errors import UsageError
from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring.bands import DEFAULT_BANDS, Bands, Status, status

G, A, R = Status.GREEN, Status.AMBER, Status.RED

# (metric, value, expected): for each band, a value inside green, exactly at the green
# threshold (still green), just past it (amber), exactly at the red threshold (still
# amber: red is strictly beyond it), just past it (red).
EDGES = [
    # cycle_time: green ≤ 24 h, red > 168 h
    ("cycle_time", 1.0, G),
    ("cycle_time", 24.0, G),
    ("cycle_time", 24.01, A),
    ("cycle_time", 168.0, A),
    ("cycle_time", 168.01, R),
    # pr_review_time: green ≤ 24 h, red > 72 h
    ("pr_review_time", 24.0, G),
    ("pr_review_time", 24.01, A),
    ("pr_review_time", 72.0, A),
    ("pr_review_time", 72.01, R),
    # deployment_frequency (higher is better): green ≥ 1 /wk, red < 0.25 /wk
    ("deployment_frequency", 4.1, G),
    ("deployment_frequency", 1.0, G),
    ("deployment_frequency", 0.99, A),
    ("deployment_frequency", 0.25, A),
    ("deployment_frequency", 0.24, R),
    ("deployment_frequency", 0.0, R),
    # change_failure_rate: green ≤ 5 %, red > 15 %
    ("change_failure_rate", 0.0, G),
    ("change_failure_rate", 5.0, G),
    ("change_failure_rate", 5.01, A),
    ("change_failure_rate", 15.0, A),
    ("change_failure_rate", 15.01, R),
    # test_coverage (higher is better): green ≥ 80 %, red < 60 %
    ("test_coverage", 100.0, G),
    ("test_coverage", 80.0, G),
    ("test_coverage", 79.99, A),
    ("test_coverage", 60.0, A),
    ("test_coverage", 59.99, R),
    # code_churn: green ≤ 30 %, red > 50 %
    ("code_churn", 30.0, G),
    ("code_churn", 30.01, A),
    ("code_churn", 50.0, A),
    ("code_churn", 50.01, R),
    # open_incident_rate: green ≤ 0.5 /wk, red > 2 /wk
    ("open_incident_rate", 0.0, G),
    ("open_incident_rate", 0.5, G),
    ("open_incident_rate", 0.51, A),
    ("open_incident_rate", 2.0, A),
    ("open_incident_rate", 2.01, R),
    # failed_deployment_recovery_time: green ≤ 24 h (DORA high), red > 168 h (a week)
    ("failed_deployment_recovery_time", 24.0, G),
    ("failed_deployment_recovery_time", 24.01, A),
    ("failed_deployment_recovery_time", 168.0, A),
    ("failed_deployment_recovery_time", 168.01, R),
    # rework_rate: on the change-failure-rate scale, green ≤ 5 %, red > 15 %
    ("rework_rate", 5.0, G),
    ("rework_rate", 5.01, A),
    ("rework_rate", 15.0, A),
    ("rework_rate", 15.01, R),
]


@pytest.mark.parametrize(("metric", "value", "expected"), EDGES)
def test_default_band_edges(metric, value, expected):
    assert DEFAULT_BANDS.status(metric, value) is expected
    assert status(metric, value) is expected


def test_every_metric_has_a_band():
    for metric in Metric:
        assert DEFAULT_BANDS.status(metric, 10.0) in (G, A, R)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.0, G),  # above the default target 10
        (10.0, G),  # exactly the target: green (≥ target)
        (9.9, A),  # just under the target
        (5.0, A),  # exactly 50 % of the target: amber (red is < 50 %)
        (4.9, R),  # just under 50 %
        (0.0, R),
    ],
)
def test_task_throughput_against_the_default_target(value, expected):
    assert DEFAULT_BANDS.status(Metric.TASK_THROUGHPUT, value) is expected


def test_task_throughput_against_a_line_target():
    # target 8: green ≥ 8, red < 4
    assert DEFAULT_BANDS.status("task_throughput", 8, target=8) is G
    assert DEFAULT_BANDS.status("task_throughput", 7.9, target=8) is A
    assert DEFAULT_BANDS.status("task_throughput", 4, target=8) is A
    assert DEFAULT_BANDS.status("task_throughput", 3.9, target=8) is R
    # a target is meaningless for other metrics and ignored
    assert DEFAULT_BANDS.status("cycle_time", 24, target=8) is G


def test_non_positive_target_is_a_bug():
    with pytest.raises(ValueError):
        DEFAULT_BANDS.status("task_throughput", 3, target=0)


def test_nan_value_is_a_bug():
    with pytest.raises(ValueError):
        DEFAULT_BANDS.status("cycle_time", float("nan"))


def test_unknown_metric_is_a_usage_error():
    with pytest.raises(UsageError, match="cycle_tme"):
        DEFAULT_BANDS.status("cycle_tme", 3)


# --- overrides --------------------------------------------------------------------------


def test_partial_override_keeps_the_other_threshold_and_the_other_metrics():
    bands = Bands.from_mapping({"cycle_time": {"green": 12}})
    # green now ≤ 12, red still > 168
    assert bands.status("cycle_time", 12) is G
    assert bands.status("cycle_time", 12.5) is A
    assert bands.status("cycle_time", 168) is A
    assert bands.status("cycle_time", 168.5) is R
    # untouched metric keeps the default
    assert bands.status("change_failure_rate", 5) is G


def test_override_higher_is_better_band():
    bands = Bands.from_mapping({"test_coverage": {"green": 90, "red": 70}})
    assert bands.status("test_coverage", 90) is G
    assert bands.status("test_coverage", 85) is A
    assert bands.status("test_coverage", 70) is A
    assert bands.status("test_coverage", 69.9) is R


def test_override_task_throughput_target_and_fraction():
    bands = Bands.from_mapping({"task_throughput": {"target": 20, "red_fraction": 0.25}})
    # green ≥ 20, red < 0.25 × 20 = 5
    assert bands.status("task_throughput", 20) is G
    assert bands.status("task_throughput", 5) is A
    assert bands.status("task_throughput", 4.9) is R
    # a line's own target still wins: target 8 → red < 2
    assert bands.status("task_throughput", 2, target=8) is A


def test_integer_thresholds_from_toml_are_accepted():
    bands = Bands.from_mapping({"code_churn": {"green": 25, "red": 40}})
    assert bands.status("code_churn", 25) is G
    assert bands.status("code_churn", 40.5) is R


def test_empty_mapping_is_the_defaults():
    assert Bands.from_mapping({}) == DEFAULT_BANDS


@pytest.mark.parametrize(
    ("mapping", "named"),
    [
        ({"cycle_tme": {"green": 1}}, "bands.cycle_tme"),
        ({"cycle_time": {"amber": 1}}, "bands.cycle_time.amber"),
        ({"cycle_time": {"green": "24h"}}, "bands.cycle_time.green"),
        ({"cycle_time": {"green": True}}, "bands.cycle_time.green"),
        ({"cycle_time": {"green": float("inf")}}, "bands.cycle_time.green"),
        ({"cycle_time": 24}, "bands.cycle_time"),
        # lower is better: green must not exceed red
        ({"cycle_time": {"green": 200}}, "bands.cycle_time"),
        # higher is better: green must not be below red
        ({"test_coverage": {"green": 50}}, "bands.test_coverage"),
        ({"task_throughput": {"green": 10}}, "bands.task_throughput.green"),
        ({"task_throughput": {"target": 0}}, "bands.task_throughput.target"),
        ({"task_throughput": {"red_fraction": 1.5}}, "bands.task_throughput.red_fraction"),
    ],
)
def test_bad_overrides_name_the_key(mapping, named):
    with pytest.raises(UsageError) as raised:
        Bands.from_mapping(mapping)
    assert named in raised.value.message


def test_bands_table_itself_must_be_a_table():
    with pytest.raises(UsageError, match="bands"):
        Bands.from_mapping(["cycle_time"])  # type: ignore[arg-type]


def test_prefix_names_where_the_table_came_from():
    with pytest.raises(UsageError, match=r"lines\.web\.bands\.cycle_tme"):
        Bands.from_mapping({"cycle_tme": {}}, prefix="lines.web.bands")

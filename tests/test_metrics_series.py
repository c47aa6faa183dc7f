"""Series, trend and period average (§5); the whole-window value (§6); rounding (§12)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.catalog import CATALOG, Metric, Trend, Unit
from devintel_cli.metrics.deployments import derive_deployments, shipped_commit_rows
from devintel_cli.metrics.rows import (
    CommitRow,
    DeploymentRow,
    DerivedDeployment,
    MetricInputs,
    RepositoryRow,
    ShippedCommitRow,
    lead_times,
)
from devintel_cli.metrics.series import (
    INPUTS_BY_METRIC,
    compute_series,
    compute_values,
    compute_window,
)
from devintel_cli.metrics.values import ONLY_BASELINE_DEPLOYMENTS, round1


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def seed_inputs(spans_by_deploy: dict[str, list[float]]) -> MetricInputs:
    """One repository: a baseline deployment on 1 January, then one deployment per entry,
    each shipping commits authored the given numbers of hours before it."""
    deployments = [DeploymentRow(0, 1, "s0", at("2026-01-01T12:00:00Z"), "production", "tag", None)]
    derived = {0: DerivedDeployment(0, "success", (), False, True, None)}
    shipped = [ShippedCommitRow(0, "ancient", at("2020-01-01T00:00:00Z"), False, False)]
    for ident, (when, spans) in enumerate(spans_by_deploy.items(), start=1):
        deployed = at(when)
        deployments.append(
            DeploymentRow(ident, 1, f"s{ident}", deployed, "production", "tag", None)
        )
        derived[ident] = DerivedDeployment(ident, "success", (), False, False, None)
        for n, hours in enumerate(spans):
            authored = deployed - timedelta(hours=hours)
            shipped.append(ShippedCommitRow(ident, f"c{ident}-{n}", authored, False, False))
    return MetricInputs(
        repositories=[RepositoryRow(1)],
        deployments=deployments,
        derived=derived,
        lead_times=lead_times(deployments, shipped),
    )


SEED = {
    "2026-01-07T12:00:00Z": [10.0, 18.4, 30.0],  # week 2: median 18.4
    "2026-01-14T12:00:00Z": [22.1],  # week 3
    "2026-01-21T12:00:00Z": [19.8],  # week 4
}


def test_the_seed_cycle_time_series_reproduces_its_trends():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 1, 25), "weekly")
    series = compute_series("cycle_time", weeks, seed_inputs(SEED))
    assert (series.metric, series.unit) == (Metric.CYCLE_TIME, Unit.HOURS)
    assert [p.to_dict() for p in series.points] == [
        {"week": "2026-W02", "value": 18.4, "trend": "stable"},  # the first point
        {"week": "2026-W03", "value": 22.1, "trend": "worsening"},  # +20.1 %, lower is better
        {"week": "2026-W04", "value": 19.8, "trend": "improving"},  # −10.4 %
    ]
    assert series.period_average == 20.1  # (18.4 + 22.1 + 19.8) ÷ 3
    assert series.reasons == ()


def test_median_metrics_omit_empty_buckets_and_count_metrics_emit_zero():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 2, 1), "weekly")  # weeks 2..5
    inputs = seed_inputs(
        {"2026-01-07T12:00:00Z": [18.4], "2026-01-21T12:00:00Z": [19.8]}  # nothing in 3, 5
    )
    cycle = compute_series("cycle_time", weeks, inputs)
    assert [(p.label, p.value, p.trend) for p in cycle.points] == [
        ("2026-W02", 18.4, Trend.STABLE),
        # compared with the previous point that has a value, 18.4: +7.6 % → worsening
        ("2026-W04", 19.8, Trend.WORSENING),
    ]
    assert cycle.reasons == (
        "2026-W03: no deployments in this period",
        "2026-W05: no deployments in this period",
    )
    frequency = compute_series("deployment_frequency", weeks, inputs)
    assert [(p.label, p.value, p.trend) for p in frequency.points] == [
        ("2026-W02", 1.0, Trend.STABLE),
        ("2026-W03", 0.0, Trend.WORSENING),  # 1 → 0, higher is better
        ("2026-W04", 1.0, Trend.IMPROVING),  # away from 0 is never stable
        ("2026-W05", 0.0, Trend.WORSENING),
    ]
    # mean of 1, 0, 1, 0 = 0.5
    assert frequency.period_average == 0.5


def test_period_average_rounds_half_up():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 2, 1), "weekly")  # weeks 2..5
    one_deploy = seed_inputs({"2026-01-07T12:00:00Z": [1.0]})
    frequency = compute_series("deployment_frequency", weeks, one_deploy)
    assert [p.value for p in frequency.points] == [1.0, 0.0, 0.0, 0.0]
    # (1 + 0 + 0 + 0) ÷ 4 = 0.25 → 0.3 (Python's round would say 0.2)
    assert frequency.period_average == 0.3


def test_a_count_metric_without_any_data_has_null_points_and_one_reason():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 1, 18), "weekly")
    series = compute_series("deployment_frequency", weeks, MetricInputs())
    assert [(p.label, p.value, p.trend) for p in series.points] == [
        ("2026-W02", None, Trend.STABLE),
        ("2026-W03", None, Trend.STABLE),
    ]
    assert series.period_average is None
    assert series.reasons == ("no deployments detected",)
    medians = compute_series("cycle_time", weeks, MetricInputs())
    assert medians.points == ()
    assert medians.reasons == ("no deployments detected",)


def test_every_metric_is_handled_and_lists_its_inputs():
    weeks = make_buckets(date(2026, 1, 5), date(2026, 1, 11), "weekly")
    assert set(INPUTS_BY_METRIC) == set(Metric)
    fields = set(MetricInputs.__dataclass_fields__)
    for metric in Metric:
        assert INPUTS_BY_METRIC[metric] <= fields
        (value,) = compute_values(metric, weeks, MetricInputs())
        assert value.value is None
        assert value.reason
        series = compute_series(metric, weeks, MetricInputs())
        assert series.unit == CATALOG[metric].unit


def test_the_whole_window_value_is_not_a_mean_of_bucket_values():
    inputs = seed_inputs(
        {
            "2026-01-07T12:00:00Z": [1.0, 2.0, 3.0],  # week 2: median 2
            "2026-01-14T12:00:00Z": [100.0],  # week 3: median 100
        }
    )
    window = compute_window("cycle_time", date(2026, 1, 5), date(2026, 1, 18), inputs)
    # the median of all four spans (1, 2, 3, 100) is 2.5; the mean of week medians would be 51
    assert (window.value, window.samples) == (2.5, 4)
    frequency = compute_window("deployment_frequency", date(2026, 1, 5), date(2026, 1, 18), inputs)
    assert frequency.value == 1.0  # 2 deployments ÷ 2 weeks


def test_series_in_asia_kolkata_buckets_by_local_time():
    # Sunday 11 January 20:00 UTC is Monday 12 January 01:30 in India
    inputs = seed_inputs({"2026-01-11T20:00:00Z": [5.0]})
    utc = make_buckets(date(2026, 1, 5), date(2026, 1, 18), "weekly")
    kolkata = make_buckets(date(2026, 1, 5), date(2026, 1, 18), "weekly", tz="Asia/Kolkata")
    by_utc = compute_series("deployment_frequency", utc, inputs)
    by_kolkata = compute_series("deployment_frequency", kolkata, inputs)
    assert [p.value for p in by_utc.points] == [1.0, 0.0]
    assert [p.value for p in by_kolkata.points] == [0.0, 1.0]


def test_derivation_feeds_cycle_time_end_to_end():
    # a ← b ← c ← d, authored at 00:00, 01:00, 02:00 and 03:00 on 5 January
    start = at("2026-01-05T00:00:00Z")
    commits = {}
    for i, sha in enumerate("abcd"):
        authored = start + timedelta(hours=i)
        parents = ("abcd"[i - 1],) if i else ()
        commits[sha] = CommitRow(1, sha, parents, authored, authored, 0, False, False, "work")
    deployments = [
        DeploymentRow(1, 1, "b", at("2026-01-05T04:00:00Z"), "production", "tag", "v1.0.0"),
        DeploymentRow(2, 1, "d", at("2026-01-06T03:00:00Z"), "production", "tag", "v1.1.0"),
    ]
    derived = derive_deployments(deployments, commits)
    inputs = MetricInputs(
        deployments=deployments,
        derived={d.deployment_id: d for d in derived},
        lead_times=lead_times(deployments, shipped_commit_rows(derived, commits)),
    )
    series = compute_series(
        "cycle_time", make_buckets(date(2026, 1, 5), date(2026, 1, 6), "daily"), inputs
    )
    # deployment 1 is the baseline; deployment 2 ships c (25 h old) and d (24 h): median 24.5
    assert [(p.label, p.value) for p in series.points] == [("2026-01-06", 24.5)]
    assert series.reasons == (f"2026-01-05: {ONLY_BASELINE_DEPLOYMENTS}",)


def test_sprint_points_carry_their_dates_and_explain_adds_the_ratio():
    sprints = make_buckets(
        date(2026, 1, 5), date(2026, 1, 18), "sprint", sprint_anchor=date(2026, 1, 5)
    )
    series = compute_series("deployment_frequency", sprints, seed_inputs(SEED))
    (point,) = series.points
    # deployments of 7 and 14 January in a 14-day sprint: 2 ÷ (1 repository × 2 weeks)
    assert point.to_dict(explain=True) == {
        "sprint": "2026-S01",
        "value": 1.0,
        "trend": "stable",
        "start": "2026-01-05",
        "end": "2026-01-18",
        "numerator": 2,
        "denominator": 2.0,
        "samples": 1,
    }


def test_series_json_matches_the_contract():
    jsonschema = pytest.importorskip("jsonschema")
    candidates = [
        Path(__file__).parents[1] / "contract" / "metrics.schema.json",
        Path("/work/shared/contract/metrics.schema.json"),
    ]
    schema_path = next((p for p in candidates if p.exists()), None)
    if schema_path is None:
        pytest.skip("metrics.schema.json not available")
    schema = json.loads(schema_path.read_text())
    inputs = seed_inputs(SEED)
    for granularity in ("daily", "weekly", "sprint", "monthly"):
        buckets = make_buckets(date(2026, 1, 5), date(2026, 1, 25), granularity)
        series = compute_series("cycle_time", buckets, inputs)
        document = {
            "data": {
                "metric": str(series.metric),
                "workspace_id": "WS-26-000001",
                "unit": str(series.unit),
                "series": [p.to_dict(explain=True) for p in series.points],
                "period_average": series.period_average,
                "benchmark_median": None,
            }
        }
        jsonschema.validate(document, schema)


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        (0.25, 0.3),
        (2.675, 2.7),
        (-0.25, -0.3),
        (18.44, 18.4),
        (18.45, 18.5),
        (3, 3.0),
        (None, None),
    ],
)
def test_round1_rounds_halves_away_from_zero(raw, rounded):
    assert round1(raw) == rounded

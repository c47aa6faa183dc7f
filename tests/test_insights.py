"""`devintel insights` end to end (§9): a repository whose deployments follow a weekly
pattern chosen so that the findings can be worked out by hand; the IDs a finding keeps;
bad input. The detectors themselves are tested value by value in test_insights_rules.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from conftest import git
from histories import write_history

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"
# Wednesday of ISO week 2026-W23: the last complete week is W22 (2026-05-25 … 05-31), and
# the 13 weeks read are 2026-W10 (from 2026-03-02) … W22.
AS_OF = "2026-06-03T12:00:00Z"
FIRST_MONDAY = datetime(2025, 12, 1, tzinfo=UTC)
# production deployments per week from 2025-W49, oldest first: 2 a week for 18 weeks, then
# 2, 3, … 9 (W15 … W22); the weeks before W10 are outside what insights read
WEEKLY = [2] * 18 + [2, 3, 4, 5, 6, 7, 8, 9]


@pytest.fixture
def deployed(cli, tmp_path):
    repo = write_history(tmp_path / "svc", 3)
    cli("repo", "add", str(repo))
    tip = git(repo, "rev-parse", "main").strip()
    rows = ["sha,deployed_at,key"]
    for week, count in enumerate(WEEKLY):
        wednesday = FIRST_MONDAY + timedelta(weeks=week, days=2, hours=12)
        for n in range(count):
            at = (wednesday + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append(f"{tip},{at},w{week}-{n}")
    csv = tmp_path / "deploys.csv"
    csv.write_text("\n".join(rows) + "\n")
    cli("import", "deployments", str(csv), "--repo", "svc")
    return cli


def _validate(data: list) -> None:
    path = CONTRACT / "insights.schema.json"
    if path.exists():
        jsonschema.validate({"data": data}, json.loads(path.read_text()))


def test_weekly_deployments_give_an_anomaly_and_a_trend(deployed) -> None:
    insights = deployed.json("insights", "--as-of", AS_OF)
    _validate(insights)
    ours = [i for i in insights if i["type"] in ("anomaly", "trend")]
    # Only deployment frequency moves: the change failure rate is 0 % every week (all
    # succeeded: no trend, no anomaly), and the other metrics have no data.
    assert [(i["type"], i["metrics_referenced"]) for i in ours] == [
        ("anomaly", ["deployment_frequency"]),
        ("trend", ["deployment_frequency"]),
    ]
    anomaly, trend = ours
    # Anomaly: W22's 9 against the 12 weeks before (W10 … W21): 2, 2, 2, 2, 2, 2, 3, 4, 5,
    # 6, 7, 8. Median of 12: (6th + 7th)/2 = (2 + 3)/2 = 2.5. |deviations|: seven 0.5, then
    # 1.5, 2.5, 3.5, 4.5, 5.5 → MAD = (0.5 + 0.5)/2 = 0.5; z = (9 − 2.5)/(1.4826 × 0.5) =
    # 6.5/0.7413 = +8.8 ≥ 3.5. More deployments is better: low.
    assert anomaly["title"] == "Deployment frequency rose to 9.0 a week in 2026-W22"
    assert anomaly["body"] == (
        "Deployment frequency was 9.0 a week in 2026-W22 against a median of 2.5 a week over"
        " the 12 earlier weeks with a value (robust z-score +8.8): better than usual."
    )
    assert anomaly["severity"] == "low"
    # Trend over the last 8 weeks, 2 … 9: every pair rises, S = 28; Var(S) = 8·7·21/18 =
    # 65.33; z = (28 − 1)/√65.33 = 3.340; p = erfc(3.340/√2) = 0.0008 < 0.05. Theil–Sen:
    # every pairwise slope is 1, intercept median(y − x) = 2: from 2.0 at W15 to 9.0 at W22.
    assert trend["title"] == (
        "Deployment frequency increased from 2.0 a week to 9.0 a week over the last 8 weeks"
    )
    assert trend["body"] == (
        "A rising trend from 2026-W15 to 2026-W22 (Mann–Kendall S = 28, p = 0.001; the"
        " Theil–Sen line goes from 2.0 a week to 9.0 a week): better over time."
    )
    assert trend["severity"] == "low"
    assert all(i["service_line_id"] is None for i in insights)
    assert all(i["generated_at"] == AS_OF for i in insights)
    assert not [i for i in insights if i["type"] == "recommendation"]  # CFR does not rise


def test_a_benchmark_quartile_crossing(cli, tmp_path) -> None:
    """One deployment in the last 4 complete weeks (2026-W19 … W22), none in the 4 before
    (one earlier, in W10: the repository has deployed, so an empty window counts 0 rather
    than "no deployments detected"): deployment frequency 0.25 a week, shown and compared
    as 0.3 (one decimal, as `benchmarks` does), against 0. The repository's commits are
    all from January, so no active contributor in the window: the reference's overall
    cohort ("all"), whose deployment_frequency quantiles are p10 0, p25 0, p50 0.0778, p75
    0.2333, p90 0.3811 a week (benchmarks/reference/; 28-day windows use the 90-day file).
    - 0 equals p10 and p25: mid-rank 17.5 → percentile 18 → bottom quartile;
    - 0.3: 75 + (0.3 − 0.2333)/(0.3811 − 0.2333) × 15 = 81.8 → 82 → top quartile.
    Up three quartiles: better, low. The change failure rate has no value in the earlier
    window (no deployment in it), so no crossing; the weekly series have no anomaly (the
    last week, 0, is the median) and no trend (0,0,0,0,0,0,1,0: S = 5, Var(S) with seven
    tied zeros = (1176 − 798)/18 = 21, z = 4/√21 = 0.87)."""
    repo = write_history(tmp_path / "svc", 3)
    cli("repo", "add", str(repo))
    tip = git(repo, "rev-parse", "main").strip()
    csv = tmp_path / "deploys.csv"
    csv.write_text(
        f"sha,deployed_at,key\n{tip},2026-03-04T12:00:00Z,early\n{tip},2026-05-20T12:00:00Z,late\n"
    )
    cli("import", "deployments", str(csv), "--repo", "svc")
    insights = cli.json("insights", "--as-of", AS_OF)
    _validate(insights)
    assert [(i["type"], i["severity"], i["title"]) for i in insights] == [
        (
            "benchmark",
            "low",
            "Deployment frequency moved from the bottom quartile to the top quartile of its"
            " peers",
        )
    ]
    assert insights[0]["body"] == (
        "Over the 28 days to 2026-05-31, deployment frequency ranks at percentile 82 of the"
        " reference cohort all, against 18 over the 28 days before (higher is better):"
        " better than before, relative to the peers."
    )
    # the same percentiles as `devintel benchmarks` over the same two windows
    for moment, expected in (("2026-06-01T00:00:00Z", 82), ("2026-05-04T00:00:00Z", 18)):
        report = cli.json("benchmarks", "--window", "28d", "--as-of", moment)
        (row,) = [b for b in report["benchmarks"] if b["metric"] == "deployment_frequency"]
        assert row["percentile"] == expected


def test_an_insight_keeps_its_id(deployed) -> None:
    first = {i["title"]: i["id"] for i in deployed.json("insights", "--as-of", AS_OF)}
    assert sorted(first.values()) == [f"INS-26-{n:06d}" for n in range(1, len(first) + 1)]
    # the same findings again, later the same week, or cut by --limit: the same IDs
    assert {i["title"]: i["id"] for i in deployed.json("insights", "--as-of", AS_OF)} == first
    later = deployed.json("insights", "--as-of", "2026-06-07T23:00:00Z")
    assert {i["title"]: i["id"] for i in later} == first
    (top,) = deployed.json("insights", "--as-of", AS_OF, "--limit", "1")
    assert first[top["title"]] == top["id"]
    # as of the week before, W21 is the last complete week: other findings — W21's 8
    # against W09 … W20 (seven 2s, 3 … 7: median 2, MAD 0, mean absolute deviation 15/12 =
    # 1.25 × 1.2533 = 1.567, z = 6/1.567 = 3.8 ≥ 3.5) rose to 8.0 — so new IDs, after
    # every ID given so far; none is reused
    week_before = deployed.json("insights", "--as-of", "2026-05-27T12:00:00Z")
    assert "Deployment frequency rose to 8.0 a week in 2026-W21" in {
        i["title"] for i in week_before
    }
    new_ids = {i["id"] for i in week_before} - set(first.values())
    assert new_ids and min(new_ids) > max(first.values())


def test_line_scope_and_empty_workspace(cli, deployed) -> None:
    assert cli.json("insights", "--as-of", AS_OF, "--workspace", "default") != []
    line = cli.json("lines", "create", "core")[0]["id"]
    cli("repo", "config", "svc", "--line", line)
    scoped = cli.json("insights", "--line", "core", "--as-of", AS_OF)
    _validate(scoped)
    assert scoped and all(i["service_line_id"] == line for i in scoped)


def test_markdown_carries_each_paragraph(deployed) -> None:
    ids = {i["title"]: i["id"] for i in deployed.json("insights", "--as-of", AS_OF)}
    title = "Deployment frequency rose to 9.0 a week in 2026-W22"
    text = deployed("insights", "--as-of", AS_OF, "--format", "markdown", "--limit", "1").stdout
    assert text == (
        "### Insights\n\n"
        f"- **low · anomaly** — {title} (`{ids[title]}`)  \n"
        "  Deployment frequency was 9.0 a week in 2026-W22 against a median of 2.5 a week"
        " over the 12 earlier weeks with a value (robust z-score +8.8): better than"
        " usual.\n"
    )


def test_nothing_to_say_and_bad_input(cli) -> None:
    assert cli.json("insights") == []
    assert "nothing to show" in cli("insights").stdout
    assert cli("insights", "--format", "markdown").stdout == "### Insights\n\n_nothing to show_\n"
    result = cli("insights", "--limit", "0", code=2)
    assert result.stderr == "devintel: error: --limit must be at least 1, not 0\n"
    cli("insights", "--as-of", "yesterday", code=2)
    cli("insights", "--line", "nope", code=2)


def test_red_is_the_newest_value_in_the_scorecard_bands() -> None:
    """§9 "severity by … signal status": the default bands (§6). Change failure rate is
    red above 15 %; task throughput is red under half the target: the scope's line target
    when there is one (4 → red under 2), else the default 10 (red under 5)."""
    from devintel_cli.insights import _is_red
    from devintel_cli.metrics.catalog import Metric
    from devintel_cli.scoring.bands import DEFAULT_BANDS

    assert _is_red(DEFAULT_BANDS, Metric.CHANGE_FAILURE_RATE, 15.1, None)
    assert not _is_red(DEFAULT_BANDS, Metric.CHANGE_FAILURE_RATE, 15.0, None)
    assert not _is_red(DEFAULT_BANDS, Metric.CHANGE_FAILURE_RATE, None, None)
    assert _is_red(DEFAULT_BANDS, Metric.TASK_THROUGHPUT, 4.9, None)
    assert not _is_red(DEFAULT_BANDS, Metric.TASK_THROUGHPUT, 4.9, 4.0)
    assert _is_red(DEFAULT_BANDS, Metric.TASK_THROUGHPUT, 1.9, 4.0)
    # the target is task throughput's alone
    assert _is_red(DEFAULT_BANDS, Metric.CHANGE_FAILURE_RATE, 15.1, 100.0)

"""Scorecard, health and benchmarks through the CLI on the payments fixture (§6, §7, §8),
with the window values, statuses, trends and the overall score worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from devintel_cli.fixtures.builder import build_repo

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"
AS_OF = ("--as-of", "2026-05-01T00:00:00Z")  # window 28 d = [04-03, 05-01), before [03-06, 04-03)


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


@pytest.fixture
def ingested(cli, payments):
    cli("repo", "add", str(payments.path))
    return cli


def _validate(data: dict, schema: str) -> None:
    path = CONTRACT / schema
    if path.exists():
        jsonschema.validate({"data": data}, json.loads(path.read_text()))


def test_scorecard_signals_and_overall_score(ingested) -> None:
    card = ingested.json("scorecard", *AS_OF)
    _validate(card, "scorecard.schema.json")
    signals = {s["metric"]: (s["value"], s["status"], s["trend"]) for s in card["signals"]}
    assert signals == {
        # 1 deployment (v1.3.0) ÷ 4 weeks = 0.25 (shown 0.3: §12 one decimal, half up):
        # amber (green ≥ 1, red < 0.25); before: v1.2.0 + v1.2.1 = 0.5 → −50 % worsening.
        # Points 55 − 5 = 50
        "deployment_frequency": (0.3, "amber", "worsening"),
        # v1.3.0 ships 24 (863 h), 26 (695.5), 29 (331), 30 (137): median 513.25 > 168 red;
        # before 183.6 → worsening. Points 15 − 5 = 10
        "cycle_time": (513.3, "red", "worsening"),
        # squash PRs with heads: #33 23 h, #35 49 h, #36 30.75 h → 30.75: amber;
        # before: #25 29.5 h, #28 (merge) 29.5 h, #30 0.5 h → 29.5; +4.2 % stable. Points 55
        "pr_review_time": (30.8, "amber", "stable"),
        # v1.3.0 did not fail: 0 % green; before 1 of 2 failed (50 %) → improving. 100
        "change_failure_rate": (0.0, "green", "improving"),
        # authored in window: 27 +2, 28 +1, 29 +2, 30 +1 −1, 31 +3 → Σmin 1 ÷ Σadded 9 =
        # 11.1 % green; before 0 % → worsening; weekly Sen slope 0 → no projection. 95
        "code_churn": (11.1, "green", "worsening"),
        # v1.3.0 is no fix follow-up: 0 %; before v1.2.1 was (50 %) → improving. 100
        "rework_rate": (0.0, "green", "improving"),
    }
    # (50 + 10 + 55 + 100 + 95 + 100) ÷ 6 = 68.3 → 68
    assert card["overall_score"] == 68
    assert card["computed_at"] == "2026-05-01T00:00:00Z"
    missing = {m["metric"] for m in card["missing"]}
    assert missing == {
        "test_coverage",
        "open_incident_rate",
        "task_throughput",
        "failed_deployment_recovery_time",
    }


def test_fail_under_gates_ci(ingested) -> None:
    result = ingested("scorecard", *AS_OF, "--fail-under", "70", "--format", "markdown", code=1)
    assert result.stdout.startswith("### Scorecard: 68/100")
    assert "below --fail-under 70" in result.stderr
    ingested("scorecard", *AS_OF, "--fail-under", "68", "--format", "markdown")
    ingested("scorecard", "--fail-under", "101", code=2)


def test_empty_workspace_scorecard_has_no_score(cli) -> None:
    card = cli.json("scorecard")
    _validate(card, "scorecard.schema.json")
    assert card["overall_score"] is None and card["signals"] == []
    cli("scorecard", "--fail-under", "1", code=1)


def test_health_dimensions_and_context(ingested) -> None:
    health = ingested.json("health", *AS_OF)
    dims = {d["name"]: d["score"] for d in health["dimensions"]}
    # delivery pace: DF 50, cycle 10, PR 55 → 115/3 = 38.3 → 38
    # code quality: churn 95; stability: CFR 100
    # team patterns: authors in window Dan (27, 28), Alice (29), Bob (30), Carol (31) = 4
    #   active (green 100); commits 2/1/1/1 → 2 people cover ≥ half: bus factor 2 (amber 55)
    #   → (100 + 55) / 2 = 77.5 → 78
    assert dims == {"delivery_pace": 38, "code_quality": 95, "stability": 100, "team_patterns": 78}
    # (38 + 95 + 100 + 78) / 4 = 77.75 → 78
    assert health["score"] == 78
    context = health["context"]
    assert (context["active_contributors"], context["bus_factor"]) == (4, 2)
    assert context["deployments_in_window"] == 1
    assert context["repositories"] == 1
    assert "no coverage imported" in {m["reason"] for m in context["missing"]}


def test_benchmarks_against_a_users_reference_file(ingested, tmp_path) -> None:
    reference = tmp_path / "mine.json"
    reference.write_text(json.dumps({
        "version": 1,
        "source": "our platform team's survey, 2026",
        "distributions": [{
            "metric": "cycle_time",
            "quantiles": {"p10": 100, "p25": 200, "p50": 400, "p75": 800, "p90": 1600},
        }],
    }))
    data = ingested.json("benchmarks", *AS_OF, "--window", "28d", "--reference", reference)
    _validate(data, "benchmarks.schema.json")
    (cycle,) = [b for b in data["benchmarks"] if b["metric"] == "cycle_time"]
    # 513.3 h lies between p50 (400) and p75 (800): rank 50 + 25 × 113.3/400 = 57.1 of
    # peers are faster-or-equal → lower is better, so better than 100 − 57.1 = 42.9 → 43
    assert (cycle["workspace_value"], cycle["platform_median"]) == (513.3, 400.0)
    assert (cycle["percentile"], cycle["assessment"]) == (43, "below_median")
    assert cycle["source"] == "our platform team's survey, 2026"
    # DORA 2023 lead time: 1 week – 1 month is "medium"
    assert cycle["dora_tier"] == "medium"


def test_benchmarks_bad_reference_file_is_exit_2(ingested, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"distributions": [{"metric": "cycle_time", "quantiles": {"p50": "fast"}}]}')
    result = ingested("benchmarks", "--reference", bad, code=2)
    assert "bad.json" in result.stderr and "Traceback" not in result.stderr


def test_read_commands_pause_the_cyclic_gc_and_restore_it(cli, monkeypatch) -> None:
    """``read_command``: the collector is off while a report is built and back on after,
    also when the command fails (exit 1 on --fail-under, exit 2 on a bad window)."""
    import gc

    import devintel_cli.scorecards as scorecards

    seen: list[bool] = []
    build = scorecards.scorecard_report

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return build(*args, **kwargs)

    monkeypatch.setattr(scorecards, "scorecard_report", spy)
    assert gc.isenabled()
    cli.json("scorecard")
    cli("scorecard", "--fail-under", "1", code=1)
    assert seen == [False, False]
    assert gc.isenabled()
    cli("scorecard", "--window", "0d", code=2)
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        cli.json("scorecard")
        assert not gc.isenabled()
    finally:
        gc.enable()

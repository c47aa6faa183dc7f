"""The metrics engine end to end: the payments fixture ingested through the CLI, metrics
read back as JSON and checked against values computed by hand from fixtures/README.md."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from devintel_cli.fixtures.builder import build_repo
from devintel_cli.metrics.catalog import Metric

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"
MONTHS = ("--from", "2026-01-01", "--to", "2026-04-30", "--granularity", "monthly")


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


@pytest.fixture
def ingested(cli, payments):
    cli("repo", "add", str(payments.path))
    return cli


def series(cli, metric: str, *extra: str) -> dict:
    data = cli.json("metrics", metric, *MONTHS, "--as-of", "2026-05-01", *extra)
    schema = CONTRACT / "metrics.schema.json"
    if schema.exists():
        jsonschema.validate({"data": data}, json.loads(schema.read_text()))
    return data


def values(data: dict) -> dict[str, float | None]:
    return {p["month"]: p["value"] for p in data["series"]}


def test_deployments_and_their_failures(ingested) -> None:
    listed = {d["name"]: d for d in ingested.json("deployments", "list")}
    assert sorted(listed) == ["v1.0.0", "v1.1.0", "v1.1.1", "v1.2.0", "v1.2.1", "v1.3.0"]
    failed = {
        name: [r["kind"] for r in d["failure_reasons"]]
        for name, d in listed.items()
        if d["status"] == "failed"
    }
    # v1.1.0: patch release v1.1.1 17 h 10 min later; v1.2.0: v1.2.1 (3 days later) ships
    # a revert of commit 22, which v1.2.0 shipped
    assert failed == {"v1.1.0": ["hotfix"], "v1.2.0": ["revert"]}
    assert [d["is_rework"] for n, d in sorted(listed.items())] == [
        False,
        False,
        True,
        False,
        True,
        False,  # v1.1.1 and v1.2.1 are the fix follow-ups
    ]
    assert len(listed["v1.1.1"]["shipped_commits"]) == 1  # only commit 17


def test_deployment_frequency_monthly(ingested) -> None:
    # per_week = deployments ÷ (days in month ÷ 7):
    # Jan 1 ÷ (31/7) = 0.23 → 0.2; Feb 2 ÷ 4 = 0.5; Mar 2 ÷ (31/7) = 0.45 → 0.5;
    # Apr 1 ÷ (30/7) = 0.23 → 0.2
    data = series(ingested, "deployment_frequency")
    assert values(data) == {"2026-01": 0.2, "2026-02": 0.5, "2026-03": 0.5, "2026-04": 0.2}
    assert data["unit"] == "per_week"
    assert data["period_average"] == 0.4  # (0.2 + 0.5 + 0.5 + 0.2) / 4 = 0.35 → 0.4


def test_change_failure_and_rework_rates(ingested) -> None:
    # Feb: v1.1.0 failed, v1.1.1 ok → 50 %; Mar: v1.2.0 failed, v1.2.1 ok → 50 %;
    # Jan (v1.0.0) and Apr (v1.3.0) 0 %
    assert values(series(ingested, "change_failure_rate")) == {
        "2026-01": 0.0,
        "2026-02": 50.0,
        "2026-03": 50.0,
        "2026-04": 0.0,
    }
    # rework: v1.1.1 (Feb) and v1.2.1 (Mar) are fix follow-ups
    assert values(series(ingested, "rework_rate")) == {
        "2026-01": 0.0,
        "2026-02": 50.0,
        "2026-03": 50.0,
        "2026-04": 0.0,
    }


def test_failed_deployment_recovery_time(ingested) -> None:
    # v1.1.0 02-17 15:00Z → next success v1.1.1 02-18 08:10Z = 17 h 10 min = 17.2 h
    # v1.2.0 03-16 09:00Z → next success v1.2.1 03-19 15:00Z = 78 h
    assert values(series(ingested, "failed_deployment_recovery_time")) == {
        "2026-02": 17.2,
        "2026-03": 78.0,
    }


def test_cycle_time(ingested) -> None:
    # v1.0.0 is the baseline (January: no value). Deploy − author time, hours, non-merge
    # non-bot commits first shipped:
    # Feb, v1.1.0 at 02-17 15:00Z ships 10 (351.5), 11 (290), 12 (192), 13 (161.67),
    #   15 (116.25), 16 (23); 8 is dependabot, 9 and 14 merges; v1.1.1 ships 17 at its own
    #   time (span 0: ignored) → median of 6 = (161.67 + 192) / 2 = 176.8
    # Mar, v1.2.0 at 03-16 09:00Z ships 18 (550.5), 21 (280.67), 22 (86.5); v1.2.1 at
    #   03-19 15:00Z ships 23 (25.75) → median (86.5 + 280.67) / 2 = 183.6
    # Apr, v1.3.0 at 04-28 08:00Z ships 24 (863), 26 (695.5), 29 (331), 30 (137)
    #   → median (331 + 695.5) / 2 = 513.25 → 513.3
    data = series(ingested, "cycle_time")
    assert values(data) == {"2026-02": 176.8, "2026-03": 183.6, "2026-04": 513.3}
    # trends: first stable; +3.8 % stable; +180 % worsening (lower is better)
    assert [p["trend"] for p in data["series"]] == ["stable", "stable", "worsening"]


def test_benchmark_median_comes_from_the_shipped_reference(ingested) -> None:
    from devintel_cli.metrics.values import round1
    from devintel_cli.scoring.benchmarks import builtin_reference

    data = series(ingested, "cycle_time")
    # the all-peers median of devintel_cli/scoring/data/reference.json, one decimal
    shipped = builtin_reference().select(Metric.CYCLE_TIME)
    assert shipped is not None
    assert data["benchmark_median"] == round1(shipped.median)
    # no reference distribution for coverage (it needs imported data): null, not 0
    assert series(ingested, "test_coverage")["benchmark_median"] is None


def test_no_data_is_absent_with_a_reason_not_zero(ingested) -> None:
    data = series(ingested, "test_coverage")
    assert data["series"] == []
    assert data["period_average"] is None
    assert data["reasons"] == ["no coverage imported"]


def test_bad_metric_and_dates_are_usage_errors(ingested) -> None:
    assert "unknown metric" in ingested("metrics", "velocity", code=2).stderr
    ingested("metrics", "cycle_time", "--from", "2026-13-01", code=2)
    ingested("metrics", "cycle_time", "--from", "2026-04-01", "--to", "2026-03-01", code=2)
    ingested("metrics", "cycle_time", "--granularity", "hourly", code=2)
    ingested("metrics", "cycle_time", "--tz", "Mars/Olympus", code=2)


def test_empty_workspace_gives_an_empty_series(cli) -> None:
    data = cli.json("metrics", "cycle_time", "--as-of", "2026-05-01")
    assert data["series"] == [] and data["period_average"] is None


def test_repo_config_changes_what_counts_as_a_deployment(ingested, cli) -> None:
    # counting the pre-releases too (v1.2.0-rc1 at 03-10, v1.3.0rc2 lightweight at 04-14):
    # March 3 deployments ÷ (31/7) = 0.68 → 0.7; April 2 ÷ (30/7) = 0.47 → 0.5
    cli("repo", "config", "payments-api", "--deploy-tags", r"^v\d+\.\d+\.\d+")
    assert values(series(cli, "deployment_frequency"))["2026-03"] == 0.7
    assert values(series(cli, "deployment_frequency"))["2026-04"] == 0.5
    # back to the default pattern: the original series
    cli("repo", "config", "payments-api", "--deploy-tags", "")
    assert values(series(cli, "deployment_frequency")) == {
        "2026-01": 0.2,
        "2026-02": 0.5,
        "2026-03": 0.5,
        "2026-04": 0.2,
    }
    # continuous deployment from main: every first-parent commit of main is a deployment
    cli("repo", "config", "payments-api", "--deploy-branch", "main")
    listed = cli.json("deployments", "list", "--limit", "500")
    assert sum(d["source"] == "branch" for d in listed) == 21  # main's first-parent line
    line = cli.json("lines", "create", "payments")[0]["id"]
    assert (
        cli.json("repo", "config", "payments-api", "--line", "payments")[0]["service_line_id"]
        == line
    )
    cli("repo", "config", "payments-api", code=2)  # nothing to change


def test_listings_abbreviate_long_lists_for_reading_and_csv_keeps_every_item(ingested) -> None:
    listed = {d["name"]: d for d in ingested.json("deployments", "list")}
    first = listed["v1.0.0"]["shipped_commits"]  # the baseline ships the history before it
    assert len(first) > 5
    markdown = ingested("deployments", "list", "--format", "markdown").stdout
    row = next(line for line in markdown.splitlines() if "| v1.0.0 |" in line)
    # five shas, then how many more
    assert f"{', '.join(first[:5])} … (+{len(first) - 5} more)" in row
    assert first[5] not in row
    csv_text = ingested("deployments", "list", "--format", "csv").stdout
    assert all(sha in csv_text for sha in first)


def test_deployments_list_as_of_lists_what_was_deployed_before_that_moment(ingested) -> None:
    # fixtures/README.md: v1.2.0 at 2026-03-16T09:00Z, v1.2.1 at 2026-03-19T15:00Z; as of
    # the end of 2026-03-18 the newest deployment is v1.2.0, and it is listed failed (the
    # revert that v1.2.1 shipped is known now)
    listed = ingested.json("deployments", "list", "--as-of", "2026-03-18")
    names = [d["name"] for d in listed]
    assert names == ["v1.2.0", "v1.1.1", "v1.1.0", "v1.0.0"]
    assert listed[0]["status"] == "failed"
    assert ingested.json("deployments", "list", "--as-of", "2025-01-01") == []
    bad = ingested("deployments", "list", "--as-of", "yesterday-ish", code=2)
    assert "--as-of" in bad.stderr


def test_derivation_from_the_stored_graph_equals_derivation_from_commit_rows(ingested) -> None:
    """Sync derives from ``StoredCommitGraph`` (parents strings, revert targets, hotfix
    subjects) instead of a ``CommitRow`` per commit: the conclusions must be the same."""
    from datetime import UTC, datetime

    from devintel_cli.metrics.deployments import derive_deployments
    from devintel_cli.metrics.rows import CommitRow
    from devintel_cli.reporting import resolve_scope
    from devintel_cli.store import delivery as store
    from devintel_cli.workspace import open_context

    ctx = open_context()
    (repo_id,) = resolve_scope(ctx).repo_ids
    conn = ctx.conn
    graph = store.StoredCommitGraph(conn, repo_id)
    # the fixture's one revert: commit 23 ("Revert …") names commit 22 (fixtures/README.md)
    assert len(graph.reverts()) == 1
    rows = {
        r[0]: CommitRow(
            repo_id, r[0], tuple(r[1].split()), datetime.fromtimestamp(r[2], UTC),
            datetime.fromtimestamp(r[3], UTC), r[4], bool(r[5]), bool(r[6]), r[7], r[8], r[9],
        )
        for r in conn.execute(
            "SELECT sha, parents, author_time, committer_time, author_offset, is_merge, is_bot,"
            " subject, pr_number, reverted_sha FROM commits WHERE repo_id = ?",
            (repo_id,),
        )
    }  # fmt: skip
    assert graph.parents("0" * 40) is None
    assert all(graph.parents(sha) == list(row.parents) for sha, row in rows.items())
    deployments = store.load_deployments(conn, [repo_id])
    from_graph = derive_deployments(deployments, graph)
    assert from_graph == derive_deployments(deployments, rows)
    assert sum(d.failed for d in from_graph) == 2  # v1.1.0 (hotfix) and v1.2.0 (revert)

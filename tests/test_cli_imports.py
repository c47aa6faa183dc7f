"""`devintel import …` end to end on the payments fixture: each import feeds its metric,
re-importing changes nothing, and a bad file changes nothing (§4 data sources, §12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git
from dbdump import dump_database

from devintel_cli.fixtures.builder import build_repo

DATA = Path(__file__).parent / "data" / "imports"
APRIL = (
    "--from",
    "2026-04-01",
    "--to",
    "2026-04-30",
    "--granularity",
    "monthly",
    "--as-of",
    "2026-05-01",
)


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


@pytest.fixture
def ingested(cli, payments):
    cli("repo", "add", str(payments.path))
    return cli


def april(cli, metric: str) -> dict:
    return cli.json("metrics", metric, *APRIL)


def test_coverage_import_feeds_test_coverage_and_is_idempotent(ingested, isolated_state):
    first = ingested.json(
        "import",
        "coverage",
        DATA / "cobertura.xml",
        "--repo",
        "payments-api",
        "--at",
        "2026-04-20T12:00:00Z",
    )
    assert (first[0]["created"], first[0]["records"]) == (1, 1)
    before = dump_database(isolated_state / "devintel.db")
    again = ingested.json(
        "import",
        "coverage",
        DATA / "cobertura.xml",
        "--repo",
        "payments-api",
        "--at",
        "2026-04-20T12:00:00Z",
    )
    assert again[0]["unchanged"] == 1
    assert dump_database(isolated_state / "devintel.db") == before
    # the sample measures 7 of 10 lines and 3 of 4 branches (tests/data/imports)
    (point,) = april(ingested, "test_coverage")["series"]
    assert (point["value"], point["branch_coverage"]) == (70.0, 75.0)


def test_lcov_needs_a_time(ingested):
    result = ingested("import", "coverage", DATA / "lcov.info", "--repo", "payments-api", code=2)
    assert "carries no time" in result.stderr


def test_incident_after_a_release_fails_it(ingested, tmp_path):
    # v1.3.0 deployed 2026-04-28T08:00Z; an incident opened 6 h later for the repository
    # marks it failed (§4): April's change failure rate goes from 0 % to 100 %
    assert april(ingested, "change_failure_rate")["series"][0]["value"] == 0.0
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(
        "id,title,opened_at,resolved_at,severity,repository\n"
        "INC-1,Refunds fail,2026-04-28T14:00:00Z,2026-04-28T20:00:00Z,sev2,payments-api\n"
    )
    assert ingested.json("import", "incidents", incidents)[0]["created"] == 1
    assert april(ingested, "change_failure_rate")["series"][0]["value"] == 100.0
    # 1 incident opened in April ÷ (30 days ÷ 7) = 0.23 per week → 0.2
    assert april(ingested, "open_incident_rate")["series"][0]["value"] == 0.2
    (v130,) = [d for d in ingested.json("deployments", "list") if d["name"] == "v1.3.0"]
    assert [r["kind"] for r in v130["failure_reasons"]] == ["incident"]
    # recovered when the incident was resolved: 20:00 − 08:00 = 12 h
    assert april(ingested, "failed_deployment_recovery_time")["series"][0]["value"] == 12.0


def test_imported_pull_request_replaces_the_git_estimate(ingested, tmp_path):
    # estimated from refs/pull/N/head: #33 23 h, #35 49 h, #36 30.75 h → median 30.75
    before = april(ingested, "pr_review_time")["series"][0]
    assert (before["value"], before.get("estimated")) == (30.8, True)
    prs = tmp_path / "prs.json"
    prs.write_text(
        json.dumps(
            [
                {
                    "number": 33,
                    "title": "Document refunds",
                    "createdAt": "2026-04-01T13:00:00Z",
                    "mergedAt": "2026-04-14T13:00:00Z",
                    "closedAt": "2026-04-14T13:00:00Z",
                    "author": {"login": "alice", "is_bot": False},
                    "additions": 2,
                    "deletions": 0,
                    "reviews": [],
                }
            ]
        )
    )
    ingested("import", "prs", prs, "--repo", "payments-api")
    # #33 imported: opened 13 days before its merge = 312 h replaces the 23 h estimate;
    # median of 312, 49, 30.75 = 49
    after = april(ingested, "pr_review_time")["series"][0]
    assert after["value"] == 49.0


def test_tasks_import_counts_completed_tasks(ingested):
    # January, one implicit line with 14-day sprints: per_sprint = tasks ÷ (31 ÷ 14).
    # Before: only "Fixes #34" (commit 6, 01-17) → 1 ÷ 2.214 = 0.45 → 0.5
    jan = (
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--granularity",
        "monthly",
        "--as-of",
        "2026-05-01",
    )
    assert ingested.json("metrics", "task_throughput", *jan)["series"][0]["value"] == 0.5
    # jira.csv: PAY-101 (resolved 01-06) and PAY-102 (01-07) done, PAY-103 in progress
    # → 3 tasks ÷ 2.214 = 1.35 → 1.4
    ingested("import", "tasks", DATA / "jira.csv", "--repo", "payments-api")
    assert ingested.json("metrics", "task_throughput", *jan)["series"][0]["value"] == 1.4


def test_deployments_import_adds_deployments(ingested, payments, tmp_path):
    tip = git(payments.path, "rev-parse", "main").strip()
    csv = tmp_path / "deploys.csv"
    csv.write_text(
        "repository,sha,deployed_at,status,environment,key\n"
        f"payments-api,{tip[:10]},2026-04-30T18:00:00Z,success,production,gha-1\n"
    )
    assert ingested.json("import", "deployments", csv)[0]["created"] == 1
    assert ingested.json("import", "deployments", csv)[0]["unchanged"] == 1
    (imported,) = [d for d in ingested.json("deployments", "list") if d["source"] == "import"]
    assert imported["sha"] == tip  # resolved to the full sha
    assert len(imported["shipped_commits"]) == 1  # commit 31, after v1.3.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("coverage", DATA / "truncated.xml", "--repo", "payments-api", "--at", "2026-04-01"),
            "truncated.xml",
        ),
        (
            ("coverage", DATA / "cobertura.xml", "--repo", "nope", "--at", "2026-04-01"),
            "unknown repository",
        ),
        (("incidents", DATA / "incidents.csv"), "unknown repository"),
        (("prs", DATA / "not_coverage.json", "--repo", "payments-api"), "not_coverage.json"),
        (("deployments", DATA / "deployments.csv"), "unknown repository"),
        (("tasks", DATA / "billion_laughs.xml"), "billion_laughs.xml"),
    ],
)
def test_bad_files_exit_2_and_change_nothing(ingested, isolated_state, args, message):
    before = dump_database(isolated_state / "devintel.db", volatile={})
    result = ingested("import", *args, code=2)
    assert message in result.stderr
    assert result.stderr.startswith("devintel: error:")
    assert "Traceback" not in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before

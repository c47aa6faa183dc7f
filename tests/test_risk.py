"""Risk (§10): every factor triggered by a history built for it and not by one built not to,
the score and level, the thresholds' TOML overrides, and `devintel risk` end to end on
repositories written with RepoWriter. Expected values are worked out by hand beside them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from devintel_cli.errors import UsageError
from devintel_cli.fixtures.builder import ALICE, BOB, CAROL, DAN, RepoWriter
from devintel_cli.metrics.catalog import Metric
from devintel_cli.models import RiskCategoryOut, RiskFactorOut, RiskOut
from devintel_cli.render.risk import TABLE_FACTORS, risk_markdown, risk_table
from devintel_cli.scoring import risk as r
from devintel_cli.scoring.risk import (
    Category,
    CommitSize,
    FileAuthorChanges,
    FileChanges,
    MergedPullRequest,
    MetricWindowInput,
    OpenIncident,
    OpenPullRequest,
    PullRequestSize,
    RiskThresholds,
    Severity,
)

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"
AS_OF = datetime(2026, 4, 1, tzinfo=UTC)
REPO = "api"


def _validate(data: dict) -> None:
    path = CONTRACT / "risk.schema.json"
    if path.exists():
        jsonschema.validate({"data": data}, json.loads(path.read_text()))


def files(*rows: tuple[str, str, int]) -> list[FileChanges]:
    """(path, author, changes) folded per file; lines touched = 2 per change."""
    return r.file_changes(FileAuthorChanges(path, author, n, 2 * n) for path, author, n in rows)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- knowledge concentration -----------------------------------------------------------------


def test_file_owned_by_one_author_is_concentrated() -> None:
    rows = files(
        ("core.py", "alice", 8), ("core.py", "bob", 2),  # 8/10 = 80 % ≥ 80 %, 10 ≥ 5 changes
        ("util.py", "alice", 4),                         # 100 % but only 4 changes < 5
        ("api.py", "alice", 7), ("api.py", "bob", 3),    # 70 % < 80 %
    )
    [factor] = r.knowledge_concentration(REPO, rows)
    assert factor.id == "knowledge_concentration:api:core.py"
    assert (factor.category, factor.severity) == (Category.KNOWLEDGE_CONCENTRATION, "medium")
    assert factor.evidence["main_author"] == "alice"
    assert factor.evidence["main_author_share_percent"] == 80.0
    assert (factor.evidence["changes"], factor.evidence["authors"]) == (10, 2)
    assert factor.repository == REPO


def test_concentrated_files_are_capped_most_changed_first() -> None:
    # seven files each 5/5 by alice, 6 changes on f6 (one by bob: 5/6 = 83 %), bob elsewhere
    rows = files(*((f"f{i}.py", "alice", 5) for i in range(6)), ("f6.py", "alice", 5),
                 ("f6.py", "bob", 1), ("other.py", "bob", 1))
    ids = [f.evidence["path"] for f in r.knowledge_concentration(REPO, rows)]
    # at most 5: f6 (6 changes) first, then the 5-change files by path
    assert ids == ["f6.py", "f0.py", "f1.py", "f2.py", "f3.py"]


def test_single_author_window_leaves_files_to_the_bus_factor() -> None:
    assert r.knowledge_concentration(REPO, files(("core.py", "alice", 20))) == []


def test_repository_bus_factor_one() -> None:
    # 9 + 2 + 1 = 12 commits ≥ 10; alice 9 ≥ half → bus factor 1; 9/12 = 75 % < 80 % → medium
    [factor] = r.repository_bus_factor(REPO, [("alice", 9), ("bob", 2), ("carol", 1)])
    assert (factor.id, factor.severity) == ("bus_factor:api", Severity.MEDIUM)
    assert factor.evidence["main_author_share_percent"] == 75.0
    # 10 of 11 = 90.9 % ≥ 80 % → high
    [high] = r.repository_bus_factor(REPO, [("alice", 10), ("bob", 1)])
    assert high.severity is Severity.HIGH
    # a single author with 12 commits: 100 % → high
    assert r.repository_bus_factor(REPO, [("alice", 12)])[0].severity is Severity.HIGH


def test_no_bus_factor_risk_when_shared_or_too_few_commits() -> None:
    # 5 + 4 + 3 = 12: 5 < 6 (half) → 5 + 4 = 9 ≥ 6 → bus factor 2
    assert r.repository_bus_factor(REPO, [("alice", 5), ("bob", 4), ("carol", 3)]) == []
    # 9 commits < 10: too little activity to judge
    assert r.repository_bus_factor(REPO, [("alice", 9)]) == []


# --- hotspots --------------------------------------------------------------------------------


def test_hotspots_rank_changes_times_authors() -> None:
    rows = files(
        # a.py: 4 + 4 + 2 = 10 changes, 3 authors → score 30
        ("a.py", "alice", 4), ("a.py", "bob", 4), ("a.py", "carol", 2),
        # b.py: 10 + 5 + 3 + 2 + 1 + 1 = 22 changes, 6 authors → score 132; doubles both
        # thresholds (22 ≥ 20, 6 ≥ 6) → high
        ("b.py", "alice", 10), ("b.py", "bob", 5), ("b.py", "carol", 3), ("b.py", "dan", 2),
        ("b.py", "erin", 1), ("b.py", "frank", 1),
        # c.py: 12 changes but 2 authors < 3 → not a hotspot
        ("c.py", "alice", 6), ("c.py", "bob", 6),
        # d.py: 3 authors, 9 changes < 10 → not a hotspot
        ("d.py", "alice", 3), ("d.py", "bob", 3), ("d.py", "carol", 3),
    )
    found = r.hotspots(REPO, rows)
    assert [(f.id, f.severity, f.evidence["hotspot_score"]) for f in found] == [
        ("hotspot:api:b.py", Severity.HIGH, 132),
        ("hotspot:api:a.py", Severity.MEDIUM, 30),
    ]
    assert found[1].evidence["rank"] == 2


def test_only_the_top_hotspots_are_reported() -> None:
    rows = [
        row
        for i, n in enumerate((10, 11, 12, 13))
        for row in files((f"h{i}.py", "alice", n - 2), (f"h{i}.py", "bob", 1), (f"h{i}.py", "c", 1))
    ]
    # scores 30, 33, 36, 39: the top 3 are h3, h2, h1
    assert [f.evidence["path"] for f in r.hotspots(REPO, rows)] == ["h3.py", "h2.py", "h1.py"]


# --- oversized changes -----------------------------------------------------------------------


def test_oversized_commits() -> None:
    commits = [
        CommitSize("a" * 40, "Initial import", 50_000, is_root=True),  # root: not counted
        CommitSize("b" * 40, "Add report", 1_200),                     # 1,200 > 1,000
        CommitSize("c" * 40, "Exactly the limit", 1_000),              # not over
        CommitSize("d" * 40, "Small", 10),
    ]
    [factor] = r.oversized_commits(REPO, commits)
    assert (factor.id, factor.severity) == ("oversized_commits:api", Severity.LOW)
    # 1 of the 3 non-root commits: 33.3 %
    assert (factor.evidence["count"], factor.evidence["commits"]) == (1, 3)
    assert factor.evidence["share_percent"] == 33.3
    assert factor.evidence["largest"] == [{"sha": "b" * 40, "subject": "Add report", "lines": 1200}]
    # three oversized → medium
    three = [CommitSize(str(i) * 40, "big", 2_000 + i) for i in range(3)]
    assert r.oversized_commits(REPO, three)[0].severity is Severity.MEDIUM


def test_normal_commits_are_not_oversized() -> None:
    assert r.oversized_commits(REPO, [CommitSize("a" * 40, "x", 999)]) == []
    assert r.oversized_commits(REPO, [CommitSize("a" * 40, "init", 9_999, is_root=True)]) == []


def test_oversized_pull_requests() -> None:
    prs = [PullRequestSize(1, "Big", 520), PullRequestSize(2, "Ok", 400),
           PullRequestSize(3, "Bigger", 900)]
    [factor] = r.oversized_pull_requests(REPO, prs)
    # 520 and 900 > 400; 400 is not over → 2 of 3 (66.7 %), fewer than 3 → low
    assert (factor.id, factor.severity) == ("oversized_pull_requests:api", Severity.LOW)
    assert [p["number"] for p in factor.evidence["largest"]] == [3, 1]
    assert factor.evidence["share_percent"] == 66.7
    assert r.oversized_pull_requests(REPO, prs[1:2]) == []
    assert r.oversized_pull_requests(REPO, []) == []


# --- review bottleneck -----------------------------------------------------------------------


def pr(number: int, opened: str, merged: str, *, estimated: bool = False) -> MergedPullRequest:
    return MergedPullRequest(number, int((at(merged) - at(opened)).total_seconds()), estimated)


def test_slow_reviews_are_a_bottleneck() -> None:
    merged = [
        pr(1, "2026-03-01T00:00:00+00:00", "2026-03-05T00:00:00+00:00"),  # 96 h
        pr(2, "2026-03-02T00:00:00+00:00", "2026-03-06T00:00:00+00:00"),  # 96 h
        pr(3, "2026-03-10T00:00:00+00:00", "2026-03-11T00:00:00+00:00"),  # 24 h
    ]
    [factor] = r.review_bottleneck(REPO, merged)
    # median of 24, 96, 96 = 96 > 72 h, ≤ 168 h → medium
    assert (factor.id, factor.severity) == ("review_bottleneck:api", Severity.MEDIUM)
    assert factor.evidence["median_hours"] == 96.0
    assert factor.evidence["estimated"] is False
    # a median over a week (200 h) → high
    slow = [pr(n, "2026-03-01T00:00:00+00:00", "2026-03-09T08:00:00+00:00") for n in (1, 2, 3)]
    assert r.review_bottleneck(REPO, slow)[0].severity is Severity.HIGH


def test_no_review_bottleneck_when_fast_or_without_enough_prs() -> None:
    fast = [pr(n, "2026-03-01T00:00:00+00:00", "2026-03-03T00:00:00+00:00") for n in (1, 2, 3)]
    assert r.review_bottleneck(REPO, fast) == []  # median 48 h ≤ 72 h
    # two PRs (< 3) of 96 h; a third has a span ≤ 0 and is ignored like pr_review_time does
    few = [
        pr(1, "2026-03-01T00:00:00+00:00", "2026-03-05T00:00:00+00:00"),
        pr(2, "2026-03-01T00:00:00+00:00", "2026-03-05T00:00:00+00:00"),
        pr(3, "2026-03-05T00:00:00+00:00", "2026-03-05T00:00:00+00:00"),
    ]
    assert r.review_bottleneck(REPO, few) == []
    assert r.review_bottleneck(REPO, []) == []  # no PR data: no factor


def test_pull_requests_waiting_long() -> None:
    open_prs = [
        OpenPullRequest(4, "Stuck", at("2026-03-01T00:00:00+00:00")),  # 31 days > 7
        OpenPullRequest(5, "Fresh", at("2026-03-28T00:00:00+00:00")),  # 4 days
    ]
    [factor] = r.waiting_pull_requests(REPO, open_prs, AS_OF)
    assert (factor.id, factor.severity) == ("waiting_pull_requests:api", Severity.LOW)
    assert factor.evidence["oldest_age_days"] == 31.0
    assert r.waiting_pull_requests(REPO, open_prs[1:], AS_OF) == []
    # three waiting → medium
    three = [OpenPullRequest(n, None, at("2026-03-01T00:00:00+00:00")) for n in (1, 2, 3)]
    assert r.waiting_pull_requests(REPO, three, AS_OF)[0].severity is Severity.MEDIUM


# --- change failure rate and coverage --------------------------------------------------------


def cfr(value, previous=None, weekly=(), deployments=10):
    return MetricWindowInput(value, previous, weekly, value * deployments / 100, deployments)


def band_risk(metric: Metric, window: MetricWindowInput, window_days: int = 28):
    return r.metric_band_risk(metric, REPO, window, window_days=window_days)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # red (> 15 %) and worsening (+33 %) → high
        (cfr(20.0, 15.0), Severity.HIGH),
        # red, previous amber (10 %): crossed into red → high
        (cfr(20.0, 10.0), Severity.HIGH),
        # red and stable (19.5 → 20: +2.6 %) → stays red: medium
        (cfr(20.0, 19.5), Severity.MEDIUM),
        # red but improving (30 → 20): still in the red band → medium
        (cfr(20.0, 30.0), Severity.MEDIUM),
        # amber and worsening (8 → 10: +25 %) → medium
        (cfr(10.0, 8.0), Severity.MEDIUM),
        # amber, previous green (5 %), +4 % relative is stable but crosses: 5.2 → medium
        (cfr(5.2, 5.0), Severity.MEDIUM),
        # green and worsening (2 → 4) with weekly points 1, 1.5 … 4.5: Sen slope 0.5/week,
        # intercept median(y − 0.5x) = 1; projected at x = 7 + 28/7 = 11 → 6.5 > 5: leaves
        # green → low
        (cfr(4.0, 2.0, (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5)), Severity.LOW),
    ],
)
def test_change_failure_rate_risk(window, expected) -> None:
    [factor] = band_risk(Metric.CHANGE_FAILURE_RATE, window)
    assert (factor.id, factor.category, factor.severity) == (
        "change_failure_rate:api", Category.CHANGE_FAILURE_RATE, expected
    )


@pytest.mark.parametrize(
    "window",
    [
        cfr(10.0, 10.0),               # amber, stable, previous amber: no news
        cfr(12.0, 14.0),               # amber, improving
        cfr(4.0, 2.0),                 # green, worsening, no weekly points: no projection
        cfr(0.0, 0.0),                 # green
        cfr(50.0, 0.0, deployments=2), # 2 deployments < 3: too few to judge
        None,
        MetricWindowInput(None),       # no deployments at all
    ],
)
def test_no_change_failure_rate_risk(window) -> None:
    assert band_risk(Metric.CHANGE_FAILURE_RATE, window) == []


def test_falling_coverage() -> None:
    # 72 → 65: −9.7 % worsening, amber (60–80) → medium
    [factor] = band_risk(Metric.TEST_COVERAGE, MetricWindowInput(65.0, 72.0))
    assert (factor.id, factor.severity) == ("test_coverage:api", Severity.MEDIUM)
    assert factor.evidence["previous_value"] == 72.0 and factor.evidence["trend"] == "worsening"
    # 81 → 79: −2.5 % is stable, but it crossed from green into amber → medium
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(79.0, 81.0))[0].severity == "medium"
    # 70 → 55: red and worsening → high
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(55.0, 70.0))[0].severity == "high"
    # no deployment minimum applies to coverage
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(50.0, 50.0))[0].severity == "medium"


def test_steady_or_rising_coverage_is_no_risk() -> None:
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(85.0, 84.0)) == []
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(70.0, 65.0)) == []  # amber, rising
    assert band_risk(Metric.TEST_COVERAGE, MetricWindowInput(90.0, 99.0)) == []  # green, −9 %


# --- stale mirror ----------------------------------------------------------------------------


def test_stale_mirror() -> None:
    [never] = r.stale_mirror(REPO, None, AS_OF)
    assert (never.id, never.severity) == ("stale_mirror:api", Severity.HIGH)
    # 8 days > 7 → medium
    [week] = r.stale_mirror(REPO, AS_OF - timedelta(days=8), AS_OF)
    assert week.severity is Severity.MEDIUM and week.evidence["age_days"] == 8.0
    # 29 days > 28 → high
    assert r.stale_mirror(REPO, AS_OF - timedelta(days=29), AS_OF)[0].severity == "high"


def test_fresh_mirror() -> None:
    assert r.stale_mirror(REPO, AS_OF - timedelta(days=7), AS_OF) == []  # exactly 7: not over
    assert r.stale_mirror(REPO, AS_OF + timedelta(days=30), AS_OF) == []  # synced after as-of


# --- unresolved incidents --------------------------------------------------------------------


def test_unresolved_old_incidents() -> None:
    incidents = [
        # 12 days open → medium
        OpenIncident("INC-1", "Checkout down", None, at("2026-03-20T00:00:00+00:00"),
                     repository=REPO),
        # 59 days → high, and its own severity SEV-1 raises it → critical
        OpenIncident("INC-2", "Data loss", "SEV-1", at("2026-02-01T00:00:00+00:00"),
                     service_line_id="LIN-26-000001"),
        # resolved before as-of → not open
        OpenIncident("INC-3", None, None, at("2026-03-01T00:00:00+00:00"),
                     resolved_at=at("2026-03-02T00:00:00+00:00")),
        # resolved after as-of → open at as-of: 31 days → high
        OpenIncident("INC-4", None, "low", at("2026-03-01T00:00:00+00:00"),
                     resolved_at=at("2026-04-15T00:00:00+00:00")),
        # 3 days → too recent
        OpenIncident("INC-5", None, None, at("2026-03-29T00:00:00+00:00")),
    ]
    found = {f.id: f for f in r.unresolved_incidents(incidents, AS_OF)}
    assert {k: f.severity for k, f in found.items()} == {
        "unresolved_incident:INC-2": Severity.CRITICAL,
        "unresolved_incident:INC-4": Severity.HIGH,
        "unresolved_incident:INC-1": Severity.MEDIUM,
    }
    assert found["unresolved_incident:INC-1"].repository == REPO
    assert found["unresolved_incident:INC-2"].service_line_id == "LIN-26-000001"
    assert found["unresolved_incident:INC-2"].evidence["age_days"] == 59.0


def test_recent_or_resolved_incidents_are_no_risk() -> None:
    assert r.unresolved_incidents([OpenIncident("A", None, "sev1", AS_OF - timedelta(days=7))],
                                  AS_OF) == []
    assert r.unresolved_incidents([], AS_OF) == []


# --- off-hours work --------------------------------------------------------------------------


def local(text: str) -> tuple[int, int]:
    moment = at(text)
    return int(moment.timestamp()), int(moment.utcoffset().total_seconds() // 60)


def test_off_hours_share_uses_each_authors_offset() -> None:
    day = [local("2026-03-03T10:00:00+01:00")] * 12  # Tuesday mid-morning: on hours
    off = [
        local("2026-03-03T20:00:00+01:00"),  # 20:00 local: off (the working day ends at 20:00)
        local("2026-03-04T06:59:00-05:00"),  # 06:59 local: off
        local("2026-03-03T02:00:00+01:00"),  # 02:00 local: off
        local("2026-03-05T23:30:00+09:00"),  # 14:30 UTC, but 23:30 for its author: off
        local("2026-03-07T11:00:00+00:00"),  # Saturday
        local("2026-03-08T11:00:00+09:00"),  # Sunday
    ]
    edge = [
        local("2026-03-04T07:00:00-05:00"),  # 07:00 local: on
        local("2026-03-03T09:00:00+09:00"),  # 00:00 UTC, but 09:00 on a Tuesday locally: on
    ]
    [factor] = r.off_hours_work(REPO, r.local_hours(day + off + edge))
    # 6 of 20 = 30 % > 25 % (≤ 50 %) → medium; 4 at night, 2 at weekends
    assert factor.severity is Severity.MEDIUM
    assert factor.evidence == {
        "commits": 20,
        "off_hours_commits": 6,
        "night_commits": 4,
        "weekend_commits": 2,
        "share_percent": 30.0,
        "threshold_percent": 25.0,
        "workday": "07:00–20:00 Mon–Fri, author's local time",
    }


def test_off_hours_thresholds() -> None:
    day = [local("2026-03-03T10:00:00+01:00")] * 15
    night = [local("2026-03-03T22:00:00+01:00")] * 5
    # 5 of 20 = 25 %: not above 25 % → nothing
    assert r.off_hours_work(REPO, r.local_hours(day + night)) == []
    # 6 of 21 = 28.6 % > 25 % → medium
    [medium] = r.off_hours_work(REPO, r.local_hours(day + night + night[:1]))
    assert (medium.id, medium.severity) == ("off_hours_work:api", Severity.MEDIUM)
    assert medium.evidence["share_percent"] == 28.6
    # 11 of 21 = 52.4 % > 50 % → high
    [high] = r.off_hours_work(REPO, r.local_hours(day[:10] + night * 2 + night[:1]))
    assert high.severity == "high"
    # fewer than 20 commits: no factor however late
    assert r.off_hours_work(REPO, r.local_hours(night * 3)) == []


# --- score and level -------------------------------------------------------------------------


def factor(category: Category, severity: Severity, n: int = 0) -> r.RiskFactor:
    return r.RiskFactor(f"{category}:{n}", category, severity, "t", "d", {}, "a", REPO)


def test_score_sums_severity_points_with_a_cap_per_category() -> None:
    assert r.risk_score([]) == 0 and r.risk_level(0) is Severity.LOW
    # one high (20) + one low (3) in two categories = 23 → medium
    two = [factor(Category.HOTSPOT, Severity.HIGH), factor(Category.STALE_MIRROR, Severity.LOW)]
    assert r.risk_score(two) == 23 and r.risk_level(23) is Severity.MEDIUM
    # six medium knowledge factors: 60 → capped at 40; + a high hotspot 20 = 60 → high
    many = [factor(Category.KNOWLEDGE_CONCENTRATION, Severity.MEDIUM, i) for i in range(6)]
    assert r.risk_score([*many, two[0]]) == 60 and r.risk_level(60) is Severity.HIGH
    assert r.category_points([*many, two[0]]) == {
        Category.KNOWLEDGE_CONCENTRATION: (6, 40),
        Category.HOTSPOT: (1, 20),
    }
    # three critical categories: 40 × 3 = 120 → 100
    crit = [factor(c, Severity.CRITICAL) for c in list(Category)[:3]]
    assert r.risk_score(crit) == 100 and r.risk_level(100) is Severity.CRITICAL


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "low"), (19, "low"), (20, "medium"), (39, "medium"), (40, "high"), (69, "high"),
     (70, "critical"), (100, "critical")],
)
def test_levels(score: int, level: str) -> None:
    assert r.risk_level(score) == level


def test_factors_sort_by_severity_then_category_then_id() -> None:
    factors = [
        factor(Category.OFF_HOURS_WORK, Severity.MEDIUM),
        factor(Category.HOTSPOT, Severity.MEDIUM, 2),
        factor(Category.HOTSPOT, Severity.MEDIUM, 1),
        factor(Category.STALE_MIRROR, Severity.HIGH),
    ]
    assert [f.id for f in r.sort_factors(factors)] == [
        "stale_mirror:0", "hotspot:1", "hotspot:2", "off_hours_work:0"
    ]


# --- thresholds ------------------------------------------------------------------------------


def test_thresholds_from_toml_mapping() -> None:
    t = RiskThresholds.from_mapping(
        {"max_commit_lines": 2000, "owner_share": 0.9, "stale_sync_days": 3,
         "escalating_incident_severities": ["SEV-1", "Critical"]}
    )
    assert (t.max_commit_lines, t.owner_share, t.stale_sync_days) == (2000, 0.9, 3.0)
    assert t.escalating_incident_severities == ("sev1", "critical")
    assert t.min_file_changes == 5  # the rest keep their defaults
    # a commit of 1,500 lines is no longer oversized
    assert r.oversized_commits(REPO, [CommitSize("a" * 40, "x", 1_500)], t) == []


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"max_commit_line": 10}, "risk.max_commit_line: unknown key"),
        ({"owner_share": 80}, "a share is in (0, 1]"),
        ({"max_commit_lines": 10.5}, "expected a whole number"),
        ({"max_commit_lines": 0}, "must be greater than 0"),
        ({"stale_sync_days": True}, "expected a number"),
        ({"workday_end_hour": 25}, "an hour of the day"),
        ({"workday_start_hour": 20, "workday_end_hour": 7}, "must be before"),
        ({"escalating_incident_severities": "sev1"}, "a list of strings"),
    ],
)
def test_bad_thresholds_are_usage_errors(mapping, message) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RiskThresholds.from_mapping(mapping)


# --- end to end ------------------------------------------------------------------------------
#
# The repository "api" (all times local, with their author's offset), as-of 2026-03-31 (the
# end of that day: 2026-04-01T00:00Z), window 90 days = [2026-01-01, 2026-04-01):
#
#   root  Alice  Mon 02-02 10:00 +01:00  README.md 2 + seed.csv 1,500 lines (a root commit)
#   core  Alice  core.py +1 each: Tue 02-03 … (8 commits, weekday 10:00, one at 07:00 and
#                one at Mon 03-09 06:30 +01:00 = night)
#   core  Bob    core.py +1, Wed 03-11 10:00 −05:00
#   lock  Bob    package-lock.json 2,000 lines, Mon 03-02 10:00 −05:00 (excluded: 0 lines)
#   shared.py +1 each: Bob ×4 (Tue 02-10 10:00, Thu 02-12 10:00, Sat 02-21 11:00,
#                Sun 02-22 15:00, −05:00), Carol ×4 (Mon 02-16 10:00, Tue 02-17 10:00,
#                Wed 02-25 10:00, Fri 02-27 20:00, +00:00), Dan ×2 (Tue 02-10 23:30 +09:00,
#                Wed 02-18 09:00 +09:00 = Wed 00:00Z)
#   big   Carol  report.py 1,200 lines, Thu 03-05 21:15 +00:00
#
# Commits (none merges, none bots): 1 + 8 + 1 + 1 + 10 + 1 = 22.
# - bus factor: Alice 9, Bob 6, Carol 5, Dan 2: 9 < 11 (half of 22), 9 + 6 = 15 ≥ 11 → 2:
#   no bus-factor factor.
# - core.py: 9 changes (≥ 5), Alice 8/9 = 88.9 % ≥ 80 % → knowledge_concentration, medium 10.
# - shared.py: 10 changes (≥ 10) by 3 authors (≥ 3) → hotspot score 30, medium 10 (not
#   doubled). core.py has 2 authors: no hotspot.
# - oversized: report.py 1,200 > 1,000 → 1 commit (the root's 1,502 lines and the lockfile
#   do not count) → low 3; 1 of 21 non-root commits = 4.8 %.
# - off-hours (author's local time): Alice 06:30, Bob Sat + Sun, Carol Fri 20:00, Dan 23:30,
#   Carol 21:15 = 6 (night 4, weekend 2); Dan's 09:00 +09:00 is midnight UTC but morning for
#   him: on hours. 6 / 22 = 27.3 % > 25 % → medium 10.
# - no tags: no deployments, no change failure rate; no coverage, PRs, incidents; synced just
#   now (after the as-of moment): not stale.
# Score: knowledge 10 + hotspot 10 + oversized 3 + off-hours 10 = 33 → medium.

E2E_AS_OF = ("--as-of", "2026-03-31")


def _write_api(path: Path) -> Path:
    w = RepoWriter(path)
    w.commit("Initial import", {"README.md": "api\nservice\n",
                                "seed.csv": "".join(f"{i}\n" for i in range(1500))},
             author=ALICE, at="2026-02-02T10:00:00+01:00")
    core = ""
    alice_times = ["2026-02-03T10:00:00+01:00", "2026-02-04T10:00:00+01:00",
                   "2026-02-05T07:00:00+01:00", "2026-02-09T10:00:00+01:00",
                   "2026-02-11T10:00:00+01:00", "2026-02-24T10:00:00+01:00",
                   "2026-03-03T10:00:00+01:00", "2026-03-09T06:30:00+01:00"]
    for n, when in enumerate(alice_times):
        core += f"step_{n} = {n}\n"
        w.commit(f"Core step {n}", {"core.py": core}, author=ALICE, at=when)
    core += "bob = 1\n"
    w.commit("Core fix", {"core.py": core}, author=BOB, at="2026-03-11T10:00:00-05:00")
    w.commit("Add lockfile", {"package-lock.json": "".join(f"{i}\n" for i in range(2000))},
             author=BOB, at="2026-03-02T10:00:00-05:00")
    shared = ""
    for n, (who, when) in enumerate(
        [(BOB, "2026-02-10T10:00:00-05:00"), (BOB, "2026-02-12T10:00:00-05:00"),
         (BOB, "2026-02-21T11:00:00-05:00"), (BOB, "2026-02-22T15:00:00-05:00"),
         (CAROL, "2026-02-16T10:00:00+00:00"), (CAROL, "2026-02-17T10:00:00+00:00"),
         (CAROL, "2026-02-25T10:00:00+00:00"), (CAROL, "2026-02-27T20:00:00+00:00"),
         (DAN, "2026-02-10T23:30:00+09:00"), (DAN, "2026-02-18T09:00:00+09:00")]
    ):
        shared += f"value_{n} = {n}\n"
        w.commit(f"Shared change {n}", {"shared.py": shared}, author=who, at=when)
    w.commit("Add report", {"report.py": "".join(f"r{i} = {i}\n" for i in range(1200))},
             author=CAROL, at="2026-03-05T21:15:00+00:00")
    w.checkout()
    return path


@pytest.fixture(scope="module")
def api_repo(tmp_path_factory) -> Path:
    return _write_api(tmp_path_factory.mktemp("src") / "api")


def test_risk_end_to_end(cli, api_repo) -> None:
    cli("repo", "add", str(api_repo))
    data = cli.json("risk", *E2E_AS_OF)
    _validate(data)
    found = [(f["id"], f["severity"], f["points"]) for f in data["factors"]]
    assert found == [
        ("knowledge_concentration:api:core.py", "medium", 10),
        ("hotspot:api:shared.py", "medium", 10),
        ("off_hours_work:api", "medium", 10),
        ("oversized_commits:api", "low", 3),
    ]
    assert (data["risk_score"], data["risk_level"]) == (33, "medium")
    assert data["computed_at"] == "2026-04-01T00:00:00Z" and data["window_days"] == 90
    by_id = {f["id"]: f for f in data["factors"]}
    concentration = by_id["knowledge_concentration:api:core.py"]["evidence"]
    assert (concentration["main_author"], concentration["main_author_changes"],
            concentration["changes"], concentration["main_author_share_percent"]) == (
        "alice@payments.example", 8, 9, 88.9)
    hotspot = by_id["hotspot:api:shared.py"]["evidence"]
    assert (hotspot["changes"], hotspot["authors"], hotspot["hotspot_score"]) == (10, 3, 30)
    oversized = by_id["oversized_commits:api"]["evidence"]
    assert (oversized["count"], oversized["commits"], oversized["share_percent"]) == (1, 21, 4.8)
    assert oversized["largest"][0]["lines"] == 1200
    off = by_id["off_hours_work:api"]["evidence"]
    assert (off["commits"], off["off_hours_commits"], off["night_commits"],
            off["weekend_commits"], off["share_percent"]) == (22, 6, 4, 2, 27.3)
    assert all(f["repository"] == "api" for f in data["factors"])
    assert data["categories"] == [
        {"category": "knowledge_concentration", "factors": 1, "points": 10},
        {"category": "hotspot", "factors": 1, "points": 10},
        {"category": "oversized_change", "factors": 1, "points": 3},
        {"category": "off_hours_work", "factors": 1, "points": 10},
    ]
    # reruns give the same factors and ids; --repo gives the same for a one-repo workspace
    assert cli.json("risk", *E2E_AS_OF) == data
    assert cli.json("risk", *E2E_AS_OF, "--repo", "api")["factors"] == data["factors"]


def test_risk_formats_and_gate(cli, api_repo) -> None:
    cli("repo", "add", str(api_repo))
    table = cli("risk", *E2E_AS_OF).stdout
    assert "Risk — 33/100 (medium), last 90 days" in table and "Hotspot shared.py" in table
    markdown = cli("risk", *E2E_AS_OF, "--format", "markdown").stdout
    assert markdown.startswith("### Risk: 33/100 (medium)")
    assert "| 🟠 medium | hotspot | api | Hotspot shared.py: 10 changes by 3 authors |" in markdown
    csv_text = cli("risk", *E2E_AS_OF, "--format", "csv").stdout.splitlines()
    assert csv_text[0].startswith("id,category,severity,repository,service_line_id,title")
    assert len(csv_text) == 5
    result = cli("risk", *E2E_AS_OF, "--fail-above", "30", code=1)
    assert "risk score 33 is above --fail-above 30" in result.stderr
    cli("risk", *E2E_AS_OF, "--fail-above", "33")
    cli("risk", "--fail-above", "101", code=2)
    cli("risk", "--window", "ninety", code=2)


def test_a_shorter_window_sees_less(cli, api_repo) -> None:
    cli("repo", "add", str(api_repo))
    # 14 days before 04-01: [03-18, 04-01) holds no commit → nothing to flag
    data = cli.json("risk", *E2E_AS_OF, "--window", "14d")
    assert (data["risk_score"], data["risk_level"], data["factors"]) == (0, "low", [])


def test_never_synced_repository_is_a_stale_mirror(cli, api_repo) -> None:
    cli("repo", "add", str(api_repo), "--no-sync")
    data = cli.json("risk", *E2E_AS_OF)
    _validate(data)
    # never synced → high 20 → medium; its history is unknown, so nothing else fires
    assert [(f["id"], f["severity"]) for f in data["factors"]] == [("stale_mirror:api", "high")]
    assert (data["risk_score"], data["risk_level"]) == (20, "medium")


def test_empty_workspace_has_no_risk(cli) -> None:
    data = cli.json("risk")
    _validate(data)
    assert (data["risk_score"], data["risk_level"], data["factors"]) == (0, "low", [])
    assert "no risk factors found" in cli("risk").stdout
    assert "_No risk factors found._" in cli("risk", "--format", "markdown").stdout


def test_thresholds_from_devintel_toml(cli, api_repo, isolated_state) -> None:
    cli("repo", "add", str(api_repo))
    (isolated_state / "devintel.toml").write_text(
        "[risk]\nmax_commit_lines = 1500\noff_hours_share = 0.3\n", encoding="utf-8"
    )
    # report.py's 1,200 lines are now under the limit; 27.3 % is under 30 %
    data = cli.json("risk", *E2E_AS_OF)
    assert [f["id"] for f in data["factors"]] == [
        "knowledge_concentration:api:core.py", "hotspot:api:shared.py"
    ]
    (isolated_state / "devintel.toml").write_text("[risk]\nowner_share = 2\n", encoding="utf-8")
    assert "risk.owner_share" in cli("risk", *E2E_AS_OF, code=2).stderr


# --- pull requests and incidents from the store ----------------------------------------------


def _epoch(text: str) -> int:
    return int(at(text).timestamp())


def test_pull_requests_and_incidents_from_the_store(cli, tmp_path) -> None:
    w = RepoWriter(tmp_path / "api")
    w.commit("Initial", {"a.py": "a\n"}, author=ALICE, at="2026-03-02T10:00:00+01:00")
    w.checkout()
    cli("repo", "add", str(tmp_path / "api"))
    from devintel_cli.workspace import open_context

    ctx = open_context()
    try:
        repo_id = ctx.conn.execute("SELECT id FROM repositories").fetchone()[0]
        ws = ctx.workspace.id
        prs = [
            # number, opened, merged, closed, additions, deletions
            (1, "2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z", None, 500, 20),    # 96 h, 520
            (2, "2026-03-02T00:00:00Z", "2026-03-06T00:00:00Z", None, 100, 0),     # 96 h
            (3, "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z", None, 300, 150),   # 24 h, 450
            (4, "2026-03-01T00:00:00Z", None, None, 10, 0),                        # open 31 d
            (5, "2026-03-28T00:00:00Z", None, None, 10, 0),                        # open 4 d
            (6, "2026-02-01T00:00:00Z", None, "2026-02-10T00:00:00Z", 10, 0),      # closed
        ]
        for number, opened, merged, closed, adds, dels in prs:
            ctx.conn.execute(
                "INSERT INTO pull_requests (repo_id, number, source, title, opened_at, merged_at,"
                " closed_at, additions, deletions) VALUES (?, ?, 'import', ?, ?, ?, ?, ?, ?)",
                (repo_id, number, f"PR {number}", _epoch(opened),
                 _epoch(merged) if merged else None, _epoch(closed) if closed else None,
                 adds, dels),
            )
        incidents = [
            # key, severity, opened, resolved, repository?
            ("INC-1", None, "2026-03-20T00:00:00Z", None, repo_id),                  # 12 d
            ("INC-2", "SEV-1", "2026-02-01T00:00:00Z", None, None),                  # 59 d, ws
            ("INC-3", None, "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", repo_id),
            ("INC-4", None, "2026-03-01T00:00:00Z", "2026-04-15T00:00:00Z", repo_id),  # 31 d
            ("INC-5", None, "2026-03-29T00:00:00Z", None, repo_id),                  # 3 d
        ]
        for key, severity, opened, resolved, repo in incidents:
            ctx.conn.execute(
                "INSERT INTO incidents (workspace_id, key, title, severity, opened_at,"
                " resolved_at, repo_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ws, key, f"Incident {key}", severity, _epoch(opened),
                 _epoch(resolved) if resolved else None, repo),
            )
        ctx.conn.commit()
    finally:
        ctx.close()
    data = cli.json("risk", *E2E_AS_OF)
    _validate(data)
    assert [(f["id"], f["severity"]) for f in data["factors"]] == [
        # INC-2: 59 days > 28 → high, SEV-1 → critical (workspace-level: no repository)
        ("unresolved_incident:INC-2", "critical"),
        # INC-4: resolved only after the as-of moment: open 31 days → high
        ("unresolved_incident:INC-4", "high"),
        # merged PRs 96, 96, 24 h → median 96 > 72 → medium
        ("review_bottleneck:api", "medium"),
        ("unresolved_incident:INC-1", "medium"),
        # #1 (520) and #3 (450) > 400 lines → 2 → low
        ("oversized_pull_requests:api", "low"),
        # #4 open 31 days > 7; #5 is 4 days old; #6 was closed → 1 → low
        ("waiting_pull_requests:api", "low"),
    ]
    workspace_incident = data["factors"][0]
    assert "repository" not in workspace_incident and "service_line_id" not in workspace_incident
    # review 10 + 3 = 13; oversized 3; incidents 40 + 20 + 10 = 70 → 40: 56 → high
    assert (data["risk_score"], data["risk_level"]) == (56, "high")
    # scoped to the repository, the workspace-level INC-2 is not its risk:
    # 13 + 3 + (20 + 10) = 46 → high
    scoped = cli.json("risk", *E2E_AS_OF, "--repo", "api")
    _validate(scoped)
    assert scoped["repository"] == "api"
    assert "unresolved_incident:INC-2" not in {f["id"] for f in scoped["factors"]}
    assert (scoped["risk_score"], scoped["risk_level"]) == (46, "high")


def test_falling_coverage_from_the_store(cli, tmp_path) -> None:
    w = RepoWriter(tmp_path / "api")
    w.commit("Initial", {"a.py": "a\n"}, author=ALICE, at="2026-03-02T10:00:00+01:00")
    w.checkout()
    cli("repo", "add", str(tmp_path / "api"))
    from devintel_cli.workspace import open_context

    ctx = open_context()
    try:
        repo_id = ctx.conn.execute("SELECT id FROM repositories").fetchone()[0]
        for measured, covered in (("2025-12-15T00:00:00Z", 750), ("2026-03-15T00:00:00Z", 620)):
            ctx.conn.execute(
                "INSERT INTO coverage_reports (repo_id, measured_at, format, lines_covered,"
                " lines_total) VALUES (?, ?, 'lcov', ?, 1000)",
                (repo_id, _epoch(measured), covered),
            )
        ctx.conn.commit()
    finally:
        ctx.close()
    data = cli.json("risk", *E2E_AS_OF)
    # window [01-01, 04-01): 620/1000 = 62 %; before [2025-10-03, 01-01): 75 %;
    # (62 − 75) / 75 = −17.3 % → worsening; both in the amber band (60 ≤ x < 80): falling
    # within amber → medium 10
    [factor] = data["factors"]
    assert (factor["id"], factor["severity"]) == ("test_coverage:api", "medium")
    assert factor["title"] == "Test coverage falling in api: 62 % (previous window 75 %)"
    assert (factor["evidence"]["band"], factor["evidence"]["previous_band"]) == ("amber", "amber")
    assert (data["risk_score"], data["risk_level"]) == (10, "low")


def test_rising_change_failure_rate_on_the_payments_fixture(cli, tmp_path) -> None:
    from devintel_cli.fixtures.builder import build_repo

    payments = build_repo(tmp_path / "payments-api", "payments")
    cli("repo", "add", str(payments.path))
    data = cli.json("risk", "--as-of", "2026-05-01")
    _validate(data)
    # window [02-01, 05-02): v1.1.0 (failed: hotfix v1.1.1), v1.1.1, v1.2.0 (failed: v1.2.1
    # ships its revert), v1.2.1, v1.3.0 → 2 of 5 = 40 % > 15 %: red; before
    # [2025-11-03, 02-01): v1.0.0 only → 0 %, green → crossed into red → high 20.
    # Nothing else: 18 counted commits (< 20 for off-hours; 22 in the window minus merges
    # 14, 19, 25 and dependabot's 20), bus factor 2, no file with 5 changes.
    [factor] = data["factors"]
    assert (factor["id"], factor["severity"]) == ("change_failure_rate:payments-api", "high")
    assert factor["title"] == (
        "Change failure rate crossed into the red band in payments-api: 40 % "
        "(previous window 0 %)"
    )
    evidence = factor["evidence"]
    assert (evidence["failed_deployments"], evidence["deployments"]) == (2, 5)
    assert (evidence["value"], evidence["previous_value"], evidence["trend"]) == (
        40.0, 0.0, "worsening"
    )
    assert (data["risk_score"], data["risk_level"]) == (20, "medium")


def _report_with(factors: int) -> RiskOut:
    return RiskOut(
        workspace_id="WS-26-000001",
        computed_at="2026-04-01T00:00:00Z",
        window_days=90,
        risk_score=100,
        risk_level="critical",
        factors=[
            RiskFactorOut(
                id=f"off_hours_work:repo{n:03}",
                category="off_hours_work",
                severity="high" if n < 3 else "medium",
                title=f"finding {n:03}",
                detail="",
                evidence={},
                repository=f"repo{n:03}",
                recommended_action="",
                points=10,
            )
            for n in range(factors)
        ],
        categories=[RiskCategoryOut(category="off_hours_work", factors=factors, points=40)],
    )


@pytest.mark.parametrize("factors", [TABLE_FACTORS, TABLE_FACTORS + 1, TABLE_FACTORS + 12])
def test_the_table_shows_the_most_severe_factors_and_says_how_many_more(factors: int) -> None:
    table = risk_table(_report_with(factors), color=False)
    shown = [n for n in range(factors) if f"finding {n:03}" in table]
    assert shown == list(range(min(factors, TABLE_FACTORS)))  # the first, most severe ones
    hidden = factors - TABLE_FACTORS
    if hidden:
        noun = "factor" if hidden == 1 else "factors"
        assert f"… and {hidden} more {noun}, less or as severe" in table
    else:
        assert "more factor" not in table
    # the other formats list every factor
    assert risk_markdown(_report_with(factors)).count("| off_hours_work |") == factors


def test_the_table_shows_brackets_in_paths_and_titles_as_they_are() -> None:
    """Table cells are data, not rich markup: Next.js's ``pages/[id].tsx`` keeps its
    ``[id]``, and a ``[/]`` (a closing tag to rich) neither vanishes nor stops the command."""
    report = _report_with(2)
    odd = [
        f.model_copy(update={"title": title, "repository": where})
        for f, title, where in zip(
            report.factors,
            ["Hotspot pages/[id].tsx: 12 changes by 4 authors", "a/[/]b.py and [bold]c[/bold]"],
            ["web[app]", "[red]api"],
            strict=True,
        )
    ]
    table = risk_table(report.model_copy(update={"factors": odd}), color=False)
    for text in ("pages/[id].tsx", "a/[/]b.py and [bold]c[/bold]", "web[app]", "[red]api"):
        assert text in table

"""Deployment derivation (§4 "Deployments"): shipped commits, failure rules with reasons,
rework, recovery. Small hand-built histories; the expected values are derived beside them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from devintel_cli.metrics.deployments import (
    DeploymentRules,
    derive_deployments,
    patch_release_of,
    ship_commits,
    shipped_commit_rows,
)
from devintel_cli.metrics.rows import (
    CommitRow,
    DeploymentRow,
    DeploymentStatus,
    DerivedDeployment,
    FailureKind,
    IncidentRow,
)

T0 = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
REPO = 1


def h(letter: str) -> str:
    """A full 40-character sha made of one letter: readable, and prefixes work as in Git."""
    return letter * 40


def commit(
    name: str,
    parents: tuple[str, ...] = (),
    hours: float = -100.0,
    subject: str = "work",
    reverted: str | None = None,
) -> CommitRow:
    authored = T0 + timedelta(hours=hours)
    return CommitRow(
        repo_id=REPO,
        sha=name,
        parents=parents,
        author_time=authored,
        committer_time=authored,
        author_offset_minutes=0,
        is_merge=len(parents) > 1,
        is_bot=False,
        subject=subject,
        reverted_sha=reverted,
    )


def chain(*names: str) -> dict[str, CommitRow]:
    """Linear history names[0] ← names[1] ← …, each authored an hour after the previous."""
    commits = {}
    for i, name in enumerate(names):
        parents = (names[i - 1],) if i else ()
        commits[name] = commit(name, parents, hours=-100.0 + i)
    return commits


def deploy(
    deployment_id: int,
    sha: str,
    hours: float,
    *,
    name: str | None = None,
    status: str = "success",
    environment: str = "production",
    repo_id: int = REPO,
) -> DeploymentRow:
    return DeploymentRow(
        id=deployment_id,
        repo_id=repo_id,
        sha=sha,
        deployed_at=T0 + timedelta(hours=hours),
        environment=environment,
        source="recorded",
        name=name,
        recorded_status=status,
    )


def derive(deployments, commits, incidents=(), rules=None) -> dict[int, DerivedDeployment]:
    return {d.deployment_id: d for d in derive_deployments(deployments, commits, incidents, rules)}


def kinds(result: DerivedDeployment) -> list[FailureKind]:
    return [reason.kind for reason in result.failure_reasons]


# --- shipped commits --------------------------------------------------------------------


def test_each_deployment_ships_what_no_earlier_one_shipped_and_zero_is_valid():
    commits = chain("a", "b", "c", "d", "e")
    deployments = [deploy(3, "d", 48), deploy(1, "b", 0), deploy(2, "d", 24)]  # any order
    result = derive(deployments, commits)
    # 1 ships b and its ancestor a; 2 ships d, c (b, a already shipped); 3 redeploys d: nothing
    assert result[1].shipped == ("b", "a")
    assert result[2].shipped == ("d", "c")
    assert result[3].shipped == ()
    assert [result[i].is_baseline for i in (1, 2, 3)] == [True, False, False]
    # redeploying the sha just deployed is not a rollback; nothing failed
    assert all(result[i].status == DeploymentStatus.SUCCESS for i in (1, 2, 3))
    # results come back in the order given
    assert [r.deployment_id for r in derive_deployments(deployments, commits)] == [3, 1, 2]


def test_merges_ship_both_sides_tip_first():
    # a ← b on main, a ← x ← y on a branch, m merges y into b
    commits = {
        "a": commit("a"),
        "b": commit("b", ("a",)),
        "x": commit("x", ("a",)),
        "y": commit("y", ("x",)),
        "m": commit("m", ("b", "y")),
    }
    shipped = ship_commits(
        [deploy(1, "a", 0), deploy(2, "m", 24)], {s: c.parents for s, c in commits.items()}
    )
    assert shipped[1] == ("a",)
    # first parent first: m, b, then the merged branch y, x; a was shipped already
    assert shipped[2] == ("m", "b", "y", "x")


def test_a_failed_job_ships_nothing_and_the_next_deployment_ships_its_commits():
    commits = chain("a", "b", "c", "d")
    result = derive(
        [deploy(1, "b", 0), deploy(2, "c", 24, status="failed"), deploy(3, "d", 30)], commits
    )
    assert result[2].shipped == ()
    assert result[3].shipped == ("d", "c")
    assert kinds(result[2]) == [FailureKind.RECORDED]
    assert result[2].failure_reasons[0].detail == "recorded as failed"
    # recovery: no incident, so the next successful deployment, 3 (6 h later)
    assert result[2].recovered_at == T0 + timedelta(hours=30)
    assert result[3].status == DeploymentStatus.SUCCESS


def test_environments_are_separate_streams_each_with_its_baseline():
    commits = chain("a", "b", "c")
    result = derive(
        [
            deploy(1, "b", 0, environment="staging"),
            deploy(2, "b", 5),
            deploy(3, "c", 6, environment="staging"),
        ],
        commits,
    )
    assert result[1].shipped == ("b", "a")
    assert result[2].shipped == ("b", "a")  # production had shipped nothing yet
    assert result[3].shipped == ("c",)
    assert (result[1].is_baseline, result[2].is_baseline, result[3].is_baseline) == (
        True,
        True,
        False,
    )


def test_a_sha_outside_the_graph_ships_nothing_and_is_not_the_baseline():
    commits = chain("a", "b")
    result = derive([deploy(1, "gone", 0), deploy(2, "b", 24)], commits)
    assert result[1].shipped == ()
    assert not result[1].is_baseline
    assert result[2].is_baseline  # it ships the whole history: no earlier baseline


def test_a_long_history_is_walked_without_recursion():
    names = [f"c{i}" for i in range(10_000)]
    commits = chain(*names)
    result = derive([deploy(1, names[10], 0), deploy(2, names[-1], 24)], commits)
    assert len(result[1].shipped) == 11
    assert len(result[2].shipped) == 10_000 - 11


def test_shipped_commit_rows_carry_the_commit_facts():
    commits = chain("a", "b")
    results = derive_deployments([deploy(1, "b", 0)], commits)
    rows = shipped_commit_rows(results, commits)
    assert [(r.deployment_id, r.sha, r.author_time) for r in rows] == [
        (1, "b", commits["b"].author_time),
        (1, "a", commits["a"].author_time),
    ]


# --- rule 1: recorded -------------------------------------------------------------------


def test_recorded_rolled_back_is_a_failure_recovered_by_the_next_success():
    commits = chain("a", "b", "c")
    result = derive(
        [deploy(1, "a", 0), deploy(2, "b", 10, status="rolled_back"), deploy(3, "c", 40)], commits
    )
    assert kinds(result[2]) == [FailureKind.RECORDED]
    assert result[2].failure_reasons[0].detail == "recorded as rolled back"
    assert result[2].shipped == ("b",)  # it did reach production
    assert result[2].recovered_at == T0 + timedelta(hours=40)


def test_a_failure_without_a_later_success_has_not_recovered():
    result = derive([deploy(1, "a", 0, status="failed")], chain("a"))
    assert result[1].status == DeploymentStatus.FAILED
    assert result[1].recovered_at is None


# --- rule 2: reverts --------------------------------------------------------------------


def revert_history() -> dict[str, CommitRow]:
    # a ← b ← c ← r, where r reverts b
    a, b, c, r = h("a"), h("b"), h("c"), h("f")
    return {
        a: commit(a),
        b: commit(b, (a,)),
        c: commit(c, (b,)),
        r: commit(r, (c,), subject='Revert "add b"', reverted=b),
    }


def test_a_revert_shipped_within_7_days_fails_the_deployment_that_shipped_it():
    commits = revert_history()
    deployments = [
        deploy(1, h("a"), 0),
        deploy(2, h("b"), 24),  # ships b
        deploy(3, h("c"), 48),
        # 24 h + 6.5 days = 180 h: the revert ships 156 h (6.5 days) after deployment 2
        deploy(4, h("f"), 180),
    ]
    result = derive(deployments, commits)
    assert kinds(result[2]) == [FailureKind.REVERT]
    reason = result[2].failure_reasons[0]
    assert reason.related_deployment_id == 4
    assert reason.detail == (
        "commit bbbbbbb it shipped was reverted by fffffff, deployed 156.0 h later in "
        "deployment 4 (fffffff)"
    )
    assert result[4].is_rework
    assert result[3].status == DeploymentStatus.SUCCESS
    assert not result[3].is_rework
    # recovered by the next successful deployment after 2: deployment 3 at 48 h
    assert result[2].recovered_at == T0 + timedelta(hours=48)


def test_a_revert_after_the_7_day_window_is_not_a_failure():
    commits = revert_history()
    # 24 h + 7 days + 1 h = 193 h: 169 h after deployment 2, beyond 168 h
    result = derive(
        [
            deploy(1, h("a"), 0),
            deploy(2, h("b"), 24),
            deploy(3, h("c"), 48),
            deploy(4, h("f"), 193),
        ],
        commits,
    )
    assert result[2].status == DeploymentStatus.SUCCESS
    assert not result[4].is_rework


def test_a_revert_naming_a_7_character_prefix_is_resolved():
    commits = revert_history()
    commits[h("f")] = commit(h("f"), (h("c"),), reverted="bbbbbbb")
    result = derive([deploy(1, h("a"), 0), deploy(2, h("b"), 24), deploy(3, h("f"), 30)], commits)
    assert kinds(result[2]) == [FailureKind.REVERT]
    # a 6-character prefix is too short to trust
    commits[h("f")] = commit(h("f"), (h("c"),), reverted="bbbbbb")
    result = derive([deploy(1, h("a"), 0), deploy(2, h("b"), 24), deploy(3, h("f"), 30)], commits)
    assert result[2].status == DeploymentStatus.SUCCESS


def test_prefix_reverts_in_successive_deployments_are_all_resolved():
    # a ← b ← d ← c ← e: d reverts b and e reverts c, both naming 7-character prefixes;
    # c ships after the first prefix lookup, and must still be found by the second
    a, b, d, c, e = h("a"), h("b"), h("d"), h("c"), h("e")
    commits = {
        a: commit(a),
        b: commit(b, (a,)),
        d: commit(d, (b,), reverted="bbbbbbb"),
        c: commit(c, (d,)),
        e: commit(e, (c,), reverted="ccccccc"),
    }
    result = derive(
        [deploy(1, a, 0), deploy(2, b, 24), deploy(3, d, 30), deploy(4, c, 72), deploy(5, e, 80)],
        commits,
    )
    assert kinds(result[2]) == [FailureKind.REVERT]
    assert kinds(result[4]) == [FailureKind.REVERT]
    assert (result[3].is_rework, result[5].is_rework) == (True, True)


def test_a_revert_shipped_with_the_reverted_commit_fails_nothing():
    commits = revert_history()
    # b and its revert f both first ship in deployment 2: the bad change never ran alone
    result = derive([deploy(1, h("a"), 0), deploy(2, h("f"), 24)], commits)
    assert result[2].status == DeploymentStatus.SUCCESS
    assert not result[2].is_rework


# --- rule 3: patch releases and hotfixes ------------------------------------------------


def test_a_patch_release_within_24_hours_fails_its_predecessor():
    commits = chain("a", "b", "c")
    result = derive([deploy(1, "a", 0, name="v1.4.2"), deploy(2, "b", 3, name="v1.4.3")], commits)
    assert kinds(result[1]) == [FailureKind.HOTFIX]
    assert result[1].failure_reasons[0].detail == "followed 3.0 h later by patch release v1.4.3"
    assert result[1].failure_reasons[0].related_deployment_id == 2
    assert result[2].is_rework
    assert result[1].recovered_at == T0 + timedelta(hours=3)


def test_a_patch_release_after_24_hours_or_a_minor_release_is_not_a_fix():
    commits = chain("a", "b", "c")
    late = derive([deploy(1, "a", 0, name="v1.4.2"), deploy(2, "b", 25, name="v1.4.3")], commits)
    assert late[1].status == DeploymentStatus.SUCCESS
    assert not late[2].is_rework
    minor = derive([deploy(1, "a", 0, name="v1.4.2"), deploy(2, "b", 3, name="v1.5.0")], commits)
    assert minor[1].status == DeploymentStatus.SUCCESS


def test_a_hotfix_named_deployment_or_commit_within_24_hours_is_a_fix():
    commits = chain("a", "b")
    by_name = derive([deploy(1, "a", 0), deploy(2, "b", 5, name="hotfix-login")], commits)
    assert by_name[1].failure_reasons[0].detail == (
        "followed 5.0 h later by hotfix deployment hotfix-login"
    )
    assert by_name[2].is_rework
    commits["b"] = commit("b", ("a",), subject="Hotfix: null check in login")
    by_subject = derive([deploy(1, "a", 0), deploy(2, "b", 5)], commits)
    assert kinds(by_subject[1]) == [FailureKind.HOTFIX]
    assert "shipping hotfix b ('Hotfix: null check in login')" in (
        by_subject[1].failure_reasons[0].detail
    )
    # the patterns are configurable: without them the same subject is ordinary work
    plain = derive(
        [deploy(1, "a", 0), deploy(2, "b", 5)], commits, rules=DeploymentRules(hotfix_patterns=())
    )
    assert plain[1].status == DeploymentStatus.SUCCESS


@pytest.mark.parametrize(
    ("previous", "following", "expected"),
    [
        ("v1.4.2", "v1.4.3", True),
        ("1.4.2", "1.4.10", True),
        ("v1.4", "v1.4.1", True),
        ("v1.4.2.1", "v1.4.2.2", True),
        ("release-2.0.0", "release-2.0.1", True),
        ("v1.4.2", "v1.5.0", False),  # minor release
        ("v1.4.3", "v1.4.2", False),  # going down
        ("v1.4.2", "v1.4.2", False),
        ("v1.4.2", "v1.4.3-rc1", False),  # not a release name
        ("api-1.0.0", "web-1.0.1", False),  # another product's tag
        ("v1.4.2", "1.4.3", True),  # a leading "v" is not part of the product name
        (None, "v1.4.3", False),
    ],
)
def test_patch_release_of(previous, following, expected):
    assert patch_release_of(previous, following) is expected


# --- rule 4: incidents ------------------------------------------------------------------


def incident(key: str, hours: float, *, resolved: float | None = None, **fields) -> IncidentRow:
    return IncidentRow(
        key=key,
        repo_id=fields.get("repo_id", REPO),
        service_line_id=None,
        opened_at=T0 + timedelta(hours=hours),
        resolved_at=None if resolved is None else T0 + timedelta(hours=resolved),
        deployment_id=fields.get("deployment_id"),
    )


def test_an_incident_linked_to_a_deployment_fails_it_and_its_resolution_recovers_it():
    commits = chain("a", "b")
    result = derive(
        [deploy(1, "a", 0), deploy(2, "b", 24)],
        commits,
        # opened three days later, but the import names deployment 1 as the cause
        [incident("INC-1", 72, resolved=80, deployment_id=1)],
    )
    assert kinds(result[1]) == [FailureKind.INCIDENT]
    assert result[1].failure_reasons[0].detail == "incident INC-1 is linked to it"
    assert result[1].failure_reasons[0].incident_key == "INC-1"
    # the incident's resolution, not the next deployment (24 h), recovers it
    assert result[1].recovered_at == T0 + timedelta(hours=80)
    assert result[2].status == DeploymentStatus.SUCCESS


def test_an_incident_within_24_hours_goes_to_the_latest_production_deployment_before_it():
    commits = chain("a", "b", "c")
    deployments = [
        deploy(1, "a", 0),
        deploy(2, "b", 2),
        deploy(3, "c", 3, environment="staging"),  # not production: never blamed
    ]
    result = derive(deployments, commits, [incident("INC-2", 5, resolved=8)])
    assert result[1].status == DeploymentStatus.SUCCESS
    assert kinds(result[2]) == [FailureKind.INCIDENT]
    assert result[2].failure_reasons[0].detail == "incident INC-2 opened 3.0 h after it"
    assert result[2].recovered_at == T0 + timedelta(hours=8)
    assert result[3].status == DeploymentStatus.SUCCESS


def test_an_incident_after_24_hours_or_for_another_repository_fails_nothing():
    commits = chain("a", "b")
    deployments = [deploy(1, "a", 0), deploy(2, "b", 2)]
    result = derive(
        deployments,
        commits,
        [incident("INC-3", 2 + 25), incident("INC-4", 3, repo_id=2), incident("INC-5", -1)],
    )
    assert all(r.status == DeploymentStatus.SUCCESS for r in result.values())


def test_an_open_incident_keeps_the_failure_unrecovered():
    commits = chain("a", "b")
    result = derive([deploy(1, "a", 0), deploy(2, "b", 30)], commits, [incident("INC-6", 1)])
    assert result[1].status == DeploymentStatus.FAILED
    # deployment 2 succeeded later, but the incident is still open
    assert result[1].recovered_at is None


# --- rule 5: rollbacks ------------------------------------------------------------------


def test_going_back_to_an_earlier_sha_fails_every_deployment_in_between():
    commits = chain("a", "b", "c")
    result = derive(
        [deploy(1, "a", 0), deploy(2, "b", 10), deploy(3, "c", 20), deploy(4, "a", 30)], commits
    )
    assert result[1].status == DeploymentStatus.SUCCESS
    for between in (2, 3):
        assert kinds(result[between]) == [FailureKind.ROLLBACK]
        assert result[between].failure_reasons[0].related_deployment_id == 4
        # recovered by the rollback itself, the next successful deployment
        assert result[between].recovered_at == T0 + timedelta(hours=30)
    assert result[2].failure_reasons[0].detail == (
        "rolled back: deployment 4 (a) went back to a, first deployed by deployment 1 (a)"
    )
    assert result[4].status == DeploymentStatus.SUCCESS
    assert result[4].shipped == ()
    assert not result[4].is_rework  # restoring a known state is not a fix


def test_a_failed_job_is_not_a_rollback_target_nor_a_rollback():
    commits = chain("a", "b", "c")
    result = derive(
        [deploy(1, "a", 0), deploy(2, "b", 10, status="failed"), deploy(3, "b", 11)], commits
    )
    # 3 retries the sha of a job that failed: a retry, not a rollback to it
    assert kinds(result[2]) == [FailureKind.RECORDED]
    assert result[3].status == DeploymentStatus.SUCCESS


def test_one_repository_at_a_time():
    with pytest.raises(ValueError, match="one repository"):
        derive_deployments([deploy(1, "a", 0), deploy(2, "a", 0, repo_id=2)], chain("a"))
    assert derive_deployments([], {}) == []

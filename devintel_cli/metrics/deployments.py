"""Sync-time derivation over one repository's deployments (§4 "Deployments"): which commits
each deployment shipped first, whether it failed and why, whether it was rework, and when
a failure recovered. The caller stores the resulting ``DerivedDeployment`` rows and reruns
the derivation when the repository's commits, deployments or incidents change (an incident
imported later can turn a deployment into a failure).

Deployments form streams, one per repository + environment, in time order (ties by id).
Every rule below works inside a stream except incident attribution, which looks at the
repository's production deployments.

Shipped commits: a deployment ships the commits reachable from its sha that no earlier
deployment of its stream shipped. A deployment recorded ``failed`` (the job failed, nothing
reached the environment) ships nothing: its commits are first shipped by the next deployment
that did reach it. The walk is iterative and shares one "already shipped" set per stream, so
the whole derivation visits each commit once per stream.

Failure rules, each adding a ``FailureReason``:
1. ``recorded``: recorded or imported as ``failed`` or ``rolled_back``.
2. ``revert``: a later deployment of the stream, at most ``revert_window`` (7 days) after
   it, ships a commit whose ``reverted_sha`` (full, or a unique prefix of ≥ 7 characters)
   is a commit it shipped. The later deployment is rework.
3. ``hotfix``: the next deployment of the stream, at most ``follow_up_window`` (24 h)
   later, is a fix: its name is a patch release of this one's (same prefix and
   major.minor, higher patch: ``v1.4.2`` → ``v1.4.3``), or its name or the subject of a
   commit it shipped matches a hotfix pattern (default ``\\bhot[-_ ]?fix``, case-insensitive).
   The next deployment is rework.
4. ``incident``: an incident names it (``deployment_id``), or, naming none, was opened for
   its repository at most ``incident_window`` (24 h) after it and it is the repository's
   latest production deployment (that reached production) at the incident's opening.
5. ``rollback``: a later deployment that reached the environment deploys the sha of an
   earlier deployment that reached it, with deployments in between: every deployment in
   between failed (the Sleuth rule). Re-deploying the sha just deployed is not a rollback.

Rework: the follow-up deployments of rules 2 and 3 (unplanned fixes). A rollback deployment
is not rework: it restores a known state rather than shipping a fix.

Recovery of a failed deployment: the resolution of the incidents that made it fail (the
latest of them; ``None`` while one is open); without incidents, the next deployment of
its stream that succeeded; ``None`` when neither exists yet.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from devintel_cli.metrics.rows import (
    CommitRow,
    DeploymentRow,
    DeploymentStatus,
    DerivedDeployment,
    FailureKind,
    FailureReason,
    IncidentRow,
    RecordedStatus,
    ShippedCommitRow,
)

#: environments whose deployments count as production deployments (DevLake uses ``prod``)
DEFAULT_PRODUCTION_PATTERN = r"(?i)^prod"
DEFAULT_HOTFIX_PATTERNS: tuple[str, ...] = (r"(?i)\bhot[-_ ]?fix",)
#: a shortened sha must be at least this long to identify a reverted commit
MIN_SHA_PREFIX = 7

_VERSION = re.compile(r"(?P<prefix>.*?)v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True, slots=True)
class DeploymentRules:
    """The configurable parts of the derivation (``devintel.toml`` "deployment rules")."""

    production_pattern: str = DEFAULT_PRODUCTION_PATTERN
    revert_window: timedelta = timedelta(days=7)
    follow_up_window: timedelta = timedelta(hours=24)
    incident_window: timedelta = timedelta(hours=24)
    hotfix_patterns: tuple[str, ...] = DEFAULT_HOTFIX_PATTERNS
    #: a patch release within the follow-up window marks its predecessor failed
    patch_release_is_fix: bool = True
    _production: Callable[[str], bool] = field(init=False, repr=False, compare=False)
    _hotfix: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_production", production_filter(self.production_pattern))
        object.__setattr__(self, "_hotfix", tuple(re.compile(p) for p in self.hotfix_patterns))

    def is_production(self, environment: str) -> bool:
        return self._production(environment)

    def is_hotfix_text(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self._hotfix)


def production_filter(pattern: str = DEFAULT_PRODUCTION_PATTERN) -> Callable[[str], bool]:
    """A predicate telling production environments by ``pattern`` (regex, searched)."""
    compiled = re.compile(pattern)
    return lambda environment: compiled.search(environment) is not None


def patch_release_of(previous: str | None, following: str | None) -> bool:
    """True when ``following`` names a patch release of ``previous``.

    Same text before the version and same major.minor, higher patch (a fourth component
    breaks ties): ``v1.4.2`` → ``v1.4.3`` and ``1.4`` → ``1.4.1`` are, ``v1.4.2`` → ``v1.5.0``
    and ``v1.4.2`` → ``v1.4.2-rc1`` are not.
    """
    if not previous or not following:
        return False
    before, after = _VERSION.fullmatch(previous), _VERSION.fullmatch(following)
    if before is None or after is None or before["prefix"] != after["prefix"]:
        return False
    old = tuple(int(part or 0) for part in before.groups()[1:])
    new = tuple(int(part or 0) for part in after.groups()[1:])
    return old[:2] == new[:2] and new[2:] > old[2:]


def stream_order(
    deployments: Iterable[DeploymentRow],
) -> dict[tuple[int, str], list[DeploymentRow]]:
    """Deployments grouped by (repository, environment), each group in time order."""
    streams: dict[tuple[int, str], list[DeploymentRow]] = defaultdict(list)
    for deployment in deployments:
        streams[(deployment.repo_id, deployment.environment)].append(deployment)
    for stream in streams.values():
        stream.sort(key=lambda d: (d.deployed_at, d.id))
    return dict(streams)


def _walk(tip: str, parents_of: Callable[[str], Sequence[str] | None], seen: set[str]) -> list[str]:
    """Commits reachable from ``tip`` not in ``seen`` (added to it), tip first, no recursion."""
    found: list[str] = []
    stack = [tip]
    while stack:
        sha = stack.pop()
        if sha in seen:
            continue
        parents = parents_of(sha)
        if parents is None:  # outside the known graph (unreachable, or never fetched)
            continue
        seen.add(sha)
        found.append(sha)
        # reversed so the first parent is walked first: first-parent history comes out in order
        stack.extend(parent for parent in reversed(parents) if parent not in seen)
    return found


def ship_commits(
    deployments: Iterable[DeploymentRow], parents: Mapping[str, Sequence[str]]
) -> dict[int, tuple[str, ...]]:
    """Commits first shipped by each deployment, by deployment id (see the module docstring).

    ``parents`` maps every known commit of the repository to its parents.
    """
    return _ship(stream_order(deployments).values(), parents.get)


def _ship(
    streams: Iterable[list[DeploymentRow]], parents_of: Callable[[str], Sequence[str] | None]
) -> dict[int, tuple[str, ...]]:
    shipped: dict[int, tuple[str, ...]] = {}
    for stream in streams:
        seen: set[str] = set()  # shared by the stream: each commit is walked once
        for deployment in stream:
            if deployment.reached_environment:
                shipped[deployment.id] = tuple(_walk(deployment.sha, parents_of, seen))
            else:
                shipped[deployment.id] = ()
    return shipped


def shipped_commit_rows(
    derived: Iterable[DerivedDeployment], commits: Mapping[str, CommitRow]
) -> list[ShippedCommitRow]:
    """``ShippedCommitRow``s from derivation results, for callers that hold the commits."""
    rows: list[ShippedCommitRow] = []
    for result in derived:
        for sha in result.shipped:
            commit = commits[sha]
            rows.append(
                ShippedCommitRow(
                    result.deployment_id, sha, commit.author_time, commit.is_merge, commit.is_bot
                )
            )
    return rows


@dataclass(slots=True)
class _Work:
    shipped: tuple[str, ...]
    reasons: list[FailureReason] = field(default_factory=list)
    incidents: list[IncidentRow] = field(default_factory=list)
    is_rework: bool = False
    is_baseline: bool = False

    def fail(self, reason: FailureReason) -> None:
        for existing in self.reasons:
            if (
                existing.kind is reason.kind
                and existing.related_deployment_id == reason.related_deployment_id
                and existing.incident_key == reason.incident_key
            ):
                return
        self.reasons.append(reason)


def _label(deployment: DeploymentRow) -> str:
    if deployment.name:
        return deployment.name
    return f"deployment {deployment.id} ({deployment.sha[:7]})"


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


class _ShaResolver:
    """Resolves a full sha or a unique prefix against the commits a stream shipped."""

    def __init__(self, shipped_by: Mapping[str, int]) -> None:
        self._shipped_by = shipped_by
        self._sorted: list[str] | None = None

    def resolve(self, sha: str) -> str | None:
        sha = sha.lower()
        if sha in self._shipped_by:
            return sha
        if len(sha) < MIN_SHA_PREFIX:
            return None
        if self._sorted is None:
            self._sorted = sorted(self._shipped_by)
        i = bisect_left(self._sorted, sha)
        if i < len(self._sorted) and self._sorted[i].startswith(sha):
            ambiguous = i + 1 < len(self._sorted) and self._sorted[i + 1].startswith(sha)
            return None if ambiguous else self._sorted[i]
        return None


class CommitGraph(Protocol):
    """What derivation reads of a repository's commits: the graph, which commits revert
    another (rule 2), and the subjects a rule looks for (rule 3). The store implements it
    without holding a row object per commit (a million-commit history is walked at sync)."""

    def parents(self, sha: str) -> Sequence[str] | None:
        """The commit's parents; None for a commit outside the known graph."""

    def reverts(self) -> Mapping[str, str]:
        """sha → the sha (or prefix) it reverts, for the commits that name one."""

    def subjects_where(self, keep: Callable[[str], bool]) -> Mapping[str, str]:
        """sha → subject of the commits whose subject ``keep`` accepts."""


class RowGraph(NamedTuple):
    """``CommitGraph`` over ``CommitRow``s by sha (tests, small histories)."""

    commits: Mapping[str, CommitRow]

    def parents(self, sha: str) -> Sequence[str] | None:
        commit = self.commits.get(sha)
        return None if commit is None else commit.parents

    def reverts(self) -> Mapping[str, str]:
        return {sha: c.reverted_sha for sha, c in self.commits.items() if c.reverted_sha}

    def subjects_where(self, keep: Callable[[str], bool]) -> Mapping[str, str]:
        return {sha: c.subject for sha, c in self.commits.items() if keep(c.subject)}


def derive_deployments(
    deployments: Sequence[DeploymentRow],
    commits: Mapping[str, CommitRow] | CommitGraph,
    incidents: Iterable[IncidentRow] = (),
    rules: DeploymentRules | None = None,
) -> list[DerivedDeployment]:
    """Derive shipped commits, failures, rework and recovery for one repository.

    ``deployments``: the repository's deployments, any order, all environments.
    ``commits``: every commit reachable from its branches and tags — ``CommitRow``s by sha,
    or a ``CommitGraph`` (the graph is their parents; reverts and subjects feed rules 2 and
    3). ``incidents``: any incidents; those naming one of these deployments or this
    repository are used. Returns one row per deployment, in the order given.
    """
    rules = rules or DeploymentRules()
    if len({d.repo_id for d in deployments}) > 1:
        raise ValueError("derive_deployments works on one repository's deployments at a time")
    if not deployments:
        return []
    graph: CommitGraph = RowGraph(commits) if isinstance(commits, Mapping) else commits
    streams = stream_order(deployments)
    shipped = _ship(streams.values(), graph.parents)
    work = {d.id: _Work(shipped[d.id]) for d in deployments}
    facts = _RuleFacts(graph.reverts(), graph.subjects_where(rules.is_hotfix_text))
    for stream in streams.values():
        _check_stream(stream, work, facts, rules)
    _attribute_incidents(deployments, work, incidents, rules)
    for stream in streams.values():
        _rollbacks(stream, work)

    recovered = _recoveries(streams.values(), work)
    return [
        DerivedDeployment(
            deployment_id=d.id,
            status=DeploymentStatus.FAILED if work[d.id].reasons else DeploymentStatus.SUCCESS,
            failure_reasons=tuple(work[d.id].reasons),
            is_rework=work[d.id].is_rework,
            is_baseline=work[d.id].is_baseline,
            recovered_at=recovered.get(d.id),
            shipped=work[d.id].shipped,
        )
        for d in deployments
    ]


class _RuleFacts(NamedTuple):
    """The commit facts rules 2 and 3 read: revert targets, and hotfix subjects."""

    reverts: Mapping[str, str]
    hotfix_subjects: Mapping[str, str]


def _check_stream(
    stream: list[DeploymentRow],
    work: dict[int, _Work],
    facts: _RuleFacts,
    rules: DeploymentRules,
) -> None:
    """Baseline and rules 1-3 over one stream whose shipped commits are known."""
    shipped_by = {  # sha -> position in the stream of the deployment that shipped it first
        sha: position for position, d in enumerate(stream) for sha in work[d.id].shipped
    }
    resolver = _ShaResolver(shipped_by)
    has_baseline = False
    for position, deployment in enumerate(stream):
        current = work[deployment.id]
        if current.shipped and not has_baseline:
            current.is_baseline = has_baseline = True

        if deployment.recorded_status in (RecordedStatus.FAILED, RecordedStatus.ROLLED_BACK):
            status = (
                "failed" if deployment.recorded_status == RecordedStatus.FAILED else "rolled back"
            )
            current.fail(FailureReason(FailureKind.RECORDED, f"recorded as {status}"))

        # rule 2: this deployment ships reverts of commits earlier deployments shipped
        for sha in current.shipped:
            reverted = facts.reverts.get(sha)
            if not reverted:
                continue
            target = resolver.resolve(reverted)
            if target is None:
                continue
            earlier_position = shipped_by[target]
            if earlier_position >= position:
                continue  # shipped with its revert, or later: it never ran alone
            earlier = stream[earlier_position]
            gap = deployment.deployed_at - earlier.deployed_at
            if gap > rules.revert_window:
                continue
            work[earlier.id].fail(
                FailureReason(
                    FailureKind.REVERT,
                    f"commit {target[:7]} it shipped was reverted by {sha[:7]}, "
                    f"deployed {_hours(gap)} later in {_label(deployment)}",
                    related_deployment_id=deployment.id,
                )
            )
            current.is_rework = True

        # rule 3: this deployment is a patch release or hotfix following the previous one
        if position == 0:
            continue
        previous = stream[position - 1]
        gap = deployment.deployed_at - previous.deployed_at
        if gap > rules.follow_up_window:
            continue
        detail = _fix_follow_up(previous, deployment, current.shipped, facts, rules)
        if detail is not None:
            work[previous.id].fail(
                FailureReason(
                    FailureKind.HOTFIX,
                    f"followed {_hours(gap)} later by {detail}",
                    related_deployment_id=deployment.id,
                )
            )
            current.is_rework = True


def _fix_follow_up(
    previous: DeploymentRow,
    deployment: DeploymentRow,
    shipped: Sequence[str],
    facts: _RuleFacts,
    rules: DeploymentRules,
) -> str | None:
    """How ``deployment`` is a fix of ``previous`` (a phrase for the detail), or None."""
    if rules.patch_release_is_fix and patch_release_of(previous.name, deployment.name):
        return f"patch release {deployment.name}"
    if deployment.name and rules.is_hotfix_text(deployment.name):
        return f"hotfix deployment {deployment.name}"
    for sha in shipped:
        subject = facts.hotfix_subjects.get(sha)
        if subject is not None:
            return f"{_label(deployment)} shipping hotfix {sha[:7]} ({subject!r})"
    return None


def _attribute_incidents(
    deployments: Sequence[DeploymentRow],
    work: dict[int, _Work],
    incidents: Iterable[IncidentRow],
    rules: DeploymentRules,
) -> None:
    """Rule 4: linked incidents, else the latest production deployment within the window."""
    repo_id = deployments[0].repo_id
    production = sorted(
        (d for d in deployments if d.reached_environment and rules.is_production(d.environment)),
        key=lambda d: (d.deployed_at, d.id),
    )
    times = [d.deployed_at for d in production]
    for incident in incidents:
        if incident.deployment_id is not None:
            linked = work.get(incident.deployment_id)
            if linked is None:
                continue
            linked.incidents.append(incident)
            linked.fail(
                FailureReason(
                    FailureKind.INCIDENT,
                    f"incident {incident.key} is linked to it",
                    incident_key=incident.key,
                )
            )
            continue
        if incident.repo_id != repo_id:
            continue
        position = bisect_right(times, incident.opened_at) - 1
        if position < 0:
            continue
        cause = production[position]
        gap = incident.opened_at - cause.deployed_at
        if gap > rules.incident_window:
            continue
        target = work[cause.id]
        target.incidents.append(incident)
        target.fail(
            FailureReason(
                FailureKind.INCIDENT,
                f"incident {incident.key} opened {_hours(gap)} after it",
                incident_key=incident.key,
            )
        )


def _rollbacks(stream: list[DeploymentRow], work: dict[int, _Work]) -> None:
    """Rule 5: going back to an earlier deployment's sha fails every deployment in between."""
    last_position: dict[str, int] = {}
    for position, deployment in enumerate(stream):
        if not deployment.reached_environment:
            continue
        earlier = last_position.get(deployment.sha)
        if earlier is not None and earlier < position - 1:
            target = stream[earlier]
            for between in stream[earlier + 1 : position]:
                work[between.id].fail(
                    FailureReason(
                        FailureKind.ROLLBACK,
                        f"rolled back: {_label(deployment)} went back to {deployment.sha[:7]}, "
                        f"first deployed by {_label(target)}",
                        related_deployment_id=deployment.id,
                    )
                )
        last_position[deployment.sha] = position


def _recoveries(
    streams: Iterable[list[DeploymentRow]], work: dict[int, _Work]
) -> dict[int, datetime | None]:
    recovered: dict[int, datetime | None] = {}
    for stream in streams:
        next_success: datetime | None = None
        for deployment in reversed(stream):
            current = work[deployment.id]
            if not current.reasons:
                next_success = deployment.deployed_at
                continue
            if current.incidents:
                resolutions = [incident.resolved_at for incident in current.incidents]
                if any(resolved is None for resolved in resolutions):
                    recovered[deployment.id] = None
                else:
                    recovered[deployment.id] = max(r for r in resolutions if r is not None)
            else:
                recovered[deployment.id] = next_success
    return recovered


def production_deployments(
    deployments: Iterable[DeploymentRow], production_pattern: str = DEFAULT_PRODUCTION_PATTERN
) -> list[DeploymentRow]:
    """The deployments to a production environment (``production_pattern``, searched)."""
    is_production = production_filter(production_pattern)
    verdicts: dict[str, bool] = {}  # a scope has a handful of environments, not one per row
    production = []
    for deployment in deployments:
        verdict = verdicts.get(deployment.environment)
        if verdict is None:
            verdict = verdicts[deployment.environment] = is_production(deployment.environment)
        if verdict:
            production.append(deployment)
    return production


def derived_of(
    derived: Mapping[int, DerivedDeployment], deployment: DeploymentRow
) -> DerivedDeployment:
    """The derivation result of ``deployment``; a missing one is a caller bug, said plainly."""
    try:
        return derived[deployment.id]
    except KeyError:
        raise ValueError(
            f"deployment {deployment.id} has no derived row: run derive_deployments "
            "for its repository before computing metrics"
        ) from None

"""Risk (§10): factor detection over plain rows, the risk score and the risk level.

Pure: each detector takes one repository's rows (or the scope's open incidents), the
as-of moment where time matters, and ``RiskThresholds``; it returns ``RiskFactor`` values.
Nothing here reads the store or the clock. docs/risk.md states every rule, every default
and why, and the score formula.

Factor ids are ``<kind>:<repository or incident key>[:<path>]``: the same finding recomputed
gets the same id, so reruns (and diffs of two reports) line up.

Per-author figures (main author, ownership share) follow code-maat's "main developer"
analysis: they say where knowledge sits, never how well anybody works.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from statistics import median
from typing import Any, NamedTuple

from devintel_cli.errors import UsageError
from devintel_cli.metrics.catalog import CATALOG, Metric, Trend
from devintel_cli.metrics.values import round1
from devintel_cli.scoring.bands import DEFAULT_BANDS, Bands, Status
from devintel_cli.scoring.people import bus_factor
from devintel_cli.scoring.scorecard import SignalInput, score_signal


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def raised(self) -> Severity:
        """One step up (critical stays critical)."""
        order = list(Severity)
        return order[min(self.rank + 1, len(order) - 1)]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Category(StrEnum):
    """The §10 factor kinds, in the order the spec lists them (reports sort by it)."""

    KNOWLEDGE_CONCENTRATION = "knowledge_concentration"
    HOTSPOT = "hotspot"
    OVERSIZED_CHANGE = "oversized_change"
    REVIEW_BOTTLENECK = "review_bottleneck"
    CHANGE_FAILURE_RATE = "change_failure_rate"
    TEST_COVERAGE = "test_coverage"
    STALE_MIRROR = "stale_mirror"
    UNRESOLVED_INCIDENT = "unresolved_incident"
    OFF_HOURS_WORK = "off_hours_work"


_CATEGORY_RANK = {c: i for i, c in enumerate(Category)}

# --- the score ------------------------------------------------------------------------------

#: points a factor adds to the risk score, by severity
SEVERITY_POINTS: dict[Severity, int] = {
    Severity.CRITICAL: 40,
    Severity.HIGH: 20,
    Severity.MEDIUM: 10,
    Severity.LOW: 3,
}
#: most points one category can add: the same kind of risk repeated over many files or
#: repositories cannot alone push the score past "high"; it takes several kinds to reach 100
CATEGORY_CAP = 40
MAX_SCORE = 100
#: (lowest score, level), highest first: a score ≥ 70 is critical, ≥ 40 high, ≥ 20 medium
LEVELS: tuple[tuple[int, Severity], ...] = (
    (70, Severity.CRITICAL),
    (40, Severity.HIGH),
    (20, Severity.MEDIUM),
    (0, Severity.LOW),
)


@dataclass(frozen=True)
class RiskThresholds:
    """Every threshold of every rule; ``devintel.toml``'s ``[risk]`` table overrides any of
    them (``RiskThresholds.from_mapping``). Why each default: docs/risk.md."""

    # knowledge concentration (code-maat "main developer" share; CHAOSS bus factor)
    #: a file is concentrated when one author made at least this share of its changes
    owner_share: float = 0.8
    #: ... and it changed at least this often in the window (a file touched once or twice
    #: by one person is normal work, not concentrated knowledge)
    min_file_changes: int = 5
    #: concentrated files reported per repository, most-changed first
    max_files_per_repository: int = 5
    #: repository bus factor is judged only with at least this many commits in the window
    min_repository_commits: int = 10
    # hotspots (code-maat: change frequency × authors)
    hotspot_min_changes: int = 10
    hotspot_min_authors: int = 3
    hotspots_per_repository: int = 3
    # oversized changes
    #: lines added + deleted outside excluded (vendored, generated, lock) and binary files
    max_commit_lines: int = 1000
    #: imported PRs: additions + deletions
    max_pull_request_lines: int = 400
    #: oversized commits (or PRs) of one repository from which the factor is medium, not low
    oversized_medium_count: int = 3
    # review bottleneck
    review_median_hours: float = 72.0
    review_median_high_hours: float = 168.0
    review_min_pull_requests: int = 3
    pull_request_wait_days: float = 7.0
    waiting_medium_count: int = 3
    # change failure rate: judged only over at least this many deployments in the window
    cfr_min_deployments: int = 3
    # stale mirror
    stale_sync_days: float = 7.0
    stale_sync_high_days: float = 28.0
    # unresolved incidents
    incident_open_days: float = 7.0
    incident_high_days: float = 28.0
    #: an incident whose own severity is one of these (lower-cased, punctuation dropped:
    #: "SEV-1" → "sev1") is one step more severe
    escalating_incident_severities: tuple[str, ...] = (
        "critical",
        "blocker",
        "sev0",
        "sev1",
        "p0",
        "p1",
    )
    # off-hours and weekend work (local time of each commit, by its author's own offset)
    off_hours_share: float = 0.25
    off_hours_high_share: float = 0.5
    off_hours_min_commits: int = 20
    #: the working day, local time: [start, end) hours, Monday to Friday
    workday_start_hour: int = 7
    workday_end_hour: int = 20

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, prefix: str = "risk") -> RiskThresholds:
        """Defaults overridden by a TOML table such as ``[risk] max_commit_lines = 2000``.

        Unknown keys, values of the wrong type, shares outside (0, 1], non-positive counts
        and durations, and hours outside 0–24 raise UsageError naming ``prefix.key``."""
        if not isinstance(mapping, Mapping):
            raise UsageError(f"{prefix}: expected a table, got {type(mapping).__name__}")
        defaults = cls()
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            where = f"{prefix}.{key}"
            if key not in known:
                raise UsageError(
                    f"{where}: unknown key", hint=f"{prefix} takes {', '.join(sorted(known))}"
                )
            default = getattr(defaults, key)
            values[key] = _checked(where, key, value, default)
        result = replace(defaults, **values)
        if result.workday_start_hour >= result.workday_end_hour:
            raise UsageError(
                f"{prefix}.workday_start_hour ({result.workday_start_hour}) must be before "
                f"{prefix}.workday_end_hour ({result.workday_end_hour})"
            )
        return result


def _checked(where: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: expected a list of strings")
        return tuple(_severity_key(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
    if isinstance(default, int) and not isinstance(value, int):
        raise UsageError(f"{where}: expected a whole number, got {value!r}")
    if not math.isfinite(value):
        raise UsageError(f"{where}: expected a finite number, got {value!r}")
    if key.endswith("_share"):
        if not 0 < value <= 1:
            raise UsageError(f"{where}: a share is in (0, 1], got {value!r}")
    elif key.endswith("_hour"):
        if not 0 <= value <= 24:
            raise UsageError(f"{where}: an hour of the day is 0–24, got {value!r}")
    elif value <= 0:
        raise UsageError(f"{where}: must be greater than 0, got {value!r}")
    return float(value) if isinstance(default, float) else value


def _severity_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


DEFAULT_THRESHOLDS = RiskThresholds()


# --- rows and factors -----------------------------------------------------------------------


class RiskFactor(NamedTuple):
    id: str
    category: Category
    severity: Severity
    title: str
    detail: str
    evidence: dict[str, Any]
    recommended_action: str
    repository: str | None = None
    service_line_id: str | None = None

    @property
    def points(self) -> int:
        return SEVERITY_POINTS[self.severity]


class FileAuthorChanges(NamedTuple):
    """Changes one author made to one file in the window (eligible files only: the caller
    leaves out merges, bots, binary and excluded files). ``file_changes`` folds these into
    the per-file rows the detectors read."""

    path: str
    author: str
    changes: int
    lines: int


class FileChanges(NamedTuple):
    """One file's changes in the window, all authors together (eligible files only, as for
    ``FileAuthorChanges``). Per file rather than per (file, author): a window has one row
    per file, where per author it has up to one per change, and the store folds them. A
    named tuple, not a dataclass: a large window has tens of thousands of files, and a
    tuple is built in half the time of a frozen dataclass."""

    path: str
    changes: int
    #: distinct authors who changed the file
    authors: int
    #: lines added + deleted, all authors
    lines: int
    #: the author with the most changes, ties to the alphabetically first (stable), and
    #: their changes — known when the file has a single author or ``may_be_concentrated``
    #: says one author can hold the owner share; None otherwise, where no rule reads them
    #: (and the store need not fold the file per author to find them)
    main_author: str | None
    main_author_changes: int | None


class CommitSize(NamedTuple):
    """A non-merge, non-bot commit and its lines changed outside excluded/binary files."""

    sha: str
    subject: str
    lines: int
    #: a root commit (no parents): an initial import, not a change anybody reviews
    is_root: bool = False


class MergedPullRequest(NamedTuple):
    """A pull request merged in the window, as review time counts them (an imported PR
    replaces its Git estimate; bots left out). A named tuple, as ``FileChanges``: a busy
    window merges tens of thousands."""

    number: int
    #: merged − opened, in whole seconds
    review_seconds: int
    #: opened/merged estimated from Git rather than imported (§4)
    estimated: bool = False


class PullRequestSize(NamedTuple):
    number: int
    title: str | None
    lines: int


class OpenPullRequest(NamedTuple):
    number: int
    title: str | None
    opened_at: datetime


class OpenIncident(NamedTuple):
    key: str
    title: str | None
    severity: str | None
    opened_at: datetime
    resolved_at: datetime | None = None
    repository: str | None = None
    service_line_id: str | None = None


class MetricWindowInput(NamedTuple):
    """A metric over the window, over the window before, and its weekly points (oldest →
    newest) — what the scorecard computes (``scorecards.metric_windows``)."""

    value: float | None
    previous_value: float | None = None
    weekly_values: Sequence[float | None] = ()
    #: the ratio's numerator and denominator (change_failure_rate: failed, deployments)
    numerator: float | None = None
    denominator: float | None = None


class RepositoryActivity(NamedTuple):
    """Everything the per-repository detectors read, for one repository and one window."""

    repository: str
    last_synced_at: datetime | None = None
    file_changes: Sequence[FileChanges] = ()
    #: (author, non-merge non-bot commits) in the window
    author_commits: Sequence[tuple[str, int]] = ()
    #: the window's commits, or only those that can be over ``max_commit_lines`` when
    #: ``non_root_commits`` counts the rest (see ``oversized_commits``)
    commit_sizes: Sequence[CommitSize] = ()
    non_root_commits: int | None = None
    pull_request_sizes: Sequence[PullRequestSize] = ()
    merged_pull_requests: Sequence[MergedPullRequest] = ()
    open_pull_requests: Sequence[OpenPullRequest] = ()
    #: (local weekday, 0 = Monday; local hour; commits) of the window's commits, each in its
    #: author's own UTC offset (``local_hours``)
    commit_local_hours: Sequence[tuple[int, int, int]] = ()
    change_failure_rate: MetricWindowInput | None = None
    test_coverage: MetricWindowInput | None = None


def _pct(share: float) -> float:
    return round1(100.0 * share) or 0.0


def _fmt(value: float) -> str:
    """1 decimal, as §12 rounds; whole numbers without ``.0`` in sentences."""
    rounded = round1(value) or 0.0
    return f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.1f}"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


# --- knowledge concentration ----------------------------------------------------------------


def may_be_concentrated(
    changes: int, authors: int, thresholds: RiskThresholds = DEFAULT_THRESHOLDS
) -> bool:
    """Whether one author can hold ``owner_share`` of a file's ≥ ``min_file_changes``
    changes: with ``authors`` distinct authors the most any one made is changes − (authors −
    1). Only then does the knowledge-concentration rule need the file's main author."""
    t = thresholds
    return changes >= t.min_file_changes and (changes - authors + 1) / changes >= t.owner_share


def file_changes(
    rows: Iterable[FileAuthorChanges], thresholds: RiskThresholds = DEFAULT_THRESHOLDS
) -> list[FileChanges]:
    """Per-author rows folded per file, in order of first appearance. The definition of
    ``FileChanges``: the store computes the same in SQL (``store.activity.file_totals``,
    then ``file_main_authors`` for the files that ``may_be_concentrated``)."""
    by_path: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for row in rows:
        # the same author twice adds up (callers group; be safe)
        entry = by_path[row.path].setdefault(row.author, [0, 0])
        entry[0] += row.changes
        entry[1] += row.lines
    result = []
    for path, authors in by_path.items():
        changes = sum(n for n, _ in authors.values())
        main: tuple[str | None, int | None] = (None, None)
        if len(authors) == 1 or may_be_concentrated(changes, len(authors), thresholds):
            main = _main_author({a: n for a, (n, _) in authors.items()})
        result.append(
            FileChanges(
                path=path,
                changes=changes,
                authors=len(authors),
                lines=sum(lines for _, lines in authors.values()),
                main_author=main[0],
                main_author_changes=main[1],
            )
        )
    return result


def _main_author(authors: Mapping[str, int]) -> tuple[str, int]:
    """The author with the most changes; ties go to the alphabetically first (stable)."""
    return min(authors.items(), key=lambda item: (-item[1], item[0]))


def _several_authors(files: Iterable[FileChanges]) -> bool:
    """At least two authors changed the files: one file had two, or two files had different
    (sole) authors."""
    seen = None
    for f in files:
        if f.authors > 1 or (seen is not None and f.main_author != seen):
            return True
        seen = f.main_author
    return False


def knowledge_concentration(
    repository: str,
    files: Sequence[FileChanges],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Files where one author made ≥ ``owner_share`` of ≥ ``min_file_changes`` changes; at
    most ``max_files_per_repository``, most-changed first (then by path). Nothing when the
    window has a single author: every file would match, and the repository's bus-factor
    factor already says it."""
    t = thresholds
    if not _several_authors(files):
        return []
    found = []
    for f in files:
        if not may_be_concentrated(f.changes, f.authors, t):
            continue
        assert f.main_author is not None and f.main_author_changes is not None, f.path
        share = f.main_author_changes / f.changes
        if share >= t.owner_share:
            found.append(
                (f.changes, f.path, f.main_author, f.main_author_changes, share, f.authors, f.lines)
            )
    found.sort(key=lambda f: (-f[0], f[1]))
    factors = []
    for total, path, author, own, share, n_authors, lines in found[: t.max_files_per_repository]:
        factors.append(
            RiskFactor(
                id=f"knowledge_concentration:{repository}:{path}",
                category=Category.KNOWLEDGE_CONCENTRATION,
                severity=Severity.MEDIUM,
                title=f"{path}: {_fmt(100 * share)} % of its changes by one author",
                detail=f"{author} made {own} of the {total} changes to {path} in "
                f"{repository} during the window (threshold {_fmt(100 * t.owner_share)} % "
                f"of at least {t.min_file_changes} changes): what this file does is known "
                "mostly to one person.",
                evidence={
                    "path": path,
                    "changes": total,
                    "main_author": author,
                    "main_author_changes": own,
                    "main_author_share_percent": _pct(share),
                    "authors": n_authors,
                    "lines_touched": lines,
                    "threshold_share_percent": _pct(t.owner_share),
                    "threshold_changes": t.min_file_changes,
                },
                recommended_action=f"Have someone else review and pair on changes to {path}; "
                "write down its design decisions and rotate who maintains it.",
                repository=repository,
            )
        )
    return factors


def repository_bus_factor(
    repository: str,
    author_commits: Sequence[tuple[str, int]],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Bus factor 1 (CHAOSS: one contributor made at least half of the commits) over at
    least ``min_repository_commits`` commits: high when that author made ≥ ``owner_share``
    of them (or is the only one), medium otherwise (a second person holds a large part)."""
    t = thresholds
    counts = {author: n for author, n in author_commits if n > 0}
    total = sum(counts.values())
    if total < t.min_repository_commits or bus_factor(list(counts.values())) != 1:
        return []
    author, own = _main_author(counts)
    share = own / total
    severity = Severity.HIGH if share >= t.owner_share else Severity.MEDIUM
    return [
        RiskFactor(
            id=f"bus_factor:{repository}",
            category=Category.KNOWLEDGE_CONCENTRATION,
            severity=severity,
            title=f"Bus factor 1 in {repository}: one author made {_fmt(100 * share)} % of "
            "the commits",
            detail=f"{author} made {own} of the {total} commits to {repository} during the "
            f"window ({_n(len(counts), 'active author')}): one person covers at least half "
            "of the work (CHAOSS contributor absence factor).",
            evidence={
                "bus_factor": 1,
                "commits": total,
                "active_authors": len(counts),
                "main_author": author,
                "main_author_commits": own,
                "main_author_share_percent": _pct(share),
                "threshold_commits": t.min_repository_commits,
            },
            recommended_action=f"Spread the work on {repository}: pair, rotate reviews and "
            "on-call, and document the critical paths so a second person can take over.",
            repository=repository,
        )
    ]


# --- hotspots -------------------------------------------------------------------------------


def hotspots(
    repository: str,
    files: Sequence[FileChanges],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """code-maat style: files with ≥ ``hotspot_min_changes`` changes by ≥
    ``hotspot_min_authors`` authors, ranked by changes × authors (then lines touched, then
    path); the top ``hotspots_per_repository``. High when a file doubles both thresholds."""
    t = thresholds
    found = []
    for f in files:
        if f.changes < t.hotspot_min_changes or f.authors < t.hotspot_min_authors:
            continue
        found.append((f.changes * f.authors, f.lines, f.path, f.changes, f.authors))
    found.sort(key=lambda f: (-f[0], -f[1], f[2]))
    factors = []
    for rank, (score, lines, path, revisions, n_authors) in enumerate(
        found[: t.hotspots_per_repository], start=1
    ):
        doubled = revisions >= 2 * t.hotspot_min_changes and n_authors >= 2 * t.hotspot_min_authors
        factors.append(
            RiskFactor(
                id=f"hotspot:{repository}:{path}",
                category=Category.HOTSPOT,
                severity=Severity.HIGH if doubled else Severity.MEDIUM,
                title=f"Hotspot {path}: {revisions} changes by {n_authors} authors",
                detail=f"{path} in {repository} changed {revisions} times by {n_authors} "
                f"authors during the window ({_n(lines, 'line')} touched; hotspot score "
                f"{score} = changes × authors, rank {rank}). Files many people change often "
                "are where defects and merge conflicts gather.",
                evidence={
                    "path": path,
                    "changes": revisions,
                    "authors": n_authors,
                    "lines_touched": lines,
                    "hotspot_score": score,
                    "rank": rank,
                    "threshold_changes": t.hotspot_min_changes,
                    "threshold_authors": t.hotspot_min_authors,
                },
                recommended_action=f"Look at {path}'s design: split its responsibilities, "
                "strengthen its tests and name an owner who reviews changes to it.",
                repository=repository,
            )
        )
    return factors


# --- oversized changes ----------------------------------------------------------------------

_LARGEST_SHOWN = 5


def oversized_commits(
    repository: str,
    commits: Sequence[CommitSize],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
    *,
    non_root_commits: int | None = None,
) -> list[RiskFactor]:
    """Commits (root commits aside) over ``max_commit_lines``: one factor per repository,
    low, medium from ``oversized_medium_count`` commits.

    ``commits`` is the window's commits; or, when ``non_root_commits`` gives how many
    non-root commits the window has, any subset of them that holds every commit over the
    limit (the store passes those whose lines over all files exceed it: an upper bound of
    their lines outside excluded and binary files)."""
    t = thresholds
    considered = [c for c in commits if not c.is_root]
    counted = len(considered) if non_root_commits is None else non_root_commits
    big = sorted(
        (c for c in considered if c.lines > t.max_commit_lines), key=lambda c: (-c.lines, c.sha)
    )
    if not big:
        return []
    largest = big[0]
    share = len(big) / counted
    return [
        RiskFactor(
            id=f"oversized_commits:{repository}",
            category=Category.OVERSIZED_CHANGE,
            severity=Severity.MEDIUM if len(big) >= t.oversized_medium_count else Severity.LOW,
            title=f"{_n(len(big), 'commit')} over {t.max_commit_lines:,} lines in {repository}",
            detail=f"{len(big)} of {counted} commits in {repository} during the "
            f"window changed more than {t.max_commit_lines:,} lines outside excluded files; "
            f'the largest, {largest.sha[:7]} "{largest.subject}", changed '
            f"{largest.lines:,}. Changes this size are hard to review and to revert.",
            evidence={
                "count": len(big),
                "commits": counted,
                "share_percent": _pct(share),
                "threshold_lines": t.max_commit_lines,
                "largest": [
                    {"sha": c.sha, "subject": c.subject, "lines": c.lines}
                    for c in big[:_LARGEST_SHOWN]
                ],
            },
            recommended_action="Split large changes into reviewable steps (feature flags, "
            "preparatory refactors); list generated or vendored paths in "
            "ingest.excluded_paths so they are not counted.",
            repository=repository,
        )
    ]


def oversized_pull_requests(
    repository: str,
    pull_requests: Sequence[PullRequestSize],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Imported PRs over ``max_pull_request_lines``: one factor per repository, low, medium
    from ``oversized_medium_count`` PRs."""
    t = thresholds
    big = sorted(
        (p for p in pull_requests if p.lines > t.max_pull_request_lines),
        key=lambda p: (-p.lines, p.number),
    )
    if not big:
        return []
    largest = big[0]
    return [
        RiskFactor(
            id=f"oversized_pull_requests:{repository}",
            category=Category.OVERSIZED_CHANGE,
            severity=Severity.MEDIUM if len(big) >= t.oversized_medium_count else Severity.LOW,
            title=f"{_n(len(big), 'pull request')} over {t.max_pull_request_lines:,} lines "
            f"in {repository}",
            detail=f"{len(big)} of {len(pull_requests)} pull requests opened in {repository} "
            f"during the window changed more than {t.max_pull_request_lines:,} lines; the "
            f"largest, #{largest.number}, changed {largest.lines:,}. Review quality drops "
            "on changes this size.",
            evidence={
                "count": len(big),
                "pull_requests": len(pull_requests),
                "share_percent": _pct(len(big) / len(pull_requests)),
                "threshold_lines": t.max_pull_request_lines,
                "largest": [
                    {"number": p.number, "title": p.title, "lines": p.lines}
                    for p in big[:_LARGEST_SHOWN]
                ],
            },
            recommended_action="Keep pull requests small (stacked PRs, feature flags); "
            "split this kind of change before review.",
            repository=repository,
        )
    ]


# --- review bottleneck ----------------------------------------------------------------------


def review_bottleneck(
    repository: str,
    merged: Sequence[MergedPullRequest],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Median (merged − opened) over ≥ ``review_min_pull_requests`` PRs merged in the window
    (spans ≤ 0 ignored, as pr_review_time does) above ``review_median_hours``: medium; above
    ``review_median_high_hours``: high. No PR data: no factor."""
    t = thresholds
    spans = sorted(
        ((p.review_seconds / 3600, p.number, p.estimated) for p in merged),
        key=lambda s: (-s[0], s[1]),
    )
    spans = [s for s in spans if s[0] > 0]
    if len(spans) < t.review_min_pull_requests:
        return []
    value = median(s[0] for s in spans)
    if value <= t.review_median_hours:
        return []
    high = value > t.review_median_high_hours
    estimated = any(s[2] for s in spans)
    return [
        RiskFactor(
            id=f"review_bottleneck:{repository}",
            category=Category.REVIEW_BOTTLENECK,
            severity=Severity.HIGH if high else Severity.MEDIUM,
            title=f"Pull requests in {repository} take a median {_fmt(value)} h to merge",
            detail=f"The median time from opening to merge over {len(spans)} pull requests "
            f"merged in {repository} during the window is {_fmt(value)} h (threshold "
            f"{_fmt(t.review_median_hours)} h"
            + (", some times estimated from Git" if estimated else "")
            + "): work waits on review.",
            evidence={
                "median_hours": round1(value),
                "pull_requests": len(spans),
                "estimated": estimated,
                "threshold_hours": round1(t.review_median_hours),
                "slowest": [{"number": n, "hours": round1(h)} for h, n, _ in spans[:3]],
            },
            recommended_action="Agree on a review turnaround (e.g. first review within a "
            "working day), share reviews across the team and keep pull requests small.",
            repository=repository,
        )
    ]


def waiting_pull_requests(
    repository: str,
    open_pull_requests: Sequence[OpenPullRequest],
    as_of: datetime,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Imported PRs still open at ``as_of`` after more than ``pull_request_wait_days``: low,
    medium from ``waiting_medium_count`` of them."""
    t = thresholds
    waiting = sorted(
        (
            ((as_of - p.opened_at).total_seconds() / 86400, p)
            for p in open_pull_requests
            if p.opened_at < as_of
        ),
        key=lambda w: (-w[0], w[1].number),
    )
    waiting = [w for w in waiting if w[0] > t.pull_request_wait_days]
    if not waiting:
        return []
    oldest_days, oldest = waiting[0]
    return [
        RiskFactor(
            id=f"waiting_pull_requests:{repository}",
            category=Category.REVIEW_BOTTLENECK,
            severity=Severity.MEDIUM if len(waiting) >= t.waiting_medium_count else Severity.LOW,
            title=f"{_n(len(waiting), 'pull request')} open for more than "
            f"{_fmt(t.pull_request_wait_days)} days in {repository}",
            detail=f"{_n(len(waiting), 'pull request')} in {repository} "
            f"{'has' if len(waiting) == 1 else 'have'} been open for more than "
            f"{_fmt(t.pull_request_wait_days)} days; the oldest, #{oldest.number}, for "
            f"{_fmt(oldest_days)} days.",
            evidence={
                "count": len(waiting),
                "threshold_days": round1(t.pull_request_wait_days),
                "oldest_age_days": round1(oldest_days),
                "pull_requests": [
                    {"number": p.number, "title": p.title, "age_days": round1(days)}
                    for days, p in waiting[:10]
                ],
            },
            recommended_action="Review, merge or close the waiting pull requests; long-open "
            "branches drift and conflict.",
            repository=repository,
        )
    ]


# --- change failure rate and coverage -------------------------------------------------------

_METRIC_WORDING = {
    # metric: (category, id kind, name, rising/falling word, action)
    Metric.CHANGE_FAILURE_RATE: (
        Category.CHANGE_FAILURE_RATE,
        "change_failure_rate",
        "Change failure rate",
        "rising",
        "Look at the failed deployments (`devintel deployments list`): add the missing tests "
        "or checks, slow down risky releases and make rollbacks cheap.",
    ),
    Metric.TEST_COVERAGE: (
        Category.TEST_COVERAGE,
        "test_coverage",
        "Test coverage",
        "falling",
        "Require tests with new code (a coverage gate on changed lines in CI) and cover "
        "the recently changed modules first.",
    ),
}


def metric_band_risk(
    metric: Metric,
    repository: str,
    window: MetricWindowInput | None,
    *,
    window_days: int,
    bands: Bands = DEFAULT_BANDS,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """change_failure_rate or test_coverage by the §6 bands and §5 trend (window vs the one
    before):

    - red band: high when worsening or just crossed into red, else medium (stays red);
    - amber band: medium when worsening or just crossed from green, else nothing;
    - green band: low when the §6 projection rule turns it amber (trending out of green).

    change_failure_rate needs ≥ ``cfr_min_deployments`` deployments in the window.
    """
    if window is None or window.value is None:
        return []
    if metric is Metric.CHANGE_FAILURE_RATE and (window.denominator or 0) < (
        thresholds.cfr_min_deployments
    ):
        return []
    category, kind, name, moving, action = _METRIC_WORDING[metric]
    signal = score_signal(
        SignalInput(metric, window.value, window.previous_value, window.weekly_values),
        bands=bands,
        window_days=window_days,
    )
    if signal is None:  # pragma: no cover - value is not None
        return []
    previous_band = (
        bands.status(metric, window.previous_value) if window.previous_value is not None else None
    )
    band, worsening = signal.band_status, signal.trend is Trend.WORSENING
    crossed = previous_band is not None and _band_rank(band) > _band_rank(previous_band)
    severity: Severity | None = None
    if band is Status.RED:
        severity = Severity.HIGH if worsening or crossed else Severity.MEDIUM
    elif band is Status.AMBER and (worsening or crossed):
        severity = Severity.MEDIUM
    elif band is Status.GREEN and signal.status is not Status.GREEN:
        severity = Severity.LOW
    if severity is None:
        return []
    if crossed:
        how = f"crossed into the {band} band"
    elif worsening:
        how = moving
    elif band is Status.RED:
        how = "in the red band"
    else:
        how = "trending out of the green band"
    value, previous = round1(window.value), round1(window.previous_value)
    fixed = bands.fixed[metric]
    was = f" (previous window {_fmt(window.previous_value)} %)" if previous is not None else ""
    evidence: dict[str, Any] = {
        "metric": str(metric),
        "value": value,
        "previous_value": previous,
        "unit": str(CATALOG[metric].unit),
        "band": str(band),
        "previous_band": str(previous_band) if previous_band else None,
        "trend": str(signal.trend),
        "band_green": fixed.green,
        "band_red": fixed.red,
    }
    if metric is Metric.CHANGE_FAILURE_RATE:
        evidence["failed_deployments"] = window.numerator
        evidence["deployments"] = window.denominator
    if signal.projection is not None:
        evidence["projected_value"] = round1(signal.projection.projected_value)
        evidence["slope_per_week"] = round1(signal.projection.slope_per_week)
    return [
        RiskFactor(
            id=f"{kind}:{repository}",
            category=category,
            severity=severity,
            title=f"{name} {how} in {repository}: {_fmt(window.value)} %{was}",
            detail=f"{name} of {repository} over the last {window_days} days is "
            f"{_fmt(window.value)} %{was}; {band} band (green "
            f"{'≤' if metric is Metric.CHANGE_FAILURE_RATE else '≥'} {fixed.green:g} %, red "
            f"{'>' if metric is Metric.CHANGE_FAILURE_RATE else '<'} {fixed.red:g} %), trend "
            f"{signal.trend}.",
            evidence=evidence,
            recommended_action=action,
            repository=repository,
        )
    ]


def _band_rank(status: Status) -> int:
    return {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}[status]


# --- stale mirror ---------------------------------------------------------------------------


def stale_mirror(
    repository: str,
    last_synced_at: datetime | None,
    as_of: datetime,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Never synced: high. Last sync more than ``stale_sync_days`` before ``as_of``: medium;
    more than ``stale_sync_high_days``: high. A sync after ``as_of`` counts as age 0."""
    t = thresholds
    action = f"Run `devintel repo sync {repository}` (and schedule it, e.g. hourly from cron)."
    if last_synced_at is None:
        return [
            RiskFactor(
                id=f"stale_mirror:{repository}",
                category=Category.STALE_MIRROR,
                severity=Severity.HIGH,
                title=f"{repository} has never been synced",
                detail=f"{repository} was added without a sync: none of its commits, "
                "deployments or pull requests are in any figure.",
                evidence={"last_synced_at": None, "age_days": None},
                recommended_action=action,
                repository=repository,
            )
        ]
    age_days = max(0.0, (as_of - last_synced_at).total_seconds() / 86400)
    if age_days <= t.stale_sync_days:
        return []
    severity = Severity.HIGH if age_days > t.stale_sync_high_days else Severity.MEDIUM
    return [
        RiskFactor(
            id=f"stale_mirror:{repository}",
            category=Category.STALE_MIRROR,
            severity=severity,
            title=f"{repository} last synced {_fmt(age_days)} days ago",
            detail=f"The mirror of {repository} was last synced {_fmt(age_days)} days before "
            f"the report (threshold {_fmt(t.stale_sync_days)} days): recent commits, "
            "deployments and failures are missing from every figure.",
            evidence={
                "last_synced_at": last_synced_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "age_days": round1(age_days),
                "threshold_days": round1(t.stale_sync_days),
            },
            recommended_action=action,
            repository=repository,
        )
    ]


# --- unresolved incidents -------------------------------------------------------------------


def unresolved_incidents(
    incidents: Sequence[OpenIncident],
    as_of: datetime,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Incidents opened before ``as_of`` and not resolved by then, open for more than
    ``incident_open_days``: medium; more than ``incident_high_days``: high; one step more
    when the incident's own severity is in ``escalating_incident_severities``."""
    t = thresholds
    escalating = {_severity_key(s) for s in t.escalating_incident_severities}
    factors = []
    for incident in sorted(incidents, key=lambda i: (i.opened_at, i.key)):
        if incident.opened_at >= as_of or (
            incident.resolved_at is not None and incident.resolved_at <= as_of
        ):
            continue
        age_days = (as_of - incident.opened_at).total_seconds() / 86400
        if age_days <= t.incident_open_days:
            continue
        severity = Severity.HIGH if age_days > t.incident_high_days else Severity.MEDIUM
        own = incident.severity
        if own and _severity_key(own) in escalating:
            severity = severity.raised()
        where = incident.repository or incident.service_line_id
        factors.append(
            RiskFactor(
                id=f"unresolved_incident:{incident.key}",
                category=Category.UNRESOLVED_INCIDENT,
                severity=severity,
                title=f"Incident {incident.key} unresolved for {_fmt(age_days)} days",
                detail=f"{incident.key}"
                + (f' "{incident.title}"' if incident.title else "")
                + (f" ({own})" if own else "")
                + (f" in {where}" if where else "")
                + f" was opened {_fmt(age_days)} days ago and is not resolved (threshold "
                f"{_fmt(t.incident_open_days)} days).",
                evidence={
                    "key": incident.key,
                    "title": incident.title,
                    "incident_severity": own,
                    "opened_at": incident.opened_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "age_days": round1(age_days),
                    "threshold_days": round1(t.incident_open_days),
                },
                recommended_action=f"Resolve {incident.key} or record why it stays open; "
                "if it is resolved, re-import incidents with its resolution time.",
                repository=incident.repository,
                service_line_id=None if incident.repository else incident.service_line_id,
            )
        )
    return factors


# --- off-hours and weekend work -------------------------------------------------------------


def local_weekday_hour(epoch: int, offset_minutes: int) -> tuple[int, int]:
    """(weekday, 0 = Monday; hour) of a commit in its author's local time: epoch seconds
    plus the UTC offset, in whole days since Thursday 1970-01-01 and seconds into the day
    (what ``datetime.fromtimestamp(epoch, offset)`` gives, without building one). Git allows
    any offset; a nonsensical one (beyond ±24 h) is read as UTC. The store groups commits by
    the same arithmetic in SQL (``store.activity.window_commits``)."""
    if not -1440 < offset_minutes < 1440:
        offset_minutes = 0
    days, seconds = divmod(epoch + 60 * offset_minutes, 86_400)
    return (days + 3) % 7, seconds // 3600


def local_hours(local_times: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(weekday, hour, commits) of (author epoch seconds, author UTC offset in minutes)
    pairs, by ``local_weekday_hour``: the input ``off_hours_work`` takes."""
    counts = Counter(local_weekday_hour(epoch, offset) for epoch, offset in local_times)
    return [(weekday, hour, n) for (weekday, hour), n in sorted(counts.items())]


def off_hours_work(
    repository: str,
    commit_hours: Sequence[tuple[int, int, int]],
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
) -> list[RiskFactor]:
    """Share of commits authored outside ``workday_start_hour``–``workday_end_hour`` or on
    Saturday/Sunday, in the author's own local time (the commit's UTC offset), over ≥
    ``off_hours_min_commits`` commits: above ``off_hours_share`` medium, above
    ``off_hours_high_share`` high. A team figure: no per-person breakdown.

    ``commit_hours``: (weekday, hour, commits) in local time, as ``local_hours`` counts."""
    t = thresholds
    commits = sum(n for _, _, n in commit_hours)
    if commits < t.off_hours_min_commits:
        return []
    night = weekend = off = 0
    for weekday, hour, n in commit_hours:
        is_weekend = weekday >= 5
        is_night = hour >= t.workday_end_hour or hour < t.workday_start_hour
        weekend += n * is_weekend
        night += n * is_night
        off += n * (is_weekend or is_night)
    share = off / commits
    if share <= t.off_hours_share:
        return []
    hours = f"{t.workday_start_hour:02d}:00–{t.workday_end_hour:02d}:00"
    return [
        RiskFactor(
            id=f"off_hours_work:{repository}",
            category=Category.OFF_HOURS_WORK,
            severity=Severity.HIGH if share > t.off_hours_high_share else Severity.MEDIUM,
            title=f"{_fmt(100 * share)} % of commits in {repository} are off-hours or at weekends",
            detail=f"{off} of {commits} commits in {repository} during the window "
            f"were authored outside {hours} local time or on a weekend ({night} at night, "
            f"{weekend} at weekends; threshold {_fmt(100 * t.off_hours_share)} %). "
            "Sustained overtime predicts burnout and mistakes.",
            evidence={
                "commits": commits,
                "off_hours_commits": off,
                "night_commits": night,
                "weekend_commits": weekend,
                "share_percent": _pct(share),
                "threshold_percent": _pct(t.off_hours_share),
                "workday": f"{hours} Mon–Fri, author's local time",
            },
            recommended_action="Check workload and on-call load with the team; plan for "
            "sustainable pace rather than late fixes.",
            repository=repository,
        )
    ]


# --- composition, score, level --------------------------------------------------------------


def repository_risks(
    activity: RepositoryActivity,
    *,
    as_of: datetime,
    window_days: int,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
    bands: Bands = DEFAULT_BANDS,
) -> list[RiskFactor]:
    """Every per-repository factor of one repository (incidents are the scope's: see
    ``unresolved_incidents``)."""
    name, t = activity.repository, thresholds
    return [
        *repository_bus_factor(name, activity.author_commits, t),
        *knowledge_concentration(name, activity.file_changes, t),
        *hotspots(name, activity.file_changes, t),
        *oversized_commits(
            name, activity.commit_sizes, t, non_root_commits=activity.non_root_commits
        ),
        *oversized_pull_requests(name, activity.pull_request_sizes, t),
        *review_bottleneck(name, activity.merged_pull_requests, t),
        *waiting_pull_requests(name, activity.open_pull_requests, as_of, t),
        *metric_band_risk(
            Metric.CHANGE_FAILURE_RATE,
            name,
            activity.change_failure_rate,
            window_days=window_days,
            bands=bands,
            thresholds=t,
        ),
        *metric_band_risk(
            Metric.TEST_COVERAGE,
            name,
            activity.test_coverage,
            window_days=window_days,
            bands=bands,
            thresholds=t,
        ),
        *stale_mirror(name, activity.last_synced_at, as_of, t),
        *off_hours_work(name, activity.commit_local_hours, t),
    ]


def sort_factors(factors: Iterable[RiskFactor]) -> list[RiskFactor]:
    """Most severe first, then in the §10 order of categories, then by id."""
    return sorted(factors, key=lambda f: (-f.severity.rank, _CATEGORY_RANK[f.category], f.id))


def category_points(factors: Iterable[RiskFactor]) -> dict[Category, tuple[int, int]]:
    """(factors, points after the category cap) per category present, in §10 order."""
    totals: dict[Category, list[int]] = {}
    for factor in factors:
        entry = totals.setdefault(factor.category, [0, 0])
        entry[0] += 1
        entry[1] += factor.points
    return {
        category: (count, min(CATEGORY_CAP, points))
        for category, (count, points) in sorted(
            totals.items(), key=lambda item: _CATEGORY_RANK[item[0]]
        )
    }


def risk_score(factors: Iterable[RiskFactor]) -> int:
    """Σ over categories of min(40, Σ severity points), capped at 100; no factors → 0."""
    return min(MAX_SCORE, sum(points for _, points in category_points(factors).values()))


def risk_level(score: int) -> Severity:
    for lowest, level in LEVELS:
        if score >= lowest:
            return level
    return Severity.LOW

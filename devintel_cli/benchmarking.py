"""Benchmarks (§8) for a scope, as of a moment: the scope's window values against the
shipped reference distributions (or the user's file laid over them) in the cohort of its
team size and primary language, with the DORA tier of the chosen profile; for a repository
or a line, also against the workspace's other repositories or lines (peers)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .metrics.buckets import window_bucket
from .metrics.catalog import CATALOG, Metric
from .metrics.series import compute_values
from .metrics.values import MetricValue, round1
from .reporting import Scope, load_inputs, resolve_scope
from .scorecards import HOW_TO_ADD
from .store.activity import author_commit_counts
from .workspace import Context

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .scoring.benchmarks import PeerScope


def window_values(
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    metrics: tuple[Metric, ...] = tuple(CATALOG),
) -> dict[Metric, MetricValue]:
    """Each metric over [as_of − window, as_of) alone — no previous window, no weekly
    points: what benchmarks compare, read for one window only."""
    window = window_bucket(as_of - timedelta(days=window_days), as_of)
    inputs = load_inputs(ctx, scope, metrics, [window], as_of=as_of)
    return {metric: compute_values(metric, [window], inputs)[0] for metric in metrics}


def _primary_language(
    conn: sqlite3.Connection, repo_ids: Sequence[int], *, as_of: datetime, window_days: int
) -> str | None:
    from .scoring.languages import TAIL_CHARS, primary_language
    from .store.languages import lines_added_by_tail

    start = as_of - timedelta(days=window_days)
    sums = lines_added_by_tail(conn, repo_ids, start, as_of, tail_chars=TAIL_CHARS)
    language, _ = primary_language(sums)
    return language


def cohort_in_background(
    ctx: Context, scope: Scope, *, as_of: datetime, window_days: int
) -> Future[tuple[int, str | None]]:
    """What places the scope in a reference cohort, over [as_of − window, as_of): its
    active contributors (authors of counted commits, as ``scorecards.team_activity``
    counts them) and its primary language — the language with the most lines added, by
    file extension (``scoring/languages.py``, the definition the shipped reference's
    language cohorts were built with; None when no counted file added a line). Read in a
    thread (``Context.read_in_background``), one after the other, while the metric reads
    run: about 0.1 s each over 90 days of a 1M-commit workspace, which would otherwise add
    to them."""
    repo_ids = list(scope.repo_ids)
    start = as_of - timedelta(days=window_days)

    def read(conn: sqlite3.Connection) -> tuple[int, str | None]:
        contributors = len(author_commit_counts(conn, repo_ids, start, as_of))
        return contributors, _primary_language(
            conn, repo_ids, as_of=as_of, window_days=window_days
        )

    return ctx.read_in_background(read)


def peer_scopes(ctx: Context, scope: Scope) -> tuple[PeerScope, list[Scope]] | None:
    """What a scope is compared with inside the state directory (§8's second source): the
    workspace's other repositories for a repository, its other lines for a line; None for
    the whole workspace, which has no peers here."""
    from .scoring.benchmarks import PeerScope

    if scope.repository is None and scope.line is None:
        return None
    everyone = resolve_scope(ctx)
    # each peer's scope built as resolve_scope(ctx, repo=…/line=…) builds it, from the one
    # listing above instead of a look-up by name per peer (names need not be unique)
    if scope.repository is not None:
        this_repo = scope.repository.id
        return PeerScope.REPOSITORIES, [
            Scope(
                scope.workspace_id,
                None,
                repo,
                (repo,),
                tuple(line for line in everyone.lines if line.id == repo.service_line_id),
            )
            for repo in everyone.repositories
            if repo.id != this_repo
        ]
    this_line = scope.line.id if scope.line else None
    return PeerScope.LINES, [
        Scope(
            scope.workspace_id,
            line,
            None,
            tuple(r for r in everyone.repositories if r.service_line_id == line.id),
            (line,),
        )
        for line in everyone.lines
        if line.id != this_line
    ]


def peer_values(
    ctx: Context,
    peers: Sequence[Scope],
    metrics: Sequence[Metric],
    *,
    as_of: datetime,
    window_days: int,
) -> dict[Metric, list[float | None]]:
    """Each metric's window value (one decimal, as a report on that peer prints it) in
    every peer scope: one window read per peer, of the asked metrics only."""
    values: dict[Metric, list[float | None]] = {metric: [] for metric in metrics}
    if not metrics:
        return values
    for peer in peers:
        measured = window_values(
            ctx, peer, as_of=as_of, window_days=window_days, metrics=tuple(metrics)
        )
        for metric in metrics:
            values[metric].append(round1(measured[metric].value))
    return values


def benchmarks_report(  # type: ignore[no-untyped-def]
    ctx: Context,
    scope: Scope,
    *,
    as_of: datetime,
    window_days: int,
    reference_file: Path | None = None,
    profile_name: str | None = None,
):
    """Benchmarks (§8): the scope's window values against the shipped reference (or the
    user's file laid over it) in the cohort of its team size and primary language, with the
    DORA tier of the chosen profile; a repository or a line also among its peers."""
    from .models import BenchmarkOut, BenchmarkPeersOut, BenchmarksOut, MissingMetricOut
    from .scoring.benchmarks import (
        MIN_PEERS,
        benchmark_row,
        builtin_reference,
        compare_with_peers,
        load_reference_file,
    )
    from .scoring.profiles import DEFAULT_PROFILE, get_profile
    from .timeutil import iso_z

    # the open-source peers measured over the shipped window closest to this one
    reference = builtin_reference(window_days)
    if reference_file is not None:
        reference = reference.overlay(load_reference_file(reference_file))
    profile = get_profile(profile_name or DEFAULT_PROFILE)
    reading_cohort = cohort_in_background(ctx, scope, as_of=as_of, window_days=window_days)
    measured = window_values(ctx, scope, as_of=as_of, window_days=window_days)
    contributors, language = reading_cohort.result()
    rows, unavailable = [], []
    for metric, current in measured.items():
        value = round1(current.value)
        row = benchmark_row(
            metric,
            value,
            reference,
            active_contributors=contributors,
            language=language,
            profile=profile,
        )
        if row is None:
            reason = current.reason if value is None else "no reference distribution"
            unavailable.append(
                MissingMetricOut(
                    metric=str(metric), reason=reason or "no data", how_to_add=HOW_TO_ADD[metric]
                )
            )
            continue
        rows.append(row)
    # peers only for the rows shown, and not at all when there are too few to compare with
    peers = peer_scopes(ctx, scope)
    among: dict[Metric, list[float | None]] = {}
    if peers is not None and len(peers[1]) >= MIN_PEERS:
        among = peer_values(
            ctx, peers[1], [row.metric for row in rows], as_of=as_of, window_days=window_days
        )
    out = []
    for row in rows:
        compared = (
            compare_with_peers(row.metric, row.workspace_value, among[row.metric], scope=peers[0])
            if peers is not None and row.metric in among
            else None
        )
        out.append(
            BenchmarkOut(
                metric=str(row.metric),
                workspace_value=row.workspace_value,
                platform_median=round1(row.platform_median),
                percentile=row.percentile,
                assessment=str(row.assessment),
                cohort=row.cohort,
                source=row.source,
                dora_tier=row.dora_tier,
                peers=None
                if compared is None
                else BenchmarkPeersOut(
                    scope=str(compared.scope),
                    count=compared.count,
                    median=round1(compared.median),
                    percentile=compared.percentile,
                ),
            )
        )
    return BenchmarksOut(
        workspace_id=scope.workspace_id,
        computed_at=iso_z(as_of),
        window_days=window_days,
        profile=profile.name,
        profile_caveat=profile.caveat,
        language=language,
        reference_window_days=reference.window_days,
        benchmarks=out,
        unavailable=unavailable,
    )

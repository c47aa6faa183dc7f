"""``devintel scorecard``, ``health``, ``benchmarks``, ``risk`` and ``insights``: reports over
a window."""

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    AsOfOption,
    FormatOption,
    JsonOption,
    LineOption,
    RepoOption,
    WorkspaceOption,
    emit,
    emit_items,
    output_format,
    read_command,
)

WindowOption = Annotated[
    str, typer.Option("--window", help="Window length ending at --as-of: 28d, 4w, 90d.")
]


def register(app: typer.Typer) -> None:
    app.command("scorecard")(read_command(scorecard))
    app.command("health")(read_command(health))
    app.command("benchmarks")(read_command(benchmarks))
    app.command("risk")(read_command(risk))
    app.command("insights")(read_command(insights))


def window_days(text: str) -> int:
    """``28d``, ``4w`` → days (the scorecard works in whole days)."""
    from ..errors import UsageError

    text = text.strip().lower()
    units = {"d": 1, "w": 7}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise UsageError(f"--window: expected a length like 28d or 4w, not {text!r}")
    return int(text[:-1]) * units[text[-1]]


def _build_report(  # type: ignore[no-untyped-def]
    build, *, workspace, line, repo, as_of, window=None, **options
):
    """What every report command does before rendering: parse the window (for the reports
    that have one) and the as-of moment, open the workspace, resolve the scope, call
    ``build(ctx, scope, as_of=, window_days=, **options)``."""
    from ..reporting import resolve_scope
    from .common import as_of_moment, workspace_context

    if window is not None:
        options["window_days"] = window_days(window)
    now = as_of_moment(as_of)
    with workspace_context(workspace) as ctx:
        return build(ctx, resolve_scope(ctx, line=line, repo=repo), as_of=now, **options)


def _check_score_bound(bound, flag: str) -> None:  # type: ignore[no-untyped-def]
    """A CI gate's score (``--fail-under``, ``--fail-above``) is 0 to 100."""
    from ..errors import UsageError

    if bound is not None and not 0 <= bound <= 100:
        raise UsageError(f"{flag} takes a score from 0 to 100")


def _emit_report(report, out, *, markdown, csv, table) -> None:  # type: ignore[no-untyped-def]
    """Print a report model in the chosen format: JSON from the model, the others from the
    report's own renderers (``table`` is told whether to colour)."""
    from ..render import Format, to_json
    from .common import use_color

    renderers = {
        Format.JSON: lambda: to_json(report),
        Format.MARKDOWN: lambda: markdown(report),
        Format.CSV: lambda: csv(report),
        Format.TABLE: lambda: table(report, color=use_color()),
    }
    emit(renderers[out]())


def scorecard(
    line: LineOption = None,
    repo: RepoOption = None,
    window: WindowOption = "28d",
    fail_under: Annotated[
        int | None,
        typer.Option("--fail-under", help="Exit 1 when the overall score is below N (CI gate)."),
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Signals per metric with status, trend and the overall score (§6)."""
    from ..errors import CheckFailed
    from ..render.reports import scorecard_csv, scorecard_markdown, scorecard_table
    from ..scorecards import scorecard_report

    out = output_format(fmt, as_json)
    _check_score_bound(fail_under, "--fail-under")
    card = _build_report(
        scorecard_report, workspace=workspace, line=line, repo=repo, window=window, as_of=as_of
    )
    _emit_report(card, out, markdown=scorecard_markdown, csv=scorecard_csv, table=scorecard_table)
    if fail_under is not None and (card.overall_score is None or card.overall_score < fail_under):
        score = (
            "no score (no metric has data)" if card.overall_score is None else card.overall_score
        )
        raise CheckFailed(f"overall score {score} is below --fail-under {fail_under}")


def health(
    line: LineOption = None,
    repo: RepoOption = None,
    window: WindowOption = "28d",
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Health 0–100 by dimension, with context and what data is missing (§7)."""
    from ..render import Format, to_json
    from ..render.reports import health_csv, health_text
    from ..scorecards import health_report

    out = output_format(fmt, as_json)
    report = _build_report(
        health_report, workspace=workspace, line=line, repo=repo, window=window, as_of=as_of
    )
    if out is Format.JSON:
        emit(to_json(report))
    elif out is Format.CSV:
        emit(health_csv(report))
    else:
        emit(health_text(report, markdown=out is Format.MARKDOWN))


def benchmarks(
    line: LineOption = None,
    repo: RepoOption = None,
    window: WindowOption = "90d",
    reference: Annotated[
        Path | None, typer.Option("--reference", help="Your own benchmark file (JSON).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="dora-2021, dora-2023 (default), dora-2024.")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Your values against reference distributions: percentile, assessment, DORA tier (§8)."""
    from functools import partial

    from ..benchmarking import benchmarks_report
    from ..models import BenchmarkView
    from ..render import Format, to_json
    from .common import emit_items

    out = output_format(fmt, as_json)
    build = partial(benchmarks_report, reference_file=reference, profile_name=profile)
    report = _build_report(
        build, workspace=workspace, line=line, repo=repo, window=window, as_of=as_of
    )
    if out is Format.JSON:
        emit(to_json(report))
        return
    views = [
        BenchmarkView(
            metric=b.metric,
            workspace_value=b.workspace_value,
            platform_median=b.platform_median,
            percentile=b.percentile,
            assessment=b.assessment,
            dora_tier=b.dora_tier,
            cohort=b.cohort,
            peers=b.peers.count if b.peers else None,
            peer_median=b.peers.median if b.peers else None,
            peer_percentile=b.peers.percentile if b.peers else None,
        )
        for b in report.benchmarks
    ]
    compared = [b.peers for b in report.benchmarks if b.peers is not None]
    columns = ["metric", "workspace_value", "platform_median", "percentile", "assessment"]
    columns += ["dora_tier", "cohort"]
    if compared:  # peer columns only when some row was compared with peers
        columns += ["peers", "peer_median", "peer_percentile"]
    emit_items(
        views,
        out,
        columns=columns,
        title=(
            f"Benchmarks (last {report.window_days} days, profile {report.profile},"
            f" language {report.language or 'unknown'})"
        ),
    )
    if out is Format.TABLE:
        from .common import info

        if compared:
            info(
                f"note: peers are the workspace's other {compared[0].scope} with a value"
                " over the same window: their median, and the percentile among them"
            )
        if report.profile_caveat:
            info(f"note: {report.profile_caveat}")
        shipped = report.reference_window_days
        if shipped is not None and shipped != report.window_days:
            info(
                f"note: the open-source peers were measured over {shipped}-day windows, the"
                f" shipped length closest to this {report.window_days}-day one"
            )


def risk(
    line: LineOption = None,
    repo: RepoOption = None,
    window: WindowOption = "90d",
    fail_above: Annotated[
        int | None,
        typer.Option("--fail-above", help="Exit 1 when the risk score is above N (CI gate)."),
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Risk factors with severity and evidence, the risk score and level (§10)."""
    from ..errors import CheckFailed
    from ..risk import risk_report

    out = output_format(fmt, as_json)
    _check_score_bound(fail_above, "--fail-above")
    report = _build_report(
        risk_report, workspace=workspace, line=line, repo=repo, window=window, as_of=as_of
    )
    # imported once the report is built: risk_report imports pydantic while it reads
    from ..render.risk import risk_csv, risk_markdown, risk_table

    _emit_report(report, out, markdown=risk_markdown, csv=risk_csv, table=risk_table)
    if fail_above is not None and report.risk_score > fail_above:
        raise CheckFailed(f"risk score {report.risk_score} is above --fail-above {fail_above}")


#: what the table, markdown and CSV show of an insight (JSON has every field)
INSIGHT_COLUMNS = ("id", "severity", "type", "title", "metrics_referenced")


def insights(
    line: LineOption = None,
    repo: RepoOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most N insights.")] = 20,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Anomalies, trends, recommendations and benchmark crossings, most severe first (§9)."""
    from ..errors import UsageError
    from ..insights import insights_report
    from ..render import Format

    out = output_format(fmt, as_json)
    if limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}")
    items = _build_report(
        insights_report, workspace=workspace, line=line, repo=repo, as_of=as_of, limit=limit
    )
    if out is Format.MARKDOWN:
        from ..render.insights import insights_markdown

        emit(insights_markdown(items))
    else:
        emit_items(items, out, columns=INSIGHT_COLUMNS, title="Insights")

"""``devintel metrics METRIC``: a metric as a time series (§4, §5)."""


from typing import Annotated

import typer

from .common import (
    AsOfOption,
    FormatOption,
    JsonOption,
    LineOption,
    RepoOption,
    TzOption,
    WorkspaceOption,
    emit,
    output_format,
    read_command,
)

METRIC_NAMES = (
    "deployment_frequency, cycle_time, pr_review_time, change_failure_rate, test_coverage, "
    "code_churn, open_incident_rate, task_throughput, failed_deployment_recovery_time, "
    "rework_rate"
)


def register(app: typer.Typer) -> None:
    app.command("metrics")(read_command(metrics))


def metrics(
    metric: Annotated[str, typer.Argument(help=f"One of: {METRIC_NAMES}.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Start date (default: 12 weeks before --to).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="End date, inclusive (default: now).")
    ] = None,
    granularity: Annotated[
        str, typer.Option(help="daily, weekly (ISO weeks), sprint or monthly.")
    ] = "weekly",
    line: LineOption = None,
    repo: RepoOption = None,
    tz: TzOption = "UTC",
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each point's numerator, denominator, samples.")
    ] = False,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """A metric's series with trend and period average; absent values say why."""
    from ..errors import UsageError
    from ..metrics.buckets import Granularity
    from ..metrics.catalog import Metric
    from ..reporting import default_range, resolve_scope, series
    from .common import as_of_moment, parse_moment, workspace_context

    out = output_format(fmt, as_json)
    try:
        chosen = Metric(metric)
    except ValueError:
        raise UsageError(f"unknown metric {metric!r}", hint=f"use one of: {METRIC_NAMES}") from None
    try:
        grain = Granularity(granularity)
    except ValueError:
        raise UsageError(
            f"unknown granularity {granularity!r}: use daily, weekly, sprint or monthly"
        ) from None
    now = as_of_moment(as_of)
    start, end = default_range(parse_moment(from_, "--from"), parse_moment(to, "--to"), now)
    with workspace_context(workspace) as ctx:
        scope = resolve_scope(ctx, line=line, repo=repo)
        result = series(
            ctx, chosen, scope, start=start, end=end, granularity=grain, tz=tz, as_of=now
        )
        model = _model(ctx.workspace.id, scope, grain, result, explain)
    emit(_render(model, out))


def _model(workspace_id, scope, grain, result, explain):  # type: ignore[no-untyped-def]
    from ..models import MetricSeriesOut, SeriesPointOut

    return MetricSeriesOut(
        metric=str(result.metric),
        workspace_id=workspace_id,
        service_line_id=scope.line.id if scope.line else None,
        repository=scope.repository.name if scope.repository else None,
        unit=str(result.unit),
        granularity=str(grain),
        series=[SeriesPointOut(**p.to_dict(explain=explain)) for p in result.points],
        period_average=result.period_average,
        benchmark_median=_benchmark_median(result.metric),
        reasons=list(result.reasons),
    )


def _benchmark_median(metric):  # type: ignore[no-untyped-def]
    """The shipped reference's all-peers median (§8), or None when it has no distribution
    for the metric. (The reference holds 365-day values; a bucket's value is compared as is.)"""
    from ..metrics.values import round1
    from ..scoring.benchmarks import builtin_reference

    distribution = builtin_reference().select(metric)
    return round1(distribution.median) if distribution else None


def _render(model, fmt) -> str:  # type: ignore[no-untyped-def]
    from ..render import Format, to_json
    from ..render.sparkline import sparkline

    if fmt is Format.JSON:
        return to_json(model)
    label_key = {"daily": "day", "weekly": "week", "sprint": "sprint", "monthly": "month"}[
        model.granularity
    ]
    points = [p.model_dump() for p in model.series]
    rows = [[p.get(label_key, ""), _fmt(p.get("value")), p.get("trend", "")] for p in points]
    extra = ["numerator", "denominator", "samples"] if points and "samples" in points[0] else []
    for row, point in zip(rows, points, strict=True):
        row.extend(_fmt(point.get(k)) for k in extra)
    header = [label_key, f"value ({model.unit})", "trend", *extra]
    average = _fmt(model.period_average) or "n/a"
    title = f"{model.metric}  {sparkline([p.get('value') for p in points])}  average {average}"
    if fmt is Format.CSV:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()
    lines = []
    if fmt is Format.MARKDOWN:
        lines += [
            f"### {title}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        width = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
        lines.append(title)
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, width, strict=True)))
        lines += [
            "  ".join(str(c).ljust(w) for c, w in zip(row, width, strict=True)) for row in rows
        ]
    if model.reasons:
        lines.append("")
        lines += [f"no value: {reason}" for reason in model.reasons]
    return "\n".join(lines) + "\n"


def _fmt(value) -> str:  # type: ignore[no-untyped-def]
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)

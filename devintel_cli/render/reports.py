"""Renderers for the scorecard and health reports: table (status colours, trend arrows,
sparklines), markdown for ``$GITHUB_STEP_SUMMARY``, csv. JSON goes through ``to_json``."""

from __future__ import annotations

import csv
import io

from ..models import HealthOut, ScorecardOut
from . import string_console
from .sparkline import sparkline

ARROWS = {"improving": "↑", "worsening": "↓", "stable": "→"}
COLOURS = {"green": "green", "amber": "yellow", "red": "red"}
DOTS = {"green": "🟢", "amber": "🟠", "red": "🔴"}


def _value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    suffix = {"percent": " %", "hours": " h", "per_week": " /wk", "per_sprint": " /sprint"}
    return f"{value:.1f}{suffix.get(unit, '')}"


def scorecard_rows(card: ScorecardOut) -> list[list[str]]:
    return [
        [
            s.metric,
            _value(s.value, s.unit),
            s.status,
            f"{ARROWS[s.trend]} {s.trend}",
            sparkline(s.weekly_values),
        ]
        for s in card.signals
    ]


HEADER = ["metric", "value", "status", "trend", "weekly"]


def scorecard_table(card: ScorecardOut, *, color: bool) -> str:
    from rich.table import Table

    score = "n/a" if card.overall_score is None else str(card.overall_score)
    table = Table(
        title=f"Scorecard — overall score {score} (last {card.window_days} days)",
        title_justify="left",
    )
    for name in HEADER:
        table.add_column(name)
    for row, signal in zip(scorecard_rows(card), card.signals, strict=True):
        colour = COLOURS[signal.status]
        row[2] = f"[{colour}]{signal.status}[/{colour}]"
        table.add_row(*row)
    buffer = io.StringIO()
    console = string_console(buffer, color=color)
    console.print(table)
    for missing in card.missing:
        console.print(
            f"no {missing.metric}: {missing.reason} — {missing.how_to_add}",
            markup=False,
            highlight=False,
        )
    return buffer.getvalue()


def scorecard_markdown(card: ScorecardOut) -> str:
    score = "n/a" if card.overall_score is None else str(card.overall_score)
    lines = [
        f"### Scorecard: {score}/100",
        "",
        f"Window: last {card.window_days} days, computed {card.computed_at}.",
        "",
        "| metric | value | status | trend | weekly |",
        "|---|---|---|---|---|",
    ]
    for row, signal in zip(scorecard_rows(card), card.signals, strict=True):
        row[2] = f"{DOTS[signal.status]} {signal.status}"
        lines.append("| " + " | ".join(row) + " |")
    if card.missing:
        lines += ["", "No data:", ""]
        lines += [f"- `{m.metric}`: {m.reason} ({m.how_to_add})" for m in card.missing]
    return "\n".join(lines) + "\n"


def scorecard_csv(card: ScorecardOut) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "value", "unit", "status", "trend"])
    for s in card.signals:
        writer.writerow([s.metric, s.value, s.unit, s.status, s.trend])
    return buffer.getvalue()


def health_text(report: HealthOut, *, markdown: bool) -> str:
    score = "n/a" if report.score is None else f"{report.score}/100 ({report.status})"
    head = "### " if markdown else ""
    lines = [f"{head}Health: {score}", ""]
    for d in report.dimensions:
        dim_score = "n/a" if d.score is None else f"{d.score} {d.status}"
        lines.append(f"{'- **' if markdown else ''}{d.name}{'**' if markdown else ''}: {dim_score}")
        for i in d.indicators:
            value = "n/a" if i.value is None else f"{i.value:g}"
            lines.append(f"    {i.name}: {value} {i.status or ''}".rstrip())
    c = report.context
    age = "never" if c.last_sync_age_hours is None else f"{c.last_sync_age_hours:.1f} h ago"
    lines += [
        "",
        f"repositories {c.repositories}, last sync {age}, active contributors "
        f"{c.active_contributors}, bus factor {c.bus_factor if c.bus_factor else 'n/a'}, "
        f"deployments in window {c.deployments_in_window}",
    ]
    lines += [f"no {m.metric}: {m.reason} — {m.how_to_add}" for m in c.missing]
    return "\n".join(lines) + "\n"


def health_csv(report: HealthOut) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["dimension", "score", "status", "indicator", "value", "indicator_status"])
    for d in report.dimensions:
        for i in d.indicators:
            writer.writerow([d.name, d.score, d.status, i.name, i.value, i.status])
    return buffer.getvalue()

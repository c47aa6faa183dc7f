"""Renderers for the risk report (§10): table (severity colours), markdown for
``$GITHUB_STEP_SUMMARY``, csv. JSON goes through ``to_json``."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from . import string_console

if TYPE_CHECKING:  # annotations only: the report being rendered has imported them
    from ..models import RiskFactorOut, RiskOut

COLOURS = {"low": "cyan", "medium": "yellow", "high": "red", "critical": "bold red"}
DOTS = {"low": "🔵", "medium": "🟠", "high": "🔴", "critical": "🟥"}


def _where(factor: RiskFactorOut) -> str:
    return factor.repository or factor.service_line_id or "workspace"


def _heading(report: RiskOut) -> str:
    return f"Risk — {report.risk_score}/100 ({report.risk_level}), last {report.window_days} days"


def _breakdown(report: RiskOut) -> str:
    if not report.categories:
        return "no risk factors found"
    parts = " + ".join(f"{c.category} {c.points}" for c in report.categories)
    return f"score {report.risk_score} = min(100, {parts}) (each category capped at 40)"


#: factors a terminal table shows, most severe first; the other formats list every one
TABLE_FACTORS = 25


def risk_table(report: RiskOut, *, color: bool) -> str:
    """The most severe ``TABLE_FACTORS`` factors, a line saying how many more there are and
    where to read them, then the score's breakdown. A workspace of many repositories can
    have hundreds of factors: a terminal would scroll them away, and rich takes about a
    millisecond per row to lay them out (§13 read budget)."""
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = string_console(buffer, color=color)
    if not report.factors:
        console.print(f"{_heading(report)}: no risk factors found", markup=False)
        return buffer.getvalue()
    table = Table(title=_heading(report), title_justify="left")
    for name in ("severity", "category", "where", "finding"):
        table.add_column(name)
    shown = report.factors[:TABLE_FACTORS]
    for f in shown:
        # Text, not str: a str cell is rich markup, and paths and titles are data — Next.js's
        # pages/[id].tsx would lose "[id]", a "[/]" would stop the command
        table.add_row(
            Text(f.severity, style=COLOURS[f.severity]), Text(f.category), Text(_where(f)),
            Text(f.title),
        )
    console.print(table)
    hidden = len(report.factors) - len(shown)
    if hidden:
        console.print(
            f"… and {hidden} more {'factor' if hidden == 1 else 'factors'}, less or as severe:"
            " --format markdown, csv or json lists every one",
            markup=False,
            highlight=False,
        )
    console.print(_breakdown(report), markup=False, highlight=False)
    return buffer.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def risk_markdown(report: RiskOut) -> str:
    lines = [
        f"### Risk: {report.risk_score}/100 ({report.risk_level})",
        "",
        f"Window: last {report.window_days} days, computed {report.computed_at}.",
        "",
    ]
    if not report.factors:
        return "\n".join([*lines, "_No risk factors found._", ""])
    lines += [
        _breakdown(report) + ".",
        "",
        "| severity | category | where | finding | recommended action |",
        "|---|---|---|---|---|",
    ]
    for f in report.factors:
        lines.append(
            f"| {DOTS[f.severity]} {f.severity} | {f.category} | {_cell(_where(f))} | "
            f"{_cell(f.title)} | {_cell(f.recommended_action)} |"
        )
    lines += ["", "<details><summary>Details</summary>", ""]
    lines += [f"- `{f.id}`: {f.detail}" for f in report.factors]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


CSV_COLUMNS = (
    "id",
    "category",
    "severity",
    "repository",
    "service_line_id",
    "title",
    "detail",
    "recommended_action",
    "points",
)


def risk_csv(report: RiskOut) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in report.factors:
        writer.writerow(["" if v is None else v for v in (getattr(f, c) for c in CSV_COLUMNS)])
    return buffer.getvalue()

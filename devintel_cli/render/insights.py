"""Markdown for insights (§9), fit for ``$GITHUB_STEP_SUMMARY``: each insight with its
paragraph, which a table row has no room for. Table, CSV and JSON use the generic
renderers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the caller has imported them
    from ..models import InsightOut


def insights_markdown(items: Sequence[InsightOut]) -> str:
    lines = ["### Insights", ""]
    if not items:
        return "\n".join([*lines, "_nothing to show_", ""])
    for item in items:
        lines.append(f"- **{item.severity} · {item.type}** — {item.title} (`{item.id}`)  ")
        lines.append(f"  {item.body}")
    return "\n".join(lines) + "\n"

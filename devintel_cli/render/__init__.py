"""Pure renderers: models → text, one function per format (§12).

stdout carries only what these return; no colour unless the caller says the output is a
terminal and ``NO_COLOR`` is unset.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time _plain imports it: `risk` imports pydantic while it reads
    from pydantic import BaseModel


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


def to_json(data: Any) -> str:
    """The seed envelope ``{"data": ...}``; models are dumped with their own field order."""
    return json.dumps({"data": _plain(data)}, indent=2, ensure_ascii=False)


def _plain(data: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list | tuple):
        return [_plain(item) for item in data]
    return data


#: list items a table cell shows before "… (+N more)"
TABLE_LIST_ITEMS = 5


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, list | tuple):
        if len(value) > TABLE_LIST_ITEMS:
            # a table cell is for reading: a deployment shipping 400 commits shows the first
            # few and how many more (JSON and CSV carry every item)
            shown = ", ".join(_cell(v) for v in value[:TABLE_LIST_ITEMS])
            return f"{shown} … (+{len(value) - TABLE_LIST_ITEMS} more)"
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _rows(items: Sequence[BaseModel], columns: Sequence[str] | None) -> tuple[list[str], list]:
    dumped = [item.model_dump(mode="json") for item in items]
    if columns is None:
        columns = list(dumped[0]) if dumped else []
    return list(columns), [[row.get(col) for col in columns] for row in dumped]


def to_csv(items: Sequence[BaseModel], columns: Sequence[str] | None = None) -> str:
    header, rows = _rows(items, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def to_markdown(
    items: Sequence[BaseModel], columns: Sequence[str] | None = None, *, title: str | None = None
) -> str:
    header, rows = _rows(items, columns)
    lines = [f"### {title}", ""] if title else []
    if not rows:
        return "\n".join([*lines, "_nothing to show_", ""])
    escape = lambda text: text.replace("|", "\\|")  # noqa: E731
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines.extend("| " + " | ".join(escape(_cell(v)) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def string_console(buffer: io.StringIO, *, color: bool, width: int | None = None):  # type: ignore[no-untyped-def]
    """A rich console writing into ``buffer``: colours only for a terminal; off a terminal
    a wide virtual console, so no cell is cut."""
    from rich.console import Console

    return Console(
        file=buffer,
        width=width or (None if color else 250),
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
    )


def to_table(
    items: Sequence[BaseModel],
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    color: bool = False,
    width: int | None = None,
) -> str:
    from rich.table import Table
    from rich.text import Text

    header, rows = _rows(items, columns)
    if not rows:
        return f"{title}: nothing to show\n" if title else "nothing to show\n"
    table = Table(title=title, show_lines=False, title_justify="left")
    for name in header:
        table.add_column(name.replace("_", " "))
    for row in rows:
        # cells as Text: a str is read as rich markup, and names, tags and paths are data
        # ("[core]" would vanish, "[/]" would stop the command)
        table.add_row(*(Text(_cell(v)) for v in row))
    buffer = io.StringIO()
    string_console(buffer, color=color, width=width).print(table)
    return buffer.getvalue()


def render_items(
    items: Sequence[BaseModel],
    fmt: Format,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    color: bool = False,
) -> str:
    """One list of models in the chosen format (JSON always carries every field)."""
    if fmt is Format.JSON:
        return to_json(list(items)) + "\n"
    if fmt is Format.CSV:
        return to_csv(items, columns)
    if fmt is Format.MARKDOWN:
        return to_markdown(items, columns, title=title)
    return to_table(items, columns, title=title, color=color)

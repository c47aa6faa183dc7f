"""Plumbing shared by the file importers: reading, decoding, CSV and JSON records, values.

Each importer reads a whole file, checks every record and returns a list only when all of
them are valid (§12: bad input never leaves partial data). Problems in single records are
collected by a :class:`Batch`, so the one :class:`InputFileError` names the first problem
and its hint counts the others; a problem with the file as a whole (unreadable, too large,
not UTF-8, not JSON, a CSV header without a required column) stops at once.

Messages are one line: ``<file>:<line or record N>: <field>: <what is wrong>``. File-level
problems have no field (``<file>: not valid UTF-8 ...``); JSON syntax errors name line and
column (``<file>:3:14: invalid JSON: ...``) as compilers do.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

from devintel_cli.errors import InputFileError
from devintel_cli.timeutil import parse_iso

#: files above this size are refused before they are read (a report is never this large;
#: a mistaken path to a database dump or a build artifact often is)
MAX_FILE_BYTES = 200 * 1024 * 1024

#: how many further problem locations the hint lists
HINT_LOCATIONS = 3

R = TypeVar("R")
PathLike = str | os.PathLike[str]


# --------------------------------------------------------------------------- errors


class FieldProblem(Exception):
    """A value is wrong. Raised by the value parsers, which do not know where the value
    sits; the :class:`Batch` that called them adds the line or record."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def input_error(
    path: PathLike,
    where: str | None,
    field: str | None,
    message: str,
    *,
    hint: str | None = None,
) -> InputFileError:
    """``<file>:<where>: <field>: <message>`` on one line, whatever the parts contain."""
    location = f"{os.fspath(path)}:{where}" if where else os.fspath(path)
    parts = [location, *([field] if field else []), message]
    return InputFileError(_one_line(": ".join(parts)), hint=hint)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def show(value: object) -> str:
    """A short, single-line rendering of a bad value for a message.

    Containers are named, never printed: a hostile file may nest them thousands deep,
    and ``repr`` of such a value would itself fail.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int | float):
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
        return text
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def kind_of(value: object) -> str:
    """The JSON name of a value's type, for "expected X, got Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Entry:
    """One record of an input file, before its values are checked."""

    ordinal: int  # position in the file, 0-based: orders the problems
    where: str  # "12" (the line a CSV record starts on) or "record 3" (JSON, 1-based)
    values: Mapping[str, Any]


class Batch(Generic[R]):
    """Builds the records of one file, collecting problems instead of stopping at the first.

    ``result()`` returns every record, or raises one :class:`InputFileError` naming the
    first problem in file order; its hint says how many more there are and where.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = path
        self.built: list[tuple[Entry, R]] = []
        self._problems: list[tuple[int, str, str, str]] = []

    def build(self, entry: Entry, make: Callable[[Entry], R]) -> R | None:
        try:
            record = make(entry)
        except FieldProblem as problem:
            self.problem(entry, problem.field, problem.message)
            return None
        self.built.append((entry, record))
        return record

    def problem(self, entry: Entry, field: str, message: str) -> None:
        self._problems.append((entry.ordinal, entry.where, field, message))

    def unique(
        self, field: str, key_of: Callable[[R], Hashable | None], describe: Callable[[R], str]
    ) -> None:
        """A second record with the same key is a problem naming the first one's place."""
        seen: dict[Hashable, Entry] = {}
        for entry, record in self.built:
            key = key_of(record)
            if key is None:
                continue
            first = seen.setdefault(key, entry)
            if first is not entry:
                self.problem(entry, field, f"duplicate {describe(record)}, first at {first.where}")

    @property
    def has_problems(self) -> bool:
        return bool(self._problems)

    def result(self) -> list[R]:
        if self._problems:
            ordered = sorted(self._problems, key=lambda item: item[0])
            _, where, field, message = ordered[0]
            rest = ordered[1:]
            hint = None
            if rest:
                places = ", ".join(f"{w} ({f})" for _, w, f, _ in rest[:HINT_LOCATIONS])
                more = ", ..." if len(rest) > HINT_LOCATIONS else ""
                noun = "problem" if len(rest) == 1 else "problems"
                hint = f"{len(rest)} more {noun} in this file: {places}{more}"
            raise input_error(self.path, where, field, message, hint=hint)
        if not self.built:
            raise input_error(self.path, None, None, "no records")
        return [record for _, record in self.built]


# --------------------------------------------------------------------------- reading


def read_text(path: PathLike) -> str:
    """The file's text: at most 200 MB, UTF-8 with or without a BOM, no NUL, not blank."""
    data = _read_bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise input_error(path, None, None, "UTF-16 text is not supported: save it as UTF-8")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise input_error(
            path,
            str(line),
            None,
            f"not valid UTF-8 (byte 0x{byte} at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise input_error(path, str(line), None, "contains a NUL character: not a text file")
    if not text.strip():
        raise input_error(path, None, None, "no records (the file is empty)")
    return text


def _read_bytes(path: PathLike) -> bytes:
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise input_error(path, None, None, "is a directory, not a file")
            if info.st_size > MAX_FILE_BYTES:
                raise _too_large(path)
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded even when st_size lies (pipes)
    except IsADirectoryError:
        raise input_error(path, None, None, "is a directory, not a file") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise input_error(path, None, None, f"cannot read: {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(path)
    return data


def _too_large(path: PathLike) -> InputFileError:
    limit_mb = MAX_FILE_BYTES // (1024 * 1024)
    return input_error(path, None, None, f"larger than the {limit_mb} MB limit for imports")


def looks_like_json(text: str) -> bool:
    """JSON files start with ``[`` or ``{``; a CSV header never does."""
    return text.lstrip()[:1] in {"[", "{"}


# --------------------------------------------------------------------------- JSON


#: what JSON allows between documents (``raw_decode`` does not skip it itself)
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(path: PathLike, text: str, *, pages: bool = False) -> Any:
    """Parse JSON; a syntax error names its line and column.

    ``pages``: also accept several top-level arrays one after another, which is what
    ``gh api --paginate`` prints; they are joined into one list.
    """
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    skip = _JSON_WHITESPACE
    documents: list[Any] = []
    index = skip.match(text, 0).end()
    while index < len(text):
        if documents and not pages:
            line, column = _line_column(text, index)
            raise input_error(
                path, f"{line}:{column}", None, "invalid JSON: extra data after the document"
            )
        try:
            document, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise input_error(
                path, f"{exc.lineno}:{exc.colno}", None, f"invalid JSON: {exc.msg}"
            ) from None
        except RecursionError:
            raise input_error(path, None, None, "invalid JSON: nested too deeply") from None
        except ValueError as exc:  # NaN/Infinity, or an integer over Python's digit limit
            reason = "a number has too many digits" if "digits" in str(exc) else str(exc)
            raise input_error(path, None, None, f"invalid JSON: {reason}") from None
        documents.append(document)
        index = skip.match(text, index).end()
    if len(documents) == 1:
        return documents[0]
    if not all(isinstance(document, list) for document in documents):
        raise input_error(
            path, None, None, "invalid JSON: several documents that are not all lists"
        )
    return [item for document in documents for item in document]


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def json_entries(path: PathLike, document: Any, wrapper: str | None, expected: str) -> list[Entry]:
    """The objects of a JSON list (or of ``{"<wrapper>": [...]}``) as entries ``record N``.

    ``expected`` describes the file in the error for any other shape.
    """
    items: Any = document
    if (
        isinstance(document, dict)
        and wrapper is not None
        and isinstance(document.get(wrapper), list)
    ):
        items = document[wrapper]
    if not isinstance(items, list):
        got = kind_of(document)
        if isinstance(document, dict):
            keys = ", ".join(show(k) for k in sorted(document)[:5]) or "no keys"
            got = f"an object with {keys}"
        raise input_error(path, None, None, f"expected {expected}, got {got}")
    if not items:
        raise input_error(path, None, None, "no records (the list is empty)")
    entries = []
    for ordinal, item in enumerate(items):
        where = f"record {ordinal + 1}"
        if not isinstance(item, dict):
            raise input_error(path, where, None, f"expected an object, got {kind_of(item)}")
        entries.append(Entry(ordinal, where, item))
    return entries


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class Column:
    """A field a CSV header or a generic JSON object may carry."""

    name: str  # the canonical name the parser reads
    aliases: tuple[str, ...] = ()  # other accepted names (compared normalized)
    required: bool = False  # must the header carry it?
    label: str | None = None  # how messages spell it (default: name)

    @property
    def shown(self) -> str:
        return self.label or self.name


def normalize_name(name: str) -> str:
    """Header and key names compare case-insensitively, with runs of spaces, ``-`` and ``_``
    equal: ``Issue key`` = ``issue_key`` = ``ISSUE-KEY``."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold())


def _lookup(columns: Sequence[Column]) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            table[normalize_name(name)] = column
    return table


def canonical_object(values: Mapping[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    """A generic JSON object's values under canonical names; unknown keys are ignored."""
    table = _lookup(columns)
    found: dict[str, tuple[str, Any]] = {}
    for key, value in values.items():
        column = table.get(normalize_name(key))
        if column is None:
            continue
        if column.name in found:
            raise FieldProblem(
                column.shown, f"given twice (as {show(found[column.name][0])} and {show(key)})"
            )
        found[column.name] = (key, value)
    return {name: value for name, (_, value) in found.items()}


# --------------------------------------------------------------------------- CSV

#: the values key under which :func:`read_csv` marks a row with the wrong number of fields
FIELD_COUNT = "__fields__"


def _delimiter(header_line: str) -> str:
    """The most frequent of ``,``, ``;`` and tab in the header line (``,`` on a tie): a
    European spreadsheet saves CSV with ``;``, some tools export TSV."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    if best == 0 or counts[","] == best:
        return ","
    return ";" if counts[";"] == best else "\t"


def read_csv(path: PathLike, text: str, columns: Sequence[Column]) -> list[Entry]:
    """The rows of a CSV file with a header row, as entries keyed by canonical column name.

    Values are stripped; an empty one is None, like a column the header does not have.
    Columns not in ``columns`` are ignored (a Jira export carries hundreds). A row whose
    field count differs from the header's is a problem of that row: it is raised by the
    caller (:func:`check_field_count`) through the :data:`FIELD_COUNT` marker.
    """
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True
    )
    table = _lookup(columns)
    header: list[str] | None = None
    positions: dict[str, int] = {}
    entries: list[Entry] = []
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines and rows of bare delimiters, as spreadsheets leave them
            if header is None:
                header = row
                positions = _header_positions(path, start, row, columns, table)
                continue
            values: dict[str, Any] = {}
            if len(row) != len(header):
                values[FIELD_COUNT] = (len(row), len(header))
            for name, position in positions.items():
                cell = row[position].strip() if position < len(row) else ""
                values[name] = cell or None
            entries.append(Entry(len(entries), str(start), values))
    except csv.Error as exc:
        raise input_error(path, str(previous_end + 1), None, f"malformed CSV: {exc}") from None
    if header is None or not entries:
        raise input_error(
            path, None, None, "no records (only a header row)" if header else "no records"
        )
    return entries


def check_field_count(entry: Entry) -> None:
    counts = entry.values.get(FIELD_COUNT)
    if counts is not None:
        found, expected = counts
        raise FieldProblem("row", f"has {found} fields, the header has {expected}")


def _header_positions(
    path: PathLike,
    line: int,
    row: Sequence[str],
    columns: Sequence[Column],
    table: Mapping[str, Column],
) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, cell in enumerate(row):
        column = table.get(normalize_name(cell))
        if column is None:
            continue
        if column.name in positions:
            first = positions[column.name] + 1
            raise input_error(
                path,
                str(line),
                "header",
                f"columns {first} and {position + 1} both give {column.shown}",
            )
        positions[column.name] = position
    missing = [
        column.shown for column in columns if column.required and column.name not in positions
    ]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        wanted = ", ".join(repr(name) for name in missing)
        raise input_error(path, str(line), "header", f"missing required {noun} {wanted}")
    return positions


# --------------------------------------------------------------------------- values


def text_value(
    values: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    numbers: bool = False,
    label: str | None = None,
) -> str | None:
    """A stripped, non-empty string, or None. ``numbers``: a JSON integer becomes its digits
    (IDs such as ``"id": 42``)."""
    field = label or name
    value = values.get(name)
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is not None and not isinstance(value, str):
        raise FieldProblem(field, f"expected a string, got {show(value)}")
    text = value.strip() if value is not None else ""
    if not text:
        if required:
            raise FieldProblem(field, "missing (required)")
        return None
    return text


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")


def count_value(
    values: Mapping[str, Any], name: str, *, required: bool = False, label: str | None = None
) -> int | None:
    """A whole number >= 0: a JSON integer, or digits in a string."""
    field = label or name
    value = values.get(name)
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        if required:
            raise FieldProblem(field, "missing (required)")
        return None
    if isinstance(value, bool):
        raise FieldProblem(field, f"expected a whole number, got {show(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        value = int(value)
    if not isinstance(value, int):
        raise FieldProblem(field, f"expected a whole number, got {show(value)}")
    if value < 0:
        raise FieldProblem(field, f"negative: {value}")
    return value


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
#: Jira's default export format, ``dd/MMM/yy h:mm a``: ``05/Jan/26 10:15 AM``; also a
#: four-digit year, 24-hour time without AM/PM, and the date alone
_JIRA = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>[A-Za-z]{3})/(?P<year>\d{4}|\d{2})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?"
)


def parse_timestamp(text: str) -> datetime:
    """An aware UTC datetime from ISO-8601 or Jira's export format; ValueError otherwise.

    ISO-8601 with ``Z`` or an offset is converted to UTC; a naive time is taken as UTC; a
    date alone is midnight UTC. Jira exports carry no zone: taken as UTC too.
    """
    text = text.strip()
    if not text.isascii():
        raise ValueError("not ASCII")
    jira = _JIRA.fullmatch(text)
    moment = _jira_datetime(jira) if jira else parse_iso(text)
    return moment.astimezone(UTC)


def _jira_datetime(match: re.Match[str]) -> datetime:
    month = _MONTHS.get(match["month"].casefold())
    if month is None:
        raise ValueError("unknown month")
    year = int(match["year"])
    if len(match["year"]) == 2:
        year += 2000  # Jira's two-digit years: 26 is 2026 (exports predate 2000 rarely)
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError("hour out of range for AM/PM")
        hour = hour % 12 + (12 if match["ampm"].casefold() == "pm" else 0)
    return datetime(
        year,
        month,
        int(match["day"]),
        hour,
        int(match["minute"] or 0),
        int(match["second"] or 0),
        tzinfo=UTC,
    )


def timestamp_value(
    values: Mapping[str, Any], name: str, *, required: bool = False, label: str | None = None
) -> datetime | None:
    """A timestamp field (see :func:`parse_timestamp`); empty or null is None."""
    field = label or name
    text = text_value(values, name, required=required, label=label)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except (ValueError, OverflowError):
        raise FieldProblem(
            field, f"not a timestamp: {show(text)} (expected ISO-8601 such as 2026-01-05T10:15:00Z)"
        ) from None


def not_before(
    later: datetime | None, earlier: datetime | None, later_name: str, earlier_name: str
) -> None:
    """``later`` may not precede ``earlier`` (a resolution before its opening is a typo)."""
    if later is not None and earlier is not None and later < earlier:
        raise FieldProblem(later_name, f"{_iso(later)} is before {earlier_name} {_iso(earlier)}")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def object_value(values: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """A nested JSON object (``author``, ``user``), or None when absent or null."""
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldProblem(name, f"expected an object, got {kind_of(value)}")
    return value


def list_value(values: Mapping[str, Any], name: str) -> list[Any]:
    """A JSON list (``labels``, ``reviews``); absent or null is empty."""
    value = values.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldProblem(name, f"expected a list, got {kind_of(value)}")
    return value


def bool_value(values: Mapping[str, Any], name: str) -> bool | None:
    value = values.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise FieldProblem(name, f"expected true or false, got {show(value)}")


def build_all(path: PathLike, entries: Iterable[Entry], make: Callable[[Entry], R]) -> Batch[R]:
    """A :class:`Batch` with every entry built; call ``unique``/``result`` on it."""
    batch: Batch[R] = Batch(path)
    for entry in entries:
        batch.build(entry, make)
    return batch


# --------------------------------------------------------------------------- GitHub CLI

#: Go's zero time: what a Go tool prints for a time it does not have
_GO_ZERO_YEAR = 1


def gh_timestamp(
    values: Mapping[str, Any], name: str, *, required: bool = False
) -> datetime | None:
    """A ``gh --json`` time: like :func:`timestamp_value`, and Go's zero time
    (``0001-01-01T00:00:00Z``) means none."""
    moment = timestamp_value(values, name, required=required)
    if moment is not None and moment.year == _GO_ZERO_YEAR:
        if required:
            raise FieldProblem(name, "missing (the zero time 0001-01-01)")
        return None
    return moment


def gh_number(values: Mapping[str, Any]) -> int:
    number = count_value(values, "number", required=True)
    if not number:
        raise FieldProblem("number", "must be a positive number, got 0")
    return number


def gh_issue_times(values: Mapping[str, Any]) -> tuple[datetime, datetime | None]:
    """``createdAt`` and ``closedAt`` of a ``gh issue list --json`` object.

    An issue whose ``state`` is ``OPEN`` is not closed, whatever ``closedAt`` says (an
    issue closed and reopened may still carry its old close time).
    """
    created = gh_timestamp(values, "createdAt", required=True)
    closed = gh_timestamp(values, "closedAt")
    state = text_value(values, "state")
    if state is not None and state.upper() == "OPEN":
        closed = None
    not_before(closed, created, "closedAt", "createdAt")
    return cast(datetime, created), closed


def is_gh_object(values: Mapping[str, Any]) -> bool:
    """``gh ... --json`` output names its fields in camelCase: ``createdAt``, ``number``."""
    return "createdAt" in values or "number" in values

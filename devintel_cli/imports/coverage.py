"""Coverage reports (§4 test_coverage): Cobertura XML, LCOV tracefiles, coverage.py JSON.

Each format becomes one :class:`CoverageReport` of covered/total *counts*: formats round
their rates differently for the same run, so devintel keeps counts and computes the one
percentage itself (STYLE lessons). XML goes through defusedxml with its defaults, which
accept the DOCTYPE real Cobertura files carry and refuse entity declarations (the
"billion laughs") and external references.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast, get_args
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from devintel_cli.errors import UsageError
from devintel_cli.imports.common import (
    Batch,
    Entry,
    FieldProblem,
    PathLike,
    build_all,
    count_value,
    input_error,
    load_json,
    object_value,
    read_text,
    show,
    timestamp_value,
)
from devintel_cli.imports.records import CoverageFormat, CoverageReport

FORMATS: tuple[str, ...] = get_args(CoverageFormat)

#: a Cobertura ``timestamp`` at or above this is in milliseconds (coverage.py and the Java
#: tools write ms); below it, seconds. 1e11 s is the year 5138, 1e11 ms is March 1973.
EPOCH_MS_THRESHOLD = 10**11


def parse_coverage(path: PathLike, format: CoverageFormat | None = None) -> CoverageReport:
    """Read one coverage report. ``format`` None: detect it from the content."""
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown coverage format {format!r}: use one of {', '.join(FORMATS)}")
    text = read_text(path)
    chosen = format or detect_format(path, text)
    if chosen == "cobertura":
        return _parse_cobertura(path, text)
    if chosen == "lcov":
        return _parse_lcov(path, text)
    return _parse_coveragepy(path, text)


def detect_format(path: PathLike, text: str) -> CoverageFormat:
    """``<`` → Cobertura (its parser checks the root is ``<coverage>``); ``{`` → coverage.py
    JSON (its parser checks ``meta`` and ``totals``); a line ``SF:…``, ``TN:…`` or
    ``end_of_record`` → LCOV."""
    head = text.lstrip()[:1]
    if head == "<":
        return "cobertura"
    if head in {"{", "["}:
        return "coveragepy"
    if re.search(r"^(?:SF:|TN:|end_of_record\s*$)", text, re.MULTILINE):
        return "lcov"
    raise input_error(
        path, None, None, "not a coverage report: expected Cobertura XML, coverage.py JSON or LCOV"
    )


def _finish(
    fmt: CoverageFormat,
    names: tuple[str, str, str, str],
    lines: tuple[int, int],
    branches: tuple[int, int] | None,
    measured_at: datetime | None,
) -> CoverageReport:
    """Check the counts agree with each other and build the report.

    A run without branch data (or with 0 branches: coverage.py writes ``branches-valid="0"``
    when branch measurement was off) has branches None, whatever the format.
    """
    covered_name, total_name, branch_covered_name, branch_total_name = names
    lines_covered, lines_total = lines
    if lines_covered > lines_total:
        raise FieldProblem(covered_name, f"{lines_covered} is more than {total_name} {lines_total}")
    if lines_total == 0:
        raise FieldProblem(total_name, "0: the report measured no line")
    if branches is not None:
        covered, total = branches
        if covered > total:
            raise FieldProblem(
                branch_covered_name, f"{covered} is more than {branch_total_name} {total}"
            )
        if total == 0:
            branches = None
    return CoverageReport(
        format=fmt,
        lines_covered=lines_covered,
        lines_total=lines_total,
        branches_covered=branches[0] if branches else None,
        branches_total=branches[1] if branches else None,
        measured_at=measured_at,
        commit_sha=None,
    )


# --------------------------------------------------------------------------- Cobertura


class _NotCobertura(Exception):
    pass


_CONDITION = re.compile(r"\s*\d+(?:\.\d+)?\s*%\s*\(\s*(\d+)\s*/\s*(\d+)\s*\)\s*")


class _CoberturaTarget:
    """Streams the elements: the root's attributes, and the ``<line>`` elements of each
    ``<class>`` (not those repeated under ``<method>``), counted only when the root does
    not carry the totals. No tree is built, so a large report costs little memory."""

    def __init__(self, batch: Batch[CoverageReport]) -> None:
        self.batch = batch
        self.parser: DefusedXMLParser | None = None
        self.stack: list[str] = []
        self.root: dict[str, str] | None = None
        self.root_line = 1
        self.count_lines = False
        self.count_branches = False
        self.file = ""
        self.hits: dict[tuple[str, int], int] = {}  # (file, line number) -> hits
        self.conditions: dict[tuple[str, int], tuple[int, int]] = {}  # -> (covered, total)

    def line(self) -> int:
        expat = getattr(self.parser, "parser", None)
        return int(getattr(expat, "CurrentLineNumber", 0) or 0)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.root is None:
            if tag != "coverage":
                raise _NotCobertura(f"the XML root is <{tag}>, not Cobertura's <coverage>")
            if "clover" in attrib:
                raise _NotCobertura("Clover XML is not supported: export Cobertura instead")
            self.root, self.root_line = attrib, self.line()
            self.count_lines = not {"lines-covered", "lines-valid"} <= attrib.keys()
            self.count_branches = not {"branches-covered", "branches-valid"} <= attrib.keys()
        elif tag == "class":
            self.file = attrib.get("filename") or attrib.get("name") or ""
        elif (
            tag == "line"
            and (self.count_lines or self.count_branches)
            and self.stack[-1:] == ["lines"]
            and self.stack[-2:-1] == ["class"]
        ):
            self._line_element(attrib)
        self.stack.append(tag)

    def _line_element(self, attrib: Mapping[str, str]) -> None:
        where = self.line()
        entry = Entry(where, str(where), attrib)
        try:
            number = count_value(attrib, "number", required=True, label="line number")
            hits = count_value(attrib, "hits", required=True, label="line hits")
            condition = attrib.get("condition-coverage")
            branch = None
            if attrib.get("branch", "false").strip().lower() == "true" and condition:
                found = _CONDITION.fullmatch(condition)
                if not found:
                    raise FieldProblem(
                        "condition-coverage", f"expected like '50% (1/2)', got {show(condition)}"
                    )
                branch = int(found[1]), int(found[2])
                if branch[0] > branch[1]:
                    raise FieldProblem(
                        "condition-coverage", f"{show(condition)}: more covered than total"
                    )
        except FieldProblem as problem:
            self.batch.problem(entry, problem.field, problem.message)
            return
        key = (self.file, cast(int, number))
        self.hits[key] = max(self.hits.get(key, 0), cast(int, hits))
        if branch is not None:
            before = self.conditions.get(key, (0, 0))
            self.conditions[key] = max(before, branch)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        return None


def _parse_cobertura(path: PathLike, text: str) -> CoverageReport:
    batch: Batch[CoverageReport] = Batch(path)
    target = _CoberturaTarget(batch)
    # defusedxml's defaults: a DOCTYPE is allowed, entity declarations and external
    # references are refused
    parser = DefusedXMLParser(target=target)
    target.parser = parser
    try:
        parser.feed(text)
        parser.close()
    except _NotCobertura as exc:
        raise input_error(path, str(target.line() or 1), None, str(exc)) from None
    except DefusedXmlException as exc:
        raise input_error(path, str(target.line() or 1), None, _refusal(exc)) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        reason = ErrorString(exc.code) if getattr(exc, "code", None) else str(exc)
        raise input_error(path, str(line), None, f"invalid XML: {reason}") from None
    except RecursionError:
        raise input_error(path, None, None, "invalid XML: nested too deeply") from None
    root = target.root or {}
    entry = Entry(target.root_line, str(target.root_line), root)

    def make(entry: Entry) -> CoverageReport:
        if target.count_lines:
            lines = (sum(1 for hits in target.hits.values() if hits > 0), len(target.hits))
        else:
            lines = (
                cast(int, count_value(root, "lines-covered", required=True)),
                cast(int, count_value(root, "lines-valid", required=True)),
            )
        branches: tuple[int, int] | None
        if target.count_branches:
            branches = (
                sum(covered for covered, _ in target.conditions.values()),
                sum(total for _, total in target.conditions.values()),
            )
        else:
            branches = (
                cast(int, count_value(root, "branches-covered", required=True)),
                cast(int, count_value(root, "branches-valid", required=True)),
            )
        names = ("lines-covered", "lines-valid", "branches-covered", "branches-valid")
        if target.count_lines:
            names = ("lines covered", "<line> elements", "branches covered", "branches")
        return _finish("cobertura", names, lines, branches, _cobertura_time(root))

    if not batch.has_problems:  # totals of a report with bad <line> elements would mislead
        batch.build(entry, make)
    return batch.result()[0]


def _refusal(exc: DefusedXmlException) -> str:
    if isinstance(exc, EntitiesForbidden):
        return "XML refused: it declares entities (<!ENTITY>), a denial-of-service vector"
    if isinstance(exc, ExternalReferenceForbidden):
        return "XML refused: it refers to an external resource"
    return f"XML refused: {type(exc).__name__}"


def _cobertura_time(root: Mapping[str, str]) -> datetime | None:
    """``timestamp``: epoch milliseconds or seconds (see EPOCH_MS_THRESHOLD); 0 = unknown."""
    stamp = count_value(root, "timestamp")
    if not stamp:
        return None
    seconds = stamp / 1000 if stamp >= EPOCH_MS_THRESHOLD else stamp
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise FieldProblem("timestamp", f"{stamp} is out of range") from None


# --------------------------------------------------------------------------- LCOV


@dataclass
class _LcovFile:
    """One source file across the records that name it (merged tracefiles may repeat one)."""

    records: int = 0
    hits: dict[int, int] = field(default_factory=dict)  # DA: line -> hits
    taken: dict[tuple[str, str, str], int] = field(default_factory=dict)  # BRDA -> taken
    declared: dict[str, int] = field(default_factory=dict)  # LF/LH/BRF/BRH of its record


_LCOV_COUNTS = ("LF", "LH", "BRF", "BRH")
#: every LCOV tag is upper-case letters (TN, SF, FNDA, BRDA, VER, ...)
_LCOV_TAG = re.compile(r"[A-Z]+")
#: ``DA:<line>,<hits>[,<checksum>]`` with plain numbers
_DA = re.compile(r"\s*(\d{1,18})\s*,\s*(\d{1,18})\s*(?:,[^,]*)?")


def _parse_lcov(path: PathLike, text: str) -> CoverageReport:
    """Σ LH / Σ LF and Σ BRH / Σ BRF over the records. A record without LF/LH (or BRF/BRH)
    is counted from its ``DA`` (``BRDA``) lines; so is a file named by several records,
    whose lines are merged (a line is covered when any record hit it)."""
    batch: Batch[CoverageReport] = Batch(path)
    files: dict[str, _LcovFile] = {}
    current: _LcovFile | None = None
    current_start = 0
    declared: dict[str, int] = {}
    declared_at: dict[str, int] = {}  # the line each LF/LH/BRF/BRH was given on
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        tag, colon, value = line.partition(":")
        try:
            if line == "end_of_record":
                if current is None:
                    raise FieldProblem("end_of_record", "without a record (no SF before it)")
                closed, current = current, None
                closed.records += 1
                closed.declared = declared
                _check_declared(batch, declared, declared_at)
            elif tag == "SF":
                if current is not None:
                    raise FieldProblem(
                        "SF", f"the record at line {current_start} has no end_of_record"
                    )
                name = value.strip()
                if not name:
                    raise FieldProblem("SF", "missing file name")
                current = files.setdefault(name, _LcovFile())
                current_start, declared, declared_at = number, {}, {}
            elif not colon or not _LCOV_TAG.fullmatch(tag):
                raise FieldProblem("line", f"not an LCOV line: {show(line)}")
            elif tag in {"DA", "BRDA", *_LCOV_COUNTS}:
                if current is None:
                    raise FieldProblem(tag, "outside a record (no SF before it)")
                _lcov_value(current, declared, tag, value)
                declared_at[tag] = number
            # TN, FN, FNDA, FNF, FNH, VER, FNL, FNA, ...: not needed for line/branch counts
        except FieldProblem as problem:
            batch.problem(_at_line(number), problem.field, problem.message)
    if current is not None:
        batch.problem(
            _at_line(current_start), "SF", "record has no end_of_record (truncated file?)"
        )
    if not files and not batch.has_problems:
        raise input_error(path, None, None, "no records (no SF line)")

    def make(entry: Entry) -> CoverageReport:
        lines_covered = lines_total = branches_covered = branches_total = 0
        for source in files.values():
            counts = source.declared if source.records == 1 else {}
            if "LF" in counts and "LH" in counts:
                lines_covered += counts["LH"]
                lines_total += counts["LF"]
            else:
                lines_covered += sum(1 for hits in source.hits.values() if hits > 0)
                lines_total += len(source.hits)
            if "BRF" in counts and "BRH" in counts:
                branches_covered += counts["BRH"]
                branches_total += counts["BRF"]
            else:
                branches_covered += sum(1 for taken in source.taken.values() if taken > 0)
                branches_total += len(source.taken)
        names = ("LH", "LF", "BRH", "BRF")
        return _finish(
            "lcov", names, (lines_covered, lines_total), (branches_covered, branches_total), None
        )

    if not batch.has_problems:  # totals over bad lines would mislead
        batch.build(Entry(0, "", {}), make)
    return batch.result()[0]


def _at_line(number: int) -> Entry:
    return Entry(number, str(number), {})


def _lcov_value(current: _LcovFile, declared: dict[str, int], tag: str, value: str) -> None:
    if tag == "DA":
        well_formed = _DA.fullmatch(value)  # the common case, without the general checks
        if well_formed:
            line, hits = int(well_formed[1]), int(well_formed[2])
            current.hits[line] = max(current.hits.get(line, 0), hits)
            return
    parts = [part.strip() for part in value.split(",")]
    if tag in _LCOV_COUNTS:
        declared[tag] = cast(int, count_value({tag: value}, tag, required=True))
    elif tag == "DA":
        if len(parts) not in {2, 3}:
            raise FieldProblem("DA", f"expected DA:<line>,<hits>, got {show(value)}")
        line = cast(int, count_value({"DA": parts[0]}, "DA", required=True, label="DA line"))
        hits = cast(int, count_value({"DA": parts[1]}, "DA", required=True, label="DA hits"))
        current.hits[line] = max(current.hits.get(line, 0), hits)
    else:
        if len(parts) != 4:
            raise FieldProblem(
                "BRDA", f"expected BRDA:<line>,<block>,<branch>,<taken>, got {show(value)}"
            )
        count_value({"BRDA": parts[0]}, "BRDA", required=True, label="BRDA line")
        taken = (
            0
            if parts[3] == "-"
            else count_value({"BRDA": parts[3]}, "BRDA", required=True, label="BRDA taken")
        )
        key = (parts[0], parts[1], parts[2])
        current.taken[key] = max(current.taken.get(key, 0), cast(int, taken))


def _check_declared(
    batch: Batch[CoverageReport], declared: Mapping[str, int], declared_at: Mapping[str, int]
) -> None:
    """A record's hit count may not exceed its found count; named at the hit count's line."""
    for hit, found in (("LH", "LF"), ("BRH", "BRF")):
        if hit in declared and found in declared and declared[hit] > declared[found]:
            message = f"{declared[hit]} is more than {found} {declared[found]}"
            batch.problem(_at_line(declared_at[hit]), hit, message)


# --------------------------------------------------------------------------- coverage.py


def _parse_coveragepy(path: PathLike, text: str) -> CoverageReport:
    """``coverage json``: ``totals.covered_lines`` / ``num_statements`` and
    ``covered_branches`` / ``num_branches``; ``meta.timestamp`` is the measurement time
    (coverage.py writes local time without an offset: it is taken as UTC)."""
    document: Any = load_json(path, text)
    if not (
        isinstance(document, dict)
        and isinstance(document.get("meta"), dict)
        and isinstance(document.get("totals"), dict)
    ):
        raise input_error(
            path, None, None, 'not a coverage.py JSON report (no "meta" and "totals" objects)'
        )

    def make(entry: Entry) -> CoverageReport:
        meta = cast(Mapping[str, Any], object_value(entry.values, "meta"))
        totals = cast(Mapping[str, Any], object_value(entry.values, "totals"))
        lines = (
            cast(
                int,
                count_value(totals, "covered_lines", required=True, label="totals.covered_lines"),
            ),
            cast(
                int,
                count_value(totals, "num_statements", required=True, label="totals.num_statements"),
            ),
        )
        covered = count_value(totals, "covered_branches", label="totals.covered_branches")
        total = count_value(totals, "num_branches", label="totals.num_branches")
        branches = None
        if meta.get("branch_coverage") is not False and (covered is not None or total is not None):
            if covered is None or total is None:
                missing = "covered_branches" if covered is None else "num_branches"
                raise FieldProblem(
                    f"totals.{missing}", "missing while the other branch count is given"
                )
            branches = (covered, total)
        measured_at = timestamp_value(meta, "timestamp", label="meta.timestamp")
        names = (
            "totals.covered_lines",
            "totals.num_statements",
            "totals.covered_branches",
            "totals.num_branches",
        )
        return _finish("coveragepy", names, lines, branches, measured_at)

    return build_all(path, [Entry(0, "", document)], make).result()[0]

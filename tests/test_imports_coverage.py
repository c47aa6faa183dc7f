"""Coverage reports: Cobertura XML, LCOV, coverage.py JSON → covered/total counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError, UsageError
from devintel_cli.imports.coverage import parse_coverage
from devintel_cli.imports.records import CoverageReport

DATA = Path(__file__).parent / "data" / "imports"

# The sample run, written by hand in every format:
#   src/app.py  statements 1 2 3 5 6 8, hit 1 2 3 5      -> 4 of 6 lines
#               line 3 branches: one of two taken        -> 1 of 2 branches
#   src/util.py statements 1 2 4 5, hit 1 2 4            -> 3 of 4 lines
#               line 2 branches: both taken              -> 2 of 2 branches
#   total: 4 + 3 = 7 of 6 + 4 = 10 lines; 1 + 2 = 3 of 2 + 2 = 4 branches
SAME_RUN = (7, 10, 3, 4)

# Cobertura's timestamp 1767607200123 is in ms -> 1767607200.123 s; 1767225600 s is
# 2026-01-01T00:00:00Z and 1767607200 - 1767225600 = 381600 s = 4 days 10 hours.
RUN_TIME = datetime(2026, 1, 5, 10, 0, 0, 123000, tzinfo=UTC)


def counts(report: CoverageReport) -> tuple[int | None, ...]:
    return (
        report.lines_covered,
        report.lines_total,
        report.branches_covered,
        report.branches_total,
    )


def error_of(path, fmt=None) -> str:
    with pytest.raises(InputFileError) as caught:
        parse_coverage(path, fmt)
    assert "\n" not in caught.value.message
    return caught.value.message


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("cobertura.xml", "cobertura"),  # coverage.py's Cobertura: totals on the root
        ("cobertura_counted.xml", "cobertura"),  # Cobertura 1.9: counted from <line> elements
        ("lcov.info", "lcov"),  # LF/LH, BRF/BRH per record
        ("lcov_da_only.info", "lcov"),  # counted from DA/BRDA lines
        ("lcov_merged.info", "lcov"),  # util.py in two records, merged line by line
        ("coverage.json", "coveragepy"),
    ],
)
def test_the_same_run_gives_the_same_counts_in_every_format(name, fmt):
    auto = parse_coverage(DATA / name)
    assert auto.format == fmt
    assert counts(auto) == SAME_RUN
    assert parse_coverage(DATA / name, fmt) == auto
    assert auto.commit_sha is None


def test_rates_disagree_between_formats_but_counts_do_not():
    # why counts are stored: Cobertura's line-rate is 7/10 = 0.7, coverage.py's
    # percent_covered mixes in branches, (7 + 3) / (10 + 4) = 71.43 %, for the same run
    document = json.loads((DATA / "coverage.json").read_text())
    assert round(document["totals"]["percent_covered"], 2) == 71.43
    assert 'line-rate="0.7"' in (DATA / "cobertura.xml").read_text()
    assert counts(parse_coverage(DATA / "coverage.json")) == counts(
        parse_coverage(DATA / "cobertura.xml")
    )


def test_measurement_times():
    assert parse_coverage(DATA / "cobertura.xml").measured_at == RUN_TIME
    # coverage.py writes a naive local time: taken as UTC
    assert parse_coverage(DATA / "coverage.json").measured_at == RUN_TIME
    # 1767607200 is below 1e11, so seconds: 2026-01-05T10:00:00Z (as above, without the .123)
    assert parse_coverage(DATA / "cobertura_counted.xml").measured_at == RUN_TIME.replace(
        microsecond=0
    )
    assert parse_coverage(DATA / "lcov.info").measured_at is None


@pytest.mark.parametrize(("stamp", "expected"), [("0", None), ("", None)])
def test_cobertura_timestamp_zero_or_empty_is_unknown(tmp_path, stamp, expected):
    path = write(
        tmp_path, "c.xml", f'<coverage timestamp="{stamp}" lines-valid="2" lines-covered="1"/>'
    )
    assert parse_coverage(path).measured_at is expected


def test_doctype_of_real_cobertura_files_is_accepted():
    # defusedxml with its defaults: a DOCTYPE is fine, entities are not (STYLE lessons)
    assert "<!DOCTYPE coverage SYSTEM" in (DATA / "cobertura_counted.xml").read_text()
    assert parse_coverage(DATA / "cobertura_counted.xml").lines_total == 10


def test_runs_without_branch_data_have_no_branch_counts(tmp_path):
    # coverage.py without --branch: Cobertura writes branches-valid="0"; JSON has no branch keys
    cobertura = write(
        tmp_path,
        "c.xml",
        '<coverage lines-valid="10" lines-covered="7" branches-valid="0" branches-covered="0"/>',
    )
    lcov = write(tmp_path, "l.info", "SF:a.py\nDA:1,1\nDA:2,0\nend_of_record\n")
    coveragepy = write(
        tmp_path,
        "c.json",
        json.dumps(
            {
                "meta": {"branch_coverage": False},
                "totals": {"covered_lines": 1, "num_statements": 2},
            }
        ),
    )
    assert counts(parse_coverage(cobertura)) == (7, 10, None, None)
    assert counts(parse_coverage(lcov)) == (1, 2, None, None)
    assert counts(parse_coverage(coveragepy)) == (1, 2, None, None)


def test_method_lines_are_not_counted_twice(tmp_path):
    # line 1 appears under <class><lines> and again under <method><lines>: one line, covered
    path = write(
        tmp_path,
        "c.xml",
        '<coverage><packages><package><classes><class filename="a.py">'
        '<methods><method><lines><line number="1" hits="1"/><line number="9" hits="1"/></lines>'
        "</method></methods>"
        '<lines><line number="1" hits="1"/><line number="2" hits="0"/></lines>'
        "</class></classes></package></packages></coverage>",
    )
    assert counts(parse_coverage(path)) == (1, 2, None, None)


# --------------------------------------------------------------------------- detection


def test_detection_failure_names_the_formats(tmp_path):
    path = write(tmp_path, "notes.txt", "just some notes\n")
    assert (
        error_of(path)
        == f"{path}: not a coverage report: expected Cobertura XML, coverage.py JSON or LCOV"
    )


def test_unknown_format_name_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown coverage format 'jacoco'"):
        parse_coverage(DATA / "lcov.info", "jacoco")  # type: ignore[arg-type]


def test_given_format_that_does_not_match_the_content():
    assert "invalid XML" in error_of(DATA / "lcov.info", "cobertura")
    assert "invalid JSON" in error_of(DATA / "lcov.info", "coveragepy")
    assert "not an LCOV line" in error_of(DATA / "coverage.json", "lcov")


# --------------------------------------------------------------------------- hostile


def test_billion_laughs_is_refused():
    path = DATA / "billion_laughs.xml"
    assert error_of(path) == (
        f"{path}:3: XML refused: it declares entities (<!ENTITY>), a denial-of-service vector"
    )


def test_external_entity_is_refused():
    assert "XML refused" in error_of(DATA / "external_entity.xml")


def test_truncated_xml_names_the_line():
    path = DATA / "truncated.xml"  # the first 900 bytes of cobertura.xml end on line 18
    assert error_of(path) == f"{path}:18: invalid XML: unclosed token"


def test_other_xml_roots_are_not_cobertura(tmp_path):
    path = DATA / "jacoco.xml"
    assert error_of(path) == f"{path}:3: the XML root is <report>, not Cobertura's <coverage>"
    clover = write(
        tmp_path, "clover.xml", '<coverage generated="1" clover="4.4.1"><project/></coverage>'
    )
    assert "Clover XML is not supported" in error_of(clover)


def test_json_that_is_not_coverage():
    path = DATA / "not_coverage.json"
    assert (
        error_of(path) == f'{path}: not a coverage.py JSON report (no "meta" and "totals" objects)'
    )


def test_covered_more_than_total_is_refused():
    path = DATA / "cobertura_inconsistent.xml"
    assert error_of(path) == f"{path}:2: lines-covered: 130 is more than lines-valid 120"
    lcov = DATA / "lcov_inconsistent.info"
    assert error_of(lcov) == f"{lcov}:6: LH: 5 is more than LF 2"  # LH is on line 6


def test_negative_counts_are_refused(tmp_path):
    path = DATA / "cobertura_negative.xml"
    assert error_of(path) == f"{path}:2: lines-covered: negative: -3"
    coveragepy = write(
        tmp_path, "c.json", '{"meta": {}, "totals": {"covered_lines": -1, "num_statements": 4}}'
    )
    assert error_of(coveragepy) == f"{coveragepy}: totals.covered_lines: negative: -1"
    lcov = write(tmp_path, "l.info", "SF:a.py\nDA:1,-2\nend_of_record\n")
    assert error_of(lcov) == f"{lcov}:2: DA hits: negative: -2"


def test_coveragepy_inconsistent_branches(tmp_path):
    path = write(
        tmp_path,
        "c.json",
        json.dumps(
            {
                "meta": {},
                "totals": {
                    "covered_lines": 1,
                    "num_statements": 2,
                    "covered_branches": 5,
                    "num_branches": 4,
                },
            }
        ),
    )
    assert (
        error_of(path) == f"{path}: totals.covered_branches: 5 is more than totals.num_branches 4"
    )


def test_a_report_that_measured_nothing_is_refused(tmp_path):
    path = write(tmp_path, "c.xml", '<coverage lines-valid="0" lines-covered="0"/>')
    assert error_of(path) == f"{path}:1: lines-valid: 0: the report measured no line"


def test_truncated_lcov_names_the_unfinished_record():
    path = DATA / "lcov_truncated.info"  # util.py's record opens on line 8 and never ends
    assert error_of(path) == f"{path}:8: SF: record has no end_of_record (truncated file?)"


def test_bad_line_elements_are_named_when_counted(tmp_path):
    path = write(
        tmp_path,
        "c.xml",
        '<coverage>\n<packages><package><classes><class filename="a.py"><lines>\n'
        '<line number="1" hits="many"/>\n'
        '<line number="2" hits="1" branch="true" condition-coverage="half"/>\n'
        "</lines></class></classes></package></packages></coverage>\n",
    )
    with pytest.raises(InputFileError) as caught:
        parse_coverage(path)
    assert caught.value.message == f"{path}:3: line hits: expected a whole number, got 'many'"
    assert caught.value.hint == "1 more problem in this file: 4 (condition-coverage)"

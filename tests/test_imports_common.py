"""Shared import plumbing: reading, decoding, JSON and CSV records, values, error messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.imports import common
from devintel_cli.imports.common import (
    Column,
    load_json,
    parse_timestamp,
    read_csv,
    read_text,
)
from devintel_cli.imports.incidents import parse_incidents

COLUMNS = (
    Column("id", ("key",), required=True),
    Column("title", required=True),
    Column("opened_at", required=True),
    Column("severity"),
)


def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def error_of(call, *args, **kwargs) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        call(*args, **kwargs)
    assert "\n" not in caught.value.message
    return caught.value


# --------------------------------------------------------------------------- reading


def test_utf8_bom_is_dropped(tmp_path):
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbfid,title\n")
    assert read_text(path) == "id,title\n"


def test_invalid_utf8_names_line_and_byte(tmp_path):
    # b"a\nb\n\xff": the bad byte sits at offset 4, after two newlines -> line 3
    path = write(tmp_path, "latin1.csv", b"a\nb\n\xff\n")
    error = error_of(read_text, path)
    assert error.message == f"{path}:3: not valid UTF-8 (byte 0xff at offset 4)"
    assert error.hint == "save the file as UTF-8"


def test_utf16_is_refused_with_advice(tmp_path):
    path = write(tmp_path, "excel.csv", "id,title\n".encode("utf-16"))
    assert error_of(read_text, path).message.endswith(
        "UTF-16 text is not supported: save it as UTF-8"
    )


def test_nul_character_names_line(tmp_path):
    path = write(tmp_path, "nul.csv", b"id,title\n1,a\x00b\n")
    assert (
        error_of(read_text, path).message == f"{path}:2: contains a NUL character: not a text file"
    )


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t"])
def test_empty_file_has_no_records(tmp_path, data):
    path = write(tmp_path, "empty.csv", data)
    assert error_of(read_text, path).message == f"{path}: no records (the file is empty)"


def test_missing_file_and_directory(tmp_path):
    assert "cannot read" in error_of(read_text, tmp_path / "nope.csv").message
    assert error_of(read_text, tmp_path).message.endswith("is a directory, not a file")


def test_file_over_200_mb_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: costs no disk
        handle.truncate(200 * 1024 * 1024 + 1)
    assert error_of(read_text, path).message.endswith("larger than the 200 MB limit for imports")


def test_size_limit_also_bounds_the_read(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_FILE_BYTES", 10)
    path = write(tmp_path, "a.json", b"[1, 2, 3, 4, 5]")  # 15 bytes > 10
    assert "larger than" in error_of(read_text, path).message


# --------------------------------------------------------------------------- JSON


def test_json_syntax_error_names_line_and_column(tmp_path):
    # line 2 is '  {"a": 1,}': two spaces, then '{"a": 1,' (8 chars), so '}' is column 11
    path = tmp_path / "bad.json"
    error = error_of(load_json, path, '[\n  {"a": 1,}\n]')
    assert error.message.startswith(f"{path}:2:11: invalid JSON: Expecting property name")


def test_json_pages_are_joined_only_when_asked(tmp_path):
    path = tmp_path / "pages.json"
    assert load_json(path, "[1]\n[2, 3]\n", pages=True) == [1, 2, 3]
    # the second document starts on line 2, column 1
    assert error_of(load_json, path, "[1]\n[2, 3]\n").message == (
        f"{path}:2:1: invalid JSON: extra data after the document"
    )
    assert "not all lists" in error_of(load_json, path, '[1] {"a": 2}', pages=True).message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "invalid JSON: NaN is not a JSON number"),
        ('{"a": -Infinity}', "invalid JSON: -Infinity is not a JSON number"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
        ('{"a": ' + "9" * 5000 + "}", "invalid JSON: a number has too many digits"),
    ],
)
def test_json_values_python_would_accept_or_choke_on(tmp_path, text, message):
    path = tmp_path / "x.json"
    assert error_of(load_json, path, text).message == f"{path}: {message}"


# --------------------------------------------------------------------------- CSV


def test_csv_quoted_newlines_keep_line_numbers(tmp_path):
    text = 'id,title,opened_at\nA-1,"two\nlines",2026-01-05\nA-2,plain,2026-01-06\n'
    entries = read_csv(tmp_path / "x.csv", text, COLUMNS)
    # A-1 starts on line 2 and spans 2-3, so A-2 starts on line 4
    assert [(e.where, e.values["id"], e.values["title"]) for e in entries] == [
        ("2", "A-1", "two\nlines"),
        ("4", "A-2", "plain"),
    ]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_csv_delimiter_is_taken_from_the_header(tmp_path, delimiter, name):
    text = delimiter.join(["ID", "Title", "Opened_At"]) + "\n"
    text += delimiter.join(["A-1", "Deploy, then rollback", "2026-01-05"]) + "\n"
    if delimiter == ",":
        text = text.replace("Deploy, then rollback", '"Deploy, then rollback"')
    (entry,) = read_csv(tmp_path / f"{name}.csv", text, COLUMNS)
    assert entry.values["title"] == "Deploy, then rollback"


def test_csv_headers_are_case_and_spacing_insensitive_and_unknown_ones_ignored(tmp_path):
    text = "  KEY , Title,opened-at,Watchers\nA-1,t,2026-01-05,3\n"
    (entry,) = read_csv(tmp_path / "x.csv", text, COLUMNS)
    assert entry.values == {"id": "A-1", "title": "t", "opened_at": "2026-01-05"}


def test_csv_blank_rows_are_skipped_and_empty_values_are_none(tmp_path):
    text = "id,title,opened_at,severity\n\nA-1,t,2026-01-05,\n,,,\n"
    (entry,) = read_csv(tmp_path / "x.csv", text, COLUMNS)
    assert entry.values["severity"] is None


def test_csv_missing_required_columns_are_named(tmp_path):
    path = tmp_path / "x.csv"
    error = error_of(read_csv, path, "id,severity\nA-1,low\n", COLUMNS)
    assert error.message == f"{path}:1: header: missing required columns 'title', 'opened_at'"


def test_csv_column_given_twice_is_ambiguous(tmp_path):
    path = tmp_path / "x.csv"
    error = error_of(read_csv, path, "id,title,key,opened_at\n1,t,2,2026-01-05\n", COLUMNS)
    assert error.message == f"{path}:1: header: columns 1 and 3 both give id"


def test_csv_only_a_header_has_no_records(tmp_path):
    path = tmp_path / "x.csv"
    assert error_of(read_csv, path, "id,title,opened_at\n", COLUMNS).message == (
        f"{path}: no records (only a header row)"
    )


def test_csv_malformed_quoting_names_the_line(tmp_path):
    path = tmp_path / "x.csv"
    text = 'id,title,opened_at\nA-1,t,2026-01-05\nA-2,"unterminated,2026-01-06\n'
    assert error_of(read_csv, path, text, COLUMNS).message == (
        f"{path}:3: malformed CSV: unexpected end of data"
    )


def test_csv_wrong_field_counts_are_problems_of_their_rows(tmp_path):
    # line 3 has one field too many, line 4 one too few; line 2 is fine
    text = "id,title,opened_at\nA-1,t,2026-01-05\nA-2,t,2026-01-05,extra\nA-3,t\n"
    path = write(tmp_path, "rows.csv", text)
    error = error_of(parse_incidents, path)
    assert error.message == f"{path}:3: row: has 4 fields, the header has 3"
    assert error.hint == "1 more problem in this file: 4 (row)"


def test_batch_reports_the_first_problem_and_counts_the_rest(tmp_path):
    text = "id,title,opened_at\n" + "".join(f"A-{n},t,never\n" for n in range(1, 7))
    path = write(tmp_path, "many.csv", text)
    error = error_of(parse_incidents, path)
    # six bad rows on lines 2-7: the first is the message, the next three are listed
    assert error.message.startswith(f"{path}:2: opened_at: not a timestamp: 'never'")
    assert error.hint == (
        "5 more problems in this file: 3 (opened_at), 4 (opened_at), 5 (opened_at), ..."
    )


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T10:15:00Z", datetime(2026, 1, 5, 10, 15, tzinfo=UTC)),
        # +02:00 is two hours ahead of UTC: 10:15 local is 08:15 UTC
        ("2026-01-05T10:15:00+02:00", datetime(2026, 1, 5, 8, 15, tzinfo=UTC)),
        # -05:00: 22:10 local on the 5th is 03:10 UTC on the 6th
        ("2026-01-05T22:10:00-05:00", datetime(2026, 1, 6, 3, 10, tzinfo=UTC)),
        ("2026-01-05T10:15:00", datetime(2026, 1, 5, 10, 15, tzinfo=UTC)),  # naive: UTC
        ("2026-01-05 10:15", datetime(2026, 1, 5, 10, 15, tzinfo=UTC)),
        ("2026-01-05", datetime(2026, 1, 5, tzinfo=UTC)),  # a date: midnight UTC
        ("2026-01-05T10:15:00.250Z", datetime(2026, 1, 5, 10, 15, 0, 250000, tzinfo=UTC)),
        ("05/Jan/26 10:15 AM", datetime(2026, 1, 5, 10, 15, tzinfo=UTC)),  # Jira default
        ("05/Jan/26 12:00 AM", datetime(2026, 1, 5, 0, 0, tzinfo=UTC)),  # 12 AM is midnight
        ("05/Jan/26 12:30 PM", datetime(2026, 1, 5, 12, 30, tzinfo=UTC)),  # 12 PM is noon
        ("05/jan/2026 4:05 pm", datetime(2026, 1, 5, 16, 5, tzinfo=UTC)),  # 4 PM = 16:00
        ("5/Jan/26", datetime(2026, 1, 5, tzinfo=UTC)),
        ("05/Jan/26 17:45", datetime(2026, 1, 5, 17, 45, tzinfo=UTC)),  # 24-hour, no AM/PM
    ],
)
def test_timestamp_forms(text, expected):
    moment = parse_timestamp(text)
    assert moment == expected
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-13-01",
        "2026-01-05T25:00:00Z",
        "05/Foo/26 10:15 AM",
        "05/Jan/26 13:00 PM",
        "31/Feb/26",
        "２０２６-01-05",  # full-width digits
        "9999-12-31T23:59:59-05:00",  # beyond year 9999 once in UTC
    ],
)
def test_unparsable_timestamps_raise_value_errors(text):
    with pytest.raises((ValueError, OverflowError)):
        parse_timestamp(text)


def test_unparsable_timestamp_in_a_file_names_line_field_and_value(tmp_path):
    path = write(tmp_path, "x.csv", "id,title,opened_at\nA-1,t,2026-01-05\nA-2,t,05.01.2026\n")
    assert error_of(parse_incidents, path).message == (
        f"{path}:3: opened_at: not a timestamp: '05.01.2026'"
        " (expected ISO-8601 such as 2026-01-05T10:15:00Z)"
    )


def test_messages_stay_on_one_line_whatever_the_value(tmp_path):
    path = write(tmp_path, "x.csv", 'id,title,opened_at\nA-1,t,"2026-01-05\nnoon"\n')
    error = error_of(parse_incidents, path)
    assert "'2026-01-05\\nnoon'" in error.message


def test_show_never_prints_containers():
    assert common.show([[[]]]) == "a list"
    assert common.show({"a": 1}) == "an object"
    assert common.show("x" * 100) == repr("x" * 57 + "...")
    assert common.show(10**40) == "a huge number"
    assert common.input_error("f.csv", "2", "id", "bad").message == "f.csv:2: id: bad"
    assert common.input_error("f.csv", None, None, "no records").message == "f.csv: no records"

"""Every parser, fed hostile or damaged input, raises InputFileError: never a traceback,
never a partial result (§12, §13 reliability)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from devintel_cli.errors import InputFileError
from devintel_cli.imports.coverage import parse_coverage
from devintel_cli.imports.deployments import parse_deployments
from devintel_cli.imports.incidents import parse_incidents
from devintel_cli.imports.prs import parse_pull_requests
from devintel_cli.imports.tasks import parse_tasks

DATA = Path(__file__).parent / "data" / "imports"

PARSERS: dict[str, Callable[[Path], object]] = {
    "coverage": parse_coverage,
    "cobertura": lambda path: parse_coverage(path, "cobertura"),
    "lcov": lambda path: parse_coverage(path, "lcov"),
    "coveragepy": lambda path: parse_coverage(path, "coveragepy"),
    "incidents": parse_incidents,
    "pull_requests": parse_pull_requests,
    "tasks": parse_tasks,
    "deployments": parse_deployments,
}

HOSTILE: dict[str, bytes] = {
    "binary_garbage": random.Random(1).randbytes(4096),
    "png_header": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "truncated_json": b'[{"id": "INC-1", "title": "x", "opened_at": "2026-01-0',
    "truncated_object": b'{"meta": {"timestamp": "2026-01-05"}, "totals": {"covered_lines": 3',
    "json_wrong_shape": b'{"rows": [{"a": 1}]}',
    "json_scalar": b"42",
    "json_null": b"null",
    "json_list_of_lists": b"[[1, 2], [3]]",
    "json_empty_list": b"[]",
    "deeply_nested_list": b"[" * 100_000 + b"]" * 100_000,
    "deeply_nested_object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "nested_value": b'[{"number": 1, "title": ' + b"[" * 900 + b"]" * 900 + b"}]",
    "json_nan": b'{"meta": {}, "totals": {"covered_lines": NaN, "num_statements": 1}}',
    "json_huge_number": b'[{"number": ' + b"9" * 5000 + b"}]",
    "xml_entity_bomb": (DATA / "billion_laughs.xml").read_bytes(),
    "xml_external_entity": (DATA / "external_entity.xml").read_bytes(),
    "xml_truncated": (DATA / "truncated.xml").read_bytes(),
    "xml_not_well_formed": b"<coverage><<</coverage>",
    "csv_with_nul": b"id,title,opened_at\nINC-1,a\x00b,2026-01-05\n",
    "csv_header_only": b"id,title,opened_at,sha,deployed_at,Issue key,Resolved\n",
    "csv_unterminated_quote": b'id,title,opened_at\nINC-1,"never closed,2026-01-05\n',
    "csv_huge_field": b"id,title,opened_at\nINC-1," + b"a" * 200_000 + b",2026-01-05\n",
    "latin1_text": "id,title,opened_at\nINC-1,Caf\u00e9,2026-01-05\n".encode("latin-1"),
    "utf16_text": "id,title,opened_at\n".encode("utf-16"),
    "empty": b"",
    "blank_lines": b"\n\r\n   \n",
    "lcov_garbage": b"SF:a.py\nDA:one,two\nend_of_record\n",
    "far_future_time": b'[{"number": 1, "title": "t", "createdAt": "9999-12-31T23:59:59-05:00"}]',
}


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_is_a_clean_input_error(tmp_path, parser, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    with pytest.raises(InputFileError) as caught:
        PARSERS[parser](path)
    message = caught.value.message
    assert message.startswith(str(path))
    assert "\n" not in message and "\r" not in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("parser", PARSERS)
def test_file_over_the_size_limit(tmp_path, parser):
    path = tmp_path / "huge"
    with open(path, "wb") as handle:
        handle.truncate(200 * 1024 * 1024 + 1)  # sparse
    with pytest.raises(InputFileError, match="larger than the 200 MB limit"):
        PARSERS[parser](path)


SAMPLES: dict[str, tuple[str, ...]] = {
    "coverage": (
        "cobertura.xml",
        "cobertura_counted.xml",
        "lcov.info",
        "lcov_merged.info",
        "coverage.json",
    ),
    "incidents": ("incidents.csv", "incidents.json", "gh_issues.json"),
    "pull_requests": ("gh_prs.json", "rest_pulls.json"),
    "tasks": ("jira.csv", "gh_closed_issues.json"),
    "deployments": ("deployments.csv", "deployments.json"),
}


def _mutations(data: bytes, rng: random.Random) -> list[bytes]:
    """Truncations, flipped bytes, inserted punctuation, dropped and repeated lines."""
    variants = []
    for _ in range(12):
        variants.append(data[: rng.randrange(len(data))])
    for _ in range(12):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        variants.append(bytes(damaged))
    for _ in range(12):
        at = rng.randrange(len(data))
        variants.append(
            data[:at] + rng.choice([b'"', b",", b"<", b"{", b"]", b"\n", b":", b"-"]) + data[at:]
        )
    lines = data.splitlines(keepends=True)
    for _ in range(8):
        at = rng.randrange(len(lines))
        variants.append(b"".join(lines[:at] + lines[at + 1 :]))
        variants.append(b"".join(lines[: at + 1] + lines[at:]))
    return variants


@pytest.mark.parametrize(
    ("parser", "sample"),
    [(parser, sample) for parser, names in SAMPLES.items() for sample in names],
)
def test_damaged_samples_parse_or_fail_cleanly(tmp_path, parser, sample):
    """Seeded mutations of every valid sample: each gives a result or an InputFileError."""
    data = (DATA / sample).read_bytes()
    rng = random.Random(f"{parser}/{sample}")
    outcomes = {"parsed": 0, "refused": 0}
    for number, variant in enumerate(_mutations(data, rng)):
        path = tmp_path / f"{number}-{sample}"
        path.write_bytes(variant)
        try:
            PARSERS[parser](path)
        except InputFileError as error:
            assert "\n" not in error.message, (number, error.message)
            outcomes["refused"] += 1
        else:
            outcomes["parsed"] += 1
    assert outcomes["refused"] > 0  # the mutations do break things

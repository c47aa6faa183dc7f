"""The primary language (§8 cohorts, devintel_cli/scoring/languages.py): the language with
the most lines added, by file extension, `.h` headers going to C or C++ — the definition the
shipped reference was built with — and the path tails the store sums by."""

from __future__ import annotations

import pytest

from devintel_cli.scoring.languages import (
    HEADER_EXTENSION,
    LANGUAGE_BY_EXTENSION,
    TAIL_CHARS,
    extension_of,
    lines_by_language,
    primary_language,
)


def test_most_lines_added_wins_and_extensions_ignore_case() -> None:
    rows = [
        ("src/app.py", 10),
        ("tools/gen.PY", 5),  # .PY is .py: python 10 + 5 = 15
        ("web/app.ts", 12),  # typescript 12
        ("README.md", 100),  # documentation does not count
        ("pyproject.toml", 30),  # nor does configuration
    ]
    # python 15 of 15 + 12 = 27 counted lines
    assert primary_language(rows) == ("python", pytest.approx(15 / 27))


def test_headers_go_to_cpp_when_it_has_more_lines_than_c() -> None:
    # c++ 30 (a.cpp) > c 20 (a.c): the header's 25 go to c++ → c++ 55 of 75
    rows = [("lib/a.cpp", 30), ("lib/a.c", 20), ("include/a.h", 25)]
    assert lines_by_language(rows) == {"c++": 55, "c": 20}
    assert primary_language(rows) == ("c++", pytest.approx(55 / 75))


def test_headers_go_to_c_when_c_has_more_lines() -> None:
    # c 30 > c++ 20 (b.cc): the header's 25 go to c → c 55 of 75
    rows = [("a.c", 30), ("b.cc", 20), ("include/A.H", 25)]
    assert lines_by_language(rows) == {"c": 55, "c++": 20}
    assert primary_language(rows) == ("c", pytest.approx(55 / 75))


def test_headers_go_to_c_on_a_tie_and_when_alone() -> None:
    # c 10 = c++ 10: not more C++ than C, so the header's 1 goes to c → c 11 > c++ 10
    assert primary_language([("a.c", 10), ("b.cpp", 10), ("x.h", 1)]) == (
        "c",
        pytest.approx(11 / 21),
    )
    # headers alone: 0 C++ is not more than 0 C → c, all 4 lines
    assert primary_language([("x.h", 4)]) == ("c", 1.0)


def test_a_tie_between_languages_goes_to_the_name_that_sorts_last() -> None:
    # go 10 = rust 10: "rust" > "go" → rust, half of the 20 lines
    assert primary_language([("a.go", 10), ("b.rs", 10)]) == ("rust", 0.5)
    # the order of the rows does not matter
    assert primary_language([("b.rs", 10), ("a.go", 10)]) == ("rust", 0.5)


def test_no_recognised_file_is_no_language() -> None:
    rows = [
        ("Makefile", 50),  # no extension
        ("src/.py", 40),  # a dot-file named ".py" has no extension
        ("docs/guide.md", 30),
        ("setup.cfg", 5),
        ("src.d/run", 7),  # the dot is in a directory name
    ]
    assert primary_language(rows) == (None, None)
    assert primary_language([]) == (None, None)
    # a recognised file that added nothing: no counted line, no language
    assert primary_language([("a.py", 0)]) == (None, None)


def test_extension_of_is_the_last_components_suffix_lower_cased() -> None:
    assert extension_of("a/b/Main.JAVA") == ".java"
    assert extension_of("a.tar.gz") == ".gz"
    assert extension_of("x.d/Makefile") == ""
    assert extension_of(".bashrc") == ""
    assert extension_of("src/.py") == ""


#: every counted extension, on names and directories built to trip a tail: long names,
#: dotted directories, dot-files, non-ASCII names, names as long as the tail itself
TRICKY_PATHS = [
    f"{prefix}{name}{ext}"
    for ext in (*LANGUAGE_BY_EXTENSION, HEADER_EXTENSION)
    for prefix in ("", "src/", "a.b/", "deep/er.d/", "über/")
    for name in ("x", "main", "a-very-long-file-name", "ñandú", "", ".", "v1.2")
] + ["Makefile", "x.d/Makefile", "a.b.c.d.e.f.g.h.i.j", "README", "src/.gemspec"]


def test_a_paths_last_tail_chars_have_its_counted_extension() -> None:
    # the store sums lines per substr(path, -TAIL_CHARS): each tail must be counted as its
    # path is (the same language, or not counted at all)
    counted = set(LANGUAGE_BY_EXTENSION) | {HEADER_EXTENSION}

    def counted_extension(text: str) -> str | None:
        ext = extension_of(text)
        return ext if ext in counted else None

    wrong = [p for p in TRICKY_PATHS if counted_extension(p[-TAIL_CHARS:]) != counted_extension(p)]
    assert wrong == []
    assert len(TRICKY_PATHS) > 1000


def test_the_tail_is_one_longer_than_the_longest_extension() -> None:
    # ".gemspec" is the longest counted extension (8 characters with its dot); one more
    # character tells "x.gemspec" (ruby) from the dot-file "/.gemspec" (nothing)
    assert max(map(len, LANGUAGE_BY_EXTENSION)) == len(".gemspec") == 8
    assert TAIL_CHARS == 9
    assert extension_of("x/.gemspec"[-TAIL_CHARS:]) == ""
    assert extension_of("ab.gemspec"[-TAIL_CHARS:]) == ".gemspec"

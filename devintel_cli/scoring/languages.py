"""Primary language (§8 cohorts): the one definition the benchmark cohorts use, shared by
the open-source reference script (benchmarks/reference/build_reference.py) and by
``devintel benchmarks`` for the scope it reports on.

The primary language is the language with the most lines added over the window, by file
extension (``LANGUAGE_BY_EXTENSION``), counting the files of non-merge, non-bot commits
that are neither binary nor excluded (the caller's query, e.g. ``store/languages.py``).
Pure functions over ``(path, lines added)`` pairs: no database, no CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath

#: file extension → language. Only programming languages count: documentation, data,
#: configuration, markup and style sheets (.md, .rst, .txt, .json, .yml, .toml, .xml,
#: .html, .css, …) and files without an extension are ignored. ``.h`` is ambiguous: its
#: lines go to C++ when the window has more lines of unambiguous C++ than of C, else to C.
LANGUAGE_BY_EXTENSION: dict[str, str] = {
    **dict.fromkeys((".py", ".pyi", ".pyx", ".pxd"), "python"),
    ".go": "go",
    ".rs": "rust",
    **dict.fromkeys((".js", ".mjs", ".cjs", ".jsx"), "javascript"),
    **dict.fromkeys((".ts", ".tsx", ".mts", ".cts"), "typescript"),
    ".java": "java",
    **dict.fromkeys((".kt", ".kts"), "kotlin"),
    ".scala": "scala",
    ".groovy": "groovy",
    ".c": "c",
    **dict.fromkeys(
        (".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".inl", ".tpp"),
        "c++",
    ),
    **dict.fromkeys((".m", ".mm"), "objective-c"),
    ".swift": "swift",
    ".cs": "c#",
    **dict.fromkeys((".rb", ".rake", ".gemspec", ".ru"), "ruby"),
    ".php": "php",
    **dict.fromkeys((".pl", ".pm"), "perl"),
    ".lua": "lua",
    **dict.fromkeys((".sh", ".bash", ".zsh"), "shell"),
    ".zig": "zig",
    **dict.fromkeys((".hs", ".lhs"), "haskell"),
    **dict.fromkeys((".ex", ".exs"), "elixir"),
    **dict.fromkeys((".erl", ".hrl"), "erlang"),
    ".dart": "dart",
    ".vue": "vue",
    ".svelte": "svelte",
}
HEADER_EXTENSION = ".h"

#: How many trailing characters of a path decide its language: one more than the longest
#: counted extension (dot included). The last ``TAIL_CHARS`` characters of a path have the
#: same counted extension as the whole path — the dot and the character before it (which
#: tells a name from a dot-file such as ``src/.py``) are always among them — so a store may
#: sum lines per ``substr(path, -TAIL_CHARS)`` in SQL and pass those sums here instead of a
#: row per file.
TAIL_CHARS = max(len(ext) for ext in (*LANGUAGE_BY_EXTENSION, HEADER_EXTENSION)) + 1


def extension_of(path: str) -> str:
    """The path's extension, lower-cased: that of its last component, ``""`` for none
    (``Makefile``) or a dot-file (``.bashrc``)."""
    return PurePosixPath(path).suffix.lower()


def lines_by_language(rows: Iterable[tuple[str, int]]) -> Counter[str]:
    """Lines added per language from ``(path, lines added)`` pairs (or path tails of at
    least ``TAIL_CHARS`` characters); ``.h`` headers go to C++ when it has more lines than
    C, else to C (a tie, or headers alone, is C)."""
    lines: Counter[str] = Counter()
    headers = 0
    for path, added in rows:
        suffix = extension_of(path)
        if suffix == HEADER_EXTENSION:
            headers += added
        elif suffix in LANGUAGE_BY_EXTENSION:
            lines[LANGUAGE_BY_EXTENSION[suffix]] += added
    if headers:
        lines["c++" if lines["c++"] > lines["c"] else "c"] += headers
    return lines


def primary_language(rows: Iterable[tuple[str, int]]) -> tuple[str | None, float | None]:
    """The language with the most lines added, and its share of the counted lines;
    ``(None, None)`` when no counted file added a line. A tie goes to the name that sorts
    last (``python`` over ``go``): arbitrary, but the same on every run."""
    lines = lines_by_language(rows)
    total = sum(lines.values())
    if not total:
        return None, None
    language, most = max(lines.items(), key=lambda item: (item[1], item[0]))
    return language, most / total

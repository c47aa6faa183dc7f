"""What a commit's text says about its context: PR number, reverted commit, task keys, bots.

Pure functions over strings (no git, no store), so every rule is a table-driven test.
Each docstring states its rule; the notes on real histories (notes/ingest-baselines.md)
say why these forms: "Merge pull request #N" and squash "(#N)" carry the PR links,
and a revert is only reliably identified by git's ``This reverts commit <sha>`` line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

_MERGE_PR_RE = re.compile(r"^Merge pull request #([1-9][0-9]*)(?![0-9A-Za-z_])")
_SQUASH_PR_RE = re.compile(r"\(#([1-9][0-9]*)\)\s*$")
# A squash suffix, possibly inside the quotes of a Revert "…" subject: cut off before
# task keys are read, so a PR number is never counted as a task.
_QUOTED_SQUASH_PR_RE = re.compile(r"\(#[1-9][0-9]*\)[\"']*\s*$")

_REVERTS_RE = re.compile(
    r"^[ \t>]*This reverts commit ([0-9a-fA-F]{7,64})(?![0-9A-Za-z_])",
    re.MULTILINE | re.IGNORECASE,
)

_TASK_RE = re.compile(
    r"(?:(?<![\w-])(?P<keyword>(?i:close[sd]?|fix(?:e[sd])?|resolve[sd]?))(?::[ \t]*|[ \t]+))?"
    r"(?:"
    r"(?<![\w&/#])\#(?P<number>[1-9][0-9]*)(?![\w])"  # #123, not &#123; or a/b#123
    r"|"
    r"(?<![\w-])(?P<project>[A-Z][A-Z0-9_]{1,9})-(?P<key_number>[1-9][0-9]*)(?!\w|\.[0-9])"
    r")"
)

#: What any ``_TASK_RE`` match contains: a ``#``, or a key's "X-1" (the last character of
#: the project, a dash, a non-zero digit). Most messages have neither; checking this first
#: spares them the full pattern, which is tried at every position (at git/git's message
#: lengths that was 80 µs a commit, the largest Python cost of a backfill).
_TASK_HINT = re.compile(r"#|[A-Z0-9_]-[1-9]")

#: Uppercase "KEY-123" shapes that are standards, algorithms, encodings or licences, not
#: task keys. Small on purpose: a team whose real project key is listed passes its own.
TASK_KEY_STOPLIST = frozenset(
    {
        "UTF", "UCS", "ISO", "IEC", "IEEE", "RFC", "ECMA", "ANSI", "CVE", "CWE", "PEP",
        "SHA", "SHA1", "SHA2", "SHA3", "MD", "CRC", "AES", "RSA", "HMAC",
        "HTTP", "TLS", "SSL",
        "GPL", "LGPL", "AGPL", "MPL", "BSD",
    }
)  # fmt: skip


@dataclass(frozen=True)
class TaskRef:
    """A reference to a task: ``#123`` or ``ABC-123``, and whether the commit closes it."""

    key: str
    closes: bool


def pr_number(subject: str) -> int | None:
    """The pull request a commit subject names, else None.

    Two forms only: GitHub's merge subject ``Merge pull request #123 from owner/branch``
    and a squash merge's trailing ``(#123)`` (the last one, if several). ``Fixes #12`` or
    a ``#12`` anywhere else is a task reference, not a PR. A ``(#12)`` inside the quotes
    of ``Revert "Fix (#12)"`` is not this commit's PR.
    """
    text = subject.strip()
    match = _MERGE_PR_RE.match(text) or _SQUASH_PR_RE.search(text)
    return int(match.group(1)) if match else None


def reverted_sha(message: str) -> str | None:
    """The commit a revert undoes, from git's line ``This reverts commit <sha>.``, else None.

    The line may start with spaces or ``>`` quoting and end with ``.`` or ``, reversing``
    (a reverted merge); the phrase is matched case-insensitively. Abbreviated ids of 7+
    hex digits are accepted (hand-edited messages use them), so the result is a
    lower-case id or id prefix of 7–64 digits that the resolver maps to a full sha (and
    drops when it is ambiguous or unknown). With several such lines the first wins. A
    ``Revert "…"`` subject without the line gives None: the subject alone names no commit.
    """
    match = _REVERTS_RE.search(message)
    return match.group(1).lower() if match else None


def task_refs(message: str, stoplist: Collection[str] = TASK_KEY_STOPLIST) -> list[TaskRef]:
    """Task keys a commit message references, in order of first appearance, one per key.

    Keys: ``#123`` (not ``&#123;``, not ``owner/repo#123``, not a ``#0``) and
    ``ABC-123`` (project key: an uppercase letter then 1–9 uppercase letters, digits or
    ``_``; not followed by ``.digit``, so ``ABC-1.2`` is a version), except project keys in
    ``stoplist`` (default ``TASK_KEY_STOPLIST``: ``UTF-8``, ``SHA-256``, ``ISO-8601``,
    ``CVE-2024-…``). GitHub's ``GH-123`` is the same as ``#123``.

    ``closes`` is True when the key directly follows a closing keyword — close, closes,
    closed, fix, fixes, fixed, resolve, resolves, resolved; any case; then a space or a
    colon. As on GitHub, each key needs its own keyword: in ``Fixes #1, #2`` only #1 is
    closed. A key seen both ways counts as closed.

    The PR reference of the subject line (first line) is not a task: ``Merge pull request
    #N`` and a trailing squash ``(#N)`` are ignored there. In a ``Revert "…"`` subject,
    keys are referenced but not closed (the quoted commit closed them; this undoes it).
    """
    if _TASK_HINT.search(message) is None:
        return []
    subject, newline, rest = message.partition("\n")
    message = _blank_pr_references(subject) + newline + rest
    # Revert "Fix crash, fixes #12" quotes the reverted commit: it re-opens #12, not closes it.
    quoted_until = len(subject) if subject.startswith('Revert "') else 0
    refs: dict[str, bool] = {}
    for match in _TASK_RE.finditer(message):
        number = match.group("number")
        if number is not None:
            key = "#" + number
        else:
            project = match.group("project")
            if project in stoplist:
                continue
            number = match.group("key_number")
            key = "#" + number if project == "GH" else f"{project}-{number}"
        closes = match.group("keyword") is not None and match.start() >= quoted_until
        refs[key] = refs.get(key, False) or closes
    return [TaskRef(key, closes) for key, closes in refs.items()]


def _blank_pr_references(subject: str) -> str:
    """The subject without its PR references: the merge prefix blanked, squash suffixes cut."""
    match = _MERGE_PR_RE.match(subject)
    if match:
        subject = " " * match.end() + subject[match.end() :]
    while match := _QUOTED_SQUASH_PR_RE.search(subject.rstrip()):
        subject = subject[: match.start()]
    return subject


DEFAULT_BOT_PATTERNS: tuple[str, ...] = ("[bot]", "dependabot", "renovate")


class BotMatcher:
    """Decides whether an identity is an automation account.

    Rule: an identity is a bot when any pattern occurs, case-insensitively, as a
    substring of its name or its email (``dependabot[bot]``,
    ``49699333+dependabot[bot]@users.noreply.github.com``, ``renovate-bot``). Patterns are
    plain text, not globs or regexes; the defaults are ``[bot]``, ``dependabot`` and
    ``renovate``, and configuration may replace them (an empty list marks nobody).
    """

    def __init__(self, patterns: Sequence[str] = DEFAULT_BOT_PATTERNS) -> None:
        if isinstance(patterns, str):
            raise TypeError("patterns must be a sequence of strings, not one string")
        folded = []
        for pattern in patterns:
            if not pattern.strip():
                raise ValueError("an empty bot pattern would mark every author as a bot")
            folded.append(pattern.casefold())
        self.patterns: tuple[str, ...] = tuple(folded)

    def is_bot(self, name: str, email: str) -> bool:
        name, email = name.casefold(), email.casefold()
        return any(pattern in name or pattern in email for pattern in self.patterns)

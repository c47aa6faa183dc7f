"""Subject and message parsing: PR numbers, reverted commits, task keys, bots. Table-driven."""

from __future__ import annotations

import pytest

from devintel_cli.ingest.parse import (
    DEFAULT_BOT_PATTERNS,
    TASK_KEY_STOPLIST,
    BotMatcher,
    TaskRef,
    pr_number,
    reverted_sha,
    task_refs,
)

SHA = "0123456789abcdef0123456789abcdef01234567"
CLOSING_WORDS = (
    "close closes closed fix fixes fixed resolve resolves resolved FIXES Resolved: fixes:"
)
CLOSING_WORDS = CLOSING_WORDS.split()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Merge pull request #123 from psf/fix-timeouts", 123),  # GitHub merge
        ("Merge pull request #7 from a/b", 7),
        ("Add retries to the session (#6431)", 6431),  # GitHub squash suffix
        ("Add retries (#6431)  ", 6431),  # trailing spaces
        ("Backport fix (#12) (#34)", 34),  # the last suffix is the PR that merged it
        ('Revert "Add retries (#6431)" (#6440)', 6440),  # a revert merged as its own PR
        ('Revert "Add retries (#6431)"', None),  # the quoted PR is not this commit's
        ("Fixes #12", None),  # a task reference, not a PR
        ("Add retries (#6431) to the session", None),  # not trailing
        ("Add retries #6431", None),  # no parentheses
        ("Merge branch 'main' into feature", None),
        ("Merge pull request from fork", None),  # no number
        ("merge pull request #5 from a/b", None),  # GitHub's exact wording only
        ("Merge pull request #0 from a/b", None),  # PR numbers start at 1
        ("Merge pull request #12a from a/b", None),
        ("Update (#)", None),
        ("", None),
    ],
)
def test_pr_number(subject: str, expected: int | None) -> None:
    assert pr_number(subject) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f'Revert "Add retries"\n\nThis reverts commit {SHA}.\n', SHA),  # git's template
        (  # a reverted merge: the sha is followed by a comma
            f'Revert "Merge pull request #5"\n\nThis reverts commit {SHA}, reversing\n'
            "changes made to 89abcdef0123456789abcdef0123456789abcdef.",
            SHA,
        ),
        (f"Revert x\n\nThis reverts commit {SHA.upper()}.", SHA),  # lower-cased
        ("Revert x\n\nThis reverts commit 0123abc.", "0123abc"),  # 7 hex: abbreviated, kept
        ("Revert x\n\nThis reverts commit 0123ab.", None),  # 6 hex: too short to resolve
        (f"Revert x\n\n  > this reverts commit {SHA}", SHA),  # indented, quoted, any case
        (f"Undo\n\nThis reverts commit {SHA}.\nThis reverts commit 0123abc.", SHA),  # first
        ('Revert "Add retries"', None),  # the subject alone names no commit
        ('Revert "Add retries"\n\nIt broke the build.', None),
        (f"Fix\n\nAs noted, this reverts commit {SHA}.", None),  # not at a line start
        (f"Fix\n\nThis reverts commit {SHA}{SHA[:25]}.", None),  # 65 hex: longer than any id
        ("Fix\n\nThis reverts commit 0123abcz.", None),  # not followed by hex-only
        ("", None),
    ],
)
def test_reverted_sha(message: str, expected: str | None) -> None:
    assert reverted_sha(message) == expected


def refs(*pairs: tuple[str, bool | int]) -> list[TaskRef]:
    return [TaskRef(key, bool(closes)) for key, closes in pairs]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Add retries, see #12", refs(("#12", False))),
        ("Add retries\n\nFixes #12", refs(("#12", True))),
        ("Add retries\n\nPROJ-42: tidy up", refs(("PROJ-42", False))),
        ("Closes ABC-1", refs(("ABC-1", True))),
        # every closing keyword, any case, with a space or a colon
        *[(f"Work\n\n{word} #3", refs(("#3", True))) for word in CLOSING_WORDS],
        ("resolves:#8", refs(("#8", True))),  # colon, no space
        ("Fixed: ABC-7", refs(("ABC-7", True))),
        ("fixes#5", refs()),  # glued: not a reference at all
        ("prefixes #3", refs(("#3", False))),  # "fixes" inside a word is no keyword
        ("fix the bug in #4", refs(("#4", False))),  # the keyword must be right before
        # GitHub's rule: one keyword per key
        ("Fixes #1, #2 and closes #3", refs(("#1", True), ("#2", False), ("#3", True))),
        # dedupe by key, first position kept, closes wins
        ("See #5\n\nFixes #5\nAlso #5", refs(("#5", True))),
        ("ABC-1 then fixes ABC-1", refs(("ABC-1", True))),
        ("GH-77 and #77", refs(("#77", False))),  # GitHub's GH-N is #N
        # project key: uppercase letter, then 1–9 of [A-Z0-9_]
        ("A1-2 AB_C-3 ABCDEFGHIJ-4", refs(("A1-2", False), ("AB_C-3", False), ("ABCDEFGHIJ-4", 0))),
        ("ABCDEFGHIJK-5 A-6 Abc-7 abc-8 1AB-9", refs()),  # 11 chars, 1 char, case, digit
        ("AB-0 #0 AB-01", refs()),  # numbers start at 1
        ("Bump to ABC-1.2", refs()),  # a version, not a key
        ("ABC-12.", refs(("ABC-12", False))),  # end of a sentence is fine
        ("x-ABC-3 ABC-4x ABC-5-fix", refs(("ABC-5", False))),  # glued on the left/right
        # stop-list: standards, algorithms, encodings, licences
        ("Use UTF-8, UTF-16, UCS-2 and ISO-8859-1", refs()),
        ("SHA-1 SHA-256 SHA3-512 MD-5 CRC-32 AES-256 RSA-2048 HMAC-256", refs()),
        ("ISO-8601, RFC-3339, IEEE-754, ECMA-262, PEP-8, HTTP-2, TLS-1", refs()),
        ("Patch CVE-2024-3651 (CWE-79)", refs()),
        ("Licence GPL-3, LGPL-2, AGPL-3, MPL-2, BSD-3", refs()),
        ("Fixes UTF-8 decoding, closes JIRA-9", refs(("JIRA-9", True))),
        # not references: HTML entities, cross-repository, URL fragments, headings
        ("&#123; owner/repo#4 page#5 ##6", refs()),
        # the subject's PR reference is not a task …
        ("Merge pull request #7 from a/b", refs()),
        ("Add retries (#6431)", refs()),
        ('Revert "Add retries (#6431)" (#6440)', refs()),
        # … but other references on those lines are, and the body is read as usual
        ("Merge pull request #7 from a/ABC-12-fix\n\nFixes #5", refs(("ABC-12", 0), ("#5", 1))),
        ("Fix #3 properly (#9)", refs(("#3", True))),
        ("Add retries\n\nFollow-up to (#6431)", refs(("#6431", False))),  # body: a task ref
        ("Merge pull request #7 from a/b\n\nMerge pull request #8", refs(("#8", False))),
        # a revert quotes the reverted subject: its keys are referenced, not closed …
        ('Revert "Fix crash, fixes #12"', refs(("#12", False))),
        ('Revert "Fixes ABC-3 (#40)" (#41)\n\nThis reverts commit 0123abc.', refs(("ABC-3", 0))),
        # … unless the revert's own body closes something
        ('Revert "Fix crash, fixes #12"\n\nCloses #13', refs(("#12", False), ("#13", True))),
        ("", refs()),
    ],
)
def test_task_refs(message: str, expected: list[TaskRef]) -> None:
    assert task_refs(message) == expected


def test_task_refs_stoplist_is_replaceable() -> None:
    # a team whose real project key is "SHA" passes its own list
    assert task_refs("SHA-12 and UTF-8") == []
    assert task_refs("SHA-12 and UTF-8", stoplist={"UTF"}) == refs(("SHA-12", False))
    assert "UTF" in TASK_KEY_STOPLIST


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", True),
        ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com", True),
        ("Dependabot", "support@github.com", True),  # case-insensitive
        ("Renovate Bot", "bot@renovateapp.com", True),
        ("Some Name", "renovate@whitesourcesoftware.com", True),  # email alone suffices
        ("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com", True),
        ("Ada Lovelace", "ada@example.com", False),
        ("Abbot Smith", "abbot@example.com", False),  # "bot" alone is not a pattern
        ("Robot Framework", "robot@example.com", False),
        ("", "", False),
    ],
)
def test_default_bot_patterns(name: str, email: str, expected: bool) -> None:
    assert BotMatcher().is_bot(name, email) is expected


def test_bot_patterns_are_configurable() -> None:
    assert DEFAULT_BOT_PATTERNS == ("[bot]", "dependabot", "renovate")
    matcher = BotMatcher(["Jenkins", "ci@"])
    assert matcher.is_bot("JENKINS", "x@example.com")
    assert matcher.is_bot("Build", "ci@example.com")
    assert not matcher.is_bot("dependabot[bot]", "dependabot@example.com")  # replaced
    assert not BotMatcher([]).is_bot("dependabot[bot]", "x")  # no patterns: nobody
    # patterns are text, not regexes: "[bot]" is not a character class
    assert not BotMatcher(["[bot]"]).is_bot("b", "o")


@pytest.mark.parametrize("patterns", [[""], ["  "], ["ok", ""]])
def test_empty_bot_pattern_is_refused(patterns: list[str]) -> None:
    with pytest.raises(ValueError, match="empty bot pattern"):
        BotMatcher(patterns)


def test_one_string_is_not_a_pattern_list() -> None:
    with pytest.raises(TypeError):
        BotMatcher("[bot]")


def test_task_refs_without_a_hash_or_key_shape_are_found_fast_and_are_none() -> None:
    # neither "#" nor "X-<digit>": the full pattern is not even tried (the prefilter), and
    # there is nothing to find — lower-case keys, a dash before a letter, a trailing dash
    assert task_refs("Fix abc-123 and Signed-off-by: A <a@x>\n\nsee pay-12") == []
    assert task_refs("Bump to 2.0 -\n") == []
    # the prefilter lets through what the pattern needs: a key, a "#", a stoplisted key
    assert [r.key for r in task_refs("fixes PAY-12, see #7")] == ["PAY-12", "#7"]
    assert task_refs("Use SHA-256") == []

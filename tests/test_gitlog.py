"""stream_commits: real repositories built with pygit2, read back through git log -z.

Every expected value is worked out by hand from the files and signatures written below;
the derivation sits beside it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

import pygit2
import pytest

from devintel_cli.errors import GitError
from devintel_cli.ingest import gitlog
from devintel_cli.ingest.gitlog import git_executable, git_version, stream_commits
from devintel_cli.ingest.records import CommitRecord, FileChange

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
REAL_GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(REAL_GIT is None, reason="needs git on PATH")


# --- building repositories -------------------------------------------------------------


def signature(name: str, email: str, when: int, offset_minutes: int, encoding: str | None = None):
    if encoding is None:
        return pygit2.Signature(name, email, when, offset_minutes)
    return pygit2.Signature(name, email, when, offset_minutes, encoding)


def write_tree(repo: pygit2.Repository, files: Mapping[str, bytes]) -> pygit2.Oid:
    """A tree holding exactly ``files`` ("dir/name" paths make subtrees)."""
    root: dict = {}
    for path, data in files.items():
        *dirs, name = path.split("/")
        node = root
        for part in dirs:
            node = node.setdefault(part, {})
        node[name] = data

    def build(node: dict) -> pygit2.Oid:
        builder = repo.TreeBuilder()
        for name, value in node.items():
            if isinstance(value, dict):
                builder.insert(name, build(value), pygit2.GIT_FILEMODE_TREE)
            else:
                builder.insert(name, repo.create_blob(value), pygit2.GIT_FILEMODE_BLOB)
        return builder.write()

    return build(root)


def make_commit(
    repo: pygit2.Repository,
    files: Mapping[str, bytes],
    message: str,
    author: pygit2.Signature,
    committer: pygit2.Signature | None = None,
    parents: tuple[str, ...] = (),
) -> str:
    tree = write_tree(repo, files)
    oid = repo.create_commit(None, author, committer or author, message, tree, list(parents))
    return str(oid)


def set_ref(repo: pygit2.Repository, name: str, sha: str) -> None:
    repo.references.create(name, pygit2.Oid(hex=sha), force=True)


def numstat_lines(n: int, prefix: str = "line") -> bytes:
    return "".join(f"{prefix} {i}\n" for i in range(1, n + 1)).encode()


ADA = ("Ada Lovelace", "ada@example.com")
GRACE = ("Grace Hopper", "grace@example.com")

HOSTILE_SUBJECT = "Tabs\tand ünïcødé 🚀 \"double\" 'single' `back`"
HOSTILE_BODY = (
    "c" * 40 + "\n"  # a line that is a commit id
    "3\t4\tfake/path.txt\n"  # a line that is a numstat row
    "-\t-\tfake.bin\n"  # a binary numstat row
    "\t\t\n"  # the start of a rename row
    "%H %x00 %aN\n"  # format placeholders are data, not expanded
    "Merge pull request #1 from nowhere"
)
HOSTILE_MESSAGE = HOSTILE_SUBJECT + "\n\n" + HOSTILE_BODY + "\n\n\n"

WEIRD_PATH = 'we"ird\tname\nnew line.txt'  # quote, tab, newline, space

README_1 = b"one\ntwo\nthree\n"
README_2 = b"one\nTWO\nthree\nfour\n"
NOTES = numstat_lines(10, "note")
NOTES_RENAMED = NOTES.replace(b"note 10\n", b"note ten\n")
LOGO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # NUL bytes: git treats it as binary


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No user or system git configuration leaks into these tests; $HOME is a tmp dir."""
    home = tmp_path_factory.mktemp("home")
    empty = home / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)


class History:
    """main: C1 ← C2 ← C3 ← C5 ← C6 (merge of C5 and C4); side: C3 ← C4."""

    def __init__(self, path: Path) -> None:
        self.path = path
        repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        self.repo = repo
        c1_files = {"README.md": README_1, "notes.txt": NOTES, "logo.png": LOGO}
        self.c1 = make_commit(
            repo,
            c1_files,
            "Add readme, notes and logo\n\nThe first commit.\n",
            signature(*ADA, T0, 330),
        )
        c2_files = {**c1_files, "README.md": README_2}
        self.c2 = make_commit(
            repo,
            c2_files,
            HOSTILE_MESSAGE,
            signature(*GRACE, T0 + 3600, -420),
            signature("GitHub", "noreply@github.com", T0 + 3700, 0),
            (self.c1,),
        )
        c3_files = {
            "README.md": README_2,
            "logo.png": LOGO,
            "docs/notes.txt": NOTES_RENAMED,
            WEIRD_PATH: b"a\nb\n",
        }
        self.c3 = make_commit(
            repo, c3_files, "Move notes into docs/\n", signature(*ADA, T0 + 7200, 330), None,
            (self.c2,),
        )  # fmt: skip
        # An undeclared Latin-1 name: the header holds the raw byte 0xE9.
        jose = signature("José", "jose@example.com", T0 + 10800, 60, "iso-8859-1")
        c4_files = {**c3_files, "feature.py": numstat_lines(4)}
        self.c4 = make_commit(repo, c4_files, "Add feature\n", jose, None, (self.c3,))
        self.c5 = make_commit(
            repo, c3_files, "Empty commit to trigger CI\n", signature(*ADA, T0 + 14400, 330),
            None, (self.c3,),
        )  # fmt: skip
        self.c6 = make_commit(
            repo,
            c4_files,
            "Merge pull request #7 from jose/feature\n\nAdd feature\n",
            signature(*ADA, T0 + 18000, 330),
            None,
            (self.c5, self.c4),
        )
        set_ref(repo, "refs/heads/main", self.c6)
        set_ref(repo, "refs/heads/side", self.c4)


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "history.git")


def expected_records(h: History) -> list[CommitRecord]:
    """git log order: newest committer time first (C6 18000 … C2 3700, C1 0)."""
    ada = {"author_name": "Ada Lovelace", "author_email": "ada@example.com"}
    ada_c = {"committer_name": "Ada Lovelace", "committer_email": "ada@example.com"}

    def at(seconds: int, offset: int, who: str = "author") -> dict:
        return {f"{who}_time": T0 + seconds, f"{who}_offset_minutes": offset}

    return [
        CommitRecord(
            sha=h.c6, parents=(h.c5, h.c4), **ada, **at(18000, 330), **ada_c,
            **at(18000, 330, "committer"),
            subject="Merge pull request #7 from jose/feature", body="Add feature",
            files=(),  # git log shows no numstat for merges
        ),
        CommitRecord(
            sha=h.c5, parents=(h.c3,), **ada, **at(14400, 330), **ada_c,
            **at(14400, 330, "committer"),
            subject="Empty commit to trigger CI", body="",
            files=(),  # same tree as C3
        ),
        CommitRecord(
            sha=h.c4, parents=(h.c3,),
            # 0xE9 is not UTF-8: backslashreplace keeps it visible and distinct
            author_name="Jos\\xe9", author_email="jose@example.com", **at(10800, 60),
            committer_name="Jos\\xe9", committer_email="jose@example.com",
            **at(10800, 60, "committer"),
            subject="Add feature", body="",
            files=(FileChange("feature.py", None, 4, 0, False),),  # 4 new lines
        ),
        CommitRecord(
            sha=h.c3, parents=(h.c2,), **ada, **at(7200, 330), **ada_c,
            **at(7200, 330, "committer"),
            subject="Move notes into docs/", body="",
            files=(
                # 9 of 10 lines kept: git pairs the rename; "note 10" → "note ten" is 1/1
                FileChange("docs/notes.txt", "notes.txt", 1, 1, False),
                # new file "a\nb\n": 2 lines; -z prints the path raw, unquoted
                FileChange(WEIRD_PATH, None, 2, 0, False),
            ),
        ),
        CommitRecord(
            sha=h.c2, parents=(h.c1,),
            author_name="Grace Hopper", author_email="grace@example.com",
            **at(3600, -420),  # -0700 → -7×60
            committer_name="GitHub", committer_email="noreply@github.com",
            **at(3700, 0, "committer"),
            subject=HOSTILE_SUBJECT, body=HOSTILE_BODY,  # trailing blank lines dropped
            # one two three → one TWO three four: -two, +TWO +four
            files=(FileChange("README.md", None, 2, 1, False),),
        ),
        CommitRecord(
            sha=h.c1, parents=(), **ada, **at(0, 330), **ada_c, **at(0, 330, "committer"),
            subject="Add readme, notes and logo", body="The first commit.",
            files=(
                FileChange("README.md", None, 3, 0, False),  # 3 lines
                FileChange("logo.png", None, 0, 0, True),  # "-\t-": binary, 0/0
                FileChange("notes.txt", None, 10, 0, False),  # 10 lines
            ),  # the root commit's diff against the empty tree, in path order
        ),
    ]  # fmt: skip


# --- the stream ---------------------------------------------------------------------


def test_stream_reads_every_commit_exactly(history: History) -> None:
    records = list(stream_commits(history.path, ["main"]))
    assert records == expected_records(history)


def test_commit_properties(history: History) -> None:
    by_sha = {record.sha: record for record in stream_commits(history.path, ["main"])}
    merge, root, rename = by_sha[history.c6], by_sha[history.c1], by_sha[history.c3]
    assert (merge.is_merge, root.is_merge, rename.is_merge) == (True, False, False)
    assert (merge.additions, merge.deletions) == (0, 0)
    assert (root.additions, root.deletions) == (13, 0)  # 3 + 0 (binary) + 10
    assert (rename.additions, rename.deletions) == (3, 1)  # 1 + 2, 1 + 0


def test_totals_equal_git_numstat(history: History) -> None:
    """Σ over the records equals `git log --numstat` summed like awk would."""
    records = list(stream_commits(history.path, ["main"]))
    # by hand: C1 13/0, C2 2/1, C3 3/1, C4 4/0, C5 and C6 nothing → 22/2
    assert sum(r.additions for r in records) == 22
    assert sum(r.deletions for r in records) == 2
    output = subprocess.run(
        [REAL_GIT, "-C", str(history.path), "log", "--numstat", "--format=", "main"],
        capture_output=True,
        check=True,
    ).stdout
    added = deleted = rows = 0
    for line in output.splitlines():
        fields = line.split(b"\t")
        if len(fields) == 3:  # the awk rule: $1 != "-" { a += $1; d += $2 }
            rows += 1
            if fields[0] != b"-":
                added += int(fields[0])
                deleted += int(fields[1])
    assert (added, deleted) == (22, 2)
    assert rows == sum(len(r.files) for r in records) == 7


def test_revisions_are_shas_or_ref_names(history: History) -> None:
    by_sha = list(stream_commits(history.path, [history.c6]))
    assert by_sha == list(stream_commits(history.path, ["main"]))
    # both tips: the union, each commit once
    both = [r.sha for r in stream_commits(history.path, ["side", "refs/heads/main"])]
    assert both == [history.c6, history.c5, history.c4, history.c3, history.c2, history.c1]


def test_incremental_excludes_what_was_already_ingested(history: History) -> None:
    # C3 was the old tip: new are C6, C5 and C4 (reached through the merge's 2nd parent)
    shas = [r.sha for r in stream_commits(history.path, ["main"], exclude=[history.c3])]
    assert shas == [history.c6, history.c5, history.c4]
    # excluding side (C4 and all before it) leaves the merge and the empty commit
    shas = [r.sha for r in stream_commits(history.path, [history.c6], exclude=["side"])]
    assert shas == [history.c6, history.c5]
    # a no-op incremental run: nothing new, and no error
    assert list(stream_commits(history.path, ["main"], exclude=["main"])) == []


def test_empty_include_runs_nothing(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # if git were run, git_executable() would raise
    assert list(stream_commits(history.path, [])) == []
    assert list(stream_commits(history.path, [], exclude=["main"])) == []


def test_tiny_chunks_give_the_same_records(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fields split across pipe reads at every possible byte are reassembled."""
    monkeypatch.setattr(gitlog, "_CHUNK_BYTES", 1)
    assert list(stream_commits(history.path, ["main"])) == expected_records(history)


def test_user_configuration_does_not_change_the_output(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = tmp_path / "hostile.gitconfig"
    hostile.write_text(
        "[log]\n showSignature = true\n showRoot = false\n decorate = full\n abbrevCommit = true\n"
        "[diff]\n renames = false\n algorithm = patience\n relative = true\n noprefix = true\n"
        "[color]\n ui = always\n"
        "[core]\n quotepath = true\n"
        "[i18n]\n logOutputEncoding = ISO-8859-1\n"
        "[format]\n pretty = oneline\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'diff.renames'='false'")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))
    assert list(stream_commits(history.path, ["main"])) == expected_records(history)


def test_mailmap_applies_to_names_and_emails(tmp_path: Path) -> None:
    """A bare repository reads HEAD:.mailmap; %aN/%aE/%cN/%cE are after the mapping."""
    repo = pygit2.init_repository(str(tmp_path / "mailmap.git"), bare=True, initial_head="main")
    mailmap = b"Ada Lovelace <ada@example.com> <ada@old.example>\n"
    old = signature("ada", "ada@old.example", T0, 0)
    sha = make_commit(repo, {".mailmap": mailmap}, "Add mailmap\n", old)
    set_ref(repo, "refs/heads/main", sha)
    (record,) = stream_commits(tmp_path / "mailmap.git", ["main"])
    assert (record.author_name, record.author_email) == ADA
    assert (record.committer_name, record.committer_email) == ADA


def test_declared_encoding_is_reencoded_to_utf8(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "latin1.git"), bare=True, initial_head="main")
    jose = signature("José", "jose@example.com", T0, 0, "iso-8859-1")
    tree = write_tree(repo, {})
    # the header says ISO-8859-1, so git converts name and message to UTF-8 for us
    oid = repo.create_commit(None, jose, jose, "Café\n\nCrème brûlée", tree, [], "ISO-8859-1")
    set_ref(repo, "refs/heads/main", str(oid))
    (record,) = stream_commits(tmp_path / "latin1.git", ["main"])
    assert (record.author_name, record.subject, record.body) == ("José", "Café", "Crème brûlée")


NAMES = (b"caf\xe8.txt", b"caf\xe9.txt")


def test_non_utf8_path_is_kept_distinct(tmp_path: Path) -> None:
    """Path bytes that are not UTF-8 come out backslash-escaped, one row per file."""
    path = tmp_path / "bytes.git"
    pygit2.init_repository(str(path), bare=True, initial_head="main")

    def git(*args: str, data: bytes = b"") -> bytes:
        done = subprocess.run(
            [REAL_GIT, "-C", str(path), *args], input=data, capture_output=True, check=True
        )
        return done.stdout.strip()

    blob = git("hash-object", "-w", "--stdin", data=b"x\n")
    # two Latin-1 names that "replace" would both turn into "caf\ufffd.txt"
    entries = b"".join(b"100644 blob " + blob + b"\t" + name + b"\0" for name in NAMES)
    tree = git("mktree", "-z", data=entries)
    ident = ("-c", "user.name=T", "-c", "user.email=t@example.com")
    sha = git(*ident, "commit-tree", tree.decode(), "-m", "Latin-1 paths").decode()
    (record,) = stream_commits(path, [sha])
    # 0xE8 and 0xE9 are not valid UTF-8 on their own → \xe8, \xe9; 1 line each
    assert record.files == (
        FileChange("caf\\xe8.txt", None, 1, 0, False),
        FileChange("caf\\xe9.txt", None, 1, 0, False),
    )


def test_subject_is_gits_first_paragraph(tmp_path: Path) -> None:
    """%s joins the lines of the first paragraph; %b is what follows the blank line."""
    repo = pygit2.init_repository(str(tmp_path / "para.git"), bare=True, initial_head="main")
    sha = make_commit(
        repo, {}, "Fix the parser\nfor long lines\n\nDetails.\nMore.\n", signature(*ADA, T0, 0)
    )
    set_ref(repo, "refs/heads/main", sha)
    (record,) = stream_commits(tmp_path / "para.git", ["main"])
    assert (record.subject, record.body) == ("Fix the parser for long lines", "Details.\nMore.")


def test_unparsable_identity_becomes_empty(tmp_path: Path) -> None:
    """An author line without <email> (seen in old histories): git prints its placeholder
    literally and no date; we record empty strings and time 0 rather than failing."""
    path = tmp_path / "broken.git"
    pygit2.init_repository(str(path), bare=True, initial_head="main")
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    raw = (
        f"tree {empty_tree}\nauthor Nobody {T0} +0000\n"
        f"committer Ci <ci@example.com> {T0} -0130\n\nBroken author\n"
    )
    hash_object = ["hash-object", "-t", "commit", "-w", "--stdin", "--literally"]
    written = subprocess.run(
        [REAL_GIT, "-C", str(path), *hash_object],
        input=raw.encode(),
        capture_output=True,
        check=True,
    )
    sha = written.stdout.decode().strip()
    (record,) = stream_commits(path, [sha])
    assert (record.author_name, record.author_email, record.author_time) == ("", "", 0)
    # -0130 → -(1×60 + 30)
    assert (record.committer_name, record.committer_time, record.committer_offset_minutes) == (
        "Ci",
        T0,
        -90,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"1700000000 +0530", (1700000000, 330)),  # 5×60 + 30
        (b"1700000000 -0700", (1700000000, -420)),  # -(7×60)
        (b"1700000000 +0000", (1700000000, 0)),
        (b"1700000000 -0045", (1700000000, -45)),
        (b"1700000000 +1345", (1700000000, 825)),  # Chatham: 13×60 + 45
        (b"1700000000 +5300", (1700000000, 3180)),  # as git prints a bogus "+05300": 53×60
        (b"-5 +0100", (-5, 60)),  # before 1970
        (b"", (0, 0)),  # git prints nothing for an unparsable date
    ],
)
def test_parse_date(raw: bytes, expected: tuple[int, int]) -> None:
    assert gitlog._parse_date(raw) == expected


# --- failures are errors, never a smaller history -------------------------------------


def test_bad_revision_is_a_git_error(history: History) -> None:
    with pytest.raises(GitError, match="bad revision 'no-such-branch'") as caught:
        list(stream_commits(history.path, ["main", "no-such-branch"]))
    assert caught.value.exit_code == 3
    assert caught.value.hint


def test_missing_object_is_a_git_error(history: History) -> None:
    with pytest.raises(GitError, match="exit status 128"):
        list(stream_commits(history.path, ["0123456789abcdef0123456789abcdef01234567"]))


def test_not_a_repository_is_a_git_error(history: History, tmp_path: Path) -> None:
    # a plain directory inside a repository must not silently read the enclosing one
    inside = history.path / "not-a-repo"
    inside.mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        list(stream_commits(inside, ["main"]))
    with pytest.raises(GitError, match="exit status 128"):
        list(stream_commits(tmp_path / "missing", ["main"]))


@pytest.mark.parametrize("revision", ["--all", "^main", "", "main\nHEAD", "a\0b"])
def test_revisions_that_would_inject_options_are_refused(history: History, revision: str) -> None:
    with pytest.raises(ValueError, match="not a revision"):
        list(stream_commits(history.path, [revision]))
    with pytest.raises(ValueError, match="not a revision"):
        list(stream_commits(history.path, ["main"], exclude=[revision]))


def test_missing_git_executable(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GitError, match="git executable not found") as caught:
        git_executable()
    assert "PATH" in (caught.value.hint or "")
    with pytest.raises(GitError, match="git executable not found"):
        list(stream_commits(history.path, ["main"]))


def test_git_version() -> None:
    version = git_version()
    assert version[0].isdigit() and "." in version


def test_stopping_early_ends_git_quietly(history: History) -> None:
    stream = stream_commits(history.path, ["main"])
    first = next(stream)
    assert first.sha == history.c6
    stream.close()  # kills and reaps git; raises nothing
    # and the thread that read git's output ahead of the parser is gone too
    assert not [t for t in threading.enumerate() if t.name == "devintel-git-reader"]


def test_the_read_ahead_thread_ends_with_the_stream(history: History) -> None:
    shas = [c.sha for c in stream_commits(history.path, ["main"])]  # read to the end
    assert shas[0] == history.c6
    assert not [t for t in threading.enumerate() if t.name == "devintel-git-reader"]


FAKE_GIT = """#!/bin/sh
# Stands in for git: --version passes through; otherwise replays FAKE_OUTPUT, or runs
# the real git log and forwards only its first CUT_BYTES bytes; then exits or is killed.
case " $* " in *" --version "*) exec "$REAL_GIT" "$@";; esac
if [ -n "$FAKE_OUTPUT" ]; then
    cat "$FAKE_OUTPUT"
else
    "$REAL_GIT" "$@" > "$FAKE_DIR/full" || exit $?
    head -c "$CUT_BYTES" "$FAKE_DIR/full"
fi
if [ "$FAKE_END" = kill ]; then kill -9 $$; fi
exit 0
"""


@pytest.fixture
def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a git wrapper first on PATH; returns its working directory."""
    if os.name != "posix":
        pytest.skip("the wrapper is a POSIX shell script")
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    script = bin_dir / "git"
    script.write_text(FAKE_GIT)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("REAL_GIT", REAL_GIT or "git")
    monkeypatch.setenv("FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("CUT_BYTES", "100000000")
    monkeypatch.setenv("FAKE_END", "exit")
    assert git_executable() == str(script)
    return tmp_path


def collect(path: Path) -> tuple[list[CommitRecord], GitError | None]:
    records: list[CommitRecord] = []
    try:
        for record in stream_commits(path, ["main"]):
            records.append(record)
    except GitError as error:
        return records, error
    return records, None


def test_wrapper_passes_everything_through(history: History, fake_git: Path) -> None:
    assert collect(history.path) == (expected_records(history), None)


def test_killed_git_is_an_error_even_after_complete_output(
    history: History, fake_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_END", "kill")
    records, error = collect(history.path)
    assert error is not None and "killed by signal 9" in error.message
    # all of git's output arrived, but the last commit is never completed without exit 0
    assert records == expected_records(history)[:-1]


def test_killed_git_mid_stream(history: History, fake_git: Path, monkeypatch: pytest.MonkeyPatch):
    list(stream_commits(history.path, ["main"]))
    full = (fake_git / "full").read_bytes()
    monkeypatch.setenv("FAKE_END", "kill")
    for cut in range(0, len(full), 97):
        monkeypatch.setenv("CUT_BYTES", str(cut))
        records, error = collect(history.path)
        assert error is not None and "killed" in error.message, cut
        # whatever was yielded before the error is complete and correct
        assert records == expected_records(history)[: len(records)], cut


def test_truncated_output_with_exit_0_is_an_error(
    history: History, fake_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    list(stream_commits(history.path, ["main"]))
    full = (fake_git / "full").read_bytes()
    cuts = {
        "inside the first commit id": 20,
        "inside a header field": full.index(b"Ada Lovelace") + 3,
        "after a header field": full.index(b"ada@example.com") + len(b"ada@example.com") + 1,
        "inside a numstat path": full.index(b"feature.py") + 4,
        "inside a rename, before the new path": full.index(b"notes.txt\0") + len(b"notes.txt\0"),
        "inside a numstat row": full.index(b"\x0010\t0\tnotes.txt") + 3,
        "inside the very last field": full.rindex(b"10\t0\tnotes.txt") + 8,
    }
    for where, cut in cuts.items():
        monkeypatch.setenv("CUT_BYTES", str(cut))
        _, error = collect(history.path)
        assert error is not None, where
        assert "unexpected git log output" in error.message, where


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (b"hello\0world\0", "expected a commit id"),
        (b"warning: something\n", "ended in the middle of a field"),
        (b"a" * 40 + b"\0" + b"\0" * 3, "ended inside a commit header"),
        (b"a" * 40 + b"\0" + b"b" * 39 + b"\0" + b"\0" * 8, "expected parent ids"),
        (b"a" * 40 + b"\0" * 4 + b"17 +0000\0" + b"\0" * 5 + b"\n1\tx\tf\0", "bad numstat row"),
        (b"a" * 40 + b"\0" * 4 + b"17 0000\0" + b"\0" * 5, "bad date"),
    ],
)
def test_garbled_output_is_an_error(
    history: History, fake_git: Path, monkeypatch: pytest.MonkeyPatch, output: bytes, message: str
) -> None:
    replay = fake_git / "replay"
    replay.write_bytes(output)
    monkeypatch.setenv("FAKE_OUTPUT", str(replay))
    with pytest.raises(GitError, match=message):
        list(stream_commits(history.path, ["main"]))


def test_diff_separator_without_rows_is_tolerated(
    history: History, fake_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git prints "\\n" before the numstat rows when a commit's diff is not empty; were no
    row to follow (rows git filters out), the "\\n" would prefix the next commit id or end
    the stream. Both parse as a commit with no files."""
    header = b"\0" * 2 + b"A\0a@x\0" + b"17 +0000\0" + b"C\0c@x\0" + b"18 -0100\0" + b"S\0\0"
    output = b"a" * 40 + header + b"\n" + b"b" * 40 + header + b"\n"
    replay = fake_git / "replay"
    replay.write_bytes(output)
    monkeypatch.setenv("FAKE_OUTPUT", str(replay))
    records = list(stream_commits(history.path, ["main"]))
    assert [(r.sha, r.files, r.committer_offset_minutes) for r in records] == [
        ("a" * 40, (), -60),
        ("b" * 40, (), -60),
    ]

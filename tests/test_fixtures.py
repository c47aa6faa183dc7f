"""The fixture builder (fixtures/builder.py): deterministic shas, and every hand-computed
fact checked against the real ``git`` CLI (user and system config ignored)."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devintel_cli.fixtures.builder import (
    ALICE,
    BOB,
    CAROL,
    CAROL_PERSONAL,
    DAN,
    DEPENDABOT,
    GITHUB,
    SPEC_NAMES,
    BuiltRepo,
    Person,
    RepoWriter,
    build_demo_set,
    build_repo,
)

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
RELEASE = re.compile(r"^v?\d+(\.\d+){1,3}$")  # §4's default deploy-tag pattern
BOT = re.compile(r"\[bot\]|dependabot|renovate", re.IGNORECASE)  # §3's default bot patterns


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def lines(repo: Path, *args: str) -> list[str]:
    return git(repo, *args).splitlines()


def z(unix: str) -> str:
    return datetime.fromtimestamp(int(unix), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numstat(repo: Path, *revs: str) -> dict[str, list[tuple[str, str, str]]]:
    """sha -> its numstat rows (added, deleted, path) as ``git log --numstat`` prints them."""
    rows: dict[str, list[tuple[str, str, str]]] = {}
    current = ""
    for line in lines(repo, "log", *revs, "--numstat", "--format=commit %H"):
        if line.startswith("commit "):
            current = line.split()[1]
            rows[current] = []
        elif line:
            added, deleted, path = line.split("\t", 2)
            rows[current].append((added, deleted, path))
    return rows


def refs(repo: Path) -> dict[str, str]:
    pairs = (
        line.split() for line in lines(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    )
    return dict(pairs) | {"HEAD": git(repo, "symbolic-ref", "HEAD").strip()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, BuiltRepo]:
    root = tmp_path_factory.mktemp("fixtures")
    return {spec: build_repo(root / spec, spec) for spec in SPEC_NAMES}


@pytest.fixture(scope="module")
def payments(built) -> Path:
    return built["payments"].path


# -- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPEC_NAMES)
def test_same_shas_every_build(spec, built, tmp_path):
    again = build_repo(tmp_path / "again", spec)
    assert refs(again.path) == refs(built[spec].path)
    assert len(refs(again.path)) > 3
    assert again.facts == built[spec].facts


def test_shipped_shas_are_pinned(payments):
    # Changing any identity, time, content or message in the payments spec changes these;
    # update them deliberately (and the README) when the fixture is meant to change.
    assert git(payments, "rev-parse", "refs/heads/main").strip() == PINNED_MAIN
    assert git(payments, "rev-parse", "v1.0.0^{commit}").strip() == PINNED_V100


PINNED_MAIN = "7e9bb13844086b55b0ffe54d1e0f02c9c6bee36c"
PINNED_V100 = "ef12dae65ed23edeb0dfeb1346bec4d3a7655058"


# -- every fact against git ------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPEC_NAMES)
def test_facts_agree_with_git(spec, built):
    repo, facts = built[spec].path, built[spec].facts
    counted = ("--branches", "--tags")

    assert int(git(repo, "rev-list", *counted, "--count")) == facts.commits
    assert int(git(repo, "rev-list", *counted, "--merges", "--count")) == facts.merges
    assert int(git(repo, "rev-list", "--all", "--count")) == facts.commits_all_refs

    stats = numstat(repo, *counted)
    assert len(stats) == facts.commits
    rows = [row for shas in stats.values() for row in shas]
    # binary files are "-\t-": they count 0/0
    assert sum(int(a) for a, _, _ in rows if a != "-") == facts.additions
    assert sum(int(d) for _, d, _ in rows if d != "-") == facts.deletions
    merges = set(lines(repo, "rev-list", *counted, "--merges"))
    assert all(stats[sha] == [] for sha in merges), "merges carry no lines of their own"

    tags = lines(repo, "tag")
    assert len(tags) == facts.tags
    assert sum(bool(RELEASE.match(tag)) for tag in tags) == facts.release_tags

    authors = lines(repo, "log", *counted, "--use-mailmap", "--format=%aN <%aE>")
    assert tuple(sorted(set(authors))) == facts.author_identities
    assert len(set(authors)) == facts.authors
    assert sum(bool(BOT.search(author)) for author in authors) == facts.bot_commits

    # first/last: author and committer time agree on the extremes by construction
    for placeholder in ("%at", "%ct"):
        times = sorted(int(t) for t in lines(repo, "log", *counted, f"--format={placeholder}"))
        assert z(str(times[0])) == facts.first_commit_at
        assert z(str(times[-1])) == facts.last_commit_at

    assert git(repo, "symbolic-ref", "HEAD").strip() == f"refs/heads/{facts.default_branch}"
    assert tuple(lines(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads")) == (
        facts.branches
    )
    # deploy time: tagger time of an annotated tag, else the commit's committer time
    # (exactly what for-each-ref's creatordate is)
    releases = [
        line.split()
        for line in lines(
            repo,
            "for-each-ref",
            "--format=%(refname:short) %(creatordate:unix)",
            "--sort=creatordate",
            "refs/tags",
        )
    ]
    assert tuple((tag, z(at)) for tag, at in releases if RELEASE.match(tag)) == facts.releases


@pytest.mark.parametrize("spec", SPEC_NAMES)
def test_repository_is_sound_and_clonable(spec, built, tmp_path):
    repo, facts = built[spec].path, built[spec].facts
    git(repo, "fsck", "--strict", "--no-dangling")
    assert git(repo, "status", "--porcelain") == "", "the working tree is HEAD's, checked out"
    clone = tmp_path / "mirror.git"
    git(tmp_path, "clone", "--quiet", "--bare", repo.as_uri(), str(clone))
    assert int(git(clone, "rev-list", "--branches", "--tags", "--count")) == facts.commits


# -- the shapes the payments spec promises -----------------------------------------------------


def test_payments_identities(payments):
    raw = set(
        lines(payments, "log", "--branches", "--tags", "--no-use-mailmap", "--format=%an <%ae>")
    )
    assert raw == {str(p) for p in (ALICE, BOB, CAROL, CAROL_PERSONAL, DAN, DEPENDABOT)}
    assert str(DEPENDABOT) == "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"
    mailmap = git(payments, "show", "main:.mailmap")
    assert f"{CAROL} <{CAROL_PERSONAL.email}>" in mailmap
    committers = set(lines(payments, "log", "--branches", "--tags", "--format=%cn <%ce>"))
    assert str(GITHUB) in committers


def test_payments_pr_shapes(payments):
    subjects = lines(payments, "log", "--first-parent", "main", "--format=%s")
    merged = [s for s in subjects if re.match(r"^Merge pull request #\d+ from acme/\S+$", s)]
    squashed = [s for s in subjects if re.search(r" \(#\d+\)$", s)]
    trunk = [s for s in subjects if s not in merged and s not in squashed]
    assert len(merged) == 6
    assert len(squashed) == 12
    assert trunk == [
        'Revert "Cache exchange rates (#25)"',
        "Remove legacy settings",
        "Initial commit",
    ]
    messages = git(payments, "log", "--branches", "--tags", "--format=%B")
    for key in ("PAY-12", "Fixes #34", "closes PAY-7", "Fixes #31"):
        assert key in messages


def test_payments_tags(payments):
    def kind(ref: str) -> str:
        return git(payments, "cat-file", "-t", ref).strip()

    assert kind("refs/tags/v1.0.0") == "tag"
    assert kind("refs/tags/v1.1.1") == "commit"  # lightweight
    assert kind("refs/tags/stable") == "tag" and kind("refs/tags/stable^{}") == "commit"
    assert kind(git(payments, "rev-parse", "refs/tags/stable^{tag}").strip()) == "tag"
    assert git(payments, "cat-file", "-p", "refs/tags/stable").startswith(
        f"object {git(payments, 'rev-parse', 'refs/tags/v1.2.1').strip()}\ntype tag\n"
    )
    assert "type blob" in git(payments, "cat-file", "-p", "refs/tags/gpg-pub")
    tagged = int(git(payments, "for-each-ref", "--format=%(taggerdate:unix)", "refs/tags/v1.0.0"))
    committed = int(git(payments, "log", "-1", "--format=%ct", "v1.0.0"))
    assert tagged - committed == 6_900  # 1 h 55 min later
    for name in ("v1.2.0-rc1", "v1.3.0rc2", "1.2.x", "stable", "gpg-pub"):
        assert name in lines(payments, "tag")
        assert not RELEASE.match(name)


def _deployed(repo: Path, tag: str) -> datetime:
    unix = git(repo, "for-each-ref", "--format=%(creatordate:unix)", f"refs/tags/{tag}")
    return datetime.fromtimestamp(int(unix), UTC)


def test_payments_revert_and_hotfix(payments):
    reverted = git(payments, "rev-parse", "v1.2.0^{commit}").strip()
    revert = git(payments, "rev-parse", "v1.2.1^{commit}").strip()
    subject, _, body = git(payments, "log", "-1", "--format=%B", revert).partition("\n")
    assert subject == 'Revert "Cache exchange rates (#25)"'
    assert f"This reverts commit {reverted}." in body
    gap = _deployed(payments, "v1.2.1") - _deployed(payments, "v1.2.0")
    assert timedelta(days=1) < gap <= timedelta(days=7)
    hotfix_gap = _deployed(payments, "v1.1.1") - _deployed(payments, "v1.1.0")
    assert timedelta(0) < hotfix_gap < timedelta(hours=24)


def test_payments_files(payments):
    rows = [row for shas in numstat(payments, "--branches", "--tags").values() for row in shas]
    assert ("-", "-", "docs/logo.png") in rows
    assert ("0", "0", "src/payments/{util.py => money.py}") in rows
    assert ("1", "1", "tests/{test_api.py => test_charges.py}") in rows
    assert ("0", "2", "legacy/settings.ini") in rows
    assert ("2", "2", "poetry.lock") in rows
    tree = lines(payments, "ls-tree", "-r", "--name-only", "main")
    assert "legacy/settings.ini" not in tree and "poetry.lock" in tree


def test_payments_times(payments):
    stamps = [
        datetime.fromisoformat(stamp)
        for stamp in lines(payments, "log", "--branches", "--tags", "--format=%aI")
    ]
    assert any(s.weekday() >= 5 for s in stamps), "a weekend commit (local time)"
    assert any(s.hour >= 22 or s.hour < 5 for s in stamps), "a night commit (local time)"
    offsets = {s.utcoffset() for s in stamps}
    assert any(o < timedelta(0) for o in offsets) and any(o > timedelta(0) for o in offsets)
    assert timedelta(0) in offsets
    assert any(s.date() != s.astimezone(UTC).date() for s in stamps), "a UTC-day bucket edge"


def test_payments_refs(payments):
    assert int(git(payments, "rev-list", "main..feature/refund-webhooks", "--count")) == 2
    only_pr = git(payments, "rev-list", "refs/pull/7/head", "--not", "--branches", "--tags")
    assert len(only_pr.split()) == 1
    pull_refs = lines(payments, "for-each-ref", "--format=%(refname)", "refs/pull")
    assert len(pull_refs) == 19


# -- time shifts ------------------------------------------------------------------------------


def test_start_shifts_whole_weeks(tmp_path):
    start = datetime(2025, 6, 1, tzinfo=UTC)
    moved = build_repo(tmp_path / "moved", "web", start=start)
    first = datetime.fromisoformat(moved.facts.first_commit_at)
    assert start <= first < start + timedelta(days=7)
    times = sorted(int(t) for t in lines(moved.path, "log", "--branches", "--tags", "--format=%at"))
    assert z(str(times[0])) == moved.facts.first_commit_at
    assert z(str(times[-1])) == moved.facts.last_commit_at
    fixed = build_repo(tmp_path / "fixed", "web")
    assert first.weekday() == datetime.fromisoformat(fixed.facts.first_commit_at).weekday()


def test_demo_set_ends_by_end(tmp_path):
    end = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)
    repos = build_demo_set(tmp_path / "demo", end=end)
    assert [r.name for r in repos] == ["payments-api", "web-shop", "mobile-app"]
    latest = max(datetime.fromisoformat(r.facts.last_commit_at) for r in repos)
    assert end - timedelta(days=7) < latest <= end
    for repo in repos:
        assert repo.path == tmp_path / "demo" / repo.name
        times = sorted(
            int(t) for t in lines(repo.path, "log", "--branches", "--tags", "--format=%ct")
        )
        assert z(str(times[-1])) == repo.facts.last_commit_at
        tags = [
            line.split()
            for line in lines(
                repo.path,
                "for-each-ref",
                "--format=%(refname:short) %(creatordate:unix)",
                "--sort=creatordate",
                "refs/tags",
            )
        ]
        assert tuple((t, z(at)) for t, at in tags if RELEASE.match(t)) == repo.facts.releases


# -- RepoWriter -------------------------------------------------------------------------------

EVE = Person("Eve Example", "eve@example.com")


def test_repo_writer_numstat(tmp_path):
    w = RepoWriter(tmp_path / "tiny")
    c1 = w.commit(
        "Add files",
        {"a.txt": "1\n2\n3\n", "img.bin": b"\x00\x01\x02"},
        author=EVE,
        at="2026-01-05T10:00:00+02:00",
    )
    w.branch("feature", c1)
    c2 = w.commit(
        "Move a, change img",
        {"a.txt": None, "docs/a.txt": "1\n2\n3\n", "img.bin": b"\x00\x09"},
        author=ALICE,
        at="2026-01-06T10:00:00+01:00",
        branch="feature",
    )
    c3 = w.commit("Edit a line", {"b.txt": "x\ny\n"}, author=EVE, at="2026-01-06T11:00:00+02:00")
    merge = w.merge("feature", "Merge feature", author=EVE, at="2026-01-07T09:00:00-03:00")
    w.tag("v1.0.0", merge, tagger=EVE, at="2026-01-07T12:00:00-03:00", message="Release")
    w.lightweight_tag("v1.0.1", c3)
    w.set_ref("refs/pull/1/head", c2)
    w.checkout()

    stats = numstat(w.path, "--branches", "--tags")
    assert stats == {
        c1: [("3", "0", "a.txt"), ("-", "-", "img.bin")],
        c2: [("0", "0", "a.txt => docs/a.txt"), ("-", "-", "img.bin")],
        c3: [("2", "0", "b.txt")],
        merge: [],
    }
    assert git(w.path, "log", "-1", "--format=%P", merge).split() == [c3, c2]
    assert git(w.path, "log", "-1", "--format=%aI", c1).strip() == "2026-01-05T10:00:00+02:00"
    assert git(w.path, "cat-file", "-t", "v1.0.0").strip() == "tag"
    assert git(w.path, "status", "--porcelain") == ""
    assert sorted(lines(w.path, "ls-files")) == ["b.txt", "docs/a.txt", "img.bin"]


def test_repo_writer_refuses_what_would_not_be_deterministic_or_safe(tmp_path):
    w = RepoWriter(tmp_path / "r")
    with pytest.raises(ValueError, match="offset"):
        w.commit("x", {"a": "1\n"}, author=EVE, at="2026-01-05T10:00:00")
    w.commit("x", {"a": "1\n"}, author=EVE, at=datetime(2026, 1, 5, tzinfo=UTC))
    with pytest.raises(ValueError, match="not in the parent tree"):
        w.commit("y", {"missing": None}, author=EVE, at="2026-01-05T11:00:00+00:00")
    with pytest.raises(ValueError, match="does not exist"):
        w.commit("z", {"b": "2\n"}, author=EVE, at="2026-01-05T11:00:00+00:00", branch="nope")
    with pytest.raises(FileExistsError):
        RepoWriter(tmp_path / "r")
    with pytest.raises(ValueError, match="unknown fixture spec"):
        build_repo(tmp_path / "s", "nope")

"""Ingestion against git itself (§3): the fixture's hand-computed facts, every derived
field, incremental sync, force-pushes and deleted branches."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jsonschema
import pygit2
import pytest
from conftest import git
from dbdump import dump_database

from devintel_cli.fixtures.builder import ALICE, BOB, RepoWriter, build_repo

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"


def _schema(name: str) -> dict:
    path = CONTRACT / name
    if not path.exists():  # the contract lives beside the checkout (../shared)
        pytest.skip(f"{path} not available")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


@pytest.fixture
def added(cli, payments, isolated_state):
    cli("repo", "add", str(payments.path))
    return sqlite3.connect(isolated_state / "devintel.db")


def test_repo_list_agrees_with_git_and_the_hand_computed_facts(cli, payments, added) -> None:
    data = cli.json("repo", "list")
    jsonschema.validate({"data": data}, _schema("repositories.schema.json"))
    (row,) = data
    facts = payments.facts
    expected = {
        "repository": "payments-api",
        "commits": facts.commits,  # 31 by hand (fixtures/README.md)
        "merges": facts.merges,  # 6
        "additions": facts.additions,  # 76
        "deletions": facts.deletions,  # 16
        "tags": facts.tags,  # 11, incl. a tag of a tag and a tag on a blob
        "deployments": facts.release_tags,  # 6: pre-releases and 1.2.x do not count
        "first_commit_at": facts.first_commit_at,
        "last_commit_at": facts.last_commit_at,
        "default_branch": "main",
        "service_line_id": None,
    }
    assert {k: row[k] for k in expected} == expected
    # and git agrees with the hand-computed facts (independent check of both)
    repo = payments.path
    assert int(git(repo, "rev-list", "--branches", "--tags", "--count")) == row["commits"]
    assert len(git(repo, "tag").split()) == row["tags"]


def test_pull_request_heads_do_not_count(payments, added) -> None:
    # 45 commits under all refs, 31 under branches and tags: PR-only commits are evidence,
    # not shipped work
    assert payments.facts.commits_all_refs == 45
    assert added.execute("SELECT count(*) FROM commits").fetchone()[0] == 31
    pulls = added.execute("SELECT count(*) FROM refs WHERE kind = 'pull'").fetchone()[0]
    assert pulls == int(git(payments.path, "for-each-ref", "--format=x", "refs/pull").count("x"))


def test_mailmap_bots_prs_reverts_and_tasks(payments, added) -> None:
    authors = {
        r[0]
        for r in added.execute(
            "SELECT DISTINCT author_name || ' <' || author_email || '>' FROM commits"
        )
    }
    assert sorted(authors) == sorted(payments.facts.author_identities)  # 5 after .mailmap
    assert added.execute("SELECT count(*) FROM commits WHERE is_bot").fetchone()[0] == 2
    prs = dict(added.execute("SELECT subject, pr_number FROM commits WHERE pr_number IS NOT NULL"))
    assert prs["Merge pull request #2 from acme/feature/charges"] == 2
    assert prs["Add ledger module (#5)"] == 5
    # 6 merge commits + 12 squash commits name a PR; the 3 trunk commits, the 2 unmerged
    # feature commits and commit 12/13/2/3/6/18/24 (brought in by merges) name none
    assert len(prs) == 18
    (revert,) = added.execute(
        "SELECT reverted_sha FROM commits WHERE subject LIKE 'Revert %'"
    ).fetchall()
    reverted_subject = added.execute(
        "SELECT subject FROM commits WHERE sha = ?", (revert[0],)
    ).fetchone()[0]
    assert reverted_subject == "Cache exchange rates (#25)"
    tasks = {(k, bool(c)) for k, c in added.execute("SELECT task_key, closes FROM commit_tasks")}
    assert ("PAY-12", False) in tasks
    assert ("#34", True) in tasks  # "Fixes #34"
    assert ("PAY-7", True) in tasks  # "closes PAY-7"
    assert not any(k == "#5" for k, _ in tasks)  # "(#5)" is the squash PR, not a task


def test_files_binary_renames_and_exclusions(added) -> None:
    rows = added.execute(
        "SELECT path, old_path, additions, deletions, is_binary, is_excluded FROM commit_files"
    ).fetchall()
    by_path = {}
    for row in rows:
        by_path.setdefault(row[0], []).append(row)
    assert by_path["docs/logo.png"] == [("docs/logo.png", None, 0, 0, 1, 0)]
    renamed = [r for r in rows if r[1] is not None]
    # commit 13: util.py => money.py (identical, 0/0), test_api.py => test_charges.py (1/1)
    assert sorted(
        (r[1].rsplit("/", 1)[-1], r[0].rsplit("/", 1)[-1], r[2], r[3]) for r in renamed
    ) == [
        ("test_api.py", "test_charges.py", 1, 1),
        ("util.py", "money.py", 0, 0),
    ]
    assert all(r[5] == 1 for r in by_path["poetry.lock"])  # lockfile: excluded from churn


def test_tags_are_peeled_and_blob_tags_kept(payments, added) -> None:
    tags = {
        r[0]: r[1:]
        for r in added.execute("SELECT name, commit_sha, is_annotated, tagger_time FROM tags")
    }
    assert tags["gpg-pub"][0] is None  # a tag on a blob: counted, never a deployment
    assert tags["stable"][0] == tags["v1.2.1"][0]  # tag of a tag peels to the commit
    assert tags["v1.1.1"][1:] == (0, None)  # lightweight: no tagger time
    deployments = dict(added.execute("SELECT name, deployed_at FROM deployments"))
    from devintel_cli.timeutil import epoch_to_iso_z

    assert {n: epoch_to_iso_z(t) for n, t in deployments.items()} == dict(payments.facts.releases)


def test_noop_sync_changes_nothing(cli, added, isolated_state) -> None:
    before = dump_database(isolated_state / "devintel.db")
    result = cli("repo", "sync", "payments-api")
    assert "up to date" in result.stderr
    after = dump_database(isolated_state / "devintel.db")
    assert after == before


def _writer_repo(path: Path) -> tuple[RepoWriter, list[str]]:
    w = RepoWriter(path)
    shas = [
        w.commit("one", {"a.txt": "1\n"}, author=ALICE, at="2026-01-05T10:00:00+00:00"),
        w.commit("two", {"a.txt": "1\n2\n"}, author=BOB, at="2026-01-06T10:00:00+00:00"),
        w.commit("three", {"a.txt": "1\n2\n3\n"}, author=ALICE, at="2026-01-07T10:00:00+00:00"),
    ]
    w.branch("topic", shas[1])
    shas.append(
        w.commit(
            "topic work",
            {"b.txt": "b\n"},
            author=BOB,
            at="2026-01-08T10:00:00+00:00",
            branch="topic",
        )
    )
    return w, shas


def test_incremental_force_push_and_deleted_branch_match_a_clean_run(
    cli, tmp_path, isolated_state
) -> None:
    src = tmp_path / "src"
    w, shas = _writer_repo(src)
    cli("repo", "add", str(src))
    assert cli.json("repo", "list")[0]["commits"] == 4
    # new commit on main: only it is streamed
    w.commit("four", {"a.txt": "1\n2\n3\n4\n"}, author=BOB, at="2026-01-09T10:00:00+00:00")
    assert "1 new commits" in cli("repo", "sync", "src").stderr
    # force-push main back to "two" plus a rewritten commit, and delete topic
    repo = pygit2.Repository(str(src))
    repo.references["refs/heads/main"].set_target(shas[1])
    w.commit(
        "three, rewritten", {"a.txt": "1\n2\n3!\n"}, author=ALICE, at="2026-01-10T10:00:00+00:00"
    )
    repo.references["refs/heads/topic"].delete()
    result = cli("repo", "sync", "src")
    assert "1 new commits, 3 no longer reachable" in result.stderr
    # the database now equals a clean ingestion of the rewritten repository
    clean_home = tmp_path / "clean"
    import os
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "devintel_cli", "repo", "add", str(src)],
        check=True,
        env={**os.environ, "DEVINTEL_HOME": str(clean_home)},
        capture_output=True,
    )
    assert dump_database(isolated_state / "devintel.db") == dump_database(
        clean_home / "devintel.db"
    )
    assert cli.json("repo", "list")[0]["commits"] == 3


def test_pr_whose_commit_has_an_empty_author_email_is_estimated(cli, tmp_path) -> None:
    """Real histories (e.g. vuejs/core) carry commits with an empty author email inside a
    PR; PR estimation must not trip over them (libgit2 refuses to build such signatures,
    so the commit is written as a raw object)."""
    w = RepoWriter(tmp_path / "src")
    base = w.commit("base", {"a.txt": "1\n"}, author=ALICE, at="2026-01-05T10:00:00+00:00")
    tree = git(tmp_path / "src", "rev-parse", f"{base}^{{tree}}").strip()
    raw = (
        f"tree {tree}\nparent {base}\n"
        "author fsz <> 1767693600 +0000\ncommitter fsz <> 1767693600 +0000\n\nwork\n"
    )
    import subprocess

    work = subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path / "src"),
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ],
        input=raw,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    w.branch("topic", work)
    w.merge(
        "topic", "Merge pull request #3 from acme/topic", author=BOB, at="2026-01-07T10:00:00+00:00"
    )
    cli("repo", "add", str(tmp_path / "src"))
    data = cli.json(
        "metrics",
        "pr_review_time",
        "--from",
        "2026-01-05",
        "--to",
        "2026-01-11",
        "--as-of",
        "2026-02-01",
    )
    # opened at the PR's own commit (1767693600 = 2026-01-06 10:00Z), merged 01-07 10:00Z
    # → 24 h, estimated from Git
    assert [(p["week"], p["value"], p.get("estimated")) for p in data["series"]] == [
        ("2026-W02", 24.0, True)
    ]


def _deployment_tables(path: Path) -> dict:
    dump = dump_database(path)
    return {t: dump[t] for t in ("deployments", "deployment_outcomes", "deployment_commits")}


def test_sync_rederives_when_a_deployed_commit_arrives_and_only_when_inputs_change(
    cli, tmp_path, isolated_state
) -> None:
    """A sync re-derives deployments when what derivation reads changed (here: a recorded
    deployment's commit arrives) and may skip it otherwise; either way the stored outcomes
    equal a fresh derivation."""
    from devintel_cli.delivery import rederive
    from devintel_cli.store.db import connect, write_transaction

    src = tmp_path / "src"
    w = RepoWriter(src)
    w.commit("one", {"a.txt": "1\n"}, author=ALICE, at="2026-01-05T10:00:00+00:00")
    two = w.commit("two", {"a.txt": "1\n2\n"}, author=BOB, at="2026-01-06T10:00:00+00:00")
    w.lightweight_tag("v1.0.0", two)
    cli("repo", "add", str(src))
    # a commit no branch or tag reaches yet, deployed by CI before devintel sees it
    three = w.commit(
        "three", {"a.txt": "1\n2\n3\n"}, author=ALICE, at="2026-01-07T10:00:00+00:00",
        detached=True, parents=[two],
    )  # fmt: skip
    cli("deployments", "record", "--repo", "src", "--sha", three, "--at", "2026-01-07T12:00:00Z")
    recorded = {d["sha"]: d for d in cli.json("deployments", "list")}[three]
    assert recorded["shipped_commits"] == []  # not ingested yet: it ships nothing
    # the commit arrives on main; no tag or deployment changes
    w.branch("main", three)
    cli("repo", "sync", "src")
    recorded = {d["sha"]: d for d in cli.json("deployments", "list")}[three]
    assert recorded["shipped_commits"] == [three]  # re-derived: three is after v1.0.0

    # new commits without a new deployment: the stored outcomes stay a fresh derivation's
    w.commit("four", {"a.txt": "1\n2\n3\n4\n"}, author=BOB, at="2026-01-08T10:00:00+00:00")
    cli("repo", "sync", "src")
    db = isolated_state / "devintel.db"
    after_sync = _deployment_tables(db)
    conn = connect(db)
    with write_transaction(conn):
        (repo_id, workspace_id) = conn.execute(
            "SELECT id, workspace_id FROM repositories"
        ).fetchone()
        rederive(conn, repo_id, workspace_id)
    conn.close()
    assert _deployment_tables(db) == after_sync


def test_fetch_skips_a_mirror_that_already_has_every_ref(tmp_path) -> None:
    """A sync lists the remote's refs once and fetches only when the mirror lacks something:
    FETCH_HEAD (written by every libgit2 fetch) is the witness."""
    from devintel_cli.ingest import mirror

    w, shas = _writer_repo(tmp_path / "src")
    w.tag("v1.0", shas[1], tagger=ALICE, at="2026-01-06T12:00:00+00:00")
    w.set_ref("refs/pull/7/head", shas[3])
    target = tmp_path / "mirror.git"
    url = str(tmp_path / "src")
    fetch_head = target / "FETCH_HEAD"

    def refs() -> dict[str, str]:
        repo = pygit2.Repository(str(target))
        return {name: str(repo.references[name].target) for name in repo.references}

    def fetched() -> bool:
        """Fetch; True when a fetch ran (FETCH_HEAD rewritten), False when it was skipped."""
        fetch_head.unlink(missing_ok=True)
        outcome = mirror.fetch(target, url)
        assert outcome.default_branch == "main"
        return fetch_head.exists()

    assert fetched()  # a new mirror
    expected = {
        "refs/heads/main": shas[2],
        "refs/heads/topic": shas[3],
        "refs/tags/v1.0": str(pygit2.Repository(url).references["refs/tags/v1.0"].target),
        "refs/pull/7/head": shas[3],
    }
    assert refs() == expected
    assert not fetched()  # nothing new: skipped, the mirror unchanged
    assert refs() == expected
    # a new commit on a branch, a moved tag, a deleted branch (pruned), a new PR head:
    # each is fetched
    expected["refs/heads/main"] = w.commit(
        "four", {"a.txt": "4\n"}, author=BOB, at="2026-01-09T10:00:00+00:00"
    )
    assert fetched() and refs() == expected
    expected["refs/tags/v1.0"] = w.lightweight_tag("v1.0", shas[0])  # libgit2 kept it once
    assert fetched() and refs() == expected
    expected["refs/tags/v2.0"] = w.lightweight_tag("v2.0", shas[1])
    assert fetched() and refs() == expected
    pygit2.Repository(url).references["refs/tags/v2.0"].delete()
    del expected["refs/tags/v2.0"]
    assert fetched() and refs() == expected
    pygit2.Repository(url).references["refs/heads/topic"].delete()
    del expected["refs/heads/topic"]
    assert fetched() and refs() == expected
    expected["refs/pull/8/head"] = w.set_ref("refs/pull/8/head", shas[0])
    assert fetched() and refs() == expected
    assert not fetched()
    # PR heads are not pruned: one gone from the remote stays, and there is nothing to fetch
    pygit2.Repository(url).references["refs/pull/7/head"].delete()
    assert not fetched() and refs() == expected
    # without PR heads, a new one on the remote is not a reason to fetch
    w.set_ref("refs/pull/9/head", shas[1])
    fetch_head.unlink(missing_ok=True)
    mirror.fetch(target, url, fetch_pulls=False)
    assert not fetch_head.exists() and refs() == expected

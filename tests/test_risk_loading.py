"""Risk's store reads fold rows in SQL (per file, per author, per local hour) and size only
the commits that can be oversized; each read must give what the pure definitions in
``scoring.risk`` give on the per-commit rows. Checked on a database written for the edge
cases: case-folded emails, a tie for main author, binary and excluded files, merges, bots,
window bounds, nonsensical UTC offsets, times before 1970, a commit over the size limit only
because of an excluded file, and a Git-estimated PR replaced by its import. Expected values
are worked out by hand beside them."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from devintel_cli import risk as loading
from devintel_cli.reporting import resolve_scope
from devintel_cli.scoring import risk as r
from devintel_cli.scoring.risk import CommitSize, FileAuthorChanges, MergedPullRequest
from devintel_cli.store import activity
from devintel_cli.store.db import connect
from devintel_cli.store.history import COMMIT_COLUMNS, insert_history
from devintel_cli.workspace import open_context

AS_OF = datetime(2026, 4, 1, tzinfo=UTC)
START = AS_OF - timedelta(days=90)  # 2026-01-01T00:00Z
API, WEB = 1, 2

#: (path, additions, deletions, binary, excluded)
File = tuple[str, int, int, bool, bool]


def sha(name: str) -> str:
    return (name * 20)[:40]


def add_commit(
    conn: sqlite3.Connection,
    repo_id: int,
    name: str,
    email: str,
    when: str,
    files: list[File],
    *,
    offset: int | None = None,
    root: bool = False,
    merge: bool = False,
    bot: bool = False,
) -> None:
    """A commit as ingestion writes it: additions/deletions over all files; ``offset``
    overrides the UTC offset (minutes) that ``when`` carries."""
    moment = datetime.fromisoformat(when)
    minutes = int(moment.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    row = {
        "repo_id": repo_id,
        "sha": sha(name),
        "parents": "" if root else "0" * 40 + (" " + "1" * 40 if merge else ""),
        "author_name": email.split("@")[0],
        "author_email": email,
        "author_time": int(moment.timestamp()),
        "author_offset": minutes if offset is None else offset,
        "committer_name": "ci",
        "committer_email": "ci@example.com",
        "committer_time": int(moment.timestamp()),
        "committer_offset": 0,
        "subject": f"commit {name}",
        "is_merge": int(merge),
        "is_bot": int(bot),
        "additions": sum(f[1] for f in files),
        "deletions": sum(f[2] for f in files),
        "files_changed": len(files),
        "pr_number": None,
        "reverted_sha": None,
        "churn_modified": 0,
        "churn_added": 0,
        "churn_files": 0,
    }
    insert_history(
        conn,
        [tuple(row[c] for c in COMMIT_COLUMNS)],
        [
            (repo_id, sha(name), seq, path, None, adds, dels, int(binary), int(excluded))
            for seq, (path, adds, dels, binary, excluded) in enumerate(files)
        ],
        [],
    )


def f(path: str, additions: int, deletions: int = 0) -> File:
    return (path, additions, deletions, False, False)


def binary(path: str) -> File:
    return (path, 0, 0, True, False)  # git's numstat shows no lines for a binary file


def excluded(path: str, additions: int) -> File:
    return (path, additions, 0, False, True)


# fmt: off
#: (repository, name, author email, local time, files, options) — window [01-01, 04-01)
HISTORY: list[tuple[int, str, str, str, list[File], dict[str, Any]]] = [
    # API: 8 counted commits (r1 … e1), r1 a root
    (API, "r1", "Alice@Example.com", "2026-01-05T10:00:00+01:00",
     [f("README.md", 2), f("seed.csv", 1500)], {"root": True}),
    (API, "a1", "alice@example.com", "2026-01-06T10:00:00+01:00",
     [f("tie.py", 3, 1), f("core.py", 5)], {}),
    (API, "a2", "ALICE@example.com", "2026-01-07T22:00:00+01:00",
     [f("tie.py", 1, 1), f("core.py", 1, 1), binary("logo.png")], {}),
    (API, "b1", "bob@example.com", "2026-01-10T11:00:00-05:00",
     [f("tie.py", 2), excluded("package-lock.json", 2000), f("app.py", 60, 40)], {}),
    (API, "b2", "bob@example.com", "2026-01-11T09:00:00-05:00", [f("tie.py", 1)], {}),
    (API, "c1", "carol@example.com", "2026-02-02T23:30:00+05:30", [f("report.py", 1200)], {}),
    (API, "d1", "dan@example.com", "2026-02-03T08:00:00+14:00",
     [f("big.py", 600, 500), excluded("vendor/lib.js", 50)], {}),
    # the window's first second, with an offset of +24:00 (nonsensical: read as UTC)
    (API, "e1", "bob@example.com", "2026-01-01T00:00:00+00:00", [f("core.py", 1)],
     {"offset": 1440}),
    # not counted: a merge, a bot, the second before the window, the as-of moment
    (API, "m1", "alice@example.com", "2026-02-04T10:00:00+01:00", [], {"merge": True}),
    (API, "x1", "bot@example.com", "2026-02-05T10:00:00+00:00", [f("gen.py", 5000)],
     {"bot": True}),
    (API, "o1", "alice@example.com", "2025-12-31T23:59:59+00:00", [f("core.py", 9, 9)], {}),
    (API, "z1", "carol@example.com", "2026-04-01T00:00:00+00:00", [f("core.py", 1)], {}),
    # WEB: one small commit
    (WEB, "w1", "erin@example.com", "2026-03-02T14:00:00+00:00", [f("index.ts", 10, 2)], {}),
]
# fmt: on


def write_history(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")  # commits without repository rows
    for repo_id, name, email, when, files, options in HISTORY:
        add_commit(conn, repo_id, name, email, when, files, **options)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    conn = connect(tmp_path / "d.db")
    write_history(conn)
    return conn


def plain(rows: list) -> list[tuple]:  # type: ignore[type-arg]
    """The store's rows (``sqlite3.Row``) as tuples, to compare and sort."""
    return [tuple(row) for row in rows]


def per_commit_rows(conn: sqlite3.Connection, repo_id: int):  # type: ignore[no-untyped-def]
    """The window's counted commits of one repository, one row per (commit, file), read
    without any grouping: what the definitions start from."""
    return conn.execute(
        "SELECT c.sha, lower(c.author_email), c.author_time, c.author_offset, f.path,"
        " f.additions + f.deletions, f.is_binary, f.is_excluded"
        " FROM commits c LEFT JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha"
        " WHERE c.repo_id = ? AND c.is_merge = 0 AND c.is_bot = 0"
        " AND c.author_time >= ? AND c.author_time < ?",
        (repo_id, int(START.timestamp()), int(AS_OF.timestamp())),
    ).fetchall()


# --- per file ---------------------------------------------------------------------------------


def test_file_totals_are_folded_per_file(conn) -> None:
    totals = activity.file_totals(conn, [API, WEB], START, AS_OF)
    api = {path: tuple(rest) for path, *rest in totals[API]}
    # (changes, authors, lines, the author when there is only one)
    assert api == {
        "README.md": (1, 1, 2, "alice@example.com"),
        "seed.csv": (1, 1, 1500, "alice@example.com"),
        # alice (a1 4 lines, a2 as ALICE@… 2 lines: case folded, one author) 2 changes, bob
        # (b1 2, b2 1) 2 changes: 4 + 2 + 2 + 1 = 9 lines
        "tie.py": (4, 2, 9, None),
        # alice a1 5 + a2 2, bob e1 1 (the window's first second); o1 and z1 are outside
        "core.py": (3, 2, 8, None),
        "app.py": (1, 1, 100, "bob@example.com"),
        "report.py": (1, 1, 1200, "carol@example.com"),
        "big.py": (1, 1, 1100, "dan@example.com"),
        # logo.png (binary), package-lock.json and vendor/lib.js (excluded), gen.py (a bot)
        # and the merge are left out
    }
    assert totals[WEB] == [("index.ts", 1, 1, 12, "erin@example.com")]
    later = AS_OF + timedelta(days=365)  # nothing changed then: no entry, not an empty list
    assert activity.file_totals(conn, [API, WEB], later, later + timedelta(days=1)) == {}


def test_file_main_authors_of_the_files_asked_for(conn) -> None:
    files = [(API, "tie.py"), (API, "core.py"), (WEB, "index.ts"), (API, "not-changed.py")]
    rows = plain(activity.file_main_authors(conn, files, START, AS_OF))
    assert sorted(rows) == [
        (API, "core.py", "alice@example.com", 2),  # alice 2, bob 1
        (API, "tie.py", "alice@example.com", 2),  # alice 2, bob 2: a tie → alphabetically first
        (WEB, "index.ts", "erin@example.com", 1),
    ]
    # the temporary table is emptied: the next call sees only its own files
    assert plain(activity.file_main_authors(conn, [(API, "app.py")], START, AS_OF)) == [
        (API, "app.py", "bob@example.com", 1)
    ]
    assert activity.file_main_authors(conn, [], START, AS_OF) == []


def per_file_author_rows(conn: sqlite3.Connection, repo_id: int) -> list[FileAuthorChanges]:
    """The window's eligible changes of one repository folded per (file, author) in Python:
    what ``scoring.risk.file_changes`` defines ``FileChanges`` from."""
    per_author: dict[tuple[str, str], list[int]] = {}
    for _, author, _, _, path, lines, binary, excluded in per_commit_rows(conn, repo_id):
        if path is not None and not binary and not excluded:
            entry = per_author.setdefault((path, author), [0, 0])
            entry[0] += 1
            entry[1] += lines
    return [FileAuthorChanges(p, a, n, lines) for (p, a), (n, lines) in per_author.items()]


@pytest.mark.parametrize(
    "thresholds",
    [
        r.DEFAULT_THRESHOLDS,  # tie.py (4) and core.py (3) under 5 changes: no main author
        # one author may hold 70 % of tie.py's (3 of 4 at most), not of core.py's (2 of 3)
        r.RiskThresholds(min_file_changes=3, owner_share=0.7),
        r.RiskThresholds(min_file_changes=1, owner_share=0.5),  # both folded per author
    ],
)
def test_file_changes_are_what_the_definition_says(conn, thresholds) -> None:
    files = loading.file_changes(conn, [API, WEB], START, AS_OF, thresholds)
    for repo_id in (API, WEB):
        expected = r.file_changes(per_file_author_rows(conn, repo_id), thresholds)
        assert sorted(files[repo_id], key=lambda f: f.path) == sorted(
            expected, key=lambda f: f.path
        )
    by_path = {f.path: f for f in files[API]}
    main = {path: (f.main_author, f.main_author_changes) for path, f in by_path.items()}
    assert main["README.md"] == ("alice@example.com", 1)  # a sole author is always known
    if thresholds is r.DEFAULT_THRESHOLDS:
        assert main["tie.py"] == main["core.py"] == (None, None)
    elif thresholds.min_file_changes == 3:
        assert main["tie.py"] == ("alice@example.com", 2)  # a 2–2 tie: alphabetically first
        assert main["core.py"] == (None, None)
    else:
        assert main["tie.py"] == ("alice@example.com", 2)


def test_files_with_different_sole_authors_are_concentrated() -> None:
    # alice alone made a.py's 5 changes, bob alone b.py's 6: two authors in the window, so
    # both files are 100 % one author's, ≥ 5 changes → two factors, b.py (6) first
    files = r.file_changes(
        [FileAuthorChanges("a.py", "alice", 5, 10), FileAuthorChanges("b.py", "bob", 6, 12)]
    )
    found = r.knowledge_concentration("api", files)
    assert [(f.evidence["path"], f.evidence["main_author"]) for f in found] == [
        ("b.py", "bob"),
        ("a.py", "alice"),
    ]
    # one author for both: the bus factor's business, not a file's
    assert (
        r.knowledge_concentration(
            "api",
            r.file_changes(
                [
                    FileAuthorChanges("a.py", "alice", 5, 10),
                    FileAuthorChanges("b.py", "alice", 6, 12),
                ]
            ),
        )
        == []
    )


# --- per author, and commit sizes -------------------------------------------------------------


def test_window_commits_per_author(conn) -> None:
    commits = activity.window_commits(conn, [API, WEB], START, AS_OF)
    assert commits[API].authors == [
        ("alice@example.com", 3),  # r1 (Alice@…), a1, a2 (ALICE@…): case folded
        ("bob@example.com", 3),  # b1, b2, e1
        ("carol@example.com", 1),
        ("dan@example.com", 1),
    ]
    assert commits[WEB].authors == [("erin@example.com", 1)]
    # the same counts as the workspace-wide read scorecards use, per repository
    assert commits[API].authors == sorted(
        map(tuple, activity.author_commit_counts(conn, [API], START, AS_OF))
    )
    later = AS_OF + timedelta(days=365)  # nothing was committed then: no entry, not zeros
    assert activity.window_commits(conn, [API, WEB], later, later + timedelta(days=1)) == {}


def test_only_commits_over_the_limit_over_all_files_are_sized(conn) -> None:
    sizes = activity.commit_change_sizes(conn, [API, WEB], START, AS_OF, over=1000)
    # over 1,000 lines over all files: r1 1,502, b1 2,102, c1 1,200, d1 1,150 (the bot's
    # 5,000 is not counted); their lines outside excluded and binary files:
    assert [(repo, s[:2], lines, root) for repo, s, _, lines, root in sizes] == [
        (API, "b1", 102, False),  # 2 + 100: the lockfile's 2,000 lines are excluded
        (API, "c1", 1200, False),
        (API, "d1", 1100, False),  # vendor/lib.js's 50 excluded
        (API, "r1", 1502, True),
    ]
    commits = [CommitSize(s, subject, lines, root) for _, s, subject, lines, root in sizes]
    [factor] = r.oversized_commits("api", commits, non_root_commits=7)
    # over 1,000 outside excluded files: c1 and d1 (b1's 102 are not; r1 is a root) → 2 of
    # the window's 7 non-root commits (8 counted − r1) = 28.6 %, fewer than 3 → low. Sizing
    # b1 by all its files would make it 3 (medium); counting only the sized commits would
    # make it 2 of 3.
    assert (factor.severity, factor.evidence["count"], factor.evidence["commits"]) == (
        r.Severity.LOW,
        2,
        7,
    )
    assert factor.evidence["share_percent"] == 28.6
    assert [c["lines"] for c in factor.evidence["largest"]] == [1200, 1100]
    # the same commits, every one of them sized, give the same factor
    every = [
        CommitSize(s, subject, int(lines), bool(root))
        for s, subject, lines, root in conn.execute(
            "SELECT c.sha, c.subject, coalesce(sum(f.additions + f.deletions), 0),"
            " c.parents = '' FROM commits c LEFT JOIN commit_files f ON f.repo_id = c.repo_id"
            " AND f.sha = c.sha AND f.is_excluded = 0 AND f.is_binary = 0 WHERE c.repo_id = ?"
            " AND c.is_merge = 0 AND c.is_bot = 0 AND c.author_time >= ? AND c.author_time < ?"
            " GROUP BY c.sha",
            (API, int(START.timestamp()), int(AS_OF.timestamp())),
        )
    ]
    assert len(every) == 8
    assert r.oversized_commits("api", every) == [factor]


# --- local hours ------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1441, -1440, -1439, -720, -300, 0, 330, 840, 1439, 1440])
@pytest.mark.parametrize("epoch", [-90_000, -1_800, 0, 1_767_225_599, 1_767_225_600, 1_775_001_599])
def test_local_weekday_hour_is_what_datetime_says(epoch: int, offset: int) -> None:
    minutes = offset if -1440 < offset < 1440 else 0  # beyond ±24 h: read as UTC
    local = datetime.fromtimestamp(epoch, timezone(timedelta(minutes=minutes)))
    assert r.local_weekday_hour(epoch, offset) == (local.weekday(), local.hour)


def test_window_commits_per_hour_of_each_authors_local_time(conn) -> None:
    commits = activity.window_commits(conn, [API, WEB], START, AS_OF)
    # (weekday, hour, commits), with the lines over all files of each commit
    assert commits[API].local_hours == [
        (0, 10, 1),  # r1 Mon 10:00 +01:00 (a root): 2 + 1,500 lines
        (0, 23, 1),  # c1 Mon 23:30 +05:30 (18:00 UTC): 1,200
        (1, 8, 1),  # d1 Tue 08:00 +14:00 (Mon 18:00 UTC): 1,100 + 50 excluded
        (1, 10, 1),  # a1 Tue 10:00 +01:00: 9
        (2, 22, 1),  # a2 Wed 22:00 +01:00: 4
        (3, 0, 1),  # e1 Thu 2026-01-01 00:00 UTC: its +24:00 offset is read as UTC; 1
        (5, 11, 1),  # b1 Sat 11:00 −05:00: 2 + 2,000 excluded + 100
        (6, 9, 1),  # b2 Sun 09:00 −05:00: 1
    ]
    assert commits[API].most_lines == 2102  # b1, its excluded lockfile included
    assert commits[WEB].local_hours == [(0, 14, 1)]  # w1 Mon 14:00
    assert commits[WEB].most_lines == 12
    # r1 is the window's one root commit
    assert activity.root_commit_counts(conn, [API, WEB], START, AS_OF) == {API: 1}
    per_commit = {(s, t, o) for s, _, t, o, *_ in per_commit_rows(conn, API)}
    assert commits[API].local_hours == r.local_hours((t, o) for _, t, o in per_commit)


def test_window_commits_before_1970(tmp_path: Path) -> None:
    conn = connect(tmp_path / "d.db")
    conn.execute("PRAGMA foreign_keys = OFF")
    for name, when, files, root in [
        ("p0", "1969-12-31T23:00:00+00:00", [f("a.py", 30)], True),  # epoch −3,600: Wed 23:00
        ("p1", "1969-12-31T23:30:00+00:00", [f("a.py", 5)], False),  # epoch −1,800: Wed 23:30
        ("p2", "1970-01-01T00:30:00+01:00", [], False),  # epoch −1,800 too: Thu 00:30 locally
        # epoch −90,000 (Tue 1969-12-30 23:00 UTC) − 23:59 → Mon 1969-12-29 23:01
        ("p3", "1969-12-29T23:01:00-23:59", [], False),
    ]:
        add_commit(conn, API, name, "old@example.com", when, files, root=root)
    as_of = datetime(1970, 1, 2, tzinfo=UTC)
    [window] = activity.window_commits(conn, [API], as_of - timedelta(days=10), as_of).values()
    # SQLite's integer division truncates towards zero; −1,800 s must still fall in the
    # hour before midnight, not the hour after it. Wed 23:00–24:00 holds p0 (a root, 30
    # lines) and p1 (5 lines): 2 commits; 30 lines at most.
    assert window.local_hours == [(0, 23, 1), (2, 23, 2), (3, 0, 1)]
    assert window.most_lines == 30
    assert activity.root_commit_counts(conn, [API], as_of - timedelta(days=10), as_of) == {API: 1}
    assert window.local_hours == r.local_hours(
        [(-3_600, 0), (-1_800, 0), (-1_800, 60), (-90_000, -1439)]
    )


# --- pull requests ----------------------------------------------------------------------------


def test_merged_pull_requests_as_review_time_counts_them(conn) -> None:
    def at(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp())

    for number, source, opened, merged, bot in [
        # #1 estimated from Git (5 h) and imported (4 days): the import replaces the estimate
        (1, "git", "2026-03-01T00:00:00+00:00", "2026-03-01T05:00:00+00:00", 0),
        (1, "import", "2026-02-26T00:00:00+00:00", "2026-03-02T00:00:00+00:00", 0),
        # #2 only estimated: 2 h
        (2, "git", "2026-03-03T00:00:00+00:00", "2026-03-03T02:00:00+00:00", 0),
        # a bot's, and one merged before the window: left out
        (3, "import", "2026-03-04T00:00:00+00:00", "2026-03-05T00:00:00+00:00", 1),
        (4, "import", "2025-12-01T00:00:00+00:00", "2025-12-20T00:00:00+00:00", 0),
    ]:
        conn.execute(
            "INSERT INTO pull_requests (repo_id, number, source, opened_at, merged_at,"
            " is_bot_author) VALUES (?, ?, ?, ?, ?, ?)",
            (API, number, source, at(opened), at(merged), bot),
        )
    spans = activity.merged_pull_request_spans(conn, [API, WEB], START, AS_OF)
    assert list(spans) == [API]  # WEB merged nothing: no entry
    assert sorted(spans[API]) == [(1, 4 * 86_400, False), (2, 2 * 3_600, True)]
    merged = [MergedPullRequest(*row) for row in spans[API]]
    # median of 96 h and 2 h over 2 PRs: fewer than 3 → no factor
    assert r.review_bottleneck("api", merged) == []


# --- one repository's rows, from the scope's reads --------------------------------------------


def test_scope_activity_splits_the_reads_by_repository() -> None:
    ctx = open_context()
    try:
        ctx.conn.execute("PRAGMA foreign_keys = OFF")
        for repo_id, name in ((API, "api"), (WEB, "web")):
            ctx.conn.execute(
                "INSERT INTO repositories (id, workspace_id, integration_id, name, url,"
                " mirror_path, created_at, last_synced_at) VALUES (?, ?, 'INT-1', ?, ?, ?,"
                " '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')",
                (repo_id, ctx.workspace.id, name, f"/src/{name}", f"/m/{name}.git"),
            )
        write_history(ctx.conn)
        called: list[threading.Thread] = []
        api, web = loading.scope_activity(
            ctx,
            resolve_scope(ctx),
            as_of=AS_OF,
            window_days=90,
            while_reading=lambda: called.append(threading.current_thread()),
        )
    finally:
        ctx.close()
    # the caller's row-free work runs once, here, while the per-file read has its thread
    assert called == [threading.main_thread()]
    assert (api.repository, web.repository) == ("api", "web")
    assert sorted(api.author_commits) == [
        ("alice@example.com", 3),
        ("bob@example.com", 3),
        ("carol@example.com", 1),
        ("dan@example.com", 1),
    ]
    # 8 counted commits, r1 a root; sized: the four over 1,000 lines over all files
    assert api.non_root_commits == 7
    assert sorted((c.sha[:2], c.lines) for c in api.commit_sizes) == [
        ("b1", 102),
        ("c1", 1200),
        ("d1", 1100),
        ("r1", 1502),
    ]
    assert len(api.file_changes) == 7 and sum(n for _, _, n in api.commit_local_hours) == 8
    # WEB: no commit over 1,000 lines at all, so none is sized
    assert (web.author_commits, web.non_root_commits, web.commit_sizes) == (
        [("erin@example.com", 1)],
        1,
        [],
    )
    assert web.file_changes == [r.FileChanges("index.ts", 1, 1, 12, "erin@example.com", 1)]
    assert list(web.commit_local_hours) == [(0, 14, 1)]

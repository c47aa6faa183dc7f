"""Read-command speed on a large database (§13: any read command under 1 s at 1M commits).

    python benchmarks/query.py [--commits 1000000] [--repos 50] [--deployments 10000] [--keep DIR]

Builds a synthetic database directly (not through git): one workspace, two service lines,
``--repos`` repositories, ``--commits`` commits over ``--years`` (2) years with two files each,
``--deployments`` tag deployments shipping every commit once, imported PRs, coverage,
incidents and tasks; then times, in-process, every metric at every granularity over the
default 12-week window, scorecard, health, benchmarks, risk, insights and `repo list`; then every
read command as a whole process (median of ``--repeat`` runs) beside the cost of starting
Python and `devintel --version`. The ratio column is against the 1 s budget.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAY = 86_400
END = datetime(2026, 6, 1, tzinfo=UTC)


def build(root: Path, commits: int, repos: int, deployments: int, years: int) -> None:
    from devintel_cli.store.db import connect, write_transaction
    from devintel_cli.store.delivery import refresh_lead_times
    from devintel_cli.store.history import insert_history
    from devintel_cli.workspace import create_line, open_context

    ctx = open_context(state_dir=root)
    lines = [create_line(ctx, "alpha").id, create_line(ctx, "beta").id]
    conn = connect(root / "devintel.db")
    rng = random.Random(7)
    start = END - timedelta(days=365 * years)
    span = int((END - start).total_seconds())
    per_repo = commits // repos
    deploys_per_repo = deployments // repos
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO integrations VALUES ('INT-26-000001', ?, 'local', 'local',"
            " NULL, NULL, '2026-01-01T00:00:00Z')",
            (ctx.workspace.id,),
        )
        for r in range(1, repos + 1):
            conn.execute(
                "INSERT INTO repositories (id, workspace_id, integration_id, name, url,"
                " mirror_path, service_line_id, default_branch, sync_state, created_at,"
                " last_synced_at) VALUES (?, ?, 'INT-26-000001', ?, ?, ?, ?, 'main', 'ok',"
                " '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')",
                (r, ctx.workspace.id, f"org/repo{r}", f"/src/repo{r}", f"/m/{r}.git", lines[r % 2]),
            )
    for r in range(1, repos + 1):
        times = sorted(start.timestamp() + rng.random() * span for _ in range(per_repo))
        shas = [f"{r:04x}{i:036x}" for i in range(per_repo)]
        commit_rows, file_rows, task_rows = [], [], []
        for i, (sha, t) in enumerate(zip(shas, times, strict=True)):
            t = int(t)
            is_merge = int(i % 4 == 3)
            parents = f"{shas[i - 1]}" if i else ""
            add, dele = rng.randrange(1, 60), rng.randrange(0, 30)
            commit_rows.append(
                (
                    r,
                    sha,
                    parents,
                    f"dev{i % 17}",
                    f"dev{i % 17}@x",
                    t,
                    60,
                    "dev",
                    "dev@x",
                    t + 600,
                    60,
                    f"change {i}",
                    is_merge,
                    int(i % 50 == 0),
                    0 if is_merge else add * 2,
                    0 if is_merge else dele * 2,
                    0 if is_merge else 2,
                    i if i % 5 == 0 else None,
                    None,
                    0 if is_merge else 2 * min(add, dele),
                    0 if is_merge else 2 * add,
                    0 if is_merge else 2,
                )
            )
            if not is_merge:
                file_rows += [
                    (r, sha, 0, f"src/f{i % 300}.py", None, add, dele, 0, 0),
                    (r, sha, 1, f"src/g{i % 200}.py", None, add, dele, 0, 0),
                ]
            if i % 20 == 0:
                task_rows.append((r, sha, f"T{r}-{i}", 1, t + 600, 0))
        with write_transaction(conn):
            insert_history(conn, commit_rows, file_rows, task_rows)  # as ingestion writes
            step = per_repo // deploys_per_repo
            dep_rows, ship_rows, outcome_rows = [], [], []
            for d in range(deploys_per_repo):
                last = min((d + 1) * step, per_repo) - 1
                dep_id = (r - 1) * deploys_per_repo + d + 1
                at = int(times[last]) + 3_600
                dep_rows.append(
                    (dep_id, r, "tag", f"v{d}", shas[last], "production", at, f"v{d}", "success")
                )
                ship_rows += [
                    (dep_id, r, shas[k], int(times[k]), int(k % 4 == 3), int(k % 50 == 0))
                    for k in range(d * step, last + 1)
                ]
                failed = d % 9 == 4
                outcome_rows.append(
                    (
                        dep_id,
                        r,
                        "failed" if failed else "success",
                        int(d % 9 == 5),
                        int(d == 0),
                        at + 7_200 if failed else None,
                        "[]",
                    )
                )
            conn.executemany(f"INSERT INTO deployments VALUES ({','.join('?' * 9)})", dep_rows)
            conn.executemany("INSERT INTO deployment_commits VALUES (?, ?, ?, ?, ?, ?)", ship_rows)
            conn.executemany(
                "INSERT INTO deployment_outcomes (deployment_id, repo_id, status, is_rework,"
                " is_baseline, recovered_at, failure_reasons) VALUES (?, ?, ?, ?, ?, ?, ?)",
                outcome_rows,
            )
            refresh_lead_times(conn, r)  # what derivation stores for cycle time
            conn.executemany(
                "INSERT INTO pull_requests (repo_id, number, source, opened_at, merged_at)"
                " VALUES (?, ?, 'git', ?, ?)",
                [(r, i, int(times[i]) - 20_000, int(times[i])) for i in range(0, per_repo, 5)],
            )
            conn.executemany(
                "INSERT INTO coverage_reports VALUES (?, ?, '', 'lcov', ?, ?, NULL, NULL)",
                [
                    (r, int(start.timestamp()) + w * 7 * DAY, 800 + w, 1000)
                    for w in range(52 * years)
                ],
            )
    with write_transaction(conn):
        conn.executemany(
            "INSERT INTO incidents (workspace_id, key, opened_at, resolved_at, repo_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (
                    ctx.workspace.id,
                    f"INC-{k}",
                    int(start.timestamp()) + k * 3 * DAY,
                    int(start.timestamp()) + k * 3 * DAY + 7_200,
                    1 + k % repos,
                )
                for k in range(120 * years)
            ],
        )
    from devintel_cli.store.history import refresh_figures

    with write_transaction(conn):
        for r in range(1, repos + 1):
            refresh_figures(conn, r)  # what a sync's final transaction does
    conn.execute("ANALYZE")
    conn.close()
    ctx.close()


def timed(label: str, fn, rows: list) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    rows.append((label, elapsed))


def print_rows(title: str, rows: list) -> None:  # type: ignore[type-arg]
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    for label, elapsed in rows:
        print(f"  {label:<{width}}  {elapsed * 1000:8.1f} ms  {elapsed:5.2f}x of 1 s")
    worst = max(rows, key=lambda row: row[1])
    print(f"  slowest: {worst[0]} {worst[1]:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--deployments", type=int, default=10_000)
    parser.add_argument(
        "--years",
        type=int,
        default=2,
        help="history length: 2 (default) packs 1M commits at ~1,370 a day, several times the"
        " Linux kernel's pace (the dense case); 10 is closer to a large real organisation",
    )
    parser.add_argument("--keep", type=Path, help="build into (or reuse) this directory")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each whole command")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="devintel-query-"))
    try:
        if not (root / "devintel.db").exists():
            start = time.perf_counter()
            build(root, args.commits, args.repos, args.deployments, args.years)
            print(
                f"built {args.commits:,} commits / {args.deployments:,} deployments in "
                f"{time.perf_counter() - start:.0f} s ({root})"
            )
        os.environ["DEVINTEL_HOME"] = str(root)
        from devintel_cli.benchmarking import benchmarks_report
        from devintel_cli.insights import insights_report
        from devintel_cli.metrics.buckets import Granularity
        from devintel_cli.metrics.catalog import Metric
        from devintel_cli.reporting import default_range, resolve_scope, series
        from devintel_cli.repositories import list_summaries
        from devintel_cli.risk import risk_report
        from devintel_cli.scorecards import health_report, scorecard_report
        from devintel_cli.workspace import open_context

        ctx = open_context()
        scope = resolve_scope(ctx)
        start, end = default_range(None, None, END)
        rows: list = []
        for metric in Metric:
            for grain in Granularity:
                timed(
                    f"metrics {metric} --granularity {grain}",
                    lambda m=metric, g=grain: series(
                        ctx, m, scope, start=start, end=end, granularity=g, tz="UTC", as_of=END
                    ),
                    rows,
                )
        for label, report, days in (
            ("scorecard (28 d)", scorecard_report, 28),
            ("health (28 d)", health_report, 28),
            ("benchmarks (90 d)", benchmarks_report, 90),
            ("risk (90 d)", risk_report, 90),
        ):
            timed(label, lambda r=report, d=days: r(ctx, scope, as_of=END, window_days=d), rows)
        timed("insights (13 weeks)", lambda: insights_report(ctx, scope, as_of=END), rows)
        timed("repo list", lambda: list_summaries(ctx), rows)
        ctx.close()
        print_rows("in-process (warm cache), against the 1 s budget", rows)

        # whole commands: interpreter start, imports, the work and the rendering; the
        # median of --repeat runs, beside `python -c pass` and `devintel --version`
        devintel = shutil.which("devintel") or str(Path(sys.executable).parent / "devintel")
        as_of = ["--as-of", END.date().isoformat()]
        commands = [
            [sys.executable, "-c", "pass"],
            [devintel, "--version"],
            [devintel, "--help"],
            *(
                [devintel, *c, *as_of]
                for c in (
                    ["scorecard"],
                    ["scorecard", "--json"],
                    ["health"],
                    ["benchmarks"],
                    ["risk"],
                    ["insights"],
                    ["metrics", "cycle_time"],
                    ["metrics", "code_churn", "--granularity", "daily"],
                    ["metrics", "pr_review_time", "--from", "2025-06-01"],
                )
            ),
            [devintel, "deployments", "list"],
            [devintel, "repo", "list"],
            [devintel, "lines", "list"],
            [devintel, "alerts", "list"],
        ]
        whole: list = []
        for command in commands:
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                runs.append(time.perf_counter() - started)
            label = " ".join(Path(command[0]).name if i == 0 else a for i, a in enumerate(command))
            whole.append((label, statistics.median(runs)))
        print_rows(f"whole commands (median of {args.repeat})", whole)
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

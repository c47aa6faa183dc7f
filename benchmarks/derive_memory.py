"""Memory of deployment derivation (§13: ingestion memory should not grow with history).

    python benchmarks/derive_memory.py [--commits 50000 200000] [--deployments 500]

For each history size, builds a synthetic repository directly in a fresh database (a
first-parent chain with a merge every fourth commit, tag deployments spread over it), then
runs the derivation a sync runs (``delivery.rederive``) and reports the peak memory Python
allocated during it (tracemalloc), beside the same derivation fed ``CommitRow`` objects
(what it read before ``StoredCommitGraph``). Ratios are within one run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

START = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())


def build(root: Path, commits: int, deployments: int) -> tuple[object, int, str]:
    """A database with one repository of ``commits`` commits and ``deployments`` tags."""
    from devintel_cli.store.db import connect, write_transaction
    from devintel_cli.workspace import open_context

    ctx = open_context(state_dir=root)
    conn = connect(root / "devintel.db")
    shas = [f"{i:040x}" for i in range(commits)]
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO integrations VALUES ('INT-26-000001', ?, 'local', 'local',"
            " NULL, NULL, '2026-01-01T00:00:00Z')",
            (ctx.workspace.id,),
        )
        conn.execute(
            "INSERT INTO repositories (id, workspace_id, integration_id, name, url,"
            " mirror_path, default_branch, sync_state, created_at) VALUES (1, ?,"
            " 'INT-26-000001', 'org/big', '/src/big', '/m/big.git', 'main', 'ok',"
            " '2026-01-01T00:00:00Z')",
            (ctx.workspace.id,),
        )
        rows = []
        for i, sha in enumerate(shas):
            merge = i % 4 == 3 and i >= 2
            parents = " ".join(([shas[i - 1]] if i else []) + ([shas[i - 2]] if merge else []))
            t = START + i * 600
            rows.append(
                (1, sha, parents, "dev", "dev@x", t, 0, "dev", "dev@x", t, 0,
                 f"change {i}" if i % 97 else f"hotfix {i}", int(merge), 0, 1, 0, 1,
                 None, shas[i - 5] if i % 211 == 0 and i > 5 else None, 0, 1, 1)
            )  # fmt: skip
        conn.executemany(f"INSERT INTO commits VALUES ({','.join('?' * 22)})", rows)
        step = commits // deployments
        conn.executemany(
            "INSERT INTO deployments (repo_id, source, source_key, sha, environment,"
            " deployed_at, name, recorded_status) VALUES (1, 'tag', ?, ?, 'production', ?, ?,"
            " 'success')",
            [
                (f"v1.{d}.0", shas[k], START + k * 600 + 60, f"v1.{d}.0")
                for d, k in enumerate(range(step - 1, commits, step))
            ],
        )
    return conn, 1, ctx.workspace.id


def peak_of(run, *args):  # type: ignore[no-untyped-def]
    """(what ``run(*args)`` returned, peak MiB allocated while it ran, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    result = run(*args)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak / 2**20, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--deployments", type=int, default=500)
    args = parser.parse_args()
    from devintel_cli.delivery import rederive
    from devintel_cli.metrics.deployments import derive_deployments
    from devintel_cli.metrics.rows import CommitRow
    from devintel_cli.store import delivery as store

    def rows_of(conn, repo_id):  # type: ignore[no-untyped-def]
        """Every commit as a CommitRow, as derivation read them before."""
        return {
            r[0]: CommitRow(
                repo_id, r[0], tuple(r[1].split()), datetime.fromtimestamp(r[2], UTC),
                datetime.fromtimestamp(r[3], UTC), r[4], bool(r[5]), bool(r[6]), r[7], r[8],
                r[9],
            )
            for r in conn.execute(
                "SELECT sha, parents, author_time, committer_time, author_offset, is_merge,"
                " is_bot, subject, pr_number, reverted_sha FROM commits WHERE repo_id = ?",
                (repo_id,),
            )
        }  # fmt: skip

    print(f"{'commits':>9}  {'graph (now)':>16}  {'CommitRows (before)':>20}  ratio")
    for commits in args.commits:
        root = Path(tempfile.mkdtemp(prefix="devintel-derive-"))
        try:
            conn, repo_id, workspace = build(root, commits, args.deployments)
            deployments = store.load_deployments(conn, [repo_id])

            def lean(conn, repo_id, deployments):  # type: ignore[no-untyped-def]
                return derive_deployments(deployments, store.StoredCommitGraph(conn, repo_id))

            def rows(conn, repo_id, deployments):  # type: ignore[no-untyped-def]
                return derive_deployments(deployments, rows_of(conn, repo_id))

            lean_result, lean_mib, lean_s = peak_of(lean, conn, repo_id, deployments)
            rows_result, rows_mib, rows_s = peak_of(rows, conn, repo_id, deployments)
            assert lean_result == rows_result  # the same conclusions either way
            rederive(conn, repo_id, workspace)  # type: ignore[arg-type]
            shipped = conn.execute("SELECT count(*) FROM deployment_commits").fetchone()[0]
            assert shipped == commits, (shipped, commits)  # every commit shipped once
            print(
                f"{commits:>9,}  {lean_mib:7.1f} MiB {lean_s:5.1f} s  "
                f"{rows_mib:10.1f} MiB {rows_s:5.1f} s  {lean_mib / rows_mib:5.2f}x"
            )
            conn.close()  # type: ignore[attr-defined]
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

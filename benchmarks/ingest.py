"""Ingestion speed, memory and correctness against git itself, on a real mirror (§13).

    python benchmarks/ingest.py PATH/TO/MIRROR [--runs 3] [--keep]

In one run, on the same clean copy of the mirror:
1. baseline: ``git log --branches --tags --numstat`` (the commits devintel counts), on the
   clean copy and on the mirror devintel makes of it — §13's "same mirror", the repository
   the backfill reads. The two can differ a lot: libgit2's local transport packs the
   objects anew, more tightly than the pack git fetched (git/git: 172 MB instead of 318 MB),
   and ``git log --numstat`` over that pack took 69 s instead of 45 s;
2. devintel's full backfill (``devintel repo add``, a fresh state dir, as a subprocess);
3. a no-op ``devintel repo sync``: the whole command, and the sync step in-process;
4. peak RSS of the devintel process (the Python side) and of its git child;
5. ``repo list --json`` against git: commits, merges, Σ additions, Σ deletions, tags.

The mirror is first copied with ``git fetch SRC +refs/heads/*:refs/heads/* +refs/tags/*:...``
into a fresh bare repository: real mirrors can carry ``refs/pull/*`` naming missing objects,
which libgit2's local transport refuses even for branches and tags. Prints ratios; exits 1 if
any figure disagrees with git.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}

FETCH_PROBE = """
import sys, time
from devintel_cli import paths
from devintel_cli.ingest import mirror
from devintel_cli.urls import parse_spec
start = time.perf_counter()
mirror.fetch(paths.mirrors_dir() / parse_spec(sys.argv[1]).mirror_relpath(), sys.argv[1])
print(time.perf_counter() - start)
"""

# the backfill runs in a process of its own, after the mirror exists: its peak RSS is the
# ingestion's (libgit2's pack indexing during the first fetch is measured apart)
RSS_PROBE = """
import resource, sys, time
import devintel_cli.delivery, devintel_cli.ingest.sync  # imported lazily: not backfill work
from devintel_cli.repositories import add_repository, resolve, sync
from devintel_cli.workspace import open_context
ctx = open_context()
start = time.perf_counter()
add_repository(ctx, sys.argv[1])
backfill = time.perf_counter() - start
start = time.perf_counter()
result = sync(ctx, resolve(ctx, sys.argv[1]))
noop = time.perf_counter() - start
assert result.noop, result
print(backfill, noop, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def clean_copy(source: Path, target: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(target)], check=True, env=GIT_ENV)
    git(
        target, "fetch", "-q", str(source), "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"
    )
    heads = git(source, "symbolic-ref", "-q", "HEAD").strip() if _has_head(source) else ""
    if heads and git(target, "for-each-ref", heads).strip():
        git(target, "symbolic-ref", "HEAD", heads)


def pack_megabytes(repo: Path) -> float:
    return sum(p.stat().st_size for p in (repo / "objects" / "pack").glob("*.pack")) / 1e6


def _has_head(repo: Path) -> bool:
    return (
        subprocess.run(
            ["git", "-C", str(repo), "symbolic-ref", "-q", "HEAD"], capture_output=True, env=GIT_ENV
        ).returncode
        == 0
    )


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env or GIT_ENV)
    return time.perf_counter() - start


def git_figures(repo: Path) -> dict[str, int]:
    additions = deletions = 0
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--branches", "--tags", "--numstat", "--format="],
        check=True,
        capture_output=True,
        env=GIT_ENV,
    ).stdout
    for line in out.splitlines():
        parts = line.split(b"\t", 2)
        if len(parts) == 3 and parts[0] != b"-":
            additions += int(parts[0])
            deletions += int(parts[1])
    count = lambda *extra: int(git(repo, "rev-list", "--branches", "--tags", "--count", *extra))  # noqa: E731
    return {
        "commits": count(),
        "merges": count("--merges"),
        "additions": additions,
        "deletions": deletions,
        "tags": len(git(repo, "tag", "-l").splitlines()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="baseline runs (minimum is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devintel-bench-"))
    try:
        copy = work / f"{args.mirror.name.removesuffix('.git')}.git"
        clean_copy(args.mirror.resolve(), copy)
        baseline = min(
            timed(["git", "-C", str(copy), "log", "--branches", "--tags", "--numstat"])
            for _ in range(args.runs)
        )
        env = {**os.environ, "DEVINTEL_HOME": str(work / "state")}
        fetch = float(subprocess.run(
            [sys.executable, "-c", FETCH_PROBE, str(copy)],
            check=True, capture_output=True, text=True, env=env,
        ).stdout)
        (own_mirror,) = (work / "state" / "mirrors").glob(f"**/{copy.name}")
        baseline_mirror = min(
            timed(["git", "-C", str(own_mirror), "log", "--branches", "--tags", "--numstat"])
            for _ in range(args.runs)
        )
        probe = subprocess.run(
            [sys.executable, "-c", RSS_PROBE, str(copy)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.split()
        backfill, noop_inprocess = float(probe[0]), float(probe[1])
        rss_python_mb, rss_git_mb = int(probe[2]) / 1024, int(probe[3]) / 1024
        devintel = shutil.which("devintel") or str(Path(sys.executable).parent / "devintel")
        noop_command = min(timed([devintel, "repo", "sync", "--all"], env) for _ in range(3))
        listed = json.loads(
            subprocess.run(
                [devintel, "repo", "list", "--json"],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )["data"][0]
        expected = git_figures(copy)
        print(f"mirror: {args.mirror}  ({expected['commits']} commits under branches and tags)")
        print(f"git log --branches --tags --numstat : {baseline:8.2f} s  on the clean copy"
              f" ({pack_megabytes(copy):.0f} MB of packs)")
        print(f"  the same, on devintel's mirror    : {baseline_mirror:8.2f} s"
              f"  ({pack_megabytes(own_mirror):.0f} MB of packs, written by libgit2)")
        print(f"first mirror fetch (pygit2, local)  : {fetch:8.2f} s  (transfer; not in the ratio)")
        print(
            f"devintel full backfill (repo add)   : {backfill:8.2f} s"
            f"  = {backfill / baseline_mirror:.2f}x git log on the same mirror (target <= 1.5x);"
            f" {backfill / baseline:.2f}x git log on the clean copy"
        )
        print(f"no-op sync, in-process              : {noop_inprocess * 1000:8.1f} ms")
        print(f"no-op sync, whole command           : {noop_command:8.2f} s  (target < 0.5 s)")
        print(
            f"peak RSS during the backfill: devintel process {rss_python_mb:.0f} MB,"
            f" its git child {rss_git_mb:.0f} MB"
        )
        mismatches = {k: (listed[k], v) for k, v in expected.items() if listed[k] != v}
        for key, value in expected.items():
            print(
                f"  {key:10} devintel {listed[key]:>10}  git {value:>10}"
                f"  {'ok' if listed[key] == value else 'MISMATCH'}"
            )
        return 1 if mismatches else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

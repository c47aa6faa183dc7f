"""Time ``stream_commits`` against plain ``git log --numstat -M`` on one repository (§13).

Usage: ``python benchmarks/parse_speed.py REPO [--runs N]``. Walks branches and tags only
(a GitHub mirror's ``refs/pull/*`` may point at missing objects, see
notes/ingest-baselines.md). ``git log --stdin`` on git 2.39 refuses ``--branches``, so
the tips are listed once with ``git for-each-ref`` and fed to both commands as shas.
Prints the minimum of N runs for each and the ratio; the bar is ≤ 1.5×.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from devintel_cli.ingest.gitlog import (  # private: the benchmark measures the internals
    _LOG_FLAGS,
    _parse_commits,
    git_executable,
    git_version,
    stream_commits,
)


def branch_and_tag_tips(repo: Path) -> list[str]:
    """Commit shas at the tips of branches and (peeled) tags, deduplicated."""
    output = subprocess.run(
        [
            git_executable(),
            "-C",
            str(repo),
            "for-each-ref",
            "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname)",
            "refs/heads",
            "refs/tags",
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    tips: set[str] = set()
    for line in output.splitlines():
        kind, sha, peeled_kind, peeled_sha = [*line.split(" "), "", ""][:4]
        if kind == "commit":
            tips.add(sha)
        elif peeled_kind == "commit":
            tips.add(peeled_sha)
    return sorted(tips)


def time_git(repo: Path, args: list[str], stdin: bytes = b"") -> tuple[float, bytes]:
    """Wall time of one git command whose output is read into memory, and that output."""
    start = time.perf_counter()
    completed = subprocess.run(
        [git_executable(), "-C", str(repo), *args], input=stdin, stdout=subprocess.PIPE, check=True
    )
    return time.perf_counter() - start, completed.stdout


def time_parse_only(raw_output: bytes) -> float:
    """CPU cost of the Python side alone: framing already-captured -z output into records."""
    start = time.perf_counter()
    fields = raw_output.split(b"\0")
    fields.pop()  # the output ends with NUL
    for _ in _parse_commits(iter(fields)):
        pass
    return time.perf_counter() - start


def time_stream(repo: Path, tips: list[str]) -> tuple[float, int, int, int]:
    start = time.perf_counter()
    commits = list(stream_commits(repo, tips))
    elapsed = time.perf_counter() - start
    additions = sum(commit.additions for commit in commits)
    deletions = sum(commit.deletions for commit in commits)
    return elapsed, len(commits), additions, deletions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    tips = branch_and_tag_tips(args.repo)
    tip_lines = "".join(tip + "\n" for tip in tips).encode()
    baseline_args = ["log", "--branches", "--tags", "--numstat", "-M"]
    # The very command stream_commits runs, minus the config overrides: git's share alone.
    raw_args = ["log", *_LOG_FLAGS]
    baseline_times, raw_times, stream_times, parse_times = [], [], [], []
    commits = additions = deletions = 0
    for _ in range(args.runs):  # interleaved so all see the same page-cache state
        baseline_times.append(time_git(args.repo, baseline_args)[0])
        elapsed, raw_output = time_git(args.repo, raw_args, tip_lines)
        raw_times.append(elapsed)
        parse_times.append(time_parse_only(raw_output))
        del raw_output
        elapsed, commits, additions, deletions = time_stream(args.repo, tips)
        stream_times.append(elapsed)
    baseline, raw, stream = min(baseline_times), min(raw_times), min(stream_times)
    print(f"repository        {args.repo} (git {git_version()}, {len(tips)} branch/tag tips)")
    print(f"commits           {commits}  +{additions} -{deletions}")
    print(f"git {' '.join(baseline_args):<40} {baseline:.3f} s")
    print(f"git log -z (stream_commits' flags, unparsed)   {raw:.3f} s")
    print(f"list(stream_commits(repo, tips))               {stream:.3f} s")
    print(f"parsing alone (captured output, no git)        {min(parse_times):.3f} s")
    print(f"ratio vs baseline  {stream / baseline:.2f}x  (bar: <= 1.5x)")
    print(f"ratio vs raw -z    {stream / raw:.2f}x  (Python parsing overhead)")
    print(f"(minimum of {args.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

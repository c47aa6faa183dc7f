"""deployment_frequency and cycle_time on a real repository, against the same definitions
computed independently with plain git commands (§4).

    python benchmarks/agreement.py PATH/TO/MIRROR [--months 24]

Independent side (no devintel code): release tags are `git for-each-ref refs/tags` names
matching ^v?\\d+(\\.\\d+){1,3}$, deployed at %(creatordate) (tagger date, else the commit's
committer date), peeled with `git rev-parse TAG^{commit}`; deployments sorted by time; each
ships `git rev-list --no-merges SHA --not <every earlier deployment's sha>`; the first
deployment that ships anything is the baseline; bots (`[bot]`, dependabot, renovate in the
author name or email, after .mailmap) and spans <= 0 are left out. Monthly buckets in UTC:
frequency = deployments / (days in month / 7), cycle time = median hours.

devintel side: `devintel repo add` into a temporary state dir, then `devintel metrics
... --granularity monthly --json`. Prints both series side by side; exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

RELEASE = re.compile(r"^v?\d+(\.\d+){1,3}$")
BOTS = ("[bot]", "dependabot", "renovate")
ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


def round1(value: float) -> float:
    return math.floor(value * 10 + 0.5) / 10


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=ENV
    ).stdout


def independent(repo: Path) -> tuple[dict[str, float], dict[str, float]]:
    tags = []
    for line in git(
        repo, "for-each-ref", "refs/tags", "--format=%(refname:strip=2)|%(creatordate:unix)"
    ).splitlines():
        name, created = line.rsplit("|", 1)
        if not RELEASE.match(name):
            continue
        peeled = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "-q", "--verify", f"{name}^{{commit}}"],
            capture_output=True,
            text=True,
            env=ENV,
        )
        if peeled.returncode == 0:
            tags.append((int(created), name, peeled.stdout.strip()))
    tags.sort()
    per_month_deploys: dict[str, int] = defaultdict(int)
    spans: dict[str, list[float]] = defaultdict(list)
    earlier: list[str] = []
    baseline_seen = False
    for at, _name, sha in tags:
        month = datetime.fromtimestamp(at, UTC).strftime("%Y-%m")
        per_month_deploys[month] += 1
        out = (
            git(repo, "rev-list", "--no-merges", "--format=%at|%aN|%aE", sha, "--not", *earlier)
            if earlier
            else git(repo, "rev-list", "--no-merges", "--format=%at|%aN|%aE", sha)
        )
        rows = [r for r in out.splitlines() if not r.startswith("commit ")]
        merges_too = git(repo, "rev-list", "--count", sha, "--not", *earlier) if earlier else "1"
        earlier.append(sha)
        if not baseline_seen:
            baseline_seen = int(merges_too) > 0
            continue
        for row in rows:
            authored, name, email = row.split("|", 2)
            who = f"{name} {email}".lower()
            if any(b in who for b in BOTS):
                continue
            span = (at - int(authored)) / 3600
            if span > 0:
                spans[month].append(span)
    frequency = {}
    for month, count in per_month_deploys.items():
        year, mon = map(int, month.split("-"))
        frequency[month] = count / (calendar.monthrange(year, mon)[1] / 7)
    return frequency, {m: statistics.median(v) for m, v in spans.items()}


def devintel_series(home: Path, metric: str, start: str, end: str) -> dict[str, float | None]:
    devintel = shutil.which("devintel") or str(Path(sys.executable).parent / "devintel")
    out = subprocess.run(
        [
            devintel,
            "metrics",
            metric,
            "--from",
            start,
            "--to",
            end,
            "--granularity",
            "monthly",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DEVINTEL_HOME": str(home)},
    ).stdout
    return {p["month"]: p["value"] for p in json.loads(out)["data"]["series"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--months", type=int, default=24, help="compare the last N months")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devintel-agree-"))
    try:
        copy = work / "copy.git"
        subprocess.run(["git", "init", "-q", "--bare", str(copy)], check=True, env=ENV)
        git(
            copy,
            "fetch",
            "-q",
            str(args.mirror.resolve()),
            "+refs/heads/*:refs/heads/*",
            "+refs/tags/*:refs/tags/*",
        )
        frequency, cycle = independent(copy)
        months = sorted(frequency)[-args.months :]
        start, end = f"{months[0]}-01", months[-1]
        year, mon = map(int, end.split("-"))
        end = f"{end}-{calendar.monthrange(year, mon)[1]:02d}"
        home = work / "state"
        subprocess.run(
            [sys.executable, "-m", "devintel_cli", "repo", "add", str(copy)],
            check=True,
            capture_output=True,
            env={**os.environ, "DEVINTEL_HOME": str(home)},
        )
        mismatches = 0
        for metric, expected in (("deployment_frequency", frequency), ("cycle_time", cycle)):
            got = devintel_series(home, metric, start, end)
            print(f"\n{metric} (monthly, {start} .. {end})")
            print(f"{'month':8}  {'git':>9}  {'devintel':>9}")
            for month in sorted(set(got) | {m for m in expected if start[:7] <= m <= end[:7]}):
                # §12's one decimal, half up (Python's round() would take 0.25 to 0.2)
                want = round1(expected[month]) if month in expected else None
                if metric == "deployment_frequency" and want is None:
                    want = 0.0  # a count metric: 0 in a month without releases
                have = got.get(month)
                ok = have is not None and want is not None and abs(have - want) <= 0.051
                ok = ok or (have is None and want is None)
                mismatches += not ok
                print(
                    f"{month:8}  {want if want is not None else '-':>9}  "
                    f"{have if have is not None else '-':>9}  {'' if ok else 'MISMATCH'}"
                )
        print(f"\n{mismatches} mismatches")
        return 1 if mismatches else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

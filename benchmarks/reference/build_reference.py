"""Build devintel's open-source reference distributions (§8) from real public repositories.

    python benchmarks/reference/build_reference.py MIRRORS \\
        --out devintel_cli/scoring/data/reference.json \\
        --table benchmarks/reference/repositories.csv

``MIRRORS`` locates a local git copy of every repository named in
``benchmarks/reference/repositories.txt`` (``--list``): either a directory laid out as
``MIRRORS/<owner>+<name>/repo`` (also ``<owner>+<name>``, ``<owner>/<name>.git`` or
``<owner>/<name>``), or a text file of ``owner/name PATH`` lines.

For each repository, one at a time:

1. a clean bare copy: ``git init --bare`` + ``git fetch SRC +refs/heads/*:refs/heads/*
   +refs/tags/*:refs/tags/*`` (real mirrors carry ``refs/pull/*`` naming objects they lack,
   which libgit2's local transport refuses); then the ``refs/pull/*/head`` whose objects are
   all there (PR evidence, as devintel fetches it from GitHub; found by halving the set
   around the refs whose fetch fails); HEAD set to the source's default branch;
2. devintel's own ingestion into a fresh state directory (``add_repository`` with the
   repository's release-tag pattern, else devintel's default ``^v?\\d+(\\.\\d+){1,3}$``);
3. the window value of each metric over the ``--window-days`` (365 unless told) days ending
   at the repository's last commit
   (as-of = the latest committer time + 1 s) with devintel's read path (``load_inputs`` +
   ``compute_values`` over one window bucket): absent values stay absent, never 0;
4. the active contributors (devintel's definition: distinct author emails after mailmap of
   non-merge, non-bot commits authored in the window) and the primary language (lines added
   in the window by non-merge, non-bot commits, per file extension: ``primary_language`` of
   ``devintel_cli/scoring/languages.py``, the definition ``devintel benchmarks`` uses too).

Then quantiles p10/p25/p50/p75/p90 (``sample_quantiles``: linear, Hyndman & Fan type 7) per
metric for all repositories, per team-size cohort and per language when a cohort has at
least ``MIN_COHORT`` values. The JSON is validated with ``parse_reference`` before it is
written. ``--from-table`` recomputes the JSON from an existing table without ingesting.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring.benchmarks import (
    DEFAULT_RANKS,
    TEAM_SIZE_LABELS,
    parse_reference,
    sample_quantiles,
    team_size_cohort,
)

# the language definition is the package's, shared with `devintel benchmarks` (one place)
from devintel_cli.scoring.languages import primary_language

HERE = Path(__file__).resolve().parent
DEFAULT_LIST = HERE / "repositories.txt"
DEFAULT_TAG_PATTERN = r"^v?\d+(\.\d+){1,3}$"  # devintel's default (config.py)

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}

#: the metrics Git alone can give (no imported coverage, incidents or tasks)
METRICS: tuple[Metric, ...] = (
    Metric.DEPLOYMENT_FREQUENCY,
    Metric.CYCLE_TIME,
    Metric.CHANGE_FAILURE_RATE,
    Metric.REWORK_RATE,
    Metric.FAILED_DEPLOYMENT_RECOVERY_TIME,
    Metric.CODE_CHURN,
    Metric.PR_REVIEW_TIME,
)
#: the default window; ``--window-days`` measures another (the shipped files: 365 and 90)
WINDOW_DAYS = 365
#: fewest values a cohort needs to get its own distribution (the whole set too)
MIN_COHORT = 5
#: decimals kept in the table and the JSON (the JSON's quantiles come from the table's values)
DECIMALS = 4

TABLE_FIELDS = (
    "repository",
    "commit",
    "default_branch",
    "tag_pattern",
    "window_start",
    "window_end",
    "language",
    "language_share",
    "active_contributors",
    "team_size",
    "commits_total",
    "commits_in_window",
    "release_tags",
    "deployments_in_window",
    "pull_request_heads",
    "ingest_seconds",
    *(name for m in METRICS for name in (str(m), f"{m}_n")),
    "notes",
)


# --- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    name: str
    tag_pattern: str | None


def read_list(path: Path) -> list[Entry]:
    """``owner/name [tag-regex]`` per line; ``#`` starts a comment line; blank lines skipped."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, pattern = line.partition(" ")
        pattern = pattern.strip() or None
        if name.count("/") != 1:
            raise SystemExit(f"{path}:{number}: expected owner/name, got {name!r}")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise SystemExit(f"{path}:{number}: bad tag pattern: {error}") from None
        if name.lower() in seen:
            raise SystemExit(f"{path}:{number}: {name} listed twice")
        seen.add(name.lower())
        entries.append(Entry(name, pattern))
    return entries


def _is_git_dir(path: Path) -> bool:
    if not path.is_dir():
        return False
    done = subprocess.run(
        ["git", "--git-dir", str(path), "rev-parse", "--git-dir"],
        capture_output=True,
        env=GIT_ENV,
    )
    return done.returncode == 0


def locate(name: str, mirrors: Path) -> Path:
    """The local git directory of ``owner/name``."""
    if mirrors.is_file():
        for raw in mirrors.read_text(encoding="utf-8").splitlines():
            parts = raw.split(None, 1)
            if len(parts) == 2 and not raw.lstrip().startswith("#") and parts[0] == name:
                return Path(parts[1].strip()).expanduser()
        raise FileNotFoundError(f"{name}: not in {mirrors}")
    owner, repo = name.split("/")
    candidates = (
        mirrors / f"{owner}+{repo}" / "repo",
        mirrors / f"{owner}+{repo}",
        mirrors / owner / f"{repo}.git",
        mirrors / owner / repo,
    )
    for candidate in candidates:
        if _is_git_dir(candidate):
            return candidate
    raise FileNotFoundError(f"{name}: no git directory under {mirrors}")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args],
        check=check,
        capture_output=True,
        text=True,
        env=GIT_ENV,
    )


#: most ``git fetch`` runs spent looking for the PR heads whose history is whole
MAX_PULL_FETCHES = 120


def _fetch_refs(target: Path, source: Path, refs: Sequence[str]) -> bool:
    done = subprocess.run(
        ["git", "--git-dir", str(target), "fetch", "-q", "--no-tags", "--stdin", str(source)],
        input="".join(f"+{ref}:{ref}\n" for ref in refs),
        capture_output=True,
        text=True,
        env=GIT_ENV,
    )
    return done.returncode == 0


def _fetch_pull_heads(target: Path, source: Path) -> tuple[int, int]:
    """Copy the source's ``refs/pull/*/head`` whose history is whole: all at once, else by
    halving the set around the ones that fail (snapshots can lack some objects, e.g. large
    files). Returns (copied, offered)."""
    listing = git(source, "for-each-ref", "--format=%(refname)", "refs/pull/").stdout.split()
    heads = [ref for ref in listing if re.fullmatch(r"refs/pull/\d+/head", ref)]
    heads.sort(key=lambda ref: int(ref.split("/")[2]))
    budget = [MAX_PULL_FETCHES]

    def copy(refs: Sequence[str]) -> int:
        if not refs or budget[0] <= 0:
            return 0
        budget[0] -= 1
        if _fetch_refs(target, source, refs):
            return len(refs)
        if len(refs) == 1:
            return 0
        middle = len(refs) // 2
        return copy(refs[:middle]) + copy(refs[middle:])

    return copy(heads), len(heads)


def clean_copy(source: Path, target: Path) -> tuple[str | None, tuple[int, int]]:
    """A bare copy of ``source``'s branches and tags, then of its PR heads whose objects are
    all there; returns (default branch, (PR heads copied, PR heads offered))."""
    subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "init", "--bare", "-q", str(target)],
        check=True,
        env=GIT_ENV,
    )
    git(target, "fetch", "-q", "--no-tags", str(source),
        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")  # fmt: skip
    pulls = _fetch_pull_heads(target, source)
    head = git(source, "symbolic-ref", "-q", "HEAD", check=False).stdout.strip()
    if head and git(target, "rev-parse", "-q", "--verify", head, check=False).returncode == 0:
        git(target, "symbolic-ref", "HEAD", head)
        return head.removeprefix("refs/heads/"), pulls
    return None, pulls


# --- measuring one repository --------------------------------------------------------------


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), DECIMALS)


def _count_of(metric: Metric, value: Any) -> float | None:
    """The sample behind a window value: deployments for the frequency, the denominator of a
    ratio, the number of values a median was taken over."""
    if metric is Metric.DEPLOYMENT_FREQUENCY:
        return value.numerator
    if value.denominator is not None and metric in (
        Metric.CHANGE_FAILURE_RATE,
        Metric.REWORK_RATE,
        Metric.CODE_CHURN,
    ):
        return value.denominator
    return value.samples


def measure(
    entry: Entry, source: Path, work: Path, *, window_days: int = WINDOW_DAYS
) -> dict[str, Any]:
    """Ingest one repository with devintel and measure it; a table row."""
    from devintel_cli.metrics.buckets import window_bucket
    from devintel_cli.metrics.series import compute_values
    from devintel_cli.reporting import load_inputs, resolve_scope
    from devintel_cli.repositories import add_repository
    from devintel_cli.store import activity
    from devintel_cli.workspace import open_context

    slug = entry.name.replace("/", "+")
    copy = work / f"{slug}.git"
    state = work / f"{slug}.state"
    notes: list[str] = []
    started = time.perf_counter()
    branch, (pulls_copied, pulls_offered) = clean_copy(source, copy)
    os.environ["DEVINTEL_HOME"] = str(state)
    ctx = open_context(state_dir=state)
    try:
        repo, result = add_repository(ctx, str(copy), deploy_tags=entry.tag_pattern)
        if result is not None:
            notes.extend(result.warnings)
        ingest_seconds = time.perf_counter() - started
        conn = ctx.conn
        last = conn.execute(
            "SELECT max(committer_time) FROM commits WHERE repo_id = ?", (repo.id,)
        ).fetchone()[0]
        if last is None:
            raise RuntimeError("no commits ingested")
        as_of = datetime.fromtimestamp(last + 1, UTC)
        start = as_of - timedelta(days=window_days)
        scope = resolve_scope(ctx)
        window = window_bucket(start, as_of)
        inputs = load_inputs(ctx, scope, METRICS, [window], as_of=as_of)
        values = {m: compute_values(m, [window], inputs)[0] for m in METRICS}
        contributors = len(activity.author_commit_counts(conn, [repo.id], start, as_of))
        lo, hi = int(start.timestamp()), int(as_of.timestamp())
        language, share = primary_language(
            conn.execute(
                "SELECT f.path, f.additions FROM commits c JOIN commit_files f"
                " ON f.repo_id = c.repo_id AND f.sha = c.sha"
                " WHERE c.repo_id = ? AND c.is_merge = 0 AND c.is_bot = 0"
                " AND f.is_excluded = 0 AND f.is_binary = 0"
                " AND c.author_time >= ? AND c.author_time < ?",
                (repo.id, lo, hi),
            )
        )
        commits_total = conn.execute(
            "SELECT count(*) FROM commits WHERE repo_id = ?", (repo.id,)
        ).fetchone()[0]
        commits_window = conn.execute(
            "SELECT count(*) FROM commits WHERE repo_id = ? AND author_time >= ?"
            " AND author_time < ?",
            (repo.id, lo, hi),
        ).fetchone()[0]
        deployments = conn.execute(
            "SELECT count(*) FROM deployments WHERE repo_id = ?", (repo.id,)
        ).fetchone()[0]
        deployments_window = conn.execute(
            "SELECT count(*) FROM deployments WHERE repo_id = ? AND deployed_at >= ?"
            " AND deployed_at < ?",
            (repo.id, lo, hi),
        ).fetchone()[0]
        default_branch = repo.default_branch or branch
    finally:
        ctx.close()

    # cross-checks against git itself (§3: the raw figures must agree with it exactly)
    git_commits = int(git(copy, "rev-list", "--count", "--branches", "--tags").stdout)
    if git_commits != commits_total:
        notes.append(f"devintel counts {commits_total} commits, git {git_commits}")
    pattern = re.compile(entry.tag_pattern or DEFAULT_TAG_PATTERN)
    release_tags = []
    listing = git(copy, "for-each-ref", "--format=%(refname) %(objecttype) %(*objecttype)",
                  "refs/tags").stdout  # fmt: skip
    for line in listing.splitlines():
        ref, kind, peeled = line.split(" ")[:3]  # peeled is empty for non-tag objects
        name = ref.removeprefix("refs/tags/")
        if peeled == "tag":  # a tag of a tag: peel it all the way
            peeled = git(copy, "cat-file", "-t", f"{ref}^{{}}").stdout.strip()
        if pattern.search(name) and (peeled or kind) == "commit":
            release_tags.append(name)
    if len(release_tags) != deployments:
        notes.append(f"{len(release_tags)} release tags on commits, {deployments} deployments")
    if branch and default_branch != branch:
        notes.append(f"default branch {default_branch!r}, source HEAD {branch!r}")
    if as_of > datetime.now(UTC):
        notes.append("last committer time is in the future")
    tip = git(copy, "rev-parse", f"refs/heads/{default_branch}").stdout.strip()
    for metric in METRICS:
        if values[metric].value is None:
            notes.append(f"{metric}: {values[metric].reason}")

    row: dict[str, Any] = {
        "repository": entry.name,
        "commit": tip,
        "default_branch": default_branch,
        "tag_pattern": entry.tag_pattern or "",
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window_end": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": language or "",
        "language_share": "" if share is None else round(share, 3),
        "active_contributors": contributors,
        "team_size": team_size_cohort(contributors) or "",
        "commits_total": commits_total,
        "commits_in_window": commits_window,
        "release_tags": len(release_tags),
        "deployments_in_window": deployments_window,
        "pull_request_heads": f"{pulls_copied}/{pulls_offered}",
        "ingest_seconds": round(ingest_seconds, 1),
        "notes": "; ".join(notes),
    }
    for metric in METRICS:
        value = values[metric]
        row[str(metric)] = _csv_number(_rounded(value.value))
        count = _count_of(metric, value) if value.value is not None else None
        row[f"{metric}_n"] = _csv_number(_rounded(count))
    return row


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- the table and the distributions ----------------------------------------------------


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_table(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TABLE_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({field: row.get(field, "") for field in TABLE_FIELDS})


def _values(rows: Iterable[dict[str, Any]], metric: Metric) -> list[float]:
    return [float(r[str(metric)]) for r in rows if str(r.get(str(metric), "")).strip() != ""]


def _quantiles(values: Sequence[float]) -> dict[str, float]:
    return {
        f"p{rank:g}": round(value, DECIMALS)
        for rank, value in sample_quantiles(values, DEFAULT_RANKS).items()
    }


def build_document(
    rows: Sequence[dict[str, Any]],
    *,
    built_on: date,
    window_days: int = WINDOW_DAYS,
    table_name: str = "repositories.csv",
) -> dict[str, Any]:
    """The reference document (the format ``parse_reference`` reads) from table rows."""
    source = (
        f"devintel open-source reference, benchmarks/reference/build_reference.py, "
        f"{built_on.isoformat()}: {len(rows)} public repositories, see "
        f"benchmarks/reference/{table_name} (each repository's {window_days} days up to its "
        "last commit; deployments = release tags; PR times estimated from Git)"
    )
    cohorts: list[tuple[dict[str, str], list[dict[str, Any]]]] = [({}, list(rows))]
    for label in TEAM_SIZE_LABELS:
        cohorts.append(({"team_size": label}, [r for r in rows if r["team_size"] == label]))
    for language in sorted({r["language"] for r in rows if r["language"]}):
        cohorts.append(({"language": language}, [r for r in rows if r["language"] == language]))
    distributions = []
    for metric in METRICS:
        for cohort, members in cohorts:
            values = _values(members, metric)
            if len(values) < MIN_COHORT:
                continue
            item: dict[str, Any] = {"metric": str(metric)}
            if cohort:
                item["cohort"] = cohort
            item["quantiles"] = _quantiles(values)
            item["sample_size"] = len(values)
            distributions.append(item)
    document = {
        "version": 1,
        "source": source,
        "window_days": window_days,
        "distributions": distributions,
    }
    parse_reference(document, origin="generated reference")  # raises if malformed
    return document


def _devintel_version() -> str:
    """The package version, and the checkout's commit when run from one (``+dirty`` when it
    has uncommitted changes): the numbers depend on the code that computed them."""
    import devintel_cli

    root = Path(devintel_cli.__file__).resolve().parents[1]
    done = subprocess.run(
        ["git", "-C", str(root), "describe", "--always", "--dirty=+dirty", "--abbrev=12"],
        capture_output=True,
        text=True,
        env=GIT_ENV,
    )
    commit = done.stdout.strip() if done.returncode == 0 else "no checkout"
    return f"{devintel_cli.__version__} ({commit})"


# --- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mirrors", type=Path, nargs="?", help="mirror directory or mapping file")
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST, help="repositories.txt")
    parser.add_argument("--out", type=Path, required=True, help="reference JSON to write")
    parser.add_argument("--table", type=Path, required=True, help="per-repository CSV")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument(
        "--resume", action="store_true", help="keep rows already in --table, measure the rest"
    )
    parser.add_argument(
        "--from-table", action="store_true", help="only recompute --out from --table"
    )
    parser.add_argument("--date", type=date.fromisoformat, help="date named in the source")
    parser.add_argument(
        "--window-days",
        type=int,
        default=WINDOW_DAYS,
        help="days up to each repository's last commit that are measured (default 365)",
    )
    args = parser.parse_args(argv)
    built_on = args.date or datetime.now(UTC).date()

    if args.from_table:
        rows: list[dict[str, Any]] = list(read_table(args.table))
    else:
        if args.mirrors is None:
            parser.error("MIRRORS is required unless --from-table")
        entries = read_list(args.list)
        done = (
            {r["repository"]: r for r in read_table(args.table)}
            if args.resume and args.table.exists()
            else {}
        )
        rows, failures = [], []
        print(f"devintel {_devintel_version()}", file=sys.stderr, flush=True)
        scratch = Path(tempfile.mkdtemp(prefix="devintel-reference-", dir=args.work))
        started = time.perf_counter()
        try:
            for number, entry in enumerate(entries, start=1):
                if entry.name in done:
                    rows.append(done[entry.name])
                    continue
                print(f"[{number}/{len(entries)}] {entry.name}", file=sys.stderr, flush=True)
                try:
                    source = locate(entry.name, args.mirrors)
                    row = measure(entry, source, scratch, window_days=args.window_days)
                except Exception as error:  # one bad repository must not sink the rest
                    failures.append((entry.name, f"{type(error).__name__}: {error}"))
                    print(f"    FAILED: {failures[-1][1]}", file=sys.stderr, flush=True)
                    continue
                finally:
                    for leftover in scratch.iterdir():
                        shutil.rmtree(leftover, ignore_errors=True)
                rows.append(row)
                write_table(args.table, rows)  # after every repository: --resume can go on
                print(
                    f"    {row['language'] or '?'}, {row['active_contributors']} contributors,"
                    f" {row['commits_total']} commits, {row['ingest_seconds']} s"
                    + (f" — {row['notes']}" if row["notes"] else ""),
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        write_table(args.table, rows)
        print(
            f"{len(rows)} repositories measured, {len(failures)} failed, "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        for name, problem in failures:
            print(f"  failed: {name}: {problem}", file=sys.stderr)

    document = build_document(
        rows, built_on=built_on, window_days=args.window_days, table_name=args.table.name
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(document['distributions'])} distributions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

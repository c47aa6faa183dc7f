"""§13 reliability: SIGKILL during ingestion then rerun gives the clean run's database;
two processes syncing into one database at once neither fail nor duplicate; a corrupt or
missing mirror and an unreachable remote are clear errors that change nothing."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dbdump import dump_database
from histories import write_history

pytestmark = pytest.mark.slow


def devintel(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEVINTEL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "devintel_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
    )


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory) -> Path:
    return write_history(tmp_path_factory.mktemp("src") / "big", 3000)


@pytest.fixture(scope="module")
def clean_dump(big_repo, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("clean")
    devintel(home, "repo", "add", str(big_repo))
    return dump_database(home / "devintel.db")


def test_clean_run_counts_what_git_counts(big_repo, clean_dump) -> None:
    # write_history: 3000 main commits + 74 side commits (one per 40 after the first),
    # 74 merges, 12 tags (v1.0.0 … v1.11.0, every 250 commits)
    assert len(clean_dump["commits"]) == 3074
    assert len(clean_dump["tags"]) == 12
    assert len(clean_dump["deployments"]) == 12


def _commit_count(db: Path) -> int:
    if not db.exists():
        return -1
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            return conn.execute("SELECT count(*) FROM commits").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_sigkill_during_ingestion_then_rerun_equals_clean_run(
    seed, big_repo, clean_dump, tmp_path
) -> None:
    """Kill once a random number of commits is stored (batches of 150: ~20 kill points),
    or, for seed 6, at a random moment of the mirror's first fetch."""
    rng = random.Random(seed)
    kill_after = rng.randrange(1, 3000) if seed != 6 else None
    env = {**os.environ, "DEVINTEL_HOME": str(tmp_path), "DEVINTEL_INGEST_BATCH": "150"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "devintel_cli", "repo", "add", str(big_repo)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = tmp_path / "devintel.db"
    deadline = time.monotonic() + 120
    if kill_after is None:
        while not (tmp_path / "mirrors").exists() and proc.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
    else:
        while proc.poll() is None and _commit_count(db) < kill_after:
            assert time.monotonic() < deadline
            time.sleep(0.005)
    was_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert was_running, "ingestion finished before the kill: the test did not test anything"
    # rerunning the same command resumes the interrupted add
    rerun = devintel(tmp_path, "repo", "add", str(big_repo), check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert dump_database(db) == clean_dump
    # and a sync after that has nothing left to do
    assert "up to date" in devintel(tmp_path, "repo", "sync", "--all").stderr


def test_two_processes_sync_different_repositories_at_once(tmp_path) -> None:
    first = write_history(tmp_path / "one", 1500, seed=1)
    second = write_history(tmp_path / "two", 1500, seed=2)
    home = tmp_path / "state"
    env = {**os.environ, "DEVINTEL_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "devintel_cli", "repo", "add", str(src)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for src in (first, second)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    dump = dump_database(home / "devintel.db")
    # one default workspace, one `local` integration: no duplicates from the race
    assert len(dump["workspaces"]) == 1
    assert len(dump["integrations"]) == 1
    # each repository holds exactly its own history: 1500 + 37 side commits each
    by_repo: dict[int, int] = {}
    for row in dump["commits"]:
        by_repo[row[0]] = by_repo.get(row[0], 0) + 1
    assert sorted(by_repo.values()) == [1537, 1537]


def test_unreachable_remote_is_exit_3_and_changes_nothing(tmp_path) -> None:
    devintel(tmp_path, "init")
    before = dump_database(tmp_path / "devintel.db")
    result = devintel(tmp_path, "repo", "add", f"file://{tmp_path}/missing/repo.git", check=False)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("devintel: error:")
    assert "Traceback" not in result.stderr
    assert dump_database(tmp_path / "devintel.db") == before
    assert (
        not any((tmp_path / "mirrors").rglob("*.git")) if (tmp_path / "mirrors").exists() else True
    )


def test_corrupt_mirror_is_exit_3_and_missing_mirror_is_rebuilt(tmp_path) -> None:
    src = write_history(tmp_path / "src", 60)
    home = tmp_path / "state"
    devintel(home, "repo", "add", str(src))
    before = dump_database(home / "devintel.db")
    mirror = next((home / "mirrors").rglob("src.git"))
    # corrupt: HEAD and config garbage
    (mirror / "HEAD").write_text("garbage\n")
    (mirror / "config").write_text("[[[ not a config\n")
    result = devintel(home, "repo", "sync", "src", check=False)
    assert result.returncode == 3, result.stderr
    assert "corrupt" in result.stderr and "Traceback" not in result.stderr
    assert dump_database(home / "devintel.db") == before
    # missing: mirrored again, with a warning, and the history is unchanged
    import shutil

    shutil.rmtree(mirror)
    result = devintel(home, "repo", "sync", "src")
    assert "mirroring it again" in result.stderr
    after = dump_database(home / "devintel.db")
    assert after["commits"] == before["commits"]

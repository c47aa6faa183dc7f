"""Large deterministic histories for reliability tests, written with ``git fast-import``
(thousands of commits in well under a second). Fixed authors and times: same shas every run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHORS = (
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Linus Example", "linus@example.com"),
)
START = 1_767_225_600  # 2026-01-01T00:00:00Z


def write_history(path: Path, commits: int, *, branch: str = "main", seed: int = 0) -> Path:
    """A repository with ``commits`` commits on ``branch`` (every 40th a merge of a side
    branch), a lightweight release tag every 250 commits, each commit touching two files."""
    subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True, env=_env())
    stream: list[str] = []
    mark = 0
    for i in range(commits):
        mark += 1
        name, email = AUTHORS[(i + seed) % len(AUTHORS)]
        when = START + i * 3_600 + seed
        files = "".join(
            _blob_inline(
                f"src/module_{(i + k) % 37}.py", f"value = {i * 7 + k + seed}\n" * (1 + i % 5)
            )
            for k in range(2)
        )
        parent = f"from :{mark - 1}\n" if i else ""
        merge = ""
        if i and i % 40 == 0:
            # a side commit merged back: one merge per 40 commits
            side = f"M 100644 inline side/{i}.txt\ndata 6\nside {i % 9}\n"
            stream.append(
                f"commit refs/heads/side\nmark :{mark}\nauthor {name} <{email}> {when} +0000\n"
                f"committer {name} <{email}> {when} +0000\ndata 10\nside work\n{parent}{side}\n"
            )
            merge = f"merge :{mark}\n"
            mark += 1
            parent = f"from :{mark - 2}\n"
        stream.append(
            f"commit refs/heads/{branch}\nmark :{mark}\nauthor {name} <{email}> {when} +0200\n"
            f"committer {name} <{email}> {when} +0200\ndata {len(_msg(i))}\n{_msg(i)}"
            f"{parent}{merge}{files}\n"
        )
        if i % 250 == 249:
            stream.append(f"reset refs/tags/v1.{i // 250}.0\nfrom :{mark}\n\n")
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"],
        input="".join(stream).encode(),
        check=True,
        env=_env(),
    )
    return path


def _msg(i: int) -> str:
    return f"change {i} (#{i})\n" if i % 3 == 0 else f"work on PAY-{i % 50}\n"


def _blob_inline(path: str, content: str) -> str:
    return f"M 100644 inline {path}\ndata {len(content.encode())}\n{content}"


def _env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}

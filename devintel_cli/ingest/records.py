"""The plain records that ingestion passes around: one commit and its per-file line counts.

They are what ``gitlog.stream_commits`` yields and what the store writes, so they hold
decoded text and integers only (no pygit2 or subprocess objects).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileChange:
    """One row of ``git log --numstat`` for a commit (diff against its first parent)."""

    path: str  # path after the change (new path for renames)
    old_path: str | None  # source path when git paired a rename/copy, else None
    additions: int  # 0 for binary
    deletions: int  # 0 for binary
    is_binary: bool


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """One commit as ``git log`` shows it: identities after ``.mailmap``, raw times, numstat."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: int  # epoch seconds, UTC
    author_offset_minutes: int  # the author's UTC offset: +0530 -> 330, -0700 -> -420
    committer_name: str
    committer_email: str
    committer_time: int
    committer_offset_minutes: int
    subject: str  # git's %s: the first paragraph of the message, lines joined by spaces
    body: str  # git's %b: the message after the subject paragraph, trailing newlines dropped
    files: tuple[FileChange, ...]  # empty for merges (git shows no numstat for merges)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def additions(self) -> int:
        return sum(change.additions for change in self.files)

    @property
    def deletions(self) -> int:
        return sum(change.deletions for change in self.files)

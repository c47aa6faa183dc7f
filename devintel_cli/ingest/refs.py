"""Read a mirror's refs with pygit2: branch tips, tags (peeled, with tagger time) and
GitHub PR heads. Listing refs and comparing them with the stored snapshot is what makes a
no-op sync cheap (a few milliseconds even with a thousand refs)."""

from __future__ import annotations

from dataclasses import dataclass

import pygit2
from pygit2.enums import ObjectType

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"
PULL_PREFIX = "refs/pull/"


@dataclass(frozen=True, slots=True)
class TagInfo:
    name: str  # without refs/tags/
    object_sha: str  # what the ref points at (a tag object for annotated tags)
    commit_sha: str | None  # peeled commit; None for tags on blobs or trees
    is_annotated: bool
    tagger_time: int | None
    tagger_offset: int | None


@dataclass(frozen=True)
class RefSnapshot:
    #: every ref as (full name, direct target sha, kind) with kind branch|tag|pull
    refs: tuple[tuple[str, str, str], ...]
    tags: tuple[TagInfo, ...]

    def counted_tips(self) -> set[str]:
        """Commits whose history counts: branch tips and peeled tag targets (not PR heads)."""
        tips = {target for _, target, kind in self.refs if kind == "branch"}
        tips.update(tag.commit_sha for tag in self.tags if tag.commit_sha)
        return tips

    def pull_heads(self) -> dict[int, str]:
        heads: dict[int, str] = {}
        for name, target, kind in self.refs:
            if kind == "pull":
                number = name[len(PULL_PREFIX) :].split("/", 1)[0]
                if number.isdigit():
                    heads[int(number)] = target
        return heads


def ref_targets(repo: pygit2.Repository) -> dict[str, str]:
    """Every counted ref's direct target, without peeling anything: the cheap comparison
    that decides whether a sync has anything to do (1,000 tags are peeled only if not)."""
    return {name: target for name, target, _ in _list_refs(repo)}


def read_refs(repo: pygit2.Repository) -> RefSnapshot:
    refs = _list_refs(repo)
    tags = [
        _tag_info(repo, name[len(TAG_PREFIX):], target)
        for name, target, kind in refs
        if kind == "tag"
    ]
    return RefSnapshot(tuple(refs), tuple(tags))


def _list_refs(repo: pygit2.Repository) -> list[tuple[str, str, str]]:
    refs: list[tuple[str, str, str]] = []
    for name in sorted(repo.references):
        if name.startswith(BRANCH_PREFIX):
            kind = "branch"
        elif name.startswith(TAG_PREFIX):
            kind = "tag"
        elif name.startswith(PULL_PREFIX) and name.endswith("/head"):
            kind = "pull"
        else:
            continue
        refs.append((name, str(repo.references[name].resolve().target), kind))
    return refs


def _tag_info(repo: pygit2.Repository, name: str, target: str) -> TagInfo:
    obj = repo.get(target)
    if obj is None:
        return TagInfo(name, target, None, False, None, None)
    is_annotated = obj.type == ObjectType.TAG
    tagger_time = tagger_offset = None
    if is_annotated and obj.tagger is not None:
        tagger_time, tagger_offset = obj.tagger.time, obj.tagger.offset
    # peel by hand: tags may point at tags, and pygit2's peel raises on blobs and trees
    seen = 0
    while obj is not None and obj.type == ObjectType.TAG and seen < 100:
        obj = repo.get(obj.target)
        seen += 1
    commit_sha = str(obj.id) if obj is not None and obj.type == ObjectType.COMMIT else None
    return TagInfo(name, target, commit_sha, is_annotated, tagger_time, tagger_offset)

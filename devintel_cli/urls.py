"""Repository specs and URLs: ``owner/name`` shorthand, Git URLs, local paths (§1).

Credentials never survive into anything shown or stored: :func:`strip_credentials`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from .errors import UsageError

SHORTHAND = re.compile(r"^(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+)$")
SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)$")
SAFE_SEGMENT = re.compile(r"[^A-Za-z0-9_.-]+")
DEFAULT_HOST = "github.com"
LOCAL_HOST = "local"


class RepoSpec(NamedTuple):
    """Where a repository comes from, resolved from what the user typed."""

    host: str  # "github.com", "gitlab.example.org", or "local"
    owner: str
    name: str  # owner/name style display name is f"{owner}/{name}" except for local paths
    url: str  # fetch URL, credentials stripped

    @property
    def display_name(self) -> str:
        return self.name if self.host == LOCAL_HOST else f"{self.owner}/{self.name}"

    def mirror_relpath(self) -> Path:
        """``<host>/<owner>/<name>.git`` under the mirrors directory (§1)."""
        return Path(self.host) / self.owner / f"{self.name}.git"


def strip_credentials(url: str) -> str:
    """Drop ``user:password@`` (and a bare token user) from a URL for display and storage."""
    parts = urlsplit(url)
    if not parts.scheme or parts.netloc.rfind("@") < 0:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def parse_spec(text: str, *, default_host: str = DEFAULT_HOST, cwd: Path | None = None) -> RepoSpec:
    """Resolve ``owner/name``, a Git URL (https, http, ssh, git, file, scp-like) or a path.

    A path that exists wins over the ``owner/name`` reading of the same text, so
    ``repo add ./team/app`` mirrors the local directory.
    """
    text = text.strip()
    if not text:
        raise UsageError("empty repository spec")
    base = cwd or Path.cwd()
    candidate = (base / text).expanduser() if not text.startswith("/") else Path(text)
    if "://" not in text and candidate.exists():
        return _local_spec(candidate.resolve())
    if "://" in text:
        return _url_spec(text)
    shorthand = SHORTHAND.match(text)
    if shorthand:
        owner, name = shorthand["owner"], shorthand["name"].removesuffix(".git")
        return RepoSpec(default_host, owner, name, f"https://{default_host}/{owner}/{name}.git")
    scp = SCP_LIKE.match(text)
    if scp and "/" in scp["path"]:
        owner, name = _owner_name(scp["path"])
        return RepoSpec(scp["host"].lower(), owner, name, text)
    raise UsageError(
        f"not a repository spec: {text!r}",
        hint="use owner/name, a Git URL (https://host/owner/name.git) or a path to a repository",
    )


def _url_spec(text: str) -> RepoSpec:
    parts = urlsplit(text)
    if parts.scheme not in {"https", "http", "ssh", "git", "file"}:
        raise UsageError(f"unsupported URL scheme {parts.scheme!r} in {strip_credentials(text)}")
    if parts.scheme == "file":
        path = Path(parts.path)
        spec = _local_spec(path)
        return RepoSpec(spec.host, spec.owner, spec.name, text)
    if not parts.hostname or parts.path.strip("/").count("/") < 1:
        raise UsageError(f"not a repository URL: {strip_credentials(text)!r}")
    owner, name = _owner_name(parts.path)
    return RepoSpec(parts.hostname.lower(), owner, name, strip_credentials(text))


def _owner_name(path: str) -> tuple[str, str]:
    segments = [s for s in path.strip("/").split("/") if s]
    name = segments[-1].removesuffix(".git")
    owner = "/".join(segments[:-1])
    return SAFE_SEGMENT.sub("_", owner), SAFE_SEGMENT.sub("_", name)


def _local_spec(path: Path) -> RepoSpec:
    name = SAFE_SEGMENT.sub("_", path.name.removesuffix(".git")) or "repo"
    # two local repositories may share a directory name: the owner segment keeps them apart
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return RepoSpec(LOCAL_HOST, digest, name, str(path))

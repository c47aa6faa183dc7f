"""Repository specs (§1): owner/name, Git URLs, local paths; credentials never kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from devintel_cli.errors import UsageError
from devintel_cli.urls import parse_spec, strip_credentials


@pytest.mark.parametrize(
    ("text", "host", "display", "url"),
    [
        ("psf/requests", "github.com", "psf/requests", "https://github.com/psf/requests.git"),
        (
            "https://github.com/psf/requests.git",
            "github.com",
            "psf/requests",
            "https://github.com/psf/requests.git",
        ),
        (
            "https://x-access-token:s3cr3t@git.example.org/team/app.git",
            "git.example.org",
            "team/app",
            "https://git.example.org/team/app.git",
        ),
        (
            "git@gitlab.com:group/sub/app.git",
            "gitlab.com",
            "group_sub/app",
            "git@gitlab.com:group/sub/app.git",
        ),
        ("ssh://git@host.example:2222/o/n", "host.example", "o/n", "ssh://host.example:2222/o/n"),
    ],
)
def test_remote_specs(text: str, host: str, display: str, url: str) -> None:
    spec = parse_spec(text)
    assert (spec.host, spec.display_name, spec.url) == (host, display, url)
    assert "s3cr3t" not in str(spec)


def test_local_path_wins_over_shorthand(tmp_path: Path) -> None:
    (tmp_path / "team" / "app").mkdir(parents=True)
    spec = parse_spec("team/app", cwd=tmp_path)
    assert spec.host == "local"
    assert spec.display_name == "app"
    assert spec.url == str((tmp_path / "team" / "app").resolve())
    # two local repositories with the same directory name get different mirrors
    (tmp_path / "other" / "app").mkdir(parents=True)
    assert spec.mirror_relpath() != parse_spec("other/app", cwd=tmp_path).mirror_relpath()


@pytest.mark.parametrize(
    "text", ["", "   ", "not a repo", "ftp://host/o/n", "https://host/", "a/b/c"]
)
def test_malformed_specs_are_usage_errors(text: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        parse_spec(text, cwd=tmp_path)


def test_strip_credentials() -> None:
    assert strip_credentials("https://u:p@h.org/o/n.git") == "https://h.org/o/n.git"
    assert strip_credentials("https://token@h.org/o/n.git") == "https://h.org/o/n.git"
    assert strip_credentials("https://h.org/o/n.git") == "https://h.org/o/n.git"
    assert strip_credentials("/local/path") == "/local/path"

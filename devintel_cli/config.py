"""Settings: flags > ``DEVINTEL_*`` environment > ``devintel.toml`` in the state dir > defaults.

Only what ingestion needs lives here so far: bot patterns, path exclusions and the release
tag pattern. A malformed TOML file is bad input (exit 2), named with its path.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputFileError

DEFAULT_BOT_PATTERNS: tuple[str, ...] = ("[bot]", "dependabot", "renovate")

#: vendored, generated and lock files: excluded from churn and risk (§3), not from raw figures
DEFAULT_EXCLUDED_PATHS: tuple[str, ...] = (
    "vendor/*",
    "*/vendor/*",
    "third_party/*",
    "*/third_party/*",
    "node_modules/*",
    "*/node_modules/*",
    "*.lock",
    "*package-lock.json",
    "*pnpm-lock.yaml",
    "*go.sum",
    "*npm-shrinkwrap.json",
    "*.min.js",
    "*.min.css",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
)

#: release-like tags only: `v1.2`, `1.2.3`, `v1.2.3.4`; not `-rc1`, `rc2`, `.dev0`, `2.3.x` (§4)
DEFAULT_DEPLOY_TAG_PATTERN = r"^v?\d+(\.\d+){1,3}$"


@dataclass(frozen=True)
class IngestSettings:
    bot_patterns: tuple[str, ...] = DEFAULT_BOT_PATTERNS
    excluded_paths: tuple[str, ...] = DEFAULT_EXCLUDED_PATHS
    deploy_tag_pattern: str = DEFAULT_DEPLOY_TAG_PATTERN
    _excluded_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(fnmatch.translate(p) for p in self.excluded_paths) or r"(?!)"
        object.__setattr__(self, "_excluded_re", re.compile(joined))

    def is_excluded(self, path: str) -> bool:
        return self._excluded_re.match(path) is not None


def read_config(path: Path) -> dict[str, Any]:
    """The parsed ``devintel.toml`` (empty when there is none)."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}") from exc


def load_settings(path: Path) -> IngestSettings:
    """Read ``[ingest]`` and ``[deployments]`` from ``devintel.toml`` if it exists."""
    data = read_config(path)
    ingest = data.get("ingest", {})
    deployments = data.get("deployments", {})
    kwargs: dict[str, object] = {}
    for key, section, name in (
        ("bot_patterns", ingest, "ingest.bot_patterns"),
        ("excluded_paths", ingest, "ingest.excluded_paths"),
    ):
        if key in section:
            value = section[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputFileError(f"{path}: {name} must be a list of strings")
            kwargs[key] = tuple(value)
    if "tag_pattern" in deployments:
        kwargs["deploy_tag_pattern"] = validate_pattern(
            deployments["tag_pattern"], f"{path}: deployments.tag_pattern"
        )
    return IngestSettings(**kwargs)  # type: ignore[arg-type]


def validate_pattern(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputFileError(f"{where} must be a string")
    try:
        re.compile(value)
    except re.error as exc:
        raise InputFileError(f"{where}: not a valid regular expression: {exc}") from exc
    return value

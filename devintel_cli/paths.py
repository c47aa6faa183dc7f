"""Where devintel keeps its state: ``$DEVINTEL_HOME``, else the platform user data dir (§1)."""

from __future__ import annotations

import os
from pathlib import Path

DB_FILENAME = "devintel.db"
CONFIG_FILENAME = "devintel.toml"


def state_dir() -> Path:
    """The state directory, created on first use.

    ``DEVINTEL_HOME`` wins so that tests, CI jobs and ``devintel demo`` can keep their own
    state apart from the user's.
    """
    home = os.environ.get("DEVINTEL_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs  # lazy: keeps `devintel --help` fast

        path = Path(platformdirs.user_data_dir("devintel", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path(root: Path | None = None) -> Path:
    return (root or state_dir()) / DB_FILENAME


def mirrors_dir(root: Path | None = None) -> Path:
    return (root or state_dir()) / "mirrors"


def config_path(root: Path | None = None) -> Path:
    return (root or state_dir()) / CONFIG_FILENAME

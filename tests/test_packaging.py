"""What a plain ``pip install .`` ships: pyproject.toml lists the packages by hand (the
fixture builder lives outside ``devintel_cli/`` and is mapped in), so a new subpackage left
off that list would import from a checkout and fail from an installed copy — as
``devintel_cli.models`` once did, caught only by CI's ``devintel demo`` after install."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_subpackage_is_listed_for_installation() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    listed = set(setuptools["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "devintel_cli").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    mapped = set(setuptools.get("package-dir", {}))
    data_only = {  # directories of package data, listed so that setuptools ships them
        name
        for name in setuptools.get("package-data", {})
        if (ROOT / Path(*name.split("."))).is_dir() and name not in on_disk
    }
    assert listed - on_disk - mapped - data_only == set(), "listed but neither on disk nor mapped"

"""Shared test fixtures: an isolated state dir and HOME for every test, no network beyond
127.0.0.1, the CLI through Typer's CliRunner, and ``git`` for independent checks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own DEVINTEL_HOME and HOME: tests never touch the user's files."""
    root = tmp_path_factory.mktemp("state")
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DEVINTEL_HOME", str(root))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DEVINTEL_WORKSPACE", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    return root


@pytest.fixture(autouse=True)
def no_network(monkeypatch) -> None:
    """Tests may talk to 127.0.0.1 only."""
    real_connect = socket.socket.connect

    def guarded(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in {"127.0.0.1", "localhost", "::1"}
            and not (self.family == socket.AF_UNIX)
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


class Cli:
    """Runs ``devintel`` in-process through Typer's CliRunner (stdout and stderr apart)."""

    def __init__(self) -> None:
        from devintel_cli.cli.app import app

        self.app = app
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0):  # type: ignore[no-untyped-def]
        result = self.runner.invoke(self.app, [str(a) for a in args])
        assert result.exit_code == code, (
            f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
            f"\nexception: {result.exception!r}"
        )
        return result

    def json(self, *args: str):  # type: ignore[no-untyped-def]
        return json.loads(self(*args, "--format", "json").stdout)["data"]


@pytest.fixture
def cli() -> Cli:
    return Cli()


def git(repo: Path, *args: str) -> str:
    """Run the real git CLI (user and system config ignored) and return stdout."""
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout

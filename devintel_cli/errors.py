"""The error hierarchy. The core raises these; only ``cli`` turns them into exit codes (§12).

Each class carries the exit code the spec names for its kind of failure, and an optional
hint that the CLI prints after the one-line message ("Tip: ...").
"""

from __future__ import annotations


class DevintelError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DevintelError):
    """Bad usage or bad input: flags, unknown IDs, malformed files (exit 2)."""

    exit_code = 2


class NotFoundError(UsageError):
    """An ID, name or repository the user named does not exist (exit 2)."""


class InputFileError(UsageError):
    """A file the user gave is malformed; the message names the line or field (exit 2)."""


class ConflictError(UsageError):
    """The request contradicts existing state, e.g. adding a repository twice (exit 2)."""


class ExternalError(DevintelError):
    """A failure outside devintel that is safe to retry: remote, network, auth, busy DB (exit 3)."""

    exit_code = 3


class GitError(ExternalError):
    """git or libgit2 failed: unreachable remote, rejected credentials, corrupt mirror."""


class DatabaseBusyError(ExternalError):
    """The database stayed locked past the busy timeout."""


class SchemaVersionError(DevintelError):
    """The database was written by a newer devintel than this one (exit 2: not a bug here)."""

    exit_code = 2


class CheckFailed(DevintelError):
    """A check the user asked for failed: --fail-under, alerts check --exit-code (exit 1)."""

    exit_code = 1

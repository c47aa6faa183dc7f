"""Streams a repository's history out of ``git log --numstat -z`` as ``CommitRecord`` values.

Measured (notes/ingest-baselines.md): git's own line counting is ~90 % of a backfill, so
reading its output costs little, while a pygit2 diff walk costs 2–4× and disagrees with git
on a few rows. This module owns that one subprocess: how it is run, how its byte stream is
framed, and how a failure anywhere becomes a ``GitError`` instead of a shorter history.

Output layout (git 2.39, verified by experiment and pinned by tests/test_gitlog.py). With
``-z`` and a ``tformat`` that separates its fields with NUL, every commit is::

    H \\0 P \\0 aN \\0 aE \\0 ad \\0 cN \\0 cE \\0 cd \\0 s \\0 b \\0          (header: 10 fields)
    \\n A \\t D \\t path \\0                              (first numstat row, after a "\\n")
    A \\t D \\t \\0 old \\0 new \\0                          (a rename: empty path, then two)
    - \\t - \\t path \\0                                  (binary)

and the next commit follows directly. Commits without a diff (merges, empty commits) have
no "\\n" and no rows. No field can hold a NUL: git cuts messages at the first NUL and prints
a literal placeholder for an unparsable identity, so the framing is positional and exact —
a hostile message (tabs, newlines, lines that look like numstat rows or shas) is just the
text of one field. Every field is validated (object ids are hex, dates are ``<secs> <±zone>``),
so a garbled or truncated stream raises instead of yielding a wrong or smaller history.

Text decoding: git prints names, messages and paths as raw bytes (messages with an
``encoding`` header are re-encoded to UTF-8 by ``--encoding=UTF-8``). Bytes that are not
UTF-8 are decoded with ``errors="backslashreplace"`` (``\\xe9``): unlike "replace" it keeps
two different Latin-1 names or paths distinct, and unlike "surrogateescape" the result is
valid Unicode that SQLite and JSON accept.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from queue import Empty, Full, Queue
from typing import IO

from devintel_cli.errors import GitError
from devintel_cli.ingest.records import CommitRecord, FileChange

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_GIT_HINT = (
    "Install git (https://git-scm.com) and make sure it is on PATH: "
    "devintel reads history with `git log`."
)

_HEADER_FIELDS = ("%H", "%P", "%aN", "%aE", "%ad", "%cN", "%cE", "%cd", "%s", "%b")
_FORMAT = "tformat:" + "%x00".join(_HEADER_FIELDS)

# User configuration (~/.gitconfig, the repository's config) must not change what we parse
# or count. Some of these repeat a flag below; the rest have no flag on older gits.
_CONFIG_OVERRIDES = (
    "log.showSignature=false",  # would print gpg output into the stream
    "log.showRoot=true",  # false hides the root commit's diff: its lines would vanish
    "diff.renames=true",  # -M below pins it too
    "diff.algorithm=myers",  # patience/histogram change line counts
    "diff.ignoreSubmodules=none",  # would drop submodule rows
    "diff.relative=false",  # would drop rows outside the current directory
    "core.quotepath=false",  # -z never quotes; belt and braces
    "color.ui=never",
)
_LOG_FLAGS = (
    "--stdin",
    "--numstat",
    "-z",
    "-M",  # git's default rename detection: a moved file is not churn
    "--no-color",
    "--no-textconv",
    "--no-ext-diff",
    "--encoding=UTF-8",
    "--date=raw",
    f"--format={_FORMAT}",
)
_DIFF_MERGES_SINCE = (2, 31)  # first git that knows --diff-merges=off

# Variables that would point git at another repository or inject configuration.
_SCRUBBED_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
)

_CHUNK_BYTES = 1 << 20
#: the pipe size asked for (Linux's default ceiling for unprivileged processes)
_PIPE_BYTES = 1 << 20
#: chunks a reader thread may hold ahead of the parser: git keeps writing while a batch is
#: parsed and stored, and memory stays bounded (32 × 1 MiB, whatever the history length)
_READ_AHEAD_CHUNKS = 32
_HEX_DIGITS = b"0123456789abcdef"
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def git_executable() -> str:
    """The absolute path of ``git`` on PATH; ``GitError`` when there is none."""
    found = shutil.which("git")
    if found is None:
        raise GitError("git executable not found on PATH", hint=_GIT_HINT)
    return found


def git_version() -> str:
    """The version of the ``git`` on PATH, e.g. ``"2.39.5"`` (for diagnostics)."""
    return _version_of(git_executable())


@functools.lru_cache(maxsize=8)
def _version_of(executable: str) -> str:
    try:
        completed = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            env=_git_env(),
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"could not run {executable} --version: {exc}", hint=_GIT_HINT) from exc
    output = completed.stdout.decode("utf-8", "backslashreplace").strip()
    if completed.returncode != 0 or not output.startswith("git version "):
        raise GitError(f"{executable} --version failed: {output or completed.returncode}")
    return output.removeprefix("git version ")


def _version_tuple(version: str) -> tuple[int, ...]:
    match = _VERSION_RE.match(version)
    if match is None:
        return ()
    return tuple(int(part) for part in match.groups(default="0"))


def _git_env(repo_path: Path | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED_ENV and not key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    env.update(GIT_CONFIG_NOSYSTEM="1", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    if repo_path is not None:
        # A path that is not a repository must fail, not silently read an enclosing one.
        env["GIT_CEILING_DIRECTORIES"] = str(repo_path.resolve().parent)
    return env


def _revision_lines(include: Sequence[str], exclude: Sequence[str]) -> bytes:
    """``--stdin`` input. git 2.39 refuses pseudo-options there, so callers pass tips."""
    lines = []
    for revision, prefix in [(r, "") for r in include] + [(r, "^") for r in exclude]:
        if (
            not isinstance(revision, str)
            or not revision
            or revision.startswith(("-", "^"))
            or any(char in revision for char in "\n\r\0")
        ):
            raise ValueError(f"not a revision for git log --stdin: {revision!r}")
        lines.append(prefix + revision + "\n")
    return "".join(lines).encode("utf-8", "surrogateescape")


def stream_commits(
    repo_path: Path, include: Sequence[str], exclude: Sequence[str] = ()
) -> Iterator[CommitRecord]:
    """Yield the commits reachable from ``include`` but not from ``exclude``, as git sees them.

    ``include``/``exclude`` are shas or ref names (``exclude`` lines go to git as
    ``^rev``), so one call serves a backfill (tips, nothing excluded) and an incremental
    run (new tips, ``^`` old tips). Order is ``git log``'s default (newest first, not
    topological). Records stream: memory does not grow with history length. An empty
    ``include`` yields nothing without running git (git would default to HEAD).

    Raises ``GitError`` when git is missing, exits non-zero (bad revision, missing
    object, killed) or its output is truncated or garbled — after having yielded only
    complete commits; the commit being read when the stream ended is never yielded.
    """
    if not include:
        return
    stdin_bytes = _revision_lines(include, exclude)
    executable = git_executable()
    argv = [executable, "--no-pager"]
    for override in _CONFIG_OVERRIDES:
        argv += ["-c", override]
    argv += ["-C", str(repo_path), "log", *_LOG_FLAGS]
    if _version_tuple(_version_of(executable)) >= _DIFF_MERGES_SINCE:
        argv.append("--diff-merges=off")
    tokens = _stream_tokens(argv, stdin_bytes, _git_env(repo_path), repo_path)
    try:
        yield from _parse_commits(tokens, repo_path)
    finally:
        tokens.close()  # a consumer that stops early must not leave git running


def _enlarge_pipe(fd: int) -> None:
    """Let git run ahead while we parse and write a batch: with the default 64 KiB pipe it
    blocks as soon as we stop reading. Linux only; elsewhere (or if refused) a no-op."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if setpipe is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setpipe, _PIPE_BYTES)


class _ReadAhead:
    """Reads a pipe in a thread of its own into a bounded queue, so git keeps writing while
    the consumer parses and stores a batch (``os.read`` runs without the GIL). Measured on
    git/git: the parser spent 37 s of a 73 s backfill waiting on a full pipe while git
    waited on it. Memory is bounded by ``_READ_AHEAD_CHUNKS`` chunks."""

    _END = b""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: Queue[bytes | OSError] = Queue(maxsize=_READ_AHEAD_CHUNKS)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="devintel-git-reader")
        self._thread.daemon = True
        self._thread.start()

    def _pump(self) -> None:
        item: bytes | OSError
        while True:
            try:
                item = os.read(self._fd, _CHUNK_BYTES)
            except OSError as exc:
                item = exc
            except Exception as exc:  # never leave the consumer waiting on a dead thread
                item = OSError(f"reading git's output failed: {exc!r}")
            if not self._put(item) or not isinstance(item, bytes) or item == self._END:
                return

    def _put(self, item: bytes | OSError) -> bool:
        """Queue ``item``, waiting for room unless the consumer has stopped (then False)."""
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def chunks(self) -> Iterator[bytes]:
        """The pipe's contents in order, until end of file (an ``OSError`` is re-raised)."""
        while True:
            item = self._queue.get()
            if isinstance(item, OSError):
                raise item
            if item == self._END:
                return
            yield item

    def stop(self) -> None:
        """Let the thread end (call after the writer is gone or killed: a read then
        returns end of file), and wait for it, so the fd can be closed safely."""
        self._stopping.set()
        with contextlib.suppress(Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=10)


def _stream_tokens(
    argv: list[str], stdin_bytes: bytes, env: dict[str, str], repo_path: Path
) -> Iterator[bytes]:
    """Run git and yield its stdout split on NUL, one complete field at a time.

    The exit status is checked before the stream is declared finished, so the caller's
    last pending commit is only completed once git has succeeded.
    """
    # stderr goes to a file: a pipe could fill up with per-commit warnings and deadlock us.
    with tempfile.TemporaryFile() as stderr_file:
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file, env=env
            )
        except OSError as exc:
            raise GitError(f"could not run git: {exc}", hint=_GIT_HINT) from exc
        assert process.stdin is not None and process.stdout is not None
        reader: _ReadAhead | None = None
        try:
            try:
                # git reads all of stdin before it writes anything, so this cannot deadlock.
                process.stdin.write(stdin_bytes)
                process.stdin.close()
            except BrokenPipeError:
                pass  # git died early (e.g. a bad revision); its status says why
            stdout_fd = process.stdout.fileno()
            _enlarge_pipe(stdout_fd)
            reader = _ReadAhead(stdout_fd)
            carry = b""
            for chunk in reader.chunks():
                fields = (carry + chunk).split(b"\0")
                carry = fields.pop()
                yield from fields
            returncode = process.wait()
        finally:
            if process.poll() is None:  # the consumer stopped early, or an error
                process.kill()
                process.wait()
            if reader is not None:
                reader.stop()  # before the fd closes: the thread may be reading it
            process.stdout.close()
            if not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
        if returncode != 0:
            raise GitError(
                _failure_message(returncode, stderr_file, repo_path), hint=_hint(repo_path)
            )
        _log_warnings(stderr_file)
    # A commit with a diff but no numstat rows leaves git's lone "\n" separator at the end.
    if carry not in (b"", b"\n"):
        raise _garbled(repo_path, "the output ended in the middle of a field")


def _read_stderr(stderr_file: IO[bytes]) -> str:
    stderr_file.seek(0)
    return stderr_file.read(64 * 1024).decode("utf-8", "backslashreplace")


def _failure_message(returncode: int, stderr_file: IO[bytes], repo_path: Path) -> str:
    if returncode < 0:
        return f"git log was killed by signal {-returncode} while reading {repo_path}"
    lines = [line.strip() for line in _read_stderr(stderr_file).splitlines() if line.strip()]
    # Prefer git's "fatal:"/"error:" line over warnings printed before it.
    reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
    if reason is None:
        reason = lines[0] if lines else "no message"
    return f"git log failed with exit status {returncode} in {repo_path}: {reason}"


def _log_warnings(stderr_file: IO[bytes]) -> None:
    text = _read_stderr(stderr_file).strip()
    if text:
        logger.debug("git log warnings: %s", text)


def _hint(repo_path: Path) -> str:
    return (
        f"Check that {repo_path} is a readable git repository and that the revisions exist "
        f"(`git -C {repo_path} fsck`); re-running the sync refetches missing objects."
    )


def _garbled(repo_path: Path | None, what: str) -> GitError:
    where = f" for {repo_path}" if repo_path is not None else ""
    return GitError(f"unexpected git log output{where}: {what}", hint=_GIT_HINT)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def _is_object_id(raw: bytes) -> bool:
    return len(raw) in (40, 64) and not raw.translate(None, _HEX_DIGITS)


def _zone_minutes(zone: bytes) -> int:
    """``+0530`` → 330, ``-0700`` → -420; taken as git prints it (``+5300`` → 3180)."""
    sign, digits = zone[:1], zone[1:]
    if sign not in (b"+", b"-") or not digits.isdigit():
        raise ValueError(f"bad time zone {zone!r}")
    hhmm = int(digits)
    minutes = (hhmm // 100) * 60 + hhmm % 100
    return -minutes if sign == b"-" else minutes


def _parse_date(raw: bytes, zones: dict[bytes, int] | None = None) -> tuple[int, int]:
    """``--date=raw`` → (epoch seconds, offset minutes): ``1700000000 -0700`` → (…, -420).

    git prints an empty date for an identity it cannot parse, and ``0 +0000`` for one
    out of range: both become (0, 0). Zones are never clamped. ``zones`` caches parsed
    zones (a history has a handful).
    """
    if not raw:
        return 0, 0
    seconds, zone = raw.split(b" ")
    if zones is None:
        return int(seconds), _zone_minutes(zone)
    minutes = zones.get(zone)
    if minutes is None:
        minutes = _zone_minutes(zone)
        if len(zones) < 4096:
            zones[zone] = minutes
    return int(seconds), minutes


def _parse_commits(
    tokens: Iterator[bytes], repo_path: Path | None = None
) -> Iterator[CommitRecord]:
    """Frame NUL-separated fields into commits (layout in the module docstring)."""
    header_rest = len(_HEADER_FIELDS) - 1
    parents_alphabet = _HEX_DIGITS + b" "
    zones: dict[bytes, int] = {}
    text = _text
    token = next(tokens, None)
    while token is not None:
        if not _is_object_id(token):
            raise _garbled(repo_path, f"expected a commit id, got {token[:80]!r}")
        header = (token, *islice(tokens, header_rest))
        if len(header) != len(_HEADER_FIELDS):
            raise _garbled(repo_path, "the output ended inside a commit header")
        sha, parents_raw, a_name, a_email, a_date, c_name, c_email, c_date, subject, body = header
        parents = tuple(parents_raw.decode("ascii", "replace").split(" ")) if parents_raw else ()
        if parents_raw.translate(None, parents_alphabet) or any(
            len(parent) not in (40, 64) for parent in parents
        ):
            raise _garbled(repo_path, f"expected parent ids, got {parents_raw[:200]!r}")
        try:
            author_time, author_offset = _parse_date(a_date, zones)
            committer_time, committer_offset = _parse_date(c_date, zones)
        except ValueError as exc:
            raise _garbled(repo_path, f"bad date in commit {sha.decode()}: {exc}") from None

        files: list[FileChange] = []
        token = next(tokens, None)
        if token is not None and token[:1] == b"\n":
            token = token[1:]
            # A numstat row always holds a tab; a commit id never does.
            while token is not None and b"\t" in token:
                try:
                    added, deleted, path = token.split(b"\t", 2)
                    old_path = None
                    if not path:  # rename: the old and new paths follow as two fields
                        old_raw = next(tokens, None)
                        path = next(tokens, None)
                        if old_raw is None or path is None:
                            raise _garbled(repo_path, "the output ended inside a rename")
                        old_path = text(old_raw)
                    if added == b"-" and deleted == b"-":
                        files.append(FileChange(text(path), old_path, 0, 0, True))
                    else:
                        files.append(
                            FileChange(text(path), old_path, int(added), int(deleted), False)
                        )
                except ValueError:
                    raise _garbled(repo_path, f"bad numstat row {token[:80]!r}") from None
                token = next(tokens, None)

        # git leaves the placeholder itself in the output for an identity without <email>.
        yield CommitRecord(
            sha.decode("ascii"),
            parents,
            "" if a_name == b"%aN" else text(a_name),
            "" if a_email == b"%aE" else text(a_email),
            author_time,
            author_offset,
            "" if c_name == b"%cN" else text(c_name),
            "" if c_email == b"%cE" else text(c_email),
            committer_time,
            committer_offset,
            text(subject),
            text(body).rstrip("\n"),
            tuple(files),
        )

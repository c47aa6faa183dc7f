"""Team patterns from commit counts: active contributors and knowledge concentration.

Bus factor follows CHAOSS's Contributor Absence Factor: the fewest contributors who
together made at least half of the contributions (here: non-merge, non-bot commits).
"""

from __future__ import annotations

from collections.abc import Sequence

from .bands import Status


def bus_factor(counts: Sequence[int]) -> int | None:
    """Fewest contributors covering ≥ 50 % of commits; None without commits."""
    total = sum(counts)
    if total == 0:
        return None
    covered = 0
    for n, count in enumerate(sorted(counts, reverse=True), start=1):
        covered += count
        if 2 * covered >= total:
            return n
    return len(counts)  # pragma: no cover - the loop always reaches half


def bus_factor_status(value: int) -> Status:
    """3 or more people hold half the work: green; 2: amber; 1: red."""
    if value >= 3:
        return Status.GREEN
    return Status.AMBER if value == 2 else Status.RED


def contributors_status(value: int) -> Status:
    """Active contributors in the window: 3 or more green, 2 amber, fewer red."""
    if value >= 3:
        return Status.GREEN
    return Status.AMBER if value == 2 else Status.RED

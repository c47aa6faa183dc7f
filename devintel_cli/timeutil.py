"""Time helpers shared by the store, ingestion and rendering: one ISO-8601 UTC form (§12)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, aware, in UTC. (freezegun controls it in tests.)"""
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """``2026-01-05T10:00:00Z``: ISO-8601 in UTC with a ``Z``, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_epoch(moment: datetime | None) -> int | None:
    """Whole epoch seconds, as the store keeps times (None stays None)."""
    return None if moment is None else int(moment.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    """An aware UTC datetime from stored epoch seconds (None stays None)."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def epoch_to_iso_z(seconds: int | None) -> str | None:
    moment = from_epoch(seconds)
    return None if moment is None else iso_z(moment)


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 date or datetime; a naive value is taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment

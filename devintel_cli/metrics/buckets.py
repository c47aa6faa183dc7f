"""Time buckets of a series (§5), computed in a time zone (§4 "Time zones").

Granularities and labels:
- ``daily``   → ``{"day": "2026-01-05"}``
- ``weekly``  → ``{"week": "2026-W01"}``: ISO 8601 weeks, Monday to Sunday, labelled with the
  ISO year, which differs from the calendar year at the edges (2024-12-30 is in 2025-W01;
  2027-01-03 is in 2026-W53).
- ``sprint``  → ``{"sprint": "2026-S03"}``: consecutive windows of ``sprint_days`` starting at
  the line's anchor date (and every ``sprint_days`` before and after it). Labelled with the
  calendar year of the sprint's first day and its 1-based index among the sprints whose first
  day falls in that year, so a sprint spanning New Year belongs to the year it started in.
  With ``sprint_days`` ≥ 4 the index has at most two digits, as the JSON schema expects.
- ``monthly`` → ``{"month": "2026-01"}``.

Every bucket starts and ends at local midnight in the chosen zone, so a commit authored at
23:30 on 5 January in New York is in the UTC bucket of 6 January: buckets follow ``--tz``
(UTC by default), never the author's offset.

A requested range that cuts a bucket: the series still lists whole calendar buckets
covering the range (``start``/``end``, e.g. a sprint's dates), but each bucket only counts
what lies inside the range (``window_start``/``window_end``), and rates are normalised over
that clipped part (``Bucket.days``). So ``--from`` on a Wednesday gives a first week of five
days whose per-week rate is count ÷ (5 ÷ 7), not a week diluted by two days nobody asked
about nor swollen by days outside the range.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devintel_cli.errors import UsageError

DEFAULT_TZ = "UTC"
DEFAULT_SPRINT_DAYS = 14
#: a Monday (and ISO week 1's first day), so default two-week sprints pair ISO weeks
DEFAULT_SPRINT_ANCHOR = date(2024, 1, 1)

_ONE_DAY = timedelta(days=1)


class Granularity(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    SPRINT = "sprint"
    MONTHLY = "monthly"


#: the key a series point carries its label under (§5)
LABEL_KEYS: dict[Granularity, str] = {
    Granularity.DAILY: "day",
    Granularity.WEEKLY: "week",
    Granularity.SPRINT: "sprint",
    Granularity.MONTHLY: "month",
}
#: label key of a single whole-window bucket (``window_bucket``)
WINDOW_LABEL_KEY = "window"


class Bucket(NamedTuple):
    """One bucket: whole calendar bounds ``[start, end)`` and the counted part of it.

    All four datetimes are aware, in the bucket's time zone. Data is counted when its time
    is in ``[window_start, window_end)``.
    """

    label_key: str
    label: str
    start: datetime
    end: datetime
    window_start: datetime
    window_end: datetime

    @property
    def days(self) -> float:
        """Length of the counted part in calendar days of its zone (a DST day counts as 1)."""
        return _wall_days(self.window_start, self.window_end)

    @property
    def weeks(self) -> float:
        return self.days / 7

    def contains(self, ts: datetime) -> bool:
        return self.window_start <= ts < self.window_end


def _wall_days(start: datetime, end: datetime) -> float:
    # wall-clock difference: a 23-hour spring-forward day is still one day of the calendar
    naive = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return naive.total_seconds() / 86400


def zone_of(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` named ``tz``; an unknown name is bad usage (exit 2)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UsageError(
            f"unknown time zone {tz!r}",
            hint="use an IANA name such as UTC, Europe/Berlin or Asia/Kolkata",
        ) from error


@dataclass(frozen=True, slots=True)
class Calendar:
    """How time is cut into buckets: a granularity in a zone (plus the sprint rhythm)."""

    granularity: Granularity
    tz: str = DEFAULT_TZ
    sprint_days: int = DEFAULT_SPRINT_DAYS
    sprint_anchor: date = DEFAULT_SPRINT_ANCHOR
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "granularity", Granularity(self.granularity))
        object.__setattr__(self, "_zone", zone_of(self.tz))
        if not 1 <= self.sprint_days <= 366:
            raise UsageError(f"sprint length must be 1 to 366 days, not {self.sprint_days}")

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def label_key(self) -> str:
        return LABEL_KEYS[self.granularity]

    def bucket_of(self, ts: datetime) -> Bucket:
        """The whole bucket holding ``ts`` (aware; a naive one is read in the calendar's zone)."""
        local = self._localise(ts)
        first, after, label = self._floor(local.date())
        start, end = self._midnight(first), self._midnight(after)
        return Bucket(self.label_key, label, start, end, start, end)

    def buckets(self, start: datetime | date, end: datetime | date) -> list[Bucket]:
        """Whole calendar buckets covering the range, each clipped to it (module docstring).

        ``start``/``end`` are datetimes (``end`` exclusive; naive ones are read in the
        calendar's zone) or dates (local midnight; an ``end`` date is inclusive: the whole day).
        """
        range_start = self._boundary(start, is_end=False)
        range_end = self._boundary(end, is_end=True)
        if range_end <= range_start:
            raise UsageError(
                f"the range ends ({range_end.isoformat()}) before it starts "
                f"({range_start.isoformat()})"
            )
        result: list[Bucket] = []
        day = range_start.date()
        while True:
            first, after, label = self._floor(day)
            bucket_start, bucket_end = self._midnight(first), self._midnight(after)
            if bucket_start >= range_end:
                break
            result.append(
                Bucket(
                    self.label_key,
                    label,
                    bucket_start,
                    bucket_end,
                    max(bucket_start, range_start),
                    min(bucket_end, range_end),
                )
            )
            day = after
        return result

    def _floor(self, day: date) -> tuple[date, date, str]:
        """First day, first day after, and label of the bucket holding ``day``."""
        if self.granularity is Granularity.DAILY:
            return day, day + _ONE_DAY, day.isoformat()
        if self.granularity is Granularity.WEEKLY:
            monday = day - timedelta(days=day.weekday())
            iso = monday.isocalendar()
            return monday, monday + timedelta(days=7), f"{iso.year:04d}-W{iso.week:02d}"
        if self.granularity is Granularity.MONTHLY:
            first = day.replace(day=1)
            after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, after, f"{first.year:04d}-{first.month:02d}"
        length = self.sprint_days
        index = (day - self.sprint_anchor).days // length
        first = self.sprint_anchor + timedelta(days=index * length)
        # index of the first sprint that starts on or after 1 January of the sprint's year
        first_of_year = math.ceil((date(first.year, 1, 1) - self.sprint_anchor).days / length)
        number = index - first_of_year + 1
        return first, first + timedelta(days=length), f"{first.year:04d}-S{number:02d}"

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self._zone)

    def _localise(self, ts: datetime) -> datetime:
        if ts.tzinfo is None:
            return ts.replace(tzinfo=self._zone)
        return ts.astimezone(self._zone)

    def _boundary(self, value: datetime | date, *, is_end: bool) -> datetime:
        if isinstance(value, datetime):
            return self._localise(value)
        return self._midnight(value + _ONE_DAY if is_end else value)


def make_buckets(
    start: datetime | date,
    end: datetime | date,
    granularity: Granularity | str,
    tz: str = DEFAULT_TZ,
    sprint_days: int = DEFAULT_SPRINT_DAYS,
    sprint_anchor: date = DEFAULT_SPRINT_ANCHOR,
) -> list[Bucket]:
    """The buckets of ``granularity`` covering ``[start, end)`` in zone ``tz`` (``Calendar``)."""
    calendar = Calendar(Granularity(granularity), tz, sprint_days, sprint_anchor)
    return calendar.buckets(start, end)


def bucket_of(
    ts: datetime,
    granularity: Granularity | str,
    tz: str = DEFAULT_TZ,
    sprint_days: int = DEFAULT_SPRINT_DAYS,
    sprint_anchor: date = DEFAULT_SPRINT_ANCHOR,
) -> Bucket:
    """The whole calendar bucket of ``granularity`` holding ``ts`` in zone ``tz``."""
    return Calendar(Granularity(granularity), tz, sprint_days, sprint_anchor).bucket_of(ts)


def window_bucket(start: datetime | date, end: datetime | date, tz: str = DEFAULT_TZ) -> Bucket:
    """One bucket spanning exactly ``[start, end)``: "the metric over the whole window" (§6).

    Dates and naive datetimes are read as in ``Calendar.buckets`` (an ``end`` date inclusive).
    """
    calendar = Calendar(Granularity.DAILY, tz)
    range_start = calendar._boundary(start, is_end=False)
    range_end = calendar._boundary(end, is_end=True)
    if range_end <= range_start:
        raise UsageError(
            f"the window ends ({range_end.isoformat()}) before it starts "
            f"({range_start.isoformat()})"
        )
    label = f"{range_start.isoformat()}/{range_end.isoformat()}"
    return Bucket(WINDOW_LABEL_KEY, label, range_start, range_end, range_start, range_end)


class BucketIndex:
    """Finds the bucket of a timestamp by bisection: O(log buckets) per row.

    Bounds are kept as UTC datetimes, so rows in UTC (as the store keeps them) compare field
    by field in C, without a ``timestamp()`` call per row; any aware datetime works. A naive
    one raises ``TypeError`` rather than landing in a bucket by accident. Buckets must be in
    time order and not overlap (as ``make_buckets`` returns them).
    """

    __slots__ = ("_ends", "_first", "_last", "_starts")

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self._starts = [bucket.window_start.astimezone(UTC) for bucket in buckets]
        self._ends = [bucket.window_end.astimezone(UTC) for bucket in buckets]
        for i in range(1, len(self._starts)):
            if self._starts[i] < self._ends[i - 1]:
                raise ValueError("buckets must be in time order and must not overlap")
        # "ever" lists (all deployments up to --as-of) are mostly outside the buckets: two
        # comparisons turn those away before the bisection
        self._first = self._starts[0] if buckets else None
        self._last = self._ends[-1] if buckets else None

    def __len__(self) -> int:
        return len(self._starts)

    def index_of(self, ts: datetime) -> int | None:
        """Position of the bucket counting ``ts`` (aware), or None when outside every bucket."""
        if self._first is None or ts < self._first or ts >= self._last:  # type: ignore[operator]
            return None
        i = bisect_right(self._starts, ts) - 1
        if i >= 0 and ts < self._ends[i]:
            return i
        return None

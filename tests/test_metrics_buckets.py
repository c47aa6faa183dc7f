"""Buckets (§5) in a time zone (§4 "Time zones"): labels, edges, clipping, ISO week 53."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from devintel_cli.errors import UsageError
from devintel_cli.metrics.buckets import (
    BucketIndex,
    Calendar,
    bucket_of,
    make_buckets,
    window_bucket,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def labels(buckets) -> list[str]:
    return [b.label for b in buckets]


def test_daily_buckets_are_calendar_days_with_iso_date_labels():
    buckets = make_buckets(date(2026, 1, 30), date(2026, 2, 2), "daily")
    # --to is an inclusive date: 30, 31 January, 1 and 2 February
    assert labels(buckets) == ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]
    assert {b.label_key for b in buckets} == {"day"}
    assert buckets[0].start == at("2026-01-30T00:00:00+00:00")
    assert buckets[-1].end == at("2026-02-03T00:00:00+00:00")
    assert [b.days for b in buckets] == [1.0, 1.0, 1.0, 1.0]


def test_weekly_labels_use_the_iso_year_at_year_edges():
    # 2024-12-30 is a Monday in ISO week 1 of 2025; 2026 has 53 ISO weeks because
    # 31 December 2026 is a Thursday, so 2026-W53 runs Mon 2026-12-28 to Sun 2027-01-03.
    assert bucket_of(at("2024-12-31T12:00:00+00:00"), "weekly").label == "2025-W01"
    week_53 = bucket_of(at("2027-01-03T23:59:59+00:00"), "weekly")
    assert week_53.label == "2026-W53"
    assert week_53.start == at("2026-12-28T00:00:00+00:00")
    assert week_53.end == at("2027-01-04T00:00:00+00:00")
    buckets = make_buckets(date(2026, 12, 21), date(2027, 1, 10), "weekly")
    assert labels(buckets) == ["2026-W52", "2026-W53", "2027-W01"]
    assert buckets[0].label_key == "week"


def test_monthly_buckets_cross_the_year():
    buckets = make_buckets(date(2025, 11, 15), date(2026, 1, 31), "monthly")
    assert labels(buckets) == ["2025-11", "2025-12", "2026-01"]
    assert buckets[1].start == at("2025-12-01T00:00:00+00:00")
    assert buckets[1].end == at("2026-01-01T00:00:00+00:00")
    # November is clipped to 15..30 November: 16 days
    assert buckets[0].days == 16.0
    assert buckets[1].days == 31.0


def test_sprint_labels_count_sprints_starting_in_the_calendar_year():
    # anchor Monday 2026-01-05, 14 days: sprints start 5 Jan (S01), 19 Jan (S02), 2 Feb (S03)
    calendar = Calendar("sprint", sprint_days=14, sprint_anchor=date(2026, 1, 5))
    sprint = calendar.bucket_of(at("2026-02-10T09:00:00+00:00"))
    assert (sprint.label_key, sprint.label) == ("sprint", "2026-S03")
    assert sprint.start == at("2026-02-02T00:00:00+00:00")
    assert sprint.end == at("2026-02-16T00:00:00+00:00")
    # before the anchor: 2026-01-05 − 26 × 14 days = 2025-01-06 starts 2025-S01, so the sprint
    # starting 2025-01-06 + 25 × 14 = 2025-12-22 is 2025-S26 and holds New Year's Day 2026
    new_year = calendar.bucket_of(at("2026-01-01T00:00:00+00:00"))
    assert new_year.label == "2025-S26"
    assert new_year.start == at("2025-12-22T00:00:00+00:00")


def test_sprint_buckets_with_default_anchor_have_two_digit_labels():
    # default anchor 2024-01-01: the sprint of 2025-12-29 starts 52 × 14 days later; the first
    # sprint starting in 2025 is the 27th (2025-01-13), so 52 − 27 + 1 = 26
    buckets = make_buckets(date(2026, 1, 1), date(2026, 1, 31), "sprint")
    assert labels(buckets) == ["2025-S26", "2026-S01", "2026-S02"]
    assert buckets[0].days == 11.0  # clipped to 1..11 January


def test_a_range_cutting_a_bucket_keeps_the_label_and_clips_the_counted_part():
    # from Wednesday 2026-01-07 to Tuesday 2026-01-20 (inclusive)
    first, middle, last = make_buckets(date(2026, 1, 7), date(2026, 1, 20), "weekly")
    assert (first.label, middle.label, last.label) == ("2026-W02", "2026-W03", "2026-W04")
    assert first.start == at("2026-01-05T00:00:00+00:00")  # whole calendar week
    assert first.window_start == at("2026-01-07T00:00:00+00:00")  # counted part
    assert first.days == 5.0  # Wed..Sun
    assert middle.days == 7.0
    assert last.window_end == at("2026-01-21T00:00:00+00:00")
    assert last.days == 2.0  # Mon, Tue
    assert not first.contains(at("2026-01-06T12:00:00+00:00"))
    assert first.contains(at("2026-01-07T00:00:00+00:00"))


def test_datetime_range_end_is_exclusive_and_may_cut_a_day():
    buckets = make_buckets(
        at("2026-01-05T00:00:00+00:00"), at("2026-01-07T12:00:00+00:00"), "daily"
    )
    assert labels(buckets) == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert buckets[-1].days == 0.5
    # an end exactly on a boundary adds no empty bucket
    exact = make_buckets(at("2026-01-05T00:00:00Z"), at("2026-01-07T00:00:00Z"), "daily")
    assert labels(exact) == ["2026-01-05", "2026-01-06"]


def test_buckets_follow_the_zone_not_the_author_offset():
    # authored 23:30 on 5 January in New York (−05:00) = 04:30 UTC on 6 January
    authored = at("2026-01-05T23:30:00-05:00")
    assert bucket_of(authored, "daily").label == "2026-01-06"
    assert bucket_of(authored, "daily", tz="America/New_York").label == "2026-01-05"
    # one second before UTC midnight stays on the 5th
    assert bucket_of(at("2026-01-05T23:59:59+00:00"), "daily").label == "2026-01-05"
    assert bucket_of(at("2026-01-06T00:00:00+00:00"), "daily").label == "2026-01-06"


def test_buckets_in_asia_kolkata_start_at_local_midnight():
    # 20:00 UTC on 5 January is 01:30 on 6 January in India (+05:30)
    deployed = at("2026-01-05T20:00:00+00:00")
    day = bucket_of(deployed, "daily", tz="Asia/Kolkata")
    assert day.label == "2026-01-06"
    assert day.start == at("2026-01-05T18:30:00+00:00")
    assert day.start.utcoffset() == timedelta(hours=5, minutes=30)
    # Sunday 2026-01-11 20:00 UTC is already Monday 12 January in Kolkata: week 3
    assert bucket_of(at("2026-01-11T20:00:00Z"), "weekly", tz="Asia/Kolkata").label == "2026-W03"
    assert bucket_of(at("2026-01-11T20:00:00Z"), "weekly").label == "2026-W02"


def test_a_daylight_saving_day_is_one_calendar_day():
    # Europe/Berlin springs forward on 2026-03-29: that day lasts 23 hours
    (day,) = make_buckets(date(2026, 3, 29), date(2026, 3, 29), "daily", tz="Europe/Berlin")
    # (same-zone datetime subtraction is wall-clock in Python: compare instants)
    assert day.end.timestamp() - day.start.timestamp() == 23 * 3600
    assert day.days == 1.0
    (week,) = make_buckets(date(2026, 3, 23), date(2026, 3, 29), "weekly", tz="Europe/Berlin")
    assert week.days == 7.0


def test_window_bucket_spans_exactly_the_window():
    window = window_bucket(date(2026, 1, 1), date(2026, 1, 28))
    assert window.label_key == "window"
    assert window.start == at("2026-01-01T00:00:00+00:00")
    assert window.end == at("2026-01-29T00:00:00+00:00")
    assert window.days == 28.0
    assert window.weeks == 4.0


def test_bucket_index_is_half_open_and_skips_gaps():
    buckets = make_buckets(date(2026, 1, 5), date(2026, 1, 6), "daily")
    index = BucketIndex(buckets)
    assert index.index_of(at("2026-01-05T00:00:00Z")) == 0
    assert index.index_of(at("2026-01-05T23:59:59.999999Z")) == 0
    assert index.index_of(at("2026-01-06T00:00:00Z")) == 1
    assert index.index_of(at("2026-01-07T00:00:00Z")) is None
    assert index.index_of(at("2026-01-04T23:59:59Z")) is None
    with pytest.raises(ValueError, match="time order"):
        BucketIndex(list(reversed(buckets)))


def test_a_naive_row_time_is_refused_rather_than_bucketed_by_accident():
    index = BucketIndex(make_buckets(date(2026, 1, 5), date(2026, 1, 6), "daily"))
    with pytest.raises(TypeError):
        index.index_of(datetime(2026, 1, 5, 12))


def test_bad_zone_and_reversed_range_are_usage_errors():
    with pytest.raises(UsageError, match="unknown time zone"):
        make_buckets(date(2026, 1, 1), date(2026, 1, 2), "daily", tz="Mars/Olympus")
    with pytest.raises(UsageError, match="before it starts"):
        make_buckets(date(2026, 1, 2), date(2026, 1, 1) - timedelta(days=1), "daily")
    with pytest.raises(ValueError):
        make_buckets(date(2026, 1, 1), date(2026, 1, 2), "hourly")
    with pytest.raises(UsageError, match="sprint length"):
        make_buckets(date(2026, 1, 1), date(2026, 1, 2), "sprint", sprint_days=0)

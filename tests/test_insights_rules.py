"""scoring/insights.py: anomaly, trend, recommendation and benchmark findings — every expected
value derived by hand from a small fixture series (the derivation sits next to the assertion).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring.insights import (
    ANOMALY_HIGH_Z,
    ANOMALY_Z,
    MIN_HISTORY,
    MIN_TREND_VALUES,
    RULES,
    TREND_BUCKETS,
    TREND_HIGH_CHANGE,
    Finding,
    InsightType,
    Point,
    Severity,
    anomaly,
    benchmark_crossing,
    fmt,
    quartile,
    recommendations,
    sort_findings,
    trend,
    trend_test,
)
from devintel_cli.scoring.stats import MKTrend, mann_kendall

UP, DOWN, FLAT = MKTrend.INCREASING, MKTrend.DECREASING, MKTrend.NO_TREND

DF = Metric.DEPLOYMENT_FREQUENCY
CT = Metric.CYCLE_TIME
PRT = Metric.PR_REVIEW_TIME
CFR = Metric.CHANGE_FAILURE_RATE
TC = Metric.TEST_COVERAGE
CHURN = Metric.CODE_CHURN
RECOVERY = Metric.FAILED_DEPLOYMENT_RECOVERY_TIME
REWORK = Metric.REWORK_RATE

#: Monday 2026-01-05 starts ISO week 2026-W02 (1 January 2026 is a Thursday, so W01 is
#: 2025-12-29 … 2026-01-04)
START = datetime(2026, 1, 5, tzinfo=UTC)


def week(i: int) -> datetime:
    return START + timedelta(weeks=i)


def series(values: list[float | None]) -> list[Point]:
    """Weekly points: index i is labelled 2026-W(02 + i) and starts at START + i weeks."""
    return [Point(f"2026-W{2 + i:02d}", week(i), v) for i, v in enumerate(values)]


def test_constants_are_the_documented_ones():
    # the module docstring: 3.5 (Iglewicz & Hoaglin), 5, 8 earlier values, 8 buckets with
    # at least 6 values, and a line move of half its start
    assert (ANOMALY_Z, ANOMALY_HIGH_Z, MIN_HISTORY) == (3.5, 5.0, 8)
    assert (TREND_BUCKETS, MIN_TREND_VALUES, TREND_HIGH_CHANGE) == (8, 6, 0.5)


# --- anomaly ----------------------------------------------------------------------------

#: 9 earlier values. Sorted 9 9 10 10 10 10 11 11 12 → median 10.
#: |dev| 0 1 1 0 2 0 1 1 0 → sorted 0 0 0 0 1 1 1 1 2 → MAD 1; scale 1.4826 × 1 = 1.4826.
#: The cut-off 3.5 is a value of 10 + 3.5 × 1.4826 = 15.1891; |z| 5 is 10 + 5 × 1.4826 = 17.413.
H9: list[float | None] = [10, 11, 9, 10, 12, 10, 11, 9, 10]


def test_anomaly_just_above_the_cut_off_is_reported():
    # z(15.2) = (15.2 − 10) / 1.4826 = 5.2 / 1.4826 = 3.507 ≥ 3.5
    found = anomaly(CT, series([*H9, 15.2]))
    assert found is not None
    assert found.type is InsightType.ANOMALY


def test_anomaly_just_below_the_cut_off_is_not():
    # z(15.1) = 5.1 / 1.4826 = 3.440 < 3.5
    assert anomaly(CT, series([*H9, 15.1])) is None
    # the same distance below the median: z(4.9) = −5.1 / 1.4826 = −3.440, |z| < 3.5
    assert anomaly(CT, series([*H9, 4.9])) is None


def test_anomaly_exact_title_body_key_and_fields():
    # last point: index 9 → label 2026-W11, start 2026-01-05 + 9 weeks = 2026-03-09.
    # z = 5.2 / 1.4826 = 3.507 → "+3.5"; cycle time is lower-is-better, it rose → worse;
    # |z| < 5 and not red → medium
    found = anomaly(CT, series([*H9, 15.2]))
    assert found == Finding(
        type=InsightType.ANOMALY,
        severity=Severity.MEDIUM,
        title="Cycle time rose to 15.2 h in 2026-W11",
        body="Cycle time was 15.2 h in 2026-W11 against a median of 10.0 h over the 9"
        " earlier weeks with a value (robust z-score +3.5): worse than usual.",
        metrics=(CT,),
        about=datetime(2026, 3, 9, tzinfo=UTC),
        key="anomaly:cycle_time:2026-W11",
    )


def test_anomaly_needs_exactly_min_history_earlier_values():
    # 8 earlier values 10 11 9 10 12 10 11 9: sorted 9 9 10 10 10 11 11 12 → median
    # (10 + 10) / 2 = 10; |dev| 0 1 1 0 2 0 1 1 → sorted 0 0 0 1 1 1 1 2 → MAD (1 + 1) / 2 = 1;
    # z(30) = 20 / 1.4826 = 13.49 → "+13.5"; last index 8 → 2026-W10
    found = anomaly(CT, series([10, 11, 9, 10, 12, 10, 11, 9, 30]))
    assert found is not None
    assert found.body == (
        "Cycle time was 30.0 h in 2026-W10 against a median of 10.0 h over the 8 earlier"
        " weeks with a value (robust z-score +13.5): worse than usual."
    )
    # 7 earlier values 10 11 9 10 12 10 11: median 10, |dev| 0 1 1 0 2 0 1 → MAD 1, so z(30)
    # would again be 13.49 — the only reason for None is the count 7 < 8
    assert anomaly(CT, series([10, 11, 9, 10, 12, 10, 11, 30])) is None


def test_anomaly_without_a_last_value_is_none():
    assert anomaly(CT, series([*H9, None])) is None
    assert anomaly(CT, []) is None


def test_anomaly_skips_earlier_empty_buckets():
    # 10 earlier buckets, 2 of them empty → the 8 values 10 11 9 10 12 10 11 9 (median 10,
    # MAD 1 as above); z(30) = 13.49; last index 10 → 2026-W12
    points = series([10, None, 11, 9, 10, None, 12, 10, 11, 9, 30])
    found = anomaly(CT, points)
    assert found is not None
    assert found.body == (
        "Cycle time was 30.0 h in 2026-W12 against a median of 10.0 h over the 8 earlier"
        " weeks with a value (robust z-score +13.5): worse than usual."
    )
    # 10 earlier buckets, 3 empty → 7 values 10 11 9 10 12 10 11: fewer than 8 → None
    assert anomaly(CT, series([10, None, 11, 9, None, 10, 12, None, 10, 11, 30])) is None


def test_anomaly_worse_rise_is_medium_below_five_and_high_from_five():
    # z(17.3) = 7.3 / 1.4826 = 4.924 < 5 → medium
    below = anomaly(CT, series([*H9, 17.3]))
    assert below is not None
    assert below.severity is Severity.MEDIUM
    # z(17.5) = 7.5 / 1.4826 = 5.059 ≥ 5 → high
    above = anomaly(CT, series([*H9, 17.5]))
    assert above is not None
    assert above.severity is Severity.HIGH
    assert above.body == (
        "Cycle time was 17.5 h in 2026-W11 against a median of 10.0 h over the 9 earlier"
        " weeks with a value (robust z-score +5.1): worse than usual."
    )


def test_anomaly_worse_and_red_is_high():
    # z(15.2) = 3.507 (medium when not red, above) → red makes it high
    found = anomaly(CT, series([*H9, 15.2]), red=True)
    assert found is not None
    assert found.severity is Severity.HIGH


def test_anomaly_rise_of_a_higher_is_better_metric_is_low_even_when_red():
    # deployment frequency is higher-is-better: z(17.5) = 5.059, a rise → better → low
    found = anomaly(DF, series([*H9, 17.5]), red=True)
    assert found is not None
    assert found.severity is Severity.LOW
    assert found.title == "Deployment frequency rose to 17.5 a week in 2026-W11"
    assert found.body == (
        "Deployment frequency was 17.5 a week in 2026-W11 against a median of 10.0 a week"
        " over the 9 earlier weeks with a value (robust z-score +5.1): better than usual."
    )


def test_anomaly_falls_are_judged_by_direction_too():
    # z(4.8) = (4.8 − 10) / 1.4826 = −3.507: |z| ≥ 3.5, a fall
    fall_df = anomaly(DF, series([*H9, 4.8]))
    assert fall_df is not None
    # fewer deployments is worse → medium (|z| < 5)
    assert fall_df.severity is Severity.MEDIUM
    assert fall_df.title == "Deployment frequency fell to 4.8 a week in 2026-W11"
    assert fall_df.body.endswith("(robust z-score -3.5): worse than usual.")
    # shorter cycle time is better → low
    fall_ct = anomaly(CT, series([*H9, 4.8]))
    assert fall_ct is not None
    assert fall_ct.severity is Severity.LOW
    assert fall_ct.title == "Cycle time fell to 4.8 h in 2026-W11"


def test_anomaly_against_a_constant_history_is_infinitely_unusual():
    # history 10 × 8: median 10, MAD 0, mean absolute deviation 0 → z(12) = +inf;
    # |z| = inf ≥ 5 and a rise of cycle time is worse → high; last index 8 → 2026-W10
    found = anomaly(CT, series([10] * 8 + [12]))
    assert found is not None
    assert found.severity is Severity.HIGH
    assert found.title == "Cycle time rose to 12.0 h in 2026-W10"
    assert found.body == (
        "Cycle time was 12.0 h in 2026-W10 against a median of 10.0 h over the 8 earlier"
        " weeks with a value (all at that value): worse than usual."
    )
    # z(8) = −inf: fewer deployments than an always-10 history → fell, worse, high
    fell = anomaly(DF, series([10] * 8 + [8]))
    assert fell is not None
    assert fell.severity is Severity.HIGH
    assert fell.title == "Deployment frequency fell to 8.0 a week in 2026-W10"
    # the same value again: deviation 0 → z = 0 → no anomaly
    assert anomaly(CT, series([10] * 9)) is None


def test_anomaly_with_mad_zero_uses_the_mean_absolute_deviation():
    # history 10 × 7, 12: median 10; |dev| 0 × 7, 2 → MAD 0; mean |dev| = 2 / 8 = 0.25;
    # scale 0.25 × √(π/2) = 0.25 × 1.25331 = 0.31333
    history: list[float | None] = [10, 10, 10, 10, 10, 10, 10, 12]
    # z(11.1) = 1.1 / 0.31333 = 3.511 ≥ 3.5 → "+3.5"
    found = anomaly(CT, series([*history, 11.1]))
    assert found is not None
    assert found.body.endswith("with a value (robust z-score +3.5): worse than usual.")
    # z(11.05) = 1.05 / 0.31333 = 3.351 < 3.5
    assert anomaly(CT, series([*history, 11.05])) is None


# --- trend_test / trend -----------------------------------------------------------------


def test_trend_test_strictly_increasing_eight_values():
    # 1 … 8 at positions 0 … 7: all C(8, 2) = 28 pairs rise → S = 28;
    # Var(S) = 8 · 7 · (2 · 8 + 5) / 18 = 8 · 7 · 21 / 18 = 1176 / 18 = 65.333 (no ties);
    # z = (28 − 1) / √65.333 = 27 / 8.0829 = 3.3404;
    # p = erfc(3.3404 / √2) = 2 · (1 − Φ(3.3404)) ≈ 2 · 0.000419 = 0.00084
    test = trend_test(series([1, 2, 3, 4, 5, 6, 7, 8]))
    assert test is not None
    assert test.s == 28
    z = 27 / math.sqrt(8 * 7 * 21 / 18)
    assert z == pytest.approx(3.3404, abs=1e-4)
    assert test.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert test.p_value == pytest.approx(0.00084, abs=0.00001)
    assert test.direction is UP
    # every pairwise slope is 1 → Sen slope 1; intercept median(y − x) = median(1 × 8) = 1;
    # line at x = 0: 1, at x = 7: 8
    assert test.start_value == pytest.approx(1.0)
    assert test.end_value == pytest.approx(8.0)
    assert test.span == 8
    assert (test.first.label, test.last.label) == ("2026-W02", "2026-W09")


def test_trend_test_theil_sen_line_ignores_one_outlier():
    # y = 10 + 2x at x = 0 … 5 except x = 3, which is 40 instead of 16: 10 12 14 40 18 20.
    # 15 pairs: the 10 without x = 3 have slope 2; with x = 3: (40−10)/3 = 10, (40−12)/2 = 14,
    # (40−14)/1 = 26, (18−40)/1 = −22, (20−40)/2 = −10. Sorted: −22 −10 2×10 10 14 26 → the
    # 8th of 15 is 2. Intercept: y − 2x = 10 10 10 34 10 10 → median 10.
    # Line: 10 at x = 0, 10 + 2 · 5 = 20 at x = 5.
    # S: the 10 pairs without x = 3 rise, with x = 3: 3 rise and 2 fall → S = 10 + 3 − 2 = 11;
    # Var(S) = 6 · 5 · 17 / 18 = 28.333; z = 10 / √28.333 = 10 / 5.3229 = 1.8787;
    # p = 2 · (1 − Φ(1.8787)) ≈ 2 · 0.0301 = 0.0603 ≥ 0.05 → no trend
    points = series([10, 12, 14, 40, 18, 20])
    test = trend_test(points)
    assert test is not None
    assert test.start_value == pytest.approx(10.0)
    assert test.end_value == pytest.approx(20.0)
    assert test.s == 11
    assert test.p_value == pytest.approx(0.0603, abs=0.0005)
    assert test.direction is FLAT
    # not significant → no trend finding, whatever the line
    assert trend(CT, points) is None


def test_trend_test_needs_min_trend_values():
    # 5 values: MK alone would call 1 … 5 significant (S = 10, Var = 5 · 4 · 15 / 18 = 16.667,
    # z = 9 / 4.0825 = 2.2045, p = 2 · (1 − Φ(2.2045)) ≈ 0.0275 < 0.05) ...
    assert mann_kendall([1, 2, 3, 4, 5]).p_value == pytest.approx(0.0275, abs=0.0005)
    # ... but 5 < MIN_TREND_VALUES = 6 → None
    assert trend_test(series([1, 2, 3, 4, 5])) is None
    assert trend(CFR, series([1, 2, 3, 4, 5])) is None
    # 8 buckets with 3 empty: still 5 values → None
    assert trend_test(series([1, None, 2, 3, None, 4, None, 5])) is None


def test_six_monotone_values_are_a_significant_trend():
    # 1 … 6: S = C(6, 2) = 15; Var(S) = 6 · 5 · 17 / 18 = 510 / 18 = 28.333;
    # z = 14 / √28.333 = 14 / 5.3229 = 2.6301; p = 2 · (1 − Φ(2.6301)) ≈ 2 · 0.00427 = 0.0085
    test = trend_test(series([1, 2, 3, 4, 5, 6]))
    assert test is not None
    assert test.s == 15
    z = 14 / math.sqrt(6 * 5 * 17 / 18)
    assert z == pytest.approx(2.6301, abs=1e-4)
    assert test.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert test.p_value == pytest.approx(0.0085, abs=0.0001)
    assert test.p_value < 0.05
    assert test.direction is UP
    assert test.span == 6


def test_a_gap_keeps_positions():
    # 1 2 3 _ 5 6 7 8: the values sit at positions 0 1 2 4 5 6 7, i.e. y = x + 1 everywhere,
    # so every pairwise slope is 1 and the intercept median(y − x) is 1: the line runs from
    # 1 (x = 0) to 8 (x = 7), and the span is 7 − 0 + 1 = 8 buckets.
    # (Closing the gap — 1 2 3 5 6 7 8 at 0 … 6 — would give a span of 7 and an end of
    # intercept + 6 · slope with slopes of 1, 2, 1.5, … instead.)
    # S over the 7 values: all 21 pairs rise → S = 21
    test = trend_test(series([1, 2, 3, None, 5, 6, 7, 8]))
    assert test is not None
    assert test.s == 21
    assert test.span == 8
    assert test.start_value == pytest.approx(1.0)
    assert test.end_value == pytest.approx(8.0)


def test_span_counts_from_the_first_to_the_last_valued_bucket():
    # _ _ 3 4 5 6 7 8: values at positions 2 … 7 (y = x + 1): span 7 − 2 + 1 = 6,
    # line from 3 (x = 2) to 8 (x = 7); first valued bucket index 2 → 2026-W04
    leading = series([None, None, 3, 4, 5, 6, 7, 8])
    test = trend_test(leading)
    assert test is not None
    assert test.span == 6
    assert (test.first.label, test.last.label) == ("2026-W04", "2026-W09")
    assert test.start_value == pytest.approx(3.0)
    assert test.end_value == pytest.approx(8.0)
    found = trend(CFR, leading)
    assert found is not None
    assert found.title == "Change failure rate increased from 3.0% to 8.0% over the last 6 weeks"
    # 1 … 7 _: values at positions 0 … 6 → span 7, last valued bucket index 6 → 2026-W08,
    # and the finding is about that bucket (START + 6 weeks = 2026-02-16)
    trailing = series([1, 2, 3, 4, 5, 6, 7, None])
    test = trend_test(trailing)
    assert test is not None
    assert test.span == 7
    assert test.last.label == "2026-W08"
    found = trend(CFR, trailing)
    assert found is not None
    assert found.about == datetime(2026, 2, 16, tzinfo=UTC)
    assert found.key == "trend:change_failure_rate:increasing:2026-W08"


def test_only_the_last_trend_buckets_are_tested():
    # 100 90 80 70 then 1 … 8. Over all 12 values S would be −6 (old among themselves)
    # − 32 (old → new) + 28 (new) = −10: not an increase. Only the last 8 (1 … 8, indices
    # 4 … 11 → 2026-W06 … 2026-W13) count: S = 28, line 1 → 8, span 8.
    test = trend_test(series([100, 90, 80, 70, 1, 2, 3, 4, 5, 6, 7, 8]))
    assert test is not None
    assert test.s == 28
    assert test.direction is UP
    assert test.span == 8
    assert test.start_value == pytest.approx(1.0)
    assert test.end_value == pytest.approx(8.0)
    assert (test.first.label, test.last.label) == ("2026-W06", "2026-W13")
    # and the values needed are counted among those 8 only: 6 old values, then 3 empty and
    # 5 valued buckets → the last 8 hold 5 values → None
    assert trend_test(series([1, 2, 3, 4, 5, 6, None, None, None, 7, 8, 9, 10, 11])) is None


#: y_i = 1.2 + 2.6 · i / 7 at i = 0 … 7 (a line from 1.2 to 3.8), except i = 3 set to 9.0
CFR_SERIES: list[float | None] = [1.2 + 2.6 * i / 7 for i in range(8)]
CFR_SERIES[3] = 9.0


def test_trend_title_and_body_for_a_rising_change_failure_rate():
    # Sen slope: the 21 pairs without i = 3 have slope 2.6 / 7; with i = 3 the 3 pairs before
    # it are steeper (9 is far above the line) and the 4 after it fall (9 > 3.8) → sorted:
    # 4 negative, 21 × 2.6/7, 3 steeper → the 14th and 15th of 28 are 2.6 / 7.
    # Intercept: y − slope · x = 1.2 for 7 points and 9 − 3 · 2.6 / 7 = 7.886 → median 1.2.
    # Line: 1.2 at x = 0 and 1.2 + 7 · 2.6 / 7 = 3.8 at x = 7.
    # S = 21 (pairs without i = 3) + 3 − 4 = 20; Var(S) = 65.333;
    # z = 19 / 8.0829 = 2.3506; p = 2 · (1 − Φ(2.3506)) ≈ 2 · 0.00937 = 0.0187 → "0.019".
    # CFR is lower-is-better and rose → worse; |3.8 − 1.2| / 1.2 = 2.17 ≥ 0.5 → high.
    # Last index 7 → 2026-W09, START + 7 weeks = 2026-02-23.
    points = series(CFR_SERIES)
    test = trend_test(points)
    assert test is not None
    assert test.s == 20
    assert test.start_value == pytest.approx(1.2)
    assert test.end_value == pytest.approx(3.8)
    assert test.p_value == pytest.approx(0.0187, abs=0.0002)
    found = trend(CFR, points)
    assert found == Finding(
        type=InsightType.TREND,
        severity=Severity.HIGH,
        title="Change failure rate increased from 1.2% to 3.8% over the last 8 weeks",
        body="A rising trend from 2026-W02 to 2026-W09 (Mann–Kendall S = 20, p = 0.019; the"
        " Theil–Sen line goes from 1.2% to 3.8%): worse over time.",
        metrics=(CFR,),
        about=datetime(2026, 2, 23, tzinfo=UTC),
        key="trend:change_failure_rate:increasing:2026-W09",
    )


def test_trend_title_and_body_for_a_falling_coverage():
    # 80 79 78 77 76 75: S = −15, Var 28.333, z = (−15 + 1) / 5.3229 = −2.6301, p = 0.0085
    # → "0.009"; slope −1, intercept median(y + x) = 80 → line 80 → 75.
    # Coverage is higher-is-better and fell → worse; |75 − 80| / 80 = 0.0625 < 0.5 → medium
    found = trend(TC, series([80, 79, 78, 77, 76, 75]))
    assert found is not None
    assert found.severity is Severity.MEDIUM
    assert found.title == "Test coverage decreased from 80.0% to 75.0% over the last 6 weeks"
    assert found.body == (
        "A falling trend from 2026-W02 to 2026-W07 (Mann–Kendall S = -15, p = 0.009; the"
        " Theil–Sen line goes from 80.0% to 75.0%): worse over time."
    )
    assert found.key == "trend:test_coverage:decreasing:2026-W07"


def test_trend_severity_by_the_relative_move_of_the_line():
    # cycle time 10 … 15: slope 1, intercept 10 → line 10 → 15; |15 − 10| / 10 = 0.5 ≥ 0.5
    # → worse and large → high
    high = trend(CT, series([10, 11, 12, 13, 14, 15]))
    assert high is not None
    assert high.severity is Severity.HIGH
    assert high.title == "Cycle time increased from 10.0 h to 15.0 h over the last 6 weeks"
    # cycle time 20 … 25: line 20 → 25; 5 / 20 = 0.25 < 0.5 → medium
    medium = trend(CT, series([20, 21, 22, 23, 24, 25]))
    assert medium is not None
    assert medium.severity is Severity.MEDIUM
    # just under the edge: 10.2 … 15.2, line 10.2 → 15.2; 5 / 10.2 = 0.490 < 0.5 → medium
    edge = trend(CT, series([10.2, 11.2, 12.2, 13.2, 14.2, 15.2]))
    assert edge is not None
    assert edge.severity is Severity.MEDIUM
    # the same small worsening with a red status → high
    red = trend(CT, series([20, 21, 22, 23, 24, 25]), red=True)
    assert red is not None
    assert red.severity is Severity.HIGH


def test_trend_from_a_line_starting_at_zero_is_large():
    # CFR 0 … 5: line 0 → 5; a move from 0 is infinitely large relative to it → high
    found = trend(CFR, series([0, 1, 2, 3, 4, 5]))
    assert found is not None
    assert found.severity is Severity.HIGH
    assert found.title == "Change failure rate increased from 0.0% to 5.0% over the last 6 weeks"


def test_improving_trends_are_low_even_when_large_or_red():
    # cycle time 25 … 20: decreasing, lower is better → better → low (even red)
    falling = trend(CT, series([25, 24, 23, 22, 21, 20]), red=True)
    assert falling is not None
    assert falling.severity is Severity.LOW
    assert falling.title == "Cycle time decreased from 25.0 h to 20.0 h over the last 6 weeks"
    assert falling.body.endswith(": better over time.")
    # deployment frequency 1 … 6: line 1 → 6, a 5 / 1 = 500 % move, but higher is better → low
    rising = trend(DF, series([1, 2, 3, 4, 5, 6]), red=True)
    assert rising is not None
    assert rising.severity is Severity.LOW
    assert rising.title == (
        "Deployment frequency increased from 1.0 a week to 6.0 a week over the last 6 weeks"
    )


def test_trend_unit_name():
    # task throughput per sprint, 1 … 6 → line 1 → 6 over 6 buckets called sprints
    found = trend(Metric.TASK_THROUGHPUT, series([1, 2, 3, 4, 5, 6]), unit_name="sprints")
    assert found is not None
    assert found.title == (
        "Task throughput increased from 1.0 a sprint to 6.0 a sprint over the last 6 sprints"
    )


def test_anomaly_unit_name():
    # the 8 earlier values 10 11 9 10 12 10 11 9: median 10, |dev| 0 1 1 0 2 0 1 1 → MAD 1;
    # z = (30 − 10)/1.4826 = +13.5; the narrative calls the buckets sprints
    points = series([10, 11, 9, 10, 12, 10, 11, 9, 30])
    found = anomaly(Metric.CYCLE_TIME, points, unit_name="sprints")
    assert found is not None
    assert "over the 8 earlier sprints with a value (robust z-score +13.5)" in found.body


# --- recommendations --------------------------------------------------------------------

#: the rules as the module docstring and the rule texts describe them, written out by hand:
#: name → (required directions, severity, title)
EXPECTED_RULES: dict[str, tuple[dict[Metric, tuple[MKTrend, ...]], Severity, str]] = {
    "pace-outruns-tests": (
        {DF: (UP,), CFR: (UP,), TC: (FLAT, DOWN)},
        Severity.HIGH,
        "Delivery pace is outrunning the tests",
    ),
    "review-bottleneck": (
        {PRT: (UP,), CT: (UP,)},
        Severity.MEDIUM,
        "Review is slowing delivery down",
    ),
    "failures-last-longer": (
        {CFR: (UP,), RECOVERY: (UP,)},
        Severity.HIGH,
        "Failures are more frequent and take longer to recover from",
    ),
    "rework-grows-with-churn": (
        {CHURN: (UP,), REWORK: (UP,)},
        Severity.MEDIUM,
        "More code is being rewritten soon after it ships",
    ),
}

ABOUT = datetime(2026, 2, 23, tzinfo=UTC)


def recs(directions: dict[Metric, MKTrend]) -> list[Finding]:
    return recommendations(directions, about=ABOUT, about_label="2026-W09")


def names(found: list[Finding]) -> list[str]:
    return [f.key.split(":")[1] for f in found]


def test_rules_are_the_expected_ones():
    assert [r.name for r in RULES] == list(EXPECTED_RULES)
    for rule in RULES:
        moves, severity, title = EXPECTED_RULES[rule.name]
        assert dict(rule.moves) == moves
        assert (rule.severity, rule.title) == (severity, title)


@pytest.mark.parametrize("name", list(EXPECTED_RULES))
def test_each_rule_fires_when_its_metrics_move_its_way(name):
    moves, severity, title = EXPECTED_RULES[name]
    directions = {metric: wanted[0] for metric, wanted in moves.items()}
    found = recs(directions)
    # only this rule's metrics are given, and no two rules share all their metrics
    assert found == [
        Finding(
            type=InsightType.RECOMMENDATION,
            severity=severity,
            title=title,
            body=found[0].body,
            metrics=tuple(moves),
            about=ABOUT,
            key=f"recommendation:{name}:2026-W09",
        )
    ]


@pytest.mark.parametrize(
    ("name", "metric"),
    [(name, metric) for name, (moves, _, _) in EXPECTED_RULES.items() for metric in moves],
)
def test_a_rule_does_not_fire_when_one_metric_moves_otherwise_or_is_missing(name, metric):
    moves, _, _ = EXPECTED_RULES[name]
    matching = {m: wanted[0] for m, wanted in moves.items()}
    for other in (UP, DOWN, FLAT):
        if other in moves[metric]:
            continue
        assert name not in names(recs({**matching, metric: other})), (metric, other)
    # left out (too few values to test): matches nothing
    missing = {m: d for m, d in matching.items() if m != metric}
    assert name not in names(recs(missing))


def test_pace_outruns_tests_with_coverage_flat_down_up_or_untested():
    base = {DF: UP, CFR: UP}
    assert names(recs({**base, TC: FLAT})) == ["pace-outruns-tests"]
    assert names(recs({**base, TC: DOWN})) == ["pace-outruns-tests"]
    assert names(recs({**base, TC: UP})) == []
    # no coverage data is not flat coverage
    assert names(recs(base)) == []


def test_pace_outruns_tests_exact_finding():
    found = recs({DF: UP, CFR: UP, TC: FLAT})
    assert found == [
        Finding(
            type=InsightType.RECOMMENDATION,
            severity=Severity.HIGH,
            title="Delivery pace is outrunning the tests",
            body="Deployments and the change failure rate are both rising while test coverage"
            " is not: more changes reach production, more of them fail, and the tests are"
            " not catching up. Add tests where the failed deployments changed code, or gate"
            " deployments on coverage of the changed lines.",
            metrics=(DF, CFR, TC),
            about=ABOUT,
            key="recommendation:pace-outruns-tests:2026-W09",
        )
    ]


def test_coverage_with_too_few_values_never_counts_as_flat():
    # directions as the caller builds them from trend_test over the same buckets:
    # deployments 1 … 8 and CFR CFR_SERIES rise (S = 28 and 20 above, p < 0.05); coverage
    # has only 5 values in the last 8 buckets → trend_test None → left out
    tests = {
        DF: trend_test(series([1, 2, 3, 4, 5, 6, 7, 8])),
        CFR: trend_test(series(CFR_SERIES)),
        TC: trend_test(series([80, None, 80, None, 80, None, 80, 80])),
    }
    directions = {m: t.direction for m, t in tests.items() if t is not None}
    assert directions == {DF: UP, CFR: UP}
    assert recs(directions) == []
    # with 6 equal coverage values: S = 0 → p = 1 → no trend, which is flat → the rule fires
    flat = trend_test(series([80, None, 80, None, 80, 80, 80, 80]))
    assert flat is not None
    assert flat.direction is FLAT
    assert names(recs({**directions, TC: flat.direction})) == ["pace-outruns-tests"]


def test_two_rules_fire_together_in_rule_order():
    found = recs({DF: UP, CFR: UP, TC: DOWN, RECOVERY: UP})
    assert [f.key for f in found] == [
        "recommendation:pace-outruns-tests:2026-W09",
        "recommendation:failures-last-longer:2026-W09",
    ]
    assert [f.severity for f in found] == [Severity.HIGH, Severity.HIGH]
    assert found[1].metrics == (CFR, RECOVERY)


def test_no_directions_or_everything_flat_recommends_nothing():
    assert recs({}) == []
    # every rule needs at least one metric rising
    assert recs(dict.fromkeys(Metric, FLAT)) == []


# --- quartiles and benchmark crossings ----------------------------------------------------


@pytest.mark.parametrize(
    ("percentile", "expected"),
    [(0, 0), (24, 0), (25, 1), (49, 1), (50, 2), (74, 2), (75, 3), (100, 3)],
)
def test_quartile_edges(percentile, expected):
    # percentile // 25, with 100 // 25 = 4 capped to 3
    assert quartile(percentile) == expected


def crossing(previous: int, current: int, *, red: bool = False) -> Finding | None:
    return benchmark_crossing(
        CT,
        previous,
        current,
        cohort="saas-mid",
        window_days=28,
        about=ABOUT,
        about_label="2026-W09",
        red=red,
    )


def test_benchmark_same_quartile_is_none():
    assert crossing(50, 74) is None  # 2 → 2
    assert crossing(74, 50) is None  # 2 → 2
    assert crossing(24, 0) is None  # 0 → 0


def test_benchmark_exact_finding_one_quartile_down():
    # 60 → quartile 2 (third), 40 → quartile 1 (second): worse by one → medium
    assert crossing(60, 40) == Finding(
        type=InsightType.BENCHMARK,
        severity=Severity.MEDIUM,
        title="Cycle time moved from the third quartile to the second quartile of its peers",
        body="Over the 28 days to 2026-W09, cycle time ranks at percentile 40 of the"
        " reference cohort saas-mid, against 60 over the 28 days before (higher is better):"
        " worse than before, relative to the peers.",
        metrics=(CT,),
        about=ABOUT,
        key="benchmark:cycle_time:2026-W09:2->1",
    )


@pytest.mark.parametrize(
    ("previous", "current", "red", "severity", "key_tail"),
    [
        (24, 25, False, Severity.LOW, "0->1"),  # up one quartile: better
        (10, 80, True, Severity.LOW, "0->3"),  # up three, red: still better → low
        (50, 49, False, Severity.MEDIUM, "2->1"),  # down one
        (80, 30, False, Severity.HIGH, "3->1"),  # down two → large
        (100, 0, False, Severity.HIGH, "3->0"),  # down three
        (60, 40, True, Severity.HIGH, "2->1"),  # down one but red
    ],
)
def test_benchmark_severity(previous, current, red, severity, key_tail):
    found = crossing(previous, current, red=red)
    assert found is not None
    assert found.severity is severity
    assert found.key == f"benchmark:cycle_time:2026-W09:{key_tail}"


def test_benchmark_up_one_quartile_says_better():
    found = crossing(24, 25)
    assert found is not None
    assert found.title == (
        "Cycle time moved from the bottom quartile to the second quartile of its peers"
    )
    assert found.body.endswith("(higher is better): better than before, relative to the peers.")


# --- sort_findings ------------------------------------------------------------------------


def make(kind: InsightType, severity: Severity, weeks: int, key: str) -> Finding:
    return Finding(kind, severity, key, "", (CT,), week(weeks), key)


A, T, R, B = (
    InsightType.ANOMALY,
    InsightType.TREND,
    InsightType.RECOMMENDATION,
    InsightType.BENCHMARK,
)
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW


def test_sort_by_severity_first():
    # the low one is the newest, the high one the oldest: severity wins
    low = make(A, LOW, 9, "low")
    medium = make(A, MEDIUM, 5, "medium")
    high = make(A, HIGH, 1, "high")
    assert sort_findings([low, medium, high]) == [high, medium, low]


def test_sort_newest_first_within_a_severity():
    older = make(A, MEDIUM, 3, "a")
    newer = make(A, MEDIUM, 5, "z")
    assert sort_findings([older, newer]) == [newer, older]


def test_sort_ties_by_kind_then_key():
    # same severity and about: anomaly, trend, recommendation, benchmark; then key a < b
    b = make(B, LOW, 4, "a")
    r = make(R, LOW, 4, "a")
    t = make(T, LOW, 4, "a")
    a2 = make(A, LOW, 4, "b")
    a1 = make(A, LOW, 4, "a")
    assert sort_findings([b, r, t, a2, a1]) == [a1, a2, t, r, b]


def test_sort_is_the_same_whatever_the_input_order():
    expected = [
        make(B, HIGH, 7, "benchmark:x"),  # high, newest
        make(A, HIGH, 6, "anomaly:b"),  # high, week 6: anomaly before trend
        make(T, HIGH, 6, "trend:a"),
        make(A, MEDIUM, 7, "anomaly:a"),  # medium, week 7: by key a < c
        make(A, MEDIUM, 7, "anomaly:c"),
        make(R, MEDIUM, 2, "recommendation:a"),  # medium, oldest
        make(T, LOW, 8, "trend:z"),  # low, newest
        make(R, LOW, 3, "recommendation:b"),  # low, week 3: recommendation before benchmark
        make(B, LOW, 3, "benchmark:a"),
    ]
    rng = random.Random(20260105)
    for _ in range(25):
        shuffled = expected[:]
        rng.shuffle(shuffled)
        assert sort_findings(shuffled) == expected
    assert sort_findings([]) == []


# --- fmt --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        (CT, 12.34, "12.3 h"),  # hours
        (RECOVERY, 0.96, "1.0 h"),  # hours, rounded up to one decimal
        (DF, 4, "4.0 a week"),  # per week
        (Metric.OPEN_INCIDENT_RATE, 0.26, "0.3 a week"),
        (CFR, 3.76, "3.8%"),  # percent
        (TC, 80.04, "80.0%"),
        (Metric.TASK_THROUGHPUT, 12, "12.0 a sprint"),  # per sprint
    ],
)
def test_fmt_units_and_one_decimal(metric, value, expected):
    assert fmt(metric, value) == expected


def test_benchmark_body_keeps_the_acronym_of_pr_review_time() -> None:
    # "PR review time" inside a sentence stays "PR review time" (not "pr review time");
    # 60 → 40: quartile 2 (50–74) → 1 (25–49), one down → medium
    finding = benchmark_crossing(
        Metric.PR_REVIEW_TIME,
        60,
        40,
        cohort="all",
        window_days=28,
        about=datetime(2026, 2, 23, tzinfo=UTC),
        about_label="2026-03-01",
    )
    assert finding is not None
    assert finding.body == (
        "Over the 28 days to 2026-03-01, PR review time ranks at percentile 40 of the"
        " reference cohort all, against 60 over the 28 days before (higher is better):"
        " worse than before, relative to the peers."
    )
    assert finding.severity is Severity.MEDIUM

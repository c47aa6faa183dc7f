"""scoring/scorecard.py: signals, the §6 projection rule and the overall score."""

from __future__ import annotations

import pytest

from devintel_cli.metrics.catalog import Metric, Trend, Unit
from devintel_cli.scoring.bands import Bands, Status
from devintel_cli.scoring.scorecard import (
    Signal,
    SignalInput,
    overall_score,
    project_weekly,
    score_signal,
    score_signals,
    signal_points,
)

CFR = Metric.CHANGE_FAILURE_RATE

#: the seed's change_failure_rate, 1.2 % → 3.8 % over 3 two-week sprints, as 7 weekly
#: points on a straight line: (3.8 − 1.2) / 6 weeks = 0.4333 pp/week
SEED_CFR_WEEKLY = [1.2 + week * (3.8 - 1.2) / 6 for week in range(7)]


def seed_inputs() -> list[SignalInput]:
    return [
        # 14.2 h ≤ 24 → green; 19.8 → 14.2 is −28 % → improving
        SignalInput(Metric.CYCLE_TIME, 14.2, previous_value=19.8),
        # 4.1 /wk ≥ 1 → green; 4.0 → 4.1 is +2.5 % → stable
        SignalInput(Metric.DEPLOYMENT_FREQUENCY, 4.1, previous_value=4.0),
        # 3.8 % ≤ 5 → green by band; 2.5 → 3.8 is +52 % → worsening; projection → amber
        SignalInput(CFR, 3.8, previous_value=2.5, weekly_values=SEED_CFR_WEEKLY),
        # 60 ≤ 76.2 < 80 → amber; 76.0 → 76.2 is +0.3 % → stable
        SignalInput(Metric.TEST_COVERAGE, 76.2, previous_value=76.0),
        # 6.1 h ≤ 24 → green; 8.0 → 6.1 is −24 % → improving
        SignalInput(Metric.PR_REVIEW_TIME, 6.1, previous_value=8.0),
    ]


def test_seed_scorecard_reproduces_exactly():
    signals = score_signals(seed_inputs())
    assert [
        (s.metric.value, s.value, s.unit.value, s.status.value, s.trend.value) for s in signals
    ] == [
        ("cycle_time", 14.2, "hours", "green", "improving"),
        ("deployment_frequency", 4.1, "per_week", "green", "stable"),
        ("change_failure_rate", 3.8, "percent", "amber", "worsening"),
        ("test_coverage", 76.2, "percent", "amber", "stable"),
        ("pr_review_time", 6.1, "hours", "green", "improving"),
    ]
    # points: green improving 105 → clamped 100; green stable 100; amber worsening 50;
    # amber stable 55; green improving 100 → (100 + 100 + 50 + 55 + 100) / 5 = 81.0 → 81
    assert [signal_points(s) for s in signals] == [100, 100, 50, 55, 100]
    assert overall_score(signals) == 81


def test_seed_cfr_projection_figures():
    cfr = score_signals(seed_inputs())[2]
    assert cfr.band_status is Status.GREEN  # 3.8 ≤ 5 by the band alone
    assert cfr.projection is not None
    # slope (3.8 − 1.2) / 6 = 0.4333 pp/week; the Sen line through the 7 points is the
    # line itself, intercept 1.2; newest week x = 6; horizon 28 d = 4 weeks →
    # 1.2 + 0.4333 × (6 + 4) = 5.533 % > 5 % → leaves green
    assert cfr.projection.slope_per_week == pytest.approx(0.4333, abs=1e-4)
    assert cfr.projection.projected_value == pytest.approx(5.5333, abs=1e-4)
    assert cfr.projection.points == 7
    assert cfr.projection.horizon_days == 28
    assert cfr.projection.leaves_green is True


# --- the projection rule ----------------------------------------------------------------


def cfr_signal(weekly, *, value=3.0, previous=2.0, window_days=28, bands=None) -> Signal:
    signal = score_signal(
        SignalInput(CFR, value, previous_value=previous, weekly_values=weekly),
        window_days=window_days,
        **({"bands": bands} if bands else {}),
    )
    assert signal is not None
    return signal


def test_projection_crossing_green_turns_amber():
    # 1.0 1.6 2.2 2.8 3.4 at weeks 0–4: slope 0.6, intercept 1.0; newest x = 4, horizon
    # 28 d = 4 weeks → at x = 8: 1.0 + 0.6 × 8 = 5.8 > 5 → amber
    signal = cfr_signal([1.0, 1.6, 2.2, 2.8, 3.4], value=3.4)
    assert signal.status is Status.AMBER
    assert signal.projection.projected_value == pytest.approx(5.8)


def test_projection_exactly_on_the_green_threshold_stays_green():
    # 1.0 1.5 2.0 2.5 3.0 at weeks 0–4: slope 0.5, intercept 1.0; at x = 4 + 4 = 8:
    # 1.0 + 0.5 × 8 = 5.0 → still green (green is ≤ 5) → no amber
    signal = cfr_signal([1.0, 1.5, 2.0, 2.5, 3.0])
    assert signal.projection.projected_value == 5.0
    assert signal.projection.leaves_green is False
    assert signal.status is Status.GREEN


def test_projection_not_crossing_stays_green():
    # 3.0 3.1 3.2 3.3 3.4 3.5: slope 0.1, intercept 3.0; newest x = 5; at x = 9: 3.9 ≤ 5
    signal = cfr_signal([3.0, 3.1, 3.2, 3.3, 3.4, 3.5], value=3.5)
    assert signal.projection.projected_value == pytest.approx(3.9)
    assert signal.status is Status.GREEN


def test_fewer_than_four_weekly_points_means_no_projection():
    # three steep points would project far past 5 %, but three are not enough
    signal = cfr_signal([1.0, 3.0, 4.9])
    assert signal.projection is None
    assert signal.status is Status.GREEN
    # weeks without data do not count towards the four
    signal = cfr_signal([1.0, None, 3.0, None, 4.9])
    assert signal.projection is None
    assert signal.status is Status.GREEN


def test_improving_or_stable_green_is_never_projected():
    steep = [1.0, 2.0, 3.0, 4.0, 4.9]  # slope 1 pp/week toward red
    # previous window 4.0 → 3.0: −25 % → improving
    improving = cfr_signal(steep, value=3.0, previous=4.0)
    assert improving.trend is Trend.IMPROVING
    assert improving.projection is None
    assert improving.status is Status.GREEN
    # previous 3.0 → 3.0: stable
    stable = cfr_signal(steep, value=3.0, previous=3.0)
    assert stable.trend is Trend.STABLE
    assert stable.projection is None
    assert stable.status is Status.GREEN


def test_worsening_window_but_weekly_slope_pointing_better_stays_green():
    # window trend worsening (2.0 → 3.0) yet the weekly points fall: slope −0.5 (better
    # for CFR). Line: 4.0 3.5 3.0 2.5 → intercept 4.0, at x = 3 + 4 = 7: 0.5 → green
    signal = cfr_signal([4.0, 3.5, 3.0, 2.5])
    assert signal.trend is Trend.WORSENING
    assert signal.projection.slope_per_week == -0.5
    assert signal.projection.leaves_green is False
    assert signal.status is Status.GREEN


def test_amber_and_red_signals_are_not_projected():
    amber = cfr_signal([5.0, 6.0, 7.0, 8.0], value=8.0, previous=6.0)
    assert (amber.status, amber.projection) == (Status.AMBER, None)
    red = cfr_signal([5.0, 10.0, 15.0, 20.0], value=20.0, previous=10.0)
    assert (red.status, red.projection) == (Status.RED, None)


def test_weeks_without_data_keep_their_place_on_the_x_axis():
    # values at weeks 0, 2, 4, 5 (None at 1 and 3): y = 1 + 0.5x exactly →
    # slope 0.5, intercept 1; newest entry x = 5; at x = 9: 1 + 4.5 = 5.5 > 5 → amber.
    # Had the gaps been squeezed out (x = 0 1 2 3), the slope would be larger.
    signal = cfr_signal([1.0, None, 2.0, None, 3.0, 3.5], value=3.5)
    assert signal.projection.slope_per_week == 0.5
    assert signal.projection.points == 4
    assert signal.projection.projected_value == 5.5
    assert signal.status is Status.AMBER


def test_only_the_last_two_windows_of_weeks_are_used():
    # window 28 d → lookback 2 × 4 = 8 weeks. Ten entries: the first two (9.0, 9.0) are
    # dropped; the remaining 8 rise 1.0 … 4.5 by 0.5 (x 0–7) → slope 0.5, intercept 1,
    # at x = 7 + 4 = 11: 6.5 > 5 → amber. With the two old 9.0s kept, the Sen slope would
    # be pulled down and the fit changed.
    weekly = [9.0, 9.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
    fitted = project_weekly(weekly, horizon_days=28)
    assert fitted == (0.5, 6.5, 8)


def test_projection_horizon_follows_the_window():
    # window 14 d → horizon 2 weeks, lookback 4 entries: 1.0 1.6 2.2 2.8 → slope 0.6,
    # intercept 1.0, at x = 3 + 2 = 5: 4.0 ≤ 5 → green (with 28 d it would be 5.2: amber)
    short = cfr_signal([1.0, 1.6, 2.2, 2.8], value=2.8, window_days=14)
    assert short.projection.projected_value == pytest.approx(4.0)
    assert short.status is Status.GREEN
    long = cfr_signal([1.0, 1.6, 2.2, 2.8], value=2.8, window_days=28)
    assert long.projection.projected_value == pytest.approx(5.2)
    assert long.status is Status.AMBER


def test_higher_is_better_projection():
    # test_coverage green ≥ 80; previous 88 → 85 is −3.4 % → stable, so use 90 → 85
    # (−5.6 %) → worsening. Weekly 91 89 87 85: slope −2, intercept 91, at x = 3 + 4 = 7:
    # 91 − 14 = 77 < 80 → amber
    falling = score_signal(
        SignalInput(
            Metric.TEST_COVERAGE, 85.0, previous_value=90.0, weekly_values=[91.0, 89.0, 87.0, 85.0]
        )
    )
    assert falling.status is Status.AMBER
    assert falling.projection.projected_value == 77.0
    # slope −1: 88 87 86 85 → 88 − 7 = 81 ≥ 80 → stays green
    gentle = score_signal(
        SignalInput(
            Metric.TEST_COVERAGE, 85.0, previous_value=90.0, weekly_values=[88.0, 87.0, 86.0, 85.0]
        )
    )
    assert gentle.status is Status.GREEN
    assert gentle.projection.projected_value == 81.0


def test_task_throughput_projection_uses_the_line_target():
    # target 8: green ≥ 8. Value 9, previous 12 (−25 %, worsening). Weekly 12 11 10 9:
    # slope −1, intercept 12, at x = 3 + 4 = 7: 5 < 8 → amber
    signal = score_signal(
        SignalInput(
            Metric.TASK_THROUGHPUT,
            9.0,
            previous_value=12.0,
            weekly_values=[12.0, 11.0, 10.0, 9.0],
            target=8,
        )
    )
    assert signal.unit is Unit.PER_SPRINT
    assert signal.band_status is Status.GREEN
    assert signal.status is Status.AMBER


def test_projection_uses_overridden_bands():
    # the seed's CFR against a green band of ≤ 6 %: 5.53 ≤ 6 → stays green
    bands = Bands.from_mapping({"change_failure_rate": {"green": 6}})
    signal = cfr_signal(SEED_CFR_WEEKLY, value=3.8, previous=2.5, bands=bands)
    assert signal.status is Status.GREEN


# --- signals ------------------------------------------------------------------------


def test_metrics_without_data_give_no_signal():
    signals = score_signals(
        [SignalInput(Metric.CYCLE_TIME, None), SignalInput(Metric.CODE_CHURN, 20.0)]
    )
    assert [s.metric for s in signals] == [Metric.CODE_CHURN]


def test_no_previous_window_means_stable():
    signal = score_signal(SignalInput(Metric.CODE_CHURN, 20.0))
    assert signal.trend is Trend.STABLE


def test_a_metric_given_twice_is_a_bug():
    with pytest.raises(ValueError, match="twice"):
        score_signals([SignalInput(CFR, 1.0), SignalInput(CFR, 2.0)])


# --- overall score --------------------------------------------------------------------


def make(status: Status, trend: Trend) -> Signal:
    return Signal(CFR, 1.0, Unit.PERCENT, status, trend, band_status=status)


@pytest.mark.parametrize(
    ("status", "trend", "points"),
    [
        (Status.GREEN, Trend.IMPROVING, 100),  # 105 clamped per signal
        (Status.GREEN, Trend.STABLE, 100),
        (Status.GREEN, Trend.WORSENING, 95),
        (Status.AMBER, Trend.IMPROVING, 60),
        (Status.AMBER, Trend.STABLE, 55),
        (Status.AMBER, Trend.WORSENING, 50),
        (Status.RED, Trend.IMPROVING, 20),
        (Status.RED, Trend.STABLE, 15),
        (Status.RED, Trend.WORSENING, 10),
    ],
)
def test_signal_points(status, trend, points):
    assert signal_points(make(status, trend)) == points


def test_clamping_is_per_signal_not_on_the_mean():
    # green improving (100, not 105) + red worsening (10): (100 + 10) / 2 = 55.
    # Clamping only the mean would give (105 + 10) / 2 = 57.5 → 58.
    assert (
        overall_score([make(Status.GREEN, Trend.IMPROVING), make(Status.RED, Trend.WORSENING)])
        == 55
    )


def test_overall_score_rounds_half_up():
    # green worsening 95 + amber worsening 50 = 145 / 2 = 72.5 → 73 (round-half-even: 72)
    assert (
        overall_score([make(Status.GREEN, Trend.WORSENING), make(Status.AMBER, Trend.WORSENING)])
        == 73
    )
    # 100 + 55 + 55 = 210 / 3 = 70.0 → 70; 100 + 100 + 55 = 255 / 3 = 85.0 → 85
    assert (
        overall_score([make(Status.GREEN, Trend.STABLE)] + [make(Status.AMBER, Trend.STABLE)] * 2)
        == 70
    )
    # 100 + 55 + 50 = 205 / 3 = 68.33 → 68; 100 + 60 + 60 = 220 / 3 = 73.33 → 73
    assert (
        overall_score(
            [
                make(Status.GREEN, Trend.STABLE),
                make(Status.AMBER, Trend.STABLE),
                make(Status.AMBER, Trend.WORSENING),
            ]
        )
        == 68
    )


def test_overall_score_bounds():
    assert overall_score([make(Status.RED, Trend.WORSENING)]) == 10
    assert overall_score([make(Status.GREEN, Trend.IMPROVING)] * 3) == 100


def test_no_signals_is_no_score_never_zero():
    assert overall_score([]) is None

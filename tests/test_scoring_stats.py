"""scoring/stats.py: median, MAD, robust z, Theil–Sen, Mann–Kendall — hand-computed."""

from __future__ import annotations

import math

import pytest

from devintel_cli.scoring.stats import (
    MAD_CONSISTENCY,
    MEAN_AD_CONSISTENCY,
    MKTrend,
    mad,
    mann_kendall,
    mann_kendall_variance,
    median,
    robust_z,
    sen_line,
    sen_slope,
)

# --- median / MAD ---------------------------------------------------------------------


def test_median_odd_and_even_counts():
    assert median([3, 1, 2]) == 2  # sorted 1 2 3 → middle 2
    assert median([4, 1, 3, 2]) == 2.5  # sorted 1 2 3 4 → (2 + 3) / 2
    assert median([7]) == 7


def test_median_of_nothing_is_an_error_not_zero():
    with pytest.raises(ValueError):
        median([])


def test_median_rejects_nan():
    with pytest.raises(ValueError):
        median([1.0, math.nan])


def test_mad_is_unscaled():
    # median of 1 2 3 4 100 is 3; |x − 3| = 2 1 0 1 97 → sorted 0 1 1 2 97 → MAD 1
    assert mad([1, 2, 3, 4, 100]) == 1
    # median 2.5; |x − 2.5| = 1.5 0.5 0.5 1.5 → MAD (0.5 + 1.5) / 2 = 1
    assert mad([1, 2, 3, 4]) == 1


# --- robust z ---------------------------------------------------------------------------


def test_robust_z_uses_median_and_scaled_mad():
    # history 1 2 3 4 100: median 3, MAD 1 → z(5) = (5 − 3) / (1.4826 × 1) = 1.34898…
    assert robust_z([1, 2, 3, 4, 100], 5) == pytest.approx(2 / 1.4826)
    assert robust_z([1, 2, 3, 4, 100], 5) == pytest.approx(1.348981, abs=1e-6)
    # the outlier 100 in the history does not inflate the scale: z(100) = 97 / 1.4826
    assert robust_z([1, 2, 3, 4, 100], 100) == pytest.approx(65.4256, abs=1e-4)


def test_robust_z_is_signed():
    # median 3, MAD 1 → z(1) = (1 − 3) / 1.4826 = −1.34898…
    assert robust_z([1, 2, 3, 4, 100], 1) == pytest.approx(-2 / MAD_CONSISTENCY)


def test_robust_z_falls_back_to_mean_absolute_deviation_when_mad_is_zero():
    # weeks with 0 incidents and one with 1: median 0, MAD 0 (five of seven are 0);
    # mean |x − 0| = 1/7; z(1) = 1 / (√(π/2) × 1/7) = 7 / 1.253314 = 5.58519…
    history = [0, 0, 0, 0, 1, 0, 0]
    assert mad(history) == 0
    assert robust_z(history, 1) == pytest.approx(7 / MEAN_AD_CONSISTENCY)
    assert robust_z(history, 1) == pytest.approx(5.585192, abs=1e-6)


def test_robust_z_of_a_constant_history():
    # MAD 0 and mean absolute deviation 0: equal → 0, any departure → ±inf
    assert robust_z([5, 5, 5], 5) == 0.0
    assert robust_z([5, 5, 5], 6) == math.inf
    assert robust_z([5, 5, 5], 4) == -math.inf


def test_robust_z_without_history_is_none():
    assert robust_z([], 3.0) is None


# --- Theil–Sen -------------------------------------------------------------------------


def test_sen_slope_of_a_line_is_its_slope():
    # y = 2x + 1: every pairwise slope is 2
    assert sen_slope([(0, 1), (1, 3), (2, 5), (3, 7)]) == 2


def test_sen_slope_is_the_median_pairwise_slope():
    # points (0,0) (1,1) (2,4) (3,9): pairwise slopes
    # (0,1):1 (0,2):2 (0,3):3 (1,2):3 (1,3):4 (2,3):5 → sorted 1 2 3 3 4 5 → median 3
    assert sen_slope([(0, 0), (1, 1), (2, 4), (3, 9)]) == 3


def test_sen_slope_resists_an_outlier():
    # y = x except y(2) = 100: slopes (0,1):1 (0,2):50 (0,3):1 (0,4):1 (1,2):99 (1,3):1
    # (1,4):1 (2,3):−97 (2,4):−48 (3,4):1 → sorted −97 −48 1 1 1 1 1 1 50 99 → median 1
    assert sen_slope([(0, 0), (1, 1), (2, 100), (3, 3), (4, 4)]) == 1


def test_sen_slope_skips_pairs_with_equal_x_and_needs_two_distinct_x():
    # (0,0)-(0,5) has no slope; the others: (0,0)-(1,2): 2, (0,5)-(1,2): −3 → median −0.5
    assert sen_slope([(0, 0), (0, 5), (1, 2)]) == -0.5
    assert sen_slope([(1, 1), (1, 2)]) is None
    assert sen_slope([(1, 1)]) is None
    assert sen_slope([]) is None


def test_sen_line_intercept_is_median_of_residual_levels():
    # slope 3 (above); y − 3x = 0, −2, −2, 0 → median (−2 + 0) / 2 = −1
    assert sen_line([(0, 0), (1, 1), (2, 4), (3, 9)]) == (3, -1)
    assert sen_line([(1, 1)]) is None


# --- Mann–Kendall ----------------------------------------------------------------------


def test_mann_kendall_known_values_for_1_to_100():
    # MannKendall.jl's test suite (mk_original_test(1:100)): s = 4950,
    # var_s = 112750.0, z = 14.73869998208331, p = 0.0 (to double precision there).
    # By hand: S = C(100, 2) = 4950; Var = 100·99·205 / 18 = 112750;
    # z = (4950 − 1) / √112750 = 4949 / 335.783… = 14.7387
    result = mann_kendall(list(range(1, 101)))
    assert result.s == 4950
    assert mann_kendall_variance(range(1, 101)) == 112750.0
    assert result.z == pytest.approx(14.73869998208331, rel=1e-12)
    assert result.p_value < 1e-40
    assert result.trend is MKTrend.INCREASING


def test_mann_kendall_small_increasing_series():
    # 1 2 3 4 5: all 10 pairs rise → S = 10; Var = 5·4·15 / 18 = 16.667;
    # z = (10 − 1) / √16.667 = 2.20454; p = erfc(2.20454 / √2) = 0.027486 < 0.05
    s, z, p_value, trend = mann_kendall([1, 2, 3, 4, 5])
    assert s == 10
    assert z == pytest.approx(9 / math.sqrt(300 / 18))
    assert z == pytest.approx(2.204541, abs=1e-6)
    assert p_value == pytest.approx(0.027486, abs=1e-6)
    assert trend is MKTrend.INCREASING


def test_mann_kendall_decreasing_series():
    # 5 4 3 2 1: S = −10; z = (−10 + 1) / √16.667 = −2.20454, same p
    s, z, p_value, trend = mann_kendall([5, 4, 3, 2, 1])
    assert (s, trend) == (-10, MKTrend.DECREASING)
    assert z == pytest.approx(-2.204541, abs=1e-6)
    assert p_value == pytest.approx(0.027486, abs=1e-6)


def test_mann_kendall_tie_correction():
    # 1 2 2 3: pairs (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+ → S = 5
    # one tie group of t = 2: Var = [4·3·13 − 2·1·9] / 18 = (156 − 18) / 18 = 7.6667
    # z = (5 − 1) / √7.6667 = 1.44463; p = 0.148562 → no trend at α = 0.05
    assert mann_kendall_variance([1, 2, 2, 3]) == pytest.approx(138 / 18)
    s, z, p_value, trend = mann_kendall([1, 2, 2, 3])
    assert s == 5
    assert z == pytest.approx(4 / math.sqrt(138 / 18))
    assert z == pytest.approx(1.444630, abs=1e-6)
    assert p_value == pytest.approx(0.148562, abs=1e-6)
    assert trend is MKTrend.NO_TREND


def test_mann_kendall_rising_cfr_over_sprints_is_not_significant_with_three_points():
    # the seed's 1.2 → 2.5 → 3.8 % over 3 sprints: S = 3, Var = 3·2·11 / 18 = 3.667,
    # z = 2 / √3.667 = 1.044466, p = 2(1 − Φ(1.044466)) = 0.296270: three points
    # cannot reach 5 % significance
    s, z, p_value, trend = mann_kendall([1.2, 2.5, 3.8])
    assert s == 3
    assert z == pytest.approx(2 / math.sqrt(66 / 18))
    assert p_value == pytest.approx(0.296270, abs=1e-6)
    assert trend is MKTrend.NO_TREND


def test_mann_kendall_alpha_is_configurable():
    # same series at α = 0.30: p = 0.296 < 0.30 → increasing
    assert mann_kendall([1.2, 2.5, 3.8], alpha=0.30).trend is MKTrend.INCREASING


def test_mann_kendall_degenerate_inputs():
    # no pairs, or all values tied: S = 0, Var = 0 → z = 0, p = 1
    assert tuple(mann_kendall([])) == (0, 0.0, 1.0, MKTrend.NO_TREND)
    assert tuple(mann_kendall([4.0])) == (0, 0.0, 1.0, MKTrend.NO_TREND)
    assert tuple(mann_kendall([2, 2, 2, 2])) == (0, 0.0, 1.0, MKTrend.NO_TREND)
    # S = 0 with a variance: 1 2 1 → (1,2)+ (1,1)0 (2,1)− → S = 0 → z = 0, p = 1
    assert tuple(mann_kendall([1, 2, 1])) == (0, 0.0, 1.0, MKTrend.NO_TREND)

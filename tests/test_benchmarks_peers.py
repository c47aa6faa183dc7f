"""Peers inside the state directory (§8's second source), the pure part: the median of the
peers' values and the direction-aware percentile of a value among them."""

from __future__ import annotations

import pytest

from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring.benchmarks import (
    MIN_PEERS,
    PeerScope,
    compare_with_peers,
    peer_distribution,
)


def test_lower_is_better_value_between_two_peers() -> None:
    # peers 10, 30, 40 at ranks 0, 50, 100; 20 is halfway between 10 and 30 → raw 25;
    # churn is lower-is-better → 75
    compared = compare_with_peers(Metric.CODE_CHURN, 20.0, [40.0, 10.0, 30.0], scope="repositories")
    assert compared is not None
    assert (compared.scope, compared.count, compared.median, compared.percentile) == (
        PeerScope.REPOSITORIES,
        3,
        30.0,
        75,
    )


def test_higher_is_better_takes_the_raw_rank() -> None:
    # peers 1, 2, 4, 8 at ranks 0, 33.3, 66.7, 100; 3 is halfway between 2 and 4 → raw 50;
    # deployments per week: higher is better → 50. Median of an even count: (2 + 4) / 2 = 3
    compared = compare_with_peers(Metric.DEPLOYMENT_FREQUENCY, 3.0, [8, 1, 4, 2], scope="lines")
    assert compared is not None
    assert (compared.median, compared.percentile) == (3.0, 50)
    # 6 lies between 4 (66.7) and 8 (100): 66.7 + 33.3 × 2/4 = 83.3 → 83
    compared = compare_with_peers(Metric.DEPLOYMENT_FREQUENCY, 6.0, [8, 1, 4, 2], scope="lines")
    assert compared is not None and compared.percentile == 83


def test_beyond_every_peer_reaches_0_and_100() -> None:
    # every peer's value is known, so the lowest is p0 and the highest p100
    best = compare_with_peers(Metric.CYCLE_TIME, 1.0, [5, 6, 7], scope="repositories")
    worst = compare_with_peers(Metric.CYCLE_TIME, 9.0, [5, 6, 7], scope="repositories")
    assert (best.percentile, worst.percentile) == (100, 0)  # type: ignore[union-attr]


def test_a_value_equal_to_tied_peers_takes_their_middle_rank() -> None:
    # peers 0, 0, 0, 10 at ranks 0, 33.3, 66.7, 100: 0 is tied at 0–66.7 → raw 33.3;
    # change failure rate: lower is better → 66.7 → 67
    compared = compare_with_peers(Metric.CHANGE_FAILURE_RATE, 0.0, [0, 0, 0, 10], scope="lines")
    assert compared.percentile == 67  # type: ignore[union-attr]
    assert compared.median == 0.0  # type: ignore[union-attr]


def test_peers_without_a_value_do_not_count_and_too_few_give_nothing() -> None:
    assert MIN_PEERS == 3
    # two peers with a value (the None is a peer without data in the window) → nothing
    assert compare_with_peers(Metric.CODE_CHURN, 5.0, [4.0, None, 6.0], scope="lines") is None
    compared = compare_with_peers(Metric.CODE_CHURN, 5.0, [4.0, None, 6.0, 8.0], scope="lines")
    assert compared is not None and compared.count == 3
    assert compare_with_peers(Metric.CODE_CHURN, 5.0, [], scope="lines") is None
    # the minimum can be lowered, never under two values (a distribution needs two ranks)
    assert compare_with_peers(Metric.CODE_CHURN, 5.0, [4.0, 6.0], scope="lines", minimum=2)
    assert compare_with_peers(Metric.CODE_CHURN, 5.0, [4.0], scope="lines", minimum=1) is None


def test_peer_distribution_keeps_every_value_at_its_type_7_rank() -> None:
    distribution = peer_distribution(Metric.CODE_CHURN, [30, 10, 20, 40, 50], source="peers")
    # n = 5: the k-th smallest at 100·k/4
    assert distribution.quantiles == (
        (0.0, 10.0),
        (25.0, 20.0),
        (50.0, 30.0),
        (75.0, 40.0),
        (100.0, 50.0),
    )
    assert (distribution.median, distribution.sample_size) == (30.0, 5)
    with pytest.raises(ValueError, match="at least two"):
        peer_distribution(Metric.CODE_CHURN, [1.0], source="peers")

"""scoring/profiles.py: the DORA profiles' tiers at their edges, and user overrides."""

from __future__ import annotations

import pytest

from devintel_cli.errors import UsageError
from devintel_cli.metrics.catalog import Metric
from devintel_cli.scoring.profiles import (
    DEFAULT_PROFILE,
    MONTHLY_PER_WEEK,
    PROFILES,
    SIX_MONTHLY_PER_WEEK,
    Tier,
    get_profile,
    profiles_from_mapping,
    tier,
)


def test_shipped_profiles_cite_their_source():
    assert set(PROFILES) == {"dora-2021", "dora-2023", "dora-2024"}
    for profile in PROFILES.values():
        assert "DORA" in profile.source
    assert DEFAULT_PROFILE in PROFILES


def test_dora_2024_says_its_tiers_are_clusters():
    profile = PROFILES["dora-2024"]
    assert profile.clusters is True
    assert profile.caveat is not None
    assert "clusters" in profile.caveat
    assert "not per-metric cut-offs" in profile.caveat
    assert PROFILES["dora-2023"].clusters is False
    assert PROFILES["dora-2021"].clusters is False


def test_deployment_frequency_mapping_to_per_week():
    # once a month = 7 / 30 per week; once every six months = 7 / 180 per week
    assert round(MONTHLY_PER_WEEK, 4) == 0.2333
    assert round(SIX_MONTHLY_PER_WEEK, 4) == 0.0389


DORA_2023_EDGES = [
    # lead time (cycle_time), hours, strict: elite < 24, high < 168, medium < 720
    ("cycle_time", 14.2, "elite"),
    ("cycle_time", 23.99, "elite"),
    ("cycle_time", 24, "high"),  # "< 1 day": exactly a day is not elite
    ("cycle_time", 167.99, "high"),
    ("cycle_time", 168, "medium"),
    ("cycle_time", 719.99, "medium"),
    ("cycle_time", 720, "low"),
    # deployment frequency, per week, inclusive: elite ≥ 7, high ≥ 1, medium ≥ 7/30
    ("deployment_frequency", 7, "elite"),
    ("deployment_frequency", 6.99, "high"),
    ("deployment_frequency", 4.1, "high"),
    ("deployment_frequency", 1, "high"),
    ("deployment_frequency", 0.99, "medium"),
    ("deployment_frequency", 7 / 30, "medium"),
    ("deployment_frequency", 0.23, "low"),  # 0.23 < 0.2333
    ("deployment_frequency", 0, "low"),
    # change failure rate, percent, inclusive: elite ≤ 5, high ≤ 10, medium ≤ 15
    ("change_failure_rate", 0, "elite"),
    ("change_failure_rate", 3.8, "elite"),
    ("change_failure_rate", 5, "elite"),
    ("change_failure_rate", 5.01, "high"),
    ("change_failure_rate", 10, "high"),
    ("change_failure_rate", 15, "medium"),
    ("change_failure_rate", 15.01, "low"),
    # recovery, hours, strict: elite < 1, high < 24, medium < 168
    ("failed_deployment_recovery_time", 0.99, "elite"),
    ("failed_deployment_recovery_time", 1, "high"),
    ("failed_deployment_recovery_time", 23.99, "high"),
    ("failed_deployment_recovery_time", 24, "medium"),
    ("failed_deployment_recovery_time", 167.99, "medium"),
    ("failed_deployment_recovery_time", 168, "low"),
]


@pytest.mark.parametrize(("metric", "value", "expected"), DORA_2023_EDGES)
def test_dora_2023_tiers(metric, value, expected):
    assert tier("dora-2023", metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        # lead time: elite < 1 h; high "1 day – 1 week"; medium "1 – 6 months"
        ("cycle_time", 0.5, "elite"),
        ("cycle_time", 5, "high"),  # in the published gap 1 h – 1 day → the worse tier
        ("cycle_time", 168, "medium"),
        ("cycle_time", 4319, "medium"),
        ("cycle_time", 4320, "low"),  # 6 months = 180 days
        # deployment frequency: elite on demand; high weekly–monthly; medium to 6-monthly
        ("deployment_frequency", 7, "elite"),
        ("deployment_frequency", 3, "high"),  # gap daily–weekly → high (the worse tier)
        ("deployment_frequency", 7 / 30, "high"),
        ("deployment_frequency", 0.1, "medium"),
        ("deployment_frequency", 7 / 180, "medium"),
        ("deployment_frequency", 0.03, "low"),
        # CFR: elite 0–15 %; high, medium and low all 16–30 % → named high; > 30 % low
        ("change_failure_rate", 15, "elite"),
        ("change_failure_rate", 15.5, "high"),
        ("change_failure_rate", 30, "high"),
        ("change_failure_rate", 30.1, "low"),
        # time to restore: elite < 1 h, high < 1 day, medium 1 day – 1 week, low > 6 months
        ("failed_deployment_recovery_time", 100, "medium"),
        ("failed_deployment_recovery_time", 500, "low"),  # gap 1 week – 6 months → low
    ],
)
def test_dora_2021_tiers(metric, value, expected):
    assert tier("dora-2021", metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("cycle_time", 23.99, "elite"),
        ("cycle_time", 100, "high"),
        ("cycle_time", 500, "medium"),
        ("cycle_time", 1000, "low"),
        ("deployment_frequency", 10, "elite"),
        ("deployment_frequency", 2, "high"),
        ("deployment_frequency", 0.5, "medium"),
        ("deployment_frequency", 0.1, "low"),
        # CFR cluster values elite 5, high 20, medium 10, low 40: first bound met wins,
        # so 10 % is high (≤ 20) and medium is never reached on CFR alone
        ("change_failure_rate", 5, "elite"),
        ("change_failure_rate", 10, "high"),
        ("change_failure_rate", 20, "high"),
        ("change_failure_rate", 20.01, "low"),
        # recovery: elite < 1 h; high and medium share < 1 day; low 1 week – 1 month
        ("failed_deployment_recovery_time", 0.5, "elite"),
        ("failed_deployment_recovery_time", 12, "high"),
        ("failed_deployment_recovery_time", 30, "low"),  # gap 1 day – 1 week → low
    ],
)
def test_dora_2024_tiers(metric, value, expected):
    assert tier("dora-2024", metric, value) == expected


def test_metrics_without_dora_cut_offs_have_no_tier():
    for name in PROFILES:
        for metric in ("test_coverage", "code_churn", "pr_review_time", "rework_rate"):
            assert tier(name, metric, 50) is None


def test_tier_accepts_a_profile_object_and_metric_enum():
    assert tier(PROFILES["dora-2023"], Metric.CYCLE_TIME, 14.2) == "elite"
    assert PROFILES["dora-2023"].tier(Metric.CYCLE_TIME, 14.2) is Tier.ELITE


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(UsageError, match="dora-2022") as raised:
        get_profile("dora-2022")
    assert "dora-2023" in (raised.value.hint or "")
    with pytest.raises(UsageError):
        tier("dora-2022", "cycle_time", 1)


# --- overrides --------------------------------------------------------------------------


def test_override_a_shipped_profile_metric():
    profiles = profiles_from_mapping(
        {"dora-2023": {"cycle_time": {"elite": 12, "high": 96, "medium": 500}}}
    )
    # strict hours: 11.9 elite, 12 high, 96 medium, 500 low
    assert tier(profiles["dora-2023"], "cycle_time", 11.9) == "elite"
    assert tier(profiles["dora-2023"], "cycle_time", 12) == "high"
    assert tier(profiles["dora-2023"], "cycle_time", 96) == "medium"
    assert tier(profiles["dora-2023"], "cycle_time", 500) == "low"
    # other metrics of the profile untouched, and the shipped table itself unchanged
    assert tier(profiles["dora-2023"], "change_failure_rate", 10) == "high"
    assert tier("dora-2023", "cycle_time", 12) == "elite"
    assert "overrides" in profiles["dora-2023"].source


def test_new_profile_from_a_base():
    profiles = profiles_from_mapping(
        {
            "acme": {
                "base": "dora-2024",
                "source": "Acme delivery handbook 2025",
                "change_failure_rate": {"elite": 3, "high": 8},
            }
        }
    )
    acme = profiles["acme"]
    assert acme.source == "Acme delivery handbook 2025"
    # percent bounds are inclusive: 3 elite, 8 high, above 8 nothing left → low
    assert tier(acme, "change_failure_rate", 3) == "elite"
    assert tier(acme, "change_failure_rate", 8) == "high"
    assert tier(acme, "change_failure_rate", 8.5) == "low"
    # the rest comes from dora-2024, with its caveat
    assert tier(acme, "cycle_time", 100) == "high"
    assert acme.clusters is True
    assert acme.caveat == PROFILES["dora-2024"].caveat
    # shipped profiles are still there
    assert set(profiles) == {"dora-2021", "dora-2023", "dora-2024", "acme"}


def test_new_profile_without_base_has_only_its_metrics():
    profiles = profiles_from_mapping({"mine": {"deployment_frequency": {"elite": 10}}})
    assert tier(profiles["mine"], "deployment_frequency", 10) == "elite"  # ≥ inclusive
    assert tier(profiles["mine"], "deployment_frequency", 9) == "low"
    assert tier(profiles["mine"], "cycle_time", 1) is None
    assert profiles["mine"].source == "user-defined (profiles.mine)"


@pytest.mark.parametrize(
    ("mapping", "named"),
    [
        ({"acme": {"cycle_tme": {"elite": 1}}}, "profiles.acme.cycle_tme"),
        ({"acme": {"cycle_time": {"low": 1}}}, "profiles.acme.cycle_time.low"),
        ({"acme": {"cycle_time": {"elite": "1h"}}}, "profiles.acme.cycle_time.elite"),
        ({"acme": {"cycle_time": {"elite": True}}}, "profiles.acme.cycle_time.elite"),
        ({"acme": {"cycle_time": 24}}, "profiles.acme.cycle_time"),
        ({"acme": {"cycle_time": {}}}, "profiles.acme.cycle_time"),
        # lower is better: elite's bound must not exceed high's
        ({"acme": {"cycle_time": {"elite": 48, "high": 24}}}, "profiles.acme.cycle_time"),
        # higher is better: elite's bound must not be below high's
        (
            {"acme": {"deployment_frequency": {"elite": 1, "high": 5}}},
            "profiles.acme.deployment_frequency",
        ),
        ({"acme": {"base": "dora-2020"}}, "profiles.acme.base"),
        ({"acme": {"source": ""}}, "profiles.acme.source"),
        ({"acme": "dora-2023"}, "profiles.acme"),
    ],
)
def test_bad_profile_overrides_name_the_key(mapping, named):
    with pytest.raises(UsageError) as raised:
        profiles_from_mapping(mapping)
    assert named in raised.value.message

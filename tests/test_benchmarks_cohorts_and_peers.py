"""`devintel benchmarks` end to end (§8): the scope's primary language picks the language
cohort of the reference, and a repository or a line is also compared with its peers in
the state directory. Real repositories written with pygit2, values worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from devintel_cli.fixtures.builder import ALICE, BOB, DEPENDABOT, RepoWriter, build_repo

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"
AS_OF = ("--as-of", "2026-05-01T00:00:00Z")


def _validate(data: dict) -> None:
    schema = CONTRACT / "benchmarks.schema.json"
    if schema.exists():
        jsonschema.validate({"data": data}, json.loads(schema.read_text()))


def _benchmarks(cli, *args: str) -> dict:  # type: ignore[no-untyped-def]
    data = cli.json("benchmarks", *AS_OF, *args)
    _validate(data)
    return data


def _rows(data: dict) -> dict[str, dict]:
    return {row["metric"]: row for row in data["benchmarks"]}


def _reference(path: Path, *distributions: dict) -> Path:
    path.write_text(
        json.dumps({"version": 1, "source": "test peers", "distributions": list(distributions)})
    )
    return path


def _lines(prefix: str, count: int) -> str:
    return "".join(f"{prefix} {i}\n" for i in range(count))


# --- the language cohort -------------------------------------------------------------------


@pytest.fixture(scope="module")
def payments(tmp_path_factory):
    return build_repo(tmp_path_factory.mktemp("src") / "payments-api", "payments")


def test_a_python_scope_picks_the_python_cohort_and_falls_back_without_one(
    cli, payments, tmp_path
) -> None:
    cli("repo", "add", str(payments.path))
    reference = _reference(
        tmp_path / "mine.json",
        # cycle_time: a python cohort and all peers → the python cohort
        {"metric": "cycle_time", "cohort": {"language": "python"},
         "quantiles": {"p10": 100, "p25": 200, "p50": 400, "p75": 800, "p90": 1600}},
        {"metric": "cycle_time", "quantiles": {"p10": 1, "p50": 10, "p90": 100}},
        # change_failure_rate: only a go cohort besides all peers → all peers
        {"metric": "change_failure_rate", "cohort": {"language": "go"},
         "quantiles": {"p10": 0, "p50": 5, "p90": 20}},
        {"metric": "change_failure_rate", "quantiles": {"p10": 0, "p50": 2, "p90": 10}},
        # deployment_frequency: python × 2-5 beats python alone and 2-5 alone
        {"metric": "deployment_frequency", "cohort": {"language": "python", "team_size": "2-5"},
         "quantiles": {"p10": 0.1, "p50": 0.5, "p90": 2}},
        {"metric": "deployment_frequency", "cohort": {"language": "python"},
         "quantiles": {"p10": 1, "p50": 2, "p90": 3}},
        {"metric": "deployment_frequency", "cohort": {"team_size": "2-5"},
         "quantiles": {"p10": 1, "p50": 2, "p90": 3}},
        # code_churn: team size comes before language (docs/scoring.md, "Cohorts")
        {"metric": "code_churn", "cohort": {"team_size": "2-5"},
         "quantiles": {"p10": 5, "p50": 20, "p90": 40}},
        {"metric": "code_churn", "cohort": {"language": "python"},
         "quantiles": {"p10": 50, "p50": 60, "p90": 70}},
    )  # fmt: skip
    data = _benchmarks(cli, "--window", "28d", "--reference", reference)
    # Window [04-03, 05-01) (fixtures/README.md): 27 src/payments/refunds.py +2, 28
    # src/payments/webhooks.py +1, 29 README.md +2, 30 refunds.py +1, 31 CHANGELOG.md +3.
    # Counted: python 2 + 1 + 1 = 4; Markdown is not a programming language → python.
    assert data["language"] == "python"
    # authors in the window Dan, Alice, Bob, Carol: 4 active contributors → team size 2-5
    rows = _rows(data)
    # cycle_time 513.3 h in the python cohort: between p50 400 and p75 800 → raw 50 + 25 ×
    # 113.3/400 = 57.1; lower is better → 100 − 57.1 = 42.9 → 43
    cycle = rows["cycle_time"]
    assert (cycle["cohort"], cycle["platform_median"], cycle["percentile"]) == (
        "language=python",
        400.0,
        43,
    )
    # change_failure_rate 0 % among all peers: equal to p10 (0) → raw 10 → 100 − 10 = 90
    cfr = rows["change_failure_rate"]
    assert (cfr["cohort"], cfr["platform_median"], cfr["percentile"]) == ("all", 2.0, 90)
    # deployment_frequency 1 ÷ 4 weeks = 0.25 → 0.3 shown and compared: between p10 0.1 and
    # p50 0.5 → raw 10 + 40 × 0.2/0.4 = 30; higher is better → 30, below the median
    frequency = rows["deployment_frequency"]
    assert (frequency["cohort"], frequency["percentile"], frequency["assessment"]) == (
        "language=python,team_size=2-5",
        30,
        "below_median",
    )
    # code_churn 11.1 % in team size 2-5: between p10 5 and p50 20 → raw 10 + 40 × 6.1/15 =
    # 26.3; lower is better → 73.7 → 74
    churn = rows["code_churn"]
    assert (churn["cohort"], churn["percentile"]) == ("team_size=2-5", 74)
    # the whole workspace has no peers inside the state directory
    assert all("peers" not in row for row in data["benchmarks"])


def _firmware(path: Path) -> Path:
    """Commits around the window [2026-04-03, 2026-05-01) whose counted language is C only
    because the rules hold (excluded paths, bots, the window, `.h` headers)."""
    w = RepoWriter(path)
    # before the window: python +50 (would win if the window leaked)
    w.commit("Old tooling", {"tools/old.py": _lines("old", 50)}, author=ALICE,
             at="2026-03-01T10:00:00+00:00")  # fmt: skip
    w.commit(
        "Firmware",
        {
            "src/main.c": _lines("c", 3),  # c 3
            "src/util.cpp": _lines("cpp", 2),  # c++ 2
            "include/util.h": _lines("h", 4),  # headers 4: c 3 > c++ 2 → to c
            "src/ñandú.rs": _lines("rs", 2),  # rust 2 (a non-ASCII name: tails count chars)
            "tools/Gen.PY": _lines("py", 1),  # python 1
            "src/.py": _lines("dot", 6),  # a dot-file: no extension
            "docs/Guide.md": _lines("doc", 10),  # documentation
            "vendor/big.cpp": _lines("vendored", 20),  # excluded path (vendor/*)
        },
        author=ALICE,
        at="2026-04-06T10:00:00+00:00",
    )
    # a bot's lines do not count either
    w.commit("Bump generated code", {"gen/bot.cpp": _lines("bot", 20)}, author=DEPENDABOT,
             at="2026-04-08T06:00:00+00:00")  # fmt: skip
    w.checkout()
    return path


def _docs_only(path: Path) -> Path:
    w = RepoWriter(path)
    w.commit("Docs", {"README.md": _lines("doc", 5), "Makefile": _lines("make", 3)},
             author=BOB, at="2026-04-10T10:00:00+00:00")  # fmt: skip
    w.checkout()
    return path


def test_the_language_follows_the_counting_rules_and_none_falls_back(cli, tmp_path) -> None:
    firmware = cli.json("repo", "add", str(_firmware(tmp_path / "firmware")))[0]["repository"]
    docs = cli.json("repo", "add", str(_docs_only(tmp_path / "docs")))[0]["repository"]
    reference = _reference(
        tmp_path / "mine.json",
        {"metric": "code_churn", "cohort": {"language": "c"},
         "quantiles": {"p10": 0, "p50": 10, "p90": 20}},
        {"metric": "code_churn", "quantiles": {"p10": 0, "p50": 30, "p90": 60}},
    )  # fmt: skip
    data = _benchmarks(cli, "--window", "28d", "--reference", reference, "--repo", firmware)
    # Counted in the window: c 3 + headers 4 = 7 (c 3 > c++ 2), c++ 2, rust 2, python 1.
    # Left out: tools/old.py (before the window), vendor/big.cpp (excluded), gen/bot.cpp (a
    # bot's commit), src/.py (a dot-file), docs. Without those rules c++ would have won:
    # 2 + 20 + 20 = 42 > 3, taking the headers too.
    assert data["language"] == "c"
    churn = _rows(data)["code_churn"]
    # only additions in the window: churn 0 %, equal to p10 (0) of the c cohort → raw 10 →
    # lower is better → 90; (team size 1: Alice, the bot does not count; no such cohort)
    assert (churn["cohort"], churn["workspace_value"], churn["percentile"]) == (
        "language=c",
        0.0,
        90,
    )
    # a repository without any programming-language line: no language, all peers
    data = _benchmarks(cli, "--window", "28d", "--reference", reference, "--repo", docs)
    assert data["language"] is None
    assert _rows(data)["code_churn"]["cohort"] == "all"
    # the workspace (both): c 7, c++ 2, rust 2, python 1 (docs add nothing counted) → c
    assert _benchmarks(cli, "--window", "28d", "--reference", reference)["language"] == "c"


# --- peers inside the state directory --------------------------------------------------------


def _churn_repo(path: Path, *, added: int, rewritten: int, month: str) -> Path:
    """A file of ``added`` lines, then ``rewritten`` of them changed (+k −k): code churn =
    100 × k ÷ (added + k). Both commits on the 10th and 20th of ``month`` (2026)."""
    w = RepoWriter(path)
    original = [f"line {i}\n" for i in range(added)]
    w.commit("Add app", {"app.py": "".join(original)}, author=ALICE,
             at=f"2026-{month}-10T10:00:00+00:00")  # fmt: skip
    changed = [f"changed {i}\n" for i in range(rewritten)] + original[rewritten:]
    w.commit("Rework app", {"app.py": "".join(changed)}, author=ALICE,
             at=f"2026-{month}-20T10:00:00+00:00")  # fmt: skip
    w.checkout()
    return path


#: (name, lines added first, lines rewritten, month): churn = 100 × k ÷ (n + k)
CHURN_REPOS = (
    ("alpha", 8, 2, "04"),  # 2 ÷ 10 = 20 %
    ("beta", 6, 4, "04"),  # 4 ÷ 10 = 40 %
    ("gamma", 9, 1, "04"),  # 1 ÷ 10 = 10 %
    ("delta", 7, 3, "03"),  # 3 ÷ 10 = 30 %, in March: outside a 28-day window
)


@pytest.fixture
def churn_workspace(cli, tmp_path):  # type: ignore[no-untyped-def]
    """Four repositories, each in a line of its own; a reference with code churn only."""
    names = {}
    for name, added, rewritten, month in CHURN_REPOS:
        cli("lines", "create", f"line-{name}")
        path = _churn_repo(tmp_path / name, added=added, rewritten=rewritten, month=month)
        names[name] = cli.json("repo", "add", str(path), "--line", f"line-{name}")[0]["repository"]
    reference = _reference(
        tmp_path / "churn.json",
        {"metric": "code_churn", "quantiles": {"p10": 0, "p50": 30, "p90": 60}},
    )
    return names, reference


def test_a_repository_is_compared_with_the_other_repositories(cli, churn_workspace) -> None:
    names, reference = churn_workspace
    data = _benchmarks(cli, "--window", "90d", "--reference", reference, "--repo", names["alpha"])
    churn = _rows(data)["code_churn"]
    # alpha 20 % against the reference: between p10 0 and p50 30 → raw 10 + 40 × 20/30 =
    # 36.7; lower is better → 63.3 → 63
    assert (churn["workspace_value"], churn["percentile"]) == (20.0, 63)
    # Peers over [01-31, 05-01): beta 40, gamma 10, delta 30 → sorted 10, 30, 40 at ranks
    # 0, 50, 100 (the k-th of n at 100·k/(n − 1)); median 30. 20 lies halfway between 10
    # and 30 → raw 25; lower is better → 100 − 25 = 75.
    assert churn["peers"] == {"scope": "repositories", "count": 3, "median": 30.0, "percentile": 75}
    # gamma 10 % is below every peer (20, 30, 40) → raw 0 → 100; median 30
    data = _benchmarks(cli, "--window", "90d", "--reference", reference, "--repo", names["gamma"])
    peers = _rows(data)["code_churn"]["peers"]
    assert (peers["median"], peers["percentile"]) == (30.0, 100)
    # beta 40 % above every peer (10, 20, 30) → raw 100 → 0; median 20
    data = _benchmarks(cli, "--window", "90d", "--reference", reference, "--repo", names["beta"])
    peers = _rows(data)["code_churn"]["peers"]
    assert (peers["median"], peers["percentile"]) == (20.0, 0)


def test_fewer_peers_with_a_value_than_three_means_no_peers(cli, churn_workspace) -> None:
    names, reference = churn_workspace
    # a 28-day window [04-03, 05-01): delta's commits are in March → no churn value; alpha's
    # peers with a value are beta and gamma only: 2 < 3 → no comparison
    data = _benchmarks(cli, "--window", "28d", "--reference", reference, "--repo", names["alpha"])
    churn = _rows(data)["code_churn"]
    assert churn["workspace_value"] == 20.0
    assert "peers" not in churn


def test_a_line_is_compared_with_the_other_lines(cli, churn_workspace) -> None:
    _, reference = churn_workspace
    # each line holds one repository, so the lines' values are the repositories': delta's
    # line 30 % among alpha 20, beta 40, gamma 10 → sorted 10, 20, 40 at ranks 0, 50, 100;
    # median 20; 30 lies halfway between 20 and 40 → raw 75 → lower is better → 25
    data = _benchmarks(cli, "--window", "90d", "--reference", reference, "--line", "line-delta")
    assert _rows(data)["code_churn"]["peers"] == {
        "scope": "lines",
        "count": 3,
        "median": 20.0,
        "percentile": 25,
    }


def test_the_table_shows_the_language_and_the_peers(cli, churn_workspace) -> None:
    names, reference = churn_workspace
    args = ("benchmarks", *AS_OF, "--window", "90d", "--reference", reference)
    shown = cli(*args, "--repo", names["alpha"])
    assert "language python" in shown.stdout
    assert "peer median" in shown.stdout and "peer percentile" in shown.stdout
    assert "other repositories" in shown.stderr
    # the workspace has no peers: no peer columns
    assert "peer median" not in cli(*args).stdout
    csv = cli(*args, "--repo", names["alpha"], "--format", "csv").stdout.splitlines()
    assert csv[0].endswith(",peers,peer_median,peer_percentile")
    assert csv[1].startswith("code_churn,20.0,30.0,63,above_median,")
    assert csv[1].endswith(",3,30.0,75")


# --- the window the open-source peers were measured over ---------------------------------------


@pytest.mark.parametrize(
    ("window", "shipped"),
    # 26 weeks = 182 days, just past √(90 × 365) ≈ 181.2: closer to 365 by ratio
    [("28d", 90), ("90d", 90), ("26w", 365), ("365d", 365)],
)
def test_the_shipped_peers_measured_over_the_closest_window(
    cli, payments, window: str, shipped: int
) -> None:
    """Each row's median is the one of the shipped reference measured over the window closest
    to the asked one (reference-90d.json or reference.json), in the row's cohort."""
    from devintel_cli.metrics.catalog import Metric
    from devintel_cli.metrics.values import round1
    from devintel_cli.scoring.benchmarks import builtin_reference

    cli("repo", "add", str(payments.path))
    data = _benchmarks(cli, "--window", window)
    assert data["reference_window_days"] == shipped
    reference = builtin_reference(shipped)
    assert data["benchmarks"], "the fixture has values to compare"
    for row in data["benchmarks"]:
        (distribution,) = [
            d
            for d in reference.distributions
            if d.metric is Metric(row["metric"]) and d.cohort.key == row["cohort"]
        ]
        assert row["platform_median"] == round1(distribution.median), row["metric"]
        assert f"{shipped} days up to its last commit" in row["source"]
    # the table says when the windows differ
    stderr = cli("benchmarks", *AS_OF, "--window", window).stderr
    days = {"28d": 28, "90d": 90, "26w": 182, "365d": 365}[window]
    note = "note: the open-source peers were measured over"
    if days != shipped:
        assert f"{note} {shipped}-day windows, the shipped length closest to this {days}-day" in (
            " ".join(stderr.split())
        )
    else:
        assert note not in stderr

"""Per-line metrics (§4, §5): open_incident_rate, task_throughput; the implicit line."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from devintel_cli.metrics.buckets import make_buckets
from devintel_cli.metrics.operations import open_incident_rate, task_throughput
from devintel_cli.metrics.rows import IncidentRow, RepositoryRow, ServiceLineRow, TaskRow
from devintel_cli.metrics.values import NO_INCIDENTS_IMPORTED, NO_TASKS_IMPORTED


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


WEEKS = make_buckets(date(2026, 1, 5), date(2026, 1, 25), "weekly")  # weeks 2, 3, 4
# L1 runs 14-day sprints, L2 7-day ones; repository 3 belongs to no line
LINES = [ServiceLineRow("LIN-26-000001", 14), ServiceLineRow("LIN-26-000002", 7)]
REPOSITORIES = [
    RepositoryRow(1, "LIN-26-000001"),
    RepositoryRow(2, "LIN-26-000002"),
    RepositoryRow(3, None),
]


def incident(key: str, opened: str, repo_id=None, line=None) -> IncidentRow:
    return IncidentRow(key, repo_id, line, at(opened))


def test_incident_rate_is_the_mean_per_week_over_lines_with_an_implicit_line():
    incidents = [
        incident("INC-1", "2026-01-05T10:00:00Z", repo_id=1),  # L1 through its repository
        incident("INC-2", "2026-01-06T10:00:00Z", line="LIN-26-000002"),  # L2, named
        incident("INC-3", "2026-01-07T10:00:00Z", repo_id=3),  # no line: implicit line
        incident("INC-4", "2026-01-08T10:00:00Z"),  # neither: implicit line
        incident("INC-5", "2026-01-13T10:00:00Z", repo_id=1),
    ]
    week_2, week_3, week_4 = open_incident_rate(WEEKS, incidents, REPOSITORIES, LINES)
    # week 2: L1 1, L2 1, implicit 2 per week → mean (1 + 1 + 2) ÷ 3 = 1.33
    assert week_2.value == pytest.approx(4 / 3)
    assert (week_2.numerator, week_2.denominator, week_2.samples) == (4, 3.0, 3)
    assert week_3.value == pytest.approx(1 / 3)
    assert week_4.value == 0.0  # a line without incidents scores 0 (count metric)


def test_incident_rate_without_any_incident_imported_is_absent():
    values = open_incident_rate(WEEKS, [], REPOSITORIES, LINES)
    assert [v.reason for v in values] == [NO_INCIDENTS_IMPORTED] * 3


def task(key: str, done: str, repo_id=None, line=None) -> TaskRow:
    return TaskRow(key, line, repo_id, at(done))


def throughput_tasks() -> list[TaskRow]:
    return [
        task("T-1", "2026-01-05T10:00:00Z", repo_id=1),  # L1
        task("T-1", "2026-01-06T10:00:00Z", repo_id=1),  # the same task again: distinct once
        task("T-2", "2026-01-06T10:00:00Z", line="LIN-26-000002"),
        task("T-3", "2026-01-07T10:00:00Z", repo_id=3),  # implicit line
        task("T-4", "2026-01-08T10:00:00Z", repo_id=3),
    ]


def test_task_throughput_is_per_sprint_of_each_line_then_averaged():
    week_2, _, week_4 = task_throughput(WEEKS, throughput_tasks(), REPOSITORIES, LINES)
    # a week is 7/14 of an L1 sprint, 7/7 of an L2 sprint and 7/14 of an implicit one:
    # L1 1 ÷ 0.5 = 2, L2 1 ÷ 1 = 1, implicit 2 ÷ 0.5 = 4 → mean 7/3 per sprint
    assert week_2.value == pytest.approx(7 / 3)
    assert week_2.numerator == 4  # distinct tasks
    assert week_2.denominator is None  # sprint lengths differ: no single denominator
    assert week_4.value == 0.0


def test_task_throughput_with_one_sprint_length_has_a_denominator():
    line_1 = [LINES[0]]
    repositories = [REPOSITORIES[0], REPOSITORIES[2]]
    tasks = [t for t in throughput_tasks() if t.key != "T-2"]
    (week_2, _, _) = task_throughput(WEEKS, tasks, repositories, line_1)
    # L1 1 ÷ 0.5 = 2, implicit 2 ÷ 0.5 = 4 → mean 3; = 3 tasks ÷ (2 lines × 0.5 sprint)
    assert (week_2.value, week_2.numerator, week_2.denominator) == (3.0, 3, 1.0)


def test_a_sprint_bucket_holds_the_plain_count():
    sprints = make_buckets(
        date(2026, 1, 5), date(2026, 1, 18), "sprint", sprint_anchor=date(2026, 1, 5)
    )
    assert [s.label for s in sprints] == ["2026-S01"]
    tasks = [t for t in throughput_tasks() if t.repo_id == 1]
    (sprint,) = task_throughput(sprints, tasks, [REPOSITORIES[0]], [LINES[0]])
    assert sprint.value == 1.0  # T-1 once, in a 14-day sprint of a 14-day line


def test_task_throughput_without_tasks_is_absent():
    values = task_throughput(WEEKS, [], REPOSITORIES, LINES)
    assert [v.reason for v in values] == [NO_TASKS_IMPORTED] * 3

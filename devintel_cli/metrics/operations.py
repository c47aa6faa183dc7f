"""Operations and planning (§4): open_incident_rate, task_throughput.

Both are per service line; the workspace value is the mean over its lines (§5), with the
repositories outside any line forming one implicit line (key ``None``). An incident or task
belongs to the line it names, else to the line of its repository, else to the implicit line.

Lines averaged: every line passed in ``lines``, every line a row belongs to, and the
implicit line when a repository in scope has no line or a row falls into it. A line without
incidents in a bucket scores 0 there (a count metric); with no incidents (tasks) at all in
the scope every bucket is absent: nothing was imported, which is not the same as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from devintel_cli.metrics.buckets import DEFAULT_SPRINT_DAYS, Bucket, BucketIndex
from devintel_cli.metrics.rows import IncidentRow, RepositoryRow, ServiceLineRow, TaskRow
from devintel_cli.metrics.values import (
    NO_INCIDENTS_IMPORTED,
    NO_TASKS_IMPORTED,
    MetricValue,
    per_week_rates,
)

#: the implicit line of repositories outside any service line
IMPLICIT_LINE: str | None = None


def line_of(
    service_line_id: str | None, repo_id: int | None, repository_lines: dict[int, str | None]
) -> str | None:
    """The line a row belongs to: its own, else its repository's, else the implicit line."""
    if service_line_id is not None:
        return service_line_id
    if repo_id is not None:
        return repository_lines.get(repo_id, IMPLICIT_LINE)
    return IMPLICIT_LINE


def _scope(
    repositories: Sequence[RepositoryRow],
    lines: Sequence[ServiceLineRow],
    row_lines: Iterable[str | None],
) -> dict[str | None, int]:
    """Lines averaged over, with their sprint length."""
    scope: dict[str | None, int] = {line.line_id: line.sprint_days for line in lines}
    for repository in repositories:
        scope.setdefault(repository.service_line_id, DEFAULT_SPRINT_DAYS)
    for line in row_lines:
        scope.setdefault(line, DEFAULT_SPRINT_DAYS)
    return scope


def open_incident_rate(
    buckets: Sequence[Bucket],
    incidents: Sequence[IncidentRow],
    repositories: Sequence[RepositoryRow] = (),
    lines: Sequence[ServiceLineRow] = (),
) -> list[MetricValue]:
    """Incidents opened in bucket ÷ weeks in bucket, per service line; aggregate = mean over
    lines (§4, per_week). value = incidents ÷ (lines × weeks)."""
    if not incidents:
        return [MetricValue.absent(NO_INCIDENTS_IMPORTED) for _ in buckets]
    repository_lines = {r.repo_id: r.service_line_id for r in repositories}
    incident_lines = [line_of(i.service_line_id, i.repo_id, repository_lines) for i in incidents]
    scope = _scope(repositories, lines, incident_lines)
    return per_week_rates(buckets, (i.opened_at for i in incidents), len(scope))


def task_throughput(
    buckets: Sequence[Bucket],
    tasks: Sequence[TaskRow],
    repositories: Sequence[RepositoryRow] = (),
    lines: Sequence[ServiceLineRow] = (),
) -> list[MetricValue]:
    """Distinct tasks completed in bucket, per sprint of the line: count ÷ (bucket days ÷
    sprint days); aggregate = mean over lines (§4, §5, per_sprint).

    A task key completed twice in one bucket counts once for its line. When the lines
    averaged share one sprint length, value = tasks ÷ (lines × sprints); otherwise the
    denominator is None (the mean of per-line rates has no single denominator).
    """
    if not tasks:
        return [MetricValue.absent(NO_TASKS_IMPORTED) for _ in buckets]
    repository_lines = {r.repo_id: r.service_line_id for r in repositories}
    task_lines = [line_of(t.service_line_id, t.repo_id, repository_lines) for t in tasks]
    scope = _scope(repositories, lines, task_lines)
    index = BucketIndex(buckets)
    done: list[set[tuple[str | None, str]]] = [set() for _ in buckets]
    for task, line in zip(tasks, task_lines, strict=True):
        position = index.index_of(task.completed_at)
        if position is not None:
            done[position].add((line, task.key))
    sprint_lengths = set(scope.values())
    values = []
    for bucket, completed in zip(buckets, done, strict=True):
        per_line = dict.fromkeys(scope, 0)
        for line, _key in completed:
            per_line[line] += 1
        rates = [count / (bucket.days / scope[line]) for line, count in per_line.items()]
        denominator = None
        if len(sprint_lengths) == 1:
            denominator = len(scope) * bucket.days / next(iter(sprint_lengths))
        values.append(
            MetricValue(
                value=sum(rates) / len(rates),
                numerator=len(completed),
                denominator=denominator,
                samples=len(scope),
            )
        )
    return values

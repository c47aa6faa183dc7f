"""Code change metrics (§4): code_churn."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from devintel_cli.metrics.buckets import Bucket, BucketIndex
from devintel_cli.metrics.rows import CommitChurnRow
from devintel_cli.metrics.values import NO_CHANGES, MetricValue, percent_value


def code_churn(buckets: Sequence[Bucket], churn: Iterable[CommitChurnRow]) -> list[MetricValue]:
    """100 × Σ min(added, deleted) ÷ Σ added over per-file changes of non-merge, non-bot
    commits authored in the bucket: lines modified vs lines added (§4, percent).

    The caller passes per-commit sums over eligible files only (no merges, bots, binary or
    excluded files): ``rows.commit_churn`` builds them from per-file rows. min(added,
    deleted) per file is the part of a change that rewrote lines rather than adding them.
    Absent when nothing was added in the bucket; ``samples`` counts file rows.
    """
    index = BucketIndex(buckets)
    modified = [0] * len(buckets)
    added = [0] * len(buckets)
    rows = [0] * len(buckets)
    index_of = index.index_of
    for row in churn:  # hot: one pass over every commit of the window
        position = index_of(row.author_time)
        if position is None:
            continue
        modified[position] += row.modified
        added[position] += row.added
        rows[position] += row.files
    return [
        percent_value(modified[i], added[i], NO_CHANGES, samples=rows[i])
        for i in range(len(buckets))
    ]

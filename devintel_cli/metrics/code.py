"""Code change metrics (§4): code_churn."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from devintel_cli.metrics.buckets import Bucket, BucketIndex
from devintel_cli.metrics.rows import FileChurnRow
from devintel_cli.metrics.values import NO_CHANGES, MetricValue, percent_value


def code_churn(buckets: Sequence[Bucket], churn: Iterable[FileChurnRow]) -> list[MetricValue]:
    """100 × Σ min(added, deleted) ÷ Σ added over per-file changes of non-merge, non-bot
    commits authored in the bucket: lines modified vs lines added (§4, percent).

    The caller passes eligible rows only (no merges, bots, binary or excluded files).
    min(added, deleted) per file is the part of a change that rewrote lines rather than
    adding them. Absent when nothing was added in the bucket.
    """
    index = BucketIndex(buckets)
    modified = [0] * len(buckets)
    added = [0] * len(buckets)
    rows = [0] * len(buckets)
    index_of = index.index_of
    for row in churn:  # hot: one pass over every file row of the window
        position = index_of(row.author_time)
        if position is None:
            continue
        additions, deletions = row.additions, row.deletions
        modified[position] += additions if additions < deletions else deletions
        added[position] += additions
        rows[position] += 1
    return [
        percent_value(modified[i], added[i], NO_CHANGES, samples=rows[i])
        for i in range(len(buckets))
    ]

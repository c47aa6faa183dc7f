"""Versioned schema. ``MIGRATIONS[i]`` brings a database from ``user_version`` i to i + 1.

Append only: a migration that has shipped is never edited; a change is a new migration.
``docs/schema.md`` describes every table (a test keeps it in step with this file).
"""

from __future__ import annotations

V1_FOUNDATION = """
CREATE TABLE counters (
    prefix TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE integrations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    kind TEXT NOT NULL,
    token_env TEXT,
    token_file TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, host)
);

CREATE TABLE service_lines (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    execution_model TEXT NOT NULL DEFAULT 'observability',
    sprint_days INTEGER NOT NULL DEFAULT 14,
    sprint_anchor TEXT NOT NULL,
    task_target INTEGER NOT NULL DEFAULT 10,
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    integration_id TEXT NOT NULL REFERENCES integrations(id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    mirror_path TEXT NOT NULL,
    service_line_id TEXT REFERENCES service_lines(id) ON DELETE SET NULL,
    default_branch TEXT,
    deploy_tag_pattern TEXT,
    deploy_branch TEXT,
    environment TEXT NOT NULL DEFAULT 'production',
    sync_state TEXT NOT NULL DEFAULT 'new',
    created_at TEXT NOT NULL,
    last_synced_at TEXT,
    UNIQUE (workspace_id, url)
);
CREATE INDEX repositories_by_name ON repositories (workspace_id, name);

CREATE TABLE refs (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (repo_id, name)
) WITHOUT ROWID;

CREATE TABLE tags (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    object_sha TEXT NOT NULL,
    commit_sha TEXT,
    is_annotated INTEGER NOT NULL,
    tagger_time INTEGER,
    tagger_offset INTEGER,
    PRIMARY KEY (repo_id, name)
) WITHOUT ROWID;

CREATE TABLE commits (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    sha TEXT NOT NULL,
    parents TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_time INTEGER NOT NULL,
    author_offset INTEGER NOT NULL,
    committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL,
    committer_time INTEGER NOT NULL,
    committer_offset INTEGER NOT NULL,
    subject TEXT NOT NULL,
    is_merge INTEGER NOT NULL,
    is_bot INTEGER NOT NULL,
    additions INTEGER NOT NULL,
    deletions INTEGER NOT NULL,
    files_changed INTEGER NOT NULL,
    pr_number INTEGER,
    reverted_sha TEXT,
    churn_modified INTEGER NOT NULL,
    churn_added INTEGER NOT NULL,
    churn_files INTEGER NOT NULL,
    PRIMARY KEY (repo_id, sha)
) WITHOUT ROWID;
-- covers code churn's reads (the primary key columns ride along in every index)
CREATE INDEX commits_by_author_time
    ON commits (repo_id, author_time, is_merge, is_bot, churn_modified, churn_added, churn_files);

CREATE TABLE commit_files (
    repo_id INTEGER NOT NULL,
    sha TEXT NOT NULL,
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    old_path TEXT,
    additions INTEGER NOT NULL,
    deletions INTEGER NOT NULL,
    is_binary INTEGER NOT NULL,
    is_excluded INTEGER NOT NULL,
    PRIMARY KEY (repo_id, sha, seq),
    FOREIGN KEY (repo_id, sha) REFERENCES commits (repo_id, sha) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE commit_tasks (
    repo_id INTEGER NOT NULL,
    sha TEXT NOT NULL,
    task_key TEXT NOT NULL,
    closes INTEGER NOT NULL,
    PRIMARY KEY (repo_id, sha, task_key),
    FOREIGN KEY (repo_id, sha) REFERENCES commits (repo_id, sha) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE repository_figures (
    repo_id INTEGER PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
    commits INTEGER NOT NULL,
    merges INTEGER NOT NULL,
    additions INTEGER NOT NULL,
    deletions INTEGER NOT NULL,
    first_commit_time INTEGER,
    last_commit_time INTEGER
);

CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    source_key TEXT NOT NULL,
    sha TEXT NOT NULL,
    environment TEXT NOT NULL,
    deployed_at INTEGER NOT NULL,
    name TEXT,
    recorded_status TEXT NOT NULL DEFAULT 'success',
    UNIQUE (repo_id, source, source_key)
)
"""

V2_DELIVERY = """
CREATE INDEX deployments_by_time ON deployments (repo_id, deployed_at);

CREATE TABLE deployment_outcomes (
    deployment_id INTEGER PRIMARY KEY REFERENCES deployments(id) ON DELETE CASCADE,
    repo_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    is_rework INTEGER NOT NULL,
    is_baseline INTEGER NOT NULL,
    recovered_at INTEGER,
    failure_reasons TEXT NOT NULL
);

CREATE TABLE deployment_commits (
    deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    repo_id INTEGER NOT NULL,
    sha TEXT NOT NULL,
    author_time INTEGER NOT NULL,
    is_merge INTEGER NOT NULL,
    is_bot INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, sha)
) WITHOUT ROWID;
CREATE INDEX deployment_commits_by_repo ON deployment_commits (repo_id, sha);

CREATE TABLE pull_requests (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    source TEXT NOT NULL,
    title TEXT,
    author TEXT,
    is_bot_author INTEGER NOT NULL DEFAULT 0,
    opened_at INTEGER,
    merged_at INTEGER,
    closed_at INTEGER,
    first_review_at INTEGER,
    additions INTEGER,
    deletions INTEGER,
    PRIMARY KEY (repo_id, number, source)
) WITHOUT ROWID;
CREATE INDEX pull_requests_by_merge ON pull_requests (repo_id, merged_at);

CREATE TABLE coverage_reports (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    measured_at INTEGER NOT NULL,
    commit_sha TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL,
    lines_covered INTEGER NOT NULL,
    lines_total INTEGER NOT NULL,
    branches_covered INTEGER,
    branches_total INTEGER,
    PRIMARY KEY (repo_id, measured_at, commit_sha)
) WITHOUT ROWID;

CREATE TABLE incidents (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    title TEXT,
    severity TEXT,
    opened_at INTEGER NOT NULL,
    resolved_at INTEGER,
    repo_id INTEGER REFERENCES repositories(id) ON DELETE SET NULL,
    service_line_id TEXT REFERENCES service_lines(id) ON DELETE SET NULL,
    deployment_id INTEGER REFERENCES deployments(id) ON DELETE SET NULL,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;

CREATE TABLE tasks (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status TEXT,
    created_at INTEGER,
    completed_at INTEGER,
    repo_id INTEGER REFERENCES repositories(id) ON DELETE SET NULL,
    service_line_id TEXT REFERENCES service_lines(id) ON DELETE SET NULL,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID
"""

#: webhooks, alert rules, their states and events, and the delivery outbox (the queries are
#: in store/alerts.py). No ';' may appear inside a statement: the runner splits on it.
V3_ALERTS = """
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY CHECK (id GLOB 'WHK-[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'),
    workspace_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'standard' CHECK (format IN ('standard', 'slack')),
    created_at TEXT NOT NULL
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id);

CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY CHECK (id GLOB 'ALR-[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'),
    workspace_id TEXT NOT NULL,
    name TEXT,
    metric TEXT NOT NULL,
    operator TEXT NOT NULL CHECK (operator IN ('gt', 'gte', 'lt', 'lte')),
    threshold REAL NOT NULL,
    "window" TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    scope_kind TEXT NOT NULL DEFAULT 'workspace'
        CHECK (scope_kind IN ('workspace', 'line', 'repo')),
    scope_ref TEXT,
    for_checks INTEGER NOT NULL DEFAULT 0 CHECK (for_checks >= 0),
    repeat_interval_s INTEGER NOT NULL DEFAULT 86400 CHECK (repeat_interval_s > 0),
    actions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(actions)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((scope_kind = 'workspace') = (scope_ref IS NULL))
);
CREATE INDEX alert_rules_by_workspace ON alert_rules (workspace_id);
CREATE UNIQUE INDEX alert_rules_name ON alert_rules (workspace_id, name) WHERE name IS NOT NULL;

CREATE TABLE alert_states (
    fingerprint TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('ok', 'pending', 'firing', 'no_data', 'resolved')),
    pending_count INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL,
    last_value REAL,
    last_notified_at TEXT,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX alert_states_by_rule ON alert_states (rule_id);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    value REAL,
    at TEXT NOT NULL,
    message_id TEXT
);
CREATE INDEX alert_events_by_workspace ON alert_events (workspace_id, at);
CREATE INDEX alert_events_by_rule ON alert_events (rule_id, at);

CREATE TABLE outbox (
    message_id TEXT NOT NULL CHECK (message_id GLOB 'msg_?*'),
    webhook_id TEXT NOT NULL,
    event_id INTEGER REFERENCES alert_events (id),
    body BLOB NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    claim_token TEXT,
    delivered_at TEXT,
    failed_at TEXT,
    last_status INTEGER,
    last_error TEXT,
    PRIMARY KEY (message_id, webhook_id)
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL
"""

#: §13 read budget. Task throughput reads a closing commit's committer time and bot flag:
#: copied onto ``commit_tasks`` (as code churn's sums ride on ``commits``) so the read scans
#: that small table instead of looking up a commit per mention. The author-time index also
#: carries the author's email, so counting active contributors never leaves the index. Each
#: deployment's outcome carries its shipped commits' lead times (what cycle time reads), so
#: a year of cycle time reads a row per deployment, not one per shipped commit.
V4_READ_BUDGET = """
DROP INDEX commits_by_author_time;
CREATE INDEX commits_by_author_time ON commits (
    repo_id, author_time, is_merge, is_bot, churn_modified, churn_added, churn_files,
    author_email
);
ALTER TABLE commit_tasks ADD COLUMN committer_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commit_tasks ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0;
UPDATE commit_tasks SET (committer_time, is_bot) = (
    SELECT c.committer_time, c.is_bot FROM commits c
    WHERE c.repo_id = commit_tasks.repo_id AND c.sha = commit_tasks.sha
);
ALTER TABLE deployment_outcomes ADD COLUMN lead_seconds TEXT NOT NULL DEFAULT '[]';
UPDATE deployment_outcomes SET lead_seconds = (
    SELECT json_group_array(d.deployed_at - dc.author_time)
    FROM deployment_commits dc JOIN deployments d ON d.id = dc.deployment_id
    WHERE dc.deployment_id = deployment_outcomes.deployment_id
    AND dc.is_merge = 0 AND dc.is_bot = 0
);
"""

#: risk's hour-of-week, size and root-commit reads from indexes alone: the author's UTC
#: offset and the commit's line counts join the author-time index (off-hours work and
#: oversized commits read the window without visiting each commit's row), and root
#: commits, rare, get a partial index of their own
V5_RISK_READS = """
DROP INDEX commits_by_author_time;
CREATE INDEX commits_by_author_time ON commits (
    repo_id, author_time, is_merge, is_bot, churn_modified, churn_added, churn_files,
    author_email, author_offset, additions, deletions
);
CREATE INDEX root_commits_by_author_time ON commits (repo_id, author_time) WHERE parents = '';
"""

#: risk's per-file read and the language read without joining commits: each file change
#: carries its commit's author time, lower-cased author and whether the commit counts
#: (non-merge, non-bot; ``store.activity.WINDOW_COMMITS``), copied at insertion as
#: ``commit_tasks`` carries its commit's facts. ``file_paths`` lists every (repository,
#: path) the index holds a change of, so a window is read as one index range per path — no sort
#: of the window's changes by path (the grouping then follows the index order). The index's
#: WHERE columns are also among its columns: SQLite reads it as covering only then. The
#: copy aggregates over the (one) commit so that a change without its commit — which the
#: foreign key forbids, but a database written with it off could hold — stays uncounted
#: instead of failing the migration on NOT NULL and leaving the database unopenable.
#: Pull requests: the merge-time index becomes partial and covering (review time's spans
#: read no PR row; a range of merge times implies ``merged_at IS NOT NULL``, so only those
#: reads can use it), and imported PRs, the only ones with sizes or an open state, get a
#: partial index of their own instead of a scan of every Git-estimated PR.
V6_FILE_CHANGE_READS = """
ALTER TABLE commit_files ADD COLUMN author_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE commit_files ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE commit_files ADD COLUMN is_counted INTEGER NOT NULL DEFAULT 0;
UPDATE commit_files SET (author_time, author, is_counted) = (
    SELECT coalesce(max(c.author_time), 0), coalesce(max(lower(c.author_email)), ''),
        coalesce(max(c.is_merge = 0 AND c.is_bot = 0), 0)
    FROM commits c WHERE c.repo_id = commit_files.repo_id AND c.sha = commit_files.sha
);
CREATE TABLE file_paths (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    PRIMARY KEY (repo_id, path)
) WITHOUT ROWID;
INSERT INTO file_paths (repo_id, path) SELECT DISTINCT repo_id, path FROM commit_files
    WHERE is_counted = 1 AND is_excluded = 0 AND is_binary = 0;
CREATE INDEX counted_file_changes ON commit_files (
    repo_id, path, author_time, author, additions, deletions, is_counted, is_excluded, is_binary
) WHERE is_counted = 1 AND is_excluded = 0 AND is_binary = 0;
DROP INDEX pull_requests_by_merge;
CREATE INDEX merged_pull_requests ON pull_requests (repo_id, merged_at, opened_at, is_bot_author)
    WHERE merged_at IS NOT NULL;
CREATE INDEX imported_pull_requests ON pull_requests (repo_id, opened_at)
    WHERE source = 'import';
"""

#: §9: an insight keeps its ID when the same finding is computed again. A finding's key (its
#: kind, scope, metrics and the bucket it is about: ``scoring.insights``) maps to the
#: ``INS-…`` ID it was given the first time; the row is all an insight stores.
V7_INSIGHTS = """
CREATE TABLE insights (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    finding_key TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    UNIQUE (workspace_id, finding_key)
);
"""

MIGRATIONS: tuple[str, ...] = (
    V1_FOUNDATION,
    V2_DELIVERY,
    V3_ALERTS,
    V4_READ_BUDGET,
    V5_RISK_READS,
    V6_FILE_CHANGE_READS,
    V7_INSIGHTS,
)

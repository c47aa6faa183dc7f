"""Two real processes on one SQLite file (WAL) and one real receiver on 127.0.0.1 (§11:
"two concurrent checks never double-notify"; §13: no lock errors, no duplicates)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devintel_cli.alerts.signing import generate_secret
from devintel_cli.store import alerts as store
from devintel_cli.store.db import write_transaction

pytestmark = pytest.mark.slow

WS = "WS-26-000001"
WEBHOOK = "WHK-26-000001"

CHILD = r"""
import json, os, sqlite3, sys, time
from datetime import datetime

from devintel_cli.alerts.delivery import deliver_outbox
from devintel_cli.alerts.evaluation import check_rule
from devintel_cli.store import alerts as store

cfg = json.loads(sys.argv[1])
conn = sqlite3.connect(cfg["db"], isolation_level=None, timeout=60)
conn.execute("PRAGMA busy_timeout = 60000")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA foreign_keys = ON")
deadline = time.time() + 30
while not os.path.exists(cfg["gate"]) and time.time() < deadline:  # start together
    time.sleep(0.002)
notified = []
if cfg["mode"] == "check":
    now = datetime.fromisoformat(cfg["now"])
    for rule in store.list_rules(conn, cfg["workspace"]):
        outcome = check_rule(conn, rule, cfg["values"][rule.id], now)
        if outcome.message_id:
            notified.append(outcome.message_id)
run = deliver_outbox(conn, sleep=lambda seconds: None)
print(json.dumps({
    "notified": notified,
    "outcomes": [[o.message_id, o.outcome] for o in run.outcomes],
}))
"""


class CountingReceiver:
    """Counts deliveries per webhook-id; each answer takes ``delay_s`` so runs overlap."""

    def __init__(self, delay_s: float) -> None:
        self.counts: Counter[str] = Counter()
        lock = threading.Lock()
        counts = self.counts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                threading.Event().wait(delay_s)
                with lock:
                    counts[self.headers["webhook-id"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    server = CountingReceiver(delay_s=0.02)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def make_db(path: Path, url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    with write_transaction(conn):
        for statement in store.ALERTS_DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        store.insert_webhook(
            conn,
            store.WebhookRow(
                WEBHOOK, WS, url, generate_secret(), "standard", "2026-03-01T00:00:00Z"
            ),
        )
    return conn


def run_pair(tmp_path: Path, config: dict, tag: str) -> list[dict]:
    """Start two children, open the gate once both are running, collect their reports."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    gate = tmp_path / f"gate-{tag}"
    children = [
        subprocess.Popen(
            [sys.executable, str(script), json.dumps({**config, "gate": str(gate)})],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    gate.touch()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        reports.append(json.loads(out))
    os.unlink(gate)
    return reports


def test_two_delivery_runs_send_each_message_once(
    tmp_path: Path, receiver: CountingReceiver
) -> None:
    db = tmp_path / "t.db"
    conn = make_db(db, receiver.url)
    ids = [f"msg_{n:03d}" for n in range(40)]
    with write_transaction(conn):
        store.enqueue(
            conn,
            [
                store.NewMessage(
                    mid, WEBHOOK, json.dumps({"n": mid}).encode(), "2026-03-01T09:00:00Z"
                )
                for mid in ids
            ],
        )
    reports = run_pair(tmp_path, {"db": str(db), "mode": "deliver"}, "deliver")

    assert receiver.counts == Counter({mid: 1 for mid in ids})  # every ID exactly once
    delivered = [mid for r in reports for mid, outcome in r["outcomes"] if outcome == "delivered"]
    assert sorted(delivered) == ids
    # both runs really worked the same outbox at the same time
    assert all(any(o == "delivered" for _, o in r["outcomes"]) for r in reports)
    assert {m.status for m in store.list_outbox(conn)} == {"delivered"}
    conn.close()


def test_two_concurrent_checks_never_double_notify(
    tmp_path: Path, receiver: CountingReceiver
) -> None:
    db = tmp_path / "t.db"
    conn = make_db(db, receiver.url)
    rules = {}
    with write_transaction(conn):
        for n, for_checks in enumerate((0, 0, 1, 1), start=1):
            rule = store.AlertRuleRow(
                f"ALR-26-{n:06d}",
                WS,
                f"rule-{n}",
                "change_failure_rate",
                "gt",
                15.0,
                "4w",
                "high",
                "workspace",
                None,
                for_checks,
                86400,
                ({"type": "notify_webhook", "webhook_id": WEBHOOK},),
                "2026-03-01T00:00:00Z",
                "2026-03-01T00:00:00Z",
            )
            store.insert_rule(conn, rule)
            rules[rule.id] = rule
    # One value per day for every rule; both processes check the same day at once.
    # for: 0 rules: day 1 fires, day 2 re-notifies (24 h later), day 3 resolves,
    #               day 4 no_data → 4 notifications, 4 events each
    # for: 1 rules: day 1 pending, day 2 fires, day 3 resolves, day 4 no_data
    #               → 3 notifications, 4 events each
    # total: 2×4 + 2×3 = 14 notifications, 4×4 = 16 events
    series = [20.0, 20.0, 10.0, None]
    notified: list[str] = []
    for day, value in enumerate(series, start=1):
        config = {
            "db": str(db),
            "mode": "check",
            "workspace": WS,
            "now": datetime(2026, 3, day, 9, 0, tzinfo=UTC).isoformat(),
            "values": {rid: value for rid in rules},
        }
        for report in run_pair(tmp_path, config, f"day{day}"):
            notified.extend(report["notified"])

    assert len(notified) == len(set(notified)) == 14
    assert receiver.counts == Counter({mid: 1 for mid in notified})
    assert len(store.list_events(conn, WS)) == 16
    assert {m.status for m in store.list_outbox(conn)} == {"delivered"}
    per_rule = Counter(e.rule_id for e in store.list_events(conn, WS) if e.message_id)
    assert per_rule == {
        "ALR-26-000001": 4,
        "ALR-26-000002": 4,
        "ALR-26-000003": 3,
        "ALR-26-000004": 3,
    }
    conn.close()

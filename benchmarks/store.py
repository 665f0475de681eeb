"""Benchmark the local store at scale: python benchmarks/store.py [--incidents N --items M].

Builds (once, cached beside this file as ``store-N-M.db``; ``--rebuild`` to
redo) a store through the bulk path, then times the calls the console makes,
through the async Backend API (thread hop and model assembly included), and
prints a markdown table of median (min-max) against the targets.

Text search is timed as a person meets it: a word found in titles, words found only
in timelines (most of the 1 000 000 items), and the one- and two-letter prefixes a
live filter sends on its first keystrokes (the last word typed matches as a prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incident_tui import models as m  # noqa: E402
from incident_tui.backends.sqlite import (  # noqa: E402
    BulkIncident,
    BulkItem,
    BulkTask,
    SqliteBackend,
)
from incident_tui.backends.sqlite.queries import encode_cursor  # noqa: E402
from incident_tui.backends.sqlite.timeutil import fmt  # noqa: E402

HERE = Path(__file__).resolve().parent
SEARCH_WORD = "replication"
#: In timeline notes only (never in a title): common ones, as the generator writes them.
TIMELINE_WORDS = ("vacuum", "failover promoted")

SERVICES = [
    "checkout-api", "orders-db", "search", "auth", "payments", "cart", "kafka", "redis",
    "cdn", "ingress", "billing", "notifications", "export", "geocoder", "inventory",
    "recommendations", "gateway", "dns", "scheduler", "mobile-push",
]  # fmt: skip
SYMPTOMS = [
    "5xx spike", "latency above SLO", "replication lag", "disk full", "OOMKilled pods",
    "certificate expired", "queue backlog", "connection pool exhausted", "timeouts",
    "stale cache", "error budget burn", "node NotReady", "packet loss", "slow queries",
]  # fmt: skip
REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"]
LABELS = [
    "db", "network", "api", "payments", "auth", "k8s", "customer-facing", "cache",
    "queue", "storage", "frontend", "vendor",
]  # fmt: skip
WORDS = (
    "rolled back deploy restarted pods paged owner checked dashboards error rate "
    "dropped climbing rollback complete root cause config drift retention vacuum "
    "failover promoted replica traffic shifted mitigated monitoring alert fired "
    "customer tickets status page updated capacity autoscaler throttled quota "
    "timeout retries backoff lock contention index missing hotfix merged"
).split()
PEOPLE = [m.UserPreview(user_id=f"user{n}", name=f"Engineer {n}") for n in range(40)]


def generate(incidents: int, items: int, seed: int = 1) -> Iterator[BulkIncident]:
    """Deterministic incidents spread over two years, ~items/incidents timeline items each."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / max(incidents, 1)
    per = items / max(incidents, 1)
    made = 0
    for n in range(incidents):
        created = start + step * n + timedelta(seconds=rng.randint(0, 600))
        want = max(1, round(per * (n + 1)) - made)
        made += want
        resolved = n < incidents * 0.97 or rng.random() < 0.5
        people = rng.sample(PEOPLE, 3)
        title = f"{rng.choice(SERVICES)} {rng.choice(SYMPTOMS)} in {rng.choice(REGIONS)}"
        timeline = [
            BulkItem("incidentCreated", "declared the incident", people[0].user_id, fmt(created))
        ]
        for k in range(1, want):
            at = fmt(created + timedelta(minutes=3 * k))
            if k % 4 == 1:
                body = "assigned someone as investigator"
                timeline.append(
                    BulkItem("roleAssigned", body, people[0].user_id, at, people[1].user_id)
                )
            else:
                body = " ".join(rng.choices(WORDS, k=rng.randint(6, 18)))
                timeline.append(
                    BulkItem("userNote", body, rng.choice(people).user_id, at, immutable=False)
                )
        closed = fmt(created + timedelta(minutes=3 * want + 5)) if resolved else ""
        yield BulkIncident(
            title=title,
            created_at=fmt(created),
            created_by=people[0].user_id,
            severity=rng.choice(["pending", "minor", "minor", "major", "major", "critical"]),
            status="resolved" if resolved else "active",
            is_drill=rng.random() < 0.03,
            modified_at=closed or fmt(created),
            closed_at=closed,
            labels=rng.sample(LABELS, rng.randint(1, 3)) + (["security"] if n % 500 == 7 else []),
            items=timeline,
            tasks=[
                BulkTask("write the postmortem", people[0].user_id, "done" if resolved else "todo")
            ],
            assignments=[("commander", people[0].user_id), ("investigator", people[1].user_id)],
        )


def build(path: Path, incidents: int, items: int) -> float:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    backend = SqliteBackend(path, PEOPLE[0])
    backend.bulk_insert_sync(generate(incidents, items), users=PEOPLE)
    backend._store.run_sync(lambda conn: conn.execute("ANALYZE"))
    backend._store.run_sync(lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    backend._store.close_sync()
    return time.perf_counter() - started


async def timed(fn: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    await fn()  # warm the cache and the thread
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


async def measure(path: Path, repeat: int) -> list[tuple[str, list[float], float]]:
    backend = await SqliteBackend.open(path, PEOPLE[0])
    try:
        total = await backend.count_incidents()
        depth = min(50_000, max(total // 2, 1))

        def row_at(conn):  # setup only: where the page after `depth` incidents starts
            return conn.execute(
                "SELECT created_at, seq FROM incidents ORDER BY created_at DESC, seq DESC"
                " LIMIT 1 OFFSET ?",
                (depth - 1,),
            ).fetchone()

        created_at, seq = await backend._store.run(row_at)
        deep = m.Cursor(
            next_value=encode_cursor(["createdTime", "DESC", created_at, seq]), has_more=True
        )
        probe = str(max(1, total // 3))

        def q(cursor: m.Cursor | None = None, **query) -> Callable[[], Awaitable[object]]:
            request = m.QueryIncidentsRequest(
                query=m.IncidentsQuery(limit=50, **query), cursor=cursor or m.Cursor()
            )
            return lambda: backend.query_incidents(request)

        notes = iter(range(10**9))

        async def add_note() -> None:
            await backend.add_activity(
                m.AddActivityRequest(incident_id=probe, body=f"benchmark note {next(notes)}")
            )

        cases: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
            ("QueryIncidents first page (50, no filter)", q(), 5),
            (
                "QueryIncidents status+severity filter",
                q(include_statuses=["resolved"], severity="critical"),
                5,
            ),
            ("QueryIncidents label filter (common label)", q(incident_labels=["payments"]), 5),
            ("QueryIncidents label filter (rare label)", q(incident_labels=["security"]), 5),
            (f"QueryIncidents page after {depth:,} (cursor)", q(deep), 5),
            ("QueryIncidents sorted by time (statusTime, indexed)", q(order_field="statusTime"), 5),
            # Duration depends on the time of the read: no index can hold it, every row is read.
            ("QueryIncidents sorted by duration (full scan)", q(order_field="duration"), 200),
            (f"QueryIncidents queryString '{SEARCH_WORD}'", q(query_string=SEARCH_WORD), 25),
            *(
                (
                    f"QueryIncidents queryString '{word} ' (timeline-only, whole words)",
                    q(query_string=word + " "),
                    25,
                )
                for word in TIMELINE_WORDS
            ),
            (
                f"QueryIncidents queryString '{TIMELINE_WORDS[0]}' (as typed: last word a prefix)",
                q(query_string=TIMELINE_WORDS[0]),
                25,
            ),
            ("QueryIncidents queryString 'r' (first keystroke: prefix)", q(query_string="r"), 25),
            ("QueryIncidents queryString 're' (second keystroke)", q(query_string="re"), 25),
            (
                "QueryIncidents queryString 'status:active payments'",
                q(query_string="status:active payments"),
                25,
            ),
            (
                "GetIncident",
                lambda: backend.get_incident(m.GetIncidentRequest(incident_id=probe)),
                5,
            ),
            (
                "QueryActivity (one incident, 50)",
                lambda: backend.query_activity(
                    m.QueryActivityRequest(query=m.ActivityQuery(incident_id=probe, limit=50))
                ),
                5,
            ),
            ("AddActivity", add_note, 10),
            ("GetHomescreenVersion", lambda: backend.get_homescreen_version(), 5),
        ]
        results = []
        for name, fn, target in cases:
            results.append((name, await timed(fn, repeat), target))
        return results
    finally:
        await backend.close()


def report(results: list[tuple[str, list[float], float]]) -> tuple[str, bool]:
    lines = [
        "| measurement | median (min-max) ms | p95 ms | target ms | ok |",
        "|---|---:|---:|---:|:-:|",
    ]
    ok_all = True
    first = statistics.median(results[0][1])
    for name, samples, target in results:
        median = statistics.median(samples)
        p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
        ok = median <= target
        if "page after" in name:
            ok = ok and median <= max(1.5 * first, first + 0.5)
            target_text = f"{target} and <= 1.5x first"
        else:
            target_text = f"{target}"
        ok_all &= ok
        spread = f"{median:.2f} ({min(samples):.2f}-{max(samples):.2f})"
        lines.append(f"| {name} | {spread} | {p95:.2f} | {target_text} | {'yes' if ok else 'NO'} |")
    return "\n".join(lines), ok_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50, help="samples per measurement")
    parser.add_argument("--db", type=Path, help="store file (default: cached beside this script)")
    parser.add_argument("--rebuild", action="store_true", help="build the store again")
    args = parser.parse_args(argv)
    if args.incidents < 1 or args.items < args.incidents:
        parser.error("need at least 1 incident and at least one item per incident")
    path = args.db or HERE / f"store-{args.incidents}-{args.items}.db"
    if args.rebuild or not path.exists():
        print(
            f"building {args.incidents:,} incidents / {args.items:,} items in {path} ...",
            flush=True,
        )
        seconds = build(path, args.incidents, args.items)
        print(f"built in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)", flush=True)
    results = asyncio.run(measure(path, args.repeat))
    table, ok = report(results)
    print()
    print(
        f"{args.incidents:,} incidents, {args.items:,} timeline items, {args.repeat} samples each"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after the run)"
    )
    print()
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Demo data: a few weeks of realistic incidents, built through the backend's public methods.

Every change goes through the same calls the console makes (create, assign,
notes, tasks, resolve), acting as a cast of eight engineers on a simulated
clock, so timelines read like real ones. Deterministic for a seed (the times
are relative to ``now``).

``fill_demo`` is async (the console awaits it in a worker); scripts use
``fill_demo_sync``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import BackendError

CAST: tuple[m.UserPreview, ...] = (
    m.UserPreview(user_id="amara", name="Amara Okafor"),
    m.UserPreview(user_id="bjorn", name="Bjørn Lindqvist"),
    m.UserPreview(user_id="chen.wei", name="Chen Wei"),
    m.UserPreview(user_id="diego", name="Diego Ramírez"),
    m.UserPreview(user_id="esther", name="Esther Cohen"),
    m.UserPreview(user_id="farid", name="Farid Haddad"),
    m.UserPreview(user_id="grace", name="Grace Kim"),
    m.UserPreview(user_id="hiro", name="Hiro Tanaka"),
)

REGIONS = ("eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2")


@dataclass(frozen=True)
class Scenario:
    title: str
    labels: tuple[str, ...]
    severity: str
    notes: tuple[str, ...]
    tasks: tuple[str, ...]
    fix: str
    drill: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "Checkout API returning 502s in {region}",
        ("api", "payments", "customer-facing"),
        "critical",
        (
            "Paged: checkout-api 5xx above 5% in {region} for 5 minutes.",
            "Error rate is ~18% and climbing. Only {region} traffic is affected so far.",
            "Lines up with the deploy of checkout-api v2.{n}.0 ten minutes before the page.",
            "Rolling back to the previous release while we dig in.",
            "Rollback done, 5xx back under 0.5%. Watching for another 15 minutes.",
        ),
        ("Roll back checkout-api", "Post a status page update", "Alert on DB pool exhaustion"),
        "Root cause: the new Helm values dropped the DB pool size to 5. Fixed in the chart.",
    ),
    Scenario(
        "Postgres replica lag above 10 minutes on orders-db",
        ("db",),
        "major",
        (
            "replica-2 lag at 11 minutes and growing; reads from the order history page are stale.",
            "A long-running analytics query holds a snapshot on the replica; WAL replay is blocked.",
            "Cancelled the query (pid {n}). Lag is dropping, about 40 s per minute.",
            "Lag back under 5 seconds.",
        ),
        ("Cancel the blocking analytics query", "Move analytics to the reporting replica"),
        "Set max_standby_streaming_delay and moved analytics off the hot replica.",
    ),
    Scenario(
        "Login failures after IdP certificate rotation",
        ("auth", "customer-facing"),
        "critical",
        (
            "Support reports users cannot sign in with SSO; error 'invalid signature'.",
            "The IdP rotated its signing certificate at 00:00 UTC; we pin the old one.",
            "Pushed the new certificate to the auth service config, rolling restart in progress.",
            "SSO logins succeeding again in every region.",
        ),
        ("Update the pinned IdP certificate", "Fetch IdP metadata instead of pinning"),
        "We now read the signing keys from the IdP metadata URL; no more pinning.",
    ),
    Scenario(
        "Kubernetes nodes NotReady in prod-{region}",
        ("k8s",),
        "major",
        (
            "{n} nodes flipped to NotReady within two minutes; pods being evicted.",
            "kubelet logs show PLEG is not healthy; container runtime hangs on one image pull.",
            "Cordoned the affected nodes; the cluster autoscaler is bringing up replacements.",
            "All workloads rescheduled. Keeping the bad nodes cordoned for the investigation.",
        ),
        ("Cordon the NotReady nodes", "Collect kubelet and containerd logs", "Upgrade containerd"),
        "containerd bug on large image layers; upgraded the node image fleet-wide.",
    ),
    Scenario(
        "Elevated latency on search-service",
        ("api",),
        "minor",
        (
            "p99 latency on /search went from 300 ms to 2.1 s.",
            "The Elasticsearch cluster is yellow: one data node was restarted by the cloud provider.",
            "Shards are relocating; latency improving as replicas come back.",
        ),
        ("Check shard allocation", "Add a latency SLO alert on /search"),
        "Cluster green again; added a third replica for the hottest index.",
    ),
    Scenario(
        "Payment webhooks from Stripe delayed",
        ("payments",),
        "major",
        (
            "Webhook queue depth at {n}k; orders stay in 'pending payment'.",
            "The webhook consumer crashes on a new event type it cannot parse.",
            "Deployed a fix that skips unknown event types; the queue is draining.",
            "Backlog cleared. Reconciling the orders that timed out.",
        ),
        (
            "Skip unknown webhook event types",
            "Reconcile timed-out orders",
            "Contract test for new event types",
        ),
        "Consumer now ignores unknown event types and logs them.",
    ),
    Scenario(
        "DNS resolution failures inside the cluster",
        ("network", "k8s"),
        "critical",
        (
            "Services log 'no such host' for internal names; about 20% of lookups fail.",
            "CoreDNS pods are CPU-throttled at their 200m limit.",
            "Raised CoreDNS CPU limits and scaled to 6 replicas.",
            "Lookup failures at zero for 10 minutes.",
        ),
        ("Scale CoreDNS", "Enable NodeLocal DNSCache"),
        "NodeLocal DNSCache rolled out; CoreDNS load down 80%.",
    ),
    Scenario(
        "Disk full on kafka-broker-{n}",
        ("kafka", "db"),
        "major",
        (
            "Broker {n} data volume at 100%; it dropped out of the ISR for 40 partitions.",
            "Retention on the clickstream topic was set to 30 days by mistake last week.",
            "Lowered retention to 3 days; log segments are being deleted.",
            "Broker back in sync, under-replicated partitions at 0.",
        ),
        ("Lower clickstream retention", "Alert at 80% disk on brokers"),
        "Retention fixed and disk alerts added at 80% and 90%.",
    ),
    Scenario(
        "TLS certificate expired on api.example.com",
        ("network", "customer-facing"),
        "critical",
        (
            "Clients report certificate errors; the cert expired at 09:00 UTC.",
            "cert-manager renewal failed silently: the DNS-01 solver lost its API token.",
            "Issued a certificate by hand and loaded it on the load balancer.",
        ),
        (
            "Issue a certificate by hand",
            "Fix the DNS-01 solver credentials",
            "Alert 14 days before expiry",
        ),
        "Solver credentials rotated; expiry alerts now page two weeks ahead.",
    ),
    Scenario(
        "Redis evictions emptying shopping carts",
        ("cache", "customer-facing"),
        "major",
        (
            "Carts are emptied at random; Redis evicted_keys spiking.",
            "A new feature caches product images in the same Redis as the carts.",
            "Flagged the feature off; memory back to 60% and evictions stopped.",
        ),
        ("Turn off the image caching flag", "Separate Redis for carts"),
        "Carts moved to their own Redis with noeviction.",
    ),
    Scenario(
        "Nightly export job stuck for six hours",
        ("data",),
        "minor",
        (
            "The warehouse export did not finish; finance dashboards are a day old.",
            "The job waits on a lock held by a migration that never committed.",
            "Killed the stuck migration session; the export restarted.",
        ),
        ("Kill the stuck migration", "Timeout on export locks"),
        "Exports now time out and retry after 30 minutes.",
    ),
    Scenario(
        "CDN serving stale assets after the frontend deploy",
        ("network", "frontend", "customer-facing"),
        "minor",
        (
            "Users see a blank page: new HTML references bundles the CDN does not have.",
            "The purge step of the deploy pipeline was skipped after a timeout.",
            "Purged the CDN by hand; the fresh bundles are served.",
        ),
        ("Purge the CDN", "Make the deploy fail when the purge fails"),
        "The pipeline now fails loudly when the CDN purge fails.",
    ),
    Scenario(
        "Game day: fail over the primary database",
        ("db",),
        "major",
        (
            "Drill start: promoting replica-1 to primary with the runbook.",
            "Promotion took 48 s; the app reconnected after 1 min 10 s.",
            "Two services had the old primary's IP hard-coded.",
        ),
        ("Follow the failover runbook", "Remove hard-coded DB addresses"),
        "Drill complete; runbook updated with the reconnect timings.",
        drill=True,
    ),
    Scenario(
        "Drill: evacuate {region}",
        ("k8s", "network"),
        "critical",
        (
            "Drill: draining all traffic from {region} with the traffic manager.",
            "Traffic fully shifted in 6 minutes; error rate stayed under 0.2%.",
            "Batch workers did not move: they are pinned to the region by a node selector.",
        ),
        ("Shift traffic away", "Unpin batch workers from the region"),
        "Evacuation drill done; batch workers now follow the traffic manager.",
        drill=True,
    ),
    Scenario(
        "Push notifications not delivered on Android",
        ("mobile", "customer-facing"),
        "minor",
        (
            "Android users have received no push notifications since about 14:00.",
            "The FCM server key was revoked during a cleanup of old credentials.",
            "Switched to a new service account; deliveries resumed.",
        ),
        ("Create a new FCM credential", "Inventory the mobile credentials"),
        "Credentials documented with their owners.",
    ),
    Scenario(
        "notification-worker OOMKilled in a loop",
        ("k8s",),
        "minor",
        (
            "notification-worker restarts every 4 minutes with OOMKilled.",
            "A heap profile shows the template cache growing without bound.",
            "Hotfix caps the cache at 1 000 entries; memory is flat.",
        ),
        ("Cap the template cache", "Add memory usage to the dashboard"),
        "The cache is bounded now; memory is stable for 24 h.",
    ),
    Scenario(
        "Rate limiter blocking legitimate API clients",
        ("api", "customer-facing", "auth"),
        "major",
        (
            "Three enterprise customers get 429s at normal volumes.",
            "The limiter keys on client IP; these customers all sit behind one NAT.",
            "Raised the limits for their API keys while we change the key.",
        ),
        ("Raise limits for the affected keys", "Key the rate limiter on API key"),
        "The limiter keys on API key now, with the IP as a fallback.",
    ),
    Scenario(
        "Image uploads failing after a bucket policy change",
        ("storage", "customer-facing"),
        "major",
        (
            "Uploads return 403; it started right after an infra apply.",
            "The new bucket policy denies PutObject without the KMS header.",
            "Reverted the policy; uploads work again.",
        ),
        ("Revert the bucket policy", "Send the KMS header from the upload service"),
        "Upload service sends the header; the stricter policy is back on.",
    ),
    Scenario(
        "Job queue backlog above {n}00k",
        ("queue",),
        "pending",
        (
            "Background job backlog is growing by 2k a minute.",
            "Workers are healthy but slow: every job waits on an external geocoding API.",
            "The geocoding provider has a status incident open; we added caching as a stopgap.",
        ),
        ("Cache geocoding results", "Ask the provider for an ETA"),
        "Provider recovered and the cache keeps the backlog small.",
    ),
    Scenario(
        "Invoices generated twice for some accounts",
        ("payments", "customer-facing"),
        "critical",
        (
            "Support has {n} tickets about duplicate invoices this morning.",
            "The billing cron ran on two pods after the leader election lease expired early.",
            "Voided the duplicates and paused the cron.",
            "Emails to the affected customers are drafted with support.",
        ),
        (
            "Void the duplicate invoices",
            "Make invoice creation idempotent",
            "Email affected customers",
        ),
        "Invoice creation is idempotent per account and period.",
    ),
)

CHATTER: tuple[str, ...] = (
    "Joined the bridge, reading the dashboards.",
    "Support has a macro ready for incoming tickets.",
    "Status page updated.",
    "Nothing new in the logs for the last 10 minutes.",
    "I'll take comms, updating the stakeholder channel every 30 minutes.",
    "Holding all deploys to the affected services until this is over.",
    "Grabbing a coffee, back in 5. Diego has the pager.",
)


@dataclass
class DemoSummary:
    incidents: int = 0
    active: int = 0
    resolved: int = 0
    drills: int = 0
    items: int = 0
    seconds: float = 0.0
    severities: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        sev = ", ".join(f"{k} {v}" for k, v in sorted(self.severities.items()))
        return (
            f"demo: {self.incidents} incidents ({self.active} active, {self.resolved} resolved, "
            f"{self.drills} drills; {sev}), {self.items} timeline changes in {self.seconds:.1f} s"
        )


_TRIAGE = {"update_incident_event_time", "assign_role", "update_severity"}


class _Clock:
    """The simulated time the demo acts at."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    def __init__(self, backend: Backend, rng: random.Random, now: datetime) -> None:
        self.backend = backend
        self.rng = rng
        self.now = now
        self.clock = _Clock(now)
        self.summary = DemoSummary()
        self._views: dict[str, Backend] = {}

    def as_(self, person: m.UserPreview) -> Backend:
        """The backend acting as ``person`` on the simulated clock (local store only)."""
        from incident_tui.backends.sqlite import SqliteBackend

        if not isinstance(self.backend, SqliteBackend):
            return self.backend
        if person.user_id not in self._views:
            self._views[person.user_id] = self.backend.as_user(person, clock=self.clock)
        return self._views[person.user_id]

    async def call(self, person: m.UserPreview, at: datetime, method: str, request: Any) -> Any:
        self.clock.at = min(at, self.now)
        self.summary.items += 1
        return await getattr(self.as_(person), method)(request)

    async def incident(self, index: int, declared: datetime, budget: timedelta, plan: dict) -> None:
        rng = self.rng
        scenario: Scenario = plan["scenario"]
        fill = {"region": rng.choice(REGIONS), "n": rng.randint(2, 9)}
        title = scenario.title.format(**fill)
        people = rng.sample(CAST, k=rng.randint(3, 5))
        declarer, commander, *helpers = people
        if rng.random() < 0.4:
            commander = declarer
        retro = plan["retro"]
        final_severity = plan["severity"]
        initial = "pending" if rng.random() < 0.6 and not retro else final_severity
        if plan["untriaged"]:
            initial = final_severity = "pending"
        labels = list(scenario.labels[: rng.randint(1, len(scenario.labels))])

        steps: list[tuple[m.UserPreview, str, Any]] = []
        created = await self.call(
            declarer,
            declared,
            "create_incident",
            m.CreateIncidentRequest(
                title=title,
                severity=initial,
                labels=[m.IncidentLabel(label=label) for label in labels],
                is_drill=plan["drill"],
                status="resolved" if retro else "",
            ),
        )
        incident_id = created.incident.incident_id
        started = declared - timedelta(minutes=rng.randint(3, 25))

        def add(person: m.UserPreview, method: str, request: Any) -> None:
            steps.append((person, method, request))

        if not retro:
            add(
                declarer,
                "update_incident_event_time",
                m.UpdateIncidentEventTimeRequest(
                    incident_id=incident_id,
                    activity_item_kind="incidentStart",
                    event_time=_iso(started),
                ),
            )
        add(
            declarer,
            "assign_role",
            m.AssignRoleRequest(
                incident_id=incident_id, user_id=commander.user_id, role="commander"
            ),
        )
        for helper in helpers[:2]:
            add(
                commander,
                "assign_role",
                m.AssignRoleRequest(
                    incident_id=incident_id, user_id=helper.user_id, role="investigator"
                ),
            )
        if len(helpers) > 2:
            add(
                commander,
                "assign_role",
                m.AssignRoleRequest(
                    incident_id=incident_id, user_id=helpers[2].user_id, role="observer"
                ),
            )
        if initial != final_severity:
            add(
                commander,
                "update_severity",
                m.UpdateSeverityRequest(incident_id=incident_id, severity=final_severity),
            )
        voices = [commander, *helpers] or [declarer]
        notes = [n.format(**fill) for n in scenario.notes]
        if not plan["active"] or retro:
            notes.append(scenario.fix)
        else:
            notes = notes[: rng.randint(1, len(notes))]
        if rng.random() < 0.5:
            notes.insert(rng.randint(1, len(notes)), rng.choice(CHATTER))
        tasks = list(scenario.tasks)
        for i, note in enumerate(notes):
            add(voices[i % len(voices)], "note", note)
            if i < len(tasks):
                owner = rng.choice(voices)
                add(commander, "task", (tasks[i], owner.user_id if rng.random() < 0.7 else ""))
        if rng.random() < 0.3:
            add(
                rng.choice(voices),
                "add_label",
                m.AddLabelRequest(
                    incident_id=incident_id,
                    label=m.IncidentLabel(
                        label=rng.choice(
                            ["customer-facing", "needs-postmortem", "vendor", "security"]
                        )
                    ),
                ),
            )
        if rng.random() < 0.15:
            add(
                commander,
                "update_title",
                m.UpdateTitleRequest(
                    incident_id=incident_id,
                    title=title + rng.choice([" (customer impact)", " - mitigated", " again"]),
                ),
            )
        add(commander, "task_states", None)
        if not plan["active"] and not retro:
            add(
                commander,
                "update_status",
                m.UpdateStatusRequest(incident_id=incident_id, status="resolved"),
            )

        # Triage (start time, roles, severity) happens in the first minutes; the
        # rest spreads over the incident's life, resolving at its very end.
        early = sum(1 for _, method, _ in steps if method in _TRIAGE)
        offsets, clock = [], 0.0
        for _ in range(early):
            clock += rng.uniform(20, 200)
            offsets.append(clock)
        total = max(budget.total_seconds(), clock + 60 * (len(steps) - early + 1))
        late = sorted(rng.uniform(clock + 60, total - 30) for _ in range(len(steps) - early))
        if late and steps[-1][1] == "update_status":
            late[-1] = total
        seconds = offsets + late
        task_ids: list[str] = []
        first_note = True
        for (person, method, request), offset in zip(steps, seconds, strict=True):
            at = declared + timedelta(seconds=offset)
            if method == "note":
                item = await self.call(
                    person,
                    at,
                    "add_activity",
                    m.AddActivityRequest(
                        incident_id=incident_id, activity_kind="userNote", body=request
                    ),
                )
                if first_note:
                    # The first note reports the page: it belongs at the start of the story.
                    first_note = False
                    await self.call(
                        person,
                        at,
                        "update_activity_event_time",
                        m.UpdateActivityEventTimeRequest(
                            incident_id=incident_id,
                            activity_item_id=item.activity_item.activity_item_id,
                            event_time=_iso(started + timedelta(minutes=1)),
                        ),
                    )
            elif method == "task":
                text, assignee = request
                added = await self.call(
                    person,
                    at,
                    "add_task",
                    m.AddTaskRequest(
                        incident_id=incident_id, text=text, assign_to_user_id=assignee
                    ),
                )
                task_ids.append(added.task.task_id)
            elif method == "task_states":
                for n, task_id in enumerate(task_ids):
                    roll = rng.random()
                    if plan["active"] and not retro:
                        status = "done" if roll < 0.3 else "progress" if roll < 0.65 else "todo"
                    else:
                        status = "done" if roll < 0.85 else "todo"
                    if n == 0 and plan["active"] and not retro:
                        status = "progress"
                    if status != "todo":
                        await self.call(
                            person,
                            at + timedelta(seconds=n),
                            "update_task_status",
                            m.UpdateTaskStatusRequest(
                                incident_id=incident_id, task_id=task_id, status=status
                            ),
                        )
            else:
                await self.call(person, at, method, request)
        if retro:
            # Written up afterwards: the incident itself ended before it was declared.
            end = declared - timedelta(minutes=rng.randint(30, 180))
            for kind, when in (("incidentStart", end - budget), ("incidentEnd", end)):
                await self.call(
                    declarer,
                    declared + timedelta(minutes=1),
                    "update_incident_event_time",
                    m.UpdateIncidentEventTimeRequest(
                        incident_id=incident_id, activity_item_kind=kind, event_time=_iso(when)
                    ),
                )
        s = self.summary
        s.incidents += 1
        s.drills += plan["drill"]
        s.active += plan["active"] and not retro
        s.resolved += not (plan["active"] and not retro)
        s.severities[final_severity] = s.severities.get(final_severity, 0) + 1


def _plans(rng: random.Random, count: int, now: datetime) -> list[tuple[datetime, timedelta, dict]]:
    """When each incident happens, for how long, and how it ends."""
    severities = ["critical", "major", "minor", "pending"]
    plans = []
    span = timedelta(days=42)
    declared_times = sorted(
        now - span + timedelta(seconds=rng.uniform(0, span.total_seconds() - 6 * 3600))
        for _ in range(count)
    )
    active_count = max(2, count // 8) if count >= 4 else min(count, 1)
    for i, declared in enumerate(declared_times):
        scenario = SCENARIOS[i % len(SCENARIOS)] if i < len(SCENARIOS) else rng.choice(SCENARIOS)
        active = i >= count - active_count
        if active:
            # The newest incidents are still going: declared in the last hours.
            declared = now - timedelta(minutes=rng.randint(25, 6 * 60) + 7 * (count - i))
            budget = (now - declared) * 0.9
        else:
            budget = timedelta(minutes=rng.randint(25, 8 * 60))
        severity = scenario.severity
        if i < len(severities):  # every severity appears, whatever the seed
            severity = severities[i]
        elif rng.random() < 0.3:
            severity = rng.choice(severities[:3])
        plans.append(
            (
                declared,
                budget,
                {
                    "scenario": scenario,
                    "active": active,
                    "retro": not active and rng.random() < 0.07,
                    "drill": scenario.drill or rng.random() < 0.04,
                    "severity": severity,
                    "untriaged": active and i == count - 1,
                },
            )
        )
    plans.sort(key=lambda p: p[0])
    return plans


async def fill_demo(
    backend_or_path: Backend | Path | str | None = None,
    count: int = 40,
    seed: int = 7,
    *,
    now: datetime | None = None,
) -> DemoSummary:
    """Add ``count`` demo incidents; returns what was made. Awaitable.

    Given a path (or None for the default store), opens and closes a SqliteBackend.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    started = time.perf_counter()
    owned = None
    if backend_or_path is None or isinstance(backend_or_path, str | Path):
        from incident_tui.backends.sqlite import SqliteBackend

        owned = await SqliteBackend.open(backend_or_path, CAST[0])
        backend: Backend = owned
    else:
        backend = backend_or_path
    try:
        from incident_tui.backends.sqlite import SqliteBackend

        if isinstance(backend, SqliteBackend):
            await backend.bulk_insert([], users=CAST)  # the cast's display names
        now = (now or datetime.now(UTC)).astimezone(UTC)
        rng = random.Random(seed)
        builder = _Builder(backend, rng, now)
        for index, (declared, budget, plan) in enumerate(_plans(rng, count, now)):
            await builder.incident(index, declared, budget, plan)
        builder.summary.seconds = time.perf_counter() - started
        return builder.summary
    finally:
        if owned is not None:
            await owned.close()


def fill_demo_sync(
    backend_or_path: Backend | Path | str | None = None,
    count: int = 40,
    seed: int = 7,
    *,
    now: datetime | None = None,
) -> DemoSummary:
    """``fill_demo`` for callers without an event loop (scripts, the CLI)."""
    return asyncio.run(fill_demo(backend_or_path, count, seed, now=now))


async def _existing(path: Path | None) -> int:
    from incident_tui.backends.sqlite import SqliteBackend

    backend = await SqliteBackend.open(path, CAST[0])
    try:
        return await backend.count_incidents()
    finally:
        await backend.close()


def demo_command(args: argparse.Namespace) -> int:
    """``incident-tui demo``: fill a store (a fresh one unless it is empty) with demo data."""
    from incident_tui.config import default_db_path

    path = getattr(args, "demo_db", None) or default_db_path()
    count = getattr(args, "count", 40)
    seed = getattr(args, "seed", 7)
    if count < 1 or count > 10_000:
        print("incident-tui demo: --count must be between 1 and 10000", file=sys.stderr)
        return 2
    try:
        existing = asyncio.run(_existing(Path(path)))
        if existing:
            print(
                f"incident-tui demo: {path} already holds {existing} incidents; "
                "demo data goes into an empty store (pass --db NEW_FILE)",
                file=sys.stderr,
            )
            return 1
        summary = fill_demo_sync(Path(path), count, seed)
    except BackendError as exc:
        print(f"incident-tui demo: {exc}", file=sys.stderr)
        return 1
    print(f"{summary.line()} -> {path}")
    return 0

"""What the live refresh learned that the person should hear about, even on another
screen or in another tmux window: an incident declared, one that rose to critical,
a role or a task given to them. Never their own changes.

``AlertWatch.compare`` is pure: it keeps the last look at the most recently changed
incidents and says what is new since (the first look is only a baseline). Whether a
severity change or an assignment was the person's own is read from the incident's
timeline (``own_change``), only for the few incidents that changed that way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from incident_tui import times
from incident_tui.text import one_line
from incident_tui.ui.terminal_out import ring

if TYPE_CHECKING:
    from incident_tui import models as m
    from incident_tui.backends.base import Backend
    from incident_tui.ui.app import IncidentApp

#: Every kind a context can ask for (``notify = [...]`` in the config).
from incident_tui.config import NOTIFY_KINDS

#: How many recently changed incidents each look reads.
LOOK_LIMIT = 50
#: At most one bell / desktop notification per this many seconds (toasts still show).
RING_GAP = 10.0
#: A backend without change versions "changes" at every poll: look at most this often then.
UNVERSIONED_LOOK_GAP = 10.0
#: Toasts per look; more are summed up in one.
TOASTS_PER_LOOK = 3


@dataclass(frozen=True)
class Alert:
    kind: str  # declared | critical | assigned
    incident_id: str
    title: str  # the toast's title and the notification's
    text: str  # one line, cleaned
    #: Activity kinds whose latest item says who made the change ("" : known already).
    check_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Seen:
    severity: str
    roles: frozenset[str]
    tasks: frozenset[str]


def _when(text: str) -> datetime | None:
    return times.parse_time(text)


class AlertWatch:
    """The last look at the incidents, for one person (``me``) and the kinds asked for."""

    def __init__(self, me: str, kinds: tuple[str, ...] | list[str]) -> None:
        self.me = me
        self.kinds = frozenset(kinds)
        self._seen: dict[str, _Seen] | None = None
        self._newest: datetime | None = None

    @property
    def has_baseline(self) -> bool:
        return self._seen is not None

    def _mine(self, incident: m.Incident) -> _Seen:
        me = self.me
        roles = frozenset(r.role for r in incident.roles if me and r.user.user_id == me)
        roles |= frozenset(
            a.role.name
            for a in incident.incident_membership.assignments
            if me and a.user.user_id == me
        )
        tasks = frozenset(
            t.task_id
            for t in incident.task_list.tasks
            if me and t.assigned_user is not None and t.assigned_user.user_id == me
        )
        return _Seen(str(incident.severity), roles, tasks)

    def compare(self, incidents: list[m.Incident]) -> list[Alert]:
        """What changed since the last look (nothing on the first: the baseline)."""
        first = self._seen is None
        seen = self._seen or {}
        newest = self._newest
        alerts: list[Alert] = []
        current: dict[str, _Seen] = dict(seen)
        for incident in incidents:
            now = self._mine(incident)
            current[incident.incident_id] = now
            created = _when(incident.created_time)
            if created is not None and (self._newest is None or created > self._newest):
                newest = created if newest is None or created > newest else newest
            if first:
                continue
            before = seen.get(incident.incident_id)
            ref = f"#{one_line(incident.incident_id, 40)}"
            title = one_line(incident.title, 100)
            if before is None:
                fresh = created is not None and (self._newest is None or created > self._newest)
                if (
                    fresh
                    and "declared" in self.kinds
                    and incident.created_by_user.user_id != self.me
                ):
                    severity = one_line(str(incident.severity), 20)
                    alerts.append(
                        Alert(
                            "declared", incident.incident_id, f"{ref} declared ({severity})", title
                        )
                    )
                continue  # an older incident moving into the window: nothing to compare
            if (
                "critical" in self.kinds
                and now.severity == "critical"
                and before.severity != "critical"
            ):
                alerts.append(
                    Alert(
                        "critical",
                        incident.incident_id,
                        f"{ref} is now critical",
                        title,
                        ("incidentSeverityChanged", "incidentUpdated"),
                    )
                )
            if "assigned" in self.kinds:
                for role in sorted(now.roles - before.roles):
                    alerts.append(
                        Alert(
                            "assigned",
                            incident.incident_id,
                            f"{ref}: you are {one_line(role, 40)}",
                            title,
                            ("roleAssigned",),
                        )
                    )
                tasks = {t.task_id: t for t in incident.task_list.tasks}
                for task_id in sorted(now.tasks - before.tasks):
                    alerts.append(
                        Alert(
                            "assigned",
                            incident.incident_id,
                            f"{ref}: a task for you",
                            one_line(tasks[task_id].text, 100),
                            ("taskAdded", "taskUpdated"),
                        )
                    )
        self._seen = current
        self._newest = newest
        return alerts


async def look(backend: Backend) -> list[m.Incident]:
    """The most recently changed incidents (one request)."""
    from incident_tui import models as m

    query = m.IncidentsQuery(limit=LOOK_LIMIT, order_field="modifiedTime", order_direction="DESC")
    response = await backend.query_incidents(m.QueryIncidentsRequest(query=query))
    return response.incidents


async def own_change(backend: Backend, alert: Alert, me: str) -> bool:
    """Whether the latest timeline item of ``alert``'s change was written by ``me``
    (for an assignment: the one naming ``me``). Unknown counts as someone else's."""
    from incident_tui import models as m
    from incident_tui.errors import BackendError

    if not alert.check_kinds or not me:
        return False
    try:
        response = await backend.query_activity(
            m.QueryActivityRequest(
                query=m.ActivityQuery(
                    incident_id=alert.incident_id,
                    activity_kind=list(alert.check_kinds),
                    limit=20,
                    order_direction="DESC",
                )
            )
        )
    except BackendError:
        return False
    items = response.activity_items
    if alert.kind == "assigned":
        items = [i for i in items if i.subject_user.user_id == me] or items
    if not items:
        return False
    latest = max(items, key=lambda i: i.created_time)
    return latest.user.user_id == me


class Alerter:
    """The app's side: looks after each change the live refresh learns of, shows a toast
    per alert, rings the terminal (rate-limited), and counts what arrived while the
    person was on another screen than the list (the header's marker)."""

    def __init__(self, app: IncidentApp, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self._clock = clock
        self._watch: AlertWatch | None = None
        self._context = ""
        self._running = False
        self._again = False
        self._last_ring: float | None = None
        self._last_look: float | None = None
        #: Alerts that arrived while the person was away from the incident list.
        self.unseen = 0
        #: How many times the terminal was rung (for the header and tests).
        self.rung = 0

    def kinds(self) -> tuple[str, ...]:
        from incident_tui.config import ConfigError

        try:
            return tuple(self.app.config.context(self.app.context_name).notify)
        except ConfigError:
            return NOTIFY_KINDS

    @property
    def has_baseline(self) -> bool:
        return self._watch is not None and self._watch.has_baseline

    def reset(self) -> None:
        """Another context: a new baseline, nothing unseen."""
        self._watch = None
        self.unseen = 0

    def changed(self) -> None:
        """The live refresh saw a change (or takes its first look): look now."""
        if not self.app.has_backend or not self.kinds():
            return
        now = self._clock()
        if (
            not self.app._versions_supported
            and self._last_look is not None
            and now - self._last_look < UNVERSIONED_LOOK_GAP
        ):
            return  # every poll reads as a change there: one look per gap is enough
        self._last_look = now
        if self._running:
            self._again = True
            return
        self._running = True
        self.app.run_worker(self._look(), group="alerts", exit_on_error=False)

    async def _look(self) -> None:
        from incident_tui.errors import BackendError

        try:
            while True:
                self._again = False
                app = self.app
                if self._watch is None or self._context != app.context_name:
                    self._watch = AlertWatch(app.user.user_id, self.kinds())
                    self._context = app.context_name
                watch = self._watch
                try:
                    incidents = await look(app.backend)
                except BackendError:
                    return  # the list and the header say it; try again at the next change
                alerts = watch.compare(incidents)
                alerts = [a for a in alerts if not await own_change(app.backend, a, watch.me)]
                if alerts and watch is self._watch:
                    self.deliver(alerts)
                if not self._again:
                    return
        finally:
            self._running = False

    def deliver(self, alerts: list[Alert]) -> None:
        app = self.app
        for alert in alerts[:TOASTS_PER_LOOK]:
            app.notify(alert.text, title=alert.title, severity="warning", markup=False, timeout=12)
        if len(alerts) > TOASTS_PER_LOOK:
            more = len(alerts) - TOASTS_PER_LOOK
            app.notify(f"and {more} more", title="Incidents", markup=False, timeout=12)
        if not app.on_list():
            self.unseen += len(alerts)
            app.refresh_link_state()
        now = self._clock()
        if self._last_ring is not None and now - self._last_ring < RING_GAP:
            return  # rate-limited: the toasts (and the marker) say it
        first = alerts[0]
        body = first.text if len(alerts) == 1 else f"{first.text} (+{len(alerts) - 1} more)"
        if ring(app, app.shown(first.title), app.shown(body)):
            self._last_ring = now
            self.rung += 1

    def seen(self) -> None:
        """Back on the incident list: the marker goes."""
        if self.unseen:
            self.unseen = 0
            self.app.refresh_link_state()

    def marker(self) -> str:
        return f"⚑ {self.unseen} new" if self.unseen else ""

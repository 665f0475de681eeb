"""The Overview tab: the incident's facts at a glance, and the edits of those facts."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from incident_tui import models as m
from incident_tui.drafts import Draft, Place
from incident_tui.facts import format_time, incident_duration
from incident_tui.text import clean, incident_reference, is_printable_label, one_line
from incident_tui.times import TIME_HINT, local_zone_name, parse_time_input, to_rfc3339
from incident_tui.ui.dialogs import (
    Choice,
    ChoicePicker,
    ConfirmDialog,
    SummaryEditor,
    TextPrompt,
)
from incident_tui.ui.presentation import (
    first_set_time,
    parse_time,
    severity_look,
    severity_words,
)
from incident_tui.ui.screens.incident_common import (
    IncidentPane,
    app_now,
    person,
    severity_content,
    status_content,
    tasks_done,
)

#: Facts shown only when the backend has them (see ui/capabilities.py).
FACT_NEEDS: dict[str, tuple[str, ...]] = {
    "drill": ("drills",),
    "labels": ("labels",),
    "roles": ("roles",),
    "tasks": ("tasks",),
}

#: The facts, in the order shown: (widget id suffix, label).
FACTS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("severity", "Severity"),
    ("status", "Status"),
    ("drill", "Drill"),
    ("started", "Started"),
    ("ended", "Ended"),
    ("duration", "Duration"),
    ("labels", "Labels"),
    ("roles", "Roles"),
    ("tasks", "Tasks"),
    ("created", "Created"),
    ("reference", "Reference"),
)


def role_holders(incident: m.Incident) -> dict[str, list[m.UserPreview]]:
    """Role name -> the people holding it, from the membership (or the roles list)."""
    holders: dict[str, list[m.UserPreview]] = {}
    for assignment in incident.incident_membership.assignments:
        if assignment.role.name and (assignment.user.user_id or assignment.user.name):
            holders.setdefault(assignment.role.name, []).append(assignment.user)
    if not holders:
        for role in incident.roles:
            if role.role and (role.user.user_id or role.user.name):
                holders.setdefault(role.role, []).append(role.user)
    return holders


def label_parser(existing: list[str]) -> object:
    def parse(text: str) -> str:
        value = text.strip()
        if not value:
            raise ValueError("A label cannot be empty.")
        if not is_printable_label(value):
            raise ValueError("Labels cannot contain control or invisible characters.")
        if len(value) > 100:
            raise ValueError("Keep labels under 100 characters.")
        if value in existing:
            raise ValueError("The incident already has this label.")
        return value

    return parse


class OverviewPane(IncidentPane):
    """Title, severity, status, drill, times, labels, role holders, tasks and summary."""

    DEFAULT_CSS = """
    OverviewPane #overview-scroll {
        height: 1fr;
        padding: 0 1;
        background: $surface;
    }
    OverviewPane #overview-facts {
        grid-size: 2;
        grid-columns: 12 1fr;
        grid-rows: auto;
        height: auto;
    }
    OverviewPane #overview-facts > Static {
        height: auto;
    }
    OverviewPane .fact-name {
        text-style: bold;
        color: $text-muted;
    }
    OverviewPane #overview-summary {
        height: auto;
        margin-top: 1;
    }
    """

    can_focus = False

    def compose(self) -> ComposeResult:
        # A grid, so that a long value (title, labels, roles) wraps inside its own column.
        with VerticalScroll(id="overview-scroll"):
            with Grid(id="overview-facts"):
                for key, name in FACTS:
                    yield Static(Content(name), classes="fact-name", id=f"fact-name-{key}")
                    yield Static(Content("…" if key == "title" else ""), id=f"fact-{key}")
            yield Static(Content(""), id="overview-summary")

    def focus_main(self) -> None:
        self.query_one("#overview-scroll", VerticalScroll).focus()

    def on_mount(self) -> None:
        # "Duration … so far" moves on with the clock: once a minute, one fact redrawn.
        self.console_app.minute_signal.subscribe(self, self.tick)

    def on_unmount(self) -> None:
        self.console_app.minute_signal.unsubscribe(self)

    def tick(self, _: object = None) -> None:
        """Redraw the duration of a running incident against the current time."""
        incident = self.incident_screen.incident
        if incident is not None and str(incident.status) != "resolved":
            duration = incident_duration(incident, app_now(self.console_app))
            self.query_one("#fact-duration", Static).update(Content(duration))

    def show_incident(self, incident: m.Incident) -> None:
        from incident_tui.ui.capabilities import unmet

        facts = self.render_facts(incident)
        capabilities = self.capabilities
        for key, _ in FACTS:
            value = self.query_one(f"#fact-{key}", Static)
            value.update(facts[key])
            shown = not unmet(capabilities, FACT_NEEDS.get(key, ()))
            value.display = shown
            self.query_one(f"#fact-name-{key}", Static).display = shown
        summary = self.query_one("#overview-summary", Static)
        summary.update(facts["summary"])
        summary.display = bool(facts["summary"])

    def render_facts(self, incident: m.Incident) -> dict[str, Content]:
        """Each fact's value (keys of ``FACTS``, plus ``summary``), from cleaned text."""
        now = app_now(self.console_app)
        labels = [clean(label.label) for label in incident.labels]
        holders = role_holders(incident)
        role_names = list(dict.fromkeys(["commander", "investigator", "observer", *holders]))
        # One role a line: a role and its holder never split across lines at 80 columns.
        roles = Content("\n").join(
            Content.assemble(
                (f"{one_line(name, 40)}: ", "$text-muted"),
                ", ".join(person(u) for u in holders.get(name, [])) or "—",
            )
            for name in role_names
        )
        capabilities = self.capabilities
        created = person(incident.created_by_user)
        closed = incident.closed_time if str(incident.status) == "resolved" else ""
        summary = clean(incident.summary, multiline=True).strip()
        return {
            "title": Content(clean(incident.title)),
            "severity": severity_content(incident.severity, terms=capabilities.severities),
            "status": status_content(str(incident.status)),
            "drill": (
                Content.styled("yes [drill]", "bold $accent")
                if incident.is_drill
                else Content("no")
            ),
            "started": Content(
                format_time(first_set_time(incident.incident_start, incident.created_time))
            ),
            "ended": Content(format_time(first_set_time(incident.incident_end, closed))),
            "duration": Content(incident_duration(incident, now)),
            "labels": Content(", ".join(labels) if labels else "—"),
            "roles": roles,
            "tasks": Content(tasks_done(incident.task_list)),
            "created": Content(
                f"{format_time(incident.created_time)} by {created}"
                if capabilities.authors
                else format_time(incident.created_time)
            ),
            "reference": Content(incident_reference(incident.incident_id, incident.reference)),
            "summary": (
                Content.assemble(("Summary", "bold $text-muted"), "\n", Content(summary))
                if summary
                else Content("")
            ),
        }

    # --- actions -------------------------------------------------------------------

    def edit_title(self) -> None:
        async def update(title: str) -> None:
            await self.backend.update_title(
                m.UpdateTitleRequest(incident_id=self.incident_id, title=title)
            )

        self.app.push_screen(
            TextPrompt(
                "Edit title",
                self.incident.title,
                submit=self.after(update),
                draft=Place("title", self.incident_id),
            )
        )

    def edit_summary(self) -> None:
        """The summary in a multi-line editor, prefilled with the current one."""

        async def update(summary: str) -> None:
            await self.backend.update_incident_summary(
                m.UpdateIncidentSummaryRequest(incident_id=self.incident_id, summary=summary)
            )

        self.app.push_screen(
            SummaryEditor(
                "Edit summary",
                self.incident.summary,
                submit=self.after(update),
                draft=Place("summary", self.incident_id),
            )
        )

    def reopen_draft(self, draft: Draft) -> None:
        """Open the prompt a kept draft was typed in (it fills itself from the draft)."""
        if draft.place.kind == "title":
            self.edit_title()
        elif draft.place.kind == "summary":
            self.edit_summary()
        elif draft.place.kind == "label":
            self.add_label()

    def set_severity(self) -> None:
        """Pick one of the backend's own severities, in its words, most severe first."""
        current = str(self.incident.severity)
        terms = self.capabilities.severities
        choices = []
        for term in reversed(terms):
            look = severity_look(term.value, terms)
            label = f"{look.glyph} {severity_words(look)}"
            choices.append(Choice(label, term.value, current=term.value == current))

        async def update(severity: str) -> None:
            await self.backend.update_severity(
                m.UpdateSeverityRequest(incident_id=self.incident_id, severity=severity)
            )

        self.app.push_screen(ChoicePicker("Set severity", choices, submit=self.after(update)))

    def set_status(self) -> None:
        """Pick one of the backend's own statuses (Prod Manager's path: Active, Investigating,
        Stable, Resolved), in its words and in the order an incident moves."""
        current = str(self.incident.status)
        choices = [
            Choice(
                term.shown,
                term.value,
                current=term.value == current,
            )
            for term in self.capabilities.statuses
        ]

        async def update(status: str) -> None:
            await self.backend.update_status(
                m.UpdateStatusRequest(incident_id=self.incident_id, status=status)
            )

        self.app.push_screen(ChoicePicker("Set status", choices, submit=self.after(update)))

    def toggle_status(self) -> None:
        """Resolve (or reopen), confirmed. An end time set by hand is kept: resolving
        records when the incident ended only when nobody said so already."""
        incident = self.incident
        resolved = str(incident.status) == "resolved"
        target = "active" if resolved else "resolved"
        verb = "Reopen" if resolved else "Resolve"
        kept_end = "" if resolved else incident.incident_end
        if not self.capabilities.serves("update_incident_event_time"):
            kept_end = ""  # the backend records the end itself (Prod Manager's resolved date)

        async def update(_: bool) -> None:
            await self.backend.update_status(
                m.UpdateStatusRequest(incident_id=self.incident_id, status=target)
            )
            if kept_end:
                await self._set_event_time(m.IncidentEventKind.END, kept_end)

        question = Content.assemble(
            f"{verb} ",
            (incident_reference(incident.incident_id, incident.reference), "bold"),
            ": ",
            Content(clean(incident.title)),
            "?",
        )
        if kept_end:
            question = Content.assemble(
                question,
                f"\nIts end time, {format_time(kept_end)}, set by hand, is kept (T changes it).",
            )
        self.app.push_screen(
            ConfirmDialog(f"{verb} incident", question, yes=verb, submit=self.after(update))
        )

    def toggle_drill(self) -> None:
        """Mark or unmark as a drill, confirmed like resolving: on a live incident a
        stray key would change what the incident counts as."""
        incident = self.incident
        target = not incident.is_drill

        async def update(_: bool) -> None:
            await self.backend.update_incident_is_drill(
                m.UpdateIncidentIsDrillRequest(incident_id=self.incident_id, is_drill=target)
            )

        what = "a drill" if target else "real (not a drill)"
        question = Content.assemble(
            "Mark ",
            (incident_reference(incident.incident_id, incident.reference), "bold"),
            ": ",
            Content(clean(incident.title)),
            f" as {what}?",
        )
        self.app.push_screen(
            ConfirmDialog(
                "Drill" if target else "Not a drill",
                question,
                yes="Mark",
                submit=self.after(update),
            )
        )

    def add_label(self) -> None:
        existing = [label.label for label in self.incident.labels]

        async def update(label: str) -> None:
            await self.backend.add_label(
                m.AddLabelRequest(incident_id=self.incident_id, label=m.IncidentLabel(label=label))
            )

        self.app.push_screen(
            TextPrompt(
                "Add label",
                placeholder="e.g. database",
                parse=label_parser(existing),  # type: ignore[arg-type]
                submit=self.after(update),
                draft=Place("label", self.incident_id),
            )
        )

    def remove_label(self) -> None:
        labels = [label.label for label in self.incident.labels]
        if not labels:
            self.note("The incident has no labels.")
            return

        async def update(label: str) -> None:
            await self.backend.remove_label(
                m.RemoveLabelRequest(incident_id=self.incident_id, label=label)
            )

        self.app.push_screen(
            ChoicePicker(
                "Remove label",
                [Choice(label, label) for label in labels],
                submit=self.after(update),
            )
        )

    def edit_start(self) -> None:
        self._edit_time(m.IncidentEventKind.START, "start", self.incident.incident_start)

    def edit_end(self) -> None:
        """The end time; on an active incident, saving it resolves the incident (an
        end time belongs to a resolved one): the prompt says so before anything is sent."""
        if str(self.incident.status) != "resolved":
            self._resolve_at()
            return
        self._edit_time(m.IncidentEventKind.END, "end", self.incident.incident_end)

    async def _set_event_time(self, kind: m.IncidentEventKind, event_time: str) -> None:
        await self.backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id=self.incident_id,
                event_time=event_time,
                activity_item_kind=kind.value,
                event_name=kind.value,
            )
        )

    def _time_parser(self, *, not_before: str = "") -> Callable[[str], str]:
        start = parse_time(not_before)

        def parse(text: str) -> str:
            value = parse_time_input(text, now=app_now(self.console_app))
            if start is not None and (parsed := parse_time(value)) and parsed < start:
                raise ValueError(f"It started at {format_time(not_before)}: it cannot end before.")
            return value

        return parse

    def _resolve_at(self) -> None:
        incident = self.incident
        start = incident.incident_start or incident.created_time

        async def resolve(event_time: str) -> None:
            await self.backend.update_status(
                m.UpdateStatusRequest(incident_id=self.incident_id, status="resolved")
            )
            await self._set_event_time(m.IncidentEventKind.END, event_time)

        self.app.push_screen(
            TextPrompt(
                "Resolve: when did it end?",
                "now",
                placeholder="2026-11-25 03:04",
                hint=(
                    f"{incident_reference(incident.incident_id, incident.reference)} is active: saving resolves it with"
                    f" this end time (esc leaves it active). {TIME_HINT}."
                    f" Local time here is {local_zone_name()}."
                ),
                parse=self._time_parser(not_before=start),
                submit=self.after(resolve),
            )
        )

    def _edit_time(self, kind: m.IncidentEventKind, word: str, current: str) -> None:
        parsed = parse_time(current)
        initial = to_rfc3339(parsed) if parsed else ""
        start = ""
        if kind == m.IncidentEventKind.END:
            start = self.incident.incident_start or self.incident.created_time

        async def update(event_time: str) -> None:
            await self._set_event_time(kind, event_time)

        self.app.push_screen(
            TextPrompt(
                f"Incident {word} time",
                initial,
                placeholder="2026-11-25 03:04",
                hint=f"{TIME_HINT}. Local time here is {local_zone_name()}.",
                parse=self._time_parser(not_before=start),
                submit=self.after(update),
            )
        )

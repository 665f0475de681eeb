"""The Overview tab: the incident's facts at a glance, and the edits of those facts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from incident_tui import models as m
from incident_tui.drafts import Draft, Place
from incident_tui.facts import format_time, incident_duration
from incident_tui.text import clean, is_printable_label, one_line
from incident_tui.ui.dialogs import Choice, ChoicePicker, ConfirmDialog, TextPrompt
from incident_tui.ui.presentation import SEVERITIES, first_set_time, parse_time
from incident_tui.ui.screens.incident_common import (
    TIME_HINT,
    IncidentPane,
    app_now,
    incident_ref,
    local_zone_name,
    parse_time_input,
    person,
    severity_content,
    status_content,
    tasks_done,
    to_rfc3339,
)

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
                    yield Static(Content(name), classes="fact-name")
                    yield Static(Content("…" if key == "title" else ""), id=f"fact-{key}")
            yield Static(Content(""), id="overview-summary")

    def focus_main(self) -> None:
        self.query_one("#overview-scroll", VerticalScroll).focus()

    def show_incident(self, incident: m.Incident) -> None:
        facts = self.render_facts(incident)
        for key, _ in FACTS:
            self.query_one(f"#fact-{key}", Static).update(facts[key])
        summary = self.query_one("#overview-summary", Static)
        summary.update(facts["summary"])
        summary.display = bool(facts["summary"])

    def render_facts(self, incident: m.Incident) -> dict[str, Content]:
        """Each fact's value (keys of ``FACTS``, plus ``summary``), from cleaned text."""
        now = app_now(self.app)
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
        created = person(incident.created_by_user)
        closed = incident.closed_time if str(incident.status) == "resolved" else ""
        summary = clean(incident.summary, multiline=True).strip()
        return {
            "title": Content(clean(incident.title)),
            "severity": severity_content(incident.severity),
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
            "created": Content(f"{format_time(incident.created_time)} by {created}"),
            "reference": Content(incident_ref(incident.incident_id)),
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

    def reopen_draft(self, draft: Draft) -> None:
        """Open the prompt a kept draft was typed in (it fills itself from the draft)."""
        if draft.place.kind == "title":
            self.edit_title()
        elif draft.place.kind == "label":
            self.add_label()

    def set_severity(self) -> None:
        current = str(self.incident.severity)
        choices = [
            Choice(f"{look.glyph} {look.sev} {look.word}", name, current=name == current)
            for name, look in SEVERITIES.items()
        ]

        async def update(severity: str) -> None:
            await self.backend.update_severity(
                m.UpdateSeverityRequest(incident_id=self.incident_id, severity=severity)
            )

        self.app.push_screen(ChoicePicker("Set severity", choices, submit=self.after(update)))

    def toggle_status(self) -> None:
        incident = self.incident
        resolved = str(incident.status) == "resolved"
        target = "active" if resolved else "resolved"
        verb = "Reopen" if resolved else "Resolve"

        async def update(_: bool) -> None:
            await self.backend.update_status(
                m.UpdateStatusRequest(incident_id=self.incident_id, status=target)
            )

        question = Content.assemble(
            f"{verb} ",
            (incident_ref(incident.incident_id), "bold"),
            ": ",
            Content(clean(incident.title)),
            "?",
        )
        self.app.push_screen(
            ConfirmDialog(f"{verb} incident", question, yes=verb, submit=self.after(update))
        )

    def toggle_drill(self) -> None:
        target = not self.incident.is_drill

        async def update() -> None:
            await self.backend.update_incident_is_drill(
                m.UpdateIncidentIsDrillRequest(incident_id=self.incident_id, is_drill=target)
            )

        self.mutate(update, "Marked as a drill." if target else "No longer a drill.")

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
        self._edit_time(m.IncidentEventKind.END, "end", self.incident.incident_end)

    def _edit_time(self, kind: m.IncidentEventKind, word: str, current: str) -> None:
        parsed = parse_time(current)
        initial = to_rfc3339(parsed) if parsed else ""

        def parse(text: str) -> str:
            return parse_time_input(text, now=app_now(self.app))

        async def update(event_time: str) -> None:
            await self.backend.update_incident_event_time(
                m.UpdateIncidentEventTimeRequest(
                    incident_id=self.incident_id,
                    event_time=event_time,
                    activity_item_kind=kind.value,
                    event_name=kind.value,
                )
            )

        self.app.push_screen(
            TextPrompt(
                f"Incident {word} time",
                initial,
                placeholder="2026-11-25 03:04",
                hint=f"{TIME_HINT}. Local time here is {local_zone_name()}.",
                parse=parse,
                submit=self.after(update),
            )
        )

"""``y``: an incident's reference (and, for a remote context, its web link) copied to the
local clipboard through the terminal (OSC 52, see ``terminal_out``), with a toast
saying what was copied."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from incident_tui.text import one_line

if TYPE_CHECKING:
    from incident_tui import models as m
    from incident_tui.config import ContextConfig
    from incident_tui.ui.app import IncidentApp


def web_link(context: ContextConfig, overview_url: str) -> str:
    """The incident's page for a person's browser: "" for a local store (no web app),
    the backend's absolute URL as given, or a path joined to the context's URL."""
    if context.backend == "sqlite":
        return ""
    link = one_line(overview_url.strip())
    if not link or " " in link:
        return ""
    if urlsplit(link).scheme in ("http", "https"):
        return link
    if link.startswith("/") and context.url:
        return context.url.strip().rstrip("/") + link
    return ""


def copied_text(incident_id: str, link: str = "") -> str:
    """What ``y`` puts on the clipboard: ``#42``, or ``#42 https://…/incidents/42/…``."""
    reference = f"#{one_line(incident_id, 80)}"
    return f"{reference} {link}" if link else reference


def copy_incident(app: IncidentApp, incident_id: str, incident: m.Incident | None = None) -> None:
    """Copy ``incident_id``'s reference (and link); reads the incident for a remote
    context's link when it is not at hand. The toast names what was copied."""
    from incident_tui.config import ConfigError

    if not incident_id:
        app.notify("Nothing to copy: this incident has no reference yet.", markup=False)
        return
    try:
        context = app.config.context(app.context_name)
    except ConfigError:
        context = None
    if context is None or context.backend == "sqlite":
        _copy(app, copied_text(incident_id))
        return
    if incident is not None:
        _copy(app, copied_text(incident_id, web_link(context, incident.overview_url)))
        return

    async def read_then_copy() -> None:
        from incident_tui import models as m
        from incident_tui.errors import BackendError

        try:
            response = await app.backend.get_incident(m.GetIncidentRequest(incident_id=incident_id))
        except BackendError as exc:
            app.show_error(f"Copied only the reference: the link could not be read ({exc})")
            _copy(app, copied_text(incident_id))
            return
        _copy(app, copied_text(incident_id, web_link(context, response.incident.overview_url)))

    app.run_worker(read_then_copy(), group="copy", exclusive=True, exit_on_error=False)


def _copy(app: IncidentApp, text: str) -> None:
    from incident_tui.ui.terminal_out import copy

    copy(app, text)
    app.notify(f"Copied {text}", title="Clipboard", markup=False, timeout=4)

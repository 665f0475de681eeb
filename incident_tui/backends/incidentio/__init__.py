"""incident.io: its public v2 API behind the Backend contract."""

from incident_tui.backends.incidentio.backend import SERVED, IncidentIoBackend

__all__ = ["SERVED", "IncidentIoBackend"]

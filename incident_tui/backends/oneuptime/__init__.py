"""OneUptime (``OneUptime/oneuptime``): its incident API behind the Backend contract."""

from incident_tui.backends.oneuptime.backend import SERVED, OneUptimeBackend

__all__ = ["SERVED", "OneUptimeBackend"]

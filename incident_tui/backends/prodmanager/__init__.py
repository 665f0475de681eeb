"""Prod Manager (``Lunik/prod-manager``): its REST API behind the Backend contract."""

from incident_tui.backends.prodmanager.backend import SERVED, ProdManagerBackend

__all__ = ["SERVED", "ProdManagerBackend"]

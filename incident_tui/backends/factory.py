"""Open the backend a context names: the local store, a Grafana RPC endpoint, Prod Manager
or incident.io or OneUptime.

The UI calls ``open_backend`` once at start (and on ``:ctx NAME``); heavy modules
(sqlite store, httpx) are imported only for the branch that needs them.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.config import TOKEN_SOURCES, Config, ConfigError, ContextConfig

if TYPE_CHECKING:
    from incident_tui.backends.httpclient import Timeouts


def open_backend(
    cfg: Config,
    context_name: str | None = None,
    db_override: Path | None = None,
    readonly: bool = False,
) -> Backend:
    """The backend for ``context_name`` (or the current context).

    ``db_override`` (``--db``) replaces a sqlite context's path; ``readonly`` adds to
    the context's own ``readonly``. Raises ``ConfigError`` with a message fit to print.
    """
    ctx = cfg.context(context_name)
    readonly = readonly or ctx.readonly
    if ctx.backend == "sqlite":
        from incident_tui.backends.sqlite import SqliteBackend

        user = cfg.user.resolved()
        path = Path(db_override).expanduser() if db_override else ctx.db_path()
        return SqliteBackend(
            path, user=m.UserPreview(user_id=user.id, name=user.name), readonly=readonly
        )
    if ctx.backend == "grafana":
        if db_override is not None:
            raise ConfigError(
                f"--db applies to local stores; context {ctx.name!r} is a remote ({ctx.url})"
            )
        from incident_tui.backends.credentials import token_source_for
        from incident_tui.backends.rpc import RpcBackend

        return RpcBackend(
            ctx.url,
            token_source_for(ctx),
            plugin=ctx.plugin,
            proxy=ctx.proxy or None,
            ca_bundle=ctx.ca_bundle_path() or None,
            readonly=readonly,
            name=ctx.name,
            timeouts=_timeouts(ctx),
        )
    if ctx.backend == "prodmanager":
        if db_override is not None:
            raise ConfigError(
                f"--db applies to local stores; context {ctx.name!r} is a remote ({ctx.url})"
            )
        from incident_tui.backends.credentials import token_source_for
        from incident_tui.backends.prodmanager import ProdManagerBackend

        has_token = any(getattr(ctx, key).strip() for key in TOKEN_SOURCES)
        return ProdManagerBackend(
            ctx.url,
            token_source_for(ctx) if has_token else None,
            scope=ctx.scope,
            service=ctx.service,
            timezone=_zone(ctx.timezone),
            proxy=ctx.proxy or None,
            ca_bundle=ctx.ca_bundle_path() or None,
            readonly=readonly,
            name=ctx.name,
            timeouts=_timeouts(ctx),
        )
    if ctx.backend == "incidentio":
        if db_override is not None:
            raise ConfigError(
                f"--db applies to local stores; context {ctx.name!r} is a remote ({ctx.url})"
            )
        from incident_tui.backends.credentials import token_source_for
        from incident_tui.backends.incidentio import IncidentIoBackend

        return IncidentIoBackend(
            ctx.url,
            token_source_for(ctx),
            proxy=ctx.proxy or None,
            ca_bundle=ctx.ca_bundle_path() or None,
            readonly=readonly,
            name=ctx.name,
            timeouts=_timeouts(ctx),
        )
    if ctx.backend == "oneuptime":
        if db_override is not None:
            raise ConfigError(
                f"--db applies to local stores; context {ctx.name!r} is a remote ({ctx.url})"
            )
        from incident_tui.backends.credentials import token_source_for
        from incident_tui.backends.oneuptime import OneUptimeBackend

        return OneUptimeBackend(
            ctx.url,
            token_source_for(ctx),
            ctx.project_id,
            proxy=ctx.proxy or None,
            ca_bundle=ctx.ca_bundle_path() or None,
            readonly=readonly,
            name=ctx.name,
            timeouts=_timeouts(ctx),
        )
    raise ConfigError(
        f"contexts.{ctx.name}.backend must be 'sqlite', 'grafana', 'prodmanager', "
        "'incidentio' or 'oneuptime'"
    )


def _timeouts(ctx: ContextConfig) -> Timeouts | None:
    """A remote context's ``timeout`` (seconds to wait for an answer; a call gives up at
    twice that), or None for the defaults."""
    from incident_tui.backends.httpclient import Timeouts

    wait = float(ctx.timeout)
    if wait <= 0:
        return None
    return Timeouts(
        connect=min(5.0, wait),
        read=wait,
        write=min(10.0, wait),
        pool=min(5.0, wait),
        deadline=2 * wait,
    )


def _zone(name: str) -> tzinfo | None:
    """The server's zone named in the context (None: this machine's)."""
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {name[:60]!r} is not a time zone name") from None

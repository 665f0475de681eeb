"""Open the backend a context names: the local store or a remote RPC endpoint.

The UI calls ``open_backend`` once at start (and on ``:ctx NAME``); heavy modules
(sqlite store, httpx) are imported only for the branch that needs them.
"""

from __future__ import annotations

from pathlib import Path

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.config import Config, ConfigError


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
        from incident_tui.backends.rpc import RpcBackend, Timeouts

        wait = float(ctx.timeout)
        timeouts = (
            Timeouts(
                connect=min(5.0, wait),
                read=wait,
                write=min(10.0, wait),
                pool=min(5.0, wait),
                deadline=2 * wait,
            )
            if wait > 0
            else None
        )
        return RpcBackend(
            ctx.url,
            token_source_for(ctx),
            plugin=ctx.plugin,
            proxy=ctx.proxy or None,
            ca_bundle=ctx.ca_bundle_path() or None,
            readonly=readonly,
            name=ctx.name,
            timeouts=timeouts,
        )
    raise ConfigError(f"contexts.{ctx.name}.backend must be 'sqlite' or 'grafana'")

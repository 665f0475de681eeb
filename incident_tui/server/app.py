"""``incident-tui serve``: any Backend exposed over the Grafana Incident JSON/HTTP RPC.

Routes come from ``base.METHODS`` under both plugin prefixes, with ``/openapi.json``
describing them. Every failure is a 4xx/5xx status AND a JSON object with a non-empty
``error`` (Grafana's Go client ignores the status when the body is JSON), never a
traceback, SQL, a file path or an exception's text: the log has the detail, the client
gets the kind. Requests are checked strictly (``validation``); slow and greedy clients
are held off by ``guard``; replies over ~1 KB are gzipped when the client accepts it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import signal
import socket
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

from isal import igzip
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from incident_tui import models as m
from incident_tui.backends.base import METHODS, Backend, Method, call
from incident_tui.config import KNOWN_PLUGINS
from incident_tui.errors import BackendError, NotFound, Unimplemented
from incident_tui.server import idempotency
from incident_tui.server.cache import ReadCache
from incident_tui.server.guard import Guard, Limits, describe, guarded_protocol
from incident_tui.server.idempotency import IdempotencyKeys
from incident_tui.server.tokens import TokenEntry, TokenStore
from incident_tui.server.validation import FieldRefused, parse_request

log = logging.getLogger("incident_tui.server")

MAX_BODY_BYTES = 1024 * 1024
PREFIX = "/api/plugins/{plugin}/resources/api/v1/{method}"
_JSON = "application/json"
#: On every authenticated answer: the token's scope, so a console with a read-only
#: token turns itself read-only before anyone types a change.
SCOPE_HEADER = "Incident-Token-Scope"
#: Replies at least this long are gzipped for a client that accepts it.
GZIP_MIN_BYTES = 1024
#: ISA-L's level 1 (``isal.igzip``): a 105 KB page of 50 becomes ~8 KB in ~40 us, where
#: zlib's level 1 takes ~160 us for the same size (and level 6 ~2 ms for ~7 KB).
GZIP_LEVEL = 1


def gzip_bytes(body: bytes) -> bytes:
    """``body`` as one gzip member (no timestamp: the same body, the same bytes)."""
    return igzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


#: Query-only store connections serving reads side by side (each on its own thread;
#: SQLite runs without the GIL, so a slow query does not stall the other clients).
STORE_READERS = 4
#: How long a thread may hold the GIL while another waits for it (Python's default is
#: 5 ms). A reader thread takes it back after every row SQLite steps; under load the event
#: loop would make it wait the whole interval each time (p99 183 ms at 5 ms, 98 ms at 0.5
#: ms on a 300-incident store, varied pages). Set for the server process only.
SWITCH_INTERVAL = 0.0005

#: What a client reads for a server-side failure, by error code (the log has the detail).
KIND_MESSAGES = {
    "unavailable": "the incident store is unavailable right now; try again shortly",
    "internal": "internal server error",
}
# An absolute file path (two segments or more) in a message meant for a client.
_PATH = re.compile(r"(?<![\w.~-])/(?:[\w.@%+~-]+/)+[\w.@%+~-]*")


def error_response(status: int, message: str, code: str, headers: dict[str, str] | None = None):
    """The one shape of every failure: status + ``{"error": ..., "code": ...}``."""
    body = json.dumps({"error": message or "error", "code": code})
    return Response(body, status_code=status, media_type=_JSON, headers=headers)


def public_message(exc: BackendError, method: str) -> str:
    """What a client may read of a backend failure.

    A server-side failure (5xx) becomes its kind only: its text may hold a file path,
    SQL or a driver's words, so it goes to the log. A refusal (4xx) keeps its words,
    less any file path.
    """
    if exc.status >= 500 and not isinstance(exc, Unimplemented):
        log.warning("%s failed (%s): %s", method, type(exc).__name__, exc)
        return KIND_MESSAGES.get(exc.code, KIND_MESSAGES["unavailable"])
    return _PATH.sub("(a file on the server)", str(exc)) or exc.code


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def json_reply(request: Request, body: bytes, packed: bytes | None = None) -> Response:
    """A 200 JSON reply, gzipped when it is worth it and the client accepts it."""
    if len(body) < GZIP_MIN_BYTES:
        return Response(body, media_type=_JSON)
    if not accepts_gzip(request):
        return Response(body, media_type=_JSON, headers={"Vary": "Accept-Encoding"})
    if packed is None:
        packed = gzip_bytes(body)
    return _gzipped_reply(packed)


def _gzipped_reply(packed: bytes) -> Response:
    return Response(
        packed,
        media_type=_JSON,
        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
    )


def _content_type_ok(value: str) -> bool:
    """``application/json``, with or without ``; charset=utf-8`` (Go adds it)."""
    media, *params = (part.strip().lower() for part in value.split(";"))
    if media != _JSON:
        return False
    for param in params:
        key, _, val = param.partition("=")
        if key.strip() == "charset" and val.strip().strip('"') not in ("utf-8", "utf8"):
            return False
    return True


class _Refusal(Exception):
    def __init__(self, status: int, message: str, code: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers


def _bearer(request: Request) -> bytes:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _Refusal(
            401, "missing bearer token (send Authorization: Bearer <token>)", "unauthenticated"
        )
    # Starlette decodes headers as latin-1: this round-trips the exact bytes sent.
    return value.strip().encode("latin-1")


@runtime_checkable
class EncodesReplies(Protocol):
    """A backend that can answer some methods with their reply's JSON bytes directly
    (the local store builds full incidents from rows, with no models in between)."""

    async def encoded_reply(
        self, method: str, request: m.Request, pack: Callable[[bytes], bytes] | None = None
    ) -> bytes | None:
        """The bytes ``to_json_bytes()`` of the method's reply would give (or ``pack`` of
        them, run where they were made); None when this method has no such path (the
        caller then calls it as usual)."""
        ...


class _Gzipper:
    """Gzips a reply worth it, on whichever thread calls it; says whether it did."""

    def __init__(self) -> None:
        self.packed = False

    def __call__(self, body: bytes) -> bytes:
        if len(body) < GZIP_MIN_BYTES:
            return body
        self.packed = True
        return gzip_bytes(body)


def _field_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "json_invalid":
        return "the body is not valid JSON"
    if first.get("type") in ("model_type", "model_attributes_type") and not loc:
        return "the body must be a JSON object"
    return f"invalid field {loc!r}: {msg}" if loc else f"invalid request: {msg}"


class RpcApp:
    """The request handler: auth, size cap, parse, dispatch, map errors, log."""

    def __init__(
        self,
        backend: Backend,
        tokens: TokenStore,
        *,
        max_body: int = MAX_BODY_BYTES,
        cache: ReadCache | None = None,
        max_in_flight: int = Limits.max_in_flight,
        guard: Guard | None = None,
        idempotency_keys: IdempotencyKeys | None = None,
    ) -> None:
        self.backend = backend
        #: Whether the backend (and so its per-user views) encodes some replies itself.
        self.encodes = isinstance(backend, EncodesReplies)
        self.tokens = tokens
        self.max_body = max_body
        self.cache = cache
        self.max_in_flight = max_in_flight
        self.guard = guard or Guard()
        self.in_flight = 0
        self.idempotency = idempotency_keys or IdempotencyKeys()
        self._views: dict[tuple[str, str], Backend] = {}
        # Gzipped cached replies, by the cache key and version they were made at.
        self._packed: OrderedDict[tuple[str, bytes, int], bytes] = OrderedDict()

    def backend_for(self, entry: TokenEntry) -> Backend:
        """The backend acting as the token's user (``as_user`` when it has one)."""
        if not self.backend.capabilities.acts_as_users:
            return self.backend
        key = (entry.user_id, entry.user_name)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self.backend.as_user(entry.user)
        return view

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise _Refusal(400, "bad Content-Length", "invalid_argument")
            if int(declared) > self.max_body:
                raise _Refusal(413, self._too_big(), "too_large")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _Refusal(413, self._too_big(), "too_large")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _reply(self, request: Request, entry: TokenEntry, row: Method, parsed: m.Request):
        """The reply, serialised once (and kept as is by the cache, gzipped form too)."""
        backend = self.backend_for(entry)

        async def compute(pack: _Gzipper | None = None) -> bytes:
            if self.encodes:
                # The views share the backend's class (checked once, in __init__: a
                # runtime Protocol check costs ~10 us a call).
                body = await cast(EncodesReplies, backend).encoded_reply(
                    row.backend_method, parsed, pack
                )
                if body is not None:
                    return body
            return (await call(backend, row, parsed)).to_json_bytes()

        if self.cache is None or not row.read_only or row.extension:
            if not self.encodes or not accepts_gzip(request):
                return json_reply(request, await compute())
            # Gzipped on the store's reading thread, not on the event loop.
            gzipper = _Gzipper()
            body = await compute(gzipper)
            if not gzipper.packed:
                return json_reply(request, body)
            return _gzipped_reply(body)
        version = (await self.backend.get_homescreen_version()).version
        key = (row.path, parsed.to_json_bytes())
        body = await self.cache.get_or_compute(key, version, compute)
        if len(body) < GZIP_MIN_BYTES or not accepts_gzip(request):
            return json_reply(request, body)
        packed_key = (*key, version)
        packed = self._packed.get(packed_key)
        if packed is None:
            packed = gzip_bytes(body)
            self._packed[packed_key] = packed
            while len(self._packed) > 64:
                self._packed.popitem(last=False)
        return json_reply(request, body, packed)

    async def _reply_once(
        self, request: Request, entry: TokenEntry, row: Method, parsed: m.Request, key: str
    ) -> Response:
        """A create under an ``Idempotency-Key``: written once, its first answer replayed."""
        remembered = await self.idempotency.reply(
            self.backend_for(entry), entry.user_id or entry.name, row, parsed, key
        )
        response = json_reply(request, remembered.response.to_json_bytes())
        if remembered.replayed:
            response.headers[idempotency.REPLAYED_HEADER] = "true"
        return response

    def _too_big(self) -> str:
        return f"the request body is over {self.max_body // 1024} KiB"

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        who = "-"
        name = request.path_params.get("method", "?")
        entry: TokenEntry | None = None
        self.in_flight += 1
        try:
            if self.in_flight > self.max_in_flight:
                self.guard.note("request (server busy)", _client(request))
                raise _Refusal(
                    503,
                    "the server is busy; try again",
                    "unavailable",
                    headers={"Retry-After": str(self.guard.limits.retry_after)},
                )
            row = self._route(request)
            entry = self.tokens.lookup(_bearer(request))
            if entry is None:
                raise _Refusal(401, "unknown or revoked token", "unauthenticated")
            who = entry.name
            if not row.read_only and not entry.can_edit:
                raise _Refusal(
                    403,
                    f"token {entry.name!r} has scope 'read'; {row.name} needs scope 'edit'",
                    "permission_denied",
                )
            body = await self._body(request)
            ctype = request.headers.get("content-type")
            if (body.strip() or ctype is not None) and not _content_type_ok(ctype or ""):
                raise _Refusal(
                    415,
                    "send the body as JSON (Content-Type: application/json)",
                    "invalid_argument",
                )
            try:
                parsed = parse_request(row.request, body)
            except FieldRefused as exc:
                raise _Refusal(400, str(exc), "invalid_argument") from None
            except ValidationError as exc:  # a check the strict pass does not make
                raise _Refusal(400, _field_error(exc), "invalid_argument") from None
            key = request.headers.get(idempotency.HEADER)
            if key is not None and row.creates:
                response = await self._reply_once(request, entry, row, parsed, key)
            else:
                response = await self._reply(request, entry, row, parsed)
        except _Refusal as refusal:
            response = error_response(
                refusal.status, refusal.message, refusal.code, refusal.headers
            )
        except BackendError as exc:
            headers = {"Retry-After": "1"} if exc.status == 503 else None
            response = error_response(exc.status, public_message(exc, name), exc.code, headers)
        except ClientDisconnect:
            response = error_response(400, "client went away", "invalid_argument")
        except OSError as exc:
            log.error("storage failure in %s: %s", name, type(exc).__name__)
            response = error_response(503, "the store is unavailable; try again", "unavailable")
        except Exception:
            log.exception("internal error in %s", name)
            response = error_response(500, "internal server error", "internal")
        finally:
            self.in_flight -= 1
        if entry is not None:
            response.headers[SCOPE_HEADER] = entry.scope
        log.info(
            "%s %s %s %d %.1fms",
            _client(request),
            who,
            name,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    def _route(self, request: Request) -> Method:
        plugin = request.path_params.get("plugin", "")
        row = METHODS.get(request.path_params.get("method", ""))
        if plugin not in KNOWN_PLUGINS or row is None:
            raise _Refusal(404, "unknown method", "unknown_method")
        if request.method != "POST":
            raise _Refusal(
                405, f"{row.path} takes POST", "method_not_allowed", headers={"Allow": "POST"}
            )
        return row


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        return error_response(405, "use POST", "method_not_allowed", {"Allow": "POST"})
    if status == 404:
        return error_response(404, "not found", "unknown_method")
    return error_response(status, "request refused", "invalid_argument")


async def _internal(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s", type(exc).__name__)
    return error_response(500, "internal server error", "internal")


async def _openapi(request: Request) -> Response:
    """``GET /openapi.json`` (no token needed: it holds no data)."""
    from incident_tui.server.openapi import openapi_bytes

    plugin = request.path_params.get("plugin")
    if plugin is not None and plugin not in KNOWN_PLUGINS:
        return error_response(404, "not found", "unknown_method")
    if request.method not in ("GET", "HEAD"):
        return error_response(405, "use GET", "method_not_allowed", {"Allow": "GET"})
    return json_reply(request, openapi_bytes(plugin))


def build_app(
    backend: Backend,
    tokens: TokenStore,
    *,
    max_body: int = MAX_BODY_BYTES,
    cache: bool = True,
    guard: Guard | None = None,
    idempotency_keys: IdempotencyKeys | None = None,
) -> Starlette:
    """A Starlette app serving ``backend`` under both plugin prefixes.

    ``cache``: keep read replies while the backend's change version holds (only
    when the backend has versions). ``guard``: the limits and counters shared with
    the server's connections (``make_server``); one is made when not given.
    ``idempotency_keys``: how creates carrying an ``Idempotency-Key`` are remembered
    (the backend's store when it can).
    """
    use_cache = cache and backend.capabilities.versions
    guard = guard or Guard()
    handler = RpcApp(
        backend,
        tokens,
        max_body=max_body,
        cache=ReadCache() if use_cache else None,
        max_in_flight=guard.limits.max_in_flight,
        guard=guard,
        idempotency_keys=idempotency_keys,
    )
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app = Starlette(
        routes=[
            Route("/openapi.json", _openapi, methods=methods),
            Route(PREFIX.replace("{method}", "openapi.json"), _openapi, methods=methods),
            Route(PREFIX, handler.handle, methods=methods),
        ],
        exception_handlers={HTTPException: _not_found, Exception: _internal},
    )
    app.state.rpc = handler
    app.state.guard = guard
    return app


# --- running it ------------------------------------------------------------------


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before starting uvicorn, so ``--port 0`` can print the port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # without it, replies written in two parts wait ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def make_server(app: Starlette, *, log_level: str = "warning") -> Any:
    """A uvicorn Server that leaves signal handling to us (so the store closes cleanly),
    with the guarded protocol (deadlines, per-address cap, JSON refusals)."""
    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    guard = getattr(app.state, "guard", None) or Guard()
    config = uvicorn.Config(
        app,
        http=guarded_protocol(guard),
        log_level=log_level,
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=5,
        # No limit_concurrency: uvicorn would answer overload in plain text; the guard
        # and RpcApp refuse in JSON instead.
        timeout_keep_alive=30,
    )
    return _Server(config)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve_command(args: argparse.Namespace) -> int:
    """``incident-tui serve``: serve the local store until SIGINT/SIGTERM."""
    from incident_tui.config import ConfigError, load_config
    from incident_tui.server.tokens import default_tokens_path

    cfg = load_config()
    db: Path = args.serve_db or _local_db(cfg)
    tokens_path: Path = (args.tokens or default_tokens_path()).expanduser()
    tokens = TokenStore.load(tokens_path)
    if not tokens.entries:
        print(
            f"incident-tui: no tokens in {tokens_path}; nobody could connect.\n"
            "  Create one first: incident-tui token add NAME --scope edit",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be from 0 to 65535 (0 picks a free one); got {args.port}")
    try:
        sock = bind_socket(args.host, args.port)
    except (OSError, OverflowError, ValueError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not an address this machine can listen on"
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    return run_server(serve_store(db, tokens, sock, tokens_path))


def run_server(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)`` on uvloop's event loop: libuv's loop and transports cost the
    loop thread less per request than asyncio's own (the thread every request crosses)."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _local_db(cfg: Any) -> Path:
    from incident_tui.config import default_db_path

    ctx = cfg.contexts.get("local")
    return ctx.db_path() if ctx is not None and ctx.backend == "sqlite" else default_db_path()


async def serve_store(
    db: Path, tokens: TokenStore, sock: socket.socket, tokens_path: Path, *, cache: bool = True
) -> int:
    """Serve the SqliteBackend at ``db`` on ``sock`` until SIGINT/SIGTERM; 0 when stopped."""
    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.backends.sqlite.store import memory_statistics_off

    # Before any connection opens: the readers then allocate without a shared mutex.
    if not memory_statistics_off():
        log.info("SQLite's memory statistics stay on (SQLite is in use already)")
    try:
        backend = await SqliteBackend.open(db, readers=STORE_READERS)
    except BackendError as exc:  # newer store, not a database, folder not creatable...
        print(f"incident-tui: {exc}", file=sys.stderr)
        sock.close()
        return 2
    sys.setswitchinterval(SWITCH_INTERVAL)
    guard = Guard(Limits(max_connections=connection_cap()))
    server = make_server(build_app(backend, tokens, cache=cache, guard=guard))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _stop, server)
    url = url_of(sock)
    host = sock.getsockname()[0]
    print(f"serving {db} at {url}", file=sys.stderr)
    print(f"  tokens: {tokens_path} ({len(tokens.entries)} active)", file=sys.stderr)
    print(f'  client context: backend = "grafana", url = "{url}"', file=sys.stderr)
    print(f"  schema: {url}/openapi.json", file=sys.stderr)
    shown = ", ".join(f"{key} {value}" for key, value in describe(guard.limits).items())
    print(f"  limits: {shown}", file=sys.stderr)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(
            "  warning: listening beyond this machine over plain http; tokens would cross the"
            " network in clear. Prefer 127.0.0.1 plus an SSH tunnel or a TLS proxy.",
            file=sys.stderr,
        )
    print(url, flush=True)
    try:
        await server.serve(sockets=[sock])
    finally:
        await backend.close()
        sock.close()
    print("stopped", file=sys.stderr)
    return 0


def connection_cap(default: int = Limits.max_connections) -> int:
    """Open connections allowed in all: the default, or fewer when the process may open
    fewer files (``ulimit -n`` is often 1 024), keeping some for the store and the log."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return default
    if soft == resource.RLIM_INFINITY:
        return default
    return max(16, min(default, soft - 64))


def _stop(server: Any) -> None:
    if server.should_exit:
        server.force_exit = True
    server.should_exit = True


__all__ = ["build_app", "serve_command", "make_server", "bind_socket", "RpcApp", "NotFound"]

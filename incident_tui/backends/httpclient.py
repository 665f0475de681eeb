"""What every HTTP backend shares: url checks, timeouts, one retry loop, capped reads and
short sanitized error text.

The Grafana RPC client and the Prod Manager client both build on it, so a timeout, a
refused connection, an HTML error page or a flood of bytes reads the same to a person
whichever system is behind the context, and the token is guarded the same way: never
over plain http except to this machine, never in a message, never chained into a
traceback (every error is raised outside the handler that caught httpx's).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import random
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from incident_tui.backends.credentials import Secret, StaticToken, TokenSource
from incident_tui.config import ConfigError
from incident_tui.errors import (
    BackendError,
    Conflict,
    Indeterminate,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
    Unreachable,
)
from incident_tui.text import short_message

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MESSAGE_LIMIT = 200
USER_AGENT = "incident-tui"

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a call tries. Reads retry; writes retry only if nothing was sent."""

    attempts: int = 4  # the first try plus at most 3 retries
    base_delay: float = 0.2
    max_delay: float = 4.0
    #: A Retry-After longer than this is not waited for: the call fails at once.
    max_retry_after: float = 10.0


@dataclass(frozen=True)
class Timeouts:
    """httpx's timeouts measure inactivity; ``deadline`` bounds the whole call."""

    connect: float = 5.0
    read: float = 15.0
    write: float = 10.0
    pool: float = 5.0
    deadline: float = 30.0


def short_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Server text made fit for a person: cleaned, one line, at most ``limit`` characters."""
    return short_message(text, limit)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_url(url: str) -> tuple[str, bool]:
    """``(base url without trailing slash, is_loopback)``; refuses anything not http(s)."""
    raw = url.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the url {short_text(raw, 80)!r} must look like https://host[:port]")
    if parts.username or parts.password:
        raise ConfigError("put the token in token_env/token_file/token_command, not in the url")
    if parts.query or parts.fragment:
        raise ConfigError("the url must not have a query or a fragment")
    return raw.rstrip("/"), is_loopback(parts.hostname)


def refuse_plain_http(url: str, loopback: bool) -> None:
    """A token never crosses the network in clear: plain http only to this machine."""
    if url.startswith("http://") and not loopback:
        raise ConfigError(
            f"refusing to send a token over plain http to {urlsplit(url).hostname};"
            " use https (plain http is allowed only to localhost)"
        )


def ssl_context_for(ca_bundle: str | None) -> ssl.SSLContext | None:
    """A verifying context trusting ``ca_bundle`` (None: the system's and SSL_CERT_FILE)."""
    if not ca_bundle:
        return None
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or "not a PEM certificate bundle"
        raise ConfigError(f"cannot use ca_bundle {ca_bundle}: {reason}") from None


async def close_client(client: httpx.AsyncClient | None) -> None:
    """Close a client made by ``make_client``, if any; closing never raises."""
    if client is None:
        return
    try:
        await client.aclose()
    except (RuntimeError, OSError):  # e.g. closed from another event loop at exit
        pass


def make_client(
    timeouts: Timeouts,
    *,
    ssl_context: ssl.SSLContext | None = None,
    proxy: str | None = None,
    transport: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The one long-lived client of a backend: TLS verified, no redirects followed."""
    import httpx

    t = timeouts
    kwargs: dict[str, Any] = {
        "timeout": httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
        "verify": ssl_context or True,
        "trust_env": True,  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE
        "follow_redirects": False,
        # gzip only: a page of 50 incidents is ~140 KB of JSON and ~15 KB gzipped.
        "headers": {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            **(headers or {}),
        },
        "limits": httpx.Limits(max_connections=16, max_keepalive_connections=8),
    }
    if proxy:
        kwargs["proxy"] = proxy
    if transport is not None:
        kwargs["transport"] = transport
    return httpx.AsyncClient(**kwargs)


class Attempt(Exception):
    """One failed attempt: the error to raise, and whether it may be retried."""

    def __init__(self, error: BackendError, *, retry: bool, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry = retry
        self.wait = wait


async def with_retries(
    send_once: Callable[[], Awaitable[T]], policy: RetryPolicy, deadline: float
) -> T:
    """``send_once()`` until it succeeds, an ``Attempt`` says not to retry, or time runs out.

    Delays are jittered exponential backoff, or the server's Retry-After when it sent one.
    """
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + deadline
    for attempt in range(policy.attempts):
        try:
            return await send_once()
        except Attempt as exc:
            failed = exc
        # Decided outside the handler, so the error raised carries no __context__ that
        # leads back to httpx's exception, its request and the Authorization header.
        error, retry, delay = failed.error, failed.retry, failed.wait
        del failed
        last = attempt == policy.attempts - 1
        if not retry or last or (delay is not None and delay > policy.max_retry_after):
            raise error
        if delay is None:
            cap = min(policy.max_delay, policy.base_delay * (2**attempt))
            delay = random.uniform(cap / 2, cap)
        if loop.time() + delay >= give_up_at:
            raise error
        await asyncio.sleep(delay)
    raise Unavailable("gave up")  # pragma: no cover - the loop always returns or raises


def transport_failure(exc: Exception, *, what: str, host: str, resend_ok: bool) -> Attempt:
    """The ``Attempt`` an httpx exception means (call it inside ``except``, raise it ``from
    None``). Nothing sent: ``Unreachable``, retried unless the certificate is bad. Maybe
    sent: ``Indeterminate``, retried only when ``resend_ok`` (a read)."""
    import httpx

    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        reason = network_reason(exc)
        return Attempt(
            Unreachable(f"cannot reach {host}: {reason}"),
            retry="certificate" not in reason,
        )
    if isinstance(exc, httpx.TimeoutException):
        return Attempt(
            Indeterminate(f"{what}: {host} stopped answering (timeout)"), retry=resend_ok
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Attempt(Unreachable("unsupported url scheme"), retry=False)
    if isinstance(exc, httpx.ProxyError):
        return Attempt(
            Unreachable(f"the proxy refused the connection: {short_text(str(exc), 120)}"),
            retry=False,
        )
    if isinstance(exc, httpx.TransportError | httpx.DecodingError):
        return Attempt(
            Indeterminate(f"{what}: connection to {host} failed: {network_reason(exc)}"),
            retry=resend_ok,
        )
    # Anything else httpx raises: never let its frames out.
    return Attempt(Unavailable(f"{what}: request failed ({type(exc).__name__})"), retry=False)


async def read_capped(response: httpx.Response, limit: int, what: str) -> bytes:
    """The body, refused (not retried) past ``limit`` bytes, declared or streamed."""
    declared = response.headers.get("content-length")
    too_big = Unavailable(
        f"{what}: the answer is larger than {limit // (1024 * 1024)} MiB; refused"
    )
    if declared and declared.isdigit() and int(declared) > limit:
        raise Attempt(too_big, retry=False)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise Attempt(too_big, retry=False)
        chunks.append(chunk)
    return b"".join(chunks)


def retryable_status(status: int) -> bool:
    """Statuses worth asking again for a read: rate limited or a server-side failure."""
    return status == 429 or status in (500, 502, 503, 504)


def network_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "the TLS certificate is not trusted (set ca_bundle or SSL_CERT_FILE)"
    return short_text(text, 120) or type(exc).__name__


def first_problem(exc: ValidationError) -> str:
    """The first thing pydantic found wrong, as ``where: what`` (never the input value)."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return "invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return short_text(f"{where}: {first.get('msg', '')}" if where else first.get("msg", ""), 120)


def looks_like_html(data: bytes, ctype: str) -> bool:
    return "html" in ctype.lower() or data[:1024].lstrip()[:1] == b"<"


def html_summary(data: bytes) -> str:
    """``an HTML page (its title)``: what a proxy's or a login page's answer was."""
    raw = data[:65536].decode("utf-8", "replace")
    title = _HTML_TITLE.search(raw)
    label = short_text(re.sub(r"<[^>]*>", "", title.group(1)), 80) if title else ""
    return f"an HTML page ({label})" if label else "an HTML page"


def server_text(data: bytes, ctype: str) -> tuple[str, str, bool]:
    """(the server's words, its error code, whether they came as a JSON error), sanitized."""
    raw = data[:65536].decode("utf-8", "replace")
    stripped = raw.lstrip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            for key in ("error", "message", "msg"):
                value = obj.get(key)
                if isinstance(value, str) and value.strip():
                    code = obj.get("code")
                    return short_text(value), code if isinstance(code, str) else "", True
            return "", "", False
    if looks_like_html(data, ctype):
        return html_summary(data), "", False
    return short_text(raw), "", False


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


# --- the clients of other systems' APIs ------------------------------------------------

M = TypeVar("M", bound="BaseModel")


@dataclass
class Answer:
    """One HTTP answer, read whole (capped)."""

    status: int
    headers: httpx.Headers
    data: bytes


@dataclass
class Call:
    """One Backend call: its name for messages, and whether a write may have left."""

    what: str
    write_sent: bool = False


#: The catalog of a foreign system (its severities, statuses, roles...) kept this long.
CATALOG_TTL = 300.0

C = TypeVar("C")


def token_source(token: TokenSource | Secret | str) -> TokenSource:
    """A context's token as a source (a literal string or secret becomes a static one)."""
    return token if not isinstance(token, str | Secret) else StaticToken(token, "the token")


def common_status_error(system: str, what: str, status: int, shown: str, url: str) -> BackendError:
    """What an HTTP status means, past each system's own words for 401, 403 and a known
    missing thing: ``shown`` is the server's text with the status."""
    if status == 404:
        return NotFound(f"{what}: {shown}; check the url ({url})")
    if status == 409:
        return Conflict(shown)
    if status == 429:
        return Unavailable(f"{system} is rate limiting requests: {shown}")
    if 300 <= status < 400:
        return Unavailable(f"{system} redirects ({shown}); check the url")
    if 400 <= status < 500:
        return InvalidArgument(f"{system} refused the request: {shown}")
    return Unavailable(f"{system} server error: {shown}")


def check_limit(value: int, default: int, most: int) -> int:
    """A page size as asked: 0 is ``default``, more than ``most`` is ``most``."""
    if value < 0:
        raise InvalidArgument("limit must not be negative")
    return default if value == 0 else min(value, most)


class HttpSettings(TypedDict, total=False):
    """The keyword arguments every foreign client takes from its context for HTTP."""

    proxy: str | None
    ca_bundle: str | None
    readonly: bool
    timeouts: Timeouts | None
    retry: RetryPolicy | None
    max_response_bytes: int
    transport: Any
    now: Callable[[], datetime] | None


class ForeignApi(Generic[C]):
    """What the clients of other systems' APIs (Prod Manager, incident.io, OneUptime) share:
    their HTTP settings, the lazily made HTTP client and its closing, the overall deadline
    of a call (``Indeterminate`` once a write may have left), one request with retries and
    the error each status means, the system's catalog read at most every few minutes, and
    reading an answer into a model with one clear message when it is HTML or the wrong
    shape. ``system`` names the system in those messages; ``C`` is its catalog."""

    system: str
    root: str
    name: str
    readonly: bool
    _closed: bool
    _client: httpx.AsyncClient | None
    _timeouts: Timeouts
    _retry: RetryPolicy
    _max_bytes: int
    _ssl_context: ssl.SSLContext | None
    _proxy: str | None
    _transport: httpx.AsyncBaseTransport | None
    _now: Callable[[], datetime]
    _catalog: C | None
    _catalog_at: float
    _catalog_lock: asyncio.Lock | None

    def _init_http(self, root: str, name: str, http: HttpSettings) -> None:
        """The settings every foreign client takes from its context."""
        self.root = root
        self.name = name
        self.readonly = http.get("readonly", False)
        self._ssl_context = ssl_context_for(http.get("ca_bundle"))
        self._proxy = http.get("proxy") or None
        self._timeouts = http.get("timeouts") or Timeouts()
        self._retry = http.get("retry") or RetryPolicy()
        self._max_bytes = http.get("max_response_bytes", MAX_RESPONSE_BYTES)
        self._transport = http.get("transport")
        self._now = http.get("now") or (lambda: datetime.now(UTC))
        self._client = None
        self._closed = False
        self._catalog = None
        self._catalog_at = 0.0
        self._catalog_lock = None

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        await close_client(client)

    def _check_writable(self, backend_method: str) -> None:
        capabilities = self.capabilities  # type: ignore[attr-defined]
        if not capabilities.serves(backend_method):
            raise PermissionDenied(capabilities.missing(backend_method))

    async def _cached_catalog(self, refresh: bool, read: Callable[[], Awaitable[C]]) -> C:
        """The catalog, read by ``read()`` when missing, older than ``CATALOG_TTL`` or
        ``refresh`` is asked; one read at a time."""
        if self._catalog_lock is None:
            self._catalog_lock = asyncio.Lock()
        async with self._catalog_lock:
            fresh = time.monotonic() - self._catalog_at < CATALOG_TTL
            if self._catalog is not None and fresh and not refresh:
                return self._catalog
            self._catalog = await read()
            self._catalog_at = time.monotonic()
            return self._catalog

    # --- one request ---------------------------------------------------------------------

    async def _headers(self) -> dict[str, str]:
        """The headers that carry the credentials (read again for every attempt)."""
        return {}

    def _forget_token(self) -> None:
        """The credentials were refused (401): read them again next time."""

    def _error_for(
        self, call: Call, status: int, data: bytes, headers: httpx.Headers, missing: str | None
    ) -> BackendError:
        raise NotImplementedError

    async def _send(
        self,
        call: Call,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        write: bool = False,
        resend: bool = False,
        redirect_ok: bool = False,
        missing: str | None = None,
    ) -> Answer:
        """One request, retried when that is safe: reads always, a ``write`` only when it
        may be ``resend`` (the system makes a repeat harmless) or it never left. Any
        non-success raises the error it means (``redirect_ok``: a write's 3xx is success)."""

        async def once() -> Answer:
            import httpx

            headers = await self._headers()
            if content_type is not None:
                headers["Content-Type"] = content_type
            sent_before = call.write_sent  # an earlier attempt or write of this call
            try:
                if write:
                    call.write_sent = True
                async with self.client.stream(
                    method, url, params=tuple(params or ()), content=content, headers=headers
                ) as response:
                    status = response.status_code
                    data = await read_capped(response, self._max_bytes, call.what)
                    got = response.headers
            except Attempt:
                raise
            except httpx.HTTPError as exc:
                failure = transport_failure(
                    exc, what=call.what, host=self._host(), resend_ok=resend or not write
                )
                if failure.error.code == "unreachable":
                    call.write_sent = sent_before  # this one never left; an earlier one may have
                    if sent_before:
                        failure = Attempt(
                            Indeterminate(
                                f"{failure.error.message}; an earlier attempt may have made"
                                " the change"
                            ),
                            retry=failure.retry,
                            wait=failure.wait,
                        )
                raise failure from None
            if status < 300 or (redirect_ok and write and status < 400):
                return Answer(status, got, data)
            error = self._error_for(call, status, data, got, missing)
            if status == 401:
                self._forget_token()
            retry = (resend or not write) and retryable_status(status)
            wait = retry_after(got.get("retry-after")) if status in (429, 503) else None
            raise Attempt(error, retry=retry, wait=wait)

        return await with_retries(once, self._retry, self._timeouts.deadline)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._closed:
            raise Unavailable("this connection is closed")
        if self._client is None:
            self._client = make_client(
                self._timeouts,
                ssl_context=self._ssl_context,
                proxy=self._proxy,
                transport=self._transport,
            )
        return self._client

    def _host(self) -> str:
        return urlsplit(self.root).netloc

    @asynccontextmanager
    async def _deadline(self, what: str) -> AsyncIterator[Call]:
        """Bound a whole call (every request it makes) by the overall deadline."""
        call = Call(what)
        try:
            async with asyncio.timeout(self._timeouts.deadline):
                yield call
            return
        except TimeoutError:
            pass  # raised below, outside the handler: nothing chains back to httpx
        seconds = f"{self._timeouts.deadline:g} s"
        if call.write_sent:
            raise Indeterminate(
                f"{what}: no answer from {self._host()} within {seconds}; the change may have"
                " been made: look before trying again"
            )
        raise Unavailable(f"{what}: no answer from {self._host()} within {seconds}")

    def _parse(self, call: Call, answer: Answer, model: type[M], what: str) -> M:
        ctype = answer.headers.get("content-type", "")
        if looks_like_html(answer.data, ctype):
            raise Unavailable(
                f"{call.what}: {self._host()} answered with {html_summary(answer.data)},"
                f" not {self.system}'s API; check the url"
            )
        try:
            return model.model_validate_json(answer.data or b"null")
        except ValidationError as exc:
            problem = first_problem(exc)
        raise Unavailable(
            f"{call.what}: {self._host()} sent an answer that is not a {self.system} {what}"
            f" ({problem})"
        )

"""RpcBackend: the Backend contract over Grafana Incident's JSON/HTTP RPC.

Every method of the table goes through ``dispatch``: one POST to
``{url}/api/plugins/{plugin}/resources/api/v1/{Service}.{Method}`` with the
request model as JSON, the response parsed with the response model. Failures of
any kind (HTTP status, ``error`` field, network, timeout, oversize, garbage) come
out as the Backend exceptions with a short, sanitized message.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import random
import re
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from incident_tui import models as m
from incident_tui.backends.base import ALL_METHODS, METHODS, Backend, Capabilities, Method
from incident_tui.backends.credentials import Secret, StaticToken, TokenSource
from incident_tui.config import DEFAULT_PLUGIN, KNOWN_PLUGINS, ConfigError
from incident_tui.errors import (
    BackendError,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from incident_tui.text import short_message

if TYPE_CHECKING:
    import httpx

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MESSAGE_LIMIT = 200
USER_AGENT = "incident-tui"

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


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


def _is_loopback(host: str) -> bool:
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
    return raw.rstrip("/"), _is_loopback(parts.hostname)


class _Attempt(Exception):
    """One failed attempt: the error to raise, and whether it may be retried."""

    def __init__(self, error: BackendError, *, retry: bool, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry = retry
        self.wait = wait


class RpcBackend(Backend):
    """A Backend that talks to a Grafana Incident compatible endpoint over HTTPS.

    One long-lived ``httpx.AsyncClient``, created on first use. The token is read
    from its source on first use and kept in a ``Secret``.
    """

    def __init__(
        self,
        url: str,
        token: TokenSource | Secret | str,
        *,
        plugin: str = DEFAULT_PLUGIN,
        proxy: str | None = None,
        ca_bundle: str | None = None,
        readonly: bool = False,
        name: str = "grafana",
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        transport: Any = None,
    ) -> None:
        self.url, loopback = normalise_url(url)
        if self.url.startswith("http://") and not loopback:
            raise ConfigError(
                f"refusing to send a token over plain http to {urlsplit(self.url).hostname};"
                " use https (plain http is allowed only to localhost)"
            )
        plugin = (plugin or DEFAULT_PLUGIN).strip().strip("/")
        if not re.fullmatch(r"[a-z0-9][a-z0-9\-]*", plugin):
            raise ConfigError(f"plugin must be a plugin id such as {' or '.join(KNOWN_PLUGINS)}")
        self.plugin = plugin
        self.prefix = f"{self.url}/api/plugins/{plugin}/resources/api/v1/"
        self.name = name
        self.readonly = readonly
        self._token: TokenSource = (
            token if not isinstance(token, str | Secret) else StaticToken(token, "the token")
        )
        self._proxy = proxy or None
        self._ssl_context: ssl.SSLContext | None = None
        if ca_bundle:
            try:
                self._ssl_context = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                reason = getattr(exc, "strerror", None) or "not a PEM certificate bundle"
                raise ConfigError(f"cannot use ca_bundle {ca_bundle}: {reason}") from None
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._max_bytes = max_response_bytes
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._versions: bool = True
        # Methods beyond the reference that this remote answered "unknown method" to.
        self._unserved: set[str] = set()
        self._fallback_version = 0
        self._closed = False

    def __repr__(self) -> str:
        return f"RpcBackend({self.url!r}, plugin={self.plugin!r}, token={self._token!r})"

    # --- the Backend face ------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        capabilities = Capabilities(
            name=self.name,
            system="Grafana Incident",
            methods=ALL_METHODS - self._unserved,
            versions=self._versions,
            extra={"url": self.url, "plugin": self.plugin},
        )
        return capabilities.restricted_to_reads() if self.readonly else capabilities

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.aclose()
            except (RuntimeError, OSError):  # e.g. closed from another event loop at exit
                pass

    # --- plumbing -----------------------------------------------------------------

    def _make_client(self) -> httpx.AsyncClient:
        import httpx

        verify: ssl.SSLContext | bool = self._ssl_context or True
        t = self._timeouts
        kwargs: dict[str, Any] = {
            "timeout": httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
            "verify": verify,
            "trust_env": True,  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE
            "follow_redirects": False,
            # gzip only: a page of 50 incidents is ~140 KB of JSON and ~15 KB gzipped.
            "headers": {
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
            },
            "limits": httpx.Limits(max_connections=16, max_keepalive_connections=8),
        }
        if self._proxy:
            kwargs["proxy"] = self._proxy
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return httpx.AsyncClient(**kwargs)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._closed:
            raise Unavailable("this connection is closed")
        if self._client is None:
            self._client = self._make_client()
        return self._client

    async def dispatch(self, method: Method, request: m.Request) -> m.Response:
        """Send one request through the table row ``method``; return its parsed response."""
        if not isinstance(request, method.request):
            raise InvalidArgument(f"{method.path} takes a {method.request.__name__}")
        if self.readonly and not method.read_only:
            raise PermissionDenied("this context is read-only; changes are disabled")
        if method.extension and not self._versions:
            return self._no_versions(method)
        if method.backend_method in self._unserved:
            raise Unimplemented(self.capabilities.missing(method.backend_method))
        body = request.to_json_bytes()
        try:
            async with asyncio.timeout(self._timeouts.deadline):
                return await self._send_with_retries(method, body)
        except TimeoutError:
            pass  # raised below, outside the handler: nothing chains back to httpx
        except _VersionsMissing:
            self._versions = False
            return self._no_versions(method)
        except _MethodMissing:
            self._unserved.add(method.backend_method)
            raise Unimplemented(self.capabilities.missing(method.backend_method)) from None
        raise Unavailable(
            f"{method.name}: no answer from {self._host()} within {self._timeouts.deadline:g} s"
        )

    def _no_versions(self, method: Method) -> m.Response:
        # Without versions, report "changed" on every poll so nothing is missed.
        self._fallback_version += 1
        return method.response.model_validate({"version": self._fallback_version})

    def _host(self) -> str:
        return urlsplit(self.url).netloc

    async def _send_with_retries(self, method: Method, body: bytes) -> m.Response:
        policy = self._retry
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._timeouts.deadline
        for attempt in range(policy.attempts):
            try:
                return await self._send_once(method, body)
            except _Attempt as exc:
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
        raise Unavailable(f"{method.name}: gave up")  # pragma: no cover - loop always returns

    async def _send_once(self, method: Method, body: bytes) -> m.Response:
        import httpx

        token = await self._token.get()
        # Safe to resend when nothing reached the server (no connection), or for reads.
        resend_ok = method.read_only
        try:
            async with self.client.stream(
                "POST",
                self.prefix + method.path,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": "Bearer " + token.reveal(),
                },
            ) as response:
                status = response.status_code
                data = await self._read_capped(response, method)
                headers = response.headers
        except _Attempt:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            reason = _network_reason(exc)
            raise _Attempt(
                Unavailable(f"cannot reach {self._host()}: {reason}"),
                retry="certificate" not in reason,  # nothing sent; but a bad cert stays bad
            ) from None
        except httpx.TimeoutException:
            raise _Attempt(
                Unavailable(f"{method.name}: {self._host()} stopped answering (timeout)"),
                retry=resend_ok,
            ) from None
        except httpx.UnsupportedProtocol:
            raise _Attempt(Unavailable("unsupported url scheme"), retry=False) from None
        except httpx.ProxyError as exc:
            raise _Attempt(
                Unavailable(f"the proxy refused the connection: {short_text(str(exc), 120)}"),
                retry=False,
            ) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Attempt(
                Unavailable(
                    f"{method.name}: connection to {self._host()} failed: {_network_reason(exc)}"
                ),
                retry=resend_ok,
            ) from None
        except httpx.HTTPError as exc:  # anything else httpx raises: never let its frames out
            raise _Attempt(
                Unavailable(f"{method.name}: request failed ({type(exc).__name__})"), retry=False
            ) from None

        if 200 <= status < 300:
            return self._parse_success(method, data)
        error = self._error_for(method, status, data, headers.get("content-type", ""))
        if status == 401:
            self._token.forget()
        retryable = resend_ok and (status == 429 or status in (500, 502, 503, 504))
        wait = _retry_after(headers.get("retry-after")) if status in (429, 503) else None
        raise _Attempt(error, retry=retryable, wait=wait)

    async def _read_capped(self, response: httpx.Response, method: Method) -> bytes:
        declared = response.headers.get("content-length")
        too_big = Unavailable(
            f"{method.name}: the answer is larger than {self._max_bytes // (1024 * 1024)} MiB;"
            " refused"
        )
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise _Attempt(too_big, retry=False)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise _Attempt(too_big, retry=False)
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse_success(self, method: Method, data: bytes) -> m.Response:
        try:
            parsed = method.response.model_validate_json(data or b"{}")
        except ValidationError as exc:
            raise _Attempt(
                Unavailable(
                    f"{method.name}: {self._host()} sent an answer that is not a valid"
                    f" {method.name} reply ({_first_problem(exc)})"
                ),
                retry=False,
            ) from None
        if parsed.error:
            # A 2xx with an error: Grafana's way of failing for some handlers.
            raise _Attempt(error_from_text(short_text(parsed.error)), retry=False)
        return parsed

    def _error_for(self, method: Method, status: int, data: bytes, ctype: str) -> BackendError:
        text, code, from_json = _server_text(data, ctype)
        if method.extension and status in (404, 405, 501) and code != "not_found":
            raise _VersionsMissing()
        if method.beyond_reference and status in (404, 405, 501) and code != "not_found":
            raise _MethodMissing()
        shown = f"{text} (HTTP {status})" if text else f"HTTP {status}"
        if status == 401:
            return Unauthenticated(
                f"the server refused the token from {self._token.describe()}: {shown}"
            )
        if status == 403:
            return PermissionDenied(
                f"permission denied: {shown}. The token's role may be too low"
                " (changing incidents needs an Editor service account token)"
            )
        if status == 404:
            if from_json:
                return NotFound(shown)
            return NotFound(
                f"{shown}: {method.path} is not served here;"
                f" check the url and the plugin id ({' or '.join(KNOWN_PLUGINS)})"
            )
        if status == 409:
            return Conflict(shown)
        if status == 429:
            return Unavailable(f"the server is rate limiting requests: {shown}")
        if 300 <= status < 400:
            return Unavailable(f"the server redirects ({shown}); check the url")
        if 400 <= status < 500:
            return InvalidArgument(shown)
        return Unavailable(f"server error: {shown}")


class _VersionsMissing(Exception):
    """The remote lacks our change-version extensions."""


class _MethodMissing(Exception):
    """The remote (an older stack) does not serve a method beyond the reference."""


#: Words of an ``error`` sent with a 2xx, and the class each means (first match wins).
_ERROR_WORDS: tuple[tuple[re.Pattern[str], type[BackendError]], ...] = (
    (re.compile(r"\bnot found\b|\bno such\b|\bdoes not exist\b", re.I), NotFound),
    (re.compile(r"\bpermission\b|\bforbidden\b|\bnot allowed\b", re.I), PermissionDenied),
    (re.compile(r"\bunauthori[sz]ed\b|\bunauthenticated\b", re.I), Unauthenticated),
    (re.compile(r"\balready exists\b|\bconflict\b", re.I), Conflict),
    (re.compile(r"\binvalid\b|\brequired\b|\bmust\b|\bbad request\b", re.I), InvalidArgument),
)


def error_from_text(text: str) -> BackendError:
    """The error class a Grafana ``error`` string means when it came with a 200.

    Grafana answers some failures as HTTP 200 with ``{"error": "incident not found"}``:
    an incident deleted elsewhere must read as NotFound, so the console drops it.
    """
    for pattern, cls in _ERROR_WORDS:
        if pattern.search(text):
            return cls(text)
    return BackendError(text)


def _network_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "the TLS certificate is not trusted (set ca_bundle or SSL_CERT_FILE)"
    return short_text(text, 120) or type(exc).__name__


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return "invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return short_text(f"{where}: {first.get('msg', '')}" if where else first.get("msg", ""), 120)


def _server_text(data: bytes, ctype: str) -> tuple[str, str, bool]:
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
    if "html" in ctype.lower() or stripped[:1] == "<":
        title = _HTML_TITLE.search(raw)
        label = short_text(re.sub(r"<[^>]*>", "", title.group(1)), 80) if title else ""
        return (f"an HTML page ({label})" if label else "an HTML page"), "", False
    return short_text(raw), "", False


def _retry_after(value: str | None) -> float | None:
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


__all__ = ["RpcBackend", "RetryPolicy", "Timeouts", "METHODS", "short_text"]

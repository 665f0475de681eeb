"""RpcBackend: the Backend contract over Grafana Incident's JSON/HTTP RPC.

Every method of the table goes through ``dispatch``: one POST to
``{url}/api/plugins/{plugin}/resources/api/v1/{Service}.{Method}`` with the
request model as JSON, the response parsed with the response model. Failures of
any kind (HTTP status, ``error`` field, network, timeout, oversize, garbage) come
out as the Backend exceptions with a short, sanitized message.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from incident_tui import models as m
from incident_tui.backends.base import (
    ALL_METHODS,
    IDEMPOTENCY_KEY,
    METHODS,
    Backend,
    Capabilities,
    Method,
    idempotency_key,
)
from incident_tui.backends.credentials import Secret, StaticToken, TokenSource
from incident_tui.backends.httpclient import (
    MAX_RESPONSE_BYTES,
    RetryPolicy,
    Timeouts,
    close_client,
    make_client,
    normalise_url,
    read_capped,
    refuse_plain_http,
    retryable_status,
    short_text,
    ssl_context_for,
    transport_failure,
    with_retries,
)
from incident_tui.backends.httpclient import Attempt as _Attempt
from incident_tui.backends.httpclient import first_problem as _first_problem
from incident_tui.backends.httpclient import retry_after as _retry_after
from incident_tui.backends.httpclient import server_text as _server_text
from incident_tui.config import DEFAULT_PLUGIN, KNOWN_PLUGINS, ConfigError
from incident_tui.errors import (
    BackendError,
    Conflict,
    Indeterminate,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)

if TYPE_CHECKING:
    import ssl

    import httpx

#: Sent with every create (Grafana ignores it; our server answers a repeat from memory).
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Our server names the token's scope on every answer (``read`` or ``edit``).
SCOPE_HEADER = "incident-token-scope"


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
        refuse_plain_http(self.url, loopback)
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
        self._ssl_context: ssl.SSLContext | None = ssl_context_for(ca_bundle)
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._max_bytes = max_response_bytes
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        # Each method's URL, parsed once (httpx would parse the string on every call).
        self._urls: dict[str, httpx.URL] = {}
        self._versions: bool = True
        # Methods beyond the reference that this remote answered "unknown method" to.
        self._unserved: set[str] = set()
        self._fallback_version = 0
        self._closed = False
        #: Why changes are refused, once the remote said the token can only read.
        self._read_only_reason = ""

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
        if self.readonly:
            return capabilities.restricted_to_reads()
        if self._read_only_reason:
            return capabilities.restricted_to_reads(self._read_only_reason)
        return capabilities

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        await close_client(client)

    # --- plumbing -----------------------------------------------------------------

    def _make_client(self) -> httpx.AsyncClient:
        return make_client(
            self._timeouts,
            ssl_context=self._ssl_context,
            proxy=self._proxy,
            transport=self._transport,
        )

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
        if self._read_only_reason and not method.read_only:
            raise PermissionDenied(self._read_only_reason)
        if method.extension and not self._versions:
            return self._no_versions(method)
        if method.backend_method in self._unserved:
            raise Unimplemented(self.capabilities.missing(method.backend_method))
        body = request.to_json_bytes()
        # One key per logical create, kept across this call's retries; the durable layer
        # sets it to re-send a create later under the key it first went with.
        key = (IDEMPOTENCY_KEY.get() or str(uuid.uuid4())) if method.creates else None
        try:
            async with asyncio.timeout(self._timeouts.deadline):
                if key is None:
                    return await self._send_with_retries(method, body)
                with idempotency_key(key):
                    return await self._send_with_retries(method, body)
        except TimeoutError:
            pass  # raised below, outside the handler: nothing chains back to httpx
        except _VersionsMissing:
            self._versions = False
            return self._no_versions(method)
        except _MethodMissing:
            self._unserved.add(method.backend_method)
            raise Unimplemented(self.capabilities.missing(method.backend_method)) from None
        raise Indeterminate(
            f"{method.name}: no answer from {self._host()} within {self._timeouts.deadline:g} s"
        )

    def _no_versions(self, method: Method) -> m.Response:
        # Without versions, report "changed" on every poll so nothing is missed.
        self._fallback_version += 1
        return method.response.model_validate({"version": self._fallback_version})

    def _host(self) -> str:
        return urlsplit(self.url).netloc

    async def _send_with_retries(self, method: Method, body: bytes) -> m.Response:
        return await with_retries(
            lambda: self._send_once(method, body), self._retry, self._timeouts.deadline
        )

    async def _send_once(self, method: Method, body: bytes) -> m.Response:
        import httpx

        token = await self._token.get()
        # Safe to resend when nothing reached the server (no connection), or for reads.
        resend_ok = method.read_only
        request_headers = {
            "Content-Type": "application/json",
            "Authorization": "Bearer " + token.reveal(),
        }
        key = IDEMPOTENCY_KEY.get() if method.creates else None
        if key:
            request_headers[IDEMPOTENCY_HEADER] = key
        try:
            url = self._urls.get(method.path)
            if url is None:
                url = self._urls[method.path] = httpx.URL(self.prefix + method.path)
            async with self.client.stream(
                "POST", url, content=body, headers=request_headers
            ) as response:
                status = response.status_code
                data = await self._read_capped(response, method)
                headers = response.headers
        except _Attempt:
            raise
        except httpx.HTTPError as exc:
            raise transport_failure(
                exc, what=method.name, host=self._host(), resend_ok=resend_ok
            ) from None

        self._learn_scope(headers.get(SCOPE_HEADER, ""))
        if 200 <= status < 300:
            return self._parse_success(method, data)
        error = self._error_for(method, status, data, headers.get("content-type", ""))
        if status == 401:
            self._token.forget()
        if status == 403 and not method.read_only:
            self._read_only_reason = f"{error.message}; changes are disabled for this token"
        if status == 504 and not method.read_only:
            error = Indeterminate(f"{error.message}; the change may have gone through")
        retryable = resend_ok and retryable_status(status)
        wait = _retry_after(headers.get("retry-after")) if status in (429, 503) else None
        raise _Attempt(error, retry=retryable, wait=wait)

    def _learn_scope(self, scope: str) -> None:
        """Our server says when the token can only read: turn changes off, saying why."""
        if scope.strip().lower() == "read":
            self._read_only_reason = (
                f"the token from {self._token.describe()} can only read"
                f" (scope 'read' on {self._host()}); changes are disabled"
            )
        elif scope.strip().lower() == "edit":
            self._read_only_reason = ""

    async def _read_capped(self, response: httpx.Response, method: Method) -> bytes:
        return await read_capped(response, self._max_bytes, method.name)

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


__all__ = ["RpcBackend", "RetryPolicy", "Timeouts", "METHODS", "short_text"]

"""The one error hierarchy: every failure a backend, the query parser or a durable
write can report, each with a message fit to show a person.

This module sits below everything that raises these errors (query, backends,
server, durable layer, cli, ui), so none of them reaches up to another for them.
The server maps ``status``/``code`` to its HTTP answer; the RPC client maps an
answer back to the same class.
"""

from __future__ import annotations


class BackendError(Exception):
    """Base of every backend failure. ``str(err)`` is fit to show a person."""

    status: int = 500
    code: str = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BackendError):
    status = 404
    code = "not_found"


class InvalidArgument(BackendError):
    status = 400
    code = "invalid_argument"


class Unauthenticated(BackendError):
    status = 401
    code = "unauthenticated"


class PermissionDenied(BackendError):
    status = 403
    code = "permission_denied"


class Conflict(BackendError):
    status = 409
    code = "conflict"


class Unimplemented(BackendError):
    """The backend does not serve this method (its ``Capabilities`` say so too)."""

    status = 501
    code = "unimplemented"


class Unavailable(BackendError):
    """The backend cannot answer now (down, hung, overloaded, store locked)."""

    status = 503
    code = "unavailable"


class Unreachable(Unavailable):
    """The request never left: connection refused, DNS, TLS, no route.

    Nothing reached the remote, so the same write may be queued and sent later.
    """

    code = "unreachable"


class Indeterminate(Unavailable):
    """The request may have reached the remote (timeout or reset after sending).

    Re-sending blindly could apply a create twice: read first to find out.
    """

    code = "indeterminate"


#: Error classes by the ``code`` our server sends beside the message.
ERRORS_BY_CODE: dict[str, type[BackendError]] = {
    cls.code: cls
    for cls in (
        BackendError,
        NotFound,
        InvalidArgument,
        Unauthenticated,
        PermissionDenied,
        Conflict,
        Unimplemented,
        Unavailable,
        Unreachable,
        Indeterminate,
    )
}

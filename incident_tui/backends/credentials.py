"""Where the remote client's bearer token comes from, and a holder that never shows it.

A token may come from an environment variable, a 0600 file, or a command such as
``pass show grafana/incident`` (run without a shell). Never from argv. The token
lives in a ``Secret`` whose ``repr``/``str`` hide it, so it cannot leak into a log,
an exception message, or a crash screen's locals.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Protocol

from incident_tui.config import ConfigError, ContextConfig
from incident_tui.errors import Unauthenticated
from incident_tui.text import short_message

#: Characters a bearer token may hold (RFC 6750 b64token plus a few common extras).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-._~+/=:]+")
COMMAND_TIMEOUT = 15.0


class Secret:
    """A string that does not print itself. Use ``reveal()`` at the single point of use."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple:  # refuse pickling it into some cache by accident
        raise TypeError("a Secret cannot be pickled")


def check_token(raw: str, origin: str) -> Secret:
    """Strip and validate a token; an unusable one is refused naming only its origin."""
    value = raw.strip()
    if not value:
        raise Unauthenticated(f"the token from {origin} is empty")
    if not _TOKEN_CHARS.fullmatch(value):
        raise Unauthenticated(
            f"the token from {origin} holds characters a bearer token cannot have"
            " (spaces, quotes or control characters?)"
        )
    return Secret(value)


class TokenSource(Protocol):
    """Gives the token when a request needs it (lazily, so opening a context is instant)."""

    def describe(self) -> str:
        """Where the token comes from, fit to show (never the token)."""
        ...

    async def get(self) -> Secret: ...

    def forget(self) -> None:
        """Drop a cached token (after a 401), so the next call reads it afresh."""
        ...


class StaticToken:
    """A token already in memory (tests, the server's own helpers)."""

    def __init__(self, token: str | Secret, origin: str = "a static token") -> None:
        self._secret = token if isinstance(token, Secret) else check_token(token, origin)
        self._origin = origin

    def describe(self) -> str:
        return self._origin

    async def get(self) -> Secret:
        return self._secret

    def forget(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"StaticToken({self._origin!r})"


class EnvToken:
    """The token in an environment variable named by the context (``token_env``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def describe(self) -> str:
        return f"environment variable {self.name}"

    async def get(self) -> Secret:
        raw = os.environ.get(self.name)
        if raw is None:
            raise Unauthenticated(f"environment variable {self.name} is not set")
        return check_token(raw, self.describe())

    def forget(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"EnvToken({self.name!r})"


class FileToken:
    """The token in a file only its owner can read (``token_file``; mode 0600 or 0400)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._cached: Secret | None = None

    def describe(self) -> str:
        return f"token file {self.path}"

    def read(self) -> Secret:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise Unauthenticated(f"{self.describe()} does not exist") from None
        except OSError as exc:
            raise Unauthenticated(f"cannot open {self.describe()}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Unauthenticated(f"{self.describe()} is not a regular file")
            if info.st_mode & 0o077:
                raise Unauthenticated(
                    f"{self.describe()} is readable by others"
                    f" (mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {self.path}"
                )
            if hasattr(os, "getuid") and info.st_uid != os.getuid():
                raise Unauthenticated(f"{self.describe()} belongs to another user")
            data = fh.read(64 * 1024)
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise Unauthenticated(f"{self.describe()} does not hold a text token") from None
        return check_token(text, self.describe())

    async def get(self) -> Secret:
        if self._cached is None:
            self._cached = self.read()
        return self._cached

    def forget(self) -> None:
        self._cached = None

    def __repr__(self) -> str:
        return f"FileToken({str(self.path)!r})"


class CommandToken:
    """The first line a command prints (``token_command``), run without a shell."""

    def __init__(self, command: str, timeout: float = COMMAND_TIMEOUT) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"token_command cannot be parsed: {exc}") from None
        if not self.argv:
            raise ConfigError("token_command is empty")
        self.timeout = timeout
        self._cached: Secret | None = None

    def describe(self) -> str:
        return f"token_command {self.argv[0]!r}"

    def run(self) -> Secret:
        try:
            done = subprocess.run(
                self.argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise Unauthenticated(f"{self.describe()}: command not found") from None
        except PermissionError:
            raise Unauthenticated(f"{self.describe()}: not executable") from None
        except subprocess.TimeoutExpired:
            raise Unauthenticated(
                f"{self.describe()} did not finish within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise Unauthenticated(f"{self.describe()} failed: {exc.strerror}") from None
        if done.returncode != 0:
            # stderr may explain (locked keyring ...); stdout is never shown.
            hint = _first_line(done.stderr)
            raise Unauthenticated(
                f"{self.describe()} failed (exit {done.returncode})" + (f": {hint}" if hint else "")
            )
        try:
            text = done.stdout.decode("ascii")
        except UnicodeDecodeError:
            raise Unauthenticated(f"{self.describe()} did not print a text token") from None
        lines = text.splitlines()
        return check_token(lines[0] if lines else "", self.describe())

    async def get(self) -> Secret:
        if self._cached is None:
            self._cached = await asyncio.to_thread(self.run)
        return self._cached

    def forget(self) -> None:
        self._cached = None

    def __repr__(self) -> str:
        return f"CommandToken({self.argv[0]!r})"


def _first_line(data: bytes, limit: int = 200) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return short_message(lines[0], limit) if lines else ""


def token_source_for(ctx: ContextConfig) -> TokenSource:
    """The one token source a remote context names (exactly one must be set)."""
    chosen = [
        key for key in ("token_env", "token_file", "token_command") if getattr(ctx, key).strip()
    ]
    if not chosen:
        raise ConfigError(
            f"contexts.{ctx.name}: a {ctx.backend} context needs a token source:"
            " token_env, token_file or token_command"
        )
    if len(chosen) > 1:
        raise ConfigError(
            f"contexts.{ctx.name}: set only one of token_env, token_file, token_command"
            f" (found {', '.join(chosen)})"
        )
    if ctx.token_env:
        return EnvToken(ctx.token_env.strip())
    if ctx.token_file:
        return FileToken(ctx.token_file.strip())
    return CommandToken(ctx.token_command)

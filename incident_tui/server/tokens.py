"""The server's bearer tokens: a 0600 JSON file of hashes, each mapped to a user and a scope.

A token is printed once by ``incident-tui token add`` and only its sha256 is kept
(tokens are 32 random bytes, so a plain hash is enough). Lookups compare digests
with ``hmac.compare_digest``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from incident_tui.config import APP_NAME, ConfigError, prepare_private_parent
from incident_tui.models import UserPreview

SCOPES = ("read", "edit")
TOKEN_PREFIX = "itui_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}")


def default_tokens_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "tokens.json"


def hash_token(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenEntry:
    """One issued token, as stored: never the token itself."""

    name: str
    scope: str
    digest: bytes
    user_id: str
    user_name: str
    email: str = ""
    created: str = ""

    @property
    def user(self) -> UserPreview:
        return UserPreview(user_id=self.user_id, name=self.user_name or self.user_id)

    @property
    def can_edit(self) -> bool:
        return self.scope == "edit"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "sha256": self.digest.hex(),
            "user": {"id": self.user_id, "name": self.user_name, "email": self.email},
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> TokenEntry:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: each token must be an object")
        user = data.get("user") or {}
        try:
            digest = bytes.fromhex(str(data["sha256"]))
            entry = cls(
                name=str(data["name"]),
                scope=str(data["scope"]),
                digest=digest,
                user_id=str(user.get("id") or data["name"]),
                user_name=str(user.get("name") or ""),
                email=str(user.get("email") or ""),
                created=str(data.get("created") or ""),
            )
        except (KeyError, ValueError, AttributeError):
            raise ConfigError(f"{where}: a token entry is missing name, scope or sha256") from None
        if entry.scope not in SCOPES or len(digest) != 32:
            raise ConfigError(f"{where}: token {entry.name!r} has a bad scope or hash")
        return entry


class TokenStore:
    """Tokens in memory, optionally backed by a file that is re-read when it changes.

    Re-reading (at most once a second) makes ``token revoke`` take effect on a
    running server without a restart.
    """

    def __init__(self, entries: list[TokenEntry] | None = None, path: Path | None = None) -> None:
        self.path = path
        self._entries: list[TokenEntry] = list(entries or [])
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0

    @classmethod
    def load(cls, path: Path) -> TokenStore:
        store = cls(path=path)
        store._reload(force=True)
        return store

    @property
    def entries(self) -> list[TokenEntry]:
        self._reload()
        return list(self._entries)

    def add(self, entry: TokenEntry) -> None:
        if any(e.name == entry.name for e in self._entries):
            raise ConfigError(f"a token named {entry.name!r} exists; revoke it first")
        self._entries.append(entry)

    def issue(self, name: str, scope: str, user: UserPreview | None = None, email: str = "") -> str:
        """Create a token for ``name``; returns it (the only time it exists in clear)."""
        if not _NAME.fullmatch(name):
            raise ConfigError(
                "a token name is 1-64 letters, digits, '.', '_', '@' or '-', starting with"
                " a letter or digit"
            )
        if scope not in SCOPES:
            raise ConfigError(f"scope must be one of {', '.join(SCOPES)}")
        token = new_token()
        user = user or UserPreview(user_id=name, name=name)
        self.add(
            TokenEntry(
                name=name,
                scope=scope,
                digest=hash_token(token.encode("ascii")),
                user_id=user.user_id or name,
                user_name=user.name or name,
                email=email,
                created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
        return token

    def revoke(self, name: str) -> bool:
        before = len(self._entries)
        self._entries = [e for e in self._entries if e.name != name]
        return len(self._entries) != before

    def lookup(self, presented: bytes) -> TokenEntry | None:
        """The entry whose hash matches ``presented``, compared in constant time."""
        self._reload()
        digest = hash_token(presented)
        found: TokenEntry | None = None
        for entry in self._entries:  # no early exit: the time does not depend on the match
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        return found

    # --- file ------------------------------------------------------------------

    def _reload(self, force: bool = False) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < 1.0:
            return
        self._checked = now
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._entries, self._stamp = [], None
            return
        except OSError as exc:
            if force:
                raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
            return
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == self._stamp and not force:
            return
        try:
            self._entries = self._read()
            self._stamp = stamp
        except ConfigError:
            if force:
                raise
            # A half-written or broken file on a running server: keep what we had.

    def _read(self) -> list[TokenEntry]:
        assert self.path is not None
        try:
            raw = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigError(f"{self.path} is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("tokens", []), list):
            raise ConfigError(f"{self.path}: expected an object with a 'tokens' list")
        return [TokenEntry.from_json(item, str(self.path)) for item in data.get("tokens", [])]

    def save(self) -> None:
        """Write the file atomically, 0600 (in a 0700 directory unless the user chose one)."""
        if self.path is None:
            return
        try:
            prepare_private_parent(self.path, default_tokens_path())
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                data = {"version": 1, "tokens": [e.to_json() for e in self._entries]}
                json.dump(data, fh, indent=2)
                fh.write("\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def token_command(args: argparse.Namespace) -> int:
    """``incident-tui token add|list|revoke``."""
    path: Path = (args.tokens or default_tokens_path()).expanduser()
    store = TokenStore.load(path)
    if args.token_command == "add":
        user = UserPreview(user_id=args.name, name=args.user_name or args.name)
        token = store.issue(args.name, args.scope, user, email=args.email or "")
        store.save()
        print(
            f"Token for {args.name!r} (scope {args.scope}) saved in {path}.\n"
            "It is shown only now; keep it in a password manager or a 0600 file:",
            file=sys.stderr,
        )
        print(token)
        return 0
    if args.token_command == "list":
        entries = store.entries
        if not entries:
            print(
                f"no tokens in {path}; add one with: incident-tui token add NAME", file=sys.stderr
            )
            return 0
        width = max(len(e.name) for e in entries)
        for e in entries:
            who = e.user_name + (f" <{e.email}>" if e.email else "")
            print(f"{e.name:<{width}}  {e.scope:<4}  {e.created or '-':<20}  {who}")
        return 0
    if args.token_command == "revoke":
        if not store.revoke(args.name):
            print(f"incident-tui: no token named {args.name!r} in {path}", file=sys.stderr)
            return 1
        store.save()
        print(f"revoked {args.name!r}", file=sys.stderr)
        return 0
    raise ConfigError(f"unknown token action {args.token_command!r}")

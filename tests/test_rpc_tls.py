"""TLS is always verified: an untrusted certificate fails clearly; a context's ca_bundle
or SSL_CERT_FILE makes a private CA trusted."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from incident_tui import models as m
from incident_tui.backends.rpc import RetryPolicy, RpcBackend, Timeouts
from incident_tui.errors import Unavailable
from tests.support.raw_http import Seen, raw_server, reply

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
FAST = Timeouts(connect=2, read=2, write=2, pool=2, deadline=5)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


async def ok_handler(seen: Seen, n: int, writer: asyncio.StreamWriter) -> None:
    writer.write(reply(200, {"roles": [{"roleID": 1, "name": "commander"}]}))


async def test_untrusted_certificate_is_refused_clearly(certificate, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    async with raw_server(ok_handler, ssl_context=server_context(*certificate)) as srv:
        backend = RpcBackend(srv.url, "tok", timeouts=FAST, retry=RetryPolicy(attempts=1))
        with pytest.raises(Unavailable, match="not trusted"):
            await backend.get_roles()
        await backend.close()
    assert srv.requests == []  # the token never left


async def test_ca_bundle_of_the_context_is_trusted(certificate, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    async with raw_server(ok_handler, ssl_context=server_context(*certificate)) as srv:
        backend = RpcBackend(srv.url, "tok", timeouts=FAST, ca_bundle=str(certificate[0]))
        roles = await backend.get_roles()
        await backend.close()
    assert roles.roles[0].name == "commander"


async def test_ssl_cert_file_from_the_environment_is_trusted(certificate, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    async with raw_server(ok_handler, ssl_context=server_context(*certificate)) as srv:
        backend = RpcBackend(srv.url, "tok", timeouts=FAST)
        roles = await backend.get_roles()
        await backend.close()
    assert isinstance(roles, m.GetRolesResponse)


def test_missing_or_bad_ca_bundle_is_refused_when_opening(tmp_path: Path) -> None:
    from incident_tui.config import ConfigError

    with pytest.raises(ConfigError, match="ca_bundle"):
        RpcBackend("https://127.0.0.1:9", "tok", ca_bundle=str(tmp_path / "none.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="ca_bundle"):
        RpcBackend("https://127.0.0.1:9", "tok", ca_bundle=str(junk))

"""A fake Entra ID token endpoint on loopback, over TLS (MSAL accepts only https authorities).

``authority`` is ``https://127.0.0.1:<port>/<tenant>``: MSAL reads
``<authority>/v2.0/.well-known/openid-configuration`` and posts client-credentials grants to
the ``token_endpoint`` it names. Every grant is recorded; a certificate credential's client
assertion is checked against the certificate, as Entra does. The self-signed certificate of
the server is written to ``ca_file`` (point ``REQUESTS_CA_BUNDLE`` at it: MSAL uses requests).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TENANT = "11111111-2222-3333-4444-555555555555"


def self_signed(name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@dataclass
class FakeEntra:
    directory: Path
    grants: list[dict[str, str]] = field(default_factory=list)
    expires_in: list[int] = field(default_factory=list)  # for the next tokens (default 3600)
    client_cert: x509.Certificate | None = None  # a certificate credential's, to check with
    authority: str = ""
    ca_file: str = ""
    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def _openid(self, request: web.Request) -> web.Response:
        base = f"{self.authority.rsplit('/', 1)[0]}/{request.match_info['tenant']}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl(await request.text()))
        self.grants.append(form)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        assertion = form.get("client_assertion")
        if assertion is not None:
            if self.client_cert is None:
                return web.json_response({"error": "invalid_client"}, status=401)
            try:  # signed by the certificate's key, for this endpoint, by this client
                jwt.decode(
                    assertion,
                    self.client_cert.public_key(),  # type: ignore[arg-type]
                    algorithms=["RS256", "PS256"],
                    audience=str(request.url),
                    options={"verify_aud": False},
                )
            except jwt.PyJWTError:
                return web.json_response({"error": "invalid_client"}, status=401)
        number = len([g for g in self.grants if g.get("grant_type") == "client_credentials"])
        seconds = self.expires_in.pop(0) if self.expires_in else 3600
        return web.json_response(
            {"token_type": "Bearer", "expires_in": seconds, "access_token": f"entra-{number}"}
        )

    async def start(self) -> None:
        """Serve from a thread of its own: the Agents SDK builds its MSAL client (which reads
        the OpenID configuration over HTTP, synchronously) on the caller's event loop, so a
        fake on that loop could never answer."""
        key, cert = self_signed("127.0.0.1")
        cert_file, key_file = self.directory / "entra.pem", self.directory / "entra.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(context, ready), name="fake-entra", daemon=True
        )
        self._thread.start()
        port = await asyncio.wrap_future(ready)
        self.authority = f"https://127.0.0.1:{port}/{TENANT}"
        self.ca_file = str(cert_file)

    def _serve(self, context: ssl.SSLContext, ready: concurrent.futures.Future[int]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)

        async def up() -> None:
            app = web.Application()
            app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid)
            app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
            await site.start()
            ready.set_result(int(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]

        loop.run_until_complete(up())
        loop.run_forever()
        loop.close()

    async def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or self._thread is None:
            return
        if runner is not None:
            done = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
            await asyncio.wrap_future(done)
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(self._thread.join, 10)


def pfx(directory: Path, password: bytes) -> tuple[Path, x509.Certificate]:
    """A client certificate and its key in a PFX file, as an app registration would hold."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert = self_signed("privacy-desk bot")
    path = directory / "bot.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bot", key, cert, None, serialization.BestAvailableEncryption(password)
        )
    )
    return path, cert


def grant_fields(grant: dict[str, Any]) -> set[str]:
    return set(grant)

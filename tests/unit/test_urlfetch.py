"""Safe URL fetching: every refusal, redirects re-checked hop by hop, pinning, limits."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.urlfetch import (
    ERROR_CODES,
    MAX_REDIRECTS,
    STRICT_POLICY,
    AddressPolicy,
    UrlFetchError,
    fetch_to_file,
    is_public_address,
)

VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8


class LocalServer:
    """A small aiohttp server on 127.0.0.1 with the routes the tests need."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.requests: list[web.Request] = []
        self.hosts: list[str] = []
        self.release = asyncio.Event()
        self.streamed = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/video", self.video)
        app.router.add_get("/big", self.big)
        app.router.add_get("/stream", self.stream)
        app.router.add_get("/html", self.html)
        app.router.add_get("/gzip", self.gzip)
        app.router.add_get("/missing", self.missing)
        app.router.add_get("/loop", self.loop)
        app.router.add_get("/hop/{n}", self.hop)
        app.router.add_get("/redirect", self.redirect)
        app.router.add_get("/slow", self.slow)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _seen(self, request: web.Request) -> None:
        self.requests.append(request)
        self.hosts.append(request.headers.get("Host", ""))

    async def video(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.Response(body=VIDEO, content_type="video/mp4")

    async def big(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.Response(body=b"\0" * 10_000, content_type="video/mp4")

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Chunked, no Content-Length, practically endless."""
        self._seen(request)
        resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        chunk = b"\0" * 16384
        try:
            while self.streamed < 50 * 1024 * 1024 and not self.release.is_set():
                await resp.write(chunk)
                self.streamed += len(chunk)
                await asyncio.sleep(0)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    async def html(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.Response(text="<html></html>", content_type="text/html")

    async def gzip(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.Response(body=b"\x1f\x8b", headers={"Content-Type": "video/mp4", "Content-Encoding": "gzip"})

    async def missing(self, request: web.Request) -> web.Response:
        self._seen(request)
        return web.Response(status=404, text="nope")

    async def loop(self, request: web.Request) -> web.Response:
        self._seen(request)
        raise web.HTTPFound("/loop")

    async def hop(self, request: web.Request) -> web.Response:
        """/hop/N redirects N more times (relative Location), then to /video."""
        self._seen(request)
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/hop/{n - 1}" if n > 1 else "/video")

    async def redirect(self, request: web.Request) -> web.Response:
        self._seen(request)
        raise web.HTTPFound(request.query["to"])

    async def slow(self, request: web.Request) -> web.Response:
        self._seen(request)
        await self.release.wait()
        return web.Response(body=VIDEO, content_type="video/mp4")


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    srv = LocalServer()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def other_server() -> AsyncIterator[LocalServer]:
    srv = LocalServer()
    await srv.start()
    yield srv
    await srv.stop()


def policy_for(*servers: LocalServer) -> AddressPolicy:
    """Loopback allowed only at these servers' ports (and plain http)."""
    return AddressPolicy.for_tests([("127.0.0.1", s.port) for s in servers])


async def fetch(url: str, tmp_path: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("max_bytes", 1_000_000)
    kwargs.setdefault("timeout", 5.0)
    return await fetch_to_file(url, tmp_path / "out.mp4", **kwargs)


async def refused(url: str, tmp_path: Path, code: str, **kwargs: Any) -> UrlFetchError:
    with pytest.raises(UrlFetchError) as info:
        await fetch(url, tmp_path, **kwargs)
    assert info.value.code == code, info.value
    assert code in ERROR_CODES
    assert list(tmp_path.iterdir()) == [], "nothing (not even a partial file) may stay behind"
    return info.value


def fake_resolver(monkeypatch: pytest.MonkeyPatch, answer: Callable[[str, int], list[str]]) -> list[str]:
    """Replace the running loop's getaddrinfo; returns the list of looked-up hosts."""
    calls: list[str] = []
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        out = []
        for ip in answer(host, port):
            if ":" in ip:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
        return out

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return calls


# -- the address rules ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
    "192.0.2.1", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::1", "2002:a00:1::1",
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2001:db8::1", "::127.0.0.1",
])
def test_non_public_addresses(text: str) -> None:
    assert not is_public_address(ipaddress.ip_address(text))
    assert not STRICT_POLICY.allows_address(ipaddress.ip_address(text), 443)


@pytest.mark.parametrize("text", ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111",
                                  "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses(text: str) -> None:
    assert is_public_address(ipaddress.ip_address(text))


def test_policy_is_strict_by_default_and_frozen() -> None:
    assert not STRICT_POLICY.allow_http
    assert STRICT_POLICY.allowed_endpoints == frozenset()
    assert AddressPolicy() == STRICT_POLICY
    with pytest.raises(dataclasses.FrozenInstanceError):
        STRICT_POLICY.allow_http = True  # type: ignore[misc]
    test_policy = AddressPolicy.for_tests([("127.0.0.1", 8080)])
    assert test_policy.allows_address(ipaddress.ip_address("127.0.0.1"), 8080)
    assert not test_policy.allows_address(ipaddress.ip_address("127.0.0.1"), 8081)
    assert not test_policy.allows_address(ipaddress.ip_address("10.0.0.1"), 8080)


def test_unknown_error_code_is_a_bug() -> None:
    with pytest.raises(ValueError):
        UrlFetchError("nope")


# -- refusals before any connection -------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://example.com/v.mp4", "ftp://example.com/v.mp4", "file:///etc/passwd",
                                 "HTTP://example.com/v.mp4"])
async def test_not_https(url: str, tmp_path: Path) -> None:
    err = await refused(url, tmp_path, "not_https")
    assert err.params["url"]


@pytest.mark.parametrize("url", ["", "not a url", "https://", "https://user:secret@example.com/v.mp4",
                                 "//example.com/v.mp4", "https://exa mple.com/"])
async def test_bad_url(url: str, tmp_path: Path) -> None:
    await refused(url, tmp_path, "bad_url")


@pytest.mark.parametrize("url", [
    "https://localhost/v.mp4",  # a hostname that resolves to loopback
    "https://127.0.0.1/v.mp4",
    "https://[::1]/v.mp4",
    "https://[fe80::1]/v.mp4",
    "https://[::ffff:127.0.0.1]/v.mp4",
    "https://10.1.2.3/v.mp4",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/v.mp4",
    "https://0.0.0.0/v.mp4",
    "https://224.0.0.1/v.mp4",
    "https://[2002:7f00:1::1]/v.mp4",
])
async def test_private_addresses_are_refused(url: str, tmp_path: Path) -> None:
    err = await refused(url, tmp_path, "private_address")
    assert err.params["host"]


async def test_http_to_loopback_is_refused_twice_over(tmp_path: Path, server: LocalServer) -> None:
    await refused(f"{server.base}/video", tmp_path, "not_https")  # strict policy: scheme first
    # plain http allowed but the address is not: still refused, and the server saw nothing
    await refused(f"{server.base}/video", tmp_path, "private_address", policy=AddressPolicy(allow_http=True))
    assert server.requests == []


async def test_every_resolved_address_must_be_public(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_resolver(monkeypatch, lambda host, port: ["93.184.216.34", "10.0.0.7"])
    err = await refused("https://mixed.example/v.mp4", tmp_path, "private_address")
    assert err.params["host"] == "mixed.example"
    assert calls == ["mixed.example"]


async def test_resolve_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    async def broken(host: str, port: int, **_: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(loop, "getaddrinfo", broken)
    err = await refused("https://no-such-host.example/v.mp4", tmp_path, "resolve_failed")
    assert err.params["host"] == "no-such-host.example"


async def test_resolve_to_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_resolver(monkeypatch, lambda host, port: [])
    await refused("https://empty.example/v.mp4", tmp_path, "resolve_failed")


# -- against a local server ---------------------------------------------------------------------


async def test_success(tmp_path: Path, server: LocalServer) -> None:
    got = await fetch(f"{server.base}/video", tmp_path, policy=policy_for(server))
    assert got.path == tmp_path / "out.mp4"
    assert got.path.read_bytes() == VIDEO
    assert got.size == len(VIDEO)
    assert got.content_type == "video/mp4"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


async def test_connects_to_the_vetted_address_with_the_hostname_kept(
        tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name resolves to an allowed address once, then to a private one. The
    fetch resolves once, connects to the address it checked, and still says Host: <name>."""
    answers = iter([["127.0.0.1"]])
    calls = fake_resolver(monkeypatch, lambda host, port: next(answers, ["10.0.0.1"]))
    got = await fetch(f"http://rebind.example:{server.port}/video", tmp_path, policy=policy_for(server))
    assert got.path.read_bytes() == VIDEO
    assert calls == ["rebind.example"]
    assert server.hosts == [f"rebind.example:{server.port}"]


async def test_redirects_are_followed_and_counted(tmp_path: Path, server: LocalServer) -> None:
    got = await fetch(f"{server.base}/hop/{MAX_REDIRECTS}", tmp_path, policy=policy_for(server))
    assert got.path.read_bytes() == VIDEO
    assert got.url == f"{server.base}/video"
    assert len(server.requests) == MAX_REDIRECTS + 1


async def test_too_many_redirects(tmp_path: Path, server: LocalServer) -> None:
    err = await refused(f"{server.base}/hop/{MAX_REDIRECTS + 1}", tmp_path, "too_many_redirects",
                        policy=policy_for(server))
    assert err.params["limit"] == MAX_REDIRECTS
    assert len(server.requests) == MAX_REDIRECTS + 1  # never asked for the 5th URL
    await refused(f"{server.base}/loop", tmp_path, "too_many_redirects", policy=policy_for(server))


async def test_redirect_target_is_checked_again(tmp_path: Path, server: LocalServer,
                                                other_server: LocalServer) -> None:
    """The first hop is allowed (its exact port is on the test allow-list); the redirect points at
    another live loopback server that would happily serve a video. Only a per-hop check stops it."""
    target = f"{other_server.base}/video"
    url = f"{server.base}/redirect?to={target}"
    err = await refused(url, tmp_path, "private_address", policy=policy_for(server))
    assert err.params["host"] == "127.0.0.1"
    assert len(server.requests) == 1
    assert other_server.requests == []
    # control: allow both ports and the same redirect succeeds, so the refusal above was the check
    got = await fetch(url, tmp_path, policy=policy_for(server, other_server))
    assert got.path.read_bytes() == VIDEO
    assert len(other_server.requests) == 1


@pytest.mark.parametrize("to", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/v.mp4",
                                "http://[::1]/v.mp4", "http://localhost/v.mp4"])
async def test_redirect_to_private_address(tmp_path: Path, server: LocalServer, to: str) -> None:
    await refused(f"{server.base}/redirect?to={to}", tmp_path, "private_address", policy=policy_for(server))


async def test_redirect_to_a_bad_scheme(tmp_path: Path, server: LocalServer) -> None:
    await refused(f"{server.base}/redirect?to=file:///etc/passwd", tmp_path, "not_https",
                  policy=policy_for(server))


async def test_http_status(tmp_path: Path, server: LocalServer) -> None:
    err = await refused(f"{server.base}/missing", tmp_path, "http_status", policy=policy_for(server))
    assert err.params["status"] == 404


async def test_too_large_by_content_length(tmp_path: Path, server: LocalServer) -> None:
    err = await refused(f"{server.base}/big", tmp_path, "too_large", policy=policy_for(server), max_bytes=100)
    assert err.params["limit"] == 100
    assert err.params["size"] == 10_000


async def test_too_large_while_streaming_stops_at_once(tmp_path: Path, server: LocalServer) -> None:
    started = time.monotonic()
    err = await refused(f"{server.base}/stream", tmp_path, "too_large", policy=policy_for(server),
                        max_bytes=100_000)
    assert err.params["limit"] == 100_000
    assert time.monotonic() - started < 3
    assert server.streamed < 10 * 1024 * 1024  # we hung up long before the server's 50 MiB


async def test_bad_type(tmp_path: Path, server: LocalServer) -> None:
    err = await refused(f"{server.base}/html", tmp_path, "bad_type", policy=policy_for(server))
    assert err.params["content_type"] == "text/html"
    await refused(f"{server.base}/gzip", tmp_path, "bad_type", policy=policy_for(server))
    # the caller decides what is allowed
    got = await fetch(f"{server.base}/html", tmp_path, policy=policy_for(server), allowed_types=("text/html",))
    assert got.content_type == "text/html"


async def test_timeout_is_overall(tmp_path: Path, server: LocalServer) -> None:
    started = time.monotonic()
    err = await refused(f"{server.base}/slow", tmp_path, "timeout", policy=policy_for(server), timeout=0.3)
    assert time.monotonic() - started < 2
    assert err.params["seconds"] == 0.3


async def test_connection_refused(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    policy = AddressPolicy.for_tests([("127.0.0.1", port)])
    err = await refused(f"http://127.0.0.1:{port}/video", tmp_path, "connection", policy=policy)
    assert err.params["host"] == "127.0.0.1"


# -- TLS: pinned to the vetted address, SNI and certificate still checked against the name ------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=video.example",
                    "-addext", "subjectAltName=DNS:video.example"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[LocalServer]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    srv = LocalServer(ssl_context=context)
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
def trust_test_ca(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.urlfetch

    context = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(bot.urlfetch, "_ssl_context", lambda: context)


@pytest.mark.usefixtures("trust_test_ca")
async def test_https_to_the_pinned_address_keeps_sni_and_host(
        tmp_path: Path, tls_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_resolver(monkeypatch, lambda host, port: ["127.0.0.1"])
    policy = AddressPolicy(allowed_endpoints=frozenset({("127.0.0.1", tls_server.port)}))  # https only
    got = await fetch(f"https://video.example:{tls_server.port}/video", tmp_path, policy=policy)
    assert got.path.read_bytes() == VIDEO
    assert calls == ["video.example"]
    assert tls_server.hosts == [f"video.example:{tls_server.port}"]


@pytest.mark.usefixtures("trust_test_ca")
async def test_https_certificate_must_match_the_name(
        tmp_path: Path, tls_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_resolver(monkeypatch, lambda host, port: ["127.0.0.1"])
    policy = AddressPolicy(allowed_endpoints=frozenset({("127.0.0.1", tls_server.port)}))
    await refused(f"https://other.example:{tls_server.port}/video", tmp_path, "connection", policy=policy)
    assert tls_server.requests == []

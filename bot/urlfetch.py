"""Fetch a user-given URL to a file, safely (for making a character from a URL).

The URL comes from a chat member, so it is hostile until proven otherwise:

* https only (an :class:`AddressPolicy` built in code may allow plain http, e.g. in tests);
* the host is resolved once, with ``asyncio.get_running_loop().getaddrinfo``, and *every*
  address it resolves to must be public: private, loopback, link-local, multicast, reserved,
  unspecified, shared (CGNAT 100.64/10) addresses and IPv6 forms that embed one (IPv4-mapped,
  6to4, NAT64, …) are refused;
* the connection goes to the vetted address itself (the hostname is *not* resolved again, so a
  DNS answer that changes between the check and the connect cannot redirect us), while TLS SNI,
  certificate checks and the ``Host`` header keep the hostname;
* redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each hop checked the same way;
* the size is limited by ``Content-Length`` and by counting the streamed body (reading stops at
  once and the partial file is deleted), the content type must be allowed, and the whole fetch
  has one overall timeout.

Failures raise :class:`UrlFetchError` with a ``code`` (the core shows ``character_url.<code>``)
and ``params`` for the message.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import os
import re
import secrets
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx

log = logging.getLogger("sorabot.urlfetch")

MAX_REDIRECTS = 3
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_FLUSH_BYTES = 1024 * 1024
_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_.])?")  # an ascii (IDNA) DNS name
_USER_AGENT = "sorabot/0.1 (character video fetch)"

ERROR_CODES = frozenset({
    "not_https", "bad_url", "private_address", "resolve_failed", "too_many_redirects", "http_status",
    "too_large", "bad_type", "timeout", "connection",
})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlFetchError(Exception):
    """A refused or failed fetch. ``code`` is one of :data:`ERROR_CODES`; ``params`` fill the
    user message (url, host, status, limit, content_type, …)."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown url fetch error code {code!r}")
        self.code = code
        self.params = params
        details = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{code} ({details})" if details else code)


@dataclass(frozen=True, slots=True)
class FetchedFile:
    path: Path
    content_type: str
    size: int
    url: str = ""  # the final URL, after redirects


# ---------------------------------------------------------------------------------------------
# address policy

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_EXTRA_BLOCKED_V4 = (
    ipaddress.IPv4Network("0.0.0.0/8"),
    ipaddress.IPv4Network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.IPv4Network("198.18.0.0/15"),  # benchmarking
)


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address (and embeds no other kind)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        ip = ipaddress.IPv6Address(ip.packed)  # drop any scope
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            return is_public_address(ip.sixtofour)
        if ip.teredo is not None:
            server, client = ip.teredo
            return is_public_address(server) and is_public_address(client)
        if any(ip in net for net in _NAT64):
            return is_public_address(ipaddress.IPv4Address(ip.packed[-4:]))
        if ip.is_site_local:
            return False
    else:
        if ip in _CGNAT or any(ip in net for net in _EXTRA_BLOCKED_V4):
            return False
    if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified):
        return False
    return ip.is_global


def _parse_ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """What a fetch may connect to. Built in code only; nothing in a URL can change it.

    The default is the strict policy: https, public addresses only. ``allowed_endpoints`` lists
    exact ``(ip, port)`` pairs exempt from the public-address rule (tests run a local server and
    allow just its port); ``allow_http`` permits plain http (tests only).
    """

    allow_http: bool = False
    allowed_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        normalised = frozenset((_parse_ip(ip).compressed, int(port)) for ip, port in self.allowed_endpoints)
        object.__setattr__(self, "allowed_endpoints", normalised)

    @classmethod
    def for_tests(cls, endpoints: Iterable[tuple[str, int]], *, allow_http: bool = True) -> AddressPolicy:
        return cls(allow_http=allow_http, allowed_endpoints=frozenset(endpoints))

    def allows_scheme(self, scheme: str) -> bool:
        return scheme == "https" or (self.allow_http and scheme == "http")

    def allows_address(self, ip: IPAddress, port: int) -> bool:
        if (ip.compressed, port) in self.allowed_endpoints:
            return True
        return is_public_address(ip)


STRICT_POLICY = AddressPolicy()


# ---------------------------------------------------------------------------------------------
# pinned connections


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the vetted addresses only, whatever host name httpcore asks for."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._host = host.strip("[]").lower()
        self._port = port
        self._addresses = addresses

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 (httpcore API)
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        if host.strip("[]").lower() != self._host or port != self._port:
            raise httpcore.ConnectError(f"refusing to connect to {host}:{port} (pinned to {self._host})")
        last: Exception = httpcore.ConnectError("no address")
        for address in self._addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,  # noqa: ASYNC109 (httpcore API)
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


# ---------------------------------------------------------------------------------------------
# fetch


@dataclass(frozen=True, slots=True)
class _Target:
    url: httpx.URL
    host: str  # ascii (IDNA) host, no brackets
    port: int


def _check_url(raw: str | httpx.URL, policy: AddressPolicy) -> _Target:
    try:
        url = raw if isinstance(raw, httpx.URL) else httpx.URL(raw.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UrlFetchError("bad_url", url=str(raw)[:300]) from None
    scheme = url.scheme.lower()
    if not scheme:
        raise UrlFetchError("bad_url", url=str(raw)[:300])
    if not policy.allows_scheme(scheme):
        raise UrlFetchError("not_https", url=str(url)[:300])
    if not url.host or url.userinfo:
        raise UrlFetchError("bad_url", url=str(url)[:300])
    try:
        host = url.raw_host.decode("ascii").strip("[]").lower()
    except UnicodeDecodeError:
        raise UrlFetchError("bad_url", url=str(url)[:300]) from None
    if not _HOST_RE.fullmatch(host):
        try:
            _parse_ip(host)
        except ValueError:
            raise UrlFetchError("bad_url", url=str(url)[:300]) from None
    port = url.port or (443 if scheme == "https" else 80)
    return _Target(url=url, host=host, port=port)


async def _vetted_addresses(target: _Target, policy: AddressPolicy) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM,
                                       proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise UrlFetchError("resolve_failed", url=str(target.url)[:300], host=target.host) from exc
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0])
        try:
            ip = _parse_ip(text)
        except ValueError:
            raise UrlFetchError("private_address", url=str(target.url)[:300], host=target.host) from None
        if isinstance(ip, ipaddress.IPv6Address) and len(sockaddr) >= 4 and sockaddr[3]:
            raise UrlFetchError("private_address", url=str(target.url)[:300], host=target.host)  # scoped
        if not policy.allows_address(ip, target.port):
            log.info("url fetch refused: %s resolves to %s", target.host, ip)
            raise UrlFetchError("private_address", url=str(target.url)[:300], host=target.host)
        if ip.compressed not in addresses:
            addresses.append(ip.compressed)
    if not addresses:
        raise UrlFetchError("resolve_failed", url=str(target.url)[:300], host=target.host)
    return addresses


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def _type_allowed(content_type: str, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        entry = entry.lower()
        if entry.endswith("/") and content_type.startswith(entry):
            return True
        if content_type == entry:
            return True
    return False


async def fetch_to_file(url: str, dest: Path, *, max_bytes: int, timeout: float,  # noqa: ASYNC109 (whole fetch)
                        allowed_types: tuple[str, ...] = ("video/",),
                        policy: AddressPolicy | None = None) -> FetchedFile:
    """Fetch ``url`` to ``dest`` under the rules in the module doc; raise :class:`UrlFetchError`."""
    policy = policy or STRICT_POLICY
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(url, dest, tmp, max_bytes=max_bytes,
                                op_timeout=timeout, allowed_types=allowed_types, policy=policy)
    except TimeoutError:
        raise UrlFetchError("timeout", url=url[:300], seconds=timeout) from None
    finally:
        tmp.unlink(missing_ok=True)  # a partial download never stays behind (no-op after the rename)


async def _fetch(url: str, dest: Path, tmp: Path, *, max_bytes: int, op_timeout: float,
                 allowed_types: tuple[str, ...], policy: AddressPolicy) -> FetchedFile:
    current: str | httpx.URL = url
    for hop in range(MAX_REDIRECTS + 1):
        target = _check_url(current, policy)
        addresses = await _vetted_addresses(target, policy)
        backend = _PinnedBackend(target.host, target.port, addresses)
        request_url = httpcore.URL(scheme=target.url.raw_scheme, host=target.url.raw_host,
                                   port=target.url.port, target=target.url.raw_path)
        headers = [(b"User-Agent", _USER_AGENT.encode()), (b"Accept", b"video/*, */*;q=0.1"),
                   (b"Accept-Encoding", b"identity")]
        extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), op_timeout)}
        try:
            async with httpcore.AsyncConnectionPool(ssl_context=_ssl_context(), network_backend=backend,
                                                    max_connections=1, retries=0) as pool:
                async with pool.stream("GET", request_url, headers=headers, extensions=extensions) as resp:
                    status = resp.status
                    if status in _REDIRECT_STATUS:
                        location = _header(resp.headers, b"location")
                        if not location:
                            raise UrlFetchError("http_status", url=str(target.url)[:300], status=status)
                        if hop == MAX_REDIRECTS:
                            raise UrlFetchError("too_many_redirects", url=url[:300], limit=MAX_REDIRECTS)
                        try:
                            current = target.url.join(location)
                        except (httpx.InvalidURL, ValueError):
                            raise UrlFetchError("bad_url", url=location[:300]) from None
                        log.debug("url fetch: %s redirects to %s", target.url, current)
                        continue
                    if not 200 <= status < 300:
                        raise UrlFetchError("http_status", url=str(target.url)[:300], status=status)
                    return await _save(resp, target, dest, tmp, max_bytes=max_bytes, allowed_types=allowed_types)
        except httpcore.TimeoutException:
            raise UrlFetchError("timeout", url=url[:300], seconds=op_timeout) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as exc:
            log.info("url fetch: connection to %s failed: %s", target.host, exc)
            raise UrlFetchError("connection", url=str(target.url)[:300], host=target.host) from None
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


async def _save(resp: httpcore.Response, target: _Target, dest: Path, tmp: Path, *, max_bytes: int,
                allowed_types: tuple[str, ...]) -> FetchedFile:
    raw_type = _header(resp.headers, b"content-type") or ""
    content_type = raw_type.split(";", 1)[0].strip().lower()
    encoding = (_header(resp.headers, b"content-encoding") or "identity").lower()
    if not _type_allowed(content_type, allowed_types) or encoding not in ("identity", ""):
        shown = content_type if encoding in ("identity", "") else f"{content_type} ({encoding})"
        raise UrlFetchError("bad_type", url=str(target.url)[:300], content_type=shown or "unknown",
                            allowed=", ".join(allowed_types))
    length = _header(resp.headers, b"content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise UrlFetchError("too_large", url=str(target.url)[:300], limit=max_bytes, size=int(length))
    await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
    handle = await asyncio.to_thread(tmp.open, "wb")
    size = 0
    try:
        buffer = bytearray()
        async for chunk in resp.aiter_stream():
            size += len(chunk)
            if size > max_bytes:
                raise UrlFetchError("too_large", url=str(target.url)[:300], limit=max_bytes)
            buffer += chunk
            if len(buffer) >= _FLUSH_BYTES:
                await asyncio.to_thread(handle.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await asyncio.to_thread(handle.write, bytes(buffer))
    finally:
        handle.close()
    await asyncio.to_thread(os.replace, tmp, dest)
    log.info("url fetch: %d bytes of %s from %s", size, content_type, target.host)
    return FetchedFile(path=dest, content_type=content_type, size=size, url=str(target.url))

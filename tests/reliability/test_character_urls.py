"""Character URLs through the command (``/character add <name> <url>``), the way a member sends them:
http, private / loopback / link-local addresses, names that resolve to them, redirects to them,
oversized and wrong-type files — all refused with a clear message, before anything is made at the
provider and with no credit held (the fetcher itself: tests/unit/test_urlfetch.py).

The strict policy is the production one (https, public addresses only). For the redirect, size
and type cases the first hop must be reachable, so those run with a policy that allows exactly
one loopback endpoint — this test's own server — and nothing else.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot import commands as commands_module
from bot import media
from bot.app import Core
from bot.errors import UserError
from bot.simulator import SimulatorServer
from bot.textcommands import TextCommandRouter
from bot.urlfetch import AddressPolicy, fetch_to_file
from tests.conftest import make_settings
from tests.support import ctx

LIMIT = 256 * 1024  # character_max_bytes for these tests


class Site:
    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.hits: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits.append(name)
        if name == "video.mp4":
            return web.FileResponse(self.clip, headers={"Content-Type": "video/mp4"})
        if name.startswith("to-"):
            target = {"to-private": "http://10.1.2.3/v.mp4", "to-metadata": "http://169.254.169.254/latest/",
                      "to-loopback": "http://127.0.0.1:1/v.mp4", "to-v6-loopback": "http://[::1]/v.mp4",
                      "to-mapped": "http://[::ffff:192.168.0.1]/v.mp4", "to-file": "file:///etc/passwd"}[name]
            raise web.HTTPFound(target)
        if name == "big-declared.mp4":
            return web.Response(body=b"\0" * (LIMIT + 1), content_type="video/mp4")
        if name == "big-streamed.mp4":
            response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(LIMIT // 65536 + 4):
                await response.write(b"\0" * 65536)
            await response.write_eof()
            return response
        if name == "page.html":
            return web.Response(text="<html>not a video</html>", content_type="text/html")
        if name == "fake.mp4":
            return web.Response(body=b"this is not a video at all", content_type="video/mp4")
        raise web.HTTPNotFound()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    clip = media.render_video(tmp_path / "clip.mp4", text="clip", seconds=2, width=64, fps=4)
    server = Site(clip)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def setup(core_factory: Callable[..., Any], tmp_path: Path) -> tuple[Core, TextCommandRouter]:
    core = await core_factory(make_settings(tmp_path, limits={"character_max_bytes": LIMIT,
                                                               "character_fetch_timeout": 10}))
    return core, TextCommandRouter(core.commands)


def provider_character_calls(sim: SimulatorServer) -> int:
    return sum(1 for r in sim.requests if r.method == "POST" and "characters" in r.path)


async def refused(core: Core, router: TextCommandRouter, sim: SimulatorServer, url: str) -> UserError:
    before = await core.ledger.totals()
    with pytest.raises(UserError) as err:
        await router.dispatch(ctx("ana"), f"/character add mochi {url} my cat")
    message = err.value.render()
    assert message.strip() and "{" not in message
    assert await core.character_repo.get("test:server:1", "mochi") is None
    assert await core.ledger.totals() == before == {}
    assert provider_character_calls(sim) == 0  # nothing was made at (or sent to) the provider
    with pytest.raises(UserError) as later:  # and a prompt naming it is refused before any hold
        await router.dispatch(ctx("ana"), "/sora @mochi naps 10")
    assert later.value.key.startswith("character.unknown")
    assert await core.ledger.totals() == {}
    return err.value


@pytest.mark.parametrize(("url", "key"), [
    ("http://example.com/cat.mp4", "character_url.not_https"),
    ("--url ftp://example.com/cat.mp4", "character_url.not_https"),
    ("ftp://example.com/cat.mp4", "character.need_source"),  # not a link it knows: asks for one
    ("https://127.0.0.1/cat.mp4", "character_url.private_address"),
    ("https://[::1]/cat.mp4", "character_url.private_address"),
    ("https://169.254.169.254/latest/meta-data/", "character_url.private_address"),
    ("https://10.0.0.7/cat.mp4", "character_url.private_address"),
    ("https://192.168.1.1/cat.mp4", "character_url.private_address"),
    ("https://100.64.0.1/cat.mp4", "character_url.private_address"),
    ("https://[fe80::1]/cat.mp4", "character_url.private_address"),
    ("https://[::ffff:127.0.0.1]/cat.mp4", "character_url.private_address"),
    ("https://0.0.0.0/cat.mp4", "character_url.private_address"),
    ("https://localhost/cat.mp4", "character_url.private_address"),
    ("https://user:pw@example.com/cat.mp4", "character_url.bad_url"),
])
async def test_refused_by_the_strict_policy(core_factory: Callable[..., Any], tmp_path: Path,
                                            simulator: SimulatorServer, url: str, key: str) -> None:
    core, router = await setup(core_factory, tmp_path)
    err = await refused(core, router, simulator, url)
    assert err.key == key


async def test_a_name_that_resolves_to_a_private_address(core_factory: Callable[..., Any], tmp_path: Path,
                                                         simulator: SimulatorServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    core, router = await setup(core_factory, tmp_path)
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("cats.example.com", "mixed.example.com"):
            answers = [("93.184.216.34", port)] if host == "mixed.example.com" else []
            answers.append(("10.9.8.7", port))  # one private answer is enough to refuse
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in answers]
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", resolve)
    for url in ("https://cats.example.com/cat.mp4", "https://mixed.example.com/cat.mp4"):
        err = await refused(core, router, simulator, url)
        assert err.key == "character_url.private_address"


@pytest.fixture
def one_endpoint(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's fetch may reach this test's server (plain http on 127.0.0.1:port) and nothing else."""
    policy = AddressPolicy.for_tests([("127.0.0.1", site.port)], allow_http=True)
    monkeypatch.setattr(commands_module, "fetch_to_file", functools.partial(fetch_to_file, policy=policy))


@pytest.mark.usefixtures("one_endpoint")
@pytest.mark.parametrize(("path", "key"), [
    ("to-private", "character_url.private_address"),
    ("to-metadata", "character_url.private_address"),
    ("to-loopback", "character_url.private_address"),  # loopback, but not the one allowed endpoint
    ("to-v6-loopback", "character_url.private_address"),
    ("to-mapped", "character_url.private_address"),
    ("to-file", "character_url.not_https"),
    ("big-declared.mp4", "character_url.too_large"),
    ("big-streamed.mp4", "character_url.too_large"),
    ("page.html", "character_url.bad_type"),
    ("fake.mp4", "character.not_a_video"),
    ("missing.mp4", "character_url.http_status"),
])
async def test_refused_after_the_first_hop(core_factory: Callable[..., Any], tmp_path: Path,
                                           simulator: SimulatorServer, site: Site, path: str, key: str) -> None:
    core, router = await setup(core_factory, tmp_path)
    err = await refused(core, router, simulator, site.url(path))
    assert err.key == key
    assert site.hits == [path]  # only the allowed first hop was ever contacted


@pytest.mark.usefixtures("one_endpoint")
async def test_the_same_path_accepts_a_real_video(core_factory: Callable[..., Any], tmp_path: Path,
                                                  simulator: SimulatorServer, site: Site) -> None:
    """The control case: the harness above refuses for the reasons given, not because it cannot fetch."""
    _core, router = await setup(core_factory, tmp_path)
    reply = await router.dispatch(ctx("ana"), f"/character add mochi {site.url('video.mp4')} my cat")
    assert reply is not None and "@mochi" in reply.text
    assert provider_character_calls(simulator) >= 1

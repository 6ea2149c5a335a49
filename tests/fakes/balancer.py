"""A loopback load balancer: the reverse proxy in front of several webhook processes.

It forwards each POST to the next backend in turn and, like nginx's
`proxy_next_upstream error timeout http_502`, tries the next one when a
backend refuses the connection or dies mid-request. Telegram (the fake) sees
one webhook URL whatever happens behind it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from types import TracebackType

import aiohttp
from aiohttp import web

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class Balancer:
    """Round robin over `backends` (base URLs such as http://127.0.0.1:8441)."""

    def __init__(self, backends: list[str], *, timeout: float = 30.0) -> None:
        self.backends = list(backends)
        self.timeout = timeout
        self.served: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The address to give as the webhook URL (add the path)."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Balancer:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=100))
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED}
        start = next(self._turn)
        for step in range(len(self.backends)):
            backend = self.backends[(start + step) % len(self.backends)]
            try:
                async with self._session.request(request.method, backend + request.path_qs,
                                                 data=body, headers=headers) as answer:
                    payload = await answer.read()
                    if answer.status == 502:
                        raise aiohttp.ClientError("502 from the backend")
                    self.served[backend] += 1
                    return web.Response(status=answer.status, body=payload)
            except (aiohttp.ClientError, TimeoutError):
                self.failed[backend] += 1
        return web.Response(status=502)

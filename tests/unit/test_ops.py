"""The operator's endpoint: /healthz reflects the bot's state; /metrics counts, never names."""

from __future__ import annotations

import aiohttp

from adapters.http import OpsServer
from tests.support import make_harness


async def test_health_and_metrics(db_url: str) -> None:
    async with make_harness(db_url) as h:
        server = OpsServer(h.app, "127.0.0.1:0")
        await server.start()
        try:
            await h.send("/help")
            h.as_user("secret-person")
            await h.send("/promote nobody")
            base = f"http://127.0.0.1:{server.port}"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/healthz") as resp:
                    health = await resp.json()
                    assert resp.status == 200
                assert health["status"] == "ok" and health["database"] == "ok"
                assert health["processes"] == 1
                async with http.get(f"{base}/metrics") as resp:
                    body = await resp.text()
            assert 'diaspora_updates_total{command="help",platform="console"}' in body
            assert "diaspora_processes 1.0" in body
            assert 'diaspora_updates_total{command="promote",platform="console"}' in body
            assert "secret-person" not in body and "nobody" not in body
            await h.app.stop()
            async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as resp:
                assert resp.status == 503
            await h.app.start()
        finally:
            await server.stop()

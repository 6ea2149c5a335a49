"""The operator's HTTP endpoint: /healthz (is it working?) and /metrics (Prometheus)."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.app import App

log = logging.getLogger(__name__)


def split_listen(value: str) -> tuple[str, int]:
    """ "127.0.0.1:9108" → ("127.0.0.1", 9108)."""
    host, _, port = value.rpartition(":")
    return host or "0.0.0.0", int(port)


class OpsServer:
    """Serves /healthz and /metrics beside the bot."""

    def __init__(self, app: App, listen: str, platforms: list[Any] | None = None) -> None:
        self.app = app
        self.listen = listen
        self.platforms = platforms or []
        self.started_at = time.monotonic()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def web_app(self) -> web.Application:
        """The aiohttp application (also for tests)."""
        application = web.Application()
        application.router.add_get("/healthz", self.healthz)
        application.router.add_get("/metrics", self.metrics)
        return application

    async def start(self) -> None:
        """Listen on the configured address."""
        host, port = split_listen(self.listen)
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # the bound port when 0 was asked for
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("health and metrics on http://%s:%s", host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, request: web.Request) -> web.Response:
        """200 with a small JSON status when the database answers and the loops run, else 503."""
        checks: dict[str, Any] = {"uptime_seconds": round(time.monotonic() - self.started_at)}
        healthy = self.app.started
        try:
            checks["outbox_depth"] = await self.app.store.outbox.depth()
        except Exception as exc:  # the database is what usually fails
            checks["database"] = f"error: {type(exc).__name__}"
            healthy = False
        else:
            checks["database"] = "ok"
        checks["scheduler"] = "running" if self.app.runner.scheduler is not None else "stopped"
        # Processes sharing this database, as this one counted them at its last heartbeat.
        checks["processes"] = self.app.worker.processes
        healthy = healthy and self.app.runner.scheduler is not None
        checks["status"] = "ok" if healthy else "unhealthy"
        return web.json_response(checks, status=200 if healthy else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus exposition format."""
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

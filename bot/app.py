"""Wires the core: settings, store, clock, router, schedule and outbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.config import Settings
from bot.context import JobContext, Services
from bot.events import Event
from bot.feature import Feature
from bot.features import all_features
from bot.ports import Clock, Messenger, Store
from bot.records import NewDelivery
from bot.replies import Outcome
from bot.router import Router
from scheduling.outbox import OutboxWorker
from scheduling.pacing import Limits
from scheduling.runner import ScheduleRunner

log = logging.getLogger(__name__)


class Outbox:
    """The core's outbox port: queue in the database, then wake the worker."""

    def __init__(self, store: Store, worker: OutboxWorker) -> None:
        self.store = store
        self.worker = worker

    async def enqueue(self, deliveries: Sequence[NewDelivery]) -> list[int]:
        """Queue messages durably and wake the worker."""
        ids = await self.store.outbox.enqueue(deliveries)
        if ids:
            self.worker.wake()
        return ids

    def wake(self) -> None:
        """Look for work now (messages were queued inside another transaction)."""
        self.worker.wake()


class App:
    """The bot, without any platform: adapters feed it events and messengers."""

    def __init__(self, settings: Settings, store: Store, clock: Clock,
                 features: Sequence[Feature] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.worker = OutboxWorker(store, clock)
        self.runner = ScheduleRunner(store, clock, default_language=settings.default_language,
                                     default_grace=settings.schedule_grace_seconds,
                                     on_done=self.worker.wake, owner=self.worker.owner)
        self.services = Services(settings, store, clock, scheduler=self.runner,
                                 outbox=Outbox(store, self.worker))
        self.router = Router(self.services, all_features() if features is None else features)
        self.services.digest_sections = self.router.sections
        self.runner.bind(self.router.jobs, JobContext(self.services))
        self.started = False

    def add_messenger(self, messenger: Messenger, limits: Limits | None = None) -> None:
        """Deliver queued messages for the messenger's platform through it."""
        self.worker.add_messenger(messenger, limits)

    async def start(self) -> None:
        """Start the schedule and the delivery worker (inside the running loop)."""
        # Other processes take the claims of one without a heartbeat for gone: beat before
        # the schedule claims anything.
        await self.worker.beat()
        await self.runner.start()
        await self.worker.start()
        # What fell due while the bot was down is run or skipped first, so start-up
        # hooks (which re-plan recurring items) see the schedule as it now stands.
        await self.runner.wait_idle()
        for hook in self.router.starters:
            await hook(self.services)
        self.started = True

    async def stop(self) -> None:
        """Stop the schedule and the delivery worker."""
        await self.runner.stop()
        await self.worker.stop()
        self.started = False

    async def handle(self, event: Event) -> list[Outcome]:
        """Handle one inbound event; never raises."""
        return await self.router.handle(event)

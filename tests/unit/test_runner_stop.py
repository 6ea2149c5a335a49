"""Stopping the app while a due timer has not fired yet returns at once, losing nothing."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.clock import FakeClock
from bot.jobs import ROW_ID, JobKind
from bot.records import ScheduleStatus
from tests.support import open_store, settings_for_tests

# A kind no feature runs: only its timer matters here.
NOTHING = JobKind("nothing", "nothing", ROW_ID)


async def test_stop_with_a_due_timer_not_yet_fired(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        app = App(settings_for_tests(), store, clock)
        await app.start()
        item = await app.services.scheduler.schedule(NOTHING, 1, clock.now())
        # No await between arming and stopping: the timer cannot have fired.
        async with asyncio.timeout(5):
            await app.stop()
        kept = await store.schedule.get(item.id)
        assert kept is not None and kept.status == ScheduleStatus.PENDING

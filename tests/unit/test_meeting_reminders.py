"""Reminders and the next date, fired by the real scheduler with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, CommandInvoked, Platform, UserRef
from bot.features.meetings.actions import RemindMe, Respond
from bot.features.meetings.records import Answer
from bot.features.meetings.timeline import NEXT, REMIND
from bot.records import ScheduledItem, ScheduleStatus
from storage.models.core import ScheduleRow
from storage.repos.schedule import item_record
from storage.store import SqlStore
from tests.support import Harness, RecordingMessenger, open_store, settings_for_tests, texts
from tests.unit.meeting_helpers import edited, linked, meeting_items

KEY = "20260109T1800"  # Friday 9 January 2026, 18:00 Madrid = 17:00 UTC
START = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


async def _start(store: object, clock: FakeClock) -> tuple[App, RecordingMessenger]:
    app = App(settings_for_tests(), store, clock)  # type: ignore[arg-type]
    messenger = RecordingMessenger(Platform.TELEGRAM)
    app.add_messenger(messenger)
    await app.start()
    return app, messenger


async def _settle(app: App) -> None:
    await app.runner.resync()
    await app.runner.wait_idle()
    await app.worker.drain()


async def test_reminders_go_out_once_each_even_across_restarts(db_url: str) -> None:
    clock = FakeClock()
    group = ChatRef(Platform.TELEGRAM, "-100", ChatKind.GROUP, "Madrid")
    mod = UserRef(Platform.TELEGRAM, "1", "Mod", "mod")
    async with open_store(db_url, clock) as store:
        app, _m = await _start(store, clock)
        for line in ("timezone Europe/Madrid", "language es",
                     "meeting new Diálogo | viernes 18:00 | 90m | Zoom"):
            head, _sep, args = line.partition(" ")
            await app.handle(CommandInvoked(group, mod, platform_admin=True, command=head,
                                            args=args))
        await _settle(app)
        await app.stop()

        # Down while the 24-hour reminder fell due; back 30 minutes later (within its grace).
        clock.set(START - timedelta(hours=24) + timedelta(minutes=30))
        app, messenger = await _start(store, clock)
        await _settle(app)
        assert [t.split("\n")[0] for t in messenger.texts()] == [
            "⏰ Recordatorio: Diálogo empieza dentro de 24 horas."]
        await app.stop()
        app, messenger = await _start(store, clock)
        await _settle(app)
        assert messenger.texts() == []  # nothing twice after a second restart

        clock.set(START - timedelta(hours=1))
        await _settle(app)
        assert "dentro de 60 minutos" in messenger.texts()[0]
        clock.set(START + timedelta(hours=2))
        await _settle(app)
        await app.stop()
        items = [i for i in await _all_items(store) if i.kind == REMIND.name]
        assert sorted(i.status for i in items) == [ScheduleStatus.DONE] * 2


async def _all_items(store: SqlStore) -> list[ScheduledItem]:
    async with store.schedule.sessions() as s:
        return [item_record(r) for r in await s.scalars(select(ScheduleRow))]


async def test_a_reminder_missed_by_more_than_its_grace_is_skipped(harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.app.stop()
    harness.clock.set(START - timedelta(minutes=45))
    await harness.app.start()
    await harness.settle()
    texts_sent = harness.messenger.texts()
    assert not any("Reminder" in t and "hour" in t and "24" in t for t in texts_sent)
    assert sum("Reminder" in t for t in texts_sent) == 1  # only the 1-hour one, late
    assert "in 45 minutes" in texts_sent[-1]


async def test_a_long_series_keeps_only_a_horizon_scheduled(harness: Harness) -> None:
    c = await linked(harness, tg=("en", "Europe/Madrid"), dc=("fr", "Europe/Paris"))
    c.in_telegram()
    await harness.send("/meeting new Weekly | friday 18:00 | 1h")
    await harness.send("/meeting repeat 1 weekly count 200")
    await harness.settle()
    pending = await meeting_items(harness.app.store)
    assert sorted((i.kind, i.ref) for i in pending) == [
        (NEXT.name, "1"), (REMIND.name, f"1:{KEY}:1440"), (REMIND.name, f"1:{KEY}:60")]
    # The date ends: its card closes, the next card goes out, the next reminders are armed.
    harness.clock.set(START + timedelta(hours=1))
    await harness.settle()
    assert "This meeting has taken place." in edited(c.tg)[-1]
    assert c.tg.sent[-1][1].body.plain().count("January 16, 2026") == 1
    assert "vendredi 16 janvier 2026" in c.dc.texts()[-1]
    pending = await meeting_items(harness.app.store)
    assert sorted((i.kind, i.ref) for i in pending) == [
        (NEXT.name, "1"), (REMIND.name, "1:20260116T1800:1440"), (REMIND.name, "1:20260116T1800:60")]


async def test_reminders_carry_the_agenda_and_reach_those_who_asked_privately(
        harness: Harness) -> None:
    c = await linked(harness, tg=("es", "Europe/Madrid"), dc=("en", "America/Mexico_City"))
    c.in_telegram()
    await harness.send("/meeting new Diálogo | viernes 18:00")
    await harness.send("/agenda add Presupuesto de la fiesta")
    c.in_discord("dee", admin=False)
    await harness.send("/agenda add Passport renewals")
    c.in_telegram()
    await harness.send("/agenda accept 2")
    c.in_discord("dee", admin=False)
    await harness.press(Respond(1, KEY, Answer.GOING).pack())
    await harness.press(RemindMe(1, KEY).pack())
    harness.in_chat("dc-dee", private=True)
    await harness.send("/language fr")
    await harness.settle()
    harness.clock.set(START - timedelta(hours=1))
    await harness.settle()
    tg_reminder, dc_reminder = c.tg.texts()[-1], c.dc.texts("555")[-1]
    assert "Orden del día\n1. Presupuesto de la fiesta\n2. Passport renewals" in tg_reminder
    assert "Agenda\n1. Presupuesto de la fiesta\n2. Passport renewals" in dc_reminder
    assert "1 asistirá" in tg_reminder
    [private] = c.dc.texts("dc-dee")
    assert private.startswith("⏰ Rappel")
    assert "votre heure" in private


async def test_the_community_chooses_when_reminders_go_out(harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Dialogue | friday 18:00")
    assert "24 hours and 1 hour" in texts(await harness.send("/meeting reminders"))
    out = texts(await harness.send("/meeting reminders 2d 30m"))
    assert "2 days and 30 minutes" in out or "48 hours and 30 minutes" in out
    refs = sorted(i.ref for i in await harness.app.store.schedule.pending() if i.kind == REMIND.name)
    assert refs == [f"1:{KEY}:2880", f"1:{KEY}:30"]
    await harness.send("/meeting reminders off")
    assert [i for i in await harness.app.store.schedule.pending() if i.kind == REMIND.name] == []
    assert "off" in texts(await harness.send("/meeting reminders"))
    harness.clock.set(START - timedelta(minutes=1))
    await harness.settle()
    assert not any("Reminder" in t for t in harness.messenger.texts())


async def test_cancelled_and_skipped_dates_send_no_reminders(harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Dialogue | friday 18:00")
    await harness.send("/meeting repeat 1 weekly count 3")
    await harness.send("/meeting skip 1")
    refs = {i.ref for i in await harness.app.store.schedule.pending() if i.kind == REMIND.name}
    assert refs == {"1:20260116T1800:1440", "1:20260116T1800:60"}
    await harness.send("/meeting cancel 1")
    harness.clock.set(START + timedelta(days=20))
    await harness.settle()
    assert not any("Reminder" in t for t in harness.messenger.texts())
    assert await meeting_items(harness.app.store) == []

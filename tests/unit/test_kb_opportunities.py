"""Opportunities: reminders before the deadline, once each, across restarts; archived after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.clock import FakeClock
from bot.features.knowledge.opportunities import CLOSE, REMIND
from bot.features.knowledge.records import EntryStatus
from bot.records import ScheduledItem, ScheduleStatus
from tests.support import Harness, RecordingMessenger, open_store, settings_for_tests, texts


async def _start(store: object, clock: FakeClock, messenger: RecordingMessenger) -> Harness:
    app = App(settings_for_tests(), store, clock)  # type: ignore[arg-type]
    app.add_messenger(messenger)
    await app.start()
    harness = Harness(app, clock, messenger)
    await harness.settle()
    return harness


async def kb_pending(store: object) -> list[ScheduledItem]:
    """Pending schedule items of the knowledge base (other features keep their own)."""
    return [i for i in await store.schedule.pending()  # type: ignore[attr-defined]
            if i.kind in (REMIND.name, CLOSE.name)]


def reminders(messenger: RecordingMessenger, chat: str) -> list[str]:
    """The deadline reminders a chat received (the weekly digest mentions the grant too)."""
    return [t for t in messenger.texts(chat) if "Youth grant" in t
            and not t.startswith(("Tu resumen", "Votre récapitulatif"))]


async def test_reminders_fire_once_across_restarts_then_the_entry_is_archived(
        db_url: str) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    messenger = RecordingMessenger()
    async with open_store(db_url, clock) as store:
        h = await _start(store, clock, messenger)
        await h.send("/language es")
        await h.send("/timezone Europe/Madrid")
        h.in_chat("paris")
        await h.send("/language fr")
        [code] = [t.split()[-1] for t in texts(await h.send("/link")).splitlines()
                  if t.startswith("/link")]
        h.in_chat("main")
        await h.send(f"/link {code}")
        out = texts(await h.send("/opportunity Youth grant | 2026-01-20 18:00 | "
                                 "https://example.org/apply | Up to 2,000 EUR. | #grants"))
        assert "Publicada como entrada 1" in out
        await h.app.stop()

        # Down across the 7-day reminder (due 13 Jan 17:00 UTC); back two hours late.
        clock.set(datetime(2026, 1, 13, 19, 0, tzinfo=UTC))
        h = await _start(store, clock, messenger)
        await h.app.stop()
        h = await _start(store, clock, messenger)
        spanish, french = reminders(messenger, "main"), reminders(messenger, "paris")
        assert len(spanish) == 1 and len(french) == 1
        assert spanish[0].startswith("Fecha límite pronto: Youth grant")
        assert "20 de enero de 2026, 18:00" in spanish[0]
        assert french[0].startswith("Date limite proche\xa0: Youth grant")

        await h.advance(timedelta(days=6, hours=1))    # the 1-day reminder (19 Jan 17:00)
        assert len(reminders(messenger, "main")) == 2
        assert len(reminders(messenger, "paris")) == 2
        await h.advance(timedelta(days=1, hours=1))    # past the deadline
        entry = await store.knowledge.get(1)
        assert entry is not None and entry.status == EntryStatus.ARCHIVED
        assert "No hay convocatorias abiertas" in texts(await h.send("/opportunities"))
        await h.app.stop()
        h = await _start(store, clock, messenger)
        await h.advance(timedelta(days=30))
        assert len(reminders(messenger, "main")) == 2
        assert await kb_pending(store) == []
        await h.app.stop()


async def test_a_new_deadline_replans_and_reopens(harness: Harness) -> None:
    await harness.send("/opportunity Call A | 2026-01-08 | - | Artists' residency.")
    await harness.send("/opportunity Call B | 2026-02-01 12:00 | - | Writers' residency.")
    listing = texts(await harness.send("/opportunities"))
    assert listing.index("Call A") < listing.index("Call B")
    assert "2 open opportunities" in listing
    assert "January 8, 2026, 11:59\u202fPM" in listing
    refs = sorted(i.ref for i in await kb_pending(harness.app.store))
    # Call A is 3 days away: no 7-day reminder, a 1-day one and the closing.
    assert refs == ["1", "1:1", "2", "2:1", "2:7"]
    await harness.advance(timedelta(days=4))
    assert (await harness.app.store.knowledge.get(1)).status == EntryStatus.ARCHIVED  # type: ignore[union-attr]
    out = texts(await harness.send("/kb deadline 1 2026-03-01 https://example.org/new"))
    sentence, deadline = out.split("\n")
    assert sentence == "Entry 1 is an open opportunity."
    assert deadline.startswith("Deadline: Sunday, March 1, 2026")
    entry = await harness.app.store.knowledge.get(1)
    assert entry is not None and entry.status == EntryStatus.PUBLISHED
    assert entry.link == "https://example.org/new"
    assert "no longer has a deadline" in texts(await harness.send("/kb deadline 2 -"))
    assert sorted(i.ref for i in await kb_pending(harness.app.store)) == ["1", "1:1", "1:7"]
    done = [i for i in await kb_pending(harness.app.store) if i.status != ScheduleStatus.PENDING]
    assert done == []


async def test_bad_opportunities_get_clear_answers(harness: Harness) -> None:
    bad = {
        "/opportunity Grant | | - | text": "When is the deadline?",
        "/opportunity Grant | 2020-01-01 | - | text": "already passed",
        "/opportunity Grant | someday | - | text": "could not read",
        "/opportunity Grant | 2026-03-01 | ftp://x | text": "not a web link",
        "/opportunity Grant | 2026-03-01 | - |": "The text is empty",
        "/kb deadline 9 2026-03-01": "There is no entry 9 here",
    }
    for line, answer in bad.items():
        assert answer in texts(await harness.send(line)), line
    assert await kb_pending(harness.app.store) == []
    harness.as_user("alice")
    assert "Only moderators" in texts(await harness.send("/kb deadline 1 2026-03-01"))

"""Corrections and retractions reach every copy; expiry unpins; everything is audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.events import Platform
from bot.records import DeliveryStatus
from bot.replies import Reply
from tests.notices.helpers import (
    ScriptedMessenger,
    as_consul,
    register,
    settle_all,
    subscribed_chats,
)
from tests.support import Harness, texts


def _final(messenger: ScriptedMessenger) -> dict[str, Reply]:
    """What each chat shows now: its copy, or the latest edit of it."""
    shown = {chat: sent[0] for chat, sent in messenger.copies().items()}
    for chat, _ids, reply in messenger.edits:
        shown[chat.id] = reply
    return shown


async def _two_platforms(h: Harness, chats: int) -> tuple[ScriptedMessenger, ScriptedMessenger]:
    telegram = ScriptedMessenger(Platform.TELEGRAM, pause_every_send=True)
    discord = ScriptedMessenger(Platform.DISCORD, pause_every_send=True)
    h.app.add_messenger(telegram)
    h.app.add_messenger(discord)
    await register(h)
    await subscribed_chats(h, chats, platforms=(Platform.TELEGRAM, Platform.DISCORD),
                           languages=("es", "en", "fr"))
    as_consul(h)
    return telegram, discord


async def test_a_correction_reaches_every_copy_even_those_in_flight(harness: Harness) -> None:
    h = harness
    telegram, discord = await _two_platforms(h, 60)
    await h.send("/notice new Oficina cerrada ALFA | Cerrada ALFA.")
    await h.send("/notice text 1 en Office closed ALPHA | Closed ALPHA.")
    some = telegram.when_sent(12)
    await h.send("/notice publish 1")
    h.app.worker.wake()
    await asyncio.wait_for(some.wait(), 10)
    # Mid-broadcast: some copies are out, the rest wait in the queue.
    await h.app.worker.stop()
    out = texts(await h.send("/notice correct 1 es Oficina cerrada BETA | Cerrada BETA."))
    assert "Corrected." in out
    await h.app.worker.start()
    await settle_all(h)
    # Copies sent after the correction went out corrected: only those already out were edited.
    edited = {c.id for c, _ids, _r in telegram.edits + discord.edits}
    assert 12 <= len(edited) < 60
    await h.send("/notice correct 1 en Office closed BRAVO | Closed BRAVO.")
    await settle_all(h)

    for messenger in (telegram, discord):
        assert all(len(v) == 1 for v in messenger.copies().values())
    shown = {**_final(telegram), **_final(discord)}
    assert len(shown) == 60
    for reply in shown.values():
        body = reply.body.plain()
        assert "BETA" in body or "BRAVO" in body, body
        assert "ALFA" not in body and "ALPHA" not in body
        [mark] = [x for x in body.splitlines() if x.startswith("✏️ ")]
        assert "Consulado General de México en Madrid" in mark
    report = [r.body.plain() for _c, _ids, r in h.messenger.edits][-1]
    assert "Correction: 60 of 60 delivered copies updated." in report
    audit = [e.action for e in await h.app.store.audit.recent(None, limit=50) if e.allowed]
    assert audit.count("notice.correct") == 2 and "notice.publish" in audit


async def test_a_retraction_replaces_every_copy_and_stops_the_rest(harness: Harness) -> None:
    h = harness
    telegram, discord = await _two_platforms(h, 40)
    await h.send("/notice new Aviso erróneo | Texto con un error.")
    some = telegram.when_sent(5)
    await h.send("/notice publish 1")
    h.app.worker.wake()
    await asyncio.wait_for(some.wait(), 10)
    await h.app.worker.stop()
    out = texts(await h.send("/notice retract 1 Publicado por error"))
    assert "Withdrawn." in out
    await h.app.worker.start()
    await settle_all(h)
    copies = await h.app.store.notices.copies(1)
    sent = [c for c in copies if c.status == DeliveryStatus.SENT]
    cancelled = [c for c in copies if c.status == DeliveryStatus.CANCELLED]
    assert len(sent) + len(cancelled) == 40 and cancelled
    shown = {**_final(telegram), **_final(discord)}
    assert len(shown) == len(sent)
    for reply in shown.values():
        body = reply.body.plain()
        assert "🚫 " in body and "Aviso erróneo" in body and "Texto con un error" not in body
        [label] = [row for row in body.split("\n") if row.startswith("🚫 ")]
        assert "Aviso erróneo" not in label  # the title stands on its own line
        assert body.endswith(": Publicado por error")
        assert reply.buttons == ()
    report = [r.body.plain() for _c, _ids, r in h.messenger.edits][-1]
    assert f"Withdrawal: {len(sent)} of {len(sent)} delivered copies updated." in report
    assert "were not sent because the notice was withdrawn or expired first" in report
    for line in ("/notice correct 1 es A | B", "/notice retract 1"):
        assert "was withdrawn" in texts(await h.send(line))


async def test_urgent_copies_are_unpinned_at_expiry_and_when_withdrawn(harness: Harness) -> None:
    h = harness
    telegram = ScriptedMessenger(Platform.TELEGRAM)
    h.app.add_messenger(telegram)
    await register(h)
    await subscribed_chats(h, 3, platforms=(Platform.TELEGRAM,), languages=("es",))
    as_consul(h)
    await h.send("/notice new Alerta | Tormenta esta noche. | emergencies")
    await h.send("/notice set 1 urgent on")
    await h.send("/notice set 1 expires 2026-01-05 21:00")
    await h.send("/notice new Aviso | Normal.")
    await h.send("/notice set 2 expires 2026-01-05 21:00")
    await h.send("/notice publish 1")
    await h.send("/notice publish 2")
    await settle_all(h)
    urgent = [r for sent in telegram.copies().values() for r in sent if "Alerta" in
              r.body.plain()]
    assert len(urgent) == 3 and all(r.pin for r in urgent)
    assert telegram.unpins == []
    await h.advance(timedelta(hours=13))
    await settle_all(h)
    assert len(telegram.unpins) == 3  # only the urgent notice's copies
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.expired_at is not None

    await h.send("/notice new Alerta 2 | Otra. | emergencies")
    await h.send("/notice set 3 urgent on")
    await h.send("/notice publish 3")
    await settle_all(h)
    await h.send("/notice retract 3")
    await settle_all(h)
    assert len(telegram.unpins) == 6

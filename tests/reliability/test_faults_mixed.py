"""A mixed workload while both fakes fail one call in five.

Meetings with reminders, a poll with votes from both platforms, a notice to 300 chats and a
knowledge search, all under way while Telegram and Discord answer 20 % of sending calls with
5xx, 429 with retry_after, or a dropped connection (Discord also loses answers after
creating the message). Every delivery lands exactly once, no reminder is lost or doubled,
nothing crashes, and retries stay bounded.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.events import Platform
from bot.records import DeliveryStatus
from scheduling.outbox import MAX_ATTEMPTS
from storage.models.core import DeliveryRow
from tests.adapters.both_harness import Both, both_platforms
from tests.e2e.test_broadcast_both_platforms import CONSUL, _publish, _register_and_subscribe
from tests.fakes.telegram_api import FaultKind

TG_FAULTS = (FaultKind.RETRY_AFTER, FaultKind.SERVER_ERROR, FaultKind.BAD_GATEWAY,
             FaultKind.DROP_CONNECTION)
DC_FAULTS = (429, 500, 502, "drop", "drop_after")


async def _press_all(both: Both, group: int, channel: int) -> None:
    """Answers to the meeting and votes on the poll, from both platforms."""
    tg_card = next(m for m in both.tg.messages(group)
                   if m.callback_data and m.callback_data[0].startswith("mr:"))
    dc_card = next(m for m in both.dc.messages(channel)
                   if any(c.startswith("mr:") for c in m.custom_ids()))
    await both.tg_press(group, both.tg_admin, tg_card.message_id, tg_card.callback_data[0])
    await both.dc_click(channel, dc_card.id, both.dc_member, dc_card.custom_ids()[1])
    tg_poll = next(m for m in both.tg.messages(group)
                   if m.callback_data and m.callback_data[0].startswith("pv:"))
    dc_poll = next(m for m in both.dc.messages(channel)
                   if any(c.startswith("pv:") for c in m.custom_ids()))
    await both.tg_press(group, both.tg_member, tg_poll.message_id, tg_poll.callback_data[1])
    await both.dc_click(channel, dc_poll.id, both.dc_member, dc_poll.custom_ids()[0])


async def test_nothing_is_lost_or_doubled_when_one_call_in_five_fails(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/faults.db"
    async with both_platforms(url, operator_ids=[f"telegram:{CONSUL}"]) as both:
        group, channel = await both.linked_pair(tg_lang="es", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin, "/timezone Europe/Madrid")
        # Tomorrow 18:00 in Madrid: the 24 h and 1 h reminders fall inside the run.
        await both.tg_command(group, both.tg_admin, "/meeting new Diálogo | 2026-01-06 18:00")
        await both.tg_command(group, both.tg_admin,
                              "/poll new ¿Dónde? | Café | Online --closes 2026-01-06 12:00")
        await both.tg_command(group, both.tg_admin,
                              "/kb add Renovar pasaporte | Pide cita en la web. | #pasaporte")
        await both.settle()
        await _press_all(both, group, channel)

        both.tg.add_user(CONSUL, "Cónsul", language_code="es")
        chats = [(Platform.TELEGRAM, str(group), "es"), (Platform.DISCORD, str(channel), "en")]
        for n in range(149):
            both.tg.add_chat(-20_000 - n, "supergroup", f"Grupo {n}")
            chats.append((Platform.TELEGRAM, str(-20_000 - n), "es"))
            chats.append((Platform.DISCORD, str(both.dc.add_channel(both.guild, f"c-{n}")),
                          "fr"))
        await _register_and_subscribe(both.app, chats)
        assert len(chats) == 300

        both.tg.set_fault_rate(0.2, TG_FAULTS, seed=11)
        both.dc.set_fault_rate(0.2, DC_FAULTS, seed=11)
        await _publish(both.telegram, both.tg, both.clock)
        before = sum("Renovar pasaporte" in t for t in both.tg_texts(group))  # the /kb add
        found = await both.tg_command(group, both.tg_admin, "/kb find pasaporte")
        # 33 hours, twenty minutes at a time: both reminders, the poll's close, every retry.
        for _ in range(3 * 33):
            await both.advance(timedelta(minutes=20))
        both.tg.set_fault_rate(0)
        both.dc.set_fault_rate(0)
        await both.advance(timedelta(minutes=10))

        assert both.tg.faults_injected > 20 and both.dc.stats.faults_injected > 20
        assert both.telegram.application.running and both.discord.client.is_ready()
        # The search was answered once, after however many tries.
        assert any("Renovar pasaporte" in m.text for m in found)
        assert sum("Renovar pasaporte" in t for t in both.tg_texts(group)) == before + 1

        copies: Counter[str] = Counter()
        for platform, chat_id, _lang in chats:
            texts = (both.tg_texts(int(chat_id)) if platform == Platform.TELEGRAM
                     else both.dc_texts(int(chat_id)))
            notice = [t for t in texts if "Oficina cerrada" in t or "Office closed" in t
                      or "Bureau fermé" in t]
            assert len(notice) == 1, (platform, chat_id, texts)
            copies[platform] += 1
        assert copies == {Platform.TELEGRAM: 150, Platform.DISCORD: 150}

        tg_texts, dc_texts = both.tg_texts(group), both.dc_texts(channel)
        # Two reminders each (24 h and 1 h before), never doubled, never lost.
        assert sum(t.startswith("⏰ Recordatorio: Diálogo") for t in tg_texts) == 2, tg_texts
        assert sum("Reminder: Diálogo starts" in t for t in dc_texts) == 2, dc_texts
        # The poll's results once in each chat, the votes of both platforms merged.
        results = [t for t in tg_texts if t.startswith("Resultados de la encuesta #1")]
        assert len(results) == 1 and "2 personas han votado" in results[0]
        assert sum(t.startswith("Results of poll #1") for t in dc_texts) == 1

        # Every delivery ended sent, none gave up: the retries were enough, and bounded.
        async with both.store.outbox.sessions() as s:
            rows = list(await s.scalars(select(DeliveryRow)))
        statuses = Counter(r.status for r in rows)
        assert set(statuses) == {DeliveryStatus.SENT.value}, statuses
        assert max(r.attempts for r in rows) <= MAX_ATTEMPTS
        assert sum(r.attempts > 1 for r in rows) > 20  # faults were met, and retried


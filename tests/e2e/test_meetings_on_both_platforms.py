"""A meeting created in a Telegram group reaches the linked Discord channel; answers from both
merge on every card, the attendee list shows each platform's names, and the reminder fires on
the real scheduler into both chats."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.adapters.both_harness import both_platforms

# The fake clock starts on Monday 5 January 2026, 09:00 UTC.


async def test_answers_through_both_fakes_merge_on_every_card(db_url: str) -> None:
    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="es", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin, "/timezone Europe/Madrid")
        await both.tg_command(group, both.tg_admin, "/meeting new Diálogo | 2026-01-08 18:00")
        await both.settle()
        [tg_card] = [m for m in both.tg.messages(group) if m.callback_data
                     and m.callback_data[0].startswith("mr:")]
        [dc_card] = [m for m in both.dc.messages(channel)
                     if any(c.startswith("mr:") for c in m.custom_ids())]
        # Discord shows the start as a timestamp each client renders in its own zone.
        start = 1767891600  # 2026-01-08 17:00 UTC = 18:00 in Madrid
        assert f"<t:{start}:F>" in both.dc_texts(channel)[-1]
        going, maybe, no = tg_card.callback_data[:3]
        assert dc_card.custom_ids()[:3] == [going, maybe, no]

        # Ana goes; Bruno says maybe, then changes his mind; Eli (Discord) is not going.
        toast = await both.tg_press(group, both.tg_admin, tg_card.message_id, going)
        assert "¡Nos vemos allí!" in str(toast.get("text"))
        await both.tg_press(group, both.tg_member, tg_card.message_id, maybe)
        await both.tg_press(group, both.tg_member, tg_card.message_id, going)
        await both.dc_click(channel, dc_card.id, both.dc_member, no)
        again = await both.tg_press(group, both.tg_member, tg_card.message_id, going)
        assert "Ya respondiste" in str(again.get("text"))
        await both.advance(timedelta(seconds=5))  # the debounced card edits

        [tg_card] = [m for m in both.tg.messages(group) if m.message_id == tg_card.message_id]
        assert "2 asistirán · 0 quizás · 1 no asistirá" in tg_card.text
        [dc_text] = [t for m, t in zip(both.dc.messages(channel), both.dc_texts(channel),
                                       strict=True) if m.id == dc_card.id]
        assert "2 going · 0 maybe · 1 not going" in dc_text

        # The attendee list, only to whoever asked, with the names each platform shows.
        who = dc_card.custom_ids()[4]
        listed = await both.dc_click(channel, dc_card.id, both.dc_member, who)
        assert listed.ephemeral
        text = str(listed.content) + str((listed.data or {}).get("embeds", ""))
        assert re.search(r"2 going\**: Ana and Bruno", text), text
        assert re.search(r"1 not going\**: eli", text), text

        # 24 hours before: the reminder reaches both chats, each in its language.
        await both.advance(timedelta(days=2, hours=8, minutes=1))
        assert [t for t in (m.text for m in both.tg.messages(group))
                if t.startswith("⏰ Recordatorio: Diálogo")]
        assert [t for t in both.dc_texts(channel) if "Reminder: Diálogo starts in" in t]

"""A Spanish Telegram group (Madrid) and a Hindi Discord channel (Kolkata) of one community
each get one digest, at 09:00 of their own zone, with the same facts in their own language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from tests.adapters.both_harness import both_platforms


async def test_each_chat_gets_its_digest_at_nine_local(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 5, 3, 12, 0, tzinfo=UTC))  # Sunday
    async with both_platforms(db_url, clock=clock) as both:
        group, channel = await both.linked_pair(tg_lang="es", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin, "/timezone Europe/Madrid")
        await both.dc_slash(channel, both.dc_admin, "language", {"code": "hi"})
        await both.dc_slash(channel, both.dc_admin, "timezone", {"zone": "Asia/Kolkata"})
        await both.tg_command(group, both.tg_admin, "/poll new ¿Próximo tema? | Vivienda | Trabajo")
        await both.settle()

        def digests() -> tuple[list[str], list[str]]:
            spanish = [m.text for m in both.tg.messages(group)
                       if m.text.startswith("Tu resumen semanal")]
            hindi = [t for t in both.dc_texts(channel) if "आपका साप्ताहिक सारांश" in t]
            return spanish, hindi

        await both.advance(timedelta(hours=1))  # the hourly planner schedules both digests
        await both.advance(timedelta(hours=14, minutes=29))  # Monday 03:29 UTC
        assert digests() == ([], [])
        await both.advance(timedelta(minutes=1))  # 09:00 in Kolkata
        spanish, hindi = digests()
        assert spanish == [] and len(hindi) == 1
        await both.advance(timedelta(hours=3, minutes=30))  # 07:00 UTC: 09:00 in Madrid
        spanish, hindi = digests()
        assert len(spanish) == 1 and len(hindi) == 1
        assert "¿Próximo tema?" in spanish[0] and "1 encuesta abierta" in spanish[0]
        assert "¿Próximo tema?" in hindi[0] and "1 खुला मतदान" in hindi[0]
        await both.advance(timedelta(days=1))
        assert tuple(map(len, digests())) == (1, 1)  # once per period

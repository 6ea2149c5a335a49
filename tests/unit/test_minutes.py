"""Live minutes: a session of 20 marks across two platforms, posted in each chat's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events import Platform, UserRef
from bot.features.meetings.minutes_text import md
from bot.replies import Reply
from tests.support import Harness, texts
from tests.unit.meeting_helpers import Community, linked

SESSION_START = datetime(2026, 1, 9, 16, 55, tzinfo=UTC)  # 17:55 in Madrid


async def _run_session(harness: Harness) -> tuple[Community, Reply]:
    c = await linked(harness)
    c.in_telegram()
    await harness.send("/meeting new Diálogo mensual | viernes 18:00 | 90m")
    harness.clock.set(SESSION_START)
    await harness.settle()
    start = texts(await harness.send("/session start"))
    assert "Diálogo mensual" in start
    marks = [
        (c.in_telegram, "ana", "/present"),
        (c.in_discord, "dee", "/present"),
        (c.in_telegram, "mod", "/topic Presupuesto"),
        (c.in_telegram, "ana", "/info El local cuesta 200 € *aprox*"),
        (c.in_discord, "dee", "/idea Pedir ayuda al ayuntamiento"),
        (c.in_telegram, "mod", "/agreed Pagamos el local a medias"),
        (c.in_telegram, "mod", "/action ana Reservar el local | 2026-01-14"),
        (c.in_discord, "dmod", "/topic Pasaportes"),
        (c.in_discord, "dee", "/info The consulate opens on Saturdays"),
        (c.in_telegram, "ana", "/info una errata"),
        (c.in_telegram, "mod", "/undo"),
        (c.in_telegram, "ana", "/idea Un calendario compartido"),
        (c.in_telegram, "mod", "/chair dee"),
        (c.in_discord, "dee", "/agreed Dee lleva la lista"),
        (c.in_discord, "dee", "/action zoe Llamar al consulado"),
        (c.in_telegram, "mod", "/topic Varios"),
        (c.in_telegram, "mod", "/info Próxima reunión en febrero"),
        (c.in_telegram, "ana", "/idea Picnic en mayo"),
        (c.in_telegram, "bob", "/present"),
        (c.in_telegram, "mod", "/action bob Traer sillas 2026-01-20"),
    ]
    assert len(marks) == 20
    for where, who, line in marks:
        where(who, admin=who in ("mod", "dmod"))
        out = texts(await harness.send(line))
        assert "Solo" not in out and "Seuls" not in out and "Usage" not in out, (line, out)
    harness.clock.advance(timedelta(minutes=95))
    c.in_discord("dee", admin=False)
    [ended] = await harness.send("/session end")
    assert isinstance(ended, Reply)
    await harness.settle()
    return c, ended


async def test_minutes_of_a_twenty_mark_session_reach_every_chat_in_its_language(
        harness: Harness) -> None:
    c, ended = await _run_session(harness)
    tg = c.tg.texts()[-1]
    # The bot's words in Spanish; what people wrote stays as written.
    assert tg.startswith("Acta: Diálogo mensual\n"
                         "viernes, 9 de enero de 2026, 17:55–19:30 (95 minutos)\n"
                         "Presidencia: Mod y Dee\n"
                         "5 asistentes: Ana, Dee, Mod, Dmod y Bob")
    assert "1. Presupuesto\n   • Información: El local cuesta 200 € *aprox* — Ana" in tg
    assert "una errata" not in tg
    assert "Información: The consulate opens on Saturdays — Dee" in tg
    assert "Acuerdos\n• Pagamos el local a medias\n• Dee lleva la lista" in tg
    assert "• Ana: Reservar el local (vence el 14 ene 2026)  [1]" in tg
    assert "• zoe: Llamar al consulado  [2]" in tg
    # The chat that ended it gets the minutes as the answer, in French, with the file.
    dc = ended.body.plain()
    assert "Compte rendu\xa0: Diálogo mensual" in dc
    assert "Décisions\n• Pagamos el local a medias" in dc
    assert "Bob\xa0: Traer sillas (pour le 20 janv. 2026)" in dc
    assert ended.document is not None and ended.document.filename.endswith(".md")
    markdown = ended.document.data.decode()
    assert markdown.startswith("# Compte rendu\xa0: Diálogo mensual")
    assert md("El local cuesta 200 € *aprox*") in markdown
    assert "\\*aprox\\*" in markdown
    assert "## Décisions" in markdown and "## Actions à mener" in markdown
    # Stored: /minutes gives them back, in whatever chat asks.
    c.in_telegram("ana", admin=False)
    [again] = await harness.send("/minutes")
    assert isinstance(again, Reply) and again.document is not None
    assert "Acta: Diálogo mensual" in again.body.plain()


async def test_action_items_get_reminders_and_stay_listed_until_done(harness: Harness) -> None:
    c, _ended = await _run_session(harness)
    c.in_telegram("ana", admin=False)
    listed = texts(await harness.send("/actions"))
    assert listed.count("[") == 3
    harness.clock.set(datetime(2026, 1, 14, 8, 0, tzinfo=UTC))  # 09:00 in Madrid
    await harness.settle()
    [private] = c.tg.texts("tg-ana")
    assert "Reservar el local" in private and "/done 1" in private
    marks = await harness.app.store.minutes.open_actions([await _community(c)])
    ana_action = next(m for m, _s in marks if m.text == "Reservar el local")
    bob_action = next(m for m, _s in marks if m.text == "Traer sillas")
    assert "Solo su responsable" in texts(await harness.send(f"/done {bob_action.number}"))
    assert "Hecho: Reservar el local" in texts(await harness.send(f"/done {ana_action.number}"))
    assert "ya está hecha" in texts(await harness.send(f"/done {ana_action.number}"))
    assert texts(await harness.send("/actions")).count("[") == 2
    harness.in_chat("tg-ana", private=True)
    assert "No hay tareas pendientes" in texts(await harness.send("/actions"))
    harness.in_chat("tg-bob", private=True)
    harness.user = UserRef(Platform.TELEGRAM, "tg-bob", "Bob", "bob")
    assert "Traer sillas" in texts(await harness.send("/actions"))
    # Bob's reminder is due on the 20th; once done early, it never goes out.
    c.in_telegram("mod")
    await harness.send(f"/done {bob_action.number}")
    harness.clock.set(datetime(2026, 1, 21, tzinfo=UTC))
    await harness.settle()
    assert c.tg.texts("tg-bob") == []


async def _community(c: Community) -> int:
    return (await c.chat(Platform.TELEGRAM)).community_id


async def test_who_may_do_what_during_a_session(harness: Harness) -> None:
    c = await linked(harness, tg=("en", "Europe/Madrid"), dc=("en", "Europe/Madrid"))
    c.in_telegram("ana", admin=False)
    assert "No session is running" in texts(await harness.send("/info hello"))
    assert "Only moderators" in texts(await harness.send("/session start"))
    c.in_telegram()
    started = texts(await harness.send("/session start Budget working group"))
    assert "Budget working group" in started
    await harness.settle()
    assert "Live minutes started: Budget working group" in c.dc.texts()[-1]
    c.in_discord()
    assert "already running" in texts(await harness.send("/session start"))
    c.in_telegram("ana", admin=False)
    for line in ("/topic Mine", "/agreed Yes", "/action ana Do it", "/undo", "/chair ana",
                 "/session end"):
        assert "Only the session's chairs" in texts(await harness.send(line)), line
    assert "Noted." in texts(await harness.send("/info fine"))
    assert "Usage: /info <text>" in texts(await harness.send("/info"))
    assert "too long" in texts(await harness.send("/idea " + "x" * 600))
    assert "already on the list" in texts(await harness.send("/present"))
    c.in_telegram()
    assert "Who does what?" in texts(await harness.send("/action ana"))
    assert "haven't seen zed" in texts(await harness.send("/chair zed"))
    assert "has already passed" in texts(await harness.send("/action ana Do it | 2025-01-01"))
    await harness.send("/topic Numbers")
    await harness.settle()
    assert "Topic: Numbers" in c.dc.texts()[-1]
    assert "Removed: Topic: Numbers" in texts(await harness.send("/undo"))
    await harness.send("/session end")
    assert "No session is running" in texts(await harness.send("/session end"))

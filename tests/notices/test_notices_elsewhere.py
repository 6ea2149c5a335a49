"""Notices beside the rest: quiet hours hold ordinary copies, urgent ones pass; digests list them."""

from __future__ import annotations

from datetime import timedelta

from tests.notices.helpers import as_consul, register, settle_all
from tests.support import Harness, texts


async def _subscribe_main(h: Harness) -> None:
    h.as_user("me", admin=True)
    h.in_chat("main")
    assert "now receives every notice" in texts(await h.send("/subscribe mx-madrid"))


async def test_quiet_hours_hold_ordinary_copies_and_urgent_ones_pass(harness: Harness) -> None:
    h = harness
    await register(h)
    await _subscribe_main(h)
    await h.send("/quiet 08:00-20:00")  # the fake clock stands at 09:00 UTC
    as_consul(h)
    out = texts(await h.send("/notice new Oficina cerrada | La oficina cierra el lunes. | "
                             "documents | es"))
    assert "Preview" in out
    await h.send("/notice publish 1")
    out = texts(await h.send("/notice new Alerta | Evite la zona centro. | emergencies | es"))
    await h.send("/notice set 2 urgent on")
    await h.send("/notice publish 2")
    await h.settle()
    main = [t for t in h.messenger.texts("main") if t.startswith("🛡")]
    assert len(main) == 1 and "Alerta" in main[0]
    await h.advance(timedelta(hours=11))
    await settle_all(h)
    main = [t for t in h.messenger.texts("main") if t.startswith("🛡")]
    assert len(main) == 2 and "Oficina cerrada" in main[1]


async def test_the_digest_lists_notices_with_their_organisation(harness: Harness) -> None:
    h = harness
    await register(h)
    await _subscribe_main(h)
    as_consul(h)
    await h.send("/notice new Oficina cerrada | La oficina cierra el lunes. | documents | es")
    await h.send("/notice publish 1")
    await settle_all(h)
    h.as_user("me", admin=True)
    h.in_chat("main")
    digest = texts(await h.send("/digest"))
    assert "1 official notice" in digest
    assert "Oficina cerrada — Consulado General de México en Madrid" in digest


async def test_a_private_digest_shows_a_notice_once_across_communities(
        harness: Harness) -> None:
    h = harness
    await register(h)
    for chat in ("madrid", "sevilla"):  # two groups, two communities, one member in both
        h.as_user("me", admin=True)
        h.in_chat(chat, title=chat.title())
        assert "now receives every notice" in texts(await h.send("/subscribe mx-madrid"))
        h.as_user("ana")
        await h.send("/help")
    as_consul(h)
    await h.send("/notice new Oficina cerrada | La oficina cierra el lunes. | documents | es")
    await h.send("/notice publish 1")
    await h.send("/notice new Nuevo horario | Abrimos a las 8. | documents | es")
    await h.send("/notice publish 2")
    await settle_all(h)
    h.as_user("ana")
    h.in_chat("ana", private=True)
    digest = texts(await h.send("/digest"))
    assert digest.count("Oficina cerrada") == 1 and digest.count("Nuevo horario") == 1, digest
    assert "2 official notices" in digest and "In Madrid" in digest
    assert "In Sevilla" not in digest  # it had nothing else to show

"""Publishing to many chats on two platforms: one copy each, in the right language, reported."""

from __future__ import annotations

import re
from collections import Counter

from bot.actions import unpack
from bot.events import ChatKind, ChatRef, Platform
from bot.features.notices.actions import MarkSeen, ReadIn
from bot.ports import DeliveryError
from bot.records import DeliveryStatus
from bot.replies import Reply, Toast
from tests.notices.helpers import (
    ScriptedMessenger,
    as_consul,
    register,
    settle_all,
    subscribed_chats,
)
from tests.support import Harness, texts

LANGS = ("es", "en", "fr", "pt", "ar", "hi")
TITLES = {"es": "Oficina cerrada", "en": "Office closed", "fr": "Bureau fermé"}
BODIES = {"es": "La oficina cierra el lunes.", "en": "The office is closed on Monday.",
          "fr": "Le bureau est fermé lundi."}


async def _publish_three_versions(h: Harness) -> int:
    as_consul(h)
    out = texts(await h.send(f"/notice new {TITLES['es']} | {BODIES['es']} | documents | es"))
    number = int(re.search(r"Preview of notice #(\d+)", out).group(1))  # type: ignore[union-attr]
    for lang in ("en", "fr"):
        await h.send(f"/notice text {number} {lang} {TITLES[lang]} | {BODIES[lang]}")
    out = texts(await h.send(f"/notice publish {number}"))
    assert "Published" in out, out
    return number


def _title_line(reply: Reply) -> str:
    return reply.body.blocks[1].lines[0].plain()


async def test_300_chats_over_two_platforms_each_get_one_copy_in_their_language(
        harness: Harness) -> None:
    h = harness
    telegram, discord = ScriptedMessenger(Platform.TELEGRAM), ScriptedMessenger(Platform.DISCORD)
    h.app.add_messenger(telegram)
    h.app.add_messenger(discord)
    await register(h)
    chats = await subscribed_chats(h, 300, platforms=(Platform.TELEGRAM, Platform.DISCORD),
                                   languages=LANGS)
    await _publish_three_versions(h)
    await settle_all(h)

    copies = {**telegram.copies(), **discord.copies()}
    assert len(copies) == 300
    assert all(len(sent) == 1 for sent in copies.values())
    for chat in chats:
        [reply] = copies[chat.platform_id]
        lang = chat.language or "en"
        expected = TITLES.get(lang, TITLES["es"])
        assert _title_line(reply) == expected
        body = reply.body.plain()
        if lang in TITLES:
            assert reply.buttons == () and "Also available" not in body
        else:
            # Portuguese, Arabic and Hindi chats read the Spanish version, with a way to the others.
            labels = [b.label for row in reply.buttons for b in row]
            assert labels == ["English", "français"], labels
            assert all(isinstance(unpack(b.action), ReadIn) for row in reply.buttons for b in row)
    # The header line comes from the register, in each chat's language.
    english = next(r for c in chats if c.language == "en" for r in copies[c.platform_id])
    assert english.body.blocks[0].lines[0].plain() == (
        "🛡️ Official notice · Consulado General de México en Madrid")


async def test_scripted_429_and_5xx_still_deliver_every_copy_once_and_the_report_adds_up(
        harness: Harness) -> None:
    h = harness

    def flaky(call: int, chat: ChatRef) -> DeliveryError | None:
        if call % 7 == 0:
            return DeliveryError("Too Many Requests: retry after 3", transient=True, retry_after=3)
        if call % 11 == 0:
            return DeliveryError("502 Bad Gateway", transient=True)
        return None

    def gone(call: int, chat: ChatRef) -> DeliveryError | None:
        if chat.id in ("di1", "di3"):
            return DeliveryError("Forbidden: bot was kicked", chat_gone=True)
        return flaky(call, chat)

    telegram, discord = ScriptedMessenger(Platform.TELEGRAM, flaky), ScriptedMessenger(
        Platform.DISCORD, gone)
    h.app.add_messenger(telegram)
    h.app.add_messenger(discord)
    await register(h)
    await subscribed_chats(h, 60, platforms=(Platform.TELEGRAM, Platform.DISCORD),
                           languages=LANGS)
    # A member's own private chat follows the consulate too, and has blocked the bot.
    store = h.app.store
    org = await store.notices.find_org("mx-madrid")
    assert org is not None
    private = await store.chats.ensure(ChatRef(Platform.DISCORD, "di999", ChatKind.PRIVATE), "es")
    await store.notices.subscribe(private.id, org.id, [], None)
    discord.script = lambda call, chat: (DeliveryError("Cannot send messages to this user",
                                                       chat_gone=True)
                                         if chat.id == "di999" else gone(call, chat))
    number = await _publish_three_versions(h)
    await settle_all(h)

    assert telegram.refused > 0 and discord.refused > 0
    tg, dc = telegram.copies(), discord.copies()
    assert len(tg) == 30 and all(len(v) == 1 for v in tg.values())
    assert len(dc) == 28 and all(len(v) == 1 for v in dc.values())
    statuses = Counter(c.status for c in await store.notices.copies(number))
    assert statuses == {DeliveryStatus.SENT: 58, DeliveryStatus.FAILED: 3}

    # The report lives in the consul's private chat: sent once, then edited in place.
    reports = [r for c, r in h.messenger.sent if r.body.plain().startswith("📊")]
    assert len(reports) == 1
    final = [r.body.plain() for _c, _ids, r in h.messenger.edits][-1]
    assert "Telegram — delivered: 30, pending: 0, failed: 0" in final
    assert "Discord — delivered: 28, pending: 0, failed: 3" in final
    assert "Chat 1 (Discord): the bot was removed from the chat or blocked" in final
    assert "Chat 3 (Discord)" in final
    assert "1 private chat of a member (not named)" in final
    assert "di999" not in final
    assert "Finished: 58 chats received the notice." in final
    assert "Total: 61 chats subscribed, 3 not delivered." in final
    # The live report was edited while the broadcast ran, not only at the end.
    assert any("Still sending" in r.body.plain() for _c, _ids, r in h.messenger.edits)


async def test_members_read_another_version_privately_and_mark_it_seen_once(
        harness: Harness) -> None:
    h = harness
    telegram = ScriptedMessenger(Platform.TELEGRAM)
    h.app.add_messenger(telegram)
    await register(h)
    chats = await subscribed_chats(h, 1, platforms=(Platform.TELEGRAM,), languages=("pt",))
    as_consul(h)
    await h.send(f"/notice new {TITLES['es']} | {BODIES['es']}")
    await h.send(f"/notice text 1 en {TITLES['en']} | {BODIES['en']}")
    await h.send("/notice set 1 seen on")
    await h.send("/notice publish 1")
    await settle_all(h)
    [reply] = telegram.copies()[chats[0].platform_id]
    actions = [b.action for row in reply.buttons for b in row]
    seen = next(a for a in actions if isinstance(unpack(a), MarkSeen))
    read = next(a for a in actions if isinstance(unpack(a), ReadIn))

    h.in_chat(chats[0].platform_id, platform=Platform.TELEGRAM).as_user("ana", locale="pt")
    out = await h.press(read)
    [private] = [o for o in out if isinstance(o, Reply)]
    assert private.private and "Office closed" in private.body.plain()
    assert texts(await h.press(seen)) == "Obrigado. Anotado."
    assert texts(await h.press(seen)) == "Você já marcou este aviso como visto."
    h.as_user("bea")
    await h.press(seen)
    assert await h.app.store.notices.seen_count(1) == 2
    # Nothing that names a member is kept: only opaque tokens.
    forged = await h.press("ntn:999")
    assert [o.text for o in forged if isinstance(o, Toast)] == ["Este aviso não está disponível."]  # the chat reads Portuguese

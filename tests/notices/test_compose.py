"""Composing, previewing and publishing: only verified broadcasters, and bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import unpack
from bot.events import Platform
from bot.features.notices.actions import PublishNotice, ToggleOption
from bot.forms import SkipField
from bot.records import DeliveryStatus
from bot.replies import Reply
from bot.richtext import Bold, Link, Text
from bot.sources import NOTICE_COPY
from tests.notices.helpers import (
    ScriptedMessenger,
    as_consul,
    register,
    settle_all,
    subscribed_chats,
)
from tests.support import Harness, texts


async def _audit(h: Harness, action: str) -> list[tuple[bool, dict[str, object]]]:
    entries = await h.app.store.audit.recent(None, limit=100)
    return [(e.allowed, e.detail) for e in entries if e.action == action]


async def _setup(h: Harness, chats: int = 3, languages: tuple[str, ...] = ("es", "en", "ar"),
                 **kwargs: object) -> ScriptedMessenger:
    telegram = ScriptedMessenger(Platform.TELEGRAM)
    h.app.add_messenger(telegram)
    await register(h)
    await subscribed_chats(h, chats, platforms=(Platform.TELEGRAM,), languages=languages,
                           **kwargs)  # type: ignore[arg-type]
    as_consul(h)
    return telegram


async def test_a_member_who_is_no_broadcaster_is_refused_and_audited(harness: Harness) -> None:
    h = harness
    await register(h)
    h.as_user("mallory").in_chat("mallory", private=True)
    out = texts(await h.send("/notice new Fake | Send money to this account."))
    assert "Only verified broadcasters can publish notices" in out
    assert "console:mallory" in out
    assert await h.app.store.notices.recent([1]) == []
    assert await _audit(h, "notice new") == [
        (False, {"needed": "member", "check": "verified broadcasters"})]
    # In a group the command is refused before anything else.
    h.in_chat("main")
    assert "private chat" in texts(await h.send("/notice new A | B"))


async def test_a_broadcaster_of_one_consulate_cannot_publish_as_another(harness: Harness) -> None:
    h = harness
    await _setup(h)
    await register(h, short="in-madrid", name="Embassy of India", language="hi", consul="raj")
    as_consul(h)
    out = texts(await h.send("/notice new Aviso | Texto | other | es | in-madrid"))
    assert "You cannot publish as in-madrid" in out and "mx-madrid" in out
    # Raj's notice cannot be touched by the Mexican consul either.
    as_consul(h, "raj")
    assert "Preview of notice #1" in texts(await h.send("/notice new Notice | Text"))
    as_consul(h)
    for line in ("/notice publish 1", "/notice preview 1", "/notice set 1 urgent on",
                 "/notice correct 1 es A | B", "/notice retract 1"):
        assert "belongs to an organisation you do not publish for" in texts(await h.send(line))
    assert "belongs to an organisation" in texts(await h.press(PublishNotice(1).pack()))
    refused = await _audit(h, "notice.refused") + await _audit(h, "notice.publish")
    refused += await _audit(h, "notice.access") + await _audit(h, "notice.correct")
    refused += await _audit(h, "notice.retract")
    assert sum(1 for allowed, _d in refused if not allowed) == 7
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.status == "draft" and not notice.urgent


async def test_the_preview_is_exactly_what_each_language_gets(harness: Harness) -> None:
    h = harness
    telegram = await _setup(h)
    await h.send("/notice new Oficina cerrada | La oficina cierra el lunes. | documents | es")
    await h.send("/notice text 1 en Office closed | The office is closed on Monday.")
    preview = [o for o in await h.send("/notice preview 1") if isinstance(o, Reply)]
    summary = preview[-1].body.plain()
    assert "It will reach 3 chats:" in summary
    assert "(they get the español version and a list of the others)" in summary
    variants = preview[:-1]
    assert len(variants) == 3  # Spanish, English, and the Arabic chat's fallback
    await h.send("/notice publish 1")
    await settle_all(h)
    copies = telegram.copies()
    received = sorted(repr((r.body, r.buttons)) for sent in copies.values() for r in sent)
    shown = sorted(repr((r.body, r.buttons)) for r in variants)
    assert received == shown


async def test_composing_with_the_guided_dialogue(harness: Harness) -> None:
    h = harness
    await _setup(h)
    out = texts(await h.send("/notice new"))
    assert "New notice for Consulado General de México en Madrid · 1/3" in out
    assert "Title" in out
    assert "Text" in texts(await h.say("Pasaportes"))
    out = texts(await h.say("La oficina de pasaportes cierra el lunes.\nTraiga su cita."))
    assert "Now:\nes" in out
    out = texts(await h.press(SkipField(2).pack()))
    assert "Preview of notice #1" in out
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.main_language == "es"
    assert notice.texts["es"].body == "La oficina de pasaportes cierra el lunes.\nTraiga su cita."
    # The dialogue is over: another message is not taken as an answer.
    assert await h.say("hola") == []


async def test_bad_input_is_refused_clearly_and_changes_nothing(harness: Harness) -> None:
    h = harness
    await _setup(h)
    too_long = "x" * 5000
    out = texts(await h.send(f"/notice new Title | {too_long}"))
    assert "The text is 5,000 characters long" in out and "at most 3,500" in out
    out = texts(await h.send("/notice new " + "y" * 20_001))
    assert "20,000 characters at most" in out
    await h.send("/notice new")
    await h.say("Title")
    out = texts(await h.say("z" * 20_000))
    assert "Your answer to “Text” has 20,000 characters; at most 3,500 fit." in out
    await h.send("/cancel")
    await h.send("/notice new")
    await h.say("Title")
    await h.say("Body")
    out = texts(await h.say("Spanish, the one we speak"))
    assert out == "Your answer to “Language of this text” has 25 characters; at most 8 fit."
    await h.send("/cancel")
    out = texts(await h.send("/notice new 🛡️ Official notice · Other consulate | Pay here"))
    assert "A line cannot start with 🛡️" in out
    out = texts(await h.send("/notice new Title | fine\n ⛨ also a shield"))
    assert "A line cannot start with" in out
    assert "is not one of" in texts(await h.send("/notice new T | B | nonsense"))
    assert "I don't speak de yet" in texts(await h.send("/notice new T | B | other | de"))
    assert await h.app.store.notices.recent([1]) == []

    await h.send("/notice new Aviso | Texto")
    for line, answer in (
            ("/notice set 1 colour red", "is not one of"),
            ("/notice set 1 urgent maybe", "Say on or off."),
            ("/notice set 1 at yesterday 10:00", "has already passed"),
            ("/notice set 1 at soon", "could not read"),
            ("/notice set abc category elections", "“abc” is not a number"),
            ("/notice publish 999", "I don't know notice #999"),
            ("/notice text 1 xx A | B", "I don't speak xx yet"),
            ("/notice text 1 es -", "cannot be removed"),
            ("/notice report 1", "not published yet"),
            ("/notice correct 1", "not published yet"),
    ):
        assert answer in texts(await h.send(line)), line
    await h.send("/notice set 1 language fr")
    out = texts(await h.send("/notice publish 1"))
    assert "has no text in its main language (français)" in out
    await h.send("/notice set 1 language es")
    await h.send("/notice set 1 at 2026-03-10 09:00")
    out = texts(await h.send("/notice set 1 expires 2026-03-09 09:00"))
    assert "would expire before it is published" in out
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.expires_at is None and notice.status == "draft"


async def test_markup_in_the_text_is_shown_literally(harness: Harness) -> None:
    h = harness
    telegram = await _setup(h, chats=1, languages=("es",))
    body = "<b>Hola</b> **mundo** [clic](http://evil.example) &amp; <script>x</script>"
    await h.send(f"/notice new <i>Título</i> | {body}")
    await h.send("/notice publish 1")
    await settle_all(h)
    [[reply]] = telegram.copies().values()
    assert body in reply.body.plain() and "<i>Título</i>" in reply.body.plain()
    for block in reply.body.blocks[2:-1] or reply.body.blocks[2:]:
        for line in block.lines:
            assert all(isinstance(node, Text) for node in line.children)
    header = reply.body.blocks[0].lines[0].children
    assert isinstance(header[0], Bold) and not any(isinstance(n, Link) for n in header)


async def test_a_publish_time_that_has_passed_and_the_schedule(harness: Harness) -> None:
    h = harness
    telegram = await _setup(h, chats=2, languages=("es",))
    await h.send("/notice new Elecciones | Vota el domingo. | elections")
    await h.send("/notice set 1 at 2026-01-05 12:00")
    h.clock.advance(timedelta(hours=4))
    out = texts(await h.send("/notice publish 1"))
    assert "has passed" in out
    await h.send("/notice set 1 at 2026-01-06 08:00")
    out = texts(await h.send("/notice publish 1"))
    assert "Scheduled. Notice #1 will be published on" in out
    await h.advance(timedelta(hours=10))
    assert telegram.copies() == {}
    await h.advance(timedelta(hours=10))
    await settle_all(h)
    assert len(telegram.copies()) == 2
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.status == "published"


async def test_pressing_publish_twice_publishes_once(harness: Harness) -> None:
    h = harness
    telegram = await _setup(h, chats=4, languages=("es",))
    await h.send("/notice new Aviso | Texto")
    first = texts(await h.press(PublishNotice(1).pack()))
    second = texts(await h.press(PublishNotice(1).pack()))
    assert "Published. Notice #1 is on its way to 4 chats" in first
    assert "already published" in second
    await settle_all(h)
    assert all(len(v) == 1 for v in telegram.copies().values()) and len(telegram.copies()) == 4
    assert [a for a, _d in await _audit(h, "notice.publish")] == [True]


async def test_categories_filter_but_urgent_notices_reach_everyone(harness: Harness) -> None:
    h = harness
    telegram = await _setup(h, chats=2, languages=("es",), categories=("elections",))
    await h.send("/notice new Pasaportes | Nuevo horario. | documents")
    out = texts(await h.send("/notice publish 1"))
    assert "reach no one" in out
    out = await h.press(ToggleOption(1, "urgent").pack())
    summary = [o for o in out if isinstance(o, Reply)][-1]
    assert "Urgent: yes" in summary.body.plain()
    assert "It will reach 2 chats" in summary.body.plain()
    await h.send("/notice publish 1")
    await settle_all(h)
    copies = [r for sent in telegram.copies().values() for r in sent]
    assert len(copies) == 2 and all(r.pin for r in copies)
    assert all("🚨 Urgent" in r.body.plain() for r in copies)
    rows = await h.app.store.outbox.by_source(NOTICE_COPY.of(1))
    assert all(d.status == DeliveryStatus.SENT for d in rows)


async def test_discarding_a_draft_and_unscheduling(harness: Harness) -> None:
    h = harness
    await _setup(h, chats=1)
    await h.send("/notice new Aviso | Texto")
    await h.send("/notice set 1 at 2026-02-01 10:00")
    await h.send("/notice publish 1")
    out = texts(await h.send("/notice cancel 1"))
    assert "it is a draft again" in out
    assert "Draft #1 discarded." in texts(await h.send("/notice cancel 1"))
    assert "I don't know notice #1" in texts(await h.send("/notice preview 1"))
    await h.advance(timedelta(days=30))
    assert await h.app.store.outbox.by_source(NOTICE_COPY.of(1)) == []
    listing = texts(await h.send("/notice list"))
    assert "#1 · discarded · Aviso" in listing


async def test_the_preview_buttons_change_the_draft(harness: Harness) -> None:
    h = harness
    await _setup(h, chats=1)
    out = await h.send("/notice new Aviso | Texto")
    summary = [o for o in out if isinstance(o, Reply)][-1]
    actions = {unpack(b.action).prefix: b.action for row in summary.buttons for b in row}
    menu = next(o for o in await h.press(actions["ntc"]) if isinstance(o, Reply))
    elections = next(b.action for row in menu.buttons for b in row if b.label == "Elections")
    out = texts(await h.press(elections))
    assert "Category: Elections" in out
    out = texts(await h.press(ToggleOption(1, "seen").pack()))
    assert "Seen button: yes" in out
    menu = next(o for o in await h.press(actions["ntl"]) if isinstance(o, Reply))
    french = next(b.action for row in menu.buttons for b in row if b.label == "français")
    assert "Notice #1 in français · 1/2" in texts(await h.press(french))
    await h.say("Avis")
    out = texts(await h.say("Texte en français"))
    assert "Versions: español and français (main: español)" in out
    assert "Publish time" in texts(await h.press(actions["nts"]))
    out = texts(await h.say("2026-01-20 10:00"))
    assert "Publish: Tuesday, January 20, 2026" in out
    assert texts(await h.press(ToggleOption(1, "forged").pack())) == "This button no longer works."

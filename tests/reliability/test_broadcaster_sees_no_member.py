"""A broadcaster never learns who the members are: not from reports, lists or buttons."""

from __future__ import annotations

from bot.events import ChatKind, ChatRef, Platform
from bot.features.notices.actions import MarkSeen, ReadIn
from tests.notices.helpers import CONSUL, as_consul, register, settle_all
from tests.support import Harness, texts

MEMBERS = {"ana-7731": "Ana Gómez", "ben-8842": "Benedikt Oyelaran"}


async def test_nothing_the_consul_receives_names_a_member(harness: Harness) -> None:
    h = harness
    await register(h)
    h.as_user("me", admin=True)
    h.in_chat("main")
    await h.send("/subscribe mx-madrid")
    # A private chat subscribed too: it is counted, never named.
    h.in_chat("ana-7731", private=True)
    h.as_user("ana-7731")
    await h.send("/subscribe mx-madrid")
    as_consul(h)
    await h.send("/notice new Oficina cerrada | La oficina cierra el lunes. | documents | es")
    await h.send("/notice text 1 en Office closed | The office is closed on Monday.")
    await h.send("/notice set 1 seen on")
    await h.send("/notice publish 1")
    await settle_all(h)
    for key, name in MEMBERS.items():
        h.user = h.user.__class__(Platform.CONSOLE, key, name, key)
        h.chat = ChatRef(Platform.CONSOLE, "main", ChatKind.GROUP, "Main")
        await h.press(MarkSeen(1).pack())
        await h.press(ReadIn(1, "en").pack())
    await settle_all(h)
    as_consul(h)
    answers = []
    for line in ("/notice report 1", "/notice list", "/notice preview 1", "/subscriptions",
                 "/mydata"):
        answers.append(texts(await h.send(line)))
    await settle_all(h)
    consul_chat = h.messenger.texts(CONSUL)
    everything = "\n".join(answers + consul_chat)
    assert "Seen by 2 people." in everything  # counts, and only counts
    for key, name in MEMBERS.items():
        assert key not in everything and name not in everything
        assert name.split()[0] not in everything

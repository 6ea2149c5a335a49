"""A person's own data: exported on request, erased with a confirmation, nobody else's."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.events import Platform
from bot.features.privacy import Forget
from bot.replies import Reply, Toast
from tests.support import Harness, make_harness, texts


async def test_mydata_sends_a_json_document_privately(harness: Harness) -> None:
    harness.as_user("alice", locale="fr")
    await harness.send("/help")
    harness.as_user("me", admin=True)
    await harness.send("/promote alice")
    harness.as_user("alice", locale="fr")
    [reply] = await harness.send("/mydata")
    assert isinstance(reply, Reply) and reply.private and reply.document is not None
    data = json.loads(reply.document.data)
    assert data["person"]["id"] == "alice" and data["person"]["display_name"] == "Alice"
    assert data["roles_granted"] == [{"community": 1, "role": "moderator"}]
    assert [c["title"] for c in data["chats_seen_in"]] == ["Main"]
    assert "Voici tout ce que je conserve" in reply.body.plain()


async def test_forgetme_erases_after_confirmation_only(harness: Harness) -> None:
    harness.as_user("alice")
    await harness.send("/language fr")  # refused: audited with alice as the actor
    harness.as_user("me", admin=True)
    await harness.send("/promote alice")
    harness.as_user("alice")
    [ask] = await harness.send("/forgetme")
    assert isinstance(ask, Reply) and ask.private
    alice = await harness.app.store.people.find(Platform.CONSOLE, "alice")
    assert alice is not None
    confirm, cancel = ask.buttons[0]
    assert confirm.action == Forget(alice.id, True).pack()

    harness.as_user("mallory")
    [refused] = await harness.press(confirm.action)
    assert isinstance(refused, Toast) and "Only the person" in refused.text

    harness.as_user("alice")
    assert "Nothing was erased" in texts(await harness.press(cancel.action))
    assert await harness.app.store.people.find(Platform.CONSOLE, "alice") is not None

    assert "erased" in texts(await harness.press(confirm.action))
    assert await harness.app.store.people.find(Platform.CONSOLE, "alice") is None
    chat = await harness.app.store.chats.find(Platform.CONSOLE, "main")
    assert chat is not None
    assert await harness.app.store.communities.granted_role(chat.community_id, alice.id) is None
    audit = await harness.app.store.audit.recent(None, limit=50)
    refused_language = [e for e in audit if e.action == "language" and not e.allowed]
    assert refused_language and refused_language[0].actor_person_id is None


async def test_old_audit_entries_are_purged(db_url: str) -> None:
    async with make_harness(db_url, audit_retention_days=30) as h:
        h.as_user("bob")
        await h.send("/link")  # refused, audited
        assert len(await h.app.store.audit.recent(None)) == 1
        await h.advance(timedelta(days=31))
        await h.advance(timedelta(days=1))
        assert await h.app.store.audit.recent(None) == []

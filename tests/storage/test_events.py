"""The per-event load: one transaction, cached, and never stale after a write here."""

from __future__ import annotations

from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.permissions import Role
from storage.store import SqlStore

GROUP = ChatRef(Platform.TELEGRAM, "-1", ChatKind.GROUP, "Madrid")
ANA = UserRef(Platform.TELEGRAM, "1", "Ana", "ana")


async def test_load_creates_touches_and_reads_the_grant(store: SqlStore) -> None:
    chat, person, granted = await store.events.load(GROUP, ANA, "es", reactivate=True)
    assert chat.language == "es" and person.display_name == "Ana" and granted is None
    assert [p.id for p in await store.people.find_by_name(chat.community_id, "ana")] == [
        person.id]
    await store.communities.grant(chat.community_id, person.id, Role.MODERATOR, None)
    assert (await store.events.load(GROUP, ANA, "es", reactivate=True))[2] == Role.MODERATOR


async def test_writes_through_the_store_are_seen_at_once(store: SqlStore) -> None:
    chat, _person, _ = await store.events.load(GROUP, ANA, "es", reactivate=True)
    chat.language = "fr"  # handlers may change what they got; the cache keeps its copy
    cached, _p, _g = await store.events.load(GROUP, ANA, "es", reactivate=True)
    assert cached.language == "es"
    await store.chats.update(chat)
    assert (await store.events.load(GROUP, ANA, "es", reactivate=True))[0].language == "fr"
    await store.chats.set_active(chat.id, False)
    assert (await store.events.load(GROUP, ANA, "es", reactivate=True))[0].active
    renamed = UserRef(Platform.TELEGRAM, "1", "Ana María", "ana")
    assert (await store.events.load(GROUP, renamed, None, reactivate=True))[1].display_name == (
        "Ana María")
    person = await store.people.find(Platform.TELEGRAM, "1")
    assert person is not None and person.display_name == "Ana María"

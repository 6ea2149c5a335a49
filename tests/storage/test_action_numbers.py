"""Action items are numbered per community, on every backend: the migration keeps the
numbers already sent, new items continue from the community's highest, a merge keeps
them unique, and an import from before the numbers keeps them too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text as sql

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.features.meetings.records import MarkKind, NewMark
from storage.db import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.transfer import export_community, import_community
from tests.support import open_store

NOW = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def _action(task: str) -> NewMark:
    return NewMark(MarkKind.ACTION, task, None, "Mod", None, "Ana", None)


async def _session(store: SqlStore, chat_id: str, title: str = "S") -> tuple[int, int]:
    chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, chat_id, ChatKind.GROUP, title),
                                    "es")
    person = await store.people.ensure(UserRef(Platform.TELEGRAM, "1", "Mod"), None)
    session = await store.minutes.start(chat.community_id, chat.id, title, person.id, NOW)
    assert session is not None
    return chat.community_id, session.id


async def _legacy_rows(db_url: str) -> dict[str, int]:
    """A database at the meetings schema from before the numbers, with a few marks."""
    engine = make_engine(db_url)
    await upgrade(engine, "0002_meetings")
    ids: dict[str, int] = {}
    async with engine.begin() as conn:
        for name in ("Madrid", "Lisboa"):
            await conn.execute(sql("INSERT INTO communities (name, created_at) "
                                   "VALUES (:n, :at)"), {"n": name, "at": NOW})
            community = (await conn.execute(sql("SELECT max(id) FROM communities"))).scalar_one()
            await conn.execute(sql(
                "INSERT INTO minutes_sessions (community_id, title, chairs, started_at) "
                "VALUES (:c, :t, '[]', :at)"), {"c": community, "t": name, "at": NOW})
            session = (await conn.execute(sql("SELECT max(id) FROM minutes_sessions"))
                       ).scalar_one()
            ids[name] = community
            for kind, task in (("info", "i"), ("action", f"{name} 1"), ("action", f"{name} 2")):
                await conn.execute(sql(
                    "INSERT INTO minutes_marks (session_id, kind, text, person_name, "
                    "owner_name, undone, at) VALUES (:s, :k, :t, 'Mod', 'Ana', :u, :at)"),
                    {"s": session, "k": kind, "t": task, "u": False, "at": NOW})
                mark = (await conn.execute(sql("SELECT max(id) FROM minutes_marks"))
                        ).scalar_one()
                ids[task] = mark
    await engine.dispose()
    return ids


async def test_the_migration_keeps_every_number_already_sent(db_url: str) -> None:
    ids = await _legacy_rows(db_url)
    async with open_store(db_url, FakeClock(NOW)) as store:
        madrid = ids["Madrid"]
        # "/done 3" in a reminder sent before the upgrade still names the same item.
        for task in ("Madrid 1", "Madrid 2"):
            [(mark, session)] = await store.minutes.numbered([madrid], ids[task])
            assert mark.number == ids[task] and mark.text == task
            assert session.community_id == madrid
        assert (await store.minutes.get_mark(ids["i"])).number is None  # type: ignore[union-attr]
        # The community continues from its highest number; a new community starts at 1.
        session = await store.minutes.open_session(madrid)
        assert session is not None
        new = await store.minutes.mark(session.id, _action("next"), NOW)
        assert new.number == ids["Madrid 2"] + 1
        _community, fresh = await _session(store, "-900", "Paris")
        first = await store.minutes.mark(fresh, _action("first"), NOW)
        assert first.number == 1


async def test_numbers_count_per_community_and_an_undone_one_is_given_again(
        store: SqlStore) -> None:
    madrid, s1 = await _session(store, "-1", "Madrid")
    _lisboa, s2 = await _session(store, "-2", "Lisboa")
    await store.minutes.mark(s1, NewMark(MarkKind.INFO, "note", None, "Mod"), NOW)
    assert [(await store.minutes.mark(s1, _action(t), NOW)).number for t in "ab"] == [1, 2]
    assert (await store.minutes.mark(s2, _action("c"), NOW)).number == 1
    undone = await store.minutes.undo_last(s1)
    assert undone is not None and undone.number == 2
    assert await store.minutes.numbered([madrid], 2) == []
    assert (await store.minutes.mark(s1, _action("b again"), NOW)).number == 2
    # The first session's numbers carry on in the next one.
    await store.minutes.end(s1, NOW)
    _same, later = await _session(store, "-1", "Madrid")
    assert _same == madrid
    assert (await store.minutes.mark(later, _action("d"), NOW)).number == 3


async def test_actions_added_at_once_get_different_numbers(store: SqlStore) -> None:
    _madrid, session = await _session(store, "-1")
    marks = await asyncio.gather(*(store.minutes.mark(session, _action(str(i)), NOW)
                                   for i in range(8)))
    assert sorted(m.number for m in marks) == list(range(1, 9))  # type: ignore[type-var]


async def test_two_processes_adding_actions_at_once_never_share_a_number(
        db_url: str) -> None:
    async with open_store(db_url, FakeClock(NOW)) as one, \
            open_store(db_url, FakeClock(NOW)) as two:
        _madrid, session = await _session(one, "-1")
        marks = await asyncio.gather(*(store.minutes.mark(session, _action(f"{n}{i}"), NOW)
                                       for i in range(5)
                                       for n, store in (("a", one), ("b", two))))
    assert sorted(m.number for m in marks) == list(range(1, 11))  # type: ignore[type-var]


async def test_a_merge_renumbers_only_the_joining_communitys_clashing_items(
        store: SqlStore) -> None:
    madrid, s1 = await _session(store, "-1", "Madrid")
    lisboa, s2 = await _session(store, "-2", "Lisboa")
    for task in ("m1", "m2"):
        await store.minutes.mark(s1, _action(task), NOW)
    for task in ("l1", "l2", "l3"):
        await store.minutes.mark(s2, _action(task), NOW)
    renumbered = await store.communities.merge(lisboa, madrid)
    assert renumbered == {1: 4, 2: 5}
    numbers = {m.text: m.number for m, _s in await store.minutes.open_actions([madrid])}
    assert numbers == {"m1": 1, "m2": 2, "l1": 4, "l2": 5, "l3": 3}
    assert (await store.minutes.mark(s1, _action("next"), NOW)).number == 6


async def test_an_import_keeps_numbers_and_reads_documents_from_before_them(
        db_url: str, tmp_path: Path) -> None:
    async with open_store(db_url, FakeClock(NOW)) as store:
        madrid, session = await _session(store, "-1", "Madrid")
        for task in ("a", "b"):
            await store.minutes.mark(session, _action(task), NOW)
    document = await export_community(db_url, madrid)
    old = await export_community(db_url, madrid)
    legacy_ids = {}
    for row in old["tables"]["minutes_marks"]:
        legacy_ids[row["text"]] = row["id"] = row.pop("number") + 100
    target = f"sqlite+aiosqlite:///{tmp_path}/target.db"
    async with open_store(target, FakeClock(NOW)) as store:
        await _session(store, "-5", "Paris")  # the target has numbers of its own
    new = await import_community(target, document)
    renamed = await import_community(target, {**old, "tables": {
        **old["tables"], "chats": [{**c, "platform_id": "-7"}
                                   for c in old["tables"]["chats"]]}})
    async with open_store(target, FakeClock(NOW)) as store:
        got = {m.text: m.number for m, _s in await store.minutes.open_actions([new.community_id])}
        assert got == {"a": 1, "b": 2}
        got = {m.text: m.number
               for m, _s in await store.minutes.open_actions([renamed.community_id])}
        assert got == legacy_ids

"""The knowledge base store on every backend: the same search tests on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.features.knowledge.records import (
    Changes,
    Credit,
    Draft,
    Entry,
    EntryKind,
    EntryStatus,
    Imported,
    Revision,
    RevisionState,
)
from bot.features.knowledge.text import search_terms
from storage.repos import kb_search
from storage.store import SqlStore

ANA = Credit("telegram:1", "Ana")
MOD = Credit("telegram:2", "Mo")


async def _community(store: SqlStore, chat_id: str = "-100") -> int:
    chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, chat_id, ChatKind.GROUP), "es")
    return chat.community_id


async def _add(store: SqlStore, community: int, title: str, body: str,
               tags: tuple[str, ...] = (), *, language: str = "en",
               status: EntryStatus = EntryStatus.PUBLISHED, group_id: int | None = None,
               **extra: object) -> Entry:
    return await store.knowledge.create(Draft(
        community_id=community, title=title, body=body, tags=tags, language=language,
        author=ANA, submitted_by=ANA, status=status, group_id=group_id, **extra))  # type: ignore[arg-type]


async def _titles(store: SqlStore, community: int, query: str, *,
                  any_term: bool = False) -> list[str]:
    result = await store.knowledge.search([community], search_terms(query), any_term=any_term,
                                          limit=10)
    return [e.title for e in result.entries]


async def test_search_folds_case_and_diacritics_both_ways(store: SqlStore) -> None:
    c = await _community(store)
    await _add(store, c, "Renovar el Pasaporté", "Pide cita en el consulado.")
    await _add(store, c, "Café de los viernes", "Nos vemos en el CAFÉ Central.")
    await _add(store, c, "Visa de estudiante", "Documentos para la visa.")
    assert await _titles(store, c, "pasaporte") == ["Renovar el Pasaporté"]
    assert await _titles(store, c, "PASAPORTÉ") == ["Renovar el Pasaporté"]
    assert await _titles(store, c, "cafe") == ["Café de los viernes"]
    assert await _titles(store, c, "café central") == ["Café de los viernes"]
    # Longer words are found from their start ("renov" → "Renovar"); short words are exact.
    assert await _titles(store, c, "renov") == ["Renovar el Pasaporté"]
    assert await _titles(store, c, "viern") == ["Café de los viernes"]
    assert await _titles(store, c, "vis") == []


async def test_title_matches_rank_above_body_matches(store: SqlStore) -> None:
    c = await _community(store)
    await _add(store, c, "Consulate opening hours",
               "Bring your passport and a photo to any appointment.")
    await _add(store, c, "Renew your passport", "Book an appointment on the consulate site.")
    await _add(store, c, "Tax returns", "Nothing about travel documents here.")
    assert await _titles(store, c, "passport") == ["Renew your passport",
                                                   "Consulate opening hours"]
    assert await _titles(store, c, "consulate appointment") == [
        "Consulate opening hours", "Renew your passport"]


async def test_helpful_votes_lift_equally_relevant_entries(store: SqlStore) -> None:
    c = await _community(store)
    first = await _add(store, c, "Visa appointment tips", "Ask early for a visa slot.")
    await _add(store, c, "Visa appointment help", "Ask early for a visa slot.")
    # Equal relevance: the newer entry first.
    assert await _titles(store, c, "visa") == ["Visa appointment help", "Visa appointment tips"]
    people = [await store.people.ensure(UserRef(Platform.TELEGRAM, str(i), f"P{i}"), None)
              for i in range(3)]
    for person in people:
        assert (await store.knowledge.vote(first.id, person.id))[0]
    assert await store.knowledge.vote(first.id, people[0].id) == (False, 3)
    assert await _titles(store, c, "visa") == ["Visa appointment tips", "Visa appointment help"]


async def test_search_syntax_in_queries_is_only_text(store: SqlStore) -> None:
    c = await _community(store)
    await _add(store, c, "Near the station", 'A "quoted" café; DROP nothing * here')
    for query in ['"', "*", "NEAR(", "NEAR(a b)", "'; DROP TABLE kb_entries; --", "a OR b",
                  "title:near", "^near", "near*", "-near", "(near", "near)", "NOT near",
                  "!!", "&|", "\\", "'", "café:*", "{near}"]:
        terms = search_terms(query)
        for any_term in (False, True):
            await store.knowledge.search([c], terms, any_term=any_term, limit=5)
    assert await _titles(store, c, "'; DROP TABLE kb_entries; --") == []
    assert await _titles(store, c, "drop", any_term=True) == ["Near the station"]
    assert await _titles(store, c, 'NEAR("station"') == ["Near the station"]
    assert await _titles(store, c, '"quoted"') == ["Near the station"]
    assert (await store.knowledge.get(1)) is not None


async def test_arabic_and_hindi_entries_are_found(store: SqlStore) -> None:
    c = await _community(store)
    await _add(store, c, "تجديد جواز السفر", "احجز موعدا في القنصلية.", language="ar")
    await _add(store, c, "पासपोर्ट का नवीनीकरण", "दूतावास में समय लें।", language="hi")
    await _add(store, c, "أحمد في القنصلية", "نص.", language="ar")
    assert await _titles(store, c, "جواز") == ["تجديد جواز السفر"]
    assert await _titles(store, c, "أحمد") == ["أحمد في القنصلية"]
    assert await _titles(store, c, "पासपोर्ट") == ["पासपोर्ट का नवीनीकरण"]


async def test_only_published_entries_of_the_community_are_found(store: SqlStore) -> None:
    c, other = await _community(store), await _community(store, "-200")
    await _add(store, c, "Passport here", "x")
    await _add(store, c, "Passport waiting", "x", status=EntryStatus.PENDING)
    await _add(store, c, "Passport archived", "x", status=EntryStatus.ARCHIVED)
    await _add(store, other, "Passport elsewhere", "x")
    assert await _titles(store, c, "passport") == ["Passport here"]
    both = await store.knowledge.search([c, other], ["passport"], any_term=False, limit=10)
    assert sorted(e.title for e in both.entries) == ["Passport elsewhere", "Passport here"]
    assert both.total == 2


async def test_or_search_and_totals(store: SqlStore) -> None:
    c = await _community(store)
    for i in range(7):
        await _add(store, c, f"Grant {i}", "money for projects")
    result = await store.knowledge.search([c], ["grant"], any_term=False, limit=3)
    assert (len(result.entries), result.total) == (3, 7)
    assert await _titles(store, c, "how renew grant", any_term=False) == []
    assert len(await _titles(store, c, "how renew grant", any_term=True)) == 7


async def test_an_entry_and_its_translations_count_once(store: SqlStore) -> None:
    c = await _community(store)
    original = await _add(store, c, "Student visa", "Apply early.", ("visa",))
    await _add(store, c, "Visado de estudiante", "Solicita pronto.", ("visa",),
               language="es", group_id=original.group_id)
    await _add(store, c, "Work visa", "Needs a contract.", ("visa",))
    result = await store.knowledge.search([c], ["visa"], any_term=False, limit=10)
    assert (len(result.entries), result.total) == (3, 2)


async def test_edits_reindex_and_keep_every_version(store: SqlStore, clock: FakeClock) -> None:
    c = await _community(store)
    entry = await _add(store, c, "Bus pass", "Buy it at the kiosk.", ("transport",))
    clock.advance(timedelta(minutes=5))
    applied = await store.knowledge.revise(entry.id, Changes(body="Buy it online."), MOD,
                                           propose=False)
    assert applied is not None and applied.version == 2
    assert await _titles(store, c, "kiosk") == []
    assert await _titles(store, c, "online") == ["Bus pass"]
    assert await store.knowledge.revise(entry.id, Changes(body="Buy it online."), MOD,
                                        propose=False) is None
    proposal = await store.knowledge.revise(entry.id, Changes(title="Metro pass",
                                                              tags=("metro",)), ANA,
                                            propose=True)
    assert proposal is not None and proposal.state == RevisionState.PROPOSED
    # A proposal changes nothing until a moderator accepts it.
    assert await _titles(store, c, "metro") == []
    items, total = await store.knowledge.queue(c, 10)
    assert total == 1 and items[0].version == 3
    assert await store.knowledge.settle_proposal(entry.id, 3, approve=True, by=MOD) is not None
    assert await store.knowledge.settle_proposal(entry.id, 3, approve=True, by=MOD) is None
    assert await _titles(store, c, "metro") == ["Metro pass"]
    assert [e.title for e in await store.knowledge.by_tag([c], "metro", 5)] == ["Metro pass"]
    assert await store.knowledge.by_tag([c], "transport", 5) == []
    versions = await store.knowledge.revisions(entry.id)
    assert [(v.version, v.editor.name, v.state) for v in versions] == [
        (1, "Ana", RevisionState.APPLIED), (2, "Mo", RevisionState.APPLIED),
        (3, "Ana", RevisionState.APPLIED)]
    assert versions[1].at == versions[0].at + timedelta(minutes=5)


async def test_an_outdated_proposal_does_not_overwrite_a_newer_version(store: SqlStore) -> None:
    c = await _community(store)
    entry = await _add(store, c, "Doctor", "Call the clinic.")
    stale = await store.knowledge.revise(entry.id, Changes(body="Old idea"), ANA, propose=True)
    await store.knowledge.revise(entry.id, Changes(body="Newer text"), MOD, propose=False)
    assert stale is not None
    assert await store.knowledge.settle_proposal(entry.id, stale.version, approve=True,
                                                 by=MOD) is None
    current = await store.knowledge.get(entry.id)
    assert current is not None and current.body == "Newer text"


async def test_status_moves_once_even_when_two_moderators_race(store: SqlStore) -> None:
    c = await _community(store)
    entry = await _add(store, c, "Lawyer list", "x", status=EntryStatus.PENDING)
    first = await store.knowledge.set_status(entry.id, EntryStatus.PUBLISHED,
                                             expected=[EntryStatus.PENDING], by=MOD)
    second = await store.knowledge.set_status(entry.id, EntryStatus.PUBLISHED,
                                              expected=[EntryStatus.PENDING], by=MOD)
    assert first is not None and first.published_at is not None and second is None


async def test_tags_are_folded_and_counted(store: SqlStore) -> None:
    c = await _community(store)
    await _add(store, c, "A", "x", ("pasaporté", "visa"))
    await _add(store, c, "B", "x", ("pasaporte",))
    await _add(store, c, "C", "x", ("visa",), status=EntryStatus.PENDING)
    assert sorted(e.title for e in await store.knowledge.by_tag([c], "pasaporte", 5)) == [
        "A", "B"]
    assert await store.knowledge.tags([c], 10) == [("pasaporte", 2), ("visa", 1)]


async def test_opportunities_and_archiving_by_deadline(store: SqlStore, clock: FakeClock) -> None:
    c = await _community(store)
    soon, later = clock.now() + timedelta(days=3), clock.now() + timedelta(days=30)
    late = await _add(store, c, "Late grant", "x", kind=EntryKind.OPPORTUNITY, deadline=later)
    early = await _add(store, c, "Early grant", "x", kind=EntryKind.OPPORTUNITY, deadline=soon)
    es = await _add(store, c, "Beca temprana", "x", language="es", group_id=early.group_id,
                    kind=EntryKind.OPPORTUNITY, deadline=soon)
    listed = await store.knowledge.opportunities([c], clock.now(), 10)
    assert [e.title for e in listed] == ["Early grant", "Beca temprana", "Late grant"]
    assert [e.id for e in await store.knowledge.group(early.group_id)] == [early.id, es.id]
    assert await store.knowledge.archive_group(early.group_id, later) == 0
    assert await store.knowledge.archive_group(early.group_id, soon) == 2
    listed = await store.knowledge.opportunities([c], clock.now(), 10)
    assert [e.id for e in listed] == [late.id]
    moved = await store.knowledge.set_deadline(late.group_id, None, None)
    assert moved[0].kind == EntryKind.NOTE and moved[0].deadline is None


async def test_merging_communities_moves_entries_and_tags(store: SqlStore) -> None:
    a, b = await _community(store), await _community(store, "-200")
    await _add(store, b, "Shared tips", "x", ("tips",))
    await store.communities.merge(b, a)
    assert await _titles(store, a, "tips") == ["Shared tips"]
    assert [e.title for e in await store.knowledge.by_tag([a], "tips", 5)] == ["Shared tips"]


async def test_export_then_import_elsewhere_is_equal(store: SqlStore) -> None:
    a, b = await _community(store), await _community(store, "-200")
    root = await _add(store, a, "Original", "text", ("one",))
    await _add(store, a, "Traducción", "texto", ("one",), language="es",
               group_id=root.group_id)
    await store.knowledge.revise(root.id, Changes(body="better text"), MOD, propose=False)
    for i in range(3):
        await _add(store, a, f"Extra {i}", "x", status=EntryStatus.PENDING)
    exported = await store.knowledge.export(a)

    uid_of = {e.id: e.uid for e, _r in exported}
    items = [Imported(e, uid_of[e.group_id], tuple(r)) for e, r in exported]
    report = await store.knowledge.import_entries(b, list(reversed(items)))
    assert (len(report.created), report.skipped) == (len(items), 0)
    again = await store.knowledge.import_entries(b, items)
    assert (len(again.created), again.skipped) == (0, len(items))

    def comparable(data: list[tuple[Entry, list[Revision]]]) -> list[tuple[object, ...]]:
        ids = {e.id: e.uid for e, _r in data}
        return sorted((e.uid, ids[e.group_id], e.title, e.body, e.tags, e.status, e.version,
                       e.created_at, [(r.version, r.body, r.editor, r.at) for r in revs])
                      for e, revs in data)

    assert comparable(await store.knowledge.export(b)) == comparable(exported)
    assert await _titles(store, b, "traduccion") == ["Traducción"]


async def test_a_word_in_very_many_entries_ranks_the_newest_and_misses_nothing(
        store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_search, "RANK_CAP", 3)
    c, other = await _community(store), await _community(store, "-200")
    await _add(store, c, "Housing guide", "Rent, deposits and housing rights.")
    for i in range(4):
        await _add(store, other, f"Housing note {i}", "housing")
    # The newest matches are another community's: every match is ranked instead.
    result = await store.knowledge.search([c], ["housing"], any_term=False, limit=5)
    assert [e.title for e in result.entries] == ["Housing guide"] and not result.capped
    for i in range(4):
        await _add(store, c, f"Housing tip {i}", "housing")
    result = await store.knowledge.search([c], ["housing"], any_term=False, limit=2)
    assert len(result.entries) == 2
    assert result.capped == (store.engine.dialect.name == "sqlite")

"""Job kinds: each declared once, its refs written and read back in one place."""

from __future__ import annotations

import dataclasses
import typing
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.feature import Feature
from bot.features import all_features
from bot.features.meetings.timeline import CARD, NEXT, REMIND, ReminderRef
from bot.features.polls.common import CLOSE_JOB
from bot.i18n import N_
from bot.jobs import ROW_ID, BadRef, Fields, Id, JobKind, Word, declared
from bot.records import ScheduledItem, ScheduleStatus
from bot.sources import MeetingDate
from scheduling.runner import subject
from storage.transfer.common import SCHEDULED, owned_tables
from tests.support import open_store, settings_for_tests

# What existing databases hold: renaming a kind would orphan every pending row of it.
STORED_NAMES = {
    "digest", "digest.plan", "kb.close", "kb.remind", "meeting.action", "meeting.card",
    "meeting.next", "meeting.remind", "notice.expire", "notice.publish", "notice.tick",
    "poll.close", "poll.refresh", "privacy.retention",
}
# Kinds naming a community's row that stay behind when it moves (storage/transfer explains
# why: they edit copies only the source deployment posted).
STAY_BEHIND = {"meeting.card", "poll.refresh"}
GARBAGE = ["", "-1", " 12", "12 ", "1.5", "٣", "²", "1:2:3:4:5", "a:b:c:d:e", "12:"]


def _registered() -> dict[str, JobKind[Any]]:
    found: dict[str, JobKind[Any]] = {}
    for feature in all_features():
        for name in feature.jobs:
            assert name not in found, f"{name} registered by two features"
            found[name] = declared()[name]
            assert found[name].feature == feature.name
    return found


def _sample(kind: JobKind[Any], n: int = 7) -> Any:
    codec = kind.codec
    if isinstance(codec, Id):
        return n
    if isinstance(codec, Word):
        return codec.word
    assert isinstance(codec, Fields)
    hints = typing.get_type_hints(codec.shape)
    return codec.shape(**{f.name: n if hints[f.name] is int else f"w{n}"
                          for f in dataclasses.fields(codec.shape)})  # type: ignore[arg-type]


def test_every_registered_kind_is_declared_once_under_its_stored_name() -> None:
    registered = _registered()
    assert set(registered) == STORED_NAMES
    with pytest.raises(ValueError, match="declared twice"):
        JobKind("poll.close", "polls", ROW_ID)
    assert declared()["poll.close"] is CLOSE_JOB


def test_a_feature_runs_only_the_kinds_declared_for_it() -> None:
    other = Feature("other", N_("Other"))
    with pytest.raises(ValueError, match="declared for 'polls'"):
        other.job(CLOSE_JOB)


@pytest.mark.parametrize("name", sorted(STORED_NAMES))
def test_refs_round_trip_and_garbage_is_refused(name: str) -> None:
    kind = declared()[name]
    for n in (0, 7, 123456):
        ref = _sample(kind, n)
        text = kind.encode(ref)
        assert kind.decode(text) == ref
        assert kind.encode(kind.decode(text)) == text
    for text in GARBAGE:
        with pytest.raises(BadRef):
            kind.decode(text)


def test_refs_are_written_as_before() -> None:
    assert CLOSE_JOB.encode(12) == "12"
    assert REMIND.encode(ReminderRef(1, "20260116T1800", 1440)) == "1:20260116T1800:1440"
    assert CARD.encode(MeetingDate(3, "20260116T1800")) == "3:20260116T1800"
    assert declared()["digest.plan"].encode("all") == "all"
    assert declared()["privacy.retention"].encode("audit") == "audit"
    with pytest.raises(ValueError):
        REMIND.encode(ReminderRef(1, "2026:01", 60))
    with pytest.raises(ValueError):
        CLOSE_JOB.encode(-1)


def test_a_meetings_items_share_one_subject() -> None:
    def item(kind: JobKind[Any], ref: str) -> ScheduledItem:
        return ScheduledItem(1, kind.name, ref, FakeClock().now())

    assert subject(item(REMIND, "5:20260116T1800:60")) == ("meetings", "5")
    assert subject(item(NEXT, "5")) == subject(item(CARD, "5:20260116T1800"))
    assert subject(item(CLOSE_JOB, "5")) == ("polls", "5")


def test_the_transfer_moves_every_kind_that_names_a_communitys_row() -> None:
    owned = owned_tables()
    kinds = _registered().values()
    assert {k.name for k in kinds if k.table in owned} - set(SCHEDULED) == STAY_BEHIND
    assert set(SCHEDULED) == {k.name for k in kinds if k.moves}
    for name, table in SCHEDULED.items():
        assert table in owned, name
        kind = declared()[name]
        assert kind.row_id(kind.moved(kind.encode(_sample(kind)), 99)) == 99


async def test_a_malformed_stored_ref_is_skipped_not_run(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        app = App(settings_for_tests(), store, clock)
        await app.start()
        try:
            bad = await store.schedule.add(CLOSE_JOB.name, "12:oops", clock.now())
            good = await store.schedule.add(CLOSE_JOB.name, "12", clock.now())
            clock.advance(timedelta(seconds=1))
            await app.runner.sweep()
            await app.runner.wait_idle()
        finally:
            await app.stop()
        skipped, ran = await store.schedule.get(bad.id), await store.schedule.get(good.id)
    assert skipped is not None and skipped.status == ScheduleStatus.SKIPPED
    assert skipped.note is not None and skipped.note.startswith("bad ref: ")
    assert ran is not None and ran.status == ScheduleStatus.DONE

"""Digest scheduling, quiet hours, and the digest composed from feature sections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.digest import DigestContext
from bot.events import ChatKind, ChatRef, Platform
from bot.feature import Feature
from bot.features import all_features
from bot.features.digest import next_digest
from bot.i18n import N_, _
from bot.quiet import quiet_until
from bot.records import Chat
from bot.richtext import Block, block, bold, line
from bot.sources import SourceRef
from tests.support import make_harness, open_store, settings_for_tests, texts

notes = Feature("notes", N_("Notes"))
seen_periods: list[tuple[datetime, datetime, str]] = []


@notes.digest_section(order=10)
async def notes_section(dctx: DigestContext) -> Block | None:
    """A section that reports the period it was asked about."""
    seen_periods.append((dctx.since, dctx.now, dctx.zone))
    if dctx.services.settings.default_language == "hi":
        return None
    return block(line(bold(_("Settings"))), line("• note"))


@pytest.fixture(autouse=True)
def _reset() -> None:
    seen_periods.clear()


def _chat(**settings: object) -> Chat:
    return Chat(1, Platform.TELEGRAM, "-1", ChatKind.GROUP, 1, settings=dict(settings))


def test_next_digest_is_at_the_local_hour_of_the_chosen_day() -> None:
    monday_8 = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # 08:00 in Madrid (CET)
    weekly = next_digest(_chat(), "Europe/Madrid", monday_8)
    assert weekly == datetime(2026, 3, 23, 9, 0, tzinfo=weekly.tzinfo)  # type: ignore[union-attr]
    after = next_digest(_chat(), "Europe/Madrid", weekly)  # type: ignore[arg-type]
    # Across the spring change (29 March) the digest stays at 09:00 local.
    assert after is not None and after.isoformat() == "2026-03-30T09:00:00+02:00"
    daily = next_digest(_chat(digest={"frequency": "daily", "hour": 2}), "Europe/Madrid",
                        datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert daily is not None and daily.isoformat() == "2026-03-29T03:00:00+02:00"
    assert next_digest(_chat(digest={"frequency": "off"}), "UTC", monday_8) is None


def test_quiet_hours_across_midnight() -> None:
    chat = _chat(quiet={"start": "22:00", "end": "08:00"})
    zone = "Asia/Kolkata"
    late = datetime(2026, 5, 4, 17, 0, tzinfo=UTC)  # 22:30 in Kolkata
    early = datetime(2026, 5, 5, 1, 0, tzinfo=UTC)  # 06:30 the next morning
    day = datetime(2026, 5, 5, 6, 0, tzinfo=UTC)  # 11:30
    expected_end = datetime(2026, 5, 5, 2, 30, tzinfo=UTC)  # 08:00 in Kolkata
    assert quiet_until(chat, zone, late) == expected_end
    assert quiet_until(chat, zone, early) == expected_end
    assert quiet_until(chat, zone, day) is None
    assert quiet_until(_chat(), zone, late) is None


async def test_each_chat_gets_its_digest_at_nine_in_its_own_zone(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 5, 3, 12, 0, tzinfo=UTC))  # a Sunday
    async with make_harness(db_url, clock, features=[*all_features(), notes]) as h:
        from tests.support import RecordingMessenger

        tg, dc = RecordingMessenger(Platform.TELEGRAM), RecordingMessenger(Platform.DISCORD)
        h.app.add_messenger(tg)
        h.app.add_messenger(dc)
        store = h.app.store
        madrid = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-1", ChatKind.GROUP), "es")
        madrid.timezone = "Europe/Madrid"
        await store.chats.update(madrid)
        delhi = await store.chats.ensure(ChatRef(Platform.DISCORD, "2", ChatKind.GROUP), "hi")
        delhi.timezone = "Asia/Kolkata"
        await store.chats.update(delhi)
        await store.communities.merge(delhi.community_id, madrid.community_id)
        await h.advance(timedelta(hours=1))  # the hourly planner gives both chats a digest
        # Monday 09:00 in Kolkata is 03:30 UTC; in Madrid (CEST) 07:00 UTC.
        await h.advance(timedelta(hours=15, minutes=30))  # Monday 03:30 UTC
        assert len(dc.sent) == 1 and tg.sent == []
        await h.advance(timedelta(hours=3, minutes=30))  # Monday 07:00 UTC
        assert len(tg.sent) == 1
        assert "Tu resumen semanal" in tg.texts()[0]
        assert "आपका साप्ताहिक सारांश" in dc.texts()[0]
        await h.advance(timedelta(days=1))
        assert len(tg.sent) == 1 and len(dc.sent) == 1
        periods = {zone: (since, now) for since, now, zone in seen_periods}
        assert periods["Asia/Kolkata"][1] - periods["Asia/Kolkata"][0] == timedelta(days=7)


async def test_a_digest_missed_by_more_than_its_period_is_skipped(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(datetime(2026, 5, 3, 12, 0, tzinfo=UTC))
    async with open_store(db_url, clock) as store:
        from bot.app import App
        from tests.support import RecordingMessenger

        chat = await store.chats.ensure(ChatRef(Platform.CONSOLE, "g", ChatKind.GROUP), "en")
        messenger = RecordingMessenger()
        app = App(settings_for_tests(), store, clock, [*all_features(), notes])
        app.add_messenger(messenger)
        await app.start()
        await app.stop()
        pending = await store.schedule.pending()
        digest = [i for i in pending if i.kind == "digest" and i.ref == str(chat.id)]
        assert digest and digest[0].due_at == datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
        clock.advance(timedelta(days=9))  # down across Monday and more than a week after it
        app = App(settings_for_tests(), store, clock, [*all_features(), notes])
        app.add_messenger(messenger)
        await app.start()
        await app.runner.wait_idle()
        await app.worker.drain()
        await app.stop()
        assert messenger.sent == []
        skipped = await store.schedule.get(digest[0].id)
        assert skipped is not None and skipped.status.value == "skipped"
        again = [i for i in await store.schedule.pending() if i.kind == "digest"]
        assert again and again[0].due_at == datetime(2026, 5, 18, 9, 0, tzinfo=UTC)


async def test_digest_commands(db_url: str) -> None:
    async with make_harness(db_url, features=[*all_features(), notes]) as h:
        assert "every Monday at 09:00" in texts(await h.send("/digest when"))
        assert "every day at 08:00" in texts(await h.send("/digest when daily 8"))
        assert "every Friday at 18:00" in texts(await h.send("/digest when weekly friday 18"))
        assert "don't know the day" in texts(await h.send("/digest when weekly someday 9"))
        # Digits of any of our scripts, and nothing that only looks like one.
        assert "don't know the day" in texts(await h.send("/digest when weekly ² 9"))
        assert "don't know the day" in texts(await h.send("/digest when weekly 8 9"))
        assert "every Wednesday at 09:00" in texts(await h.send("/digest when weekly ٣ 9"))
        assert "whole hour" in texts(await h.send("/digest when daily 25"))
        assert "Digests are off" in texts(await h.send("/digest when off"))
        assert "Digests are off" in texts(await h.send("/digest when desactivar"))
        assert "Your weekly digest" in texts(await h.send("/digest"))
        assert "22:00 to 08:00" in texts(await h.send("/quiet 22:00-08:00"))
        assert "start-end" in texts(await h.send("/quiet 22:00"))
        assert "Quiet hours are off" in texts(await h.send("/quiet no"))  # any "off" word
        await h.send("/quiet 22:00-08:00")
        h.as_user("alice")
        assert "Only moderators" in texts(await h.send("/quiet off"))
        assert "22:00 to 08:00" in texts(await h.send("/quiet"))
        h.in_chat("alice", private=True)
        assert "In Main" in texts(await h.send("/digest")) or "Nothing to report" in texts(
            await h.send("/digest"))


async def test_quiet_hours_hold_fanned_out_posts_until_they_end(db_url: str) -> None:
    from bot.fanout import post_to_community
    from bot.replies import Reply
    from bot.richtext import doc

    clock = FakeClock(datetime(2026, 5, 4, 23, 0, tzinfo=UTC))  # 23:00 UTC
    async with make_harness(db_url, clock) as h:
        await h.send("/quiet 22:00-07:00")
        chat = await h.app.store.chats.find(Platform.CONSOLE, "main")
        assert chat is not None
        services = h.app.services
        await post_to_community(services, chat.community_id, lambda c: Reply(doc("later")),
                                key="q", source=SourceRef("q"))
        await post_to_community(services, chat.community_id, lambda c: Reply(doc("now")),
                                key="u", source=SourceRef("u"), urgent=True)
        await h.settle()
        assert h.messenger.texts() == ["now"]
        await h.advance(timedelta(hours=8))
        assert h.messenger.texts() == ["now", "later"]

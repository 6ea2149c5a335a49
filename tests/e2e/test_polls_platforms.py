"""One poll in a Telegram group and a Discord channel of one community, end to end.

The platforms are recording messengers (the adapters are not needed to merge
votes: the core sees ButtonPressed events from people on both platforms).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.events import Platform
from bot.records import ScheduledItem, ScheduleStatus
from bot.replies import Reply
from storage.models.core import ScheduleRow
from storage.repos.schedule import item_record
from storage.store import SqlStore
from tests.polls_helpers import Community, community, link, running_app
from tests.support import Harness, RecordingMessenger, open_store, texts

QUESTION = "/poll new ¿Dónde nos vemos? | Café Lisboa | En línea | Biblioteca"


def _numbers(text: str) -> list[str]:
    """Every number in a text, with a decimal comma read as a point."""
    return [n.replace(",", ".") for n in re.findall(r"\d+(?:[.,]\d+)?", text)]


def _result_lines(reply: Reply) -> list[str]:
    """The vote-count lines of a card or results message."""
    return [line for line in reply.body.plain().splitlines() if "▓" in line or "░" in line]


async def test_votes_from_both_platforms_merge_and_the_scheduled_close_runs_once(
        db_url: str) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    tg, dc = RecordingMessenger(Platform.TELEGRAM), RecordingMessenger(Platform.DISCORD)
    async with open_store(db_url, clock) as store:
        async with running_app(store, clock, tg, dc) as app:
            await link(app)
            h = Community(app, clock, RecordingMessenger())
            h.tg, h.dc = tg, dc
            h.telegram("mod", admin=True)
            confirmation = texts(await h.send(f"{QUESTION} --closes 2026-01-05 18:00"))
            assert "#1" in confirmation and "2" in confirmation
            await h.settle()
            assert len(tg.sent) == 1 and len(dc.sent) == 1
            spanish, english = tg.sent[0][1], dc.sent[0][1]
            assert "Encuesta #1" in spanish.body.plain()
            assert "Poll #1" in english.body.plain()
            # One button per option on every copy, carrying the same packed actions.
            assert [b.action for r in spanish.buttons for b in r] == [
                b.action for r in english.buttons for b in r] == ["pv:1:0", "pv:1:1", "pv:1:2"]

            # Votes from Telegram (ana, ben) and Discord (dee, eli), in each one's language.
            assert "Café Lisboa" in await h.telegram("ana").vote(0)
            await h.telegram("ben").vote(1)
            assert await h.discord("dee").vote(1) == (
                "You voted for En línea. Press it again to withdraw your vote.")
            await h.discord("eli").vote(2)
            # A changed vote and a withdrawn one.
            assert "Café Lisboa" in await h.discord("dee").vote(0)
            assert await h.discord("eli").vote(2) == "Your vote was withdrawn."
            # Toasts are in the presser's language; ana withdraws and votes again.
            assert await h.telegram("ana").vote(0) == "Has retirado tu voto."
            assert await h.telegram("ana").vote(0) == (
                "Has votado por Café Lisboa. Vuelve a pulsarla para retirar tu voto.")

            await h.advance(timedelta(seconds=3))
            # The burst of votes made one edit per copy, with the merged counts.
            assert len(tg.edits) == 1 and len(dc.edits) == 1
            live_es = _result_lines(tg.edits[0][2])
            live_en = _result_lines(dc.edits[0][2])
            assert live_es == ["▓▓▓▓▓▓▓░░░  2 votos (66,7\xa0%)",
                               "▓▓▓░░░░░░░  1 voto (33,3\xa0%)",
                               "░░░░░░░░░░  0 votos (0\xa0%)"]
            assert live_en == ["▓▓▓▓▓▓▓░░░  2 votes (66.7%)",
                               "▓▓▓░░░░░░░  1 vote (33.3%)",
                               "░░░░░░░░░░  0 votes (0%)"]
            # Other features keep their own items on the schedule (digests, retention).
            pending = [i for i in await store.schedule.pending() if i.kind.startswith("poll.")]
            assert [i.kind for i in pending] == ["poll.close"]

        # The bot is down when the poll is due to close, and comes back an hour late.
        clock.set(datetime(2026, 1, 5, 19, 0, tzinfo=UTC))
        for _restart in range(2):
            async with running_app(store, clock, tg, dc) as app:
                await app.runner.wait_idle()
                assert await app.worker.drain()

        assert len(tg.sent) == 2 and len(dc.sent) == 2, "results posted once per chat"
        results_es, results_en = tg.sent[1][1], dc.sent[1][1]
        assert "Resultados de la encuesta #1" in results_es.body.plain()
        assert "Results of poll #1" in results_en.body.plain()
        assert "come late" in results_en.body.plain()
        # Identical results in both chats, each with its locale's decimals.
        assert _numbers("\n".join(_result_lines(results_es))) == _numbers(
            "\n".join(_result_lines(results_en)))
        assert "66,7\xa0%" in results_es.body.plain() and "33,3\xa0%" in results_es.body.plain()
        assert "66.7%" in results_en.body.plain() and "33.3%" in results_en.body.plain()
        # The buttons are gone from every copy.
        assert len(tg.edits) == 2 and len(dc.edits) == 2
        assert tg.edits[-1][2].buttons == () and dc.edits[-1][2].buttons == ()
        assert tg.edits[-1][1] == ("m1",) and dc.edits[-1][1] == ("m1",)
        closes = [i for i in await _all_items(store) if i.kind == "poll.close"]
        assert [i.status for i in closes] == [ScheduleStatus.DONE]

        # A late press gets a clear answer and changes nothing.
        async with running_app(store, clock, tg, dc) as app:
            h = Community(app, clock, RecordingMessenger())
            h.tg, h.dc = tg, dc
            assert await h.telegram("ben").vote(1, index=0) == (
                "Esta encuesta está cerrada; ya no se cuentan votos.")
            tally = await store.polls.tally(1)
            assert (tally.counts, tally.voters) == ((2, 1, 0), 3)


async def _all_items(store: SqlStore) -> list[ScheduledItem]:
    """Every schedule item, whatever its status."""
    async with store.schedule.sessions() as s:
        return [item_record(r) for r in await s.scalars(select(ScheduleRow))]


async def test_multiple_choice_votes_toggle_across_platforms(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dmod", admin=True)
        await h.send("/poll new Which days suit you? | Friday | Saturday | Sunday --multi")
        await h.settle()
        assert "multiple choice" in h.dc.texts()[0]
        assert "opción múltiple" in h.tg.texts()[0]
        h.telegram("ana")
        await h.vote(0)
        assert await h.vote(1) == "Tus opciones: Friday y Saturday."
        assert await h.vote(0) == "Tus opciones: Saturday."
        h.discord("dee")
        await h.vote(1)
        assert await h.vote(2) == "Your choices: Saturday and Sunday."
        h.discord("eli")
        await h.vote(2)
        assert await h.vote(2) == "You have no options chosen now."
        tally = await h.app.store.polls.tally(1)
        assert (tally.counts, tally.voters) == ((0, 2, 1), 2)
        await h.advance(timedelta(seconds=3))
        # Shares of voters: a multiple-choice poll can add up to more than 100 %.
        assert _result_lines(h.dc.edits[-1][2]) == ["░░░░░░░░░░  0 votes (0%)",
                                                     "▓▓▓▓▓▓▓▓▓▓  2 votes (100%)",
                                                     "▓▓▓▓▓░░░░░  1 vote (50%)"]


async def test_a_burst_of_votes_makes_one_edit_per_chat(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Lunch? | Pizza | Sushi")
        await h.settle()
        for n in range(12):
            (h.telegram if n % 2 else h.discord)(f"p{n}")
            await h.vote(n % 2)
        await h.advance(timedelta(seconds=3))
        assert len(h.tg.edits) == 1 and len(h.dc.edits) == 1
        assert "6 votes (50%)" in h.dc.edits[0][2].body.plain()
        # A vote and its withdrawal within one window change nothing: no edit at all.
        h.telegram("p99")
        await h.vote(0)
        await h.vote(0)
        await h.advance(timedelta(seconds=3))
        assert len(h.tg.edits) == 1 and len(h.dc.edits) == 1


async def test_closing_by_hand_posts_results_everywhere_once(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Lunch? | Pizza | Sushi --closes 2026-01-05 18:00")
        await h.settle()
        h.discord("dee")
        await h.vote(1)
        h.telegram("mod", admin=True)
        assert "cerrada" in texts(await h.send("/poll close 1"))
        await h.settle()
        assert "ya está cerrada" in texts(await h.send("/poll close 1"))
        # The scheduled close was replaced by the one that ran: nothing more at 18:00.
        await h.advance(timedelta(hours=10))
        assert len(h.tg.sent) == 2 and len(h.dc.sent) == 2
        assert "1 vote (100%)" in h.dc.sent[1][1].body.plain()
        assert h.tg.edits[-1][2].buttons == ()


async def test_a_harness_with_only_the_console_still_works(harness: Harness) -> None:
    await harness.send("/poll new Lunch? | Pizza | Sushi")
    await harness.settle()
    [card] = harness.messenger.sent
    assert "Lunch?" in card[1].body.plain()

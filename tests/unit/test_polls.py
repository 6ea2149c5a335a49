"""Poll commands and buttons through the real router and store, on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.events import ChatKind, ChatRef, Platform
from bot.features.polls.actions import ShowPoll, Vote
from bot.i18n import ngettext, use_locale
from bot.replies import Reply, Toast
from tests.polls_helpers import DC, SECRET, Community, community, event_for, running_app
from tests.support import Harness, open_store, texts

LUNCH = "/poll new Lunch? | Pizza | Sushi | Tacos"


async def _nothing_happened(h: Community) -> None:
    store = h.app.store
    assert await store.polls.get(1) is None
    assert await store.outbox.depth() == 0 and h.tg.sent == [] and h.dc.sent == []
    assert [i for i in await store.schedule.pending() if i.kind.startswith("poll.")] == []


async def test_bad_polls_are_refused_clearly_and_change_nothing(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True, locale="en")
        refusals = {
            "/poll new": "Crea una encuesta así:",
            "/poll new  | Pizza | Sushi": "Escribe la pregunta",
            "/poll new Lunch? | Pizza | pizza": "aparece dos veces",
            "/poll new Lunch? | " + " | ".join(f"o{i}" for i in range(11)): "11 opciones",
            "/poll new Lunch? | Pizza | " + "x" * 101: "más de 100 caracteres",
            f"{LUNCH} --closes 2025-01-01 10:00": "ya pasó",
            f"{LUNCH} --closes someday": "No entendí someday",
            f"{LUNCH} --anonymous": "SECRET_KEY",
            f"{LUNCH} --whenever": "No conozco --whenever",
        }
        for line, says in refusals.items():
            out = texts(await h.send(line))
            assert says in out, (line, out)
        h.in_chat("mod-private", private=True, platform=Platform.TELEGRAM)
        assert "chat de grupo" not in texts(await h.send(LUNCH))  # private: in English
        assert "group chat" in texts(await h.send(LUNCH))
        await h.settle()
        await _nothing_happened(h)


async def test_members_start_polls_only_where_moderators_allow_it(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dee")
        assert "/poll members on" in texts(await h.send(LUNCH))
        refused = (await h.app.store.audit.recent(None))[0]
        assert (refused.action, refused.allowed) == ("poll new", False)
        assert "Only moderators" in texts(await h.send("/poll members on"))
        h.discord("dmod", admin=True)
        assert "Only moderators can start polls" in texts(await h.send("/poll members"))
        assert "on or off" in texts(await h.send("/poll members perhaps"))
        assert texts(await h.send("/poll members on")).startswith(
            "Done: members can now start polls in this chat.")
        assert "Members can start polls" in texts(await h.send("/poll members"))
        h.discord("dee")
        assert "#1" in texts(await h.send(LUNCH))
        # The setting is per chat: the Telegram group still says no.
        h.telegram("ana")
        assert "/poll members on" in texts(await h.send(LUNCH))
        h.discord("dmod", admin=True)
        # Turning it off confirms the change, not the status a moderator asks for.
        assert texts(await h.send("/poll members off")).startswith(
            "Done: only moderators can start polls in this chat now.")
        h.discord("dee")
        assert "Only moderators" in texts(await h.send(LUNCH))


async def test_the_creator_or_a_moderator_closes_and_deletes(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dmod", admin=True)
        await h.send("/poll members on")
        h.discord("dee")
        await h.send(LUNCH)
        await h.settle()
        h.telegram("ana")
        await h.vote(0)
        assert "quien creó esta encuesta" in texts(await h.send("/poll close 1"))
        assert "quien creó esta encuesta" in texts(await h.send("/poll delete 1"))
        assert [a.action for a in await h.app.store.audit.recent(None)][:2] == [
            "poll delete", "poll close"]
        h.discord("dee")
        assert "is closed" in texts(await h.send("/poll close 1"))
        await h.settle()
        h.telegram("mod", admin=True)
        assert "borrado de todos los chats" in texts(await h.send("/poll delete #1"))
        await h.settle()
        # The card and the results are removed from both platforms; the votes are gone.
        assert len(h.tg.deleted) == 2 and len(h.dc.deleted) == 2
        assert (await h.app.store.polls.tally(1)).voters == 0
        h.telegram("ana")
        assert await h.vote(0, index=0) == "Esta encuesta se ha borrado."
        assert "no hay ninguna encuesta #1" in texts(await h.send("/poll close 1"))


async def test_forged_or_stale_buttons_change_nothing(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send(LUNCH)
        await h.settle()
        h.discord("dee")
        await h.vote(1)
        forged = {
            "pv:99:0": "This poll no longer exists.",
            "pv:1:3": "This button no longer works.",
            "pv:1:-1": "This button no longer works.",
            "pv:1:x": "This button no longer works.",
            "pv:1:0:0": "This button no longer works.",
            "pv:1:" + "9" * 30: "This button no longer works.",
            "pv:": "This button no longer works.",
            "ps:99": "This poll no longer exists.",
        }
        for data, says in forged.items():
            outcomes = await h.press(data)
            assert [type(o) for o in outcomes] == [Toast], data
            assert outcomes[0].text == says, data  # type: ignore[union-attr]
        tally = await h.app.store.polls.tally(1)
        assert (tally.counts, tally.voters) == ((0, 1, 0), 1)
        # A poll of another community cannot be voted on from here, or shown.
        other = ChatRef(Platform.TELEGRAM, "-2002", ChatKind.GROUP, "Lisboa")
        h.chat, h.admin = other, True
        await h.send("/poll new Elsewhere? | Yes | No")
        h.discord("dee")
        assert texts(await h.press(Vote(2, 0).pack())) == "This poll belongs to another community."
        assert texts(await h.press(ShowPoll(2).pack())) == "This poll belongs to another community."
        assert "There is no poll #2 here" in texts(await h.send("/poll voters 2"))
        assert (await h.app.store.polls.tally(2)).voters == 0


async def test_a_closing_time_that_has_passed_refuses_votes_before_the_job_runs(
        db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send(f"{LUNCH} --closes in 2 hours")
        await h.settle()
        h.clock.advance(timedelta(hours=2))  # the clock moves, no timer has fired yet
        h.discord("dee")
        assert await h.vote(0) == "This poll is closed; votes are no longer counted."
        await h.settle()
        assert "0 people have voted." in h.dc.sent[-1][1].body.plain()
        assert "Results of poll #1" in h.dc.sent[-1][1].body.plain()


async def test_open_polls_are_listed_and_shown_again_privately(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dee")
        assert "No polls are open in this community" in texts(await h.send("/polls"))
        h.telegram("mod", admin=True)
        await h.send(f"{LUNCH} --closes 2026-01-05 18:00")
        await h.send("/poll new Dinner? | Soup | Salad --hidden")
        await h.settle()
        h.discord("dee")
        [listing] = await h.send("/polls")
        assert isinstance(listing, Reply) and listing.private
        body = listing.body.plain()
        assert body.index("#2 Dinner?") < body.index("#1 Lunch?")
        assert "Voting closes on Monday, January 5, 2026, 6:00\u202fPM." in body
        buttons = [b for row in listing.buttons for b in row]
        assert [b.label for b in buttons] == ["Show #2", "Show #1"]
        shown = [o for o in await h.press(buttons[1].action) if isinstance(o, Reply)]
        assert len(shown) == 1 and shown[0].private and "Lunch?" in shown[0].body.plain()
        assert [b.action for row in shown[0].buttons for b in row] == ["pv:1:0", "pv:1:1",
                                                                         "pv:1:2"]
        # In a private chat: the polls of every community the person has spoken in.
        h.in_chat("dc-dee", private=True, platform=Platform.DISCORD)
        body = texts(await h.send("/polls"))
        assert "Open polls in your communities" in body and "#1 Lunch?" in body
        [card] = await h.send("/poll show 1")
        assert isinstance(card, Reply) and card.buttons
        assert "You voted for Pizza" in await h.vote_from(card, 0)
        assert (await h.app.store.polls.tally(1)).voters == 1
        # Someone who never spoke in the community sees nothing and cannot vote.
        h.user = event_for(DC, "stranger", "").user
        h.in_chat("dc-stranger", private=True, platform=Platform.DISCORD)
        assert "No polls are open in your communities" in texts(await h.send("/polls"))
        assert "belongs to another community" in await h.vote_from(card, 0)


async def test_voters_of_a_public_poll_are_listed_and_hidden_results_wait(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        await h.send(LUNCH)
        await h.send("/poll new Dinner? | Soup | Salad --hidden")
        await h.settle()
        h.telegram("ana")
        await h.vote(0, index=0)
        h.discord("dee")
        await h.vote(0, index=0)
        await h.vote(1, index=-1)
        [voters] = await h.send("/poll voters 1")
        assert isinstance(voters, Reply) and voters.private
        assert "1. Pizza — 2 votes\nAna and Dee" in voters.body.plain()
        assert "3. Tacos — 0 votes\nnobody" in voters.body.plain()
        # Hidden results: only the number of voters shows, and no names until it closes.
        await h.advance(timedelta(seconds=3))
        # (the two polls' cards are redrawn side by side: take Dinner's latest edit)
        hidden = [e[2].body.plain() for e in h.dc.edits if "Dinner?" in e[2].body.plain()][-1]
        assert "1 person has voted." in hidden and "Salad" in hidden and "vote (" not in hidden
        assert "hidden until it closes" in texts(await h.send("/poll voters 2"))
        h.discord("dmod", admin=True)
        await h.send("/poll close 2")
        await h.settle()
        assert "2. Salad — 1 vote\nDee" in texts(await h.send("/poll voters 2"))


async def test_anonymous_polls_need_a_long_enough_secret_key(db_url: str) -> None:
    async with community(db_url, secret_key="short") as h:
        h.telegram("mod", admin=True, locale="en")
        assert "SECRET_KEY" in texts(await h.send(f"{LUNCH} --anonymous"))


async def test_a_changed_secret_key_stops_anonymous_votes_clearly(db_url: str) -> None:
    clock = None
    async with community(db_url, secret_key=SECRET) as h:
        h.telegram("mod", admin=True)
        await h.send(f"{LUNCH} --anonymous")
        await h.settle()
        h.discord("dee")
        await h.vote(0)
        clock, tg = h.clock, h.tg
        store_url = db_url
    async with open_store(store_url, clock) as store:
        for key, says in ((SECRET[::-1], "secret key has changed"), (None, "key is missing")):
            async with running_app(store, clock, tg, secret_key=key) as app:
                outcomes = await app.handle(event_for(DC, "eli", "pv:1:1"))
                assert says in texts(outcomes)
        assert (await store.polls.tally(1)).voters == 1


async def test_a_community_has_at_most_twenty_open_polls(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True, locale="en")
        for n in range(20):
            assert f"#{n + 1}" in texts(await h.send(f"/poll new Q{n}? | A | B"))
        assert "ya tiene 20 encuestas abiertas" in texts(await h.send("/poll new Q? | A | B"))
        await h.send("/poll close 3")
        assert "#21" in texts(await h.send("/poll new Q? | A | B"))


async def test_many_options_fit_discord_rows_and_long_labels_are_cut(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        options = " | ".join(f"{n} " + "long option text " * 4 for n in range(7))
        await h.send(f"/poll new Which? | {options}")
        await h.settle()
        rows = h.dc.sent[0][1].buttons
        assert [len(r) for r in rows] == [2, 2, 2, 1]
        assert all(len(b.label) <= 60 and b.label.endswith("…") for r in rows for b in r)


async def test_toasts_stay_within_telegrams_200_characters(db_url: str) -> None:
    async with community(db_url) as h:
        h.telegram("mod", admin=True)
        options = " | ".join(f"{n} " + "y" * 97 for n in range(10))
        await h.send(f"/poll new Which? | {options} --multi")
        await h.send(f"/poll new One? | {options}")
        await h.settle()
        h.discord("dee")
        answers = [await h.vote(n, index=0) for n in range(10)]
        assert answers[-1] == "Your choices: 1, 2, 3, 4, 5, 6, 7, 8, 9, and 10."
        answers.append(await h.vote(9))
        assert all(len(a) <= 200 for a in answers), max(map(len, answers))


async def test_poll_new_alone_shows_how_to_write_a_poll(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dmod", admin=True)
        guide = texts(await h.send("/poll new"))
        assert guide.startswith("Start a poll like this:")
        for flag in ("--multi", "--anonymous", "--hidden", "--closes friday 18:00"):
            assert flag in guide
        h.telegram("mod", admin=True)
        assert "--closes viernes 18:00" in texts(await h.send("/poll new"))
        await h.settle()
        await _nothing_happened(h)


async def test_help_explains_the_poll_syntax(db_url: str) -> None:
    async with community(db_url) as h:
        h.discord("dmod", admin=True)
        out = texts(await h.send("/help poll new"))
        assert "[--multi] [--anonymous] [--hidden] [--closes <when>]" in out
        assert "--closes friday 18:00" in out
        listed = texts(await h.send("/help poll"))
        for name in ("new", "show", "voters", "close", "delete", "members"):
            assert f"/poll {name}" in listed
        assert "/poll new" in texts(await h.send("/poll"))


@pytest.mark.parametrize(("singular", "plural", "expected"), [
    ("{n} vote", "{n} votes", ["لا أصوات", "صوت واحد", "صوتان", "3 أصوات", "11 صوتًا",
                               "100 صوت"]),
    ("{n} person has voted.", "{n} people have voted.",
     ["لم يصوّت أحد بعد.", "صوّت شخص واحد.", "صوّت شخصان.", "صوّت 3 أشخاص.", "صوّت 11 شخصًا.",
      "صوّت 100 شخص."]),
    ("You gave {n} option; a poll needs 2 to 10.", "You gave {n} options; a poll needs 2 to 10.",
     ["لم تُذكر أي خيارات؛", "ذُكر خيار واحد؛", "ذُكر خياران؛", "ذُكرت 3 خيارات؛",
      "ذُكر 11 خيارًا؛", "ذُكر 100 خيار؛"]),
])
def test_arabic_plurals_of_poll_counts(singular: str, plural: str, expected: list[str]) -> None:
    with use_locale("ar"):
        got = [ngettext(singular, plural, n).replace("\u2068", "").replace("\u2069", "")
               for n in (0, 1, 2, 3, 11, 100)]
    assert [g.startswith(e) for g, e in zip(got, expected, strict=True)] == [True] * 6, got


def test_hindi_and_french_plurals_of_poll_counts() -> None:
    with use_locale("hi"):
        assert [ngettext("{n} person has voted.", "{n} people have voted.", n)
                for n in (0, 1, 2)] == ["0 व्यक्ति ने वोट दिया है।", "1 व्यक्ति ने वोट दिया है।",
                                        "2 लोगों ने वोट दिया है।"]
    with use_locale("fr"):
        assert [ngettext("{n} vote", "{n} votes", n) for n in (0, 1, 2, 1_000_000)] == [
            "0 vote", "1 vote", "2 votes", "1\u202f000\u202f000 votes"]


async def test_a_past_closing_day_gets_an_example_in_the_future(harness: Harness) -> None:
    out = texts(await harness.send("/poll new Lunch? | Yes | No --closes yesterday"))
    assert out.startswith("Sunday, January 4, 2026 has already passed.")
    assert "for example 2026-01-06 18:00" in out and "yesterday 18:00" not in out
    assert await harness.app.store.polls.get(1) is None

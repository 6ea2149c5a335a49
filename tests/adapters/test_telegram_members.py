"""Public supergroups: people who never joined can press buttons; only members' presses count.

Votes and answers to meetings are counted only when getChatMember says the presser is a
member (looked up on their first press, then cached); the others get a toast in their own
language. When Telegram will not say (the bot is not an administrator), the press counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.events import Platform
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness
from tests.fakes.telegram_api import MessageRecord

ADA, BEA, CID, DAN, EVE, FAY = 951, 952, 953, 954, 955, 956
GROUP = -1009510000000
REFUSAL_FR = "Seuls les membres de cette discussion peuvent faire cela. Rejoignez-la, puis réessayez."


@pytest.fixture
async def tg(db_url: str) -> AsyncIterator[TelegramHarness]:
    """A public supergroup: Ada created it, Bea is a member, the others are not (or less)."""
    async with telegram_harness(db_url, operator_ids=[f"telegram:{ADA}"]) as harness:
        fake = harness.fake
        for uid, name in ((ADA, "Ada"), (BEA, "Bea"), (CID, "Cid"), (DAN, "Dan"),
                          (EVE, "Eve"), (FAY, "Fay")):
            fake.add_user(uid, name, language_code="fr" if uid == CID else "en")
        fake.add_chat(GROUP, "supergroup", "Madrid", username="madrid_public", creator=ADA,
                      members=[BEA], bot_status="administrator")
        fake.set_member_status(GROUP, DAN, "kicked")
        fake.set_member_status(GROUP, EVE, "restricted", is_member=False)
        fake.set_member_status(GROUP, FAY, "restricted", is_member=True)
        await harness.command(GROUP, ADA, "/language en")
        yield harness


async def _poll(tg: TelegramHarness) -> MessageRecord:
    await tg.command(GROUP, ADA, "/poll new Where? | Café | Online")
    await tg.settle()
    [card] = [m for m in tg.fake.messages(GROUP) if m.callback_data
              and m.callback_data[0].startswith("pv:")]
    return card


async def _outsider_refused_member_counted(tg: TelegramHarness, messages: list[MessageRecord],
                                           prefix: str) -> None:
    """Cid (never joined) is refused the card's `prefix` button, in French; Bea is not."""
    [card] = [m for m in messages if any(d.startswith(prefix) for d in m.callback_data)]
    button = next(d for d in card.callback_data if d.startswith(prefix))
    answer, _new = await tg.press(GROUP, CID, card.message_id, button)
    assert answer == {"text": REFUSAL_FR, "show_alert": True}
    answer, _new = await tg.press(GROUP, BEA, card.message_id, button)
    assert not answer["show_alert"]


def _lookups(tg: TelegramHarness, user: int) -> int:
    return len([c for c in tg.fake.calls_to("getChatMember")
                if c.params.get("user_id") == user])


async def test_only_members_votes_count_in_a_public_supergroup(tg: TelegramHarness) -> None:
    card = await _poll(tg)
    cafe = card.callback_data[0]
    # Someone who never joined reads the group and presses: refused, in French.
    answer, _new = await tg.press(GROUP, CID, card.message_id, cafe)
    assert answer == {"text": REFUSAL_FR, "show_alert": True}
    for outsider in (DAN, EVE):  # banned; restricted and no longer in the group
        answer, _new = await tg.press(GROUP, outsider, card.message_id, cafe)
        assert answer["show_alert"] and "Only members of this chat" in answer["text"]
    for member in (BEA, FAY):  # a member; restricted but still in the group
        answer, _new = await tg.press(GROUP, member, card.message_id, cafe)
        assert answer["text"].startswith("You voted for Café")
    tally = await tg.store.polls.tally(1)
    assert tally.voters == 2
    # A member is looked up on their first press only; the creator (an admin) never.
    await tg.press(GROUP, BEA, card.message_id, card.callback_data[1])  # changes her vote
    assert _lookups(tg, BEA) == 1 and _lookups(tg, ADA) == 0
    answer, _new = await tg.press(GROUP, ADA, card.message_id, cafe)
    assert answer["text"].startswith("You voted for Café")
    # Someone who joins is counted on their next press, not refused from the cache.
    tg.adapter.members.recheck = 0.0
    tg.fake.set_member_status(GROUP, CID, "member")
    answer, _new = await tg.press(GROUP, CID, card.message_id, cafe)
    assert not answer["show_alert"]
    assert (await tg.store.polls.tally(1)).voters == 4


async def test_outsiders_answers_to_a_meeting_are_not_counted(tg: TelegramHarness) -> None:
    created = await tg.command(GROUP, ADA, "/meeting new Dialogue | 2030-01-08 18:00")
    await _outsider_refused_member_counted(tg, created, "mr:")
    for user, answered in ((CID, 0), (BEA, 1)):
        person = await tg.store.people.find(Platform.TELEGRAM, str(user))
        assert person is not None
        assert len(await tg.store.meetings.answers_of(person.id)) == answered


async def test_a_press_counts_when_telegram_will_not_say(tg: TelegramHarness) -> None:
    # Not an administrator, the bot may not be told about other members: the press counts
    # (the README says that admin rights make the check exact).
    tg.fake.set_bot_membership(GROUP, "member")
    tg.fake.chats[GROUP].members_hidden = True
    card = await _poll(tg)
    answer, _new = await tg.press(GROUP, CID, card.message_id, card.callback_data[1])
    assert not answer["show_alert"] and _lookups(tg, CID) == 1
    assert (await tg.store.polls.tally(1)).voters == 1


async def test_outsiders_helpful_marks_are_not_counted(tg: TelegramHarness) -> None:
    await tg.command(GROUP, ADA, "/kb add Visas | Ask at the consulate.")
    await _outsider_refused_member_counted(tg, await tg.command(GROUP, ADA, "/kb open 1"), "kh:")


async def test_outsiders_seen_marks_on_a_notice_are_not_counted(tg: TelegramHarness) -> None:
    await tg.command(ADA, ADA, "/broadcaster add mx | Consulado de México | MX | en")
    await tg.command(ADA, ADA, f"/broadcaster attach mx telegram:{ADA}")
    await tg.command(GROUP, ADA, "/subscribe mx")
    await tg.command(ADA, ADA, "/notice new Office closed | The office is closed on Monday.")
    await tg.command(ADA, ADA, "/notice set 1 seen on")
    await tg.command(ADA, ADA, "/notice publish 1")
    await tg.settle()
    await _outsider_refused_member_counted(tg, tg.fake.messages(GROUP), "ntn:")
    assert await tg.store.notices.seen_count(1) == 1

"""Action items are numbered per community, as people read them: 1, 2, 3..."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.events import Platform, UserRef
from bot.replies import Reply
from tests.support import Harness, texts

NOW = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def _in(h: Harness, chat: str, user: str = "mod", *, admin: bool = True) -> Harness:
    h.in_chat(chat, platform=Platform.TELEGRAM, title={"-1": "Madrid", "-2": "Lisboa"}[chat])
    h.user = UserRef(Platform.TELEGRAM, f"tg-{user}", user.title(), user)
    h.admin = admin
    return h


async def _session_with_notes(h: Harness, chat: str) -> None:
    _in(h, chat)
    await h.send("/session start Weekly")
    for line in ("/topic Budget", "/info The room costs 200", "/idea Ask the library",
                 "/agreed We split the cost", "/present"):
        await h.send(line)


async def test_a_sessions_first_action_is_item_one_and_done_one_marks_it(
        harness: Harness) -> None:
    harness.clock.set(NOW)
    _in(harness, "-1", "ana", admin=False)
    await harness.send("/present")  # Ana is known in the community
    await _session_with_notes(harness, "-1")
    first = texts(await harness.send("/action ana Book the room"))
    assert "Action item 1 for Ana: Book the room" in first
    assert "Action item 2 for" in texts(await harness.send("/action zoe Call the consulate"))
    listed = texts(await harness.send("/actions"))
    assert "Book the room — Weekly  [1]" in listed and "[2]" in listed
    _in(harness, "-1", "ana", admin=False)
    assert "Done: Book the room" in texts(await harness.send("/done 1"))
    assert "already done" in texts(await harness.send("/done 1"))
    _in(harness, "-1")
    [ended] = await harness.send("/session end")
    assert isinstance(ended, Reply) and ended.document is not None
    assert "zoe: Call the consulate  [2]" in ended.body.plain()
    assert "zoe: Call the consulate \\[2\\]" in ended.document.data.decode()


async def test_an_undone_action_gives_its_number_to_the_corrected_one(
        harness: Harness) -> None:
    await _session_with_notes(harness, "-1")
    await harness.send("/action ana Book the rom")
    await harness.send("/undo")
    assert "Action item 1 for ana: Book the room" in texts(
        await harness.send("/action ana Book the room"))
    assert "no action item 2" in texts(await harness.send("/done 2"))


async def test_each_community_counts_its_own_and_private_done_picks_or_asks(
        harness: Harness) -> None:
    for chat in ("-1", "-2"):
        _in(harness, chat, "ana", admin=False)
        await harness.send("/present")
        await _session_with_notes(harness, chat)
    _in(harness, "-1")
    assert "Action item 1 for Ana" in texts(await harness.send("/action ana Book the room"))
    assert "Action item 2 for zoe" in texts(await harness.send("/action zoe Sweep the floor"))
    _in(harness, "-2")
    assert "Action item 1 for zoe" in texts(await harness.send("/action zoe Print flyers"))
    assert "Action item 2 for zoe" in texts(await harness.send("/action zoe Bring chairs"))
    harness.in_chat("tg-ana", private=True)
    harness.user = UserRef(Platform.TELEGRAM, "tg-ana", "Ana", "ana")
    # Both communities have an item 1: Ana's "/done 1" means her own (Madrid's).
    assert "Done: Book the room" in texts(await harness.send("/done 1"))
    # Neither item 2 is hers: she is told where each one is, and nothing changes.
    asked = texts(await harness.send("/done 2"))
    assert "Several of your communities have an action item 2: Madrid and Lisboa" in asked
    assert "Send /done 2 in a chat of the one you mean" in asked
    _in(harness, "-2")
    assert "Done: Bring chairs" in texts(await harness.send("/done 2"))
    _in(harness, "-1")
    assert "Sweep the floor" in texts(await harness.send("/actions"))


async def test_linking_renumbers_the_joining_chats_clashing_items_and_says_so(
        harness: Harness) -> None:
    for chat in ("-1", "-2"):
        await _session_with_notes(harness, chat)
    _in(harness, "-1")
    await harness.send("/action ana Book the room")
    _in(harness, "-2")
    await harness.send("/action zoe Print flyers")
    await harness.send("/action zoe Bring chairs")
    await harness.send("/session end")
    _in(harness, "-1")
    [reply] = await harness.send("/link")
    code = reply.body.plain().split("/link ")[-1].strip()  # type: ignore[union-attr]
    _in(harness, "-2")
    linked = texts(await harness.send(f"/link {code}"))
    assert "1 action item of this chat has a new number" in linked and "1 → 3" in linked
    assert "Print flyers" in texts(await harness.send("/done 3"))
    assert "Bring chairs" in texts(await harness.send("/done 2"))
    assert "Book the room" in texts(await harness.send("/actions"))


async def test_private_actions_name_each_items_community_when_numbers_meet(
        harness: Harness) -> None:
    for chat in ("-1", "-2"):
        _in(harness, chat, "ana", admin=False)
        await harness.send("/present")
        await _session_with_notes(harness, chat)
        _in(harness, chat)
        assert "Action item 1 for Ana" in texts(await harness.send("/action ana Book a room"))
    harness.in_chat("tg-ana", private=True)
    harness.user = UserRef(Platform.TELEGRAM, "tg-ana", "Ana", "ana")
    mine = texts(await harness.send("/actions"))
    assert "· Madrid  [1]" in mine and "· Lisboa  [1]" in mine, mine
    _in(harness, "-1")
    assert "Madrid" not in texts(await harness.send("/actions"))  # one community: no names

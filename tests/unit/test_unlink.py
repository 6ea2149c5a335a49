"""/unlink asks first, says what stays where, and only a moderator's confirmation unlinks."""

from __future__ import annotations

from bot.replies import Reply
from tests.support import Harness, texts
from tests.unit.meeting_helpers import linked


async def test_unlink_asks_and_says_what_stays_where_before_anything_changes(
        harness: Harness) -> None:
    h = harness
    community = await linked(h, tg=("en", "Europe/Madrid"), dc=("en", "Europe/Madrid"))
    community.in_telegram()  # the chat that started the community
    await h.send("/meeting new Monthly dialogue | 2026-02-20 18:00")
    [ask] = await h.send("/unlink")
    assert isinstance(ask, Reply)
    text = texts([ask])
    assert "stay with those chats" in text and "starts again with nothing shared" in text
    chats = await h.app.store.chats.in_community(1)
    assert len(chats) == 2  # nothing changed yet
    keep, leave = ask.buttons[0][1], ask.buttons[0][0]

    h.as_user("mia")  # a member cannot confirm
    assert "Only moderators" in texts(await h.press(leave.action))
    assert len(await h.app.store.chats.in_community(1)) == 2

    h.as_user("me", admin=True)
    assert "still linked" in texts(await h.press(keep.action))
    assert len(await h.app.store.chats.in_community(1)) == 2
    assert "no longer linked" in texts(await h.press(leave.action))
    assert len(await h.app.store.chats.in_community(1)) == 1
    # The meeting stayed with the other chat's community.
    assert [m.title for m in await h.app.store.meetings.in_communities([1])] == [
        "Monthly dialogue"]
    assert "not linked" in texts(await h.press(leave.action))  # a second press changes nothing

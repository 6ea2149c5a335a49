"""Contributions and moderation through the real core: queue, approve, reject with a reason."""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Platform, QuotedMessage, UserRef
from bot.features.knowledge.records import EntryStatus
from bot.replies import Outcome, Reply, Toast
from tests.support import Harness, texts


def actions(outcomes: Sequence[Outcome]) -> list[str]:
    """Every button action in the outcomes, in order."""
    return [b.action for o in outcomes if isinstance(o, Reply) for r in o.buttons for b in r
            if b.action]


async def _spanish_alice(harness: Harness) -> None:
    harness.as_user("alice").in_chat("alice", private=True)
    await harness.send("/language es")
    harness.in_chat("main")


async def test_a_members_entry_waits_and_a_moderator_publishes_it(harness: Harness) -> None:
    await _spanish_alice(harness)
    out = await harness.send("/kb add Renew a passport | Book an appointment on the consulate "
                             "website. | #passport")
    assert "waits for a moderator" in texts(out)
    approve, _reject = actions(out)
    assert "Nothing found" in texts(await harness.send("/kb find passport"))
    [refused] = await harness.press(approve)
    assert isinstance(refused, Toast) and "Solo los moderadores" in refused.text

    harness.as_user("me", admin=True)
    queue = await harness.send("/kb queue")
    assert texts(queue).startswith("1 item waits for review.")
    assert "New entry 1 by Alice" in texts(queue)
    assert approve in actions(queue)
    done = await harness.press(approve, message_id="m42")
    card = next(o for o in done if isinstance(o, Reply))
    assert card.edit_of == "m42" and "published. Approved by Me" in card.body.plain()
    [again] = await harness.press(approve)
    assert isinstance(again, Toast) and "already published" in again.text
    assert "already published" in texts(await harness.send("/kb approve 1"))
    await harness.settle()
    assert harness.messenger.texts("alice")[-1] == (
        "Tu entrada «Renew a passport» ya está en la base de conocimiento. ¡Gracias!")
    assert "1. Renew a passport" in texts(await harness.send("/kb find passport"))
    assert "Nothing waits" in texts(await harness.send("/kb queue"))
    audit = await harness.app.store.audit.recent(None)
    assert any(a.action == "kb approve" and a.detail["entry"] == 1 for a in audit)


async def test_rejecting_asks_why_and_tells_the_author_privately(harness: Harness) -> None:
    await _spanish_alice(harness)
    harness.as_user("alice")
    out = await harness.send("/kb add Cheap flights | Use this link to win money! | #travel")
    _approve, reject = actions(out)
    harness.as_user("me", admin=True)
    prompt = await harness.press(reject)
    reply = next(o for o in prompt if isinstance(o, Reply))
    assert reply.private and "Why not publish “Cheap flights”?" in reply.body.plain()
    assert "/kb reject 1 <reason>" in reply.body.plain()
    reasons = actions(prompt)
    assert len(reasons) == 4
    done = await harness.press(reasons[2], message_id="m9")
    assert "Rejected by Me. Reason: It does not belong" in texts(done)
    await harness.settle()
    told = harness.messenger.texts("alice")[-1]
    assert "Un moderador no publicó tu entrada «Cheap flights»." in told
    assert "No pertenece a la base de conocimiento de esta comunidad." in told
    [late] = await harness.press(reasons[0])
    assert isinstance(late, Toast) and "already rejected" in late.text
    entry = await harness.app.store.knowledge.get(1)
    assert entry is not None and entry.status == EntryStatus.REJECTED

    # The author changes it and it waits for review again.
    harness.as_user("alice")
    assert "waits for a moderator again" in texts(await harness.send(
        "/kb edit 1 | | Compare prices on several sites."))
    harness.as_user("me", admin=True)
    assert "Reason" in texts(await harness.send("/kb reject 1 Still off-topic here."))
    await harness.settle()
    assert "Motivo: Still off-topic here." in harness.messenger.texts("alice")[-1]


async def test_a_member_proposes_changes_to_a_published_entry(harness: Harness) -> None:
    await harness.send("/kb add Bus pass | Buy it at the kiosk. | #transport")
    harness.as_user("bob")
    assert "Only the author of entry 1" in texts(await harness.send("/kb edit 1 | | hacked"))
    audit = await harness.app.store.audit.recent(None)
    assert audit[0].action == "kb edit" and not audit[0].allowed
    harness.as_user("me", admin=True)
    await harness.send("/kb add Tram pass | Ask bob. | #transport")
    harness.as_user("alice")
    out = await harness.send("/save", reply_to=QuotedMessage(
        "77", "Metro passes are sold online now.", UserRef(Platform.CONSOLE, "zoe", "Zoé")))
    saved_id = int(texts(out).split("Entry ")[1].split(",")[0])
    harness.as_user("me", admin=True)
    await harness.press(actions(out)[0])
    harness.as_user("alice")
    out = await harness.send(f"/kb edit {saved_id} | Metro passes")
    assert "change to entry 3 waits for a moderator" in texts(out)
    assert "Metro passes are sold" in texts(await harness.send("/kb find metro"))
    harness.as_user("me", admin=True)
    assert "Change to entry 3, proposed by Alice" in texts(await harness.send("/kb queue"))
    assert "change to entry 3 is applied" in texts(await harness.press(actions(out)[0]))
    opened = texts(await harness.send("/kb open 3"))
    assert opened.startswith("Metro passes\n") and "By Zoé, saved by Alice" in opened
    history = texts(await harness.send("/kb history 3"))
    assert "has 2 versions" in history and "Alice: Metro passes" in history
    assert "Metro passes are sold online now." in texts(await harness.send("/kb history 3 1"))


async def test_moderators_publish_at_once_and_archive(harness: Harness) -> None:
    out = await harness.send("/kb add Lawyers | A list of lawyers who speak Spanish.")
    assert texts(out) == "Published as entry 1: Lawyers"
    assert "1. Lawyers" in texts(await harness.send("/kb find lawyers spanish"))
    assert "is archived" in texts(await harness.send("/kb archive 1"))
    assert "Nothing found" in texts(await harness.send("/kb find lawyers"))
    assert "Archived" in texts(await harness.send("/kb open 1"))
    assert "nothing to archive" in texts(await harness.send("/kb archive 1"))
    harness.as_user("alice")
    assert "Only moderators" in texts(await harness.send("/kb archive 1"))


async def test_forged_and_stale_knowledge_buttons_are_refused(harness: Harness) -> None:
    await harness.send("/kb add Doctors | Clinic list.")
    for payload in ("ka:999:1", "kr:999:1", "kw:1:1:evil", "ko:999", "kh:999", "ka:1",
                    "ko:-1", "kw:1:1:duplicate:x"):
        outcomes = await harness.press(payload)
        assert [type(o) for o in outcomes] == [Toast], payload
    harness.in_chat("elsewhere")
    [toast] = await harness.press("ka:1:1")
    assert isinstance(toast, Toast) and "no longer works" in toast.text
    entry = await harness.app.store.knowledge.get(1)
    assert entry is not None and entry.status == EntryStatus.PUBLISHED


async def test_turned_down_versions_stay_out_of_sight(harness: Harness) -> None:
    harness.as_user("alice")
    added = await harness.send("/kb add Doctors | Clinic list. | #health")
    harness.as_user("me", admin=True)
    await harness.press(actions(added)[0])
    harness.as_user("alice")
    out = await harness.send("/kb edit 1 | | Call Dr. Pérez at home: +34 600 000 000.")
    harness.as_user("me", admin=True)
    reasons = actions(await harness.press(actions(out)[1]))
    assert "Rejected" in texts(await harness.press(reasons[3]))
    assert "(not accepted)" in texts(await harness.send("/kb history 1"))
    harness.as_user("alice")
    assert "+34 600" in texts(await harness.send("/kb history 1 2"))
    harness.as_user("bob")
    history = texts(await harness.send("/kb history 1"))
    assert "has 1 version" in history and "not accepted" not in history
    assert "has no version 2" in texts(await harness.send("/kb history 1 2"))


async def test_a_card_drawn_before_the_author_changed_the_entry_is_refused(
        harness: Harness) -> None:
    harness.as_user("alice")
    out = await harness.send("/kb add Draft | First text.")
    await harness.send("/kb edit 1 | | Second text.")
    harness.as_user("me", admin=True)
    [toast] = await harness.press(actions(out)[0])
    assert isinstance(toast, Toast) and "changed since this card was sent" in toast.text
    queue = await harness.send("/kb queue")
    assert "Second text." in texts(queue)
    assert "is published" in texts(await harness.press(actions(queue)[0]))

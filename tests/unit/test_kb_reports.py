"""The knowledge base in digests and in a person's own data."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.replies import Reply
from tests.support import Harness, texts


async def test_the_digest_lists_new_entries_and_coming_deadlines(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book an appointment. | #passport")
    await harness.send("/opportunity Youth grant | 2026-01-09 | - | Up to 2,000 EUR.")
    await harness.send("/opportunity Far call | 2026-06-01 | - | Later.")
    digest = texts(await harness.send("/digest"))
    assert "3 new entries in the knowledge base" in digest
    assert "Renew a passport (/kb open 1)" in digest
    assert "Deadlines coming up" in digest
    assert "Youth grant" in digest.split("Deadlines coming up")[1]
    assert "Far call" not in digest.split("Deadlines coming up")[1]
    await harness.advance(timedelta(days=8))
    later = texts(await harness.send("/digest"))
    assert "in the knowledge base" not in later


async def test_my_entries_are_exported_and_my_name_erased(harness: Harness) -> None:
    harness.as_user("alice")
    await harness.send("/kb add Library hours | Open on Saturdays. | #library")
    [reply] = await harness.send("/mydata")
    assert isinstance(reply, Reply) and reply.document is not None
    data = json.loads(reply.document.data)
    assert [e["title"] for e in data["knowledge_entries"]] == ["Library hours"]
    [ask] = await harness.send("/forgetme")
    assert isinstance(ask, Reply)
    await harness.press(ask.buttons[0][0].action)
    harness.as_user("me", admin=True)
    await harness.send("/kb approve 1")
    shown = texts(await harness.send("/kb open 1"))
    assert "Open on Saturdays." in shown and "former member" in shown and "Alice" not in shown

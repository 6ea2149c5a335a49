"""The digest as each language's readers see it, compared with reviewed golden files.

One community with a bit of everything (a meeting with answers, an official notice, open
and closed polls, new knowledge entries, an open action item, an opportunity with a
deadline), rendered as plain text for a chat in
each language. After changing a digest text, regenerate with UPDATE_GOLDEN=1 and read
the files: they should read as if a person wrote them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.events import Platform
from bot.features.digest import _heading, compose
from bot.features.meetings.actions import Respond
from bot.features.meetings.records import Answer
from bot.features.polls.actions import Vote
from bot.i18n import SUPPORTED, use_locale
from bot.richtext import RichText
from tests.notices.helpers import as_consul, register, settle_all
from tests.support import make_harness

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
ZONES = {"en": "America/New_York", "es": "Europe/Madrid", "fr": "Europe/Paris",
         "pt": "America/Sao_Paulo", "ar": "Asia/Dubai", "hi": "Asia/Kolkata"}


async def _community(tmp_path: Path) -> dict[str, str]:
    clock = FakeClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # a Monday
    rendered = {}
    async with make_harness(f"sqlite+aiosqlite:///{tmp_path}/g.db", clock,
                            secret_key="golden-secret-key-0123456789") as h:
        await register(h)
        h.as_user("me", admin=True)
        h.in_chat("main")
        await h.send("/subscribe mx-madrid")
        as_consul(h)
        await h.send("/notice new Oficina de pasaportes cerrada | Cierra el lunes 9. | "
                     "documents | es")
        await h.send("/notice text 1 en Passport office closed | Closed on Monday the 9th.")
        await h.send("/notice publish 1")
        await settle_all(h)
        h.as_user("me", admin=True)
        h.in_chat("main")
        await h.send("/poll new Where shall we meet? | Café Lisboa | Online | Library")
        for name, option in (("ana", 0), ("ben", 0), ("chloé", 1)):
            h.as_user(name)
            await h.press(Vote(1, option).pack())
        h.as_user("me", admin=True)
        await h.send("/poll close 1")
        await h.send("/poll new Next topic? | Housing | Work permits --closes 2026-03-12 18:00")
        await h.send("/kb add Renew a passport | Book an appointment on the consulate "
                     "website. | #passport")
        await h.send("/opportunity Youth exchange grant | 2026-03-09 | https://example.org | "
                     "Up to 2,000 EUR. | #grants")
        await h.send("/meeting new Monthly dialogue | 2026-03-06 18:00 | 90m")
        for name, answer in (("ana", Answer.GOING), ("ben", Answer.GOING),
                             ("chloé", Answer.MAYBE)):
            h.as_user(name)
            await h.press(Respond(1, "20260306T1800", answer).pack())
        h.as_user("me", admin=True)
        await h.send("/session start Budget")
        await h.send("/action ana Book the hall | 2026-03-05")
        await h.send("/session end")
        await h.advance(timedelta(days=2))
        chat = await h.app.store.chats.find(Platform.CONSOLE, "main")
        assert chat is not None
        now = clock.now()
        for lang in SUPPORTED:
            with use_locale(lang):
                blocks = await compose(h.app.services, chat.community_id,
                                       since=now - timedelta(days=7), now=now,
                                       until=now + timedelta(days=7), zone=ZONES[lang])
                head = _heading("weekly", now - timedelta(days=7), now, ZONES[lang])
            rendered[lang] = RichText((head, *blocks)).plain() + "\n"
    return rendered


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import asyncio

    return asyncio.run(_community(tmp_path_factory.mktemp("golden")))


@pytest.mark.parametrize("lang", SUPPORTED)
def test_the_digest_reads_as_reviewed(digests: dict[str, str], lang: str) -> None:
    path = GOLDEN / f"digest.{lang}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(digests[lang], encoding="utf-8")
    assert path.exists(), "run with UPDATE_GOLDEN=1 once, then read the file"
    assert digests[lang] == path.read_text(encoding="utf-8")


def test_every_language_has_the_same_facts(digests: dict[str, str]) -> None:
    for lang, text in digests.items():
        for fact in ("Monthly dialogue", "Book the hall", "Café Lisboa", "Next topic?", "Renew a passport", "Youth exchange grant",
                     "66"):
            assert fact in text, (lang, fact)
    # The notice reaches the digest in the reader's language when it has one.
    assert "Passport office closed" in digests["en"]
    assert "Oficina de pasaportes cerrada" in digests["es"]

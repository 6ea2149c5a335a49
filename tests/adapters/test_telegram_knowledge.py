"""The knowledge base on Telegram: save-by-reply, the moderation round trip, files in and out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.features.knowledge.records import EntryStatus
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness

ADA, BEA, CID = 811, 812, 813
GROUP, OTHER = -811, -812


@pytest.fixture
async def kb(db_url: str) -> AsyncIterator[TelegramHarness]:
    """Ada administers a Spanish group; Bea and Cid are members."""
    async with telegram_harness(db_url) as harness:
        fake = harness.fake
        fake.add_user(ADA, "Ada", language_code="es")
        fake.add_user(BEA, "Bea", language_code="es")
        fake.add_user(CID, "Cid", language_code="fr")
        fake.add_chat(GROUP, "group", "Madrid", creator=ADA, members=[BEA, CID])
        fake.add_chat(OTHER, "group", "Lyon", creator=ADA, members=[CID])
        await harness.command(GROUP, ADA, "/language es")
        yield harness


async def test_save_by_reply_then_a_moderator_approves_it(kb: TelegramHarness) -> None:
    fake = kb.fake
    said = fake.push_text(GROUP, BEA, "El consulado abre de 9:00 a 14:00, con cita previa.")
    await kb.push(said)
    [waiting] = await kb.reply(GROUP, CID, "/save Horario del consulado #consulado",
                               said.message_id)
    assert "moderador" in waiting.text  # a member's entry waits for review
    unseen = await kb.command(GROUP, CID, "/kb find consulado")
    assert not any("Horario del consulado" in m.text for m in unseen)  # not before approval
    *_head, queue = await kb.command(GROUP, ADA, "/kb queue")
    assert "Horario del consulado" in queue.text
    approve = next(data for data in queue.callback_data if data.startswith("ka:"))
    answer, _new = await kb.press(GROUP, ADA, queue.message_id, approve)
    assert answer["text"]
    found = await kb.command(GROUP, CID, "/kb find consulado")
    assert any("Horario del consulado" in m.text for m in found)
    stored = await kb.store.knowledge.get(1)
    assert stored is not None and stored.status == EntryStatus.PUBLISHED
    # The replied message's author is credited, not the person who saved it.
    assert stored.author.name == "Bea" and stored.author.key == f"telegram:{BEA}"


async def test_a_member_cannot_approve(kb: TelegramHarness) -> None:
    await kb.command(GROUP, CID, "/kb add Biblioteca | Abre los sábados. | #biblio")
    *_head, queue = await kb.command(GROUP, ADA, "/kb queue")
    approve = next(data for data in queue.callback_data if data.startswith("ka:"))
    answer, _new = await kb.press(GROUP, CID, queue.message_id, approve)
    # The refusal is a toast in the presser's own language.
    assert answer["show_alert"] and "modérateurs" in answer["text"]
    stored = await kb.store.knowledge.get(1)
    assert stored is not None and stored.status == EntryStatus.PENDING


async def test_export_as_a_file_and_import_it_by_caption(kb: TelegramHarness) -> None:
    await kb.command(GROUP, ADA, "/kb add Pasaporte | Pide cita en la web. | #pasaporte")
    mark = kb.mark()
    await kb.command(GROUP, ADA, "/kb export json")
    # The lossless export holds everything: it goes to the moderator privately.
    [document] = [m for m in kb.sent_since(mark) if m.document]
    assert document.chat_id == ADA
    assert document.document["file_name"].endswith(".json")
    assert document.upload is not None
    data = json.loads(document.upload.content)
    assert [e["title"] for e in data["entries"]] == ["Pasaporte"]
    mark = kb.mark()
    await kb.push(kb.fake.push_document(OTHER, ADA, "base.json", document.upload.content,
                                        caption="/kb import"))
    [imported] = kb.sent_since(mark, OTHER)
    assert "1" in imported.text
    found = await kb.command(OTHER, CID, "/kb find pasaporte")
    assert any("Pasaporte" in m.text for m in found)


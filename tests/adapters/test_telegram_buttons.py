"""Inline buttons: every press answered exactly once, with edits and deletes through Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.probe import with_probe
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness
from tests.fakes.telegram_api import FakeTelegram

ADA, BEA = 601, 602
GROUP = -100601


@pytest.fixture
async def tgp(db_url: str) -> AsyncIterator[TelegramHarness]:
    """The harness with the probe feature, a group created by Ada, and Bea as a member."""
    async with telegram_harness(db_url, features=with_probe()) as harness:
        harness.fake.add_user(ADA, "Ada", language_code="en")
        harness.fake.add_user(BEA, "Bea", language_code="pt-br")
        harness.fake.add_chat(GROUP, "supergroup", "Lisboa", creator=ADA, members=[BEA])
        yield harness


def answers(fake: FakeTelegram, query_id: str) -> int:
    return len([c for c in fake.calls_to("answerCallbackQuery")
                if c.params.get("callback_query_id") == query_id])


async def test_language_menu_round_trip_in_private(tgp: TelegramHarness) -> None:
    [menu] = await tgp.command(BEA, BEA, "/language")
    assert menu.text == "Escrevo para você em português. Escolha outro:"
    assert [b["text"] for b in menu.buttons] == [
        "English", "español", "français", "português", "العربية", "हिन्दी"]
    answer, new = await tgp.press(BEA, BEA, menu.message_id, menu.callback_data[1])
    assert new == []  # edited in place, nothing new
    assert answer == {"text": "Te escribiré en español.", "show_alert": False}
    assert menu.text == "Te escribiré en español." and menu.reply_markup is None
    [help_] = await tgp.command(BEA, BEA, "/help")
    assert help_.text.startswith("Esto es lo que puedes hacer aquí:")


async def test_only_group_admins_may_press_the_chat_language(tgp: TelegramHarness) -> None:
    [menu] = await tgp.command(GROUP, BEA, "/language")
    spanish = menu.callback_data[1]
    answer, _ = await tgp.press(GROUP, BEA, menu.message_id, spanish)
    # The refusal is only for Bea, in her language.
    assert answer == {"text": "Só os moderadores deste chat podem fazer isso.",
                      "show_alert": True}
    assert menu.edit_date is None
    answer, _ = await tgp.press(GROUP, ADA, menu.message_id, spanish)
    assert answer["show_alert"] is False
    assert menu.text == "A partir de ahora, en este chat escribo en español."


async def test_probe_buttons_edit_delete_and_refuse(tgp: TelegramHarness) -> None:
    [menu] = await tgp.command(ADA, ADA, "/menu")
    edit, delete, quiet, fail = menu.callback_data
    answer, _ = await tgp.press(ADA, ADA, menu.message_id, quiet)
    assert answer == {"show_alert": False}  # answered, with nothing to say
    answer, _ = await tgp.press(ADA, ADA, menu.message_id, fail)
    assert answer == {"text": "no way", "show_alert": True}
    answer, _ = await tgp.press(ADA, ADA, menu.message_id, edit)
    assert answer == {"text": "edited!", "show_alert": False}
    assert menu.text == "edited <b>text</b>"  # user-visible text, shown literally
    [again] = await tgp.command(ADA, ADA, "/menu")
    await tgp.press(ADA, ADA, again.message_id, again.callback_data[1])
    assert again.deleted and tgp.fake.messages(ADA) == [menu]
    assert delete == again.callback_data[1]


async def test_every_press_is_answered_exactly_once(tgp: TelegramHarness) -> None:
    [menu] = await tgp.command(ADA, ADA, "/menu")
    fake = tgp.fake
    queries = [fake.push_callback(ADA, ADA, menu.message_id, data)
               for data in (menu.callback_data[2], menu.callback_data[3])]
    forged = fake.push_callback(ADA, ADA, menu.message_id, "lang:xx:yy", check_button=False)
    alien = fake.push_callback(ADA, ADA, menu.message_id, "x" * 64, check_button=False)
    update_id = fake.last_update_id
    assert update_id is not None
    await tgp.adapter.wait_handled(update_id)
    for query in (*queries, forged, alien):
        await fake.wait_for_callback_answer(query)
        assert answers(fake, query) == 1
    forged_answer = await fake.wait_for_callback_answer(forged)
    assert forged_answer == {"text": "This button no longer works.", "show_alert": False}

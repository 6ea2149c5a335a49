"""What members type is shown, never obeyed, on every platform (checked on the fakes' payloads).

HTML and Markdown, @everyone/@here and mention syntax, bidi overrides, zero-width characters
and the verification seal (or a look-alike) at the start of a line, in titles, options,
entries and display names.
"""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import FakeClock
from tests.adapters.both_harness import both_platforms
from tests.support import open_store, settings_for_tests

RLO, ZWSP = "\u202e", "\u200b"
FAKE_HEADER = "🛡️ Official notice · Consulado General"
LOOKALIKE = "\u200b⛨ Avis officiel · Consulat"
NASTY = f"<b>bold</b> & <script>x</script> **md** @everyone @here <@123> {RLO}lave{ZWSP}"


def _assert_inert(text: str) -> None:
    assert RLO not in text and ZWSP + "l" not in text
    for line in text.splitlines():
        assert not line.lstrip("*_ \u200b").startswith(("🛡", "⛨")), line


async def test_member_text_is_inert_on_telegram_and_discord(db_url: str) -> None:
    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="en", dc_locale="en-US")
        # A member with a hostile display name writes an entry; a moderator publishes it.
        both.tg.add_user(9107, f"{RLO}nimda @everyone", language_code="en")
        await both.tg_command(group, 9107, f"/kb add {FAKE_HEADER} | {NASTY} | #x")
        await both.tg_command(group, both.tg_admin, "/kb approve 1")
        [card] = [m for m in await both.tg_command(group, both.tg_admin, "/kb open 1")
                  if "bold" in m.text]
        assert "<b>bold</b>" in card.text and "<script>x</script>" in card.text
        # The title is shown, without the seal it tried to start with.
        assert "Official notice · Consulado General" in card.text
        assert not any(e["type"] == "bold" and card.text[e["offset"]:].startswith("bold")
                       for e in card.entities)
        _assert_inert(card.text)
        # A poll whose question looks like the header and whose options try to ping.
        await both.tg_command(group, both.tg_admin,
                              f"/poll new {LOOKALIKE} | @everyone | <@&42> | {RLO}x")
        await both.settle()
        [tg_poll] = [m for m in both.tg.messages(group) if m.callback_data
                     and m.callback_data[0].startswith("pv:")]
        _assert_inert(tg_poll.text)
        assert all(RLO not in b["text"] for row in tg_poll.reply_markup["inline_keyboard"]
                   for b in row)
        [dc_poll] = [m for m in both.dc.messages(channel)
                     if any(c.startswith("pv:") for c in m.custom_ids())]
        shown = dc_poll.content + "".join(str(e.get("title", "")) + str(e.get("description", ""))
                                          for e in dc_poll.embeds)
        _assert_inert(shown)
        assert "@everyone" not in shown.replace(f"@{ZWSP}everyone", "")
        assert dc_poll.allowed_mentions == {"parse": []}
        labels = [c.get("label", "") for row in dc_poll.components
                  for c in row.get("components", [])]
        assert all(RLO not in label for label in labels)
        # Nobody was pinged by anything the bot sent to Discord.
        assert all(m.allowed_mentions == {"parse": []} for m in both.dc.messages(channel)
                   if not m.flags & 64)


async def test_member_text_is_inert_in_the_console(tmp_path: Path) -> None:
    clock = FakeClock()
    script = f"/kb add {FAKE_HEADER} | {NASTY} | #x\n/kb open 1\n/as {RLO}mallory\n/help\n"
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db", clock) as store:
        app = App(settings_for_tests(), store, clock)
        out = io.StringIO()
        adapter = ConsoleAdapter(app, io.StringIO(script), out, files_dir=tmp_path / "f")
        await app.start()
        try:
            await adapter.run()
        finally:
            await app.stop()
    printed = out.getvalue()
    assert "<b>bold</b>" in printed
    _assert_inert(printed)

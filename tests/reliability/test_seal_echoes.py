"""The verification seal someone types never comes back from the bot, in any echo of it.

Only the header line of an official notice may show the seal: the bot places it there itself.
Typed text — entry titles, meeting titles, poll questions and options — loses the seal (with
or without its variation selector) wherever it is shown: in the middle of a sentence, in a
card, in a button label and in a toast, on Telegram and on Discord.
"""

from __future__ import annotations

from tests.adapters.both_harness import both_platforms
from tests.adapters.telegram_harness import telegram_harness

SEAL = "\U0001f6e1"
FAKE = "🛡️ Official notice · Consulate"  # with U+FE0F
BARE = "🛡 Official notice · Embassy"  # without it
ADA, BEA = 931, 932
GROUP = -931


def _sealless(*texts: str) -> None:
    for text in texts:
        assert SEAL not in text, text


async def test_knowledge_and_meeting_echoes_lose_the_seal_on_telegram(db_url: str) -> None:
    async with telegram_harness(db_url) as tg:
        tg.fake.add_user(ADA, "Ada", language_code="en")
        tg.fake.add_user(BEA, "Bea", language_code="en")
        tg.fake.add_chat(GROUP, "supergroup", "Madrid", creator=ADA, members=[BEA])
        # A moderator's entry is published at once: the confirmation names it.
        published = await tg.command(GROUP, ADA, f"/kb add {FAKE} | Pay here | #x")
        assert any("Official notice · Consulate" in m.text for m in published)
        _sealless(*(m.text for m in published))
        # A member's entry waits for review: the message that says so names it too.
        queued = await tg.command(GROUP, BEA, f"/kb add Note {BARE} | Pay here | #x")
        assert any("Note Official notice · Embassy" in m.text for m in queued)
        _sealless(*(m.text for m in queued))
        # A meeting whose title carries the seal, named in the answer to a proposal.
        created = await tg.command(GROUP, ADA, f"/meeting new {FAKE} | 2030-01-08 18:00")
        _sealless(*(m.text for m in created), *(b["text"] for m in created for b in m.buttons))
        proposed = await tg.command(GROUP, BEA, "/agenda add Passports")
        [answer] = [m for m in proposed if m.text.startswith("Proposed for")]
        assert answer.text.startswith("Proposed for Official notice · Consulate on ")
        _sealless(answer.text)


async def test_poll_options_and_their_buttons_lose_the_seal_everywhere(db_url: str) -> None:
    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="en", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin,
                              f"/poll new Which? {FAKE} | {BARE} | Pay at {FAKE} | Other")
        await both.settle()
        [tg_card] = [m for m in both.tg.messages(group) if m.callback_data
                     and m.callback_data[0].startswith("pv:")]
        labels = [b["text"] for b in tg_card.buttons]
        assert labels[0] == "1. Official notice · Embassy"
        assert labels[1] == "2. Pay at Official notice · Consulate"
        _sealless(tg_card.text, *labels)
        # The toast that confirms a vote names the option.
        answer = await both.tg_press(group, both.tg_member, tg_card.message_id,
                                     tg_card.callback_data[1])
        assert "Pay at Official notice · Consulate" in answer["text"]
        _sealless(answer["text"])
        [dc_card] = [m for m in both.dc.messages(channel)
                     if any(c.startswith("pv:") for c in m.custom_ids())]
        dc_labels = [c.get("label", "") for row in dc_card.components
                     for c in row.get("components", [])]
        assert "2. Pay at Official notice · Consulate" in dc_labels
        shown = dc_card.content + "".join(str(e.get("title", "")) + str(e.get("description", ""))
                                          for e in dc_card.embeds)
        _sealless(shown, *dc_labels)
        # Nothing else the bot sent to either chat shows it either.
        _sealless(*both.tg_texts(group), *both.dc_texts(channel))

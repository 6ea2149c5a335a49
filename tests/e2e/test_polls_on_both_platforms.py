"""A poll created in a Telegram group reaches the linked Discord channel; votes from both merge."""

from __future__ import annotations

from datetime import timedelta

from tests.adapters.both_harness import both_platforms


async def test_votes_through_both_fakes_merge_and_results_are_localized(db_url: str) -> None:
    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="es", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin,
                              "/poll new ¿Dónde? | Café | Online | Biblioteca")
        await both.settle()
        [tg_poll] = [m for m in both.tg.messages(group) if m.callback_data
                     and m.callback_data[0].startswith("pv:")]
        [dc_poll] = [m for m in both.dc.messages(channel)
                     if any(c.startswith("pv:") for c in m.custom_ids())]
        votes = dc_poll.custom_ids()
        assert votes[:3] == tg_poll.callback_data[:3]
        # Two votes from Telegram (one changed), one from Discord.
        await both.tg_press(group, both.tg_admin, tg_poll.message_id, tg_poll.callback_data[0])
        await both.tg_press(group, both.tg_member, tg_poll.message_id, tg_poll.callback_data[1])
        await both.tg_press(group, both.tg_member, tg_poll.message_id, tg_poll.callback_data[0])
        await both.dc_click(channel, dc_poll.id, both.dc_member, votes[1])
        await both.settle()
        await both.tg_command(group, both.tg_admin, "/poll close 1")
        await both.settle()
        spanish = [m.text for m in both.tg.messages(group)
                   if m.text.startswith("Resultados de la encuesta #1")]
        english = [t for t in both.dc_texts(channel) if t.startswith("Results of poll #1")]
        assert len(spanish) == 1 and len(english) == 1
        # The same facts, each chat in its own language and number format.
        assert "2 votos (66,7\xa0%)" in spanish[0] and "3 personas han votado" in spanish[0]
        assert "2 votes (66.7%)" in english[0] and "3 people have voted" in english[0]
        # The buttons are gone from every copy.
        assert not [m for m in both.tg.messages(group) if m.callback_data
                    and m.callback_data[0].startswith("pv:")]
        assert not [m for m in both.dc.messages(channel)
                    if any(c.startswith("pv:") for c in m.custom_ids())]


async def test_forgetme_redraws_every_card_that_counted_the_erased_vote(db_url: str) -> None:
    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="en", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin, "/poll new Where? | Café | Online")
        await both.settle()
        [tg_poll] = [m for m in both.tg.messages(group) if m.callback_data
                     and m.callback_data[0].startswith("pv:")]
        await both.tg_press(group, both.tg_member, tg_poll.message_id, tg_poll.callback_data[0])
        await both.advance(timedelta(seconds=5))
        [dc_poll] = [m for m in both.dc.messages(channel)
                     if any(c.startswith("pv:") for c in m.custom_ids())]
        assert "1 person has voted." in tg_poll.text
        assert "1 person has voted." in both.dc_texts(channel)[-1]
        # The member erases their data from their private chat with the bot.
        [confirm] = [m for m in await both.tg_command(both.tg_member, both.tg_member,
                                                      "/forgetme") if m.callback_data]
        answer = await both.tg_press(both.tg_member, both.tg_member, confirm.message_id,
                                     confirm.callback_data[0])
        assert answer["text"] == "Tus datos se han borrado."  # the member reads Spanish
        await both.advance(timedelta(seconds=5))
        # Both copies stop counting the vote that is gone.
        assert "0 people have voted." in tg_poll.text and "1 person" not in tg_poll.text
        dc_text = next(t for t in both.dc_texts(channel) if "Where?" in t)
        assert dc_poll.id and "0 people have voted." in dc_text

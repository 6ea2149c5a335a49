"""Forms: asked natively where the platform can, as a guided dialogue elsewhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot import forms
from bot.app import App
from bot.context import Context
from bot.events import FormSubmitted, MessagePosted, Platform
from bot.feature import Feature, Where
from bot.features.forms import feature as forms_feature
from bot.i18n import N_
from bot.permissions import ANYONE
from bot.replies import Reply
from bot.richtext import doc
from tests.support import make_harness, settings_for_tests, texts

probe = Feature("probe", N_("Probe"))
received: list[tuple[str, dict[str, str]]] = []


def _form() -> forms.Form:
    return forms.Form("probe", "7", "Probe form", (
        forms.FormField("name", "Name", max_length=10),
        forms.FormField("note", "Note", long=True, required=False, max_length=50),
        forms.FormField("colour", "Colour", value="blue", max_length=10),
    ))


@probe.command("probe", N_("Ask the probe form"), where=Where.PRIVATE, rule=ANYONE)
async def ask_probe(ctx: Context) -> Reply:
    """Ask the form."""
    return await forms.ask(ctx, _form())


@forms.on_submit("probe")
async def probe_submitted(ctx: Context, ref: str, values: dict[str, str]) -> Reply:
    """Record what arrived."""
    received.append((ref, values))
    return Reply(doc(f"got {values}"))


async def _harness(db_url: str) -> Any:
    received.clear()
    return make_harness(db_url, features=[probe, forms_feature])


async def test_a_guided_dialogue_asks_each_field_in_turn(db_url: str) -> None:
    async with await _harness(db_url) as h:
        h.as_user("ana").in_chat("ana", private=True)
        out = texts(await h.send("/probe"))
        assert out.startswith("Probe form · 1/3\nName")
        out = texts(await h.say("a" * 11))
        assert out == "Your answer to “Name” has 11 characters; at most 10 fit."
        assert "Note" in texts(await h.say("Ana"))
        assert "Name" in texts(await h.send("/probe"))  # asking again starts over
        again = next(o for o in await h.say("   ") if isinstance(o, Reply))
        assert "Name" in again.body.plain()  # an empty answer to a required field asks again
        prompt = next(o for o in await h.say("Ana") if isinstance(o, Reply))
        assert "Note" in prompt.body.plain()
        labels = [b.label for row in prompt.buttons for b in row]
        assert labels == ["Skip", "Cancel"]
        out = texts(await h.press(forms.SkipField(1).pack()))
        assert "Colour" in out and "Now:\nblue" in out
        assert texts(await h.press(forms.SkipField(0).pack())) == "This button no longer works."
        out = texts(await h.press(forms.SkipField(2).pack()))
        assert received == [("7", {"name": "Ana", "note": "", "colour": "blue"})]
        assert "got" in out
        assert await h.say("anything") == []


async def test_a_required_field_cannot_be_skipped_and_cancel_ends_it(db_url: str) -> None:
    async with await _harness(db_url) as h:
        h.as_user("ana").in_chat("ana", private=True)
        await h.send("/probe")
        assert texts(await h.press(forms.SkipField(0).pack())) == "Name is required."
        assert texts(await h.send("/cancel")) == "Cancelled. Nothing was saved from that form."
        assert texts(await h.send("/cancel")) == "There is nothing to cancel."
        assert await h.say("Ana") == []
        await h.send("/probe")
        assert texts(await h.press(forms.CancelForm().pack())).startswith("Cancelled.")
        assert received == []


async def test_a_dialogue_survives_a_restart_and_expires(db_url: str) -> None:
    async with await _harness(db_url) as h:
        h.as_user("ana").in_chat("ana", private=True)
        await h.send("/probe")
        await h.say("Ana")
        store = h.app.store
        chat = await store.chats.find(Platform.CONSOLE, "ana")
        person = await store.people.find(Platform.CONSOLE, "ana")
        assert chat is not None and person is not None
        stored = await store.forms.get(chat.id, person.id)
        assert stored is not None and (stored.position, stored.values) == (1, {"name": "Ana"})
        # Another process (or the bot after a restart) continues from the database.
        other = App(settings_for_tests(), store, h.clock, [probe, forms_feature])
        event = MessagePosted(chat=h.chat, user=h.user, text="a note")
        assert "Colour" in texts(await other.handle(event))
        h.clock.advance(timedelta(hours=2))
        assert "expired" in texts(await h.say("red"))
        assert await h.say("red") == []
        assert received == []


async def test_group_messages_are_never_taken_as_answers(db_url: str) -> None:
    async with await _harness(db_url) as h:
        h.as_user("ana").in_chat("ana", private=True)
        await h.send("/probe")
        h.in_chat("main")
        assert await h.say("Ana") == []
        h.in_chat("ana", private=True)
        assert "Note" in texts(await h.say("Ana"))


async def test_native_forms_come_back_whole_and_only_when_asked(db_url: str) -> None:
    async with await _harness(db_url) as h:
        h.in_chat("discord-dm", private=True, platform=Platform.DISCORD).as_user("bo")
        common = {"chat": h.chat, "user": h.user, "can_show_forms": True}
        from bot.events import CommandInvoked

        [reply] = await h.event(CommandInvoked(**common, command="probe"))
        assert isinstance(reply, Reply) and reply.form is not None
        assert [f.name for f in reply.form.fields] == ["name", "note", "colour"]
        assert reply.form.id == "probe:7"
        # A plain message does not answer a form shown as a modal.
        assert await h.say("Bo") == []
        forged = await h.event(FormSubmitted(**common, form_id="probe:8", values={"name": "x"}))
        assert "no longer valid" in texts(forged)
        too_long = await h.event(FormSubmitted(**common, form_id="probe:7",
                                               values={"name": "b" * 30}))
        assert "at most 10" in texts(too_long)
        out = await h.event(FormSubmitted(**common, form_id="probe:7",
                                          values={"name": " Bo ", "unknown": "x"}))
        assert received == [("7", {"name": "Bo", "note": "", "colour": "blue"})]
        assert "got" in texts(out)
        again = await h.event(FormSubmitted(**common, form_id="probe:7", values={"name": "Bo"}))
        assert "no longer valid" in texts(again)
        assert len(received) == 1


def test_a_form_is_small_enough_for_a_modal() -> None:
    fields = tuple(forms.FormField(f"f{n}", "x") for n in range(6))
    try:
        forms.Form("k", "1", "t", fields)
    except ValueError:
        pass
    else:
        raise AssertionError("six fields accepted")
    form = _form()
    assert forms.Form.from_json(form.to_json()) == form

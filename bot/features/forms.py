"""Forms in progress: the next private message answers the current field; /cancel stops."""

from __future__ import annotations

from typing import Any

from bot import forms
from bot.context import Context, UserError
from bot.events import FormSubmitted, MessagePosted
from bot.feature import Feature, Where
from bot.i18n import N_, _
from bot.permissions import ANYONE
from bot.replies import Reply, Toast
from bot.richtext import doc

feature = Feature("forms", N_("Forms"), order=95)


@feature.on(MessagePosted)
async def message(ctx: Context) -> Any:
    """In a private chat, a plain message answers the form being filled in, if any."""
    event = ctx.event
    if not ctx.is_private or not isinstance(event, MessagePosted):
        return None
    return await forms.answer(ctx, event.text)


@feature.on(FormSubmitted)
async def submitted(ctx: Context) -> Any:
    """A form filled in natively (a Discord modal)."""
    event = ctx.event
    assert isinstance(event, FormSubmitted)
    return await forms.submitted(ctx, event.form_id, dict(event.values))


@feature.button(forms.SkipField, rule=ANYONE)
async def skip(ctx: Context, action: forms.SkipField) -> Any:
    """Keep the current value of a field, or leave an optional one empty."""
    dialogue = await ctx.store.forms.get(ctx.chat.id, ctx.person.id)
    if dialogue is None or dialogue.native or dialogue.position != action.position:
        raise UserError(_("This button no longer works."))
    current = dialogue.current
    if current.required and not current.value:
        raise UserError(_("{field} is required.", field=current.label))
    return await forms.answer(ctx, None)


async def _cancel(ctx: Context) -> str:
    if not await ctx.store.forms.clear(ctx.chat.id, ctx.person.id):
        raise UserError(_("There is nothing to cancel."))
    return _("Cancelled. Nothing was saved from that form.")


@feature.button(forms.CancelForm, rule=ANYONE)
async def cancel_pressed(ctx: Context, action: forms.CancelForm) -> list[Reply | Toast]:
    """Stop filling in the form."""
    done = await _cancel(ctx)
    return [Toast(done), Reply(doc(done))]


@feature.command("cancel", N_("Stop filling in a form"), where=Where.PRIVATE, rule=ANYONE)
async def cancel(ctx: Context) -> Reply:
    """Stop filling in the form (the text-platform twin of a modal's close button)."""
    return Reply(doc(await _cancel(ctx)))

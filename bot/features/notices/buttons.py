"""The buttons of a draft's preview: publish, edit, cancel, and the options.

Each one checks, like the commands, that the presser publishes for the
notice's organisation and that the notice is still a draft (or scheduled).
"""

from __future__ import annotations

from typing import Any

from bot import forms
from bot.context import Context, UserError
from bot.features.notices.actions import (
    AskExpiry,
    AskSchedule,
    ChooseCategory,
    ChooseLanguage,
    DiscardNotice,
    EditNotice,
    PublishNotice,
    SetCategory,
    ToggleOption,
    WriteLanguage,
)
from bot.features.notices.common import BROADCASTER, feature, notice_for
from bot.features.notices.compose import check_language, save_and_show, text_form, when_form
from bot.features.notices.preview import discard, go
from bot.features.notices.records import Category, category_name
from bot.i18n import SUPPORTED, _, language_name
from bot.permissions import only
from bot.replies import Button, Reply, Toast
from bot.richtext import doc


@feature.button(PublishNotice, rule=only(BROADCASTER))
async def publish_pressed(ctx: Context, action: PublishNotice) -> list[Reply | Toast]:
    """Publish (or schedule) the previewed notice."""
    notice, org = await notice_for(ctx, action.notice_id, editable=True,
                                   action="notice.publish")
    done = await go(ctx, notice, org)
    out: list[Reply | Toast] = [done]
    if ctx.event_message_id:
        out.insert(0, Reply(doc(_("Preview of notice {id}", id=f"#{notice.id}")),
                            edit_of=ctx.event_message_id))
    return out


@feature.button(EditNotice, rule=only(BROADCASTER))
async def edit_pressed(ctx: Context, action: EditNotice) -> Any:
    """Edit the main language's version as a form."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    return await forms.ask(ctx, text_form(notice, notice.main_language))


@feature.button(DiscardNotice, rule=only(BROADCASTER))
async def discard_pressed(ctx: Context, action: DiscardNotice) -> list[Reply | Toast]:
    """Discard the draft (or unschedule it)."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    done = await discard(ctx, notice)
    if ctx.event_message_id:
        return [Reply(done.body, edit_of=ctx.event_message_id)]
    return [done]


@feature.button(ChooseCategory, rule=only(BROADCASTER))
async def category_menu(ctx: Context, action: ChooseCategory) -> Reply:
    """The categories to choose from."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    buttons = [Button(category_name(c), SetCategory(notice.id, c).pack()) for c in Category]
    return Reply(doc(_("Which category?"))).with_buttons(buttons[:3], buttons[3:])


@feature.button(SetCategory, rule=only(BROADCASTER))
async def category_chosen(ctx: Context, action: SetCategory) -> Any:
    """Set the category and show the preview again."""
    notice, org = await notice_for(ctx, action.notice_id, editable=True)
    notice.category = action.category
    return await save_and_show(ctx, notice, org)


@feature.button(ChooseLanguage, rule=only(BROADCASTER))
async def language_menu(ctx: Context, action: ChooseLanguage) -> Reply:
    """The languages a version can be written in."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    buttons = [Button(language_name(x), WriteLanguage(notice.id, x).pack()) for x in SUPPORTED]
    return Reply(doc(_("Which language's version do you want to write?"))).with_buttons(
        buttons[:3], buttons[3:])


@feature.button(WriteLanguage, rule=only(BROADCASTER))
async def language_chosen(ctx: Context, action: WriteLanguage) -> Any:
    """Ask for that language's title and text."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    return await forms.ask(ctx, text_form(notice, check_language(action.lang)))


@feature.button(ToggleOption, rule=only(BROADCASTER))
async def toggle(ctx: Context, action: ToggleOption) -> Any:
    """Switch urgency or the seen button, and show the preview again."""
    notice, org = await notice_for(ctx, action.notice_id, editable=True)
    if action.option == "urgent":
        notice.urgent = not notice.urgent
    elif action.option == "seen":
        notice.seen_button = not notice.seen_button
    else:
        raise UserError(_("This button no longer works."))
    return await save_and_show(ctx, notice, org)


@feature.button(AskSchedule, rule=only(BROADCASTER))
async def schedule_pressed(ctx: Context, action: AskSchedule) -> Any:
    """Ask when to publish."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    return await forms.ask(ctx, when_form(notice, "at"))


@feature.button(AskExpiry, rule=only(BROADCASTER))
async def expiry_pressed(ctx: Context, action: AskExpiry) -> Any:
    """Ask when the notice expires."""
    notice, _org = await notice_for(ctx, action.notice_id, editable=True)
    return await forms.ask(ctx, when_form(notice, "expires"))

"""Composing a notice in private chat: a form (or one command line), then the preview.

`/notice new` asks title, text and language as a form (a Discord modal, a
guided dialogue elsewhere); `/notice new <title> | <text> | ...` does it in
one line. The preview's buttons (and `/notice text`, `/notice set`) change
the draft; every change shows the preview again.
"""

from __future__ import annotations

from typing import Any

from bot import forms
from bot.context import Context, UserError, known_locale
from bot.convert import maybe_id, switch_value
from bot.dates import parse_when
from bot.feature import Arg, Where
from bot.features.notices.actions import NewFor
from bot.features.notices.common import (
    BROADCASTER,
    CATEGORY,
    MAX_BODY,
    MAX_TITLE,
    NOTICE,
    PUBLISH_JOB,
    broadcaster_orgs,
    feature,
    notice_for,
    parse_category,
    pick_org,
)
from bot.features.notices.preview import discard, go, preview
from bot.features.notices.records import (
    Category,
    Notice,
    NoticeStatus,
    NoticeText,
    Organisation,
)
from bot.fmt import joined, number
from bot.i18n import N_, SUPPORTED, _, language_name
from bot.permissions import only
from bot.replies import Button, Reply
from bot.richtext import doc
from bot.trust import SEAL, naming_seal, starts_with_seal


def check_text(title: str, body: str) -> NoticeText:
    """A version's title and text as written, or a UserError saying what is wrong."""
    title, body = " ".join(title.split()), body.strip()
    if not title or not body:
        raise UserError(_("A notice needs a title and a text."))
    if len(title) > MAX_TITLE:
        raise UserError(_("The title is {length} characters long; it can hold at most {limit}.",
                          length=number(len(title)), limit=number(MAX_TITLE)))
    if len(body) > MAX_BODY:
        raise UserError(_("The text is {length} characters long. A notice holds at most {limit} "
                          "characters, so that every chat receives it as one message: shorten "
                          "it, or link to the full text.", length=number(len(body)),
                          limit=number(MAX_BODY)))
    if starts_with_seal(title) or starts_with_seal(body):
        raise seal_refused()
    return NoticeText(title, body)


def seal_refused() -> UserError:
    """The refusal of typed text whose lines start with the seal (shown through `Seal`)."""
    sentence = _("A line cannot start with {mark}: that mark is reserved for the line I add "
                 "to show who published the notice.", mark=SEAL)
    return UserError(sentence, naming_seal(sentence))


def check_language(raw: str) -> str:
    """One of our language codes, or a UserError listing them."""
    code = known_locale(raw) if raw.strip() else None
    if code is None:
        raise UserError(_("I don't speak {code} yet. Choose one of: {choices}.",
                          code=raw.strip()[:16], choices=joined(SUPPORTED, "or")))
    return code


def _text_fields(current: NoticeText | None) -> tuple[forms.FormField, ...]:
    return (forms.FormField("title", _("Title"), max_length=MAX_TITLE,
                            value=current.title if current else ""),
            forms.FormField("body", _("Text"), long=True, max_length=MAX_BODY,
                            value=current.body if current else "",
                            hint=_("Written exactly as members will read it.")))


def new_form(org: Organisation) -> forms.Form:
    """Title, text and language of a new notice."""
    language = forms.FormField("language", _("Language of this text"), required=False,
                               max_length=8, value=org.language,
                               hint=_("One of: {choices}", choices=joined(SUPPORTED, "or")))
    return forms.Form("notice.new", str(org.id), _("New notice for {organisation}",
                                                   organisation=org.name),
                      (*_text_fields(None), language))


def text_form(notice: Notice, lang: str, kind: str = "notice.text") -> forms.Form:
    """Title and text of one language's version (prefilled when it exists)."""
    title = _("Notice {id} in {language}", id=f"#{notice.id}", language=language_name(lang))
    return forms.Form(kind, f"{notice.id}.{lang}", title, _text_fields(notice.texts.get(lang)))


async def _show(ctx: Context, notice: Notice, org: Organisation) -> list[Reply]:
    return await preview(ctx, notice, org)


async def save_and_show(ctx: Context, notice: Notice, org: Organisation) -> list[Reply]:
    if not await ctx.store.notices.save(notice, expect=[NoticeStatus.DRAFT,
                                                         NoticeStatus.SCHEDULED]):
        raise UserError(_("Notice {id} is already published.", id=f"#{notice.id}"))
    return await _show(ctx, notice, org)


async def _create(ctx: Context, org: Organisation, lang: str, text: NoticeText,
                  category: Category = Category.OTHER) -> list[Reply]:
    draft = Notice(0, org.id, ctx.person.id, ctx.chat.id, lang, category=category,
                   texts={lang: text})
    notice = await ctx.store.notices.create(draft)
    return await _show(ctx, notice, org)


CATEGORY_ARG = Arg("category", N_("documents, elections, emergencies, events, services or other"),
                   kind=CATEGORY)


@feature.command(
    "notice new", N_("Write a new official notice (verified broadcasters)"),
    usage=N_("[<title> | <text> | category | language | broadcaster]"), where=Where.PRIVATE,
    pipe_separated=True,
    examples=("/notice new", "/notice new Passport office closed | The office is closed on "
              "Monday 5 May. | documents | en"),
    args=(Arg("title", N_("The title")), Arg("body", N_("The text")),
          CATEGORY_ARG,
          Arg("language", N_("The language of this text")),
          Arg("organisation", N_("Which broadcaster, if you publish for several")))
, rule=only(BROADCASTER))
async def new(ctx: Context) -> Any:
    """Start a notice: a form without arguments, a draft straight away with them."""
    orgs = await broadcaster_orgs(ctx)
    if not ctx.arg("body"):
        if ctx.arg("title") or len(orgs) == 1:
            org = await pick_org(ctx, orgs, ctx.arg("title"))
            return await forms.ask(ctx, new_form(org))
        return Reply(doc(_("Which organisation do you publish for this time?"))).with_buttons(
            *((Button(o.name[:60], NewFor(o.id).pack()),) for o in orgs[:10]))
    org = await pick_org(ctx, orgs, ctx.arg("organisation"))
    text = check_text(ctx.arg("title"), ctx.arg("body"))
    category = ctx.value(CATEGORY_ARG) or Category.OTHER
    lang = check_language(ctx.arg("language") or org.language)
    return await _create(ctx, org, lang, text, category)


@feature.button(NewFor, rule=only(BROADCASTER))
async def new_for(ctx: Context, action: NewFor) -> Any:
    """Start a notice for the organisation chosen from the buttons."""
    orgs = await broadcaster_orgs(ctx)
    org = next((o for o in orgs if o.id == action.org_id), None)
    if org is None:
        raise UserError(_("This button no longer works."))
    return await forms.ask(ctx, new_form(org))


@forms.on_submit("notice.new")
async def new_submitted(ctx: Context, ref: str, values: dict[str, str]) -> Any:
    """Create the draft from the filled form and show its preview."""
    orgs = await broadcaster_orgs(ctx)
    org = next((o for o in orgs if str(o.id) == ref), None)
    if org is None:
        raise UserError(_("This form is no longer valid. Please start again."))
    text = check_text(values.get("title", ""), values.get("body", ""))
    lang = check_language(values.get("language") or org.language)
    return await _create(ctx, org, lang, text)


@feature.command(
    "notice text", N_("Write or replace one language's version of a draft"),
    usage=N_("<number> <language> [<title> | <text>]"), where=Where.PRIVATE,
    examples=("/notice text 12 fr Bureau des passeports fermé | Le bureau est fermé lundi.",
              "/notice text 12 fr", "/notice text 12 fr -"),
    args=(NOTICE,
          Arg("language", N_("The language of this version"), required=True),
          Arg("text", N_("Title | text; - removes the version"), rest=True)),
    rule=only(BROADCASTER),
)
async def text_command(ctx: Context) -> Any:
    """Set a version in one line, remove it with "-", or fill it in as a form."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), editable=True)
    lang = check_language(ctx.arg("language"))
    raw = ctx.arg("text")
    if not raw:
        return await forms.ask(ctx, text_form(notice, lang))
    if raw.strip() == "-":
        if lang == notice.main_language:
            raise UserError(_("The main language's version cannot be removed; change the main "
                              "language first."))
        notice.texts.pop(lang, None)
        return await save_and_show(ctx, notice, org)
    title, _sep, body = raw.partition("|")
    notice.texts[lang] = check_text(title, body)
    return await save_and_show(ctx, notice, org)


@forms.on_submit("notice.text")
async def text_submitted(ctx: Context, ref: str, values: dict[str, str]) -> Any:
    """Save one language's version from the filled form."""
    raw_id, _sep, lang = ref.partition(".")
    notice, org = await notice_for(ctx, maybe_id(raw_id), editable=True)
    notice.texts[check_language(lang)] = check_text(values.get("title", ""),
                                                    values.get("body", ""))
    return await save_and_show(ctx, notice, org)


async def set_option(ctx: Context, notice: Notice, option: str, value: str) -> None:
    """Change one option of a draft (the caller saves it)."""
    option = option.lower()
    if option == "category":
        notice.category = parse_category(value)
    elif option == "language":
        notice.main_language = check_language(value)
    elif option in ("urgent", "seen"):
        switch = switch_value(value)
        if switch is None:
            raise UserError(_("Say on or off."))
        setattr(notice, "urgent" if option == "urgent" else "seen_button", switch)
    elif option == "at":
        if value.strip().lower() in ("", "now", "-"):
            notice.publish_at = None
        else:
            notice.publish_at = parse_when(value, locale=ctx.locale, zone=ctx.zone,
                                           now=ctx.now())
        if notice.status == NoticeStatus.SCHEDULED:
            notice.status = NoticeStatus.DRAFT
            await ctx.services.scheduler.cancel(PUBLISH_JOB, notice.id)
    elif option == "expires":
        if value.strip().lower() in ("", "never", "-"):
            notice.expires_at = None
        else:
            expires = parse_when(value, locale=ctx.locale, zone=ctx.zone, now=ctx.now())
            if notice.publish_at is not None and expires <= notice.publish_at:
                raise UserError(_("The notice would expire before it is published. Choose a "
                                  "later expiry with /notice set {number} expires.",
                                  number=notice.id))
            notice.expires_at = expires
    else:
        raise UserError(_("{value} is not one of: {choices}.", value=option[:32],
                          choices="category, language, at, expires, urgent, seen"))


@feature.command(
    "notice set", N_("Change a draft: category, language, at, expires, urgent, seen"),
    usage=N_("<number> <option> <value>"), where=Where.PRIVATE,
    examples=("/notice set 12 category elections", "/notice set 12 at 2026-12-05 09:00",
              "/notice set 12 expires 2026-12-20 18:00", "/notice set 12 urgent on",
              "/notice set 12 seen on", "/notice set 12 language es"),
    args=(NOTICE,
          Arg("option", N_("category, language, at, expires, urgent or seen"), required=True),
          Arg("value", N_("The new value"), rest=True)),
    rule=only(BROADCASTER),
)
async def set_command(ctx: Context) -> Any:
    """Change one option and show the preview again."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), editable=True)
    await set_option(ctx, notice, ctx.arg("option"), ctx.arg("value"))
    return await save_and_show(ctx, notice, org)


@forms.on_submit("notice.option")
async def option_submitted(ctx: Context, ref: str, values: dict[str, str]) -> Any:
    """The publish time or expiry typed in a form."""
    raw_id, _sep, option = ref.partition(".")
    if option not in ("at", "expires"):
        raise UserError(_("This form is no longer valid. Please start again."))
    notice, org = await notice_for(ctx, maybe_id(raw_id), editable=True)
    await set_option(ctx, notice, option, values.get("when", ""))
    return await save_and_show(ctx, notice, org)


@feature.command(
    "notice preview", N_("Show a draft exactly as the chats will see it"), usage=N_("<number>"),
    where=Where.PRIVATE, examples=("/notice preview 12",),
    args=(NOTICE,),
    rule=only(BROADCASTER),
)
async def preview_command(ctx: Context) -> list[Reply]:
    """The preview of a draft or scheduled notice."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), editable=True)
    return await _show(ctx, notice, org)


@feature.command(
    "notice publish", N_("Publish a draft now, or at its publish time"), usage=N_("<number>"),
    where=Where.PRIVATE, examples=("/notice publish 12",),
    args=(NOTICE,),
    rule=only(BROADCASTER),
)
async def publish_command(ctx: Context) -> Reply:
    """What the Publish button does."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), editable=True,
                                   action="notice.publish")
    return await go(ctx, notice, org)


@feature.command(
    "notice cancel", N_("Discard a draft, or unschedule a scheduled notice"),
    usage=N_("<number>"), where=Where.PRIVATE, examples=("/notice cancel 12",),
    args=(NOTICE,),
    rule=only(BROADCASTER),
)
async def cancel_command(ctx: Context) -> Reply:
    """What the Cancel button does."""
    notice, _org = await notice_for(ctx, ctx.need(NOTICE), editable=True)
    return await discard(ctx, notice)


@feature.command("notice list", N_("Your organisation's latest notices"), where=Where.PRIVATE, rule=only(BROADCASTER))
async def list_command(ctx: Context) -> Reply:
    """The latest notices of the person's organisations, with their state."""
    orgs = await broadcaster_orgs(ctx)
    notices = await ctx.store.notices.recent([o.id for o in orgs], limit=15)
    if not notices:
        return Reply(doc(_("No notices yet. Start one with /notice new.")))
    states = {NoticeStatus.DRAFT: _("draft"), NoticeStatus.SCHEDULED: _("scheduled"),
              NoticeStatus.PUBLISHED: _("published"), NoticeStatus.RETRACTED: _("withdrawn"),
              NoticeStatus.CANCELLED: _("discarded")}
    lines = [f"#{n.id} · {states[n.status]} · {n.main_text.title if n.main_text else '—'}"
             for n in notices]
    return Reply(doc(*lines))


def when_form(notice: Notice, option: str) -> forms.Form:
    """One field: a publish time or an expiry, typed in the person's words."""
    label = _("Publish time") if option == "at" else _("Expiry")
    return forms.Form("notice.option", f"{notice.id}.{option}",
                      _("Notice {id}", id=f"#{notice.id}"),
                      (forms.FormField("when", label, required=False, max_length=100,
                                       hint=_("For example 2026-12-05 09:00, or next friday "
                                              "9:00. Leave it empty for none.")),))

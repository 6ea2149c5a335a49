"""Language, time zone and the settings overview, for a chat or for oneself."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action
from bot.context import Context, UserError, known_locale
from bot.convert import LANGUAGE, ZONE
from bot.feature import Arg, Feature
from bot.fmt import chat_names, datetime_text
from bot.i18n import N_, SUPPORTED, _, language_name, pgettext, use_locale
from bot.permissions import ANYONE, Role, to_change
from bot.replies import Button, Reply, Toast
from bot.richtext import block, bold, doc, line

feature = Feature("settings", N_("Settings"), order=10)


# Discord offers the codes as choices; other forms (es-MX, pt_BR) are read as well.
LANGUAGE_ARG = Arg("code", N_("en, es, fr, pt, ar or hi"), choices=SUPPORTED, kind=LANGUAGE)
ZONE_ARG = Arg("zone", N_("An IANA time zone such as Europe/Madrid"), rest=True, kind=ZONE)


@dataclass(frozen=True)
class SetLanguage(Action, prefix="lang"):
    """Choose a language from the menu."""

    code: str


def _language_buttons() -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(language_name(code), SetLanguage(code).pack()) for code in SUPPORTED]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


async def _apply_language(ctx: Context, code: str) -> str:
    """Store the language for the chat (group) or the person (private); the confirmation."""
    if ctx.is_private:
        ctx.person.language = code
        await ctx.store.people.update(ctx.person)
    else:
        ctx.chat.language = code
        await ctx.store.chats.update(ctx.chat)
    with use_locale(code):
        if ctx.is_private:
            return _("I will write to you in {language}.", language=language_name(code))
        return _("This chat now reads me in {language}.", language=language_name(code))


@feature.command(
    "language", N_("Show or change the language I use here"),
    usage=N_("[code]"), examples=("/language", "/language es"),
    args=(LANGUAGE_ARG,),
    rule=to_change(),
)
async def language(ctx: Context) -> Reply:
    """Without an argument show the menu; with a code set it."""
    chosen = ctx.value(LANGUAGE_ARG)
    if chosen is None:
        current = language_name(ctx.locale)
        if ctx.is_private:
            head = _("I write to you in {language}. Choose another:", language=current)
        else:
            head = _("This chat reads me in {language}. Moderators can choose another:",
                     language=current)
        return Reply(doc(head)).with_buttons(*_language_buttons())
    confirmation = await _apply_language(ctx, chosen)
    with use_locale(chosen):
        return Reply(doc(confirmation))


@feature.button(SetLanguage, rule=to_change())
async def language_pressed(ctx: Context, action: SetLanguage) -> list[Reply | Toast]:
    """Apply a language chosen from the menu."""
    chosen = known_locale(action.code)
    if chosen is None:
        raise UserError(_("This button no longer works."))
    confirmation = await _apply_language(ctx, chosen)
    with use_locale(chosen):
        return [Toast(confirmation), Reply(doc(confirmation), edit_of=ctx.event_message_id)]


@feature.command(
    "timezone", N_("Show or change the time zone for times shown here"),
    usage=N_("[zone]"), examples=("/timezone", "/timezone Europe/Madrid", "/timezone Mexico_City"),
    args=(ZONE_ARG,),
    rule=to_change(),
)
async def timezone(ctx: Context) -> Reply:
    """Without an argument show the zone; with one set it (for the chat or oneself)."""
    found = ctx.value(ZONE_ARG)
    if found is None:
        if ctx.is_private:
            head = _("Your time zone is {zone}.", zone=ctx.zone)
        else:
            head = _("This chat's time zone is {zone}.", zone=ctx.zone)
        now = datetime_text(ctx.now(), ctx.zone)
        return Reply(doc(head, _("It is now {time} there.", time=now),
                         _("Change it with /timezone followed by a zone, e.g. "
                           "/timezone Europe/Madrid.")))
    if ctx.is_private:
        ctx.person.timezone = found
        await ctx.store.people.update(ctx.person)
        msg = _("Your time zone is now {zone}.", zone=found)
    else:
        ctx.chat.timezone = found
        await ctx.store.chats.update(ctx.chat)
        msg = _("This chat's time zone is now {zone}.", zone=found)
    return Reply(doc(msg, _("It is now {time} there.", time=datetime_text(ctx.now(), found))))


@feature.command("settings", N_("Show this chat's settings"), rule=ANYONE)
async def settings(ctx: Context) -> Reply:
    """The language, time zone and community of this chat (and one's own in private)."""
    lines = [line(bold(_("Settings")))]
    if ctx.is_private:
        lines.append(line(_("Your language: {language}", language=language_name(ctx.locale))))
        lines.append(line(_("Your time zone: {zone}", zone=ctx.zone)))
    else:
        lines.append(line(_("Language: {language}", language=language_name(ctx.chat_locale))))
        lines.append(line(_("Time zone: {zone}", zone=ctx.zone)))
        chats = await ctx.store.chats.in_community(ctx.chat.community_id)
        others = [c for c in chats if c.id != ctx.chat.id]
        if others:
            names = chat_names(others)
            lines.append(line(_("Linked with: {chats}", chats=names)))
        else:
            lines.append(line(_("Not linked with other chats yet (see /link).")))
    role_names = {Role.MEMBER: pgettext("role", "member"),
                  Role.MODERATOR: pgettext("role", "moderator"),
                  Role.OPERATOR: pgettext("role", "operator")}
    lines.append(line(_("Your role here: {role}", role=role_names[ctx.role])))
    return Reply(doc(block(*lines)))

"""What a notice looks like in a chat: the verified header, the text as written, the marks.

The header line is built only from the operator's record of the organisation
and the bot's own translated words, bold, starting with the seal. The title
and body are the broadcaster's text as written: plain text nodes (so HTML or
Markdown shows literally; renderers escape), never reworded; the notices
feature refuses text whose lines start with the seal (see bot/trust.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import Services
from bot.features.notices.actions import MarkSeen, ReadIn
from bot.features.notices.records import (
    Notice,
    NoticeStatus,
    NoticeText,
    Organisation,
    category_name,
)
from bot.fmt import datetime_text, joined
from bot.i18n import _, current_locale, language_name, pgettext, use_locale
from bot.records import Chat
from bot.replies import Button, Reply, reply_to_json
from bot.richtext import Block, Line, RichText, Seal, block, bold, italic, line, strike, text
from bot.trust import neutralise


def header(org: Organisation) -> Line:
    """The verification line: the seal and the organisation's registered name."""
    return line(bold(Seal(), " ", _("Official notice · {organisation}", organisation=org.name)))


def variant_language(notice: Notice, locale: str) -> str:
    """The language of the version a chat reading `locale` receives."""
    return locale if locale in notice.texts else notice.main_language


def _frame(notice: Notice, org: Organisation) -> Block:
    lines = [header(org)]
    if notice.urgent:
        lines.append(line(bold("🚨 ", _("Urgent"))))
    lines.append(line(italic(category_name(notice.category))))
    return block(*lines)


def _footer(notice: Notice, org: Organisation, zone: str, others: list[str],
            corrected: datetime | None) -> Block | None:
    lines: list[Line] = []
    if corrected is not None:
        lines.append(line(italic("✏️ ", _("Corrected by {organisation} on {date}.",
                                          organisation=org.name,
                                          date=datetime_text(corrected, zone)))))
    if notice.expires_at:
        lines.append(line(italic(_("Valid until {date}.",
                                   date=datetime_text(notice.expires_at, zone)))))
    if others:
        names = joined([language_name(lang) for lang in others])
        lines.append(line(_("Also available in {languages}: use the buttons below.",
                            languages=names)))
    return block(*lines) if lines else None


def notice_reply(notice: Notice, org: Organisation, zone: str, *,
                 version_of: str | None = None) -> Reply:
    """The notice as a chat reading the current locale sees it (the locale is set).

    `version_of` shows that language's version instead, without the list of others.
    """
    if notice.status == NoticeStatus.RETRACTED:
        return withdrawn_reply(notice, org, zone)
    locale = current_locale()
    lang = version_of or variant_language(notice, locale)
    version = notice.texts.get(lang) or NoticeText("", "")
    others = [x for x in notice.languages if x != lang] if lang != locale else []
    if version_of:
        others = []
    blocks: list[Block] = [_frame(notice, org), block(line(bold(neutralise(version.title))))]
    blocks.extend(text(neutralise(version.body)).blocks)
    footer = _footer(notice, org, zone, others, notice.corrected_at)
    if footer is not None:
        blocks.append(footer)
    rows: list[tuple[Button, ...]] = []
    if notice.seen_button:
        rows.append((Button(pgettext("button", "Mark as seen"), MarkSeen(notice.id).pack()),))
    if others:
        rows.append(tuple(Button(language_name(x), ReadIn(notice.id, x).pack())
                          for x in others[:5]))
    return Reply(RichText(tuple(blocks)), buttons=tuple(rows), pin=notice.urgent, card=True)


def withdrawn_reply(notice: Notice, org: Organisation, zone: str) -> Reply:
    """What every copy becomes when the organisation withdraws the notice."""
    lang = variant_language(notice, current_locale())
    version = notice.texts.get(lang) or NoticeText("", "")
    lines = [header(org),
             # The label and the title on lines of their own: in plain text (where bold and
             # strike-through are lost) they would otherwise read as one sentence.
             line(bold("🚫 ", _("Withdrawn"))),
             line(strike(neutralise(version.title)))]
    when = notice.retracted_at
    if when is not None:
        lines.append(line(italic(_("{organisation} withdrew this notice on {date}.",
                                   organisation=org.name, date=datetime_text(when, zone)))))
    blocks = [block(*lines)]
    if notice.retract_reason:
        blocks.append(block(line(_("Reason: {reason}",
                                   reason=neutralise(notice.retract_reason)))))
    return Reply(RichText(tuple(blocks)), card=True)


def payload(reply: Reply, notice: Notice) -> dict[str, Any]:
    """The outbox payload of a copy, tagged with the revision it shows."""
    return {**reply_to_json(reply), "rev": notice.revision}


def copy_payloads(services: Services, notice: Notice, org: Organisation,
                  chats: list[Chat]) -> dict[int, dict[str, Any]]:
    """Each chat's copy, rendered once per (language, time zone)."""
    rendered: dict[tuple[str, str], dict[str, Any]] = {}
    out = {}
    for chat in chats:
        locale, zone = services.chat_locale(chat), services.chat_zone(chat)
        if (locale, zone) not in rendered:
            with use_locale(locale):
                rendered[(locale, zone)] = payload(notice_reply(notice, org, zone), notice)
        out[chat.id] = rendered[(locale, zone)]
    return out

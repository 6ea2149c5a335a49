"""Minutes of a session, as a message and as a Markdown file, in the reader's language.

Only the bot's own words are translated; what people marked stays as they
wrote it. Attendees are everyone who marked something or said /present.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.context import Services
from bot.features.meetings.records import Mark, MarkKind, Session
from bot.fmt import date_text, duration, joined, time_text
from bot.i18n import _, ngettext, pgettext
from bot.richtext import Block, Line, RichText, block, bold, bullets, doc, italic, line

NOTE_KINDS = (MarkKind.INFO, MarkKind.IDEA, MarkKind.AGREED, MarkKind.ACTION)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#<>|~])")


@dataclass(slots=True)
class Topic:
    """A topic and the notes marked under it."""

    title: str
    notes: list[Mark] = field(default_factory=list)


def topics_of(marks: Sequence[Mark]) -> list[Topic]:
    """Notes grouped under the topic current when they were marked."""
    topics: list[Topic] = []
    for mark in marks:
        if mark.kind == MarkKind.TOPIC:
            topics.append(Topic(mark.text))
        elif mark.kind in NOTE_KINDS:
            if not topics:
                topics.append(Topic(""))
            topics[-1].notes.append(mark)
    return topics


def attendees_of(marks: Sequence[Mark]) -> list[str]:
    """Everyone who marked something, in order of first appearance."""
    seen: dict[int | str, str] = {}
    for mark in marks:
        who = mark.person_id if mark.person_id is not None else mark.person_name
        if mark.person_name and who not in seen:
            seen[who] = mark.person_name
    return list(seen.values())


def author(mark: Mark) -> str:
    """Who wrote a mark; "former member" once they erased their data (/forgetme)."""
    return mark.person_name or _("former member")


def kind_label(kind: MarkKind) -> str:
    """The label of a note in the minutes."""
    labels = {
        MarkKind.INFO: pgettext("minutes", "Info"),
        MarkKind.IDEA: pgettext("minutes", "Idea"),
        MarkKind.AGREED: pgettext("minutes", "Decision"),
        MarkKind.ACTION: pgettext("minutes", "Action item"),
        MarkKind.TOPIC: pgettext("minutes", "Topic"),
        MarkKind.CHAIR: pgettext("minutes", "Chair"),
        MarkKind.PRESENT: pgettext("minutes", "Present"),
    }
    return labels[kind]


async def due_zone(services: Services, session: Session, fallback: str) -> str:
    """The zone a session's due dates were typed in (its chat's), so that "due 5 March"
    reads as the same calendar day to a reader elsewhere."""
    chat = await services.store.chats.get(session.chat_id) if session.chat_id else None
    return services.chat_zone(chat) if chat is not None else fallback


def action_text(mark: Mark, zone: str) -> str:
    """ "Ana: send the flyer (due 10 Dec 2026)"."""
    text = _("{owner}: {task}", owner=mark.owner_name or _("former member"), task=mark.text)
    if mark.due_at is not None:
        text += " " + _("(due {date})", date=date_text(mark.due_at, zone))
    return text


def _note(mark: Mark, zone: str) -> str:
    if mark.kind == MarkKind.ACTION:
        return action_text(mark, zone)
    return mark.text


def labelled(mark: Mark, zone: str) -> str:
    """ "Decision: we meet in April" in the reader's words around the author's."""
    return _("{label}: {text}", label=kind_label(mark.kind), text=_note(mark, zone))


def _frame(session: Session, marks: Sequence[Mark], chairs: Sequence[str],
           zone: str) -> list[str]:
    ended = session.ended_at or session.started_at
    lines = [_("{date}, {start}–{end} ({length})",
               date=date_text(session.started_at, zone, "full"),
               start=time_text(session.started_at, zone), end=time_text(ended, zone),
               length=duration(ended - session.started_at))]
    if chairs:
        lines.append(_("Chairs: {names}", names=joined(chairs)))
    people = attendees_of(marks)
    lines.append(ngettext("{n} attendee: {names}", "{n} attendees: {names}", len(people),
                          names=joined(people)) if people else _("No attendees marked."))
    return lines


def title_of(session: Session) -> str:
    """The session's title, or the default one in the reader's language."""
    return session.title or _("Dialogue session")


def minutes_body(session: Session, marks: Sequence[Mark], names: Mapping[int, str],
                 zone: str) -> RichText:
    """The minutes as a message."""
    chairs = [names[c] for c in session.chairs if c in names]
    blocks: list[Block] = [block(line(bold(_("Minutes: {title}", title=title_of(session)))),
                                 *_frame(session, marks, chairs, zone))]
    topics = topics_of(marks)
    if topics:
        lines: list[Line] = [line(bold(_("Topics")))]
        for number, topic in enumerate(topics, start=1):
            lines.append(line(f"{number}. ", topic.title or italic(_("Before the first topic"))))
            lines.extend(line("   • ", labelled(n, zone), italic(f" — {author(n)}"))
                         for n in topic.notes)
        blocks.append(block(*lines))
    decisions = [m.text for m in marks if m.kind == MarkKind.AGREED]
    blocks.append(block(line(bold(_("Decisions"))),
                        *(bullets(decisions).lines if decisions else [line(_("None."))])))
    actions = [m for m in marks if m.kind == MarkKind.ACTION]
    blocks.append(block(line(bold(_("Action items"))),
                        *(bullets([f"{action_text(m, zone)}  [{m.number}]" for m in actions]).lines
                          if actions else [line(_("None."))])))
    return doc(*blocks)


def md(text: str) -> str:
    """Text made inert in Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def minutes_markdown(session: Session, marks: Sequence[Mark], names: Mapping[int, str],
                     zone: str) -> str:
    """The minutes as a Markdown document."""
    chairs = [names[c] for c in session.chairs if c in names]
    heading = md(_("Minutes: {title}", title=title_of(session)))
    out = [f"# {heading}", ""]
    out += [f"{md(text)}  " for text in _frame(session, marks, chairs, zone)]
    topics = topics_of(marks)
    if topics:
        untitled = md(_("Before the first topic"))
        out += ["", "## " + md(_("Topics")), ""]
        for number, topic in enumerate(topics, start=1):
            out.append(f"{number}. {md(topic.title) or '*' + untitled + '*'}")
            for note in topic.notes:
                who = f" — *{md(author(note))}*"
                out.append(f"    - {md(labelled(note, zone))}{who}")
    none = md(_("None."))
    decisions = [m.text for m in marks if m.kind == MarkKind.AGREED]
    out += ["", "## " + md(_("Decisions")), ""]
    out += [f"- {md(d)}" for d in decisions] or [none]
    actions = [m for m in marks if m.kind == MarkKind.ACTION]
    out += ["", "## " + md(_("Action items")), ""]
    out += [f"- {md(action_text(a, zone))} \\[{a.number}\\]" for a in actions] or [none]
    return "\n".join(out) + "\n"

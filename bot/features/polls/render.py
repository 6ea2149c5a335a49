"""What a poll looks like: its card in each chat, its results, the list of open polls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.features.polls.actions import ShowPoll, Vote
from bot.features.polls.records import Poll, PollStatus, Tally, chosen
from bot.fmt import datetime_text, joined, percent
from bot.i18n import N_, Lazy, _, isolate, ngettext, pgettext
from bot.records import Person
from bot.replies import Button, Reply
from bot.richtext import Block, Code, Line, Timestamp, block, bold, doc, italic, line

BAR_CELLS = 10
BUTTON_CHARS = 60
MAX_LISTED = 10
MAX_NAMES = 100


def _bar(fraction: float) -> str:
    filled = round(fraction * BAR_CELLS)
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def _with_time(template: Lazy, moment: datetime, zone: str) -> Line:
    """A translated sentence with a moment in it that Discord can show in each reader's zone."""
    marker = "\x00"
    sentence = template.text(time=marker)
    before, _sep, after = sentence.partition(marker)
    return line(before, Timestamp(int(moment.timestamp()), datetime_text(moment, zone)), after)


def _kind(poll: Poll) -> str:
    words = [pgettext("poll kind", "multiple choice") if poll.multiple
             else pgettext("poll kind", "single choice"),
             pgettext("poll kind", "anonymous") if poll.anonymous
             else pgettext("poll kind", "public votes")]
    if poll.hide_results:
        words.append(pgettext("poll kind", "results hidden until it closes"))
    return " · ".join(words)


def _option_lines(poll: Poll, tally: Tally | None) -> Block:
    """Each option, with its bar and counts when they may be shown."""
    lines: list[Line] = []
    best = max(tally.counts) if tally and tally.voters else 0
    for index, option in enumerate(poll.options):
        label = f"{index + 1}. {isolate(option)}"
        if tally is None:
            lines.append(line(label))
            continue
        count = tally.counts[index]
        won = poll.status == PollStatus.CLOSED and best and count == best
        lines.append(line(bold(label) if won else label))
        votes = ngettext("{n} vote", "{n} votes", count)
        lines.append(line(_bar(tally.fraction(index)), "  ",
                          _("{votes} ({percent})", votes=votes,
                            percent=percent(tally.fraction(index)))))
    return block(*lines)


def _voted(tally: Tally) -> str:
    return ngettext("{n} person has voted.", "{n} people have voted.", tally.voters)


def vote_buttons(poll: Poll) -> tuple[tuple[Button, ...], ...]:
    """One button per option: one per row, two per row above five (Discord allows 5 rows)."""
    buttons = []
    for index, option in enumerate(poll.options):
        label = f"{index + 1}. {option}"
        if len(label) > BUTTON_CHARS:
            label = label[:BUTTON_CHARS - 1].rstrip() + "…"
        buttons.append(Button(label, Vote(poll.id, index).pack()))
    per_row = 1 if len(buttons) <= 5 else 2
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def card(poll: Poll, tally: Tally, zone: str) -> Reply:
    """The poll as every chat sees it: live counts and buttons while open, results once closed."""
    head = line(italic(_("Poll #{id}", id=poll.id), " · ", _kind(poll)))
    question = line(bold(isolate(poll.question)))
    if poll.status == PollStatus.CLOSED:
        footer = [line(_voted(tally))]
        if poll.closed_at is not None:
            footer.append(_with_time(N_("This poll closed on {time}."), poll.closed_at, zone))
        return Reply(doc(block(head, question), _option_lines(poll, tally), block(*footer)),
                     card=True)
    shown = None if poll.hide_results else tally
    footer = [line(_voted(tally))]
    if poll.hide_results:
        footer.append(line(_("Results are hidden until the poll closes.")))
    if poll.closes_at is not None:
        footer.append(_with_time(N_("Voting closes on {time}."), poll.closes_at, zone))
    if poll.anonymous:
        footer.append(line(_("Anonymous: votes are stored without names.")))
    elif poll.hide_results:
        footer.append(line(_("Public: once the poll closes, anyone in the community can see "
                             "who voted for what with /poll voters {id}.", id=poll.id)))
    else:
        footer.append(line(_("Public: anyone in the community can see who voted for what "
                             "with /poll voters {id}.", id=poll.id)))
    if poll.multiple:
        footer.append(line(italic(_("Press options to choose them, and again to take them "
                                    "back. You may choose several."))))
    else:
        footer.append(line(italic(_("Press an option to vote; press it again to withdraw "
                                    "your vote."))))
    body = doc(block(head, question), _option_lines(poll, shown), block(*footer))
    return Reply(body, buttons=vote_buttons(poll), card=True)


def results(poll: Poll, tally: Tally, zone: str, *, late: bool = False) -> Reply:
    """The results, posted in every chat when the poll closes."""
    head = line(bold(_("Results of poll #{id}", id=poll.id)))
    question = line(isolate(poll.question))
    footer = [line(_voted(tally))]
    if late:
        footer.append(line(italic(_("I was offline when this poll was due to close, so the "
                                    "results come late."))))
    return Reply(doc(block(head, question), _option_lines(poll, tally), block(*footer)),
                 card=True)


@dataclass(frozen=True, slots=True)
class Listed:
    """An open poll with its tally, for the list of open polls."""

    poll: Poll
    tally: Tally


def listing(items: Sequence[Listed], zone: str, *, private: bool) -> Reply:
    """The open polls, each with a button that shows it again."""
    if not items:
        return Reply(doc(_("No polls are open in your communities.") if private
                         else _("No polls are open in this community. Moderators can start "
                                "one with /poll new.")), private=True)
    title = (_("Open polls in your communities") if private
             else _("Open polls in this community"))
    entries: list[Line] = []
    for item in items[:MAX_LISTED]:
        entries.append(line(bold(f"#{item.poll.id}"), " ", isolate(item.poll.question)))
        detail = ngettext("{n} person has voted.", "{n} people have voted.", item.tally.voters)
        entries.append(line("   ", detail))
        if item.poll.closes_at is not None:
            closes = _with_time(N_("Voting closes on {time}."), item.poll.closes_at, zone)
            entries.append(Line((*line("   ").children, *closes.children)))
    buttons = [Button(pgettext("button", "Show #{id}", id=item.poll.id),
                      ShowPoll(item.poll.id).pack()) for item in items[:MAX_LISTED]]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    more = []
    if len(items) > MAX_LISTED:
        more.append(line(ngettext("…and {n} more.", "…and {n} more.",
                                  len(items) - MAX_LISTED)))
    body = doc(line(bold(title)), block(*entries), block(*more))
    return Reply(body, buttons=rows, private=True)


def voters_list(poll: Poll, ballots: Sequence[tuple[int, Person]]) -> Reply:
    """Who chose each option of a public poll."""
    by_option: list[list[str]] = [[] for _option in poll.options]
    for mask, person in ballots:
        for index in chosen(mask, len(poll.options)):
            by_option[index].append(person.display_name)
    blocks = [block(line(bold(_("Who voted in poll #{id}", id=poll.id))),
                    line(isolate(poll.question)))]
    for index, option in enumerate(poll.options):
        names = sorted(by_option[index], key=str.casefold)
        head = line(bold(f"{index + 1}. {isolate(option)}"), " — ",
                    ngettext("{n} vote", "{n} votes", len(names)))
        if not names:
            blocks.append(block(head, line(italic(_("nobody")))))
            continue
        shown = names[:MAX_NAMES]
        listed = joined(shown)
        if len(names) > MAX_NAMES:
            listed += " " + ngettext("…and {n} more.", "…and {n} more.",
                                     len(names) - MAX_NAMES)
        blocks.append(block(head, line(listed)))
    return Reply(doc(*blocks), private=True)


def guide() -> Reply:
    """How to write a poll, for `/poll new` alone."""
    return Reply(doc(
        block(line(bold(_("Start a poll like this:"))),
              line(Code(_("/poll new Where shall we meet? | Café Lisboa | Online | Library")))),
        _("Separate the question and the options (2 to 10) with | or with line breaks. "
          "Add any of these, anywhere:"),
        block(line(Code("--multi"), " — ", _("people may choose several options")),
              line(Code("--anonymous"), " — ", _("votes are stored without names")),
              line(Code("--hidden"), " — ", _("results stay hidden until the poll closes")),
              line(Code(_("--closes friday 18:00")), " — ",
                   _("close automatically at that time (or: --closes in 2 hours)"))),
    ))


def created(poll: Poll, chats: int) -> Reply:
    """The short confirmation for whoever started the poll."""
    return Reply(doc(ngettext("Poll #{id} is going out to {n} chat of this community.",
                              "Poll #{id} is going out to {n} chats of this community.",
                              chats, id=poll.id)))

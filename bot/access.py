"""Who may run which command and press which button: the table the test suite holds us to.

Every registered command and button prefix has an entry; a test generated from the
registry fails for a command or button without one, for an entry whose declared role
differs from the handler's, and for any (command, role) pair the core does not refuse
or allow as written here. Refused attempts are audited.

- `role`: what the handler requires before it runs (`@requires`).
- `acts`: what changing something needs, where viewing is open to everyone: a sample
  argument line, the place, and the role it needs there.
- `broadcaster`: only accounts attached to a verified broadcaster (not a role).
- `owner`: the creator of the thing (a poll, an entry) may, besides moderators.
- `sample`: an argument line that gets past the command's own usage checks.
- `viewing`: False when the command without arguments is not open to everyone either.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.feature import Where
from bot.permissions import Role

MEMBER, MODERATOR, OPERATOR = Role.MEMBER, Role.MODERATOR, Role.OPERATOR


@dataclass(frozen=True, slots=True)
class Act:
    """Running the command with `args` in `where` needs `role`."""

    args: str
    where: Where
    role: Role


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may use one command or button."""

    role: Role = MEMBER
    acts: tuple[Act, ...] = ()
    broadcaster: bool = False
    owner: bool = False
    sample: str = "1"
    viewing: bool = True


def changes(args: str, role: Role = MODERATOR, where: Where = Where.GROUP) -> tuple[Act, ...]:
    """Viewing is open; `args` (a change) needs `role` in `where`."""
    return (Act(args, where, role),)


COMMANDS: dict[str, Rule] = {
    # general
    "start": Rule(), "help": Rule(), "cancel": Rule(),
    "mydata": Rule(), "forgetme": Rule(),
    "language": Rule(acts=changes("es")),
    "timezone": Rule(acts=changes("Europe/Madrid")),
    "settings": Rule(),
    # community
    "setup": Rule(MODERATOR), "link": Rule(MODERATOR), "unlink": Rule(MODERATOR),
    "promote": Rule(MODERATOR), "demote": Rule(MODERATOR),
    # digest
    "digest": Rule(),
    "digest when": Rule(acts=changes("daily 8")),
    "quiet": Rule(acts=changes("22:00-08:00")),
    # knowledge base
    "kb find": Rule(), "kb open": Rule(), "tag": Rule(), "opportunities": Rule(),
    "kb add": Rule(), "save": Rule(), "opportunity": Rule(), "kb translate": Rule(),
    "kb history": Rule(),
    "kb edit": Rule(owner=True),
    "kb export": Rule(acts=changes("json")),
    "kb queue": Rule(MODERATOR), "kb approve": Rule(MODERATOR), "kb reject": Rule(MODERATOR),
    "kb archive": Rule(MODERATOR), "kb deadline": Rule(MODERATOR),
    "kb import": Rule(MODERATOR),
    # official notices
    "broadcaster add": Rule(OPERATOR), "broadcaster list": Rule(OPERATOR),
    "broadcaster attach": Rule(OPERATOR), "broadcaster detach": Rule(OPERATOR),
    "broadcaster remove": Rule(OPERATOR),
    "subscribe": Rule(acts=changes("mx-madrid")),
    "unsubscribe": Rule(acts=changes("mx-madrid")),
    "subscriptions": Rule(),
    "notice new": Rule(broadcaster=True),
    "notice text": Rule(broadcaster=True, sample="1 en Title | Text"),
    "notice set": Rule(broadcaster=True, sample="1 urgent on"),
    "notice preview": Rule(broadcaster=True),
    "notice publish": Rule(broadcaster=True), "notice cancel": Rule(broadcaster=True),
    "notice list": Rule(broadcaster=True), "notice correct": Rule(broadcaster=True),
    "notice retract": Rule(broadcaster=True), "notice report": Rule(broadcaster=True),
    # polls
    # Members start polls only where a moderator allowed it (/poll members on).
    "poll new": Rule(acts=changes("Lunch? | Pizza | Sushi"), viewing=False),
    "polls": Rule(), "poll show": Rule(), "poll voters": Rule(),
    "poll close": Rule(owner=True), "poll delete": Rule(owner=True),
    "poll members": Rule(MODERATOR),
    # meetings and dialogue sessions
    "meetings": Rule(), "meeting show": Rule(), "meeting attendees": Rule(),
    "meeting ics": Rule(),
    "meeting new": Rule(MODERATOR), "meeting repeat": Rule(MODERATOR),
    "meeting skip": Rule(MODERATOR), "meeting move": Rule(MODERATOR),
    "meeting edit": Rule(MODERATOR), "meeting cancel": Rule(MODERATOR),
    "meeting reminders": Rule(MODERATOR),
    "agenda": Rule(), "agenda add": Rule(),
    "agenda accept": Rule(MODERATOR), "agenda drop": Rule(MODERATOR),
    "agenda move": Rule(MODERATOR),
    "session start": Rule(MODERATOR),
    # marks in a running session: its chair (or a moderator); anyone may mark themselves present
    "topic": Rule(owner=True), "info": Rule(owner=True), "idea": Rule(owner=True),
    "agreed": Rule(owner=True), "action": Rule(owner=True), "chair": Rule(owner=True),
    "undo": Rule(owner=True), "session end": Rule(owner=True),
    "present": Rule(),
    "minutes": Rule(), "actions": Rule(),
    # an action item's owner (or a moderator) marks it done
    "done": Rule(owner=True),
}

BUTTONS: dict[str, Rule] = {
    "lang": Rule(acts=changes("es")),
    "forget": Rule(owner=True),
    "fs": Rule(owner=True), "fx": Rule(owner=True),
    "ko": Rule(), "kh": Rule(),
    "ka": Rule(MODERATOR), "kr": Rule(MODERATOR), "kw": Rule(MODERATOR),
    # members: read a notice in another language, mark it seen
    "ntr": Rule(), "ntn": Rule(),
    # broadcasters composing: start, publish, edit, discard, category, languages, schedule
    "nto": Rule(broadcaster=True), "ntp": Rule(broadcaster=True),
    "nte": Rule(broadcaster=True), "ntx": Rule(broadcaster=True),
    "ntc": Rule(broadcaster=True), "ntk": Rule(broadcaster=True),
    "ntl": Rule(broadcaster=True), "ntt": Rule(broadcaster=True),
    "ntu": Rule(broadcaster=True), "nts": Rule(broadcaster=True),
    "ntz": Rule(broadcaster=True),
    "pv": Rule(), "ps": Rule(),
    # meetings: answer, private reminder, who answered
    "mr": Rule(), "mrm": Rule(), "mw": Rule(),
}

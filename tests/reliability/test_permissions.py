"""Every (command, role) and (button, role) pair, generated from the declared rules.

A command or a button cannot be registered without a rule (`rule=` is a required keyword),
so every one appears here. Each pair is run against the real core and must be refused (and
the refusal audited) or allowed exactly as its rule says. Rules with a check besides the role
(the poll's creator, a session's chairs, ...) run against a world where those things exist
and belong to someone else.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.access import buttons, commands, rewrite, who
from bot.actions import registered
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.feature import CommandSpec, Where
from bot.permissions import Role, Rule
from tests.support import Harness, make_harness

SPECS = commands()
BUTTONS = buttons()
ROLES = (Role.MEMBER, Role.MODERATOR, Role.OPERATOR)
PEOPLE = {Role.MEMBER: "mia", Role.MODERATOR: "mo", Role.OPERATOR: "me"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "commands.md"

# Argument lines that reach the check of a rule with `unless`, in the world `_world` makes.
CHECKED = {
    "poll new": "Lunch? | Pizza | Sushi", "poll close": "1", "poll delete": "1",
    "kb edit": "1 | A better title", "topic": "Budget", "agreed": "We meet monthly",
    "action": "mo Book the room", "chair": "mia", "undo": "", "session end": "",
    "done": "ACTION",
}


def test_every_command_and_button_declares_a_rule_the_table_can_say() -> None:
    assert SPECS and BUTTONS
    for name, spec in SPECS.items():
        assert isinstance(spec.rule, Rule), name
        assert who(spec.rule, spec.where), name
    for prefix, button in BUTTONS.items():
        assert isinstance(button.rule, Rule), prefix
    unchecked = {n for n, s in SPECS.items() if s.rule.unless is not None} - set(CHECKED)
    assert unchecked == set(), "give these commands a line in CHECKED"


def test_the_docs_say_who_may_use_each_command_as_the_rules_do() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert rewrite(text) == text, "run: python -m bot.access docs/commands.md"


def test_the_docs_table_changes_when_a_rule_changes() -> None:
    text = DOCS.read_text(encoding="utf-8")
    changed = dict(SPECS)
    changed["polls"] = dataclasses.replace(SPECS["polls"], rule=Rule(Role.OPERATOR))
    assert rewrite(text, changed) != text


@pytest.fixture
async def core(db_url: str) -> AsyncIterator[Harness]:
    async with make_harness(db_url, operator_ids=["console:me"]) as h:
        yield h


def _as(h: Harness, role: Role, place: Where) -> None:
    name = PEOPLE[role]
    h.user = UserRef(Platform.CONSOLE, name, name.title(), name)
    h.admin = role == Role.MODERATOR  # a chat admin; "me" is an operator by configuration
    h.chat = (ChatRef(Platform.CONSOLE, name, ChatKind.PRIVATE) if place == Where.PRIVATE
              else ChatRef(Platform.CONSOLE, "main", ChatKind.GROUP, "Main"))


async def _refused(h: Harness, line: str, action: str | None = None) -> bool:
    before = len(await h.app.store.audit.recent(None, limit=10_000))
    await h.send(line)
    entries = await h.app.store.audit.recent(None, limit=10_000)
    new = entries[: len(entries) - before]
    return any(not e.allowed and (action is None or e.action == action) for e in new)


def _place(spec: CommandSpec) -> Where:
    return Where.PRIVATE if spec.where == Where.PRIVATE else Where.GROUP


def _example_args(spec: CommandSpec, *, changing: bool | None = None) -> str:
    """The arguments of the first example (that counts as a change, if asked)."""
    for example in spec.examples:
        args = example.removeprefix(f"/{spec.name}").strip()
        if changing is None or spec.rule.changing(args) == changing:
            return args
    return ""


def _cases(spec: CommandSpec) -> list[tuple[Role, str, Where, bool]]:
    """(role, argument line, place, refused?) for one command, from its rule alone."""
    rule, place, cases = spec.rule, _place(spec), []
    for role in ROLES:
        if rule.also is not None:
            # Nobody here is attached to a broadcaster: everyone is refused.
            cases.append((role, _example_args(spec), place, True))
        elif rule.unless is None:
            cases.append((role, "", place, role < rule.role))
            if rule.change is not None:
                args = _example_args(spec, changing=True)
                assert args, f"{spec.name}: give it an example that changes something"
                cases.append((role, args, Where.GROUP, role < rule.change))
                cases.append((role, args, Where.PRIVATE, False))
    return cases


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.rule.unless is None))
async def test_each_command_and_role_is_refused_or_allowed_as_its_rule_says(
        core: Harness, name: str) -> None:
    results = []
    for role, args, place, refused in _cases(SPECS[name]):
        _as(core, role, place)
        results.append((role.name, args, place.value,
                        await _refused(core, f"/{name} {args}".rstrip()), refused))
    assert results and [r for r in results if r[3] != r[4]] == []


async def _world(h: Harness) -> dict[str, str]:
    """A poll, an entry, a running session and an action item, all started by "mo"."""
    _as(h, Role.MODERATOR, Where.GROUP)
    await h.send("/poll new Where? | Here | There")
    await h.send("/kb add Doctors | How to find a doctor")
    await h.send("/session start Planning")
    await h.send("/action mo Book the room")
    _as(h, Role.MEMBER, Where.GROUP)
    await h.send("/present")
    marks = await h.app.store.minutes.open_actions([1], None)
    return {"ACTION": str(marks[0][0].number)}  # /done takes the number people read


@pytest.mark.parametrize("name", sorted(CHECKED))
async def test_a_check_lets_moderators_through_and_refuses_other_members(
        core: Harness, name: str) -> None:
    ids = await _world(core)
    spec = SPECS[name]
    args = ids.get(CHECKED[name], CHECKED[name])
    results = []
    for role in ROLES:  # the member first: the moderator's run may close or end the thing
        _as(core, role, _place(spec))
        results.append((role.name, await _refused(core, f"/{name} {args}".rstrip())))
    assert results == [("MEMBER", True), ("MODERATOR", False), ("OPERATOR", False)]


async def test_a_member_who_started_the_poll_or_wrote_the_entry_passes_the_check(
        core: Harness) -> None:
    _as(core, Role.MODERATOR, Where.GROUP)
    await core.send("/poll members on")
    _as(core, Role.MEMBER, Where.GROUP)
    assert not await _refused(core, "/poll new Lunch? | Pizza | Sushi")
    await core.send("/kb add Visas | Ask at the consulate")
    assert not await _refused(core, "/kb edit 1 | Visas and permits")
    assert not await _refused(core, "/poll close 1")
    core.as_user("other")
    assert await _refused(core, "/poll delete 1", "poll delete")


def _sample_payload(prefix: str) -> str:
    action = registered()[prefix]
    hints = typing.get_type_hints(action)
    values = {}
    for f in dataclasses.fields(action):  # type: ignore[arg-type]
        kind = hints[f.name]
        values[f.name] = (99_999 if f.name == "person_id" else 1 if kind is int else False if kind is bool
                          else next(iter(kind)) if isinstance(kind, type) and hasattr(kind, "__members__")
                          else "es")
    return action(**values).pack()


@pytest.mark.parametrize("prefix", sorted(BUTTONS))
async def test_each_button_and_role_is_refused_or_allowed_as_its_rule_says(
        core: Harness, prefix: str) -> None:
    rule = BUTTONS[prefix].rule
    data = _sample_payload(prefix)
    results = []
    for role in ROLES:
        _as(core, role, Where.GROUP)
        before = len(await core.app.store.audit.recent(None, limit=10_000))
        await core.press(data)
        entries = await core.app.store.audit.recent(None, limit=10_000)
        new = entries[: len(entries) - before]
        refused = any(not e.allowed and e.action == f"button:{prefix}" for e in new)
        needed = rule.needed(changing=True, private=False)
        # A check (the person concerned, a broadcaster) fails for everyone here: the sample
        # payload names person 1, and nobody is attached to a broadcaster.
        expected = rule.also is not None or (role < needed and rule.unless is None)
        results.append((role.name, refused, expected))
    assert [r for r in results if r[1] != r[2]] == []

"""The permission table in bot/access.py, checked against the registry and the running core.

Generated from the command registry: a command or button without an entry fails, and every
(command, role) pair is run and must be refused (and audited) or allowed as the table says.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import AsyncIterator

import pytest

from bot.access import BUTTONS, COMMANDS, Rule
from bot.actions import registered
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.feature import CommandSpec, Where
from bot.features import all_features
from bot.permissions import Role, required_role
from tests.support import Harness, make_harness

SPECS = {spec.name: spec for f in all_features() for spec in f.commands}
HANDLERS = {action.prefix: handler for f in all_features() for action, handler in f.buttons.items()}
ROLES = (Role.MEMBER, Role.MODERATOR, Role.OPERATOR)
PEOPLE = {Role.MEMBER: "mia", Role.MODERATOR: "mo", Role.OPERATOR: "me"}


def test_every_command_and_button_has_an_entry_and_no_entry_is_stale() -> None:
    assert sorted(set(SPECS) - set(COMMANDS)) == [], "add these commands to bot/access.py"
    assert sorted(set(COMMANDS) - set(SPECS)) == [], "these entries name no command"
    assert sorted(set(HANDLERS) - set(BUTTONS)) == [], "add these buttons to bot/access.py"
    assert sorted(set(BUTTONS) - set(HANDLERS)) == [], "these entries name no button"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_declared_role_matches_the_table(name: str) -> None:
    assert SPECS[name].role == COMMANDS[name].role


@pytest.mark.parametrize("prefix", sorted(HANDLERS))
def test_the_declared_button_role_matches_the_table(prefix: str) -> None:
    assert required_role(HANDLERS[prefix]) == BUTTONS[prefix].role


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


async def _refused(h: Harness, line: str) -> bool:
    before = len(await h.app.store.audit.recent(None, limit=10_000))
    await h.send(line)
    entries = await h.app.store.audit.recent(None, limit=10_000)
    new = entries[: len(entries) - before]
    return any(not e.allowed for e in new)


def _place(spec: CommandSpec) -> Where:
    return Where.PRIVATE if spec.where == Where.PRIVATE else Where.GROUP


def _cases() -> list[tuple[str, Role, str, Where, bool]]:
    cases = []
    for name, rule in COMMANDS.items():
        spec = SPECS[name]
        for role in ROLES:
            if rule.broadcaster:
                # Nobody here is attached to a broadcaster: everyone is refused.
                cases.append((name, role, rule.sample, _place(spec), True))
            elif rule.role > Role.MEMBER:
                cases.append((name, role, "", _place(spec), role < rule.role))
            elif not rule.owner and rule.viewing:
                cases.append((name, role, "", _place(spec), False))
            for act in rule.acts:
                cases.append((name, role, act.args, act.where, role < act.role))
    return cases


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_each_command_and_role_is_refused_or_allowed_as_the_table_says(
        core: Harness, name: str) -> None:
    results = []
    for case_name, role, args, place, refused in _cases():
        if case_name != name:
            continue
        _as(core, role, place)
        results.append((role.name, args, await _refused(core, f"/{name} {args}".rstrip()),
                        refused))
    assert [r for r in results if r[2] != r[3]] == []


def _sample_payload(prefix: str) -> str:
    action = registered()[prefix]
    hints = typing.get_type_hints(action)
    values = {}
    for f in dataclasses.fields(action):  # type: ignore[arg-type]
        kind = hints[f.name]
        values[f.name] = (1 if kind is int else False if kind is bool
                          else next(iter(kind)) if isinstance(kind, type) and hasattr(kind, "__members__")
                          else "es")
    return action(**values).pack()


@pytest.mark.parametrize("prefix", sorted(p for p, r in BUTTONS.items() if r.role > Role.MEMBER))
async def test_privileged_buttons_refuse_members_and_audit_it(core: Harness, prefix: str) -> None:
    rule: Rule = BUTTONS[prefix]
    data = _sample_payload(prefix)
    for role in ROLES:
        _as(core, role, Where.GROUP)
        before = len(await core.app.store.audit.recent(None, limit=10_000))
        await core.press(data)
        entries = await core.app.store.audit.recent(None, limit=10_000)
        new = entries[: len(entries) - before]
        refused = any(not e.allowed and e.action == f"button:{prefix}" for e in new)
        assert refused == (role < rule.role), (prefix, role)

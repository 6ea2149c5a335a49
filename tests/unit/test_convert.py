"""Typed arguments: what a number, an on/off word and a duration may look like, and what every
command that takes them answers when they are garbage (generated from the declarations)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.convert import (
    DURATION,
    ID,
    SWITCH,
    SWITCH_WORDS,
    BadValue,
    duration_value,
    read_id,
    switch_value,
)
from bot.events import ChatKind, ChatRef, Platform
from bot.feature import Arg, CommandSpec, Where
from bot.features import all_features
from bot.i18n import SUPPORTED, use_locale
from tests.notices.helpers import register
from tests.support import Harness, make_harness, texts

SPECS = {spec.name: spec for f in all_features() for spec in f.commands}
GARBAGE = ("²", "-1", "99999999999999999999", "#x")
NUMBERS = ("١", "१", "#1", "۱")


@pytest.mark.parametrize(("typed", "value"), [
    ("12", 12), ("#12", 12), (" # 7 ", 7), ("№3", 3), ("١٢", 12), ("۱۲", 12), ("१२", 12),
])
def test_ids_are_digits_of_any_of_our_scripts(typed: str, value: int) -> None:
    assert read_id(typed) == value


@pytest.mark.parametrize("typed", [
    "²", "½", "-1", "0", "1.5", "x", "", "#", "#x", "12a", "99999999999999999999", "2147483648",
    "𝟙", "①", "١x",
])
def test_anything_else_is_not_an_id(typed: str) -> None:
    with pytest.raises(BadValue):
        read_id(typed)


@pytest.mark.parametrize(("typed", "minutes"), [
    ("90", 90), ("90m", 90), ("90 min", 90), ("1h30", 90), ("1h 30m", 90), ("1h30m", 90),
    ("1 h 30", 90), ("2h", 120), ("1:30", 90), ("١h٣٠", 90), ("2 horas", 120),
    ("1 hora 30 minutos", 90), ("2 heures", 120), ("1 heure 30", 90), ("90 minutos", 90),
    ("2 ساعات", 120), ("30 دقيقة", 30), ("1 घंटा 30 मिनट", 90), ("2 घंटे", 120),
    ("2d", 2880), ("1 día 2 h", 1560),
])
def test_durations_in_each_language(typed: str, minutes: int) -> None:
    assert duration_value(typed) == timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["", "x", "h", "0", "0m", "30m 1h", "1h 2h", "1h30x",
                                   "1.5h", "-30m", "²h"])
def test_durations_refuse_the_rest(typed: str) -> None:
    assert duration_value(typed) is None


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_language_has_on_and_off_words_and_they_read_back(language: str) -> None:
    on, off = SWITCH_WORDS[language]
    assert on and off
    assert all(switch_value(w) is True and switch_value(w.upper()) is True for w in on)
    assert all(switch_value(w) is False for w in off)
    assert switch_value("maybe") is None


def _kinded(kind: object) -> list[tuple[str, Arg[object]]]:
    return [(name, arg) for name, spec in sorted(SPECS.items()) for arg in spec.args
            if arg.kind is kind]


def _line(spec: CommandSpec, target: Arg[object], typed: str) -> str:
    """The command with `typed` as the target argument and harmless words before it."""
    parts, after = [], False
    for arg in spec.args:
        if arg is target:
            parts.append(typed)
            after = True
        elif not after or arg.required:
            parts.append(arg.kind.example if arg.kind else "x")
    return f"/{spec.name} " + (" | " if spec.pipe_separated else " ").join(parts)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Harness]:
    async with make_harness(f"sqlite+aiosqlite:///{tmp_path}/test.db",
                            operator_ids=["console:me"]) as h:
        yield h


def _place(h: Harness, spec: CommandSpec) -> None:
    kind = ChatKind.PRIVATE if spec.where == Where.PRIVATE else ChatKind.GROUP
    h.chat = ChatRef(Platform.CONSOLE, "me" if kind == ChatKind.PRIVATE else "main", kind, "Main")


def test_the_id_taking_commands_are_found() -> None:
    names = {name for name, _arg in _kinded(ID)}
    assert {"poll close", "notice publish", "kb open", "meeting show", "agenda drop",
            "done"} <= names


@pytest.mark.parametrize(("name", "arg"), _kinded(ID), ids=lambda v: getattr(v, "name", v))
async def test_every_id_argument_answers_garbage_by_name_with_an_example(
        core: Harness, name: str, arg: Arg[object]) -> None:
    spec = SPECS[name]
    if spec.rule.also is not None:
        await register(core, consul="me")  # the notice commands are for broadcasters
    _place(core, spec)
    for typed in GARBAGE:
        out = texts(await core.send(_line(spec, arg, typed)))
        assert f"“{typed}” is not a number" in out, (name, typed, out)
        assert arg.summary.text() in out and "For example: /" in out, (name, out)
    for typed in NUMBERS:
        out = texts(await core.send(_line(spec, arg, typed)))
        assert "is not a number" not in out and "went wrong" not in out, (name, typed, out)


@pytest.mark.parametrize("language", SUPPORTED)
async def test_the_garbage_answer_is_in_the_chat_language(core: Harness, language: str) -> None:
    core.in_chat("main")
    await core.send(f"/language {language}")
    out = texts(await core.send("/poll close ²"))
    with use_locale(language):
        assert ID.what.text() in out
    assert "²" in out and "/poll close 12" in out


@pytest.mark.parametrize("language", SUPPORTED)
async def test_poll_members_takes_on_and_off_in_every_language(core: Harness,
                                                               language: str) -> None:
    on, off = SWITCH_WORDS[language]
    for word in on:
        await core.send(f"/poll members {word}")
        chat = await core.app.store.chats.find(Platform.CONSOLE, core.chat.id)
        assert chat is not None and chat.settings.get("polls_by_members") is True, word
        await core.send(f"/poll members {off[0]}")
    for word in off:
        await core.send(f"/poll members {on[0]}")
        await core.send(f"/poll members {word}")
        chat = await core.app.store.chats.find(Platform.CONSOLE, core.chat.id)
        assert chat is not None and chat.settings.get("polls_by_members") is False, word
    assert "“maybe” is not on or off" in texts(await core.send("/poll members maybe"))


@pytest.mark.parametrize("language", SUPPORTED)
async def test_notice_switches_take_on_and_off_in_every_language(core: Harness,
                                                                 language: str) -> None:
    await register(core)
    core.as_user("consul").in_chat("consul", private=True)
    await core.send("/notice new Aviso | Texto")
    on, off = SWITCH_WORDS[language]
    for option in ("urgent", "seen"):
        for word in on:
            await core.send(f"/notice set 1 {option} {word}")
            notice = await core.app.store.notices.get(1)
            assert notice is not None
            assert (notice.urgent if option == "urgent" else notice.seen_button) is True, word
        for word in off:
            await core.send(f"/notice set 1 {option} {word}")
            notice = await core.app.store.notices.get(1)
            assert notice is not None
            assert (notice.urgent if option == "urgent" else notice.seen_button) is False, word


def test_the_kinds_describe_themselves_with_an_example_they_accept() -> None:
    for kind in (ID, SWITCH, DURATION):
        kind(kind.example, None)  # type: ignore[arg-type]


async def test_language_and_zone_are_read_by_their_kinds(core: Harness) -> None:
    assert "español" in texts(await core.send("/language es-MX"))
    await core.send("/language en")
    assert "I don't speak xx yet" in texts(await core.send("/language xx"))
    assert "Europe/Madrid" in texts(await core.send("/timezone madrid"))
    assert "Did you mean" in texts(await core.send("/timezone Madird"))

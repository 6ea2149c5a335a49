"""Every registered command and button, with generated input, in every language and role.

Nothing may reach the platform as an unhandled error (the router's generic apology counts
as one here: it means a handler raised), and the database stays consistent. Bounded:
FUZZ_EXAMPLES (default 300) examples per test.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.features import all_features
from tests.reliability.fuzz_support import ARGS, GENERIC_ERROR, LOCALES, check_invariants, payloads
from tests.support import Harness, make_harness, texts

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
COMMANDS = sorted({spec.name for f in all_features() for spec in f.commands})
ran = {"commands": 0, "buttons": 0}


def _run(tmp_path: Path, body: object) -> None:
    """Run `body(harness, loop)` on a loop of its own (hypothesis drives it synchronously)."""
    loop = asyncio.new_event_loop()
    try:
        manager = make_harness(f"sqlite+aiosqlite:///{tmp_path}/fuzz.db", FakeClock(),
                               secret_key="fuzz-secret-key-0123456789")
        harness = loop.run_until_complete(manager.__aenter__())
        try:
            body(harness, loop)  # type: ignore[operator]
            loop.run_until_complete(check_invariants(harness.app.store.engine))
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()


def _place(harness: Harness, private: bool, lang: str, role: int) -> None:
    name = ("me", "mod", "ana")[role]
    harness.user = UserRef(Platform.CONSOLE, name, name.title(), name)
    harness.admin = role < 2
    harness.locale_hint = lang
    harness.chat = (ChatRef(Platform.CONSOLE, name, ChatKind.PRIVATE) if private
                    else ChatRef(Platform.CONSOLE, f"g-{lang}", ChatKind.GROUP, f"G {lang}"))


def test_every_command_with_generated_arguments(tmp_path: Path) -> None:
    def body(harness: Harness, loop: asyncio.AbstractEventLoop) -> None:
        # Give each language its own group reading the bot in that language.
        for lang in ("en", "es", "fr", "pt", "ar", "hi"):
            _place(harness, False, lang, 0)
            loop.run_until_complete(harness.send(f"/language {lang}"))

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(command=st.sampled_from(COMMANDS), args=ARGS, lang=LOCALES,
               private=st.booleans(), role=st.integers(0, 2))
        def check(command: str, args: str, lang: str, private: bool, role: int) -> None:
            _place(harness, private, lang, role)
            outcomes = loop.run_until_complete(harness.send(f"/{command} {args}".rstrip()))
            ran["commands"] += 1
            said = texts(outcomes)
            assert GENERIC_ERROR not in said, (command, args, said)

        check()

    _run(tmp_path, body)
    print(f"\nfuzzed {ran['commands']} command invocations over {len(COMMANDS)} commands")
    assert ran["commands"] >= EXAMPLES


def test_every_button_with_forged_and_odd_payloads(tmp_path: Path) -> None:
    def body(harness: Harness, loop: asyncio.AbstractEventLoop) -> None:
        _place(harness, False, "en", 0)
        for line in ("/poll new Lunch? | Pizza | Sushi", "/kb add Title | Body | #tag"):
            loop.run_until_complete(harness.send(line))

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=payloads(), lang=LOCALES, private=st.booleans(), role=st.integers(0, 2))
        def check(data: str, lang: str, private: bool, role: int) -> None:
            _place(harness, private, lang, role)
            outcomes = loop.run_until_complete(harness.press(data))
            ran["buttons"] += 1
            said = texts(outcomes)
            assert GENERIC_ERROR not in said, (data, said)
            assert outcomes, "every press is answered"

        check()

    _run(tmp_path, body)
    print(f"\nfuzzed {ran['buttons']} button presses")
    assert ran["buttons"] >= EXAMPLES

"""Generated input through each platform's inbound path: the real adapters on the fakes.

Commands with generated arguments and forged button payloads arrive as Telegram updates and
as Discord interactions; nothing may end as an unhandled error in the adapters or the core,
and every button press is answered. Bounded by FUZZ_PLATFORM_EXAMPLES (default 60 each).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.features import all_features
from tests.adapters.discord_harness import discord_harness
from tests.adapters.telegram_harness import telegram_harness
from tests.reliability.fuzz_support import ARGS, GENERIC_ERROR, payloads

EXAMPLES = int(os.environ.get("FUZZ_PLATFORM_EXAMPLES", "60"))
COMMANDS = sorted({spec.name for f in all_features() for spec in f.commands})
ADMIN, MEMBER, GROUP = 5501, 5502, -5501


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
            and r.name.startswith(("adapters", "bot", "scheduling"))]


def test_telegram_updates_with_generated_commands_and_presses(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    manager = telegram_harness(f"sqlite+aiosqlite:///{tmp_path}/tg.db")
    tg = loop.run_until_complete(manager.__aenter__())
    count = 0
    try:
        fake = tg.fake
        fake.add_user(ADMIN, "Ada", language_code="es")
        fake.add_user(MEMBER, "Bo", language_code="ar")
        fake.add_chat(GROUP, "supergroup", "G", creator=ADMIN, members=[MEMBER])
        loop.run_until_complete(tg.command(GROUP, ADMIN, "/poll new Lunch? | Pizza | Sushi"))
        loop.run_until_complete(tg.settle())
        target = next((m for m in fake.messages(GROUP) if m.callback_data), None)

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(command=st.sampled_from(COMMANDS), args=ARGS, user=st.sampled_from([ADMIN, MEMBER]),
               private=st.booleans(), data=payloads())
        def check(command: str, args: str, user: int, private: bool, data: str) -> None:
            nonlocal count
            chat = user if private else GROUP
            text = f"/{command.replace(' ', ' ')} {args}"[:4096]
            sent = loop.run_until_complete(tg.command(chat, user, text))
            assert all(GENERIC_ERROR not in m.text for m in sent), (text, [m.text for m in sent])
            if target is not None and data and len(data.encode()) <= 64:
                # A modified client can send any callback data for a message: forged,
                # truncated or tampered payloads are answered and change nothing.
                loop.run_until_complete(press(user, data))
            count += 1

        async def press(user: int, data: str) -> None:
            assert target is not None
            query = fake.push_callback(GROUP, user, target.message_id, data, check_button=False)
            answer = await fake.wait_for_callback_answer(query)
            assert GENERIC_ERROR not in (answer.get("text") or ""), (data, answer)

        check()
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()
    assert _errors(caplog) == []
    print(f"\nfuzzed {count} Telegram updates")
    assert count >= EXAMPLES


def test_discord_interactions_with_generated_options_and_clicks(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    manager = discord_harness(f"sqlite+aiosqlite:///{tmp_path}/dc.db")
    dc = loop.run_until_complete(manager.__aenter__())
    count = 0
    try:
        loop.run_until_complete(dc.slash("setup", user=dc.world.mod))
        synced = {c["name"]: c for c in dc.fake.commands.get(None, [])}

        def options_for(name: str, value: str) -> tuple[str, dict[str, str]]:
            top, _, sub = name.partition(" ")
            command = synced.get(top)
            if command is None:
                return "help", {}
            opts = command.get("options", [])
            if sub:
                opts = next((o.get("options", []) for o in opts if o["name"] == sub), [])
            values = {}
            for option in opts:
                if option.get("type") == 3:
                    choices = [c["value"] for c in option.get("choices", [])]
                    values[option["name"]] = choices[0] if choices else (value[:100] or "x")
            return name, values

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(command=st.sampled_from(COMMANDS), value=ARGS,
               user=st.sampled_from(["mod", "member"]), pick=st.integers(0, 50))
        def check(command: str, value: str, user: str, pick: int) -> None:
            nonlocal count
            who = dc.world.mod if user == "mod" else dc.world.member
            name, options = options_for(command, value)
            try:
                answer = loop.run_until_complete(dc.slash(name, options, user=who))
            except (ValueError, PermissionError):
                return  # the fake refuses what Discord's client would never send
            assert GENERIC_ERROR not in answer.text, (name, options, answer.text)
            # Discord clients only send the custom_ids a message has: click one of them.
            buttons = [(m.id, cid) for m in dc.fake.messages(dc.world.channel)
                       for cid in m.custom_ids()]
            if buttons:
                message_id, custom_id = buttons[pick % len(buttons)]
                clicked = loop.run_until_complete(dc.click(message_id, custom_id, user=who))
                assert GENERIC_ERROR not in clicked.text
            count += 1

        check()
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()
    assert _errors(caplog) == []
    print(f"\nfuzzed {count} Discord interactions")
    assert count >= EXAMPLES // 2

"""The console adapter end to end: its real loop in-process, and the packaged command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import console_session, run_console

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_URL", "OPERATOR_IDS",
                                "DEFAULT_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
                "TELEGRAM_BOT_TOKEN": "", "DISCORD_BOT_TOKEN": ""})
    return env


async def _run_console(tmp_path: Path, script: str, **settings: Any) -> str:
    return await run_console(tmp_path, script, **settings)


async def test_console_loop_answers_each_line_and_presses_buttons(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/start\n/language\n2\n/help\n/as alice\n/link\n")
    assert "Hello, me!" in out
    assert "[1] English  [2] español" in out
    assert "(edited) A partir de ahora, en este chat escribo en español." in out
    assert "Esto es lo que puedes hacer aquí:" in out
    # The console's own lines follow the language of the chat in use.
    assert "(ahora eres alice)" in out
    assert out.rstrip().endswith("Solo los moderadores de este chat pueden hacer eso.")


async def test_console_link_between_two_local_chats(tmp_path: Path) -> None:
    first = await _run_console(tmp_path, "/link\n")
    code = first.strip().splitlines()[-1].split()[-1]
    second = await _run_console(tmp_path, f"/in paris\n/link {code}\n/settings\n")
    assert "Linked. This chat now shares" in second
    # The other chat is told, through the outbox, in its own language.
    assert "[main] paris (Console) is now linked with this chat" in second
    # The default chat has one name: the one `/in` takes is the one /settings shows.
    assert "Linked with: main (console)" in second


async def test_console_private_chat_and_unknown_lines(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/in private\n/language pt\n/help\n9\n/nonsense\nhello\n")
    assert "(you are now in your private chat with the bot, as me)" in out
    assert "Vou escrever para você em português." in out
    assert "(não há esse botão aqui)" in out
    assert "/nonsense" in out


async def test_a_script_waits_for_the_card_its_line_caused(tmp_path: Path) -> None:
    # The card comes through the outbox; the next line must find its buttons.
    out = await _run_console(tmp_path, "/poll new Lunch? | Pizza | Sushi\n1\n")
    assert "(no such button here)" not in out
    assert "(only you) You voted for Pizza." in out


def test_piped_input_presses_the_card_of_the_line_before(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/poll new Lunch? | Pizza | Sushi\n2\n/poll close 1\n",
        capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path), timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "(no such button here)" not in result.stdout
    assert "(only you) You voted for Sushi." in result.stdout
    assert "▓▓▓▓▓▓▓▓▓▓  1 vote (100%)" in result.stdout


def test_a_vote_in_a_script_shows_its_redrawn_card_before_the_next_line(tmp_path: Path) -> None:
    # The card is redrawn two seconds after a vote: a script waits for it, so the redrawn
    # card comes before the next line's answer, every time.
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/poll new Lunch? | Pizza | Sushi\n2\n/settings\n",
        capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path), timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    redrawn = out.index("(edited) Poll #1")
    assert out.index("(only you) You voted for Sushi.") < redrawn < out.index("Language:")


async def test_a_press_names_its_message_and_edits_do_not_take_the_bare_number(
        tmp_path: Path) -> None:
    async with console_session(tmp_path) as session:
        app, console, out, clock = session.app, session.console, session.out, session.clock
        cards = []
        for question in ("Lunch? | Pizza | Sushi", "Dinner? | Soup | Salad"):
            await console.feed(f"/poll new {question}")
            await console.settle()
            cards.append(re.findall(r"\(message (\d+)\)", out.getvalue())[-1])
        await console.feed(f"/press 2 of {cards[0]}")  # the first card, not the last
        await console.settle()
        clock.advance(timedelta(seconds=5))  # the first card is redrawn with the vote
        await app.runner.resync()
        await console.settle()
        await console.feed("1")  # still the newest card: Dinner
        await console.feed("/press 9 of 1")  # message 1 has no buttons
    text = out.getvalue()
    assert "(only you) You voted for Sushi." in text
    assert "(edited) Poll #1" in text
    assert "(only you) You voted for Soup." in text
    assert text.rstrip().endswith("(no such button here)")


async def test_a_line_ending_in_a_backslash_continues(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/poll new Lunch?\\\nPizza \\\nSushi\n")
    assert "Lunch?\n\n1. Pizza\n" in out
    assert "[1] 1. Pizza  [2] 2. Sushi" in out
    # The command may end its own line, too.
    out = await _run_console(tmp_path, "/poll new\\\nDinner?\\\nSoup\\\nSalad\n")
    assert "Dinner?\n\n1. Soup\n" in out


async def test_in_lists_the_chats_and_says_when_one_is_new(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/in paris\n/start\n/in\n/in console\n/in main\n"
                                       "/in private\n/in\n")
    lines = out.splitlines()
    assert "(you are now in a new chat, paris; /in alone lists the chats)" in lines
    assert "(console chats: main and paris; you are in paris)" in lines
    assert "(you are now in a new chat, console; /in alone lists the chats)" in lines
    assert "(you are now in chat main)" in lines
    assert lines[-1] == "(console chats: main, console, and paris; you are in your private chat)"


async def test_a_flooding_script_is_told_when_it_is_answered_again(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/help\n" * 5, command_rate_limit="2/60")
    assert re.search(r"so I will ignore them for the next (59|60) seconds\. Please send them "
                     r"again after that\.", out)
    assert out.count("Here is what you can do here:") == 2


def test_packaged_command_prints_help_then_spanish_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], input="/help\n/language es\n/help\n",
        capture_output=True, text=True, cwd=ROOT, env=_env(tmp_path), timeout=60,
    )
    assert result.returncode == 0, result.stderr
    english = result.stdout.index("Here is what you can do here:")
    spanish = result.stdout.index("Esto es lo que puedes hacer aquí:")
    assert english < spanish
    assert (tmp_path / "bot.db").exists()


def test_a_bad_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"DEFAULT_TIMEZONE": "Mars/Olympus"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], input="", env=env,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "diaspora-bot: setting DEFAULT_TIMEZONE: unknown time zone 'Mars/Olympus' "
        "(use an IANA name)"]


def test_migrate_subcommand(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=_env(tmp_path),
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_prints_help_and_exits_zero(tmp_path: Path) -> None:
    result = subprocess.run(["make", "-s", "run"], input="/help\n", env=_env(tmp_path),
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Here is what you can do here:" in result.stdout

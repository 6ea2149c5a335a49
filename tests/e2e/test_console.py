"""The console adapter end to end: its real loop in-process, and the packaged command."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import FakeClock
from tests.support import open_store, settings_for_tests

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_URL", "OPERATOR_IDS",
                                "DEFAULT_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
                "TELEGRAM_BOT_TOKEN": "", "DISCORD_BOT_TOKEN": ""})
    return env


async def _run_console(tmp_path: Path, script: str) -> str:
    clock = FakeClock()
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db", clock) as store:
        app = App(settings_for_tests(), store, clock)
        out = io.StringIO()
        adapter = ConsoleAdapter(app, io.StringIO(script), out, files_dir=tmp_path / "files")
        await app.start()
        try:
            await adapter.run()
        finally:
            await app.stop()
        return out.getvalue()


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
    assert "Linked with: console (console)" in second


async def test_console_private_chat_and_unknown_lines(tmp_path: Path) -> None:
    out = await _run_console(tmp_path, "/in private\n/language pt\n/help\n9\n/nonsense\nhello\n")
    assert "(you are now in your private chat with the bot, as me)" in out
    assert "Vou escrever para você em português." in out
    assert "(não há esse botão aqui)" in out
    assert "/nonsense" in out


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

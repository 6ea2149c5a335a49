"""`diaspora-bot run` as a subprocess, on Telegram through FakeTelegram: /start is answered."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram

ADA = 4242


def _command() -> list[str]:
    script = shutil.which("diaspora-bot", path=str(Path(sys.executable).parent))
    return [script, "run"] if script else [sys.executable, "-m", "bot", "run"]


@pytest.mark.slow
async def test_packaged_command_answers_start_on_telegram(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        fake.add_user(ADA, "Ada", language_code="fr")
        fake.push_command(ADA, ADA, "/start")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "DISCORD_", "DATABASE_URL", "OPERATOR_IDS",
                                    "DEFAULT_", "LOG_"))}
        env.update({"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db"})
        process = await asyncio.create_subprocess_exec(
            *_command(), cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            [hello] = await fake.wait_for_messages(ADA, 1, timeout=60)
            assert hello.text.startswith("Bonjour, Ada\u00a0!")
            assert fake.commands(language_code="fr")  # the menu was registered at start
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and "is polling for updates" in log
    assert fake.token.split(":")[1] not in log  # the token never reaches the log

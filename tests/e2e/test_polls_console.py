"""A poll in the console, as a newcomer would try it: post, press a number, close."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import FakeClock
from tests.support import open_store, settings_for_tests


async def test_a_poll_in_the_console(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db", clock) as store:
        app = App(settings_for_tests(), store, clock)
        out = io.StringIO()
        console = ConsoleAdapter(app, io.StringIO(""), out, files_dir=tmp_path / "files")
        await app.start()
        try:
            for line in ("/poll new Lunch? | Pizza | Sushi", "1", "/as alice", "2", "2",
                         "/as", "/poll close 1"):
                await console.feed(line)
                await app.runner.wait_idle()
                await app.worker.drain()
        finally:
            await app.stop()
    text = out.getvalue()
    assert "Poll #1 is going out to 1 chat of this community." in text
    assert "[1] 1. Pizza  [2] 2. Sushi" in text
    assert "(only you) You voted for Pizza. Press it again to withdraw your vote." in text
    assert "(only you) Your vote was withdrawn." in text
    assert "Results of poll #1" in text
    assert "▓▓▓▓▓▓▓▓▓▓  1 vote (100%)" in text

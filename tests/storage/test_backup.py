"""Backups and moves on real databases: SQLite online backup, and copies both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.permissions import Role
from bot.records import NewDelivery
from storage.backup import copy_database
from tests.support import PG_URL, open_store, reset_postgres, row_counts

ROOT = Path(__file__).resolve().parents[2]


async def _fill(url: str) -> None:
    clock = FakeClock()
    async with open_store(url, clock) as store:
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-1", ChatKind.GROUP, "Madrid"),
                                        "es")
        other = await store.chats.ensure(ChatRef(Platform.DISCORD, "2", ChatKind.GROUP), "hi")
        await store.communities.merge(other.community_id, chat.community_id)
        ana = await store.people.ensure(UserRef(Platform.TELEGRAM, "7", "Ana"), None)
        await store.communities.grant(chat.community_id, ana.id, Role.MODERATOR, None)
        await store.schedule.add("digest", str(chat.id), clock.now())
        [first] = await store.outbox.enqueue([NewDelivery(chat.id, {"x": 1}, key="a")])
        await store.outbox.enqueue([NewDelivery(chat.id, {"x": 2}, key="b",
                                                target_delivery_id=first)])


async def test_sqlite_to_sqlite_copy_keeps_every_row_and_refuses_a_full_target(
        tmp_path: Path) -> None:
    source, target = f"sqlite+aiosqlite:///{tmp_path}/a.db", f"sqlite+aiosqlite:///{tmp_path}/b.db"
    await _fill(source)
    counts = await copy_database(source, target)
    assert counts["chats"] == 2 and counts["deliveries"] == 2
    assert await row_counts(target) == await row_counts(source)
    with pytest.raises(ValueError, match="not empty"):
        await copy_database(source, target)
    async with open_store(target, FakeClock()) as store:
        # New rows get fresh ids after the copied ones.
        new = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-9"), "en")
        assert new.id == 3


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
async def test_sqlite_to_postgresql_and_back(tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/a.db"
    back = f"sqlite+aiosqlite:///{tmp_path}/back.db"
    await _fill(source)
    await reset_postgres(PG_URL)
    await copy_database(source, PG_URL)
    assert await row_counts(PG_URL) == await row_counts(source)
    async with open_store(PG_URL, FakeClock()) as store:
        chat = await store.chats.find(Platform.TELEGRAM, "-1")
        assert chat is not None and chat.language == "es" and chat.title == "Madrid"
        fresh = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-9"), "en")
        assert fresh.id == 3  # the sequence moved past the copied ids
    await copy_database(PG_URL, back)
    counts = await row_counts(back)
    assert counts["chats"] == 3 and counts["role_grants"] == 1


def test_backup_command_writes_a_usable_copy(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/live.db"
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    out = subprocess.run([sys.executable, "-m", "bot", "backup", str(tmp_path / "copy.db")],
                         env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "backed up to" in out.stdout and (tmp_path / "copy.db").stat().st_size > 0
    env["DATABASE_URL"] = "postgresql+asyncpg://u@h/db"
    refused = subprocess.run([sys.executable, "-m", "bot", "backup", "x.db"], env=env, cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "pg_dump" in refused.stderr

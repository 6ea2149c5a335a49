"""Durable delivery: a worker stopped or killed mid-broadcast never doubles or drops a copy."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock, SystemClock
from bot.events import ChatKind, ChatRef, Platform
from bot.features.notices.publish import publish
from bot.features.notices.records import Notice, NoticeText
from bot.records import DeliveryStatus
from bot.sources import NOTICE_COPY
from tests.notices.helpers import ScriptedMessenger, as_consul, register, subscribed_chats
from tests.support import Harness, open_store, settings_for_tests

ROOT = Path(__file__).resolve().parents[2]


async def test_cancelling_the_worker_mid_broadcast_then_restarting_it(harness: Harness) -> None:
    h = harness
    telegram = ScriptedMessenger(Platform.TELEGRAM, pause_every_send=True)
    h.app.add_messenger(telegram)
    await register(h)
    await subscribed_chats(h, 150, platforms=(Platform.TELEGRAM,), languages=("es", "en"))
    as_consul(h)
    await h.send("/notice new Oficina cerrada | La oficina cierra el lunes.")
    halfway = telegram.when_sent(60)
    await h.send("/notice publish 1")
    h.app.worker.wake()
    await asyncio.wait_for(halfway.wait(), 10)

    # Abruptly: the task is cancelled wherever it is (mid-send for some chats).
    task = h.app.worker._task
    assert task is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    partial = len(telegram.copies())
    assert 60 <= partial < 150
    await h.app.worker.start()
    await h.advance(timedelta(seconds=3))

    copies = telegram.copies()
    assert len(copies) == 150
    assert all(len(sent) == 1 for sent in copies.values())
    states = Counter(c.status for c in await h.app.store.notices.copies(1))
    assert states == {DeliveryStatus.SENT: 150}


async def _prepare(db: Path, chats: int) -> list[str]:
    """A consulate with `chats` subscribed Telegram groups and one notice queued to them."""
    clock = SystemClock()
    async with open_store(f"sqlite+aiosqlite:///{db}", clock) as store:  # type: ignore[arg-type]
        app = App(settings_for_tests(), store, clock)
        org = await store.notices.add_org("mx-madrid", "Consulado de México", "MX", "es")
        assert org is not None
        for n in range(chats):
            chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, f"-{n + 1}",
                                                    ChatKind.GROUP, f"G{n}"), "es")
            await store.notices.subscribe(chat.id, org.id, [], None)
        notice = await store.notices.create(Notice(
            0, org.id, None, None, "es", texts={"es": NoticeText("Aviso", "Texto del aviso.")}))
        result = await publish(app.services, notice, org)
        assert result is not None and result.chats == chats
        return [f"d{d.id}" for d in await store.outbox.by_source(notice.source)]


def _lines(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


async def _states(db: Path) -> Counter[DeliveryStatus]:
    async with open_store(f"sqlite+aiosqlite:///{db}", FakeClock()) as store:
        return Counter(d.status for d in await store.outbox.by_source(NOTICE_COPY.of(1)))


def test_kill_9_mid_broadcast_then_restart_no_copy_twice_none_missing(tmp_path: Path) -> None:
    db, out = tmp_path / "bot.db", tmp_path / "sent.jsonl"
    keys = asyncio.run(_prepare(db, 240))
    command: Sequence[str] = [sys.executable, "-m", "tests.notices.outbox_child", str(db),
                              str(out)]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(_lines(out)) < 60 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    first.kill()  # SIGKILL: no handler runs, claims stay behind
    first.wait(timeout=10)
    killed_at = len(_lines(out))
    assert 60 <= killed_at < 240, killed_at
    assert asyncio.run(_states(db))[DeliveryStatus.SENDING] > 0  # the dead process held claims

    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    sent = Counter(line["key"] for line in _lines(out))
    assert sorted(sent) == sorted(keys)
    assert set(sent.values()) == {1}
    assert asyncio.run(_states(db)) == {DeliveryStatus.SENT: 240}


async def test_the_same_notice_cannot_be_queued_twice(db_url: str) -> None:
    clock = FakeClock()
    async with open_store(db_url, clock) as store:
        org = await store.notices.add_org("mx-madrid", "Consulado", "MX", "es")
        assert org is not None
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, "-1"), "es")
        await store.notices.subscribe(chat.id, org.id, [], None)
        notice = await store.notices.create(Notice(0, org.id, None, None, "es",
                                                   texts={"es": NoticeText("A", "B")}))
        app = App(settings_for_tests(), store, clock)
        first, second = await asyncio.gather(publish(app.services, notice, org),
                                             publish(app.services, notice, org))
        assert [r is None for r in (first, second)].count(True) == 1
        assert len(await store.outbox.by_source(NOTICE_COPY.of(1))) == 1

"""Inbound claims: one process handles each update; a dead handler's claim is taken over."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from storage.store import SqlStore


async def test_an_update_is_claimed_once_until_its_handler_dies(
        store: SqlStore, clock: FakeClock) -> None:
    assert await store.inbound.claim("telegram", "100")
    assert not await store.inbound.claim("telegram", "100")
    assert await store.inbound.claim("discord", "100")  # per platform
    clock.advance(timedelta(minutes=2))  # the first handler never finished
    assert await store.inbound.claim("telegram", "100")
    await store.inbound.done("telegram", "100")
    clock.advance(timedelta(minutes=5))
    assert not await store.inbound.claim("telegram", "100")  # done: never again
    assert await store.inbound.purge_before(clock.now()) == 2
    assert await store.inbound.claim("telegram", "100")

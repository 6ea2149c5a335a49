"""Inbound claims: one process handles each update; a dead handler's claim is taken over."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from storage.store import SqlStore


async def test_an_update_is_claimed_once_until_its_handler_dies(
        store: SqlStore, clock: FakeClock) -> None:
    assert await store.inbound.claim("telegram", "100", "a") == "mine"
    assert await store.inbound.claim("telegram", "100", "b") == "busy"
    assert await store.inbound.claim("discord", "100", "b") == "mine"  # per platform
    clock.advance(timedelta(minutes=2))  # the first handler never finished
    assert await store.inbound.claim("telegram", "100", "b") == "mine"
    await store.inbound.done("telegram", "100")
    clock.advance(timedelta(minutes=5))
    assert await store.inbound.claim("telegram", "100", "c") == "done"  # never again
    assert await store.inbound.purge_before(clock.now()) == 2
    assert await store.inbound.claim("telegram", "100", "c") == "mine"


async def test_the_claim_of_a_process_known_to_be_gone_is_taken_over_at_once(
        store: SqlStore) -> None:
    assert await store.inbound.claim("telegram", "7", "host:1:41") == "mine"
    alive = await store.inbound.claim("telegram", "7", "host:1:42", gone=lambda o: False)
    assert alive == "busy"
    gone = {"host:1:41"}
    assert await store.inbound.claim("telegram", "7", "host:1:42", gone=gone.__contains__) \
        == "mine"
    # Now held by 42, which is alive: 43 waits.
    assert await store.inbound.claim("telegram", "7", "host:1:43", gone=gone.__contains__) \
        == "busy"


async def test_the_claim_of_a_process_that_stopped_beating_is_taken_over(
        store: SqlStore, clock: FakeClock) -> None:
    alive = timedelta(seconds=15)
    await store.workers.beat("elsewhere:1:5", clock.now(), alive_since=clock.now())
    assert await store.inbound.claim("telegram", "9", "elsewhere:1:5") == "mine"
    # Its heartbeat is recent: the update is in hand, ask again later.
    assert await store.inbound.claim("telegram", "9", "here:1:6", alive_for=alive) == "busy"
    clock.advance(timedelta(seconds=20))  # no heartbeat since: that process is gone
    assert await store.inbound.claim("telegram", "9", "here:1:6", alive_for=alive) == "mine"
    # A holder that never wrote a heartbeat is no process of ours.
    assert await store.inbound.claim("telegram", "10", "ghost:1:1") == "mine"
    assert await store.inbound.claim("telegram", "10", "here:1:6", alive_for=alive) == "mine"

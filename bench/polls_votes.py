"""How fast votes are taken: button presses through the whole core, on a real database.

    .venv/bin/python bench/polls_votes.py                      # SQLite in a temporary file
    .venv/bin/python bench/polls_votes.py postgresql+asyncpg://postgres@127.0.0.1/bench_db

Prints votes per second for presses one after another and for bursts arriving
at once (asyncio.gather), the number of edits a burst causes per chat, and the
time to count a poll. Everything below the router is real: store, locks,
scheduler, outbox (the platforms are recording messengers). The PostgreSQL
database given is emptied first.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.polls_helpers import DC, TG, community, event_for
from tests.support import reset_postgres


async def run(url: str, people: int, burst: int) -> None:
    """Measure and print."""
    async with community(url) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Where shall we meet? | Café Lisboa | Online | Library")
        await h.send("/poll new Which days? | Fri | Sat | Sun --multi")
        await h.settle()
        app = h.app

        start = time.perf_counter()
        for n in range(people):
            await app.handle(event_for(TG if n % 2 else DC, f"seq{n}", f"pv:1:{n % 3}"))
        sequential = time.perf_counter() - start

        events = [event_for(TG if n % 2 else DC, f"burst{n}", f"pv:2:{n % 3}")
                  for n in range(burst)]
        start = time.perf_counter()
        await asyncio.gather(*(app.handle(e) for e in events))
        concurrent = time.perf_counter() - start
        edits_before = sum("Which days?" in e[2].body.plain() for e in h.dc.edits)
        await h.advance(timedelta(seconds=3))
        burst_edits = sum("Which days?" in e[2].body.plain() for e in h.dc.edits) - edits_before

        start = time.perf_counter()
        for _ in range(20):
            tally = await app.store.polls.tally(1)
        count_ms = (time.perf_counter() - start) / 20 * 1000
        assert tally.voters == people
        assert (await app.store.polls.tally(2)).voters == burst
        backend = url.split("+", 1)[0]
        print(f"{backend}: {people} presses one after another: {people / sequential:,.0f} votes/s "
              f"({sequential / people * 1000:.1f} ms each)")
        print(f"{backend}: {burst} presses at once: {burst / concurrent:,.0f} votes/s "
              f"({concurrent:.2f} s for the burst)")
        print(f"{backend}: edits of the burst's poll per chat, once the refresh ran: "
              f"{burst_edits}")
        print(f"{backend}: counting a poll of {people} ballots: {count_ms:.2f} ms")


def main() -> None:
    """Run on SQLite, or on the PostgreSQL URL given."""
    people, burst = 500, 200
    if len(sys.argv) > 1:
        url = sys.argv[1]
        asyncio.run(reset_postgres(url))
        asyncio.run(run(url, people, burst))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.db", people, burst))


if __name__ == "__main__":
    main()

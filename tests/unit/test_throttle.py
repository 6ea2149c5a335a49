"""Flood control: a burst of commands from one person gets one notice, not fifty."""

from __future__ import annotations

import re

from bot.replies import Reply, Toast
from bot.throttle import Throttle, parse_rate
from tests.support import make_harness, texts


def test_window_counts_per_person_and_forgets_old_stamps() -> None:
    throttle = Throttle(3, 10)
    verdicts = [throttle.check("a", now=float(t)) for t in (0, 1, 2, 3, 4)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop"]
    assert throttle.check("b", now=4.0) == "ok"
    assert throttle.check("a", now=10.5) == "ok"  # the first stamp left the window
    assert parse_rate("12/10") == (12, 10.0)
    assert Throttle(0, 10).check("a") == "ok"


def test_retry_in_is_when_the_oldest_stamp_leaves_the_window() -> None:
    throttle = Throttle(2, 10)
    assert throttle.retry_in("a", now=0.0) == 0.0  # never seen
    throttle.check("a", now=1.0)
    throttle.check("a", now=4.0)
    assert throttle.check("a", now=5.0) == "warn"
    assert throttle.check("a", now=6.0) == "drop"  # a dropped action does not extend the wait
    assert throttle.retry_in("a", now=6.0) == 5.0
    assert throttle.check("a", now=11.0) == "ok"
    assert Throttle(0, 10).retry_in("a") == 0.0


async def test_a_flood_of_fifty_commands_gets_one_notice(db_url: str) -> None:
    async with make_harness(db_url, command_rate_limit="10/10") as h:
        h.as_user("flooder")
        outcomes = [await h.send("/help") for _ in range(50)]
        answered = [o for o in outcomes if o]
        notices = [o for o in answered if "very fast" in texts(o)]
        assert len(answered) == 11 and len(notices) == 1
        assert isinstance(notices[0][0], Reply)
        # The notice says when commands are answered again, in whole seconds.
        assert re.search(r"ignore them for the next (9|10) seconds", texts(notices[0]))
        h.as_user("someone-else")
        assert "Here is what you can do" in texts(await h.send("/help"))
        h.as_user("flooder")
        [toast] = await h.press("lang:es")
        assert isinstance(toast, Toast) and "Slow down" in toast.text


async def test_the_notice_is_in_the_persons_language(db_url: str) -> None:
    async with make_harness(db_url, command_rate_limit="2/60") as h:
        h.as_user("ana", locale="es-419")
        h.in_chat("ana", private=True)
        for _ in range(2):
            await h.send("/start")
        assert "muy rápido" in texts(await h.send("/start"))

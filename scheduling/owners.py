"""Who holds a claim: `host:pidns:pid`, and whether that process is gone.

Claims on schedule items, deliveries and inbound updates name their process.
A holder is gone when it is a process of this host (and PID namespace) that no
longer exists, or when it has not written its heartbeat (the outbox worker's,
every few seconds) for ALIVE_FOR, wherever it ran: then a survivor takes its
work over. A process whose loop stalls that long is taken for dead too. A
delivery's claim is checked again before its send and an item's before its
completion, so a stalled process cannot double those; an update it was
handling when it stalled can be answered twice, if Telegram sent it again
meanwhile.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.ports import Store

# A process that has not beaten for this long no longer counts, and its claims are taken
# over. Several heartbeats long, so a busy moment is not a death; hosts' clocks must agree
# to within a few seconds (NTP).
ALIVE_FOR = timedelta(seconds=15)


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def default_owner() -> str:
    """`host:pidns:pid`: enough to tell, on the same host, whether the owner still runs."""
    return f"{socket.gethostname()[:32]}:{_pid_namespace()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True only when `owner` is a process of this host and PID namespace that is gone."""
    host, _sep, rest = owner.partition(":")
    pidns, _sep, pid = rest.partition(":")
    mine = default_owner().split(":")
    if host != mine[0] or pidns != mine[1] or pidns == "0" or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def gone_owners(store: Store, owners: Iterable[str], me: str,
                      now: datetime) -> list[str]:
    """The holders among `owners` (never `me`) whose process is gone."""
    others = [o for o in owners if o != me]
    if not others:
        return []
    alive = await store.workers.alive(now - ALIVE_FOR)
    return [o for o in others if owner_is_dead(o) or o not in alive]

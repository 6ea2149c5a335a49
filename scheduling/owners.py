"""Who holds a claim: `host:pidns:pid`, and whether that process is gone.

Claims on schedule items, deliveries and inbound updates name their process.
A survivor on the same host (and PID namespace) can tell at once that the
holder was killed and take its work over; claims of another host are only
taken over after a timeout, since nothing here can see that host's processes.
"""

from __future__ import annotations

import os
import socket


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

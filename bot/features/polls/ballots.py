"""Who a ballot belongs to: a person id for public polls, a keyed hash for anonymous ones.

An anonymous ballot is keyed by HMAC-SHA256(ballot key, "poll id:person id"), where
the ballot key is derived from the operator's SECRET_KEY. The database alone cannot
link a ballot to a person; whoever holds both the database and the key can (by hashing
every known person), which README.md states plainly.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from bot.config import Settings

log = logging.getLogger(__name__)

# A shorter secret could be guessed offline from the stored hashes.
MIN_SECRET_CHARS = 16
_PURPOSE = b"diaspora-bot/polls/anonymous-ballots/v1"
_warned = False


def ballot_key(settings: Settings) -> bytes | None:
    """The key for anonymous ballots, or None when SECRET_KEY is unset or too short."""
    global _warned
    secret = settings.secret_key
    if secret is None:
        return None
    raw = secret.get_secret_value().encode("utf-8")
    if len(raw) < MIN_SECRET_CHARS:
        if not _warned:
            log.warning("SECRET_KEY is shorter than %d characters: anonymous polls are off",
                        MIN_SECRET_CHARS)
            _warned = True
        return None
    # A key of its own, so SECRET_KEY can serve other purposes without reuse.
    return hmac.new(raw, _PURPOSE, hashlib.sha256).digest()


def anonymous_voter(key: bytes, poll_id: int, person_id: int) -> str:
    """The ballot id of a person in an anonymous poll (64 hex characters)."""
    return hmac.new(key, f"{poll_id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def public_voter(person_id: int) -> str:
    """The ballot id of a person in a public poll."""
    return f"p{person_id}"


def key_check(key: bytes) -> str:
    """A short value that changes when the ballot key changes (stored with each anonymous poll)."""
    return hmac.new(key, b"check", hashlib.sha256).hexdigest()[:16]

"""Strategies and checks shared by the fuzz tests."""

from __future__ import annotations

from hypothesis import strategies as st
from sqlalchemy import text

from bot.actions import registered
from bot.i18n import SUPPORTED

# Text a person could type: anything, plus the shapes our parsers care about.
EDGE_TEXT = st.sampled_from([
    "", " ", "|", "||||", "| | |", "--multi --anonymous --hidden --closes", "--closes",
    "\u202etxet desrever", "\u200b\u200b\u200b", "@everyone", "<b>x</b>", "&amp;", "*_~`",
    "'; DROP TABLE chats; --", '" NEAR( * ', "2026-13-45 25:61", "tomorrow", "viernes 18:00",
    "1", "0", "-1", "99999999999999999999", "1e9", "NaN", "🇲🇽🎉", "x" * 5000,
    "مرحبا بالعالم", "नमस्ते", "K7QM-3XPA", "Europe/Madrid", "#tag", "\n\n\n", "\x00\x01",
])
ARGS = st.one_of(
    EDGE_TEXT,
    st.text(max_size=200),
    st.lists(st.one_of(EDGE_TEXT, st.text(max_size=40)), max_size=6).map(" | ".join),
    st.lists(st.text(alphabet="0123456789 abc-:/", max_size=12), max_size=4).map(" ".join),
)
LOCALES = st.sampled_from(SUPPORTED)


def payloads() -> st.SearchStrategy[str]:
    """Packed button actions: well-formed with odd values, forged, truncated, tampered."""
    prefixes = sorted(registered())
    forged = st.builds(lambda p, fields: ":".join([p, *fields]), st.sampled_from(prefixes),
                       st.lists(st.one_of(st.integers(-5, 10**12).map(str),
                                          st.sampled_from(["", "0", "1", "es", "x", "ñ"]),
                                          st.text(max_size=8)), max_size=5))
    return st.one_of(forged, forged.map(lambda s: s[: len(s) // 2]), st.text(max_size=80))


GENERIC_ERROR = "Sorry, something went wrong"


async def check_invariants(engine: object) -> None:
    """The database is consistent after anything the fuzzers did."""
    checks = {
        "chats without a community": "SELECT count(*) FROM chats WHERE community_id NOT IN "
                                     "(SELECT id FROM communities)",
        "deliveries without a chat": "SELECT count(*) FROM deliveries WHERE chat_id NOT IN "
                                     "(SELECT id FROM chats)",
        "schedule items in an unknown state": "SELECT count(*) FROM schedule_items WHERE status "
                                              "NOT IN ('pending','running','done','skipped',"
                                              "'cancelled','failed')",
        "two pending items of one kind and ref": "SELECT count(*) FROM (SELECT kind, ref FROM "
                                                 "schedule_items WHERE status='pending' GROUP BY "
                                                 "kind, ref HAVING count(*) > 1) AS d",
        "grants without a person": "SELECT count(*) FROM role_grants WHERE person_id NOT IN "
                                   "(SELECT id FROM people)",
    }
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        for what, query in checks.items():
            found = await conn.scalar(text(query))
            assert found == 0, f"{what}: {found}"

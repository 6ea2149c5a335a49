"""Anonymous polls: after voting, no table holds a voter's identity in any form.

The whole database is read back (every table the migrations created, found
by reflection, not from our models) and searched for each voter's platform
id, `platform:id` key, username, display name, person id (in every column
that points at people, and in the forms the code could have used: "p12",
"12", "poll:person"), and common unkeyed hashes and encodings of all of
these. Two tables are expected to know the voters, and are checked apart:
`people` (everyone who ever wrote to the bot) and `chat_members` (who spoke
in which chat); neither says anything about polls or votes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import MetaData, select

from bot.events import Platform
from bot.features.polls.ballots import anonymous_voter, ballot_key
from bot.records import Person
from tests.polls_helpers import SECRET, community
from tests.support import settings_for_tests

IDENTITY_TABLES = {"people", "chat_members"}
PERSONISH = ("person", "user", "voter", "actor", "author", "creator", "member")


def _forms(person: Person, poll_id: int) -> tuple[set[str], set[str]]:
    """A person's identity in every form we can think of, lower-cased.

    Distinctive forms (names, platform ids, hashes) are searched inside every
    value; short ones made of small numbers ("p12", "1:12") only as whole values,
    where a match means something.
    """
    strong = {person.platform_id, person.key, person.display_name, person.username or ""}
    weak = {f"p{person.id}", f"person:{person.id}", f"{poll_id}:{person.id}",
            f"{person.id}:{poll_id}"}
    strong.discard("")
    for value in strong | weak | {str(person.id)}:
        data = value.encode()
        for name in ("md5", "sha1", "sha224", "sha256", "sha512", "blake2b", "sha3_256"):
            strong.add(hashlib.new(name, data).hexdigest())
        encoded = {base64.b64encode(data).decode().rstrip("="), data.hex()}
        (strong if value in strong else weak).update(encoded)
    return {f.lower() for f in strong}, {f.lower() for f in weak}


def _leaves(value: Any) -> list[str]:
    """The scalar values inside a cell (JSON documents walked), as lower-case text."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, bytes | bytearray | memoryview):
        return [bytes(value).hex(), bytes(value).decode("utf-8", "replace").lower()]
    return [str(value).lower()]


def _text(value: Any) -> str:
    """A whole cell as lower-case text."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).lower()
    return " ".join(_leaves(value))


async def _dump(engine: Any) -> dict[str, tuple[MetaData, list[dict[str, Any]]]]:
    """Every table of the database (found by reflection) with all its rows."""
    metadata = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        tables = {}
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).mappings().all()
            tables[table.name] = (metadata, [dict(r) for r in rows])
    return tables


async def test_an_anonymous_poll_leaves_no_voter_identity_in_the_database(db_url: str) -> None:
    async with community(db_url, secret_key=SECRET) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Who should coordinate? | Ana | Ben | Chloé --anonymous")
        await h.settle()
        names = [("telegram", "zoravoter"), ("telegram", "yusufvoter"),
                 ("discord", "xiomaravoter"), ("discord", "wendellvoter")]
        for platform, name in names:
            (h.telegram if platform == "telegram" else h.discord)(name)
            await h.vote(0)
        h.telegram("yusufvoter")
        await h.vote(1)  # a changed vote
        h.discord("wendellvoter")
        await h.vote(0)  # a withdrawn vote
        h.discord("xiomaravoter")
        await h.vote(2)
        await h.advance(timedelta(seconds=3))
        h.telegram("mod", admin=True)
        await h.send("/poll close 1")
        await h.settle()
        assert "2 votos (66,7" not in h.tg.sent[-1][1].body.plain()
        assert "1 voto (33,3\xa0%)" in h.tg.sent[-1][1].body.plain()

        store = h.app.store
        voters: list[Person] = []
        for platform, name in names:
            prefix = "tg" if platform == "telegram" else "dc"
            person = await store.people.find(Platform(platform), f"{prefix}-{name}")
            assert person is not None
            voters.append(person)
        strong: set[str] = set()
        weak: set[str] = set()
        for person in voters:
            more_strong, more_weak = _forms(person, 1)
            strong |= more_strong
            weak |= more_weak
        voter_ids = {p.id for p in voters}

        tables = await _dump(store.engine)
        assert {"polls", "poll_ballots", "deliveries", "schedule_items", "audit_log"} <= set(
            tables)
        found: list[tuple[str, ...]] = []
        for name, (metadata, rows) in tables.items():
            if name in IDENTITY_TABLES:
                continue
            table = metadata.tables[name]
            # A bare person id is a small number like any other id: it is looked for in
            # every column that points at people or is named for a person.
            person_columns = [c.name for c in table.columns
                              if any(fk.column.table.name == "people" for fk in c.foreign_keys)
                              or any(w in c.name for w in PERSONISH)]
            for row in rows:
                found += [(name, c) for c in person_columns
                          if row[c] in voter_ids or str(row[c]) in {str(i) for i in voter_ids}]
                for column, value in row.items():
                    text = _text(value)
                    found += [(name, column, f) for f in strong if f in text]
                    found += [(name, column, leaf) for leaf in _leaves(value) if leaf in weak]
        assert found == []

        # The ballots exist (three people still have a vote), keyed by a hash of 64 hex digits.
        ballots = tables["poll_ballots"][1]
        assert len(ballots) == 3
        assert all(b["person_id"] is None and len(b["voter"]) == 64 for b in ballots)
        assert sorted(b["choices"] for b in ballots) == [1, 2, 4]
        # ...which only the key turns back into people: that is what the operator could do.
        key = ballot_key(settings_for_tests(secret_key=SECRET))
        assert key is not None
        assert {anonymous_voter(key, 1, p.id) for p in voters[:3]} == {
            b["voter"] for b in ballots}
        # The identity tables say nothing about polls.
        for name in IDENTITY_TABLES:
            metadata = tables[name][0]
            columns = {c.name for c in metadata.tables[name].columns}
            assert not any("poll" in c or "vote" in c or "choice" in c for c in columns)


async def test_voters_of_an_anonymous_poll_cannot_be_listed(db_url: str) -> None:
    async with community(db_url, secret_key=SECRET) as h:
        h.telegram("mod", admin=True)
        await h.send("/poll new Secret? | Yes | No --anonymous")
        await h.settle()
        h.discord("dee")
        await h.vote(0)
        assert await h.app.store.polls.voters(1) == []
        h.telegram("mod", admin=True)
        reply = "\n".join(r.body.plain() for r in await h.send("/poll voters 1"))  # type: ignore[union-attr]
        assert "anónima" in reply and "Dee" not in reply

"""Moving one community between databases: export to JSON, import with new ids, on every backend.

PostgreSQL tests use one database (the `db_url` one), so the other side of each move is a
SQLite file: the federation's PostgreSQL and a community's own SQLite, either way round.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, select
from sqlalchemy import text as sql

from bot.cli import main
from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform, UserRef
from bot.features.knowledge.actions import KbHelpful
from bot.features.meetings.actions import Respond
from bot.features.meetings.records import Answer
from bot.features.polls.actions import Vote
from bot.permissions import Role
from storage.db import make_engine
from storage.models import metadata
from storage.transfer import TransferError, export_community, import_community
from storage.transfer.common import MOVED, SCHEDULED, SOFT_REFS, owned_tables, shared_tables
from tests.polls_helpers import SECRET
from tests.support import (
    Harness,
    RecordingMessenger,
    make_harness,
    open_store,
    row_counts,
    texts,
)

KEY = "20260109T1800"  # Friday 9 January 2026, 18:00 in Madrid
MADRID, LISBOA, PARIS = "-1001", "-2002", "-3003"


def _platforms(h: Harness) -> RecordingMessenger:
    """Messengers for Telegram and Discord beside the console's; the Telegram one."""
    tg = RecordingMessenger(Platform.TELEGRAM)
    h.app.add_messenger(tg)
    h.app.add_messenger(RecordingMessenger(Platform.DISCORD))
    return tg


def _as(h: Harness, chat: str, user: str, *, admin: bool = False,
        platform: Platform = Platform.TELEGRAM) -> Harness:
    h.in_chat(chat, platform=platform, title={MADRID: "Madrid", LISBOA: "Lisboa"}.get(chat))
    h.user = UserRef(platform, f"{platform.value[:2]}-{user}", user.title(), user)
    h.admin = admin
    return h


async def _say(h: Harness, *lines: str) -> None:
    for line in lines:
        out = texts(await h.send(line))
        assert "Only" not in out and "Usage" not in out, (line, out)


async def _source(url: str) -> None:
    """Madrid (a Telegram group and a Discord channel) with everything; Lisboa beside it."""
    async with make_harness(url, secret_key=SECRET) as h:
        _platforms(h)
        await _say(h, "/broadcaster add mx-madrid | Consulado de México | MX | es")
        _as(h, MADRID, "ana")
        await h.send("/kb find nothing")  # Ana is seen in Madrid
        _as(h, MADRID, "mod", admin=True)
        code = texts(await h.send("/link")).split("/link ")[-1].strip()
        _as(h, "555", "dmod", admin=True, platform=Platform.DISCORD)
        assert "Linked" in texts(await h.send(f"/link {code}"))
        _as(h, MADRID, "mod", admin=True)
        await _say(h, "/timezone Europe/Madrid",
                   "/meeting new Monthly dialogue | friday 18:00 | 90m | Zoom",
                   "/agenda add Passport renewals",
                   "/poll new Lunch? | Pizza | Sushi | Tacos --closes 2026-01-20 12:00",
                   "/poll new Secret? | Yes | No --anonymous",
                   "/kb add Renew a passport | Book an appointment at the consulate. | #passport",
                   "/opportunity Youth grant | 2026-01-20 18:00 | - | Up to 2,000 EUR.",
                   "/subscribe mx-madrid", "/promote ana", "/session start Planning",
                   "/action ana Book the room | 2026-01-14", "/session end")
        for who, platform, chat in (("ana", Platform.TELEGRAM, MADRID),
                                    ("dee", Platform.DISCORD, "555")):
            _as(h, chat, who, platform=platform)
            for action in (Respond(1, KEY, Answer.GOING), Vote(1, 1), Vote(2, 0), KbHelpful(1)):
                await h.press(action.pack())
        _as(h, LISBOA, "lis", admin=True)
        await _say(h, "/meeting new Lisbon picnic | saturday 12:00 | 2h | Park",
                   "/kb add Lisbon tram | Buy a Viva card.", "/poll new Picnic food? | Bread | Fruit")
        await h.settle()
    async with make_harness(url, secret_key=SECRET) as h:
        _platforms(h)  # a restart plans every chat's digest


async def _target(url: str) -> None:
    """A deployment with its own community (ids 1 again), Ana and the consulate known."""
    async with make_harness(url, secret_key=SECRET) as h:
        _platforms(h)
        await _say(h, "/broadcaster add mx-madrid | Consulado de México | MX | es")
        _as(h, PARIS, "ana", admin=True)
        await _say(h, "/meeting new Paris apéro | thursday 19:00 | 2h | Bar",
                   "/kb add Paris metro | Get a Navigo pass.", "/poll new Apéro? | Oui | Non")
        await h.settle()


async def _paris(h: Harness) -> str:
    _as(h, PARIS, "ana", admin=True)
    return texts(await h.send("/meetings")) + texts(await h.send("/kb find metro"))


async def test_a_community_moves_into_a_busy_database_and_keeps_working(
        db_url: str, tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/source.db"
    await _source(source)
    await _target(db_url)
    document = json.loads(json.dumps(await export_community(source, 2)))
    flat = json.dumps(document, ensure_ascii=False)
    assert "Monthly dialogue" in flat and "Lisbon" not in flat and "Lisboa" not in flat
    assert {c["platform_id"] for c in document["tables"]["chats"]} == {MADRID, "555"}
    assert "deliveries" not in document["tables"] and "audit_log" not in document["tables"]
    async with make_harness(db_url, secret_key=SECRET) as h:
        _platforms(h)
        before = await _paris(h)
    summary = await import_community(db_url, document)
    assert summary.reused == {"broadcaster_orgs": 1, "people": 1}  # the consulate, and Ana
    assert summary.rows["schedule_items"] >= 5

    clock = FakeClock()
    async with make_harness(db_url, clock, secret_key=SECRET) as h:
        tg = _platforms(h)
        store = h.app.store
        assert await _paris(h) == before
        chat = await store.chats.find(Platform.TELEGRAM, MADRID)
        assert chat is not None and chat.community_id == summary.community_id
        ana = await store.people.find(Platform.TELEGRAM, "te-ana")
        assert ana is not None and ana.id == 2  # the target's Ana, not a copy
        role = await store.communities.granted_role(chat.community_id, ana.id)
        assert role == Role.MODERATOR
        _as(h, MADRID, "mod", admin=True)
        listed = texts(await h.send("/meetings"))
        assert "Monthly dialogue" in listed and "Paris" not in listed
        assert "Renew a passport" in texts(await h.send("/kb find passport"))
        assert "Nothing found" in texts(await h.send("/kb find navigo"))
        polls = texts(await h.send("/polls"))
        assert "Lunch?" in polls and "Apéro?" not in polls
        found = await _ids(db_url, "polls", "question", chat.community_id)
        lunch, secret = found["Lunch?"], found["Secret?"]
        tally = await store.polls.tally(lunch)
        assert (tally.counts, tally.voters) == ((0, 2, 0), 2)
        assert (await store.polls.tally(secret)).voters == 2
        [meeting] = (await _ids(db_url, "meetings", "title", chat.community_id)).values()
        assert "2 going: Ana and Dee" in texts(await h.send(f"/meeting attendees {meeting}"))
        entry = (await _ids(db_url, "kb_entries", "title", chat.community_id))["Renew a passport"]
        # Old buttons carry old ids: they reach nothing of another community.
        _as(h, MADRID, "ana")
        assert "another community" in texts(await h.press(Vote(1, 0).pack()))
        assert "no longer" in texts(await h.press(Vote(secret, 0).pack()))
        assert "already found this helpful" in texts(await h.press(KbHelpful(entry).pack()))
        # Ana's public ballot is still hers: changing it does not add a voter.
        assert "Pizza" in texts(await h.press(Vote(lunch, 0).pack()))
        tally = await store.polls.tally(lunch)
        assert (tally.counts, tally.voters) == ((1, 1, 0), 2)
        # The 24-hour reminder of Friday's meeting still fires, in Madrid's chats.
        clock.set(datetime(2026, 1, 8, 17, 1, tzinfo=UTC))
        await h.settle()
        assert any("Reminder: Monthly dialogue" in t for t in tg.texts(MADRID)), tg.texts()
        clock.set(datetime(2026, 1, 13, 18, 5, tzinfo=UTC))
        await h.settle()
        assert any("Deadline soon: Youth grant" in t for t in tg.texts(MADRID)), tg.texts()


async def _ids(url: str, table: str, label: str, community_id: int) -> dict[str, int]:
    """The ids of a community's rows of `table`, by the text of column `label`."""
    found = metadata.tables[table]
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(found.c[label], found.c.id).where(
                found.c.community_id == community_id))).all()
    finally:
        await engine.dispose()
    return {text: row_id for text, row_id in rows}


async def test_export_import_export_gives_the_same_document(db_url: str, tmp_path: Path) -> None:
    await _source(db_url)
    first = await export_community(db_url, 2)
    empty = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    summary = await import_community(empty, json.loads(json.dumps(first)))
    again = await export_community(empty, summary.community_id)
    assert again["schema"] == first["schema"]
    anonymous = [p for p in again["tables"]["polls"] if p["anonymous"]]
    assert [p["key_check"] for p in anonymous] == [MOVED]
    assert _canonical(again) == _canonical(first)
    assert len(first["tables"]["schedule_items"]) == summary.rows["schedule_items"]
    assert {i["kind"] for i in first["tables"]["schedule_items"]} >= {
        "meeting.remind", "meeting.next", "meeting.action", "kb.remind", "kb.close",
        "poll.close", "digest"}


def _canonical(document: dict[str, Any]) -> dict[str, list[str]]:
    """The document with every id replaced by its rank in its table (and key checks dropped)."""
    tables = {"communities": [document["community"]], **document["tables"]}
    rank = {name: {row["id"]: n for n, row in enumerate(sorted(rows, key=lambda r: r["id"]))}
            for name, rows in tables.items() if rows and "id" in rows[0]}
    soft = {("kb_entries", "group_id"): "kb_entries", ("kb_tags", "community_id"): "communities"}
    out = {}
    for name, rows in tables.items():
        table, canonical = metadata.tables[name], []
        for given in rows:
            row = dict(given, key_check=None) if name == "polls" else dict(given)
            if "id" in row:
                row["id"] = rank[name][row["id"]]
            for column in table.c:
                target = next((fk.column.table.name for fk in column.foreign_keys),
                              soft.get((name, column.name)))
                if target and row.get(column.name) is not None:
                    row[column.name] = rank[target][row[column.name]]
            if name == "minutes_sessions":
                row["chairs"] = [rank["people"][p] for p in row["chairs"]]
            if name == "poll_ballots" and row["voter"].startswith("p"):
                row["voter"] = f"p{rank['people'][int(row['voter'][1:])]}"
            if name == "schedule_items":
                head, _sep, rest = row["ref"].partition(":")
                row["ref"] = f"{rank[SCHEDULED[row['kind']]][int(head)]}:{rest}"
            canonical.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
        out[name] = sorted(canonical)
    return out


async def _small(url: str) -> None:
    async with open_store(url, FakeClock()) as store:
        chat = await store.chats.ensure(ChatRef(Platform.TELEGRAM, MADRID, ChatKind.GROUP,
                                                "Madrid"), "es")
        ana = await store.people.ensure(UserRef(Platform.TELEGRAM, "7", "Ana"), None)
        await store.communities.grant(chat.community_id, ana.id, Role.MODERATOR, None)


async def test_a_chat_already_in_the_target_refuses_the_whole_import(
        db_url: str, tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/source.db"
    await _small(source)
    document = await export_community(source, 1)
    await import_community(db_url, document)
    before = await row_counts(db_url)
    with pytest.raises(TransferError, match="chat telegram:-1001 \\(Madrid\\) already belongs"):
        await import_community(db_url, document)
    assert await row_counts(db_url) == before


@pytest.mark.parametrize("change, says", [
    (lambda d: [d], "not a community export"),
    (lambda d: {**d, "format": "diaspora-bot/kb"}, "not a community export"),
    (lambda d: {**d, "version": 2}, "newer diaspora-bot"),
    (lambda d: {**d, "schema": [*d["schema"], "0099_future"]}, "newer database schema"),
    (lambda d: {**d, "tables": {**d["tables"], "teleporters": []}}, "teleporters"),
    (lambda d: {**d, "tables": {**d["tables"], "chats": [{"id": 1, "warp": 9}]}}, "warp"),
    (lambda d: {**d, "community": {**d["community"], "created_at": "soon"}},
     "bad value for communities.created_at"),
    (lambda d: {**d, "tables": {**d["tables"], "chats": [
        {**d["tables"]["chats"][0], "community_id": [1]}]}}, "bad value for chats.community_id"),
    (lambda d: {**d, "tables": {**d["tables"], "role_grants": [
        {**d["tables"]["role_grants"][0], "person_id": 99}]}}, "lacks"),
])
async def test_bad_documents_are_refused_clearly_and_write_nothing(
        db_url: str, tmp_path: Path, change: Any, says: str) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/source.db"
    await _small(source)
    document = await export_community(source, 1)
    async with open_store(db_url, FakeClock()):
        pass
    with pytest.raises(TransferError, match=says):
        await import_community(db_url, change(json.loads(json.dumps(document))))
    assert not any((await row_counts(db_url)).values())


async def test_exporting_a_missing_community_or_an_old_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/a.db"
    await _small(url)
    with pytest.raises(TransferError, match="no community 9"):
        await export_community(url, 9)
    with pytest.raises(TransferError, match="no database at"):
        await export_community(f"sqlite+aiosqlite:///{tmp_path}/never.db", 1)
    assert not (tmp_path / "never.db").exists()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    async with engine.begin() as conn:
        await conn.execute(sql("CREATE TABLE unrelated (x INTEGER)"))
    await engine.dispose()
    with pytest.raises(TransferError, match="diaspora-bot migrate"):
        await export_community(f"sqlite+aiosqlite:///{tmp_path}/empty.db", 1)


def test_every_id_outside_a_foreign_key_is_known() -> None:
    """A new integer column naming another row must be added to SOFT_REFS (or get an FK)."""
    moved = [*owned_tables(), *shared_tables()]
    for name in moved:
        for column in metadata.tables[name].c:
            if (isinstance(column.type, Integer) and column.name.endswith("_id")
                    and not column.foreign_keys and not column.primary_key):
                assert (name, column.name) in SOFT_REFS, f"{name}.{column.name}"


def test_the_command_line_moves_a_community(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    asyncio.run(_small(f"sqlite+aiosqlite:///{source}"))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.cli.logs.setup", lambda *args, **kwargs: None)

    def run(database: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _err = run(source, "export-community", "telegram:-1001", "--out", "madrid.json")
    assert code == 0 and out == "exported community 1 (4 rows) to madrid.json\n"
    code, out, _err = run(source, "export-community", "1")
    assert code == 0 and json.loads(out)["community"]["name"] == "Madrid"
    code, out, err = run(target, "import-community", "madrid.json")
    assert code == 0 and "as community 1: 4 rows" in out, err
    code, out, err = run(target, "import-community", "madrid.json")
    assert code == 2 and err.count("\n") == 1 and "already belongs" in err and not out
    monkeypatch.setattr("sys.stdin", io.StringIO("{not json"))
    code, _out, err = run(target, "import-community", "-")
    assert code == 2 and "- is not JSON" in err
    code, _out, err = run(source, "export-community", "telegram:nope")
    assert code == 2 and err == "diaspora-bot: there is no chat telegram:nope\n"

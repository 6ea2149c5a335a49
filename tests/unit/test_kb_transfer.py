"""Export (Markdown and JSON) and import: a round trip gives the same base back."""

from __future__ import annotations

import io
import json
from pathlib import Path

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.events import Attachment, CommandInvoked
from bot.replies import Reply
from tests.support import Harness, open_store, settings_for_tests, texts


async def _export(harness: Harness, kind: str = "json") -> bytes:
    [reply] = await harness.send(f"/kb export {kind}")
    assert isinstance(reply, Reply) and reply.document is not None
    return reply.document.data


async def _fill(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book on the consulate website. | #passport")
    await harness.send("/kb translate 1 es | Renovar el pasaporte | Pide cita en la web.")
    await harness.send("/kb edit 1 | | Book on the consulate website; bring a photo.")
    await harness.send("/opportunity Youth grant | 2026-03-01 | https://example.org | Money.")
    harness.as_user("alice")
    await harness.send("/kb add Waiting | Not reviewed yet.")
    harness.as_user("me", admin=True)


def _entries(data: bytes) -> list[dict[str, object]]:
    parsed = json.loads(data)
    assert parsed["format"] == "diaspora-bot/knowledge/1"
    return parsed["entries"]  # type: ignore[no-any-return]


async def test_export_import_round_trip_is_equal(harness: Harness) -> None:
    await _fill(harness)
    await harness.press("kh:1")
    first = await _export(harness)
    entries = _entries(first)
    assert [e["title"] for e in entries] == ["Renew a passport", "Renovar el pasaporte",
                                             "Youth grant", "Waiting"]
    assert entries[1]["group"] == entries[0]["uid"]
    assert [v["version"] for v in entries[0]["versions"]] == [1, 2]  # type: ignore[index]
    assert entries[0]["helpful"] == 1

    harness.in_chat("elsewhere")
    out = texts(await harness.send("/kb import " + first.decode()))
    assert out.startswith("Imported 4 entries.") and "/kb queue" in out
    again = texts(await harness.send("/kb import " + first.decode()))
    assert again == "Imported 0 entries. 4 entries were already here and were left as they are."
    assert _entries(await _export(harness)) == entries
    assert "Renovar el pasaporte" in texts(await harness.send("/kb find pasaporte"))
    # The imported opportunity has its own reminders in the new community.
    assert len([i for i in await harness.app.store.schedule.pending()
                if i.kind == "kb.close"]) == 2


async def test_platforms_hand_the_file_in_as_an_attachment(harness: Harness) -> None:
    await _fill(harness)
    data = await _export(harness)
    harness.in_chat("third")
    event = CommandInvoked(chat=harness.chat, user=harness.user, platform_admin=True,
                           command="kb", args="import",
                           attachment=Attachment("knowledge.json", data, "application/json"))
    assert texts(await harness.event(event)).startswith("Imported 4 entries.")


async def test_markdown_is_readable_and_members_cannot_take_the_json(harness: Harness) -> None:
    assert "empty" in texts(await harness.send("/kb export"))
    await _fill(harness)
    harness.as_user("alice")
    markdown = (await _export(harness, "md")).decode()
    assert markdown.startswith("# Knowledge base — Main\n")
    assert "## Renew a passport\n\nBook on the consulate website; bring a photo.\n" in markdown
    assert "## Renovar el pasaporte" in markdown and "Waiting" not in markdown
    assert "*Language: English · Tags: #passport · By Me ·" in markdown
    assert "Only moderators" in texts(await harness.send("/kb export json"))
    assert "Only moderators" in texts(await harness.send("/kb import {}"))


async def test_bad_imports_change_nothing(harness: Harness) -> None:
    await _fill(harness)
    good = _entries(await _export(harness))
    harness.in_chat("elsewhere")
    broken_title = json.dumps({"format": "diaspora-bot/knowledge/1",
                               "entries": [{**good[0], "title": "x" * 500}, good[1]]})
    cases = {
        "/kb import {not json": "not JSON text",
        '/kb import {"format": "other", "entries": []}': "file.format",
        "/kb import " + broken_title: "entries[0].title",
        "/kb import " + json.dumps({"format": "diaspora-bot/knowledge/1",
                                    "entries": [{**good[0], "tags": ["my tag"]}]}): "tags[0]",
        "/kb import " + json.dumps({"format": "diaspora-bot/knowledge/1",
                                    "entries": [{**good[0], "status": "hacked"}]}): "status",
        "/kb import " + json.dumps({"format": "diaspora-bot/knowledge/1",
                                    "entries": [good[0], good[0]]}): "appears twice",
        "/kb import": "Send the file",
        "/kb import /no/such/file.json": "There is no file at /no/such/file.json",
    }
    for line, answer in cases.items():
        out = texts(await harness.send(line))
        assert answer in out, (line[:60], out)
    assert "Nothing found" in texts(await harness.send("/kb find passport"))


async def test_the_console_exports_to_a_file_and_imports_it_by_path(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db", clock) as store:
        app = App(settings_for_tests(), store, clock)
        out = io.StringIO()
        script = ("/kb add Renew a passport | Book on the consulate website. | #passport\n"
                  "/kb export json\n")
        adapter = ConsoleAdapter(app, io.StringIO(script), out, files_dir=tmp_path / "files")
        await app.start()
        try:
            await adapter.run()
            saved = next((tmp_path / "files").glob("knowledge-*.json"))
            adapter.stdin = io.StringIO(f"/in paris\n/kb import {saved}\n#passport\n")
            await adapter.run()
        finally:
            await app.stop()
    printed = out.getvalue()
    assert f"saved to {saved}" in printed
    imported = printed.index("Imported 1 entry.")
    assert "Renew a passport\n\nBook on the consulate website." in printed[imported:]

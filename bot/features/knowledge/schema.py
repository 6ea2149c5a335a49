"""The JSON export format: written from records, and read back with every field checked.

An import is untrusted input: every field is type-checked and held to the
same limits as entries typed in a chat, and any problem names the field
(`entries[3].title`) so the file can be fixed. Nothing is stored unless the
whole file reads.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from bot.context import UserError

from .records import (
    Credit,
    Entry,
    EntryKind,
    EntryStatus,
    Imported,
    Revision,
    RevisionState,
)
from .text import BODY_MAX, LINK_MAX, TAGS_MAX, TITLE_MAX, parse_tag

FORMAT = "diaspora-bot/knowledge/1"
ENTRIES_MAX = 20_000
VERSIONS_MAX = 500
_UID = re.compile(r"[0-9A-Za-z_-]{1,32}")


class BadExport(ValueError):
    """The file is not an export this version can read; the message names the field."""


def _credit(credit: Credit | None) -> dict[str, str] | None:
    return {"key": credit.key, "name": credit.name} if credit else None


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def revision_json(revision: Revision) -> dict[str, Any]:
    """One version as JSON."""
    return {
        "version": revision.version, "base_version": revision.base_version,
        "title": revision.title, "body": revision.body, "tags": list(revision.tags),
        "language": revision.language, "state": revision.state.value,
        "editor": _credit(revision.editor), "at": _time(revision.at), "note": revision.note,
    }


def entry_json(entry: Entry, revisions: list[Revision], group_uid: str) -> dict[str, Any]:
    """One entry with every version, as JSON (no database ids: uids link translations)."""
    return {
        "uid": entry.uid, "group": group_uid, "title": entry.title, "body": entry.body,
        "tags": list(entry.tags), "language": entry.language, "status": entry.status.value,
        "kind": entry.kind.value, "version": entry.version, "author": _credit(entry.author),
        "submitted_by": _credit(entry.submitted_by), "reviewed_by": _credit(entry.reviewed_by),
        "reason": entry.reason, "helpful": entry.helpful, "deadline": _time(entry.deadline),
        "link": entry.link, "created_at": _time(entry.created_at),
        "updated_at": _time(entry.updated_at), "published_at": _time(entry.published_at),
        "versions": [revision_json(r) for r in revisions],
    }


class _Reader:
    """Typed access to one JSON object, naming the path of any bad field."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise BadExport(f"{path}: an object was expected")
        self.data, self.path = data, path

    def text(self, key: str, limit: int, *, optional: bool = False,
             empty: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
            raise BadExport(f"{self.path}.{key}: text of at most {limit} characters expected")
        return value

    def need(self, key: str, limit: int, *, empty: bool = False) -> str:
        value = self.text(key, limit, empty=empty)
        assert value is not None
        return value

    def integer(self, key: str, low: int) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise BadExport(f"{self.path}.{key}: a whole number of at least {low} expected")
        return value

    def moment(self, key: str, *, optional: bool = False) -> datetime | None:
        value = self.text(key, 40, optional=optional)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise BadExport(f"{self.path}.{key}: a date and time with its UTC offset expected")
        return parsed

    def credit(self, key: str, *, optional: bool = False) -> Credit | None:
        if self.data.get(key) is None and optional:
            return None
        inner = _Reader(self.data.get(key), f"{self.path}.{key}")
        return Credit(inner.need("key", 100), inner.need("name", 256))

    def choice(self, key: str, kind: Any) -> Any:
        try:
            return kind(self.data.get(key))
        except ValueError:
            raise BadExport(f"{self.path}.{key}: one of {', '.join(k.value for k in kind)} "
                            "expected") from None

    def tags(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or len(value) > TAGS_MAX:
            raise BadExport(f"{self.path}.{key}: a list of at most {TAGS_MAX} tags expected")
        tags = []
        for i, tag in enumerate(value):
            try:
                tags.append(parse_tag(tag) if isinstance(tag, str) else "")
            except UserError:
                tags.append("")
            if not tags[-1] or tags[-1] != tag:
                raise BadExport(f"{self.path}.{key}[{i}]: not a valid tag")
        return tuple(tags)

    def uid(self, key: str) -> str:
        value = self.need(key, 32)
        if not _UID.fullmatch(value):
            raise BadExport(f"{self.path}.{key}: letters, digits, - and _ expected")
        return value


def _revision(data: Any, path: str) -> Revision:
    r = _Reader(data, path)
    editor = r.credit("editor")
    at = r.moment("at")
    assert editor is not None and at is not None
    return Revision(
        entry_id=0, version=r.integer("version", 1), base_version=r.integer("base_version", 0),
        title=r.need("title", TITLE_MAX), body=r.need("body", BODY_MAX), tags=r.tags("tags"),
        language=r.need("language", 8), state=r.choice("state", RevisionState), editor=editor,
        at=at, note=r.text("note", 1000, optional=True, empty=True))


def _entry(data: Any, path: str) -> Imported:
    r = _Reader(data, path)
    author, submitted = r.credit("author"), r.credit("submitted_by")
    created, updated = r.moment("created_at"), r.moment("updated_at")
    assert author and submitted and created and updated
    link = r.text("link", LINK_MAX, optional=True)
    if link is not None and not link.lower().startswith(("https://", "http://")):
        raise BadExport(f"{path}.link: a web link expected")
    entry = Entry(
        id=0, uid=r.uid("uid"), community_id=0, group_id=0, title=r.need("title", TITLE_MAX),
        body=r.need("body", BODY_MAX), tags=r.tags("tags"), language=r.need("language", 8),
        status=r.choice("status", EntryStatus), kind=r.choice("kind", EntryKind),
        author=author, submitted_by=submitted, version=r.integer("version", 1),
        created_at=created, updated_at=updated,
        published_at=r.moment("published_at", optional=True),
        deadline=r.moment("deadline", optional=True), link=link,
        helpful=r.integer("helpful", 0), reviewed_by=r.credit("reviewed_by", optional=True),
        reason=r.text("reason", 1000, optional=True, empty=True))
    versions = data.get("versions")
    if not isinstance(versions, list) or not 1 <= len(versions) <= VERSIONS_MAX:
        raise BadExport(f"{path}.versions: a list of 1 to {VERSIONS_MAX} versions expected")
    revisions = tuple(_revision(v, f"{path}.versions[{i}]") for i, v in enumerate(versions))
    if len({v.version for v in revisions}) != len(revisions):
        raise BadExport(f"{path}.versions: a version number appears twice")
    if entry.kind == EntryKind.OPPORTUNITY and entry.deadline is None:
        raise BadExport(f"{path}.deadline: an opportunity needs a deadline")
    return Imported(entry, r.uid("group"), revisions)


def parse_export(raw: bytes) -> list[Imported]:
    """Every entry of a JSON export; BadExport at the first problem."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadExport("not JSON text") from None
    _Reader(data, "file")  # an object at the top, or BadExport
    if data.get("format") != FORMAT:
        raise BadExport(f"file.format: {FORMAT} expected")
    entries = data.get("entries")
    if not isinstance(entries, list) or len(entries) > ENTRIES_MAX:
        raise BadExport(f"file.entries: a list of at most {ENTRIES_MAX} entries expected")
    items = [_entry(e, f"entries[{i}]") for i, e in enumerate(entries)]
    if len({i.entry.uid for i in items}) != len(items):
        raise BadExport("entries: a uid appears twice")
    return items

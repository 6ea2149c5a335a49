"""Outbox sources: each shape declared once, its text exactly what databases already hold."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram.outbound import TELEGRAM_REPLY
from bot.jobs import BadRef
from bot.records import DeliveryOp
from bot.sources import (
    DIGEST,
    KB_ENTRY,
    LINK,
    MEETING_CARD,
    MEETING_REMINDER,
    MEETING_SAY,
    MINUTES,
    MINUTES_ACTION,
    NOTICE_AUTHOR,
    NOTICE_COPY,
    NOTICE_REPORT,
    POLL_CARD,
    POLL_RESULTS,
    MeetingDate,
    Source,
    SourceRef,
    declared,
)

ROOT = Path(__file__).resolve().parents[2]
OCC = "20260116T1800"

# Every shape, a ref, and the text stored for it. Outbox rows are matched by these strings:
# changing one orphans the copies already sent (edits and deletions would no longer reach them).
PINNED: dict[str, tuple[Source[Any], Any, str]] = {
    "mtg:<ref>:say": (MEETING_SAY, 5, "mtg:5:say"),
    "mtg:<ref>": (MEETING_CARD, MeetingDate(5, OCC), f"mtg:5:{OCC}"),
    "mtg:<ref>:rem": (MEETING_REMINDER, MeetingDate(5, OCC), f"mtg:5:{OCC}:rem"),
    "minutes:<ref>": (MINUTES, 3, "minutes:3"),
    "minutes:<ref>:act": (MINUTES_ACTION, 3, "minutes:3:act"),
    "poll:<ref>": (POLL_CARD, 12, "poll:12"),
    "poll:<ref>:results": (POLL_RESULTS, 12, "poll:12:results"),
    "notice:<ref>": (NOTICE_COPY, 4, "notice:4"),
    "notice-report:<ref>": (NOTICE_REPORT, 4, "notice-report:4"),
    "kb:<ref>": (KB_ENTRY, 8, "kb:8"),
    "digest:<ref>": (DIGEST, 21, "digest:21"),
    "link:<ref>": (LINK, 2, "link:2"),
}
FIXED = {"notice-author": NOTICE_AUTHOR, "telegram-reply": TELEGRAM_REPLY}


def test_every_declared_shape_is_pinned() -> None:
    assert set(declared()) == set(PINNED) | set(FIXED)
    for name, ref in FIXED.items():
        assert declared()[name] is ref
        assert ref.text == name


@pytest.mark.parametrize("name", sorted(PINNED))
def test_a_shape_writes_the_stored_text_and_reads_it_back(name: str) -> None:
    shape, ref, text = PINNED[name]
    assert declared()[name] is shape
    assert shape.of(ref) == SourceRef(text)
    assert shape.parse(text) == ref
    assert shape.of(shape.parse(text)).text == text


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_copies_edits_deletions_and_unpins_have_their_stored_text(name: str) -> None:
    shape, ref, text = PINNED[name]
    copies = shape.of(ref)
    assert copies.edits.text == f"{text}:edit"
    assert copies.deletions.text == f"{text}:delete"
    assert copies.unpins.text == f"{text}:unpin"
    assert [copies.after(op).text for op in (DeliveryOp.EDIT, DeliveryOp.DELETE,
                                             DeliveryOp.UNPIN)] == [
        f"{text}:edit", f"{text}:delete", f"{text}:unpin"]
    with pytest.raises(ValueError):
        copies.after(DeliveryOp.SEND)


def test_keys_made_from_a_source_are_the_keys_already_stored() -> None:
    assert POLL_CARD.of(12).key("r30") == "poll:12:r30"
    assert POLL_CARD.of(12).key("delete") == "poll:12:delete"
    assert POLL_RESULTS.of(12).key("delete") == "poll:12:results:delete"
    assert NOTICE_COPY.of(4).key(31) == "notice:4:31"
    assert NOTICE_COPY.of(4).key("r2", 31) == "notice:4:r2:31"
    assert NOTICE_COPY.of(4).key("unpin", 31) == "notice:4:unpin:31"
    assert NOTICE_COPY.of(4).key("author", "expired") == "notice:4:author:expired"
    assert NOTICE_REPORT.of(4).key("t9") == "notice-report:4:t9"
    assert MEETING_CARD.of(MeetingDate(5, OCC)).key("card") == f"mtg:5:{OCC}:card"
    assert MEETING_CARD.of(MeetingDate(5, OCC)).key("r7") == f"mtg:5:{OCC}:r7"
    assert MINUTES.of(3).key("start") == "minutes:3:start"
    assert MINUTES.of(3).key("t11") == "minutes:3:t11"
    assert KB_ENTRY.of(8).key("v2", "approved") == "kb:8:v2:approved"


def test_the_notice_prefix_is_what_the_storage_join_needs() -> None:
    # storage/repos/notices.py joins deliveries on prefix || id.
    assert NOTICE_COPY.suffix is None
    assert NOTICE_COPY.prefix + "12" == NOTICE_COPY.of(12).text


@pytest.mark.parametrize(("shape", "text"), [
    (POLL_CARD, "poll:12:results"), (POLL_CARD, "poll:"), (POLL_CARD, "poll"),
    (POLL_CARD, "notice:12"), (POLL_CARD, "poll:-1"), (POLL_CARD, "poll:012"),
    (POLL_RESULTS, "poll:12"), (POLL_RESULTS, "poll::results"), (MEETING_SAY, "mtg:5"),
    (MEETING_CARD, "mtg:5"), (MEETING_CARD, f"mtg:x:{OCC}"), (MEETING_REMINDER, f"mtg:5:{OCC}"),
    (NOTICE_COPY, "notice-report:4"), (NOTICE_REPORT, "notice:4"), (MINUTES, "minutes:3:act"),
])
def test_a_text_of_another_shape_is_refused(shape: Source[Any], text: str) -> None:
    with pytest.raises(BadRef):
        shape.parse(text)


@pytest.mark.parametrize(("shape", "ref"), [
    (POLL_CARD, -1), (POLL_CARD, True), (POLL_CARD, "12"),
    (MEETING_CARD, MeetingDate(5, "")), (MEETING_CARD, MeetingDate(5, "a:b")),
])
def test_a_ref_of_the_wrong_shape_is_refused(shape: Source[Any], ref: Any) -> None:
    with pytest.raises(ValueError):
        shape.of(ref)


def test_a_shape_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Source("poll", POLL_CARD.codec)


# -- nothing else writes a source ----------------------------------------------------------

# Calls whose first argument is a source.
_TAKES_SOURCE = {"by_source", "cancel_pending", "edit_everywhere", "edit_deliveries",
                 "unsent_copies"}


def _hand_made(node: ast.AST) -> bool:
    """Text written in place: a literal, an f-string, or a sum or call made of them."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _hand_made(node.left) or _hand_made(node.right)
    if isinstance(node, ast.Call):
        return any(_hand_made(a) for a in node.args)
    return False


def _names_a_source(node: ast.AST) -> bool:
    # An attribute only: a variable named `source` may be a file (bot/cli.py).
    return isinstance(node, ast.Attribute) and node.attr == "source"


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def hand_made_sources(tree: ast.AST) -> list[int]:
    """The lines of `tree` that write a source instead of taking it from bot/sources.py."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "source" and _hand_made(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Call):
            name = _called(node)
            if name == "SourceRef" or (name in _TAKES_SOURCE
                                       and any(_hand_made(a) for a in node.args)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Compare):
            # storage: DeliveryRow.source == "..."
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "source" for s in sides) \
                    and any(_hand_made(s) for s in sides):
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign) and _hand_made(node.value) and any(
                isinstance(t, ast.Name) and t.id == "source" for t in node.targets):
            lines.append(node.lineno)
        elif isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.FormattedValue) and _names_a_source(v.value)
                for v in node.values):
            # f"{poll.source}:results": a derived source (or key) spliced by hand
            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_scan_finds_what_it_looks_for() -> None:
    found = hand_made_sources(ast.parse(
        'NewDelivery(1, {}, key="k", source=f"poll:{poll.id}")\n'
        'NewDelivery(1, {}, key="k", source="notice-author")\n'
        'x(source=poll.source + ":edit")\n'
        'await outbox.by_source(f"{poll.source}:edit")\n'
        'await edit_everywhere(services, "poll:" + str(n), render, key="k")\n'
        'select(DeliveryRow).where(DeliveryRow.source == f"notice:{notice_id}")\n'
        'join(DeliveryRow, DeliveryRow.source == literal("notice:") + cast(NoticeRow.id, String))\n'
        'source = f"mtg:{meeting.id}:{occ.key}:rem"\n'
        'SourceRef(text)\n'
        'for source in (poll.source, f"{poll.source}:results"): pass\n'
        'key = f"{notice.source}:r{rev}"\n'
        'NewDelivery(1, {}, key=f"k{n}", source=POLL_CARD.of(poll.id))\n'
        'select(DeliveryRow).where(DeliveryRow.source == source.text)\n'
        'join(DeliveryRow, DeliveryRow.source == literal(NOTICE_COPY.prefix) + cast(i, String))\n'
    ))
    assert found == list(range(1, 12))


@pytest.mark.parametrize("package", ["bot", "adapters", "scheduling", "storage"])
def test_no_module_writes_a_source_by_hand(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == ROOT / "bot" / "sources.py":
            continue
        for line in hand_made_sources(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offenders, "declare the source in bot/sources.py instead: " + ", ".join(
        offenders)

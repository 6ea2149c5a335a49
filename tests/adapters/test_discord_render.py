"""RichText → Discord Markdown: escaping in one place, splitting, embeds and buttons."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.commands import parse
from adapters.discord.compose import compose
from adapters.discord.messenger import nonce_for
from adapters.discord.render import MAX_CONTENT, escape, render, split, utf16_len
from adapters.discord.views import modal_values, view_for
from bot.replies import Button, Document, Reply
from bot.richtext import (
    Code,
    Link,
    Timestamp,
    block,
    bold,
    bullets,
    doc,
    italic,
    line,
    strike,
    text,
)


def test_formatting_becomes_discord_markdown() -> None:
    body = doc(line(bold("Meeting"), " on ", Timestamp(1767600000, "Jan 5"), " — ",
                    italic("bring ", strike("nothing")), " ", Code("/link K7QM-3XPA")),
               Link("the agenda", "https://example.org/a_(b)"))
    assert render(body) == ("**Meeting** on <t:1767600000:F> — *bring ~~nothing~~* "
                            "`/link K7QM-3XPA`\n\n[the agenda](https://example.org/a_%28b%29)")


def test_user_text_cannot_format_ping_or_hide_links() -> None:
    hostile = ("**bold** _it_ ~~x~~ `code` ||spoiler|| @everyone @Here <@123> <@!4> <@&5> "
               "<#6> </cmd:7> [click](https://evil.example) \\")
    rendered = render(doc(hostile))
    for raw in ("**bold**", "_it_", "~~x~~", "`code`", "||spoiler||", "[click](https"):
        assert raw not in rendered
    assert "@everyone" not in rendered and "@Here" not in rendered
    assert not re.search(r"<[@#/]", rendered)
    assert rendered.endswith("\\\\")


def test_line_starts_cannot_make_headings_quotes_or_lists() -> None:
    rendered = render(text("# Title\n> quote\n- item\n-# small\n1. first\n  + nested"))
    assert rendered.splitlines() == ["\\# Title", "\\> quote", "\\- item", "\\-# small",
                                     "1\\. first", "  \\+ nested"]
    # A newline inside user text starts a line too.
    assert render(doc(line("ok", "\n# no"))) == "ok\n\\# no"
    # Our own bullets and text in the middle of a line are left alone.
    assert render(doc(bullets(["a - b"]))) == "• a - b"


def test_links_code_and_timestamps_stay_safe() -> None:
    # Only http(s) links become links; anything else is shown, inert.
    assert render(doc(Link("x", "javascript:alert(1)"))) == "x (javascript:alert(1))"
    assert render(doc(Link("[a](b)", "ftp://h"))) == "\\[a\\](b) (ftp://h)"
    assert render(doc(Link("https://a.example", "https://a.example"))) == "https://a.example"
    assert render(doc(Code("a`b"))) == "`aˋb`"
    assert render(doc(Timestamp(10, "fallback", style="bogus"))) == "<t:10:F>"


def test_a_2500_character_body_splits_at_a_paragraph() -> None:
    first, second = "a" * 1500, "b" * 1000
    parts = split(doc(first, second))
    assert parts == [first, second]


def test_an_overlong_line_splits_at_spaces_and_never_breaks_an_escape() -> None:
    words = " ".join(["palabra*"] * 500)  # 4,999 characters once each * is escaped
    parts = split(doc(words))
    assert len(parts) == 3
    assert all(utf16_len(p) <= MAX_CONTENT for p in parts)
    assert all(not p.endswith("\\") for p in parts)
    assert "".join(parts).count("\\*") == 500


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=900), min_size=1, max_size=8))
def test_split_parts_always_fit_and_keep_every_character(paragraphs: list[str]) -> None:
    body = doc(*[block(*(p.split("\n") or [""])) for p in paragraphs])
    parts = split(body)
    assert all(utf16_len(p) <= MAX_CONTENT for p in parts)
    squeezed = re.sub(r"\s", "", "".join(parts))
    assert squeezed == re.sub(r"\s", "", render(body))


def test_escape_is_idempotent_for_plain_words() -> None:
    assert escape("hola mundo") == "hola mundo"


def test_cards_become_embeds_with_a_title_and_buttons_go_last() -> None:
    reply = Reply(doc(line(bold("Asamblea *general*")), "Viernes 18:00"), card=True,
                  buttons=((Button("Voy", "rsvp:1:y"), Button("Web", url="https://x.example")),))
    [part] = compose(reply)
    assert part.content is None
    embed = part.embeds[0]
    assert embed.title == "Asamblea \\*general\\*" and embed.description == "Viernes 18:00"
    assert part.view is not None
    assert [getattr(c, "custom_id", None) for c in part.view.children] == ["rsvp:1:y", None]


def test_long_card_falls_back_to_split_text_with_buttons_on_the_last_part() -> None:
    reply = Reply(doc("x" * 1900, "y" * 1900, "z" * 1900), card=True,
                  buttons=((Button("OK", "ok:1"),),), document=Document("a.ics", b"data"))
    parts = compose(reply)
    assert [p.content[0] for p in parts if p.content] == ["x", "y", "z"]
    assert parts[-1].view is not None and parts[0].view is None
    assert [f.filename for f in parts[0].files] == ["a.ics"]


def test_edit_with_fewer_parts_folds_the_overflow() -> None:
    parts = compose(Reply(doc("x" * 1900, "y" * 1900, "z" * 1900)), max_parts=2)
    assert len(parts) == 2
    assert parts[1].content is not None and parts[1].content.endswith("…")


def test_buttons_wrap_rows_of_five_and_drop_duplicates_and_overflow() -> None:
    row = tuple(Button(str(i), f"b:{i}") for i in range(12))
    view = view_for((row, (Button("dup", "b:0"),), *[(Button("r", f"r:{i}"),) for i in range(5)]))
    assert view is not None
    ids = [c.custom_id for c in view.children]  # type: ignore[attr-defined]
    assert ids[:12] == [f"b:{i}" for i in range(12)]
    assert "b:0" not in ids[12:]
    assert len({c.row for c in view.children}) == 5  # type: ignore[attr-defined]
    assert view_for(()) is None
    assert view_for(((Button("x", url="javascript:alert(1)"),),)) is None


def test_nonce_is_deterministic_and_short() -> None:
    assert nonce_for("d42", 0) == "d42.0"
    long = nonce_for("notice:123456789:chat:987654321", 1)
    assert long is not None and len(long) <= 25 and long.endswith(".1")
    assert long == nonce_for("notice:123456789:chat:987654321", 1)
    assert nonce_for(None, 0) is None


def test_parse_application_command_payloads() -> None:
    assert parse({"name": "help"}) == ("help", {})
    data = {"name": "meeting", "options": [{"name": "agenda", "type": 2, "options": [
        {"name": "add", "type": 1, "options": [{"name": "text", "type": 3, "value": "x"}]}]}]}
    assert parse(data) == ("meeting agenda add", {"text": "x"})


def test_modal_values_reads_rows_and_labels() -> None:
    data = {"custom_id": "f:x", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "title", "value": "Hola"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "body", "value": "a\nb"}}]}
    assert modal_values(data) == {"title": "Hola", "body": "a\nb"}

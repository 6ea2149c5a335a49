"""RichText → Telegram HTML: escaping in one place, and splits that never cut formatting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.telegram.render import MAX_TEXT, render, split, toast, units
from bot.richtext import (
    Block,
    Code,
    Link,
    RichText,
    Timestamp,
    block,
    bold,
    doc,
    italic,
    line,
    strike,
    text,
)
from tests.fakes.telegram_updates import entity_text, parse_html


def parsed(html: str) -> tuple[str, list[dict[str, object]]]:
    """What Telegram shows for our HTML (TDLib's parser, as the fake implements it)."""
    return parse_html(html)


def test_user_text_is_escaped_and_shown_literally() -> None:
    hostile = "<b>bold?</b> & <script>alert(1)</script> &amp; <a href='x'>"
    html = render(doc(line("Saved: ", bold(hostile))))
    shown, entities = parsed(html)
    assert shown == f"Saved: {hostile}"
    assert [e["type"] for e in entities] == ["bold"]
    assert entity_text(shown, entities[0]) == hostile


def test_formatting_nodes_become_entities() -> None:
    body = doc(line(bold("b ", italic("bi")), " ", strike("s"), " ", Code("<x>"), " ",
                    Link("site", "https://example.org/?a=1&b=\"2\""), " ",
                    Timestamp(0, "1 Jan 1970")))
    shown, entities = parsed(render(body))
    assert shown == "b bi s <x> site 1 Jan 1970"
    kinds = {e["type"]: entity_text(shown, e) for e in entities}
    assert kinds == {"bold": "b bi", "italic": "bi", "strikethrough": "s", "code": "<x>",
                     "text_link": "site"}
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://example.org/?a=1&b=\"2\""


def test_unsafe_links_are_shown_as_text_not_links() -> None:
    shown, entities = parsed(render(doc(line(Link("click", "javascript:alert(1)")))))
    assert shown == "click (javascript:alert(1))" and entities == []


def test_toasts_are_cut_to_telegrams_limit() -> None:
    assert toast("short") == "short"
    assert len(toast("x" * 500)) == 200


def test_a_10000_character_reply_is_split_at_paragraphs() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 180 for i in range(11)]
    body = RichText(tuple(block(line(bold(f"Title {i}")), p) for i, p in enumerate(paragraphs)))
    assert len(body.plain()) > 10_000
    parts = split(body)
    assert len(parts) == 3
    shown = [parsed(p)[0] for p in parts]
    assert all(units(s) <= MAX_TEXT for s in shown)
    # Every part starts with a paragraph's bold title: the cuts fell between paragraphs.
    assert all(s.startswith("Title ") for s in shown)
    assert "\n\n".join(shown) == body.plain()


def test_one_huge_paragraph_is_split_at_lines() -> None:
    lines = [line(f"{i:04d} ", bold("x" * 90)) for i in range(120)]
    parts = split(RichText((Block(tuple(lines)),)))
    assert len(parts) > 1
    for part in parts:
        shown, entities = parsed(part)
        assert units(shown) <= MAX_TEXT
        assert all(len(row) == 95 for row in shown.split("\n"))  # whole lines only
        assert len(entities) == shown.count("\n") + 1


def test_one_huge_line_is_split_between_words_inside_formatting() -> None:
    words = " ".join(f"w{i:05d}" for i in range(1500))  # ~10,500 characters, no line break
    parts = split(doc(line("start ", bold(italic(words)), " end")))
    assert len(parts) == 3
    rebuilt = []
    for part in parts:
        shown, entities = parsed(part)  # well-formed on its own
        assert units(shown) <= MAX_TEXT
        assert {e["type"] for e in entities} <= {"bold", "italic"}
        rebuilt.append(shown)
    assert " ".join(rebuilt).split() == f"start {words} end".split()


def test_a_word_longer_than_a_message_is_cut_inside_the_word() -> None:
    body = doc(line(Code("&" * 9000)))
    parts = split(body)
    shown = [parsed(p)[0] for p in parts]
    assert [len(s) for s in shown] == [4096, 4096, 808]
    assert "".join(shown) == "&" * 9000


def test_astral_characters_count_as_two() -> None:
    parts = split(text("🎉" * 3000))
    assert [units(parsed(p)[0]) for p in parts] == [4096, 1904]


def test_empty_bodies_give_no_parts() -> None:
    assert split(RichText(())) == []
    assert split(text("  \n\n ")) == []


_words = st.text(alphabet=st.sampled_from("ab <>&\"'é🎉\n"), min_size=0, max_size=60)
_inline = st.one_of(
    _words,
    _words.map(lambda s: bold(s)),
    _words.map(lambda s: italic(bold(s))),
    _words.map(Code),
    _words.map(lambda s: Link(s or "x", "https://example.org/a?b=<c>")),
)
_lines = st.lists(_inline, max_size=6).map(lambda pieces: line(*pieces))
_bodies = st.lists(st.lists(_lines, min_size=1, max_size=6).map(lambda ls: Block(tuple(ls))),
                   max_size=8).map(lambda bs: RichText(tuple(bs)))


@settings(max_examples=150, deadline=None)
@given(_bodies, st.integers(min_value=8, max_value=200))
def test_any_body_splits_into_well_formed_parts_that_keep_every_word(
        body: RichText, limit: int) -> None:
    parts = split(body, limit)
    shown = [parsed(p)[0] for p in parts]  # raises if a part is not valid Telegram HTML
    assert all(units(s) <= limit for s in shown)
    assert "".join("".join(shown).split()) == "".join(body.plain().split())

"""Text rules of the knowledge base: cleaning, tags, search words, query quoting, snippets."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.context import UserError
from bot.features.knowledge.text import (
    BODY_MAX,
    check_body,
    check_link,
    check_title,
    clean_text,
    fold,
    parse_tag,
    parse_tags,
    search_terms,
    snippet,
    split_link,
    split_tags,
    title_from,
)
from storage.repos.kb_search import fts5_query, tsquery_text


def test_fold_removes_latin_diacritics_and_keeps_other_scripts() -> None:
    assert fold("Pasaporté CAFÉ Ñandú São") == "pasaporte cafe nandu sao"
    assert fold("हिंदी") == "हिंदी"
    assert fold("مَرحبا") == "مَرحبا"
    assert fold("أحمد") == "أحمد"


def test_search_terms_keep_only_words() -> None:
    assert search_terms('"NEAR( *\'; DROP TABLE kb_entries; --') == [
        "near", "drop", "table", "kb", "entries"]
    assert search_terms("Pasaporté pasaporte PASAPORTE") == ["pasaporte"]
    assert search_terms("*** \" ( )") == []
    assert search_terms("पासपोर्ट नवीनीकरण") == ["पासपोर्ट", "नवीनीकरण"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_fts_queries_quote_every_term() -> None:
    assert fts5_query(["near", "abc"], any_term=False) == '"near"* AND "abc"'
    assert tsquery_text(["near", "abc"], any_term=True) == "'near':* | 'abc'"
    # Terms never hold quotes (search_terms drops them), but quoting still doubles them.
    assert fts5_query(['ab"cd'], any_term=False) == '"ab""cd"*'
    assert tsquery_text(["ab'cd"], any_term=False) == "'ab''cd':*"


WORDS = st.text(alphabet=st.sampled_from(
    "abcxyzABCÉéèçñÑãõüß0129 -'\"*():;^{}.,!?#\\पासोर्टनवीकरणجوازالسفرأإآ"), max_size=40)


def _fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61 remove_diacritics 2')")
    return db


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_no_query_is_ever_fts5_syntax(query: str) -> None:
    terms = search_terms(query)
    db = _fts()
    for any_term in (False, True):
        if terms:
            db.execute("SELECT rowid FROM f WHERE f MATCH ?", (fts5_query(terms, any_term),))
    db.close()


@settings(max_examples=150, deadline=None)
@given(WORDS)
def test_every_word_of_a_text_finds_it(value: str) -> None:
    terms = search_terms(value)
    db = _fts()
    db.execute("INSERT INTO f VALUES (?)", (value,))
    for any_term in (False, True):
        if terms:
            rows = db.execute("SELECT rowid FROM f WHERE f MATCH ?",
                              (fts5_query(terms, any_term),)).fetchall()
            assert rows == [(1,)], (value, terms)
    db.close()


def test_tags_accept_words_and_refuse_spaces_and_emoji() -> None:
    assert parse_tags("#Visa #pasaporté, #visa") == ("visa", "pasaporté")
    assert parse_tags("visa, housing rent") == ("visa", "housing", "rent")
    assert parse_tags("") == ()
    assert parse_tag("#covid-19") == "covid-19"
    assert parse_tag("पासपोर्ट") == "पासपोर्ट"
    for bad, words in (("#my tag", "#my-tag"), ("#🎉", "only letters"),
                       ("#visa🎉", "only letters"), ("visa #x", "Start every tag"),
                       ("#", "at least one"), ("#--", "only letters"),
                       ("#" + "a" * 40, "at most")):
        with pytest.raises(UserError) as err:
            parse_tags(bad)
        assert words in err.value.message, bad
    with pytest.raises(UserError, match="10 tags"):
        parse_tags(" ".join(f"#t{i}" for i in range(11)))


def test_titles_bodies_and_links_are_checked() -> None:
    assert check_title("  Renew \n your  passport ") == "Renew your passport"
    assert check_body("a\r\n\n\n\nb\x00\u202e c") == "a\n\nb c"
    with pytest.raises(UserError, match="empty"):
        check_body(" \n ")
    with pytest.raises(UserError, match="50,000"):
        check_body("x" * 50_000)
    assert len(check_body("x" * BODY_MAX)) == BODY_MAX
    with pytest.raises(UserError, match="too long"):
        check_title("t" * 121)
    assert check_link("https://example.org/a?b=1") == "https://example.org/a?b=1"
    with pytest.raises(UserError):
        check_link("javascript:alert(1)")
    assert split_link("31 December https://x.org/a") == ("31 December", "https://x.org/a")
    assert split_link("31 December") == ("31 December", None)
    assert split_tags("Consulate hours #consulate #hours") == ("Consulate hours",
                                                               ("consulate", "hours"))
    assert title_from("First line\nsecond") == "First line"
    assert title_from("word " * 30).endswith("…")
    assert clean_text("a\tb") == "a b"


def test_snippet_marks_matches_around_the_first_one() -> None:
    body = ("Lorem ipsum dolor sit amet. " * 12) + "Bring your old Pasaporté and a photo. " \
        + "Tail text. " * 20
    pieces = snippet(body, ["pasaporte"], width=80)
    assert ("Pasaporté", True) in pieces
    assert pieces[0] == ("… ", False) and pieces[-1] == (" …", False)
    joined = "".join(p for p, _m in pieces)
    assert len(joined) < 100
    assert snippet("short text", ["zzz"]) == [("short text", False)]
    renew = snippet("We are renewing documents", ["renew"])
    assert ("renewing", True) in renew

"""Text rules of the knowledge base: cleaning input, tags, search words and snippets.

Matching here follows the search indexes: case and Latin diacritics fold
("Pasaporté" reads "pasaporte"), words are runs of letters, digits and
combining marks, and everything else (quotes, `*`, `NEAR(`, `;`) separates
words, so a query can never carry search syntax into the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.context import UserError
from bot.fmt import number
from bot.i18n import _

TITLE_MAX = 120
BODY_MAX = 4000
TAG_MAX = 32
TAGS_MAX = 10
LINK_MAX = 500
QUERY_TERMS_MAX = 8
TERM_MAX = 40
# Terms this long or longer also find longer words ("renew" finds "renewing"); the
# SQLite index keeps prefixes of 4 to 6 characters for this (migration 0005).
PREFIX_FROM = 4

_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0]+")
_LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


def clean_text(value: str) -> str:
    """NFC text without control characters; at most one blank line in a row."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for ch in value:
        if ch == "\n":
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) == "Cc" or ch in "\u202a\u202b\u202c\u202d\u202e":
            continue
        else:
            kept.append(ch)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(value: str) -> str:
    """`clean_text` on one line (titles)."""
    return " ".join(clean_text(value).split())


def _is_word_char(ch: str, inside: bool) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or (inside and cat[0] == "M")


@cache
def _word_pattern() -> re.Pattern[str]:
    """A word: a letter or digit, then letters, digits and combining marks."""
    marks: list[str] = []
    # Combining marks live in planes 0-1 and in plane 14's variation selectors.
    for low, high in ((0, 0x20000), (0xE0000, 0xE1000)):
        start = None
        for code in range(low, high + 1):
            is_mark = code < high and unicodedata.category(chr(code))[0] == "M"
            if is_mark and start is None:
                start = code
            elif not is_mark and start is not None:
                marks.append(f"\\U{start:08x}-\\U{code - 1:08x}")
                start = None
    return re.compile(f"[^\\W_](?:[^\\W_]|[{''.join(marks)}])*")


def fold(value: str) -> str:
    """Lower case without the diacritics of Latin letters (é → e, Ñ → n), as the indexes do.

    Other scripts keep their marks (Arabic hamza and short vowels, Devanagari
    signs): SQLite's unicode61 and PostgreSQL's unaccent leave them too.
    """
    if value.isascii():
        return value.lower()
    out = []
    for ch in unicodedata.normalize("NFC", value):
        parts = unicodedata.normalize("NFKD", ch)
        if parts != ch and unicodedata.name(parts[0], "").startswith("LATIN"):
            out.append("".join(p for p in parts if unicodedata.category(p) != "Mn"))
        else:
            out.append(ch)
    return "".join(out).lower()


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text: where it is and its folded form."""

    start: int
    end: int
    folded: str


def words(value: str) -> list[Word]:
    """The words of a text with their positions."""
    return [Word(m.start(), m.end(), fold(m.group())) for m in _word_pattern().finditer(value)]


def search_terms(query: str) -> list[str]:
    """The folded words of a query, each once, at most a few (nothing else survives)."""
    terms: list[str] = []
    for word in words(unicodedata.normalize("NFC", query[:1000])):
        term = word.folded[:TERM_MAX]
        if term and term not in terms:
            terms.append(term)
        if len(terms) == QUERY_TERMS_MAX:
            break
    return terms


# Words so frequent in questions that they only slow a search down and blur its
# ranking ("how do I renew my passport here" searches for renew and passport).
# Folded forms; a query made only of these is searched as it is.
_STOPWORDS = """
a an and are as at be by can do does for from have how i in is it me my of on or our
so that the there this to was we what when where which who why will with you your
al como con cual cuando de del donde el en es hay la las lo los me mi mis para por que
quien se si sobre su sus un una y yo
au aux avec ce ces dans des du est et il je la le les leur ma mes mon ne nous ou par
pas pour quand quel quelle qui sa se ses son sur une vous
ao aos as com da das de do dos e em eu na nas no nos o os ou para pela pelo por qual
quando que se seu sua um uma voce
في من على إلى الى عن هل كيف ما ماذا هذا هذه أن ان مع أو او
का के की है हैं में और से को मैं मेरा मेरी कैसे क्या यह वह पर हूँ हो
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def informative(terms: list[str]) -> list[str]:
    """The terms that are not stop words (all of them when every one is)."""
    kept = [t for t in terms if t not in STOPWORDS]
    return kept or terms


def broad_terms(terms: list[str]) -> list[str]:
    """The terms worth matching one by one: one or two letters say little on their own."""
    long = [t for t in terms if len(t) >= 3]
    return long or terms


def is_prefix_term(term: str) -> bool:
    """True when the term also matches longer words."""
    return len(term) >= PREFIX_FROM


def matches(word: str, terms: list[str]) -> bool:
    """True when a folded word matches one of the terms as the search does."""
    return any(word == t or (is_prefix_term(t) and word.startswith(t)) for t in terms)


def tag_key(tag: str) -> str:
    """The form tags are compared in ("Pasaporté" and "#pasaporte" are one tag)."""
    return fold(tag.lstrip("#"))


def _check_tag(raw: str) -> str:
    tag = raw.strip().lstrip("#").strip()
    if not tag:
        raise UserError(_("A tag needs at least one letter or digit after #."))
    if any(ch.isspace() for ch in tag):
        suggestion = "-".join(tag.split())
        raise UserError(_("A tag is one word: write #{suggestion} instead of {tag}.",
                          suggestion=suggestion[:TAG_MAX], tag=tag[:TAG_MAX]))
    inner = tag.replace("-", "").replace("_", "")
    if not inner or not all(_is_word_char(ch, i > 0) for i, ch in enumerate(inner)):
        raise UserError(_("Tags can hold only letters, digits, - and _, not {tag}.",
                          tag=tag[:TAG_MAX]))
    if len(tag) > TAG_MAX:
        raise UserError(_("A tag can be {limit} characters long at most.",
                          limit=number(TAG_MAX)))
    return unicodedata.normalize("NFC", tag).lower()


def parse_tag(raw: str) -> str:
    """One tag as typed (`#visa`, `visa`), checked; UserError when it cannot be a tag."""
    return _check_tag(clean_line(raw))


def parse_tags(field: str) -> tuple[str, ...]:
    """Tags from a field like `#visa #pasaporte` or `visa, pasaporte`; UserError if bad."""
    field = clean_line(field)
    if not field:
        return ()
    if "#" in field:
        head, *rest = field.split("#")
        if head.strip(" ,"):
            raise UserError(_("Start every tag with #, like this: #visa #passport."))
        raw = [part.strip(" ,") for part in rest]
    else:
        raw = [part for part in re.split(r"[,\s]+", field) if part]
    tags: list[str] = []
    for item in raw:
        tag = _check_tag(item)
        if tag_key(tag) not in {tag_key(t) for t in tags}:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise UserError(_("An entry can have {limit} tags at most.", limit=number(TAGS_MAX)))
    return tuple(tags)


def check_title(raw: str) -> str:
    """A cleaned title; UserError when empty or too long."""
    title = clean_line(raw)
    if not title:
        raise UserError(_("The title is empty. Write it before the first |."))
    if len(title) > TITLE_MAX:
        raise UserError(_("The title is too long: {limit} characters at most (it has {count}).",
                          limit=number(TITLE_MAX), count=number(len(title))))
    return title


def check_body(raw: str) -> str:
    """A cleaned body; UserError when empty or too long."""
    body = clean_text(raw)
    if not body:
        raise UserError(_("The text is empty. Write it after the title and a |."))
    if len(body) > BODY_MAX:
        raise UserError(_("The text is too long: {limit} characters at most (it has {count}). "
                          "Split it into several entries.",
                          limit=number(BODY_MAX), count=number(len(body))))
    return body


def check_link(raw: str) -> str:
    """A web link (http or https); UserError otherwise."""
    link = raw.strip()
    if not _LINK.fullmatch(link) or len(link) > LINK_MAX:
        raise UserError(_("{link} is not a web link. Links start with https://.",
                          link=link[:80]))
    return link


def split_link(value: str) -> tuple[str, str | None]:
    """Text and a web link at its end, if any (`31 December https://x.org` → both)."""
    parts = value.rsplit(None, 1)
    if len(parts) == 2 and _LINK.fullmatch(parts[1]):
        return parts[0], parts[1]
    if len(parts) == 1 and _LINK.fullmatch(parts[0]):
        return "", parts[0]
    return value, None


def title_from(text: str) -> str:
    """A title made from a message: its first line, cut at a word near the limit."""
    first = clean_line(clean_text(text).split("\n", 1)[0])
    if len(first) <= 60:
        return first
    cut = first[:60].rsplit(" ", 1)[0] or first[:60]
    return cut + "…"


# -- snippets -----------------------------------------------------------------------

Segment = tuple[str, bool]


_FOLD_TABLE: dict[int, str] = {c: chr(c).lower() for c in range(ord("A"), ord("Z") + 1)}


def _aligned_fold(value: str) -> str:
    """`fold` one character at a time, so positions in the result match `value`."""
    if value.isascii():
        return value.lower()
    for ch in set(value):
        if ord(ch) not in _FOLD_TABLE:
            folded = fold(ch)
            _FOLD_TABLE[ord(ch)] = folded if len(folded) == 1 else ch
    return value.translate(_FOLD_TABLE)


def _first_match(flat: str, terms: list[str]) -> int | None:
    """Where the first word matching a term starts (a plain scan, then a word check)."""
    folded = _aligned_fold(flat)
    first: int | None = None
    for term in terms:
        at = folded.find(term)
        while at >= 0 and (first is None or at < first):
            head = words(flat[at:at + len(term) + 40])
            if (at == 0 or not _is_word_char(flat[at - 1], True)) and head \
                    and head[0].start == 0 and matches(head[0].folded, [term]):
                first = at
                break
            at = folded.find(term, at + 1)
    return first


def snippet(body: str, terms: list[str], width: int = 180) -> list[Segment]:
    """Part of `body` around the first match, as (text, is_match) pieces."""
    flat = " ".join(body.split())
    at = _first_match(flat, terms) if terms else None
    if at is None:
        if len(flat) <= width:
            return [(flat, False)]
        cut = flat[:width].rsplit(" ", 1)[0] or flat[:width]
        return [(cut + " …", False)]
    start = 0 if len(flat) <= width else max(0, at - width // 3)
    if start > 0:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < at else at
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", at, end)
        end = space if space > at else max(end, at + 1)
    pieces: list[Segment] = [("… ", False)] if start > 0 else []
    pos = start
    for word in words(flat[start:end]):
        if not matches(word.folded, terms):
            continue
        if start + word.start > pos:
            pieces.append((flat[pos:start + word.start], False))
        pieces.append((flat[start + word.start:start + word.end], True))
        pos = start + word.end
    if pos < end:
        pieces.append((flat[pos:end], False))
    if end < len(flat):
        pieces.append((" …", False))
    return pieces


def split_tags(value: str) -> tuple[str, tuple[str, ...]]:
    """Words and the `#tags` at their end (`Consulate hours #consulate` → both)."""
    words_ = value.split()
    cut = len(words_)
    while cut > 0 and words_[cut - 1].startswith("#"):
        cut -= 1
    return " ".join(words_[:cut]), parse_tags(" ".join(words_[cut:]))

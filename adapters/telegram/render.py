"""RichText → Telegram HTML: the only place the Telegram adapter escapes anything.

Long bodies are split into parts of at most 4,096 characters (counted as
Telegram counts them, in UTF-16 code units of the text after parsing): at a
paragraph boundary where one fits, else at a line boundary, else between
words; every part is well-formed HTML on its own, so no cut ever falls
inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from bot.richtext import (
    SEAL_MARK,
    Bold,
    Code,
    Inline,
    Italic,
    Line,
    Link,
    RichText,
    Seal,
    Strike,
    Text,
    Timestamp,
)
from bot.trust import inert, inert_tree

MAX_TEXT = 4096
MAX_TOAST = 200
_SAFE_SCHEMES = ("http://", "https://", "tg://")
_WORDS = re.compile(r"\S+\s*|\s+")
# One formatting wrapper: ("b", ""), ("code", ""), ("a", url).
Style = tuple[str, str]
Run = tuple[str, tuple[Style, ...]]


def units(value: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(value.encode("utf-16-le")) // 2


def escape(value: str) -> str:
    """Escape literal text for Telegram's HTML parse mode."""
    return html.escape(value, quote=False)


def safe_url(url: str) -> bool:
    """Only links Telegram accepts and that cannot run anything."""
    return url.lower().startswith(_SAFE_SCHEMES) and not any(c.isspace() for c in url)


def _open(style: Style) -> str:
    tag, arg = style
    return f'<a href="{html.escape(arg, quote=True)}">' if tag == "a" else f"<{tag}>"


def _close(style: Style) -> str:
    return f"</{style[0]}>"


def inline(node: Inline) -> str:
    """One inline node as HTML."""
    if isinstance(node, Seal):
        return SEAL_MARK
    if isinstance(node, Text):
        return escape(node.value)
    if isinstance(node, Code):
        return f"<code>{escape(node.value)}</code>"
    if isinstance(node, Timestamp):
        return escape(node.fallback)
    if isinstance(node, Link):
        if not safe_url(node.url):
            shown = node.label if node.label == node.url else f"{node.label} ({node.url})"
            return escape(shown)
        return f"{_open(('a', node.url))}{escape(node.label)}</a>"
    tag = {Bold: "b", Italic: "i", Strike: "s"}[type(node)]
    return f"<{tag}>{''.join(inline(c) for c in node.children)}</{tag}>"


def render_line(line: Line) -> str:
    """One line as HTML."""
    return "".join(inline(node) for node in line.children)


def render(body: RichText) -> str:
    """The whole body as one HTML string (no length limit applied)."""
    body = inert_tree(body)
    return "\n\n".join("\n".join(render_line(ln) for ln in b.lines) for b in body.blocks)


def label(value: str) -> str:
    """A button's label: plain text, inert (typed options become labels)."""
    return inert(value)


def toast(value: str) -> str:
    """A callback-query answer: plain text, inert, at most 200 characters."""
    value = inert(value)
    return value if len(value) <= MAX_TOAST else value[: MAX_TOAST - 1] + "…"


# -- splitting -----------------------------------------------------------------


def _runs(nodes: tuple[Inline, ...], styles: tuple[Style, ...] = ()) -> Iterator[Run]:
    for node in nodes:
        if isinstance(node, Seal):
            yield SEAL_MARK, styles
        elif isinstance(node, Text):
            yield node.value, styles
        elif isinstance(node, Code):
            yield node.value, (*styles, ("code", ""))
        elif isinstance(node, Timestamp):
            yield node.fallback, styles
        elif isinstance(node, Link):
            if safe_url(node.url):
                yield node.label, (*styles, ("a", node.url))
            else:
                yield (node.label if node.label == node.url
                       else f"{node.label} ({node.url})"), styles
        else:
            tag = {Bold: "b", Italic: "i", Strike: "s"}[type(node)]
            yield from _runs(node.children, (*styles, (tag, "")))


def _runs_html(runs: list[Run]) -> str:
    out: list[str] = []
    for value, styles in runs:
        if value:
            out.append("".join(_open(s) for s in styles) + escape(value)
                       + "".join(_close(s) for s in reversed(styles)))
    return "".join(out)


def _hard_pieces(value: str, limit: int) -> Iterator[str]:
    piece: list[str] = []
    size = 0
    for ch in value:
        n = units(ch)
        if size + n > limit:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(ch)
        size += n
    if piece:
        yield "".join(piece)


def split_line(line: Line, limit: int = MAX_TEXT) -> list[tuple[str, int]]:
    """A line too long for one message, cut between words (within a word only if it must)."""
    tokens: list[tuple[str, tuple[Style, ...], int]] = []
    for value, styles in _runs(line.children):
        for word in _WORDS.findall(value):
            if units(word) > limit:
                tokens.extend((p, styles, units(p)) for p in _hard_pieces(word, limit))
            else:
                tokens.append((word, styles, units(word)))
    pieces: list[tuple[str, int]] = []
    current: list[Run] = []
    size = 0
    for value, styles, n in tokens:
        if size + n > limit and current:
            pieces.append((_runs_html(current), size))
            current, size = [], 0
        if current and current[-1][1] == styles:
            current[-1] = (current[-1][0] + value, styles)
        else:
            current.append((value, styles))
        size += n
    if current:
        pieces.append((_runs_html(current), size))
    return pieces


class _Packer:
    """Greedy packing of lines into parts, flushing where asked."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.current: list[str] = []
        self.size = 0

    def fits(self, sep: str, n: int) -> bool:
        return self.size + (len(sep) if self.current else 0) + n <= self.limit

    def add(self, sep: str, piece: str, n: int) -> None:
        if self.current:
            self.current.append(sep)
            self.size += len(sep)
        self.current.append(piece)
        self.size += n

    def flush(self) -> None:
        text = "".join(self.current)
        if text.strip():
            self.parts.append(text)
        self.current, self.size = [], 0


def split(body: RichText, limit: int = MAX_TEXT) -> list[str]:
    """The body as HTML parts that each fit one Telegram message."""
    body = inert_tree(body)
    packer = _Packer(limit)
    for block in body.blocks:
        lines = [(render_line(ln), units(ln.plain()), ln) for ln in block.lines]
        whole = sum(n for _, n, _ in lines) + max(0, len(lines) - 1)
        if packer.fits("\n\n", whole):
            packer.add("\n\n", "\n".join(h for h, _, _ in lines), whole)
            continue
        packer.flush()  # a paragraph boundary: the best place to cut
        for html_line, n, ln in lines:
            sep = "\n" if packer.current else ""
            if packer.fits(sep, n):
                packer.add(sep, html_line, n)
                continue
            packer.flush()
            if n <= limit:
                packer.add("", html_line, n)
                continue
            *full, (last, last_n) = split_line(ln, limit)
            for piece, piece_n in full:
                packer.add("", piece, piece_n)
                packer.flush()
            packer.add("", last, last_n)
    packer.flush()
    return packer.parts

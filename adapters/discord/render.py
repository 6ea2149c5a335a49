"""RichText → Discord Markdown: the only place that escapes for Discord.

Everything the core hands over is literal text; here it is made inert
(markdown characters, mentions, masked links) and formatted. Long bodies are
split at paragraph, then line, then word boundaries so no part exceeds
Discord's 2,000 characters (counted in UTF-16 units, which is never fewer than
Discord's own count).
"""

from __future__ import annotations

import re
from urllib.parse import quote

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
from bot.trust import inert_tree

MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
ZWSP = "\u200b"

# Characters Discord Markdown gives a meaning to anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\*_~`|\[\]])")
# What makes a line a heading, quote, list item or subtext.
_LINE_START = re.compile(r"^(\s*)(#|>|-|\+|(\d+)\.)")
# @everyone / @here, and <@id>, <@!id>, <@&id>, <#id>, </cmd:id>, <t:..>, <:emoji:id>, <a:..>.
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ANGLE_TOKEN = re.compile(r"<(?=[@#/:]|[at]:|id:)")
_TIMESTAMP_STYLES = frozenset("tTdDfFRsS")


def utf16_len(value: str) -> int:
    """Length as Discord's clients count it (UTF-16 code units)."""
    return len(value.encode("utf-16-le")) // 2


def escape(value: str, *, line_start: bool = False) -> str:
    """Make literal text inert: no formatting, no mentions, no masked links."""
    value = _INLINE_SPECIAL.sub(r"\\\1", value)
    value = _MASS_MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", value)
    value = _ANGLE_TOKEN.sub("<" + ZWSP, value)
    lines = value.split("\n")
    for i, text in enumerate(lines):
        if i > 0 or line_start:
            lines[i] = _LINE_START.sub(_escape_line_start, text, count=1)
    return "\n".join(lines)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, digits = match.group(1), match.group(2), match.group(3)
    if digits is not None:
        return f"{indent}{digits}\\."
    return f"{indent}\\{marker}"


def _code(value: str) -> str:
    # Inside a code span nothing is interpreted (mentions neither); only backticks matter.
    value = value.replace("`", "ˋ").replace("\n", " ")
    return f"`{value}`" if value.strip() else escape(value)


def _url(url: str) -> str | None:
    url = url.strip()
    if not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._[]")


def _inline(node: Inline, *, first: bool) -> str:
    if isinstance(node, Seal):
        return SEAL_MARK
    if isinstance(node, Text):
        return escape(node.value, line_start=first)
    if isinstance(node, Code):
        return _code(node.value)
    if isinstance(node, Link):
        url = _url(node.url)
        label = node.label.strip() or node.url
        if url is None:
            return escape(f"{label} ({node.url})" if label != node.url else label,
                          line_start=first)
        if label == node.url:
            return url
        return f"[{escape(label)}]({url})"
    if isinstance(node, Timestamp):
        style = node.style if node.style in _TIMESTAMP_STYLES else "F"
        return f"<t:{int(node.epoch)}:{style}>"
    inner = _children(node.children, first=False)
    if not inner.strip():
        return inner
    if isinstance(node, Bold):
        return f"**{inner}**"
    if isinstance(node, Italic):
        return f"*{inner}*"
    if isinstance(node, Strike):
        return f"~~{inner}~~"
    raise TypeError(node)


def _children(nodes: tuple[Inline, ...], *, first: bool) -> str:
    return "".join(_inline(n, first=first and i == 0) for i, n in enumerate(nodes))


def render_line(line: Line) -> str:
    """One line as Discord Markdown."""
    return _children(line.children, first=True)


def render(body: RichText) -> str:
    """The whole body as one Discord Markdown string (may exceed one message)."""
    body = inert_tree(body)
    return "\n\n".join("\n".join(render_line(ln) for ln in b.lines) for b in body.blocks)


def split(body: RichText, limit: int = MAX_CONTENT) -> list[str]:
    """The body as message parts of at most `limit` UTF-16 units, cut at paragraph breaks,
    then line breaks, then spaces."""
    body = inert_tree(body)
    parts: list[str] = []
    current = ""
    for block in body.blocks:
        rendered = "\n".join(render_line(ln) for ln in block.lines)
        for piece, sep in _fit(rendered, "\n\n", limit):
            joined = f"{current}{sep}{piece}" if current else piece
            if utf16_len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current or not parts:
        parts.append(current)
    return [p for p in parts if p.strip()] or [""]


def _fit(text: str, sep: str, limit: int) -> list[tuple[str, str]]:
    """`text` as pieces each within `limit`, with the separator that precedes each."""
    if utf16_len(text) <= limit:
        return [(text, sep)]
    out: list[tuple[str, str]] = []
    for i, line in enumerate(text.split("\n")):
        lead = sep if i == 0 else "\n"
        if utf16_len(line) <= limit:
            out.append((line, lead))
            continue
        for j, chunk in enumerate(_hard_split(line, limit)):
            out.append((chunk, lead if j == 0 else "\n"))
    return out


def _hard_split(line: str, limit: int) -> list[str]:
    """A single overlong line cut at spaces (or anywhere when a word is too long)."""
    chunks: list[str] = []
    rest = line
    while utf16_len(rest) > limit:
        cut = _prefix_len(rest, limit)
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        # Never separate an escape backslash from the character it escapes.
        while cut > 1 and rest[cut - 1] == "\\":
            cut -= 1
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip(" ")
    chunks.append(rest)
    return [c for c in chunks if c]


def _prefix_len(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units with an ellipsis (for labels and single fields)."""
    if utf16_len(text) <= limit:
        return text
    cut = _prefix_len(text, limit - 1)
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return text[:cut].rstrip() + "…"

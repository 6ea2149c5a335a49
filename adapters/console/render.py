"""RichText → plain terminal text (the console's only escaping: control characters)."""

from __future__ import annotations

import unicodedata

from bot.richtext import (
    SEAL_MARK,
    Bold,
    Code,
    Inline,
    Italic,
    Link,
    RichText,
    Seal,
    Strike,
    Text,
    Timestamp,
)
from bot.trust import inert_tree


def clean(value: str) -> str:
    """Make text inert in a terminal: no control characters, no bidi overrides."""
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if ch in "\u2066\u2067\u2068\u2069":
            out.append(ch)  # isolates are harmless and keep names readable
        elif cat == "Cc" or ch in "\u202a\u202b\u202c\u202d\u202e":
            out.append("\ufffd" if ch not in "\t" else " ")
        else:
            out.append(ch)
    return "".join(out)


def _inline(node: Inline) -> str:
    if isinstance(node, Seal):
        return SEAL_MARK
    if isinstance(node, Text):
        return clean(node.value)
    if isinstance(node, Code):
        return clean(node.value)
    if isinstance(node, Link):
        label, url = clean(node.label), clean(node.url)
        return url if label == url else f"{label} <{url}>"
    if isinstance(node, Timestamp):
        return clean(node.fallback)
    if isinstance(node, Bold | Italic | Strike):
        return "".join(_inline(c) for c in node.children)
    raise TypeError(node)


def render(body: RichText) -> str:
    """The body as plain text: lines joined by newlines, blocks by blank lines."""
    body = inert_tree(body)
    return "\n\n".join(
        "\n".join("".join(_inline(n) for n in line.children) for line in block.lines)
        for block in body.blocks
    )

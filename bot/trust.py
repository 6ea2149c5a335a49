"""The verification seal: a mark only the bot's own header lines may start with.

An official notice opens with a bold line made of the seal and the verified
organisation's name, built from the operator's record and the bot's own words.
So that no text someone typed can pass for that line, a line of typed text
must not start with the seal or a look-alike: the notices feature refuses such
text when it is written, and `neutralise` strips the mark from text shown by
other features (member-written titles, descriptions, entries).
"""

from __future__ import annotations

import re

from bot.richtext import (
    SEAL_MARK,
    Block,
    Bold,
    Code,
    Inline,
    Italic,
    Line,
    Link,
    RichText,
    Strike,
    Text,
)

SEAL = SEAL_MARK

# The seal and marks that read like it at a glance: shields, emblems, crests.
RESERVED_MARKS = "\U0001f6e1\u26e8\u26c9\u26ca\U0001f530\u2695\u269c"
# Invisible or spacing characters someone could put in front of a mark.
_INVISIBLE = "\\s\u200b-\u200f\u2060-\u2069\u202a-\u202e\ufe0e\ufe0f\u00a0\u3000"
_LEADING = re.compile(f"^[{_INVISIBLE}]*[{RESERVED_MARKS}][{_INVISIBLE}]*", re.MULTILINE)


def starts_with_seal(text: str) -> bool:
    """True when any line of `text` starts with the seal or a look-alike mark."""
    return bool(_LEADING.search(text))


def neutralise(text: str) -> str:
    """`text` with a leading seal or look-alike mark removed from every line."""
    previous = None
    while previous != text:
        previous, text = text, _LEADING.sub("", text)
    return text


# Bidi embeddings and overrides, directional isolates someone typed (the core adds its own
# first-strong isolates around inserted values, so those stay), and invisible separators.
_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                    "\u200b\u2060\ufeff"))


def inert(value: str) -> str:
    """Typed text made harmless to show: no reordering controls, no invisible separators,
    and no line starting with the verification seal or a look-alike."""
    return neutralise(value.translate(_CONTROLS))


def _inert_node(node: Inline) -> Inline:
    if isinstance(node, Text):
        return Text(inert(node.value))
    if isinstance(node, Code):
        return Code(inert(node.value))
    if isinstance(node, Link):
        return Link(inert(node.label), node.url.translate(_CONTROLS))
    if isinstance(node, Bold | Italic | Strike):
        return type(node)(tuple(_inert_node(c) for c in node.children))
    return node  # Seal, Timestamp: the core's own


def inert_tree(body: RichText) -> RichText:
    """Every text of a body made inert; renderers call this before they escape."""
    return RichText(tuple(Block(tuple(Line(tuple(_inert_node(n) for n in line.children))
                                      for line in block.lines)) for block in body.blocks))

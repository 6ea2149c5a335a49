"""The verification seal: a mark only the bot itself places.

An official notice opens with a bold line made of the seal and the verified
organisation's name, built from the operator's record and the bot's own words.
The seal reaches a chat only as the `Seal` node of the core's own lines; the one
rule every renderer applies (`inert`, `inert_tree`) is that text — and typed text
above all: titles, options, entries, the button labels and toasts that echo them —
never shows the seal, anywhere in a line, nor a look-alike mark at the start of one.
The notices feature also refuses text whose lines start with the seal when it is
written, so that a broadcaster learns why instead of seeing the mark vanish.
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
    Seal,
    Strike,
    Text,
)

SEAL = SEAL_MARK

# The seal and marks that read like it at a glance: shields, emblems, crests.
RESERVED_MARKS = "\U0001f6e1\u26e8\u26c9\u26ca\U0001f530\u2695\u269c"
# Invisible or spacing characters someone could put in front of a mark.
_INVISIBLE = "\\s\u200b-\u200f\u2060-\u2069\u202a-\u202e\ufe0e\ufe0f\u00a0\u3000"
_LEADING = re.compile(f"^[{_INVISIBLE}]*[{RESERVED_MARKS}][{_INVISIBLE}]*", re.MULTILINE)


# The seal itself, with or without a variation selector (U+FE0E/U+FE0F), anywhere in a line;
# after a space or the isolate the core puts around values, the spaces after it go too.
_SEAL_AFTER_SPACE = re.compile("(?<=[\\s\u2068])\U0001f6e1[\ufe0e\ufe0f]*[ \t\u00a0]*")
_SEAL_ANYWHERE = re.compile("\U0001f6e1[\ufe0e\ufe0f]*")


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


def without_seal(text: str) -> str:
    """`text` without the seal anywhere ("for 🛡️ Official" becomes "for Official")."""
    return _SEAL_ANYWHERE.sub("", _SEAL_AFTER_SPACE.sub("", text))


def inert(value: str) -> str:
    """Text made harmless to show: no reordering controls, no invisible separators, no
    seal anywhere and no line starting with a look-alike. Renderers apply it to every text,
    button label and toast; only the `Seal` node shows the mark."""
    # Leading marks first (with the space after them), then the seal anywhere, then any
    # look-alike the removal left at the start of a line.
    return neutralise(without_seal(neutralise(value.translate(_CONTROLS))))


def naming_seal(sentence: str) -> RichText:
    """One of the bot's own sentences that names the seal (a refusal saying it is reserved),
    with the mark shown through the `Seal` node, the only way renderers show it."""
    pieces: list[Inline] = []
    for i, part in enumerate(sentence.split(SEAL_MARK)):
        if i:
            pieces.append(Seal())
        if part:
            pieces.append(Text(part))
    return RichText((Block((Line(tuple(pieces)),)),))


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

"""A small rich-text tree: what the core writes, and each platform renders.

The core never escapes anything. Text nodes hold literal text (user text
included); each adapter's renderer is the one place that escapes for its
platform. A message is a sequence of blocks (paragraphs), each a sequence of
lines, each a sequence of inline nodes, so renderers can split long messages
at paragraph or line boundaries without cutting through formatting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Union

Inline = Union["Text", "Bold", "Italic", "Strike", "Code", "Link", "Timestamp", "Seal"]


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text."""

    value: str


@dataclass(frozen=True, slots=True)
class Bold:
    """Bold inline content."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Italic:
    """Italic inline content."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Strike:
    """Struck-through inline content."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Code:
    """Monospaced literal text (codes, ids, commands)."""

    value: str


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink with a label; the URL is shown as text where links cannot be."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment the platform may localise itself (Discord); `fallback` elsewhere."""

    epoch: int
    fallback: str
    style: str = "F"


@dataclass(frozen=True, slots=True)
class Seal:
    """The verification mark of an official notice's header: only the core can place it.

    Renderers strip the mark (and look-alikes) from the start of any typed text, so a
    line can start with it only through this node.
    """


SEAL_MARK = "🛡️"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of inline nodes."""

    children: tuple[Inline, ...]

    def plain(self) -> str:
        """The line without formatting."""
        return "".join(plain(node) for node in self.children)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph: lines separated by single line breaks."""

    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class RichText:
    """A message body: blocks separated by blank lines."""

    blocks: tuple[Block, ...]

    def __add__(self, other: RichText) -> RichText:
        return RichText(self.blocks + other.blocks)

    def plain(self) -> str:
        """The whole text without formatting (for tests, logs and search)."""
        return "\n\n".join("\n".join(line.plain() for line in block.lines) for block in self.blocks)

    def is_empty(self) -> bool:
        """True when there is nothing to show."""
        return not any(line.children for block in self.blocks for line in block.lines)


Piece = str | Inline


def _inline(piece: Piece) -> Inline:
    return Text(piece) if isinstance(piece, str) else piece


def line(*pieces: Piece) -> Line:
    """A line from strings (literal text) and inline nodes."""
    return Line(tuple(_inline(p) for p in pieces if p != ""))


def bold(*pieces: Piece) -> Bold:
    """Bold text."""
    return Bold(tuple(_inline(p) for p in pieces))


def italic(*pieces: Piece) -> Italic:
    """Italic text."""
    return Italic(tuple(_inline(p) for p in pieces))


def strike(*pieces: Piece) -> Strike:
    """Struck-through text."""
    return Strike(tuple(_inline(p) for p in pieces))


def block(*lines: Line | Piece) -> Block:
    """A paragraph; plain pieces each become a line of their own."""
    return Block(tuple(x if isinstance(x, Line) else line(x) for x in lines))


def doc(*blocks: Block | Line | Piece) -> RichText:
    """A message from blocks; a bare line or piece becomes a one-line block."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Block):
            if b.lines:
                out.append(b)
        elif isinstance(b, Line):
            out.append(Block((b,)))
        else:
            out.append(Block((line(b),)))
    return RichText(tuple(out))


def text(value: str) -> RichText:
    """A message of plain text; line breaks and blank lines become lines and blocks."""
    blocks = []
    for para in value.split("\n\n"):
        blocks.append(Block(tuple(line(raw) for raw in para.split("\n"))))
    return RichText(tuple(blocks))


def bullets(items: Iterable[Line | Piece], marker: str = "•") -> Block:
    """A paragraph of bullet lines."""
    lines = []
    for item in items:
        lin = item if isinstance(item, Line) else line(item)
        lines.append(Line((Text(f"{marker} "), *lin.children)))
    return Block(tuple(lines))


def plain(node: Inline) -> str:
    """The text of one inline node without formatting."""
    if isinstance(node, Text | Code):
        return node.value
    if isinstance(node, Link):
        return node.label
    if isinstance(node, Timestamp):
        return node.fallback
    if isinstance(node, Seal):
        return SEAL_MARK
    return "".join(plain(child) for child in node.children)


def walk_text(body: RichText) -> Iterator[str]:
    """Every literal string in a body, in order."""
    for b in body.blocks:
        for lin in b.lines:
            for node in lin.children:
                yield plain(node)


# -- serialisation (the outbox stores bodies as JSON) -------------------------

def _node_to_json(node: Inline) -> Any:
    if isinstance(node, Text):
        return node.value
    if isinstance(node, Code):
        return {"code": node.value}
    if isinstance(node, Link):
        return {"link": node.label, "url": node.url}
    if isinstance(node, Timestamp):
        return {"ts": node.epoch, "fallback": node.fallback, "style": node.style}
    if isinstance(node, Seal):
        return {"seal": 1}
    kind = {Bold: "b", Italic: "i", Strike: "s"}[type(node)]
    return {kind: [_node_to_json(c) for c in node.children]}


def _node_from_json(data: Any) -> Inline:
    if isinstance(data, str):
        return Text(data)
    if "code" in data:
        return Code(data["code"])
    if "link" in data:
        return Link(data["link"], data["url"])
    if "ts" in data:
        return Timestamp(int(data["ts"]), data["fallback"], data.get("style", "F"))
    if "seal" in data:
        return Seal()
    for key, cls in (("b", Bold), ("i", Italic), ("s", Strike)):
        if key in data:
            return cls(tuple(_node_from_json(c) for c in data[key]))
    raise ValueError(f"unknown rich-text node: {data!r}")


def to_json(body: RichText) -> list[list[list[Any]]]:
    """The body as JSON-ready lists (blocks → lines → nodes)."""
    return [[[_node_to_json(n) for n in lin.children] for lin in b.lines] for b in body.blocks]


def from_json(data: list[list[list[Any]]]) -> RichText:
    """The inverse of `to_json`."""
    return RichText(
        tuple(
            Block(tuple(Line(tuple(_node_from_json(n) for n in lin)) for lin in b)) for b in data
        )
    )

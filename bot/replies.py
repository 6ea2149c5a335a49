"""What the core hands out: replies built from rich text, with packed buttons."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot import richtext
from bot.events import ChatKind, ChatRef, Platform
from bot.richtext import RichText

if TYPE_CHECKING:
    from bot.forms import Form


@dataclass(frozen=True, slots=True)
class Button:
    """A button: pressing it hands `action` (a packed action) back to the core."""

    label: str
    action: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent with a reply (calendar, export, minutes)."""

    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot."""

    body: RichText
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Only the caller should see it: ephemeral on Discord, a private message
    # elsewhere when the platform allows it, else shown in the chat.
    private: bool = False
    # Replace the platform message(s) with this id instead of sending anew.
    edit_of: str | None = None
    pin: bool = False
    silent: bool = False
    document: Document | None = None
    # Discord renders these bodies as an embed where that reads better.
    card: bool = False
    # Ask these fields natively (a Discord modal); only set when the event said
    # `can_show_forms`, see bot/forms.py. Never stored in the outbox.
    form: Form | None = None

    def with_buttons(self, *rows: tuple[Button, ...] | list[Button]) -> Reply:
        """The same reply with these button rows."""
        return replace(self, buttons=tuple(tuple(r) for r in rows if r))


@dataclass(frozen=True, slots=True)
class Toast:
    """A short answer to a button press, shown only to the presser."""

    text: str
    alert: bool = False


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove a message the bot sent earlier in the same chat."""

    message_id: str


Outcome = Reply | Toast | Delete


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A reply as JSON (the outbox stores it); documents are not stored."""
    return {
        "body": richtext.to_json(reply.body),
        "buttons": [[{"label": b.label, "action": b.action, "url": b.url} for b in row]
                    for row in reply.buttons],
        "pin": reply.pin,
        "silent": reply.silent,
        "card": reply.card,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The inverse of `reply_to_json`."""
    return Reply(
        body=richtext.from_json(data["body"]),
        buttons=tuple(tuple(Button(b["label"], b.get("action", ""), b.get("url")) for b in row)
                      for row in data.get("buttons", [])),
        pin=bool(data.get("pin")),
        silent=bool(data.get("silent")),
        card=bool(data.get("card")),
    )


@dataclass(frozen=True, slots=True)
class SentMessage:
    """Where a reply landed: the platform ids of every part of a split message."""

    chat: ChatRef
    message_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def first_id(self) -> str | None:
        """The id of the first part (the one buttons and pins refer to)."""
        return self.message_ids[0] if self.message_ids else None


def private_chat(platform: Platform, user_id: str) -> ChatRef:
    """A person's private chat with the bot (its id is the person's id everywhere)."""
    return ChatRef(platform, user_id, ChatKind.PRIVATE)

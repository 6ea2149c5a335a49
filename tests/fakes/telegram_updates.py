"""Wire format and records of the fake Telegram server: errors, entities, JSON, dataclasses.

``parse_html`` follows TDLib's ``parse_html`` (the parser behind the real Bot API), including
its error texts and UTF-16 entity offsets; ``detect_entities`` mimics the server-side detection
of commands, mentions, hashtags and URLs; the ``*_dict`` builders produce objects that
python-telegram-bot's ``de_json`` accepts.
"""

from __future__ import annotations

import contextlib
import enum
import json
import re
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
_INT_FIELDS = frozenset(
    "chat_id from_chat_id message_id user_id offset limit timeout cache_time max_connections "  # noqa: SIM905
    "message_thread_id reply_to_message_id until_date".split()
)
_BOOL_FIELDS = frozenset(
    "show_alert disable_notification drop_pending_updates protect_content allow_paid_broadcast "  # noqa: SIM905
    "allow_sending_without_reply disable_web_page_preview disable_content_type_detection".split()
)
_JSON_FIELDS = frozenset(
    "reply_markup entities caption_entities commands scope allowed_updates reply_parameters "  # noqa: SIM905
    "link_preview_options media message_ids results".split()
)

ADMIN_RIGHTS: dict[str, bool] = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}


class ApiError(Exception):
    """A Bot API error answer, e.g. ``ApiError(400, "Bad Request: chat not found")``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        """Return the JSON body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: JSON | None = None) -> ApiError:
    """Return a 400 error with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {message}", parameters)


def forbidden(message: str) -> ApiError:
    """Return a 403 error with Telegram's ``Forbidden:`` prefix."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return the 429 flood-control error carrying ``parameters.retry_after``."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


# --- UTF-16 helpers (entity offsets and lengths are in UTF-16 code units) -------------------


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def entity_text(text: str, entity: JSON) -> str:
    """Return the part of ``text`` covered by ``entity``."""
    raw = text.encode("utf-16-le")
    start = 2 * entity["offset"]
    return raw[start : start + 2 * entity["length"]].decode("utf-16-le", "replace")


def strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace as Telegram does, clipping entities to the kept text."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    clipped = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            clipped.append({**entity, "offset": start, "length": stop - start})
    return stripped, clipped


# --- HTML parse mode, after TDLib's parse_html ------------------------------------------------

_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_SPACES = frozenset(b" \t\r\n\v\0")
_NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


def _entities_error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


def _decode_reference(data: bytes, pos: int) -> tuple[int, int] | None:
    """Decode ``&...`` at ``pos`` into (code point, end); None if it stays literal."""
    end = pos + 1
    if data[end : end + 1] == b"#":
        end += 1
        hexa = data[end : end + 1] == b"x"
        end += hexa
        digits = b"0123456789abcdefABCDEF" if hexa else b"0123456789"
        start = end
        while end < len(data) and data[end] in digits:
            end += 1
        code = int(data[start:end], 16 if hexa else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while end < len(data) and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        named = _NAMED.get(data[pos + 1 : end])
        if named is None:
            return None
        code = ord(named)
    return code, end + 1 if data[end : end + 1] == b";" else end


def _link_entity(url: str, offset: int, length: int) -> JSON | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if match:
        user = {"id": int(match[1]), "is_bot": False, "first_name": ""}
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    if not re.match(r"(?i)(https?|tg|ton)://", url):
        if not re.fullmatch(r"[\w.-]+\.[a-zA-Z]{2,}(/\S*)?", url):
            return None
        url = "http://" + url + ("" if "/" in url else "/")
    return {"type": "text_link", "offset": offset, "length": length, "url": url}


def _close_tag(tag: str, arg: str, offset: int, length: int, content: str, out: list[JSON]) -> None:
    entity: JSON = {"type": _SIMPLE.get(tag, tag), "offset": offset, "length": length}
    last = out[-1] if out else None
    same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
    if tag == "tg-emoji":
        if not arg.isdigit():
            raise _entities_error("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=arg)
    elif tag == "a":
        link = _link_entity(arg or content, offset, length)
        if link is None:
            return
        entity = link
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if arg else "blockquote"
    elif tag == "pre" and same_span and last and last["type"] == "code" and last.get("_lang"):
        out[-1] = {**entity, "language": last["_lang"]}
        return
    elif tag == "code":
        if same_span and last and last["type"] == "pre" and "language" not in last and arg:
            last["language"] = arg
            return
        if arg:
            entity["_lang"] = arg
    out.append(entity)


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if (tag, name) == ("tg-emoji", "emoji-id"):
        return value
    if (tag, name) == ("blockquote", "expandable"):
        return "1"
    return current


def parse_html(html: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (plain text, entities); raise ApiError 400 like Telegram."""
    data = html.encode("utf-8", "surrogatepass")
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    out = bytearray()
    entities: list[JSON] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, byte offset
    off16 = 0
    i = 0
    while i < size:
        c = data[i]
        if c == ord("&") and (decoded := _decode_reference(data, i)):
            code, i = decoded
            off16 += 2 if code > 0xFFFF else 1
            out += chr(code).encode("utf-8", "surrogatepass")
            continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:
                off16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != ord("/"):
            while at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise _entities_error(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _TAGS:
                raise _entities_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            arg = ""
            while at(i) != ord(">"):
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == ord(">"):
                    break
                name_start = i
                while at(i) not in _SPACES and at(i) not in b"=>/\"'":
                    i += 1
                name = data[name_start:i].decode("utf-8", "replace")
                if not name:
                    raise _entities_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != ord("="):
                    if at(i) == 0:
                        raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    arg = _tag_argument(tag, name, "", arg) if name == "expandable" else arg
                    continue
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in b"'\"":
                    token_start = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        i += 1
                    value = data[token_start:i].decode().lower()
                    if at(i) not in _SPACES and at(i) != ord(">"):
                        raise _entities_error(
                            f"Unexpected end of name token at byte offset {token_start}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&") and (ref := _decode_reference(data, i)):
                            buf += chr(ref[0]).encode("utf-8", "surrogatepass")
                            i = ref[1]
                            continue
                        buf.append(at(i))
                        i += 1
                    i += at(i) == quote
                    value = buf.decode("utf-8", "replace")
                if at(i) == 0:
                    raise _entities_error(f"Unclosed start tag at byte offset {begin}")
                arg = _tag_argument(tag, name, value, arg)
            if tag == "span" and arg != "spoiler":
                raise _entities_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, arg, off16, len(out)))
            i += 1
            continue
        if not stack:
            raise _entities_error(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != ord(">"):
            i += 1
        end_tag = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != ord(">"):
            raise _entities_error(f"Unclosed end tag at byte offset {begin}")
        tag, arg, start16, start_byte = stack.pop()
        if end_tag and end_tag != tag:
            raise _entities_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
            )
        if off16 > start16:
            content = out[start_byte:].decode("utf-8", "replace")
            _close_tag(tag, arg, start16, off16 - start16, content, entities)
        i += 1
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        raise _entities_error(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    for entity in entities:
        entity.pop("_lang", None)
    return text, sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --- server-side entity detection -------------------------------------------------------------

_DETECTORS = (
    ("bot_command", re.compile(r"(?<![\w/<>])/\w{1,64}(?:@\w{3,32})?(?![\w/<>])", re.A)),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{5,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
    ("url", re.compile(r"(?i)\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")),
)
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "url", "custom_emoji"})


def detect_entities(text: str, entities: list[JSON] | None = None) -> list[JSON]:
    """Add the commands, mentions, hashtags and URLs Telegram detects in ``text``."""
    found = list(entities or [])
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            length = utf16_len(match[0])
            overlaps = any(
                e["type"] in _OPAQUE or e["type"] in dict(_DETECTORS)
                for e in found
                if e["offset"] < offset + length and offset < e["offset"] + e["length"]
            )
            if not overlaps:
                found.append({"type": kind, "offset": offset, "length": length})
    return sorted(found, key=lambda e: (e["offset"], -e["length"]))


# --- validation and JSON builders ---------------------------------------------------------------


def check_reply_markup(markup: JSON | None) -> None:
    """Reject inline keyboards Telegram rejects (e.g. callback_data over 64 bytes)."""
    if not markup or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode())
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif len(button) == 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )


def member_dict(status: str, user: JSON, rights: dict[str, bool] | None = None,
                *, is_member: bool = True) -> JSON:
    """Build a ChatMember of any status that PTB can parse."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, **{**ADMIN_RIGHTS, **(rights or {})})
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        perms = [
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_send_messages",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_manage_topics",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_edit_tag",
            "can_react_to_messages",
        ]
        member.update(is_member=is_member, until_date=0, **dict.fromkeys(perms, False))
        member.update(rights or {})
    return member


def chat_full_info(chat: JSON) -> JSON:
    """Extend a Chat dict to the ChatFullInfo that getChat returns."""
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), True
    )
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {**gifts, "gifts_from_channels": False},
    }


def command_entity(text: str) -> list[JSON]:
    """Return the bot_command entity of a command text like ``/start@Bot arg``."""
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    if not command.startswith("/"):
        raise ValueError(f"not a command: {text!r}")
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def coerce_param(name: str, value: Any) -> Any:
    """Decode a form value the way Telegram does for the parameter's type."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            label = "reply keyboard markup" if name == "reply_markup" else name
            raise bad_request(f"can't parse {label} JSON object") from None
    if name in _INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


# --- records the fake keeps ----------------------------------------------------------------------


class FaultKind(enum.Enum):
    """Kinds of injected faults."""

    RETRY_AFTER = "429"  # 429 Too Many Requests with parameters.retry_after
    SERVER_ERROR = "500"  # 500 Internal Server Error (JSON body)
    BAD_GATEWAY = "502"  # 502 with nginx's HTML page, like Telegram's front end
    DROP_CONNECTION = "drop"  # close the connection without answering
    SLOW = "slow"  # answer normally after ``delay`` seconds (the request still takes effect)
    API_ERROR = "api"  # answer with the given ApiError (e.g. "Bad Request: message is too long")


class WaitTimeoutError(AssertionError):
    """A ``wait_for_*`` helper gave up; the message says what it waited for."""


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content: bytes
    content_type: str | None = None


@dataclass
class CallRecord:
    """One Bot API request as the fake saw and answered it."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float
    status: int | None = None  # None: the connection was dropped without an answer
    response: JSON | None = None
    fault: FaultKind | None = None
    abandoned: bool = False  # the client had disconnected before the answer

    @property
    def ok(self) -> bool:
        """Whether Telegram answered ``ok: true``."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful answer."""
        return (self.response or {}).get("result")

    @property
    def description(self) -> str | None:
        """The error description of a failed answer."""
        return (self.response or {}).get("description")


@dataclass
class MessageRecord:
    """A message in a fake chat; ``text`` is the plain text after parse_mode (or the caption)."""

    chat_id: int
    message_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str = ""
    entities: list[JSON] = field(default_factory=list)
    raw_text: str | None = None  # as sent, before parse_mode parsing
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    document: JSON | None = None
    upload: UploadedFile | None = None
    service: JSON | None = None  # e.g. {"pinned_message": ...}, {"migrate_to_chat_id": ...}
    extra: JSON = field(default_factory=dict)  # further Message fields, e.g. forward_origin
    pinned: bool = False
    deleted: bool = False
    edit_date: int | None = None
    history: list[str] = field(default_factory=list)  # earlier texts, oldest first

    def entity_texts(self, kind: str) -> list[str]:
        """Return the text covered by each entity of type ``kind`` (e.g. "bold")."""
        return [entity_text(self.text, e) for e in self.entities if e["type"] == kind]

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        """The callback_data of all inline buttons."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class FakeUser:
    """A Telegram user known to the fake."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    is_premium: bool | None = None
    blocked: bool = False  # the user blocked the bot
    started: bool = True  # the user has a private chat with the bot

    def to_api(self) -> JSON:
        """Return the User object."""
        user: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code", "is_premium"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class FakeChat:
    """A chat known to the fake, with its members and messages."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    creator: int | None = None
    admins: dict[int, dict[str, bool]] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    bot_status: str = "member"
    bot_rights: dict[str, bool] = field(default_factory=dict)
    is_forum: bool = False
    migrated_to: int | None = None
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    # Banned people ("kicked"), and restricted ones with whether they are still members.
    kicked: set[int] = field(default_factory=set)
    restricted: dict[int, bool] = field(default_factory=dict)
    # getChatMember about other users fails unless the bot is an administrator (Telegram
    # guarantees it only to administrators).
    members_hidden: bool = False

    def status_of(self, user_id: int) -> str:
        """Return the member status of a user in this chat."""
        if self.type == "private":
            return "member" if user_id == self.id else "left"
        if user_id == self.creator:
            return "creator"
        if user_id in self.admins:
            return "administrator"
        if user_id in self.kicked:
            return "kicked"
        if user_id in self.restricted:
            return "restricted"
        return "member" if user_id in self.members else "left"


@dataclass
class PushedUpdate:
    """An update queued by a ``push_*`` helper."""

    update_id: int
    update: JSON
    delivered: bool = True  # False when the bot's privacy mode hides the message

    @property
    def message(self) -> JSON | None:
        """The ``message`` of the update, if any."""
        return self.update.get("message")

    @property
    def message_id(self) -> int | None:
        """The message_id of the update's message, if any."""
        return (self.message or {}).get("message_id")


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook."""

    update_id: int
    attempt: int
    status: int | None  # HTTP status, or None on connection error
    error: str | None
    time: float

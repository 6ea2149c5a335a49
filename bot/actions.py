"""Typed button actions packed into at most 64 bytes.

Telegram's `callback_data` holds 64 bytes and Discord's `custom_id` 100
characters; a packed action fits both, and carries only ids, so Discord
views stay valid across restarts. Anything a client sends back is untrusted:
`unpack` checks the prefix, the field count and every field's type.
"""

from __future__ import annotations

import dataclasses
import typing
from enum import Enum
from typing import Any, ClassVar, TypeVar

MAX_BYTES = 64
SEP = ":"

_registry: dict[str, type[Action]] = {}

A = TypeVar("A", bound="Action")


class InvalidAction(ValueError):
    """A button payload that is not one of ours, or was tampered with."""


class Action:
    """Base of button actions; subclasses are dataclasses with a unique `prefix`."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEP in prefix:
            raise ValueError(f"bad action prefix {prefix!r}")
        if prefix in _registry:
            raise ValueError(f"action prefix {prefix!r} used twice")
        cls.prefix = prefix
        _registry[prefix] = cls

    def pack(self) -> str:
        """The action as a short string."""
        parts = [self.prefix]
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            parts.append(_encode(getattr(self, f.name)))
        packed = SEP.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"packed action longer than {MAX_BYTES} bytes: {packed!r}")
        return packed


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        value = value.value
    text = str(value)
    if SEP in text:
        raise ValueError(f"action field contains {SEP!r}: {text!r}")
    return text


def _decode(raw: str, kind: Any) -> Any:
    if kind is bool:
        if raw not in ("0", "1"):
            raise InvalidAction(raw)
        return raw == "1"
    if kind is int:
        if not raw.lstrip("-").isdigit() or len(raw) > 19:
            raise InvalidAction(raw)
        return int(raw)
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind(raw)
        except ValueError as exc:
            raise InvalidAction(raw) from exc
    if kind is str:
        return raw
    raise TypeError(f"unsupported action field type {kind!r}")


def unpack(data: str) -> Action:
    """The action a payload names; raises InvalidAction for anything else."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise InvalidAction("too long")
    prefix, _, rest = data.partition(SEP)
    cls = _registry.get(prefix)
    if cls is None:
        raise InvalidAction(f"unknown prefix {prefix!r}")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    raw = rest.split(SEP) if fields else ([] if rest == "" else [rest])
    if len(raw) != len(fields):
        raise InvalidAction("wrong field count")
    hints = typing.get_type_hints(cls)
    values = {f.name: _decode(r, hints[f.name]) for f, r in zip(fields, raw, strict=True)}
    return cls(**values)


def registered() -> dict[str, type[Action]]:
    """Every action class by prefix (for tests and fuzzing)."""
    return dict(_registry)

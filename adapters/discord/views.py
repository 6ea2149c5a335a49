"""Buttons and modals: components built from the core's packed actions.

Buttons carry the packed action as their `custom_id`. Nothing is kept in
memory per message: clicks are dispatched from `on_interaction` by that id
(see `adapter.py`), so a button on a message sent before a restart still
reaches the core as `ButtonPressed(data=custom_id)`. The views built here are
therefore "static": discord.py must not store them for dispatch.

Modals ask for longer inputs. A slash command whose free-text argument was
left out opens one (see `respond.py`); the `FormField`/`build_modal` seam
takes any other form, such as the one the notices work will define.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.render import truncate
from bot.replies import Button
from bot.trust import inert

log = logging.getLogger(__name__)

MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUT_VALUE = 4000
MAX_MODAL_INPUTS = 5
# The custom_id of a modal that completes a slash command: "f:" + the command's name.
FORM_PREFIX = "f:"


class StaticView(discord.ui.View):
    """Components only: never registered for dispatch (clicks are routed by custom_id)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        """Always finished, so discord.py keeps no reference to it after sending."""
        return True


class StaticModal(discord.ui.Modal):
    """A modal whose submission is routed by custom_id, like buttons."""

    def is_finished(self) -> bool:
        """Always finished, so an abandoned modal leaves nothing behind in memory."""
        return True


def view_for(rows: Sequence[Sequence[Button]]) -> StaticView | None:
    """The buttons of a reply as a view, or None when there are none.

    Rows longer than five are wrapped; duplicate, empty or overlong actions are
    dropped, and so is what does not fit in five rows (both logged).
    """
    seen: set[str] = set()
    kept: list[list[discord.ui.Button[Any]]] = []
    for row in rows:
        items = [item for b in row if (item := _item(b, seen)) is not None]
        kept.extend(items[i:i + MAX_PER_ROW] for i in range(0, len(items), MAX_PER_ROW))
    if len(kept) > MAX_ROWS:
        log.warning("dropping %d button rows beyond Discord's five", len(kept) - MAX_ROWS)
        kept = kept[:MAX_ROWS]
    if not kept:
        return None
    view = StaticView()
    for index, items in enumerate(kept):
        for item in items:
            item.row = index
            view.add_item(item)
    return view


def _item(button: Button, seen: set[str]) -> discord.ui.Button[Any] | None:
    label = truncate(inert(button.label).strip() or "·", MAX_LABEL)
    if button.url:
        if not button.url.lower().startswith(("https://", "http://", "discord://")):
            log.warning("dropping a link button Discord would refuse: %r", button.url[:80])
            return None
        return discord.ui.Button(label=label, url=button.url)
    action = button.action
    if not action or len(action) > MAX_CUSTOM_ID or action in seen:
        log.warning("dropping a button whose action is empty, too long or repeated: %r", action)
        return None
    seen.add(action)
    return discord.ui.Button(label=label, custom_id=action, style=discord.ButtonStyle.secondary)


@dataclass(frozen=True, slots=True)
class FormField:
    """One text input of a modal."""

    name: str
    label: str
    long: bool = False
    required: bool = True
    default: str | None = None
    placeholder: str | None = None


def build_modal(title: str, custom_id: str, fields: Iterable[FormField]) -> StaticModal:
    """A modal of up to five text inputs (labels and defaults cut to Discord's limits)."""
    modal = StaticModal(title=truncate(title.strip() or "…", MAX_MODAL_TITLE),
                        custom_id=custom_id[:MAX_CUSTOM_ID])
    for spec in list(fields)[:MAX_MODAL_INPUTS]:
        modal.add_item(discord.ui.TextInput(
            label=truncate(spec.label.strip() or spec.name, MAX_INPUT_LABEL),
            custom_id=spec.name,
            style=discord.TextStyle.paragraph if spec.long else discord.TextStyle.short,
            required=spec.required,
            default=(spec.default or "")[:MAX_INPUT_VALUE] or None,
            placeholder=truncate(spec.placeholder, 100) if spec.placeholder else None,
            max_length=MAX_INPUT_VALUE,
        ))
    return modal


def modal_values(data: Any) -> dict[str, str]:
    """The text inputs of a MODAL_SUBMIT payload's `data`, by custom_id."""
    values: dict[str, str] = {}

    def visit(component: Any) -> None:
        if not isinstance(component, dict):
            return
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            value = component.get("value")
            values[component["custom_id"]] = value if isinstance(value, str) else ""
        for child in component.get("components") or []:
            visit(child)
        if isinstance(component.get("component"), dict):
            visit(component["component"])

    for component in (data or {}).get("components") or []:
        visit(component)
    return values

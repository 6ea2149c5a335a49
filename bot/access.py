"""The permission table, generated from the rules each command and button declares.

The router enforces the rules (bot/permissions.py); this module only reads them: for the
"who" column of docs/commands.md and for the tests that run every (command, role) and
(button, role) pair. `python -m bot.access docs/commands.md` rewrites that column from the
declarations; a test fails while the file and the declarations disagree.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.feature import ButtonSpec, CommandSpec, Feature, Where
from bot.permissions import Role, Rule

# A table cell boundary in Markdown: a "|" not escaped as "\|".
_CELL = re.compile(r"(?<!\\)\|")


def commands(features: Iterable[Feature] | None = None) -> dict[str, CommandSpec]:
    """Every registered command by name."""
    return {spec.name: spec for f in _features(features) for spec in f.commands}


def buttons(features: Iterable[Feature] | None = None) -> dict[str, ButtonSpec]:
    """Every registered button by its action's prefix."""
    return {action.prefix: spec for f in _features(features)
            for action, spec in f.buttons.items()}


def _features(features: Iterable[Feature] | None) -> Iterable[Feature]:
    if features is not None:
        return features
    from bot.features import all_features

    return all_features()


def who(rule: Rule, where: Where = Where.ANYWHERE) -> str:
    """Who may use it, as docs/commands.md says it (English: the docs are)."""
    if rule.also is not None:
        return rule.also.who
    if rule.role >= Role.OPERATOR:
        return "operator"
    if rule.role >= Role.MODERATOR:
        base = "moderators"
        if rule.unless is not None:
            base = f"moderators and {rule.unless.who}"
        return f"{base} (on Discord, Manage Events too)" if rule.events else base
    if rule.members:
        return "members of the chat"
    if rule.change is not None:
        private = "" if where == Where.GROUP else " in a group (anyone in private)"
        return f"everyone to see; moderators {rule.change_doc}{private}"
    return "everyone"


def command_of(cell: str, names: Iterable[str]) -> str | None:
    """The command a docs row's first cell shows ("`/kb export [md|json]`" → "kb export")."""
    match = re.match(r"\s*`/([^`]+)`", cell)
    if match is None:
        return None
    words = match.group(1).split()
    known = set(names)
    for size in (2, 1):
        name = " ".join(words[:size]).lower()
        if len(words) >= size and name in known:
            return name
    return None


def rewrite(markdown: str, specs: dict[str, CommandSpec] | None = None) -> str:
    """`markdown` with the second cell of every command row set from its rule."""
    specs = specs if specs is not None else commands()
    out = []
    for line in markdown.split("\n"):
        cells = _CELL.split(line)
        name = command_of(cells[1], specs) if line.startswith("|") and len(cells) > 3 else None
        if name is not None:
            spec = specs[name]
            cells[2] = f" {who(spec.rule, spec.where)} "
            line = "|".join(cells)
        out.append(line)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Rewrite the "who" column of the given Markdown files from the declarations."""
    for name in argv or ["docs/commands.md"]:
        path = Path(name)
        path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

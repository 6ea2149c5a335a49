"""Reading a command's arguments: split from the text or taken from the platform's options,
checked against the declaration, and converted by their kinds (bot/convert.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.context import Context, UserError
from bot.convert import BadValue
from bot.feature import Arg, CommandSpec
from bot.fmt import joined
from bot.i18n import _, isolate
from bot.richtext import text


def usage_of(spec: CommandSpec) -> str:
    """How to call a command, in the current locale."""
    head = f"/{spec.name}"
    if spec.usage:
        return f"{head} {spec.usage.text()}"
    return head


def usage_of_group(group: str, specs: Sequence[CommandSpec]) -> Any:
    """The subcommands of a command group, one per line."""
    lines = [_("/{command} needs one of these:", command=group), ""]
    for spec in sorted(specs, key=lambda s: s.name):
        lines.append(f"{usage_of(spec)} — {spec.summary.text()}")
    return text("\n".join(lines))


def parse_args(spec: CommandSpec, args: str, options: dict[str, str]) -> dict[str, str]:
    """Named arguments from structured options, or split from the text."""
    if options:
        values = {k: str(v).strip() for k, v in options.items()}
    elif not spec.args:
        return {}
    elif spec.pipe_separated:
        parts = [p.strip() for p in args.split("|")]
        if len(parts) > len(spec.args):
            parts = [*parts[: len(spec.args) - 1], " | ".join(parts[len(spec.args) - 1:])]
        values = {a.name: p for a, p in zip(spec.args, parts, strict=False) if p}
    else:
        words = args.split(None, len(spec.args) - 1) if args.strip() else []
        values = {a.name: w.strip() for a, w in zip(spec.args, words, strict=False)}
    for arg in spec.args:
        if arg.required and not values.get(arg.name):
            raise UserError(_("Usage: {usage}", usage=usage_of(spec)))
        # A kind reads more than its choices (es-MX, Español): it answers for itself.
        if (arg.choices and arg.kind is None and arg.name in values
                and values[arg.name].lower() not in arg.choices):
            raise UserError(_("{value} is not one of: {choices}.", value=values[arg.name][:64],
                              choices=joined(arg.choices, "or")))
    return values


def convert_args(ctx: Context, spec: CommandSpec) -> dict[str, Any]:
    """The arguments declared with a kind, converted; a clear answer for one that is not."""
    typed: dict[str, Any] = {}
    for arg in spec.args:
        raw = ctx.values.get(arg.name, "")
        if arg.kind is None or not raw:
            continue
        try:
            typed[arg.name] = arg.kind(raw, ctx)
        except BadValue:
            raise UserError(not_a(arg, raw, spec)) from None
    return typed


def not_a(arg: Arg[Any], raw: str, spec: CommandSpec | None = None) -> str:
    """ "“²” is not a number, such as 12 or #12 — The poll's number. For example: …"."""
    assert arg.kind is not None
    example = spec.examples[0] if spec and spec.examples else arg.kind.example
    return _("“{value}” is not {what}: {argument}.\nFor example: {example}",
             value=isolate(raw.strip()[:40]), what=arg.kind.what.text(),
             argument=arg.summary.text(), example=isolate(example))

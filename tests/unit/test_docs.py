"""The command reference stays true: every registered command is documented."""

from __future__ import annotations

from pathlib import Path

from bot.features import all_features

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_is_in_the_reference() -> None:
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    missing = [spec.name for f in all_features() for spec in f.commands
               if not spec.hidden and f"`/{spec.name}" not in reference]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make test" in first_block and "make run" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

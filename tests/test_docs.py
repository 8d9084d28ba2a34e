"""Docs stay true: every CLI command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from sereno.cli.main import app
from sereno.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _commands(group, prefix=""):
    click_group = typer.main.get_command(group)
    for name, cmd in click_group.commands.items():
        if hasattr(cmd, "commands"):
            for sub in cmd.commands:
                yield f"{prefix}{name} {sub}"
        else:
            yield f"{prefix}{name}"


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(app) if f"sereno {c}" not in readme]
    assert missing == []


def test_every_setting_is_documented():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"SERENO_{name.upper()}" in doc, name
        assert field.description


def test_readme_starts_with_the_two_commands():
    lines = [
        ln for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln.strip()
    ]
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert [ln.split("#")[0].strip() for ln in block] == ["make demo", "make test"]

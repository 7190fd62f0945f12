"""The README documents every setting the app reads."""

from __future__ import annotations

from pathlib import Path

from app.config import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_configuration_table():
    table_rows = [line for line in README.read_text().splitlines() if line.startswith("| `")]
    documented = {row.split("`")[1] for row in table_rows}
    assert {setting.name for setting in SETTINGS} <= documented

"""Every setting is listed in .env.example with a comment, so operators can find it."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_every_setting_is_in_env_example_with_a_comment_above_it() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed = {
        line.split("=", 1)[0]: n
        for n, line in enumerate(lines)
        if "=" in line and not line.startswith("#")
    }
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in listed]
    assert missing == []
    for name, n in listed.items():
        above = lines[n - 1] if n else ""
        assert above.startswith("#") or "=" in above, f"{name} has no comment"

"""The checklist `sammachip setup` prints: one item per thing set up, in Thai and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.app import App

Status = Literal["ok", "changed", "missing", "failed", "manual", "info"]
MARKS: dict[Status, str] = {"ok": "✅", "changed": "🔧", "missing": "❌", "failed": "❌",
                            "manual": "📝", "info": "ℹ️"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Item:
    platform: str  # server | line | telegram
    key: str
    status: Status
    thai: str
    english: str


@dataclass
class Report:
    check: bool
    items: list[Item] = field(default_factory=list)

    def add(self, platform: str, key: str, status: Status, thai: str, english: str) -> None:
        self.items.append(Item(platform, key, status, thai, english))

    @property
    def changed(self) -> list[Item]:
        return [i for i in self.items if i.status == "changed"]

    @property
    def problems(self) -> list[Item]:
        return [i for i in self.items if i.status in ("missing", "failed")]

    @property
    def ok(self) -> bool:
        return not self.problems

    def status_of(self, platform: str, key: str) -> Status | None:
        return next((i.status for i in self.items if (i.platform, i.key) == (platform, key)), None)

    def render(self) -> str:
        title = "ตรวจการตั้งค่า (sammachip setup --check)" if self.check else "ตั้งค่า (sammachip setup)"
        lines = [title, ""]
        for platform, heading in (("server", "เซิร์ฟเวอร์ / Server"), ("line", "LINE"),
                                  ("telegram", "Telegram")):  # fmt: skip
            items = [i for i in self.items if i.platform == platform]
            if not items:
                continue
            lines.append(f"— {heading} —")
            for item in items:
                lines.append(f"{MARKS[item.status]} {item.thai}")
                lines.append(f"   {item.english}")
            lines.append("")
        left = [i for i in self.items if i.status in ("missing", "failed", "manual")]
        done = sum(1 for i in self.items if i.status in ("ok", "changed"))
        lines.append(f"เรียบร้อย {done} รายการ · เหลือ {len(left)} รายการ "
                     f"(done {done} · left {len(left)})")  # fmt: skip
        if self.check and self.problems:
            lines.append("รัน sammachip setup เพื่อแก้รายการที่ขาด (run `sammachip setup` to fix them)")
        return "\n".join(lines)


def webhook_url(app: App, path: str) -> str | None:
    base = (app.settings.public_base_url or "").rstrip("/")
    return f"{base}{path}" if base.startswith("https://") else None

"""How the dashboard shows things: the Jinja2 environment (autoescaped, strict), Thai wording of
statuses, Buddhist-Era dates, and the inline SVG sparkline (no JavaScript, no images to fetch)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.dashboard import queries
from bot.dashboard.queries import FiguresStatus, VisitStatus
from bot.reports.charts import month_label
from bot.wording import baht, number, thai_date, thai_month
from scheduler.policy import WEEK

CSS_FILE = "dashboard.css"


@cache
def css_version() -> str:
    """A short hash of the stylesheet, so a changed file is fetched again (`?v=`)."""
    data = (resources.files("bot.dashboard") / "static" / CSS_FILE).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def visit_text(visit: VisitStatus) -> str:
    level = visit.level
    if level == "off":
        return "ปิดการติดตาม"
    if level == "ok":
        return "เยี่ยมแล้วสัปดาห์นี้" if visit.every == WEEK else "เยี่ยมแล้วเดือนนี้"
    days = visit.overdue_days or 0
    if days > 0:
        return f"เลยกำหนด {number(days)} วัน"
    if days == 0:
        return "ครบกำหนดวันนี้"
    return f"ครบกำหนดใน {number(-days)} วัน"


def cadence_text(visit: VisitStatus) -> str:
    return "เยี่ยมทุกสัปดาห์ (ปีแรก)" if visit.every == WEEK else "เยี่ยมทุกเดือน"


def figures_text(figures: FiguresStatus) -> str:
    return {
        queries.SUBMITTED: "ส่งแล้ว",
        queries.LATE: "ส่งแล้ว (ช้า)",
        queries.MISSING: "ยังไม่ส่ง · เลยกำหนด",
        queries.PENDING: f"ยังไม่ส่ง · กำหนด {thai_date(figures.due_on)}",
        queries.NOT_DUE: "กลุ่มตั้งใหม่ ยังไม่ต้องส่ง",
    }[figures.state]


def figures_level(figures: FiguresStatus) -> str:
    return {
        queries.SUBMITTED: "ok",
        queries.LATE: "ok",
        queries.MISSING: "overdue",
        queries.PENDING: "due",
        queries.NOT_DUE: "off",
    }[figures.state]


def meeting_level(meetings: int, today: date, due_day: int) -> str:
    if meetings:
        return "ok"
    return "overdue" if due_day and today.day >= due_day else "due"


def change_text(now: Decimal, before: Decimal) -> str:
    if before == 0:
        return "" if now == 0 else "เดือนก่อนไม่มียอดขาย"
    percent = ((now - before) / before * 100).quantize(Decimal(1))
    if percent == 0:
        return "เท่ากับเดือนก่อน"
    return f"{'เพิ่มขึ้น' if percent > 0 else 'ลดลง'} {number(abs(percent))}% จากเดือนก่อน"


def sparkline(points: Sequence[tuple[date, Decimal]], width: int = 96, height: int = 28) -> Markup:
    """Sales per month as a tiny inline SVG line, with the numbers in its accessible name."""
    values = [float(v) for _, v in points]  # drawing only
    top = max(values, default=0.0) or 1.0
    pad = 3.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [
        (pad + i * step, height - pad - (v / top) * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    label = "ยอดขายรายเดือน " + ", ".join(f"{month_label(m)} {baht(v)}" for m, v in points)
    last = coords[-1] if coords else (0.0, 0.0)
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="2.5" fill="currentColor"/></svg>'
    )


def local_time(value: datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def environment(tz: ZoneInfo) -> Environment:
    env = Environment(
        loader=PackageLoader("bot.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        thai_date=thai_date,
        thai_month=thai_month,
        baht=baht,
        number=number,
        month_label=month_label,
        sparkline=sparkline,
        visit_text=visit_text,
        cadence_text=cadence_text,
        figures_text=figures_text,
        figures_level=figures_level,
        age_text=queries.age_text,
        local_time=lambda value: local_time(value, tz),
    )
    return env
